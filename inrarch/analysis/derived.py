"""Derived design state and what it was derived from.

`dataflow-fifo-depth` records figures that hold for the graph exactly as it sized it: `modeled_cycles`,
`lp_fifo_words`, `lp_bound_words` (and the FIFO depths themselves). It stamps the graph with a fingerprint of
everything those figures depend on (`derived_from`: the graph's kernels, FIFOs, their properties, weights and
formats, and the graph's own parameters). A pass that changes any of it after the sizing leaves the stamp behind:
`stale()` then says so, inrarch-opt drops the stale figures after each pass (`drop_stale`), and the printers refuse
a design that still carries them (`check_printable`), as they refuse a design whose cycle model deadlocks with the
printed FIFO depths.
"""

from __future__ import annotations

import hashlib

from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, StringAttr
from xdsl.ir import Attribute

from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import GraphOp

# The figures dataflow-fifo-depth derives, and the stamp itself: not part of the fingerprint.
DERIVED = ("modeled_cycles", "lp_fifo_words", "lp_bound_words")
STAMP = "derived_from"


def _attr_text(attr: Attribute) -> str:
    if isinstance(attr, DenseIntOrFPElementsAttr):  # weights: their bytes, not megabytes of printed hex
        return f"dense:{attr.type}:{hashlib.sha256(attr.data.data).hexdigest()}"
    return str(attr)


def fingerprint(graph: GraphOp) -> str:
    """A digest of the graph's structure, parameters and data, without the derived figures."""
    h = hashlib.sha256()
    names: dict = {}
    for i, arg in enumerate(graph.block.args):
        names[arg] = f"a{i}"
    h.update(str(graph.function_type).encode())
    for key in sorted(graph.attributes):
        if key not in DERIVED and key != STAMP:
            h.update(f"{key}={_attr_text(graph.attributes[key])};".encode())
    for op in graph.body.walk():
        for block in (r.block for r in op.regions if r.blocks):
            for arg in block.args:
                names[arg] = f"b{len(names)}"
        for res in op.results:
            names[res] = f"v{len(names)}"
        fields = [op.name, ",".join(names.get(v, "?") for v in op.operands),
                  ",".join(names[r] + ":" + str(r.type) for r in op.results)]  # fmt: skip
        fields += [f"{k}={_attr_text(v)}" for k, v in sorted(op.properties.items())]
        fields += [f"{k}={_attr_text(v)}" for k, v in sorted(op.attributes.items())]
        h.update(("|".join(fields) + "\n").encode())
    return h.hexdigest()[:16]


def stamp(graph: GraphOp) -> None:
    """Records that the graph's derived figures hold for it as it is now."""
    graph.attributes[STAMP] = StringAttr(fingerprint(graph))


def stale(graph: GraphOp) -> bool:
    """Whether the graph carries derived figures stamped for a graph other than itself. (A graph written by hand
    with figures but no stamp is taken as it is.)"""
    if not any(k in graph.attributes for k in DERIVED) or STAMP not in graph.attributes:
        return False
    recorded = graph.attributes[STAMP]
    return not isinstance(recorded, StringAttr) or recorded.data != fingerprint(graph)


def drop_stale(graph: GraphOp) -> bool:
    """Removes stale derived figures (and the stamp); True if there were any."""
    if not stale(graph):
        return False
    for key in (*DERIVED, STAMP):
        graph.attributes.pop(key, None)
    return True


def check_printable(graph: GraphOp, printer: str):
    """Refuses to print a design whose derived figures are stale, or whose cycle model deadlocks with its FIFO
    depths; returns the cycle model's run (result, streams) for the printer to reuse."""
    from inrarch.analysis.simulate import model_run

    if stale(graph):
        raise CompileError(f"{printer}: the design changed after dataflow-fifo-depth sized its FIFOs and modeled its "
                           "cycles; run dataflow-fifo-depth again before printing it", graph)  # fmt: skip
    result, values = model_run(graph)
    if result.deadlock is not None:
        raise CompileError(f"{printer}: the design deadlocks with its FIFO depths ({result.deadlock.describe()}); "
                           "run dataflow-fifo-depth to size them", graph)  # fmt: skip
    return result, values


__all__ = ["DERIVED", "STAMP", "check_printable", "drop_stale", "fingerprint", "stale", "stamp"]

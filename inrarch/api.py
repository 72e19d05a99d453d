"""The Python API beyond import: evaluation (functions and dataflow graphs) and derivatives."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from inrarch.context import make_context
from inrarch.diagnostics import CompileError


def differentiate(
    model_or_module,
    example_input=None,
    order: int = 1,
    layout: str = "insp",
    mode: str = "taylor",
    func: str | None = None,
    scale: float | None = None,
    cse: bool | None = None,
) -> ModuleOp:
    """A module whose public function `@<f>_grad(x)` returns every derivative of orders 0..`order` of f, in `layout`
    order (see the inr dialect). `model_or_module` is a torch.nn.Module (imported at `example_input`'s shape) or an
    xDSL module (left unchanged: a clone is differentiated)."""
    from inrarch.passes.inr_autodiff import InrAutodiffPass

    if isinstance(model_or_module, ModuleOp):
        module = model_or_module.clone()
    else:
        from inrarch.importer import import_model

        if example_input is None:
            raise CompileError("differentiate needs an example_input to import a PyTorch model")
        module = import_model(model_or_module, example_input)
    InrAutodiffPass(order=order, mode=mode, layout=layout, func=func, scale=scale, cse=cse).apply(make_context(), module)
    return module


def evaluate(module, *inputs, dtype=np.float64, func: str | None = None) -> list[np.ndarray]:
    """Runs a function of `module` on numpy (or torch) inputs; returns its results as arrays of `dtype`. A module
    holding a `dataflow.graph` runs the graph: one input array [N, d], one result, the written array [N, M]."""
    from inrarch.dataflow.functional import run_graph
    from inrarch.evaluator import run_function

    arrays = [np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x) for x in inputs]
    graphs = [op for op in module.walk() if op.name == "dataflow.graph"]
    if graphs and (func is None or any(g.sym_name.data == func for g in graphs)):
        graph = next(g for g in graphs if func is None or g.sym_name.data == func)
        if len(arrays) != 1:
            raise CompileError(f"@{graph.sym_name.data} takes one input array, {len(arrays)} given", graph)
        with np.errstate(all="ignore"):
            return [run_graph(graph, arrays[0], dtype)]
    return run_function(module, arrays, dtype, func)

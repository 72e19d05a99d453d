"""Pictures of a dataflow graph: Graphviz dot text, and a PNG — rendered by `dot` where that program exists,
otherwise drawn by inrarch with matplotlib: layered left to right, wrapped into rows, with a legend of the kernel
colours and FIFO labels."""

from __future__ import annotations

import shutil
import subprocess

from inrarch.targets.hls.facts import kernel_facts
from inrarch.dialects.dataflow import GraphOp, MapOp, MatVecOp, ShuffleOp

_COLORS = {"read": "#d9ead3", "write": "#d9ead3", "matvec": "#cfe2f3", "map": "#fff2cc", "fork": "#eeeeee",
           "shuffle": "#f4cccc"}  # fmt: skip


def _label(kernel, index: int) -> str:
    kind = kernel.name.split(".")[1]
    lines = [f"{kind} #{index}"]
    if isinstance(kernel, MatVecOp):
        rows, cols = kernel.shape
        lines.append(f"{kernel.members} x {rows}x{cols}")
        lines.append(f"{kernel.par_in_value}x{kernel.par_out_value} lanes")
    elif isinstance(kernel, MapOp):
        ops = sum(1 for op in kernel.body.block.ops if op.name.startswith(("arith.", "math.")))
        lines.append(f"{len(kernel.inputs)} in, {len(kernel.outputs)} out, {ops} ops")
        lines.append(f"II {kernel_facts(kernel).ii}")
    elif isinstance(kernel, ShuffleOp):
        lines.append(f"{len(kernel.selection())} elements")
    return "\\n".join(lines)


def to_dot(graph: GraphOp) -> str:
    kernels = list(graph.kernels())
    producer = {v: i for i, k in enumerate(kernels) for v in k.stream_outputs}
    lines = [f'digraph "{graph.sym_name.data}" {{', "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=8];']  # fmt: skip
    for i, k in enumerate(kernels):
        lines.append(f'  k{i} [label="{_label(k, i)}", fillcolor="{_COLORS.get(k.name.split(".")[1], "white")}"];')
    for j, k in enumerate(kernels):
        for v in k.stream_inputs:
            t = v.type
            depth = v.owner.depth_value
            name = v.name_hint or ""
            lines.append(f'  k{producer[v]} -> k{j} [label="{name}\\n{t.width}w x {depth}"];')
    legend = "\\l".join(["FIFO labels: the FIFO's name, then W w x D:", "tokens of W values (its width),",
                         "D tokens deep (its depth)", ""])  # fmt: skip
    lines.append(f'  legend [shape=note, style=filled, fillcolor="white", fontsize=8, label="{legend}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw(graph: GraphOp) -> tuple[str, bytes, str]:
    """The graph's dot text, a PNG of it, and how the PNG was drawn."""
    dot_text = to_dot(graph)
    dot = shutil.which("dot")
    if dot is not None:
        proc = subprocess.run([dot, "-Tpng"], input=dot_text.encode(), capture_output=True)
        if proc.returncode == 0 and proc.stdout:
            return dot_text, proc.stdout, "graphviz dot"
    return dot_text, _draw_with_matplotlib(graph), "inrarch's layered drawing (matplotlib; no graphviz `dot` here)"


def write_pictures(graph: GraphOp, dot_path: str, png_path: str) -> str:
    """Writes the dot file and a PNG (the files a user named: atomically, never through a link); returns how the
    PNG was drawn."""
    from inrarch.files import write_file

    dot_text, png, how = draw(graph)
    write_file(dot_path, dot_text.encode())
    write_file(png_path, png)
    return how


LAYERS_PER_ROW = 6  # layers of the layered drawing per row before it wraps
KINDS = (("read / write", "read"), ("matvec", "matvec"), ("map", "map"), ("fork", "fork"), ("shuffle", "shuffle"))
LEGEND = ("Kernels (processes) left to right in dataflow order, wrapped into rows; an arrow is one FIFO or several "
          "between two kernels.", "FIFO labels: 16w x 2 = a FIFO of tokens of 16 values (its width) that holds 2 "
          "tokens (its depth); 3 x 16w x 2 = three such FIFOs; a dashed arrow continues on the next row.")


def _edges(graph: GraphOp) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """(producer, consumer) kernel indices -> the (width, depth) of every FIFO between them."""
    kernels = list(graph.kernels())
    producer = {v: i for i, k in enumerate(kernels) for v in k.stream_outputs}
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for j, k in enumerate(kernels):
        for v in k.stream_inputs:
            edges.setdefault((producer[v], j), []).append((v.type.width, v.owner.depth_value))
    return edges


def fifo_label(fifos: list[tuple[int, int]]) -> str:
    """`16w x 2` for one FIFO, `3 x 16w x 2` for three alike, `3 FIFOs` for three that differ."""
    if len(set(fifos)) == 1:
        width, depth = fifos[0]
        return f"{len(fifos)} x {width}w x {depth}" if len(fifos) > 1 else f"{width}w x {depth}"
    return f"{len(fifos)} FIFOs"


def layout(graph: GraphOp, per_row: int = LAYERS_PER_ROW) -> dict[int, tuple[int, int, int]]:
    """Kernel index -> (row, column, slot): columns are the graph's topological layers, `per_row` of them to a row,
    slots the kernels of one layer, top to bottom."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(len(list(graph.kernels()))))
    g.add_edges_from(_edges(graph))
    place = {}
    for layer, nodes in enumerate(nx.topological_generations(g)):
        for slot, n in enumerate(sorted(nodes)):
            place[n] = (layer // per_row, layer % per_row, slot)
    return place


def _draw_with_matplotlib(graph: GraphOp, per_row: int = LAYERS_PER_ROW) -> bytes:
    """A layered drawing (inrarch's own, for machines without graphviz): `per_row` layers to a row, rows wrapped
    top to bottom, FIFO labels on the arrows, and a legend of the colours and labels."""
    import io
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    kernels = list(graph.kernels())
    place = layout(graph, per_row)
    rows = max((r for r, _, _ in place.values()), default=0) + 1
    height = [max((s for r2, _, s in place.values() if r2 == r), default=0) + 1 for r in range(rows)]
    top = [sum(height[:r]) + 0.9 * r for r in range(rows)]  # each row's first slot, rows 0.9 slots apart
    xy = {n: (c * 2.6, -(top[r] + s) * 1.25) for n, (r, c, s) in place.items()}
    columns = min(per_row, max((c for _, c, _ in place.values()), default=0) + 1 + (rows - 1) * per_row)
    fig_w = max(8.0, 2.25 * columns + 0.8)
    fig_h = 1.1 * (sum(height) + 0.9 * (rows - 1)) + 1.9
    fig, ax = plt.subplots(figsize=(fig_w, fig_h))
    for (u, v), fifos in _edges(graph).items():
        wraps = place[u][0] != place[v][0]
        ax.annotate("", xy=xy[v], xytext=xy[u],
                    arrowprops=dict(arrowstyle="-|>", color="#888888", lw=0.9, shrinkA=26, shrinkB=26,
                                    linestyle="--" if wraps else "-",
                                    connectionstyle="arc3,rad=0.0" if wraps else "arc3,rad=0.08"))  # fmt: skip
        (x0, y0), (x1, y1) = xy[u], xy[v]
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.12, fifo_label(fifos), ha="center", va="bottom", fontsize=6.5,
                color="#333333", bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))  # fmt: skip
    for n, (x, y) in xy.items():
        kind = kernels[n].name.split(".")[1]
        ax.text(x, y, _label(kernels[n], n).replace("\\n", "\n"), ha="center", va="center", fontsize=7.5,
                bbox=dict(boxstyle="round", fc=_COLORS.get(kind, "white"), ec="#555555"))  # fmt: skip
    xs = [x for x, _ in xy.values()] or [0.0]
    ys = [y for _, y in xy.values()] or [0.0]
    ax.set_xlim(min(xs) - 1.2, max(xs) + 1.2)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    fifos = sum(1 for _ in graph.fifos())
    ax.set_title(f"dataflow graph @{graph.sym_name.data}: {len(kernels)} processes, {fifos} FIFOs", fontsize=10)
    ax.axis("off")
    handles = [Patch(facecolor=_COLORS[kind], edgecolor="#555555", label=name) for name, kind in KINDS]
    fig.legend(handles=handles, loc="lower left", ncol=len(handles), fontsize=7, frameon=False,
               bbox_to_anchor=(0.01, 0.0))  # fmt: skip
    legend = "\n".join(textwrap.fill(line, int(fig_w * 15)) for line in LEGEND)
    fig.text(0.01, 0.055, legend, fontsize=7, va="bottom", ha="left", color="#333333")
    fig.tight_layout(rect=(0, 0.05 + 0.11 * len(legend.splitlines()) / fig_h, 1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    return buf.getvalue()

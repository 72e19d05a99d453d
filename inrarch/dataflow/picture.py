"""Pictures of a dataflow graph: Graphviz dot text, and a PNG — rendered by `dot` where that program exists,
otherwise drawn with networkx and matplotlib (layered left to right)."""

from __future__ import annotations

import shutil
import subprocess

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
        lines.append(f"II {kernel.ii_value}")
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
    return dot_text, _draw_with_matplotlib(graph), "networkx/matplotlib (no graphviz `dot` on this machine)"


def write_pictures(graph: GraphOp, dot_path: str, png_path: str) -> str:
    """Writes the dot file and a PNG (the files a user named: atomically, never through a link); returns how the
    PNG was drawn."""
    from inrarch.files import write_file

    dot_text, png, how = draw(graph)
    write_file(dot_path, dot_text.encode())
    write_file(png_path, png)
    return how


def _draw_with_matplotlib(graph: GraphOp) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    kernels = list(graph.kernels())
    producer = {v: i for i, k in enumerate(kernels) for v in k.stream_outputs}
    g = nx.DiGraph()
    for i, k in enumerate(kernels):
        g.add_node(i, label=_label(k, i).replace("\\n", "\n"), kind=k.name.split(".")[1])
    for j, k in enumerate(kernels):
        for v in k.stream_inputs:
            u = producer[v]
            if g.has_edge(u, j):
                g[u][j]["streams"] += 1
            else:
                g.add_edge(u, j, streams=1)
    for layer, nodes in enumerate(nx.topological_generations(g)):
        for n in nodes:
            g.nodes[n]["layer"] = layer
    pos = nx.multipartite_layout(g, subset_key="layer")
    layers = max(nx.get_node_attributes(g, "layer").values(), default=0) + 1
    tallest = max(sum(1 for n in g if g.nodes[n]["layer"] == layer) for layer in range(layers))
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * layers), max(3.2, 1.4 * tallest)))
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, node_size=2600, edge_color="#888888")
    nx.draw_networkx_edge_labels(g, pos, ax=ax, font_size=7,
                                 edge_labels={e: f"{d['streams']} FIFO" + ("s" if d["streams"] > 1 else "")
                                              for e, d in g.edges.items()})  # fmt: skip
    for n, (x, y) in pos.items():
        ax.text(x, y, g.nodes[n]["label"], ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc=_COLORS.get(g.nodes[n]["kind"], "white"), ec="#555555"))  # fmt: skip
    fifos = sum(1 for _ in graph.fifos())
    ax.set_title(f"dataflow graph @{graph.sym_name.data}: {len(kernels)} processes, {fifos} FIFOs", fontsize=10)
    ax.axis("off")
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    return buf.getvalue()

"""The dataflow picture without graphviz: inrarch's layered drawing wraps long graphs into rows and carries a legend
of its FIFO labels; the dot text carries the same legend."""

import struct

import inrarch.analysis.picture as picture
from inrarch.context import parse_module
from inrarch.targets.hls.printer import find_graph


def chain(maps: int) -> str:
    """read -> `maps` chained maps -> write, every FIFO of 16-value tokens and 2 tokens deep."""
    lines = ["!s = !dataflow.stream<tensor<16xf32>, 2>",
             "dataflow.graph @chain(%in: memref<8x32xf32>, %out: memref<8x32xf32>) {"]  # fmt: skip
    lines += [f"  %f{i} = dataflow.fifo depth 2 : !s" for i in range(maps + 1)]
    lines.append("  dataflow.read %in -> %f0 : memref<8x32xf32> -> !s")
    for i in range(maps):
        lines += [f"  dataflow.map ins(%f{i} : !s) outs(%f{i + 1} : !s) {{", "  ^bb0(%a: f32):",
                  "    %b = math.sin %a : f32", "    dataflow.yield %b : f32", "  }"]  # fmt: skip
    lines += [f"  dataflow.write %f{maps} -> %out : !s -> memref<8x32xf32>", "}"]
    return "\n".join(lines) + "\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_drawn_without_graphviz_wrapped_and_with_a_legend(monkeypatch):
    graph = find_graph(parse_module(chain(14), "chain.mlir"))
    place = picture.layout(graph)
    # 16 kernels in 16 layers: rows of LAYERS_PER_ROW columns, in dataflow order
    assert [place[k] for k in range(16)] == [(k // picture.LAYERS_PER_ROW, k % picture.LAYERS_PER_ROW, 0)
                                             for k in range(16)]  # fmt: skip
    labels = {edge: picture.fifo_label(fifos) for edge, fifos in picture._edges(graph).items()}
    assert labels == {(k, k + 1): "16w x 2" for k in range(15)}
    monkeypatch.setattr(picture.shutil, "which", lambda name: None)  # no graphviz `dot`
    dot_text, png, how = picture.draw(graph)
    assert how == "inrarch's layered drawing (matplotlib; no graphviz `dot` here)"
    width, height = png_size(png)
    assert width / height < 2.5  # wrapped, not a 16-kernel strip
    assert 'legend [shape=note' in dot_text and "then W w x D" in dot_text
    assert any("16w x 2" in line for line in picture.LEGEND)


def test_fifo_labels_count_alike_fifos():
    assert picture.fifo_label([(4, 1)] * 6) == "6 x 4w x 1"
    assert picture.fifo_label([(1, 8), (4, 2)]) == "2 FIFOs"

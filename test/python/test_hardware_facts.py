"""The hardware facts of the kernels inrarch prints (inrarch.targets.hls.facts): for each finding of the HLS review
of the earlier kernels, the analysis applied to that pattern (which it must reject) and to the printed one; and
the printed code of the benchmark design checked against its facts."""

import re

import numpy as np
import pytest

import inrarch
from inrarch.apps import models
from inrarch.targets.hls.facts import (
    BodyShape,
    Memory,
    kernel_facts,
    loop_ii,
    map_facts,
    matvec_facts,
    serial_accumulation,
    tree_accumulation,
)
from inrarch.analysis.resources import graph_resources
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import MapOp, MatVecOp
from inrarch.targets.hls.printer import HlsPrinter
from inrarch.targets.hls.lib import HLS_LIB_DIR
from model_kinds import sample_input


@pytest.fixture(scope="module")
def order1():
    return inrarch.compile(models.benchmark_siren(), sample_input(64, 2), order=1, dsp=3200)


def test_serial_accumulation_cannot_reach_ii_1():
    # The earlier matvec added its PI products to the accumulator one after another. Order 1, hidden layers:
    # 3 members x 43 column blocks = distance 129; BRAM read 2 + 32 fadds x 4 + write 1 = 131 cycles (+1 of
    # slack): II 2.
    serial = serial_accumulation(32, 3 * 43, acc_read=2)
    assert (serial.cycles, serial.ii) == (131, 2)
    # Output layer (PI 2, distance 6): 2 + 8 + 1 = 11 cycles: II 2.
    assert serial_accumulation(2, 6, acc_read=2).ii == 2
    # With the explicit adder tree one add is on the recurrence: 7 cycles within 129 iterations.
    assert tree_accumulation(129, acc_read=2).ii == 1
    f = matvec_facts(3, 256, 256, 32, 32, 32, 6)
    assert f.ii == 1 and f.recurrences[0].cycles == 7 and f.recurrences[0].distance == 129


def test_matvec_ii_follows_its_recurrence():
    # One member, one column: the accumulator comes back every iteration; its recurrence (LUTRAM read 1 + fadd 4
    # + write 1) takes 6 cycles, plus 1 of slack, so the loop runs at II 7 and the facts say why.
    f = matvec_facts(1, 64, 1, 1, 1, 1, 1)
    assert f.ii == 7 and "recurrence of 6 cycles (+1 of slack)" in f.ii_bound
    assert f.steps == 64 and f.writes == [[64 - 1 + f.params["OUT_DELAY"] + f.write_lag]]
    # A single reduction step has no loop-carried accumulator at all.
    assert matvec_facts(2, 4, 8, 4, 8, 4, 8).ii == 1
    assert not matvec_facts(2, 4, 8, 4, 8, 4, 8).recurrences


def test_unbanked_row_buffer_is_port_bound():
    # The earlier rows[NB][G][COLS] buffer, unpartitioned: one iteration wrote PO = 6 and read VOUT = 32 of its
    # elements; a two-port memory serves that in 19 cycles.
    old = Memory("rows", "ram2p", "bram", banks=1, words=2 * 3 * 256, bits=32, reads=32, writes=6)
    ii, bound = loop_ii((), [old])
    assert ii == 19 and "rows" in bound
    # The printed matvec banks it lcm(6, 32) = 96 ways: one write and one read per bank and iteration.
    f = matvec_facts(3, 256, 256, 32, 32, 32, 6)
    rows = next(m for m in f.memories if m.name == "rows")
    assert rows.banks == 96 and (rows.reads, rows.writes) == (1, 1)
    assert all(m.port_ii() == 1 for m in f.memories)


def test_operators_are_counted_as_written():
    # sin, cos and two products per element, 32-element tokens. Unrolled over 32 lanes at II 1 these are 32
    # instances each; the earlier model counted them shared over an II it hoped Vitis would exploit.
    body = BodyShape({"math.sin": 1, "math.cos": 1, "arith.mulf": 2}, critical_path=23, chain_ops=2)
    unrolled = map_facts(body, elements=256, width=32, lanes=32, ii=1, n_in=1, n_out=3, n_cols=2)
    assert dict(unrolled.operators) == {"math.sin": 32, "math.cos": 32, "arith.mulf": 64}
    assert unrolled.dsp == 32 * 8 + 32 * 8 + 64 * 3
    # The printed map shares explicitly: one lane, II 4, ALLOCATION limits of ceil(count / 4).
    shared = map_facts(body, elements=256, width=32, lanes=1, ii=4, n_in=1, n_out=3, n_cols=2)
    assert dict(shared.operators) == {"math.sin": 1, "math.cos": 1, "arith.mulf": 1}
    assert shared.steps * shared.ii == 1024


def test_printed_allocation_limits_are_the_counted_instances(order1):
    printed = HlsPrinter(order1.graph).print().source
    kernels = list(order1.graph.kernels())
    for k, kernel in enumerate(kernels):
        if not isinstance(kernel, MapOp):
            continue
        facts = kernel_facts(kernel)
        body = printed[printed.index(f"static void k{k}_map("):]
        body = body[: body.index("\n}\n")]
        limits = dict(re.findall(r"ALLOCATION (?:function|operation) instances = (\w+) limit = (\d+)", body))
        if facts.ii == 1:
            assert not limits
            continue
        names = {"arith.mulf": "fmul", "arith.addf": "fadd", "arith.subf": "fsub", "math.sin": "inrarch_sin_f32",
                 "math.cos": "inrarch_cos_f32"}  # fmt: skip
        expected = {names[op]: str(n) for op, n in facts.operators.items() if op in names}
        assert limits == expected, k
        assert f"#pragma HLS PIPELINE II = {facts.ii} style = stp" in body


def test_report_counts_every_instance(order1):
    r = order1.report
    total = sum(k["dsp"] for k in r["kernel_facts"])
    assert r["dsp"] == total == graph_resources(order1.graph).dsp <= 3200
    lanes = sum(k.parallelism for k in order1.graph.kernels() if isinstance(k, MatVecOp))
    matvec_dsp = sum(kernel_facts(k).dsp for k in order1.graph.kernels() if isinstance(k, MatVecOp))
    assert matvec_dsp == 5 * lanes  # one fmul (3) and one fadd (2) per lane: tree adds + one accumulate
    assert all(k["ii_bound"] for k in r["kernel_facts"])


def test_kernel_library_loops_neither_divide_nor_take_remainders():
    # Division and modulo by a variable or a non-power-of-two constant become divider cores. In the library only
    # compile-time constants (constexpr, static_assert, template arguments) divide.
    for path in (HLS_LIB_DIR / "inrarch").glob("*.h"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = re.sub(r"<[^<>;]*>", "<>", line.split("//")[0])  # template arguments are compile time
            if re.search(r"[\w)\]] +(/|%) ", code) and not re.search(r"constexpr|static_assert|sizeof", code):
                pytest.fail(f"{path.name}:{number}: {line.strip()}")


def test_printed_code_binds_no_constant_to_uram(order1):
    printed = HlsPrinter(order1.graph).print().source
    assert "uram" not in printed.lower()
    assert len(re.findall(r"BIND_STORAGE variable = W type = rom_1p impl = (bram|lutram)", printed)) == 5


def test_weights_that_do_not_fit_bram_are_refused():
    with pytest.raises(CompileError, match="needs .* BRAM36 .* not placed in URAM"):
        inrarch.compile(models.siren(2, 256, 2, 1), sample_input(8, 2), order=1, target="custom", dsp=400)


def test_matvec_row_buffer_write_and_read_sites_cover_every_column():
    # Column c of a member lies in row-buffer bank c % L, word c // L; the printed write sites (jb % (L/PO)) and
    # read sites (ot % (L/VOUT)) reach exactly those banks.
    for po, vout, cols in [(6, 32, 256), (3, 1, 3), (4, 8, 64), (5, 2, 10)]:
        f = matvec_facts(2, 32, cols, 8, vout, 8, po)
        L = f.params["L"]
        written = {(jb // (L // po), (jb % (L // po)) * po + p) for jb in range(f.params["CB"]) for p in range(po)}
        read = {(ot // (L // vout), (ot % (L // vout)) * vout + e) for ot in range(cols // vout) for e in range(vout)}
        assert read <= written
        assert all(c // L == w and c % L == b for c, (w, b) in enumerate(sorted(read, key=lambda x: x[0] * L + x[1])))
    assert np.lcm(6, 32) == 96

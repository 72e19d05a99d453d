"""Every HLS pragma inrarch prints, or includes from its kernel library, is one of the forms UG1399 documents, with
literal arguments (inrarch.targets.hls.pragmas: the grammar, each form with its UG1399 section and the handler of Vitis's
front end, hls-llvm-project clang/lib/Parse/ParseXlxPragma.cpp, that reads it). A pragma in another form is one
Vitis may warn about and drop: ALLOCATION with `type = function` (the front end wants `function` / `operation`
right after ALLOCATION) was one; a PIPELINE II or DEPENDENCE distance that names a template's constant was another
(the front end parses distance under a TODO about template arguments), so the matvec's loop is printed per kernel
with its numbers.

The designs: the benchmark SIREN (64 samples, 3200 DSP) at orders 1-3 in fp32 and 1-2 in fixed point, and every
model kind at order 1; printed only (no C-simulation: test_csim.py runs the same printer's C++)."""

import functools
import re

import pytest

import inrarch
from inrarch.apps import models
from inrarch.targets.hls import pragmas
from inrarch.targets.hls.printer import HlsPrinter
from inrarch.targets.hls.lib import HLS_LIB_DIR
from model_kinds import MODEL_KINDS, sample_input

DESIGNS = {
    **{f"benchmark-f32-order{o}": (models.benchmark_siren, 64, 2, o, {"dsp": 3200}) for o in (1, 2, 3)},
    **{f"benchmark-fixed-order{o}": (models.benchmark_siren, 64, 2, o, {"dsp": 3200, "precision": "auto"})
       for o in (1, 2)},
    **{f"{name}-order1": (factory, 16, d, 1, {}) for name, factory, d in MODEL_KINDS},
}  # fmt: skip

HEADERS = sorted(p for p in HLS_LIB_DIR.rglob("*.h"))


@functools.cache
def printed(key: str):
    """The printed sources of design `key` (compiled once per test module)."""
    factory, n, d, order, options = DESIGNS[key]
    design = inrarch.compile(factory(), sample_input(n, d), order=order, out_dir=None, golden=False, **options)
    return HlsPrinter(design.graph).print()


@pytest.mark.parametrize("key", DESIGNS)
def test_every_printed_pragma_is_a_documented_form(key):
    p = printed(key)
    for name, text in ((f"{p.top}.cpp", p.source), (f"{p.top}.h", p.header), (f"{p.top}_constants.h", p.constants)):
        assert pragmas.check(text) == [], name
    found, _ = pragmas.pragmas(p.source)
    names = {pragmas.parse(q.text).name for q in found}
    assert {"interface", "dataflow", "stream", "pipeline", "array_partition"} <= names
    if key.startswith("benchmark"):
        assert {"dependence", "allocation", "bind_storage"} <= names


@pytest.mark.parametrize("header", HEADERS, ids=[str(h.relative_to(HLS_LIB_DIR)) for h in HEADERS])
def test_every_library_pragma_is_a_documented_form(header):
    assert pragmas.check(header.read_text()) == []


def test_the_printed_code_includes_only_checked_headers():
    """The kernel-library headers the printed code includes (directly or through each other) are among HEADERS;
    the others it includes are Vitis's own (hls_stream.h, hls_math.h, ap_fixed.h) or its own printed files."""
    p = printed("benchmark-fixed-order1")
    own = {f"{p.top}.h", f"{p.top}_constants.h"}
    todo = [p.source]
    seen = set()
    while todo:
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', todo.pop(), re.M):
            if inc in own or inc in seen:
                continue
            path = HLS_LIB_DIR / inc
            assert path in HEADERS, inc
            seen.add(inc)
            todo.append(path.read_text())
    assert {"inrarch/kernels.h", "inrarch/dataflow.h", "inrarch/fixed.h"} <= seen


def test_allocated_functions_are_library_functions():
    """`ALLOCATION function instances = <f>` names a function of the kernel library (in scope where printed)."""
    kernels_h = (HLS_LIB_DIR / "inrarch" / "kernels.h").read_text()
    wrapped = re.findall(r"^INRARCH_MATH1\((\w+)\)", kernels_h, re.M)
    defined = {f"inrarch_{fn}_{t}" for fn in wrapped for t in ("f32", "f64")}
    defined |= set(re.findall(r"^inline \w+ (inrarch_\w+)\(", kernels_h, re.M))
    named = set()
    for key in DESIGNS:
        for q in pragmas.pragmas(printed(key).source)[0]:
            parsed = pragmas.parse(q.text)
            if parsed.name == "allocation" and parsed.head == "function":
                named.add(parsed.options["instances"])
    assert named and named <= defined


def functions(source: str) -> list[str]:
    """The printed source's top-level function definitions (from their first line to the closing `}`)."""
    return re.findall(r'^(?:static void |extern "C" void ).*?^}$', source, re.M | re.S)


@pytest.mark.parametrize("key", ["benchmark-f32-order2", "benchmark-fixed-order2", "residual-order1"])
def test_pragma_variables_are_declared_before_them(key):
    """Each variable or port a printed pragma names is declared (or a parameter) earlier in its function."""
    for fn in functions(printed(key).source):
        for q in pragmas.pragmas(fn)[0]:
            parsed = pragmas.parse(q.text)
            name = parsed.options.get("variable") or parsed.options.get("port")
            if name is None or name == "return":
                continue
            before = "\n".join(ln for ln in fn.split("\n")[: q.line - 1] if not ln.lstrip().startswith("#pragma"))
            assert re.search(rf"\b{name}\b", before), (key, q.text)


@pytest.mark.parametrize("key", ["benchmark-f32-order1", "benchmark-f32-order3", "benchmark-fixed-order2",
                                 "siren-order1"])
def test_matvec_loops_state_their_configuration_in_literals(key):
    """Each matvec process prints its loop with the II and the dependence distances of its configuration (the
    library static_asserts those against the derived values), not names the front end might not evaluate."""
    source = printed(key).source
    processes = re.findall(r"^struct (k\d+_matvec)_cfg .*?^};\n(^static void \1\(.*?^}$)", source, re.M | re.S)
    assert processes
    for name, fn in processes:
        cfg = source[source.index(f"struct {name}_cfg") :]
        cfg = dict(re.findall(r"static constexpr int (\w+) = (\d+);", cfg[: cfg.index("};")]))
        assert cfg["ACC_DIST"] == str(int(cfg["G"]) * int(cfg["CB"]))
        assert cfg["ROW_DIST"] == str(int(cfg["OUT_START"]) - int(cfg["RB"]) * int(cfg["G"]) * int(cfg["CB"]) + 1)
        loop = [pragmas.parse(q.text) for q in pragmas.pragmas(fn)[0]]
        pipeline = [p for p in loop if p.name == "pipeline"]
        assert [p.options["ii"] for p in pipeline] == [cfg["II"]]
        distances = {p.options["variable"]: p.options["distance"] for p in loop if "distance" in p.options}
        assert distances == {"acc": cfg["ACC_DIST"], "rows": cfg["ROW_DIST"]}, name
        assert f"INRARCH_PIPELINE({cfg['II']}, {cfg['LAG']});" in fn
        assert f"inrarch::matvec_iteration<{name}_cfg>(" in fn


# -- the grammar itself -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,reason", [
    # The forms this checker was written against: what the printer and kernels.h printed before.
    ("ALLOCATION type = function instances = inrarch_sin_f32 limit = 1", "right after its name"),
    ("ALLOCATION type = operation instances = fmul limit = 1", "right after its name"),
    ("PIPELINE II = II style = stp", "a decimal literal expected"),
    ("DEPENDENCE variable = acc type = inter dependent = true distance = ACC_DIST", "a decimal literal expected"),
    ("PIPELINE II = 2 * 2", "unexpected `*`"),
    ("ALLOCATION operation instances = fmult limit = 1", "one of"),
    ("ARRAY_PARTITION variable = x type = cyclic dim = 1", "a factor"),
    ("BIND_STORAGE variable = x type = rom_1p impl = uram", "has no impl"),
    ("DEPENDENCE variable = x type = intra dependent = false distance = 2", "a distance only"),
    ("INTERFACE mode = s_axilite port = in depth = 4", "no option `depth`"),
    ("STREAM variable = x depth = 2 depth = 3", "given twice"),
    ("LOOP_FLATTEN off", "not a pragma"),
])  # fmt: skip
def test_the_grammar_rejects(text, reason):
    with pytest.raises(pragmas.PragmaError, match=re.escape(reason)):
        pragmas.parse(text)


def test_pragmas_are_found_in_both_spellings_and_outside_comments():
    text = "\n".join([
        "// #pragma HLS PIPELINE II = N  (a comment)",
        "#pragma HLS PIPELINE II = 1",
        "  _Pragma(\"HLS INLINE off\") _Pragma(\"HLS PIPELINE II = II\")",
        "/* _Pragma(\"HLS UNROLL factor = K\") */",
        "#define PRAGMA_SUB(x) _Pragma(#x)",
        "#pragma once",
    ])  # fmt: skip
    found, unreadable = pragmas.pragmas(text)
    assert [(q.line, q.spelling, q.text) for q in found] == [
        (2, "#pragma", "PIPELINE II = 1"), (3, "_Pragma", "INLINE off"), (3, "_Pragma", "PIPELINE II = II")]
    assert unreadable == ["line 5: a _Pragma whose operand is not a string literal"]
    problems = pragmas.check(text)
    assert len(problems) == 2 and problems[0].startswith("line 5") and "II = II" in problems[1]

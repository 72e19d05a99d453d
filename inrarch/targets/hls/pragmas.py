"""The Vitis HLS pragma forms inrarch prints, as a grammar a checker can hold printed C++ to.

Each form is one that UG1399 (the Vitis High-Level Synthesis User Guide, section "HLS Pragmas", one page per
pragma: "pragma HLS <name>") documents and that Vitis's C++ front end reads as written: the public source of that
front end, Xilinx/hls-llvm-project, clang/lib/Parse/ParseXlxPragma.cpp (read at commit 14e9eba6b537), has one
handler per pragma (`Parser::HandleXlxPragma` dispatches on the name; each form below names its handler) that
lists the options it takes (`XlxPragmaArgParser`: `reqId`, `optICEExpr`, `optEnum`, `presentId`, ...) and warns
and drops the pragma on any other. The grammar here is stricter than that parser: only the spelling UG1399's
pragma pages give today (none of the deprecated or older ones the parser still reads), and every numeric argument
a decimal literal. UG1399 also allows #define values and `const int` / constexpr names there
("Using #define with Pragma Directives", "Using Constants with Pragmas"), but a name whose value depends on a
template parameter is not documented, and the front end parses DEPENDENCE's distance under "TODO, rewrite it
support template argument expression in Distance option" (HandleXlxDependencePragma); inrarch knows every number
when it prints, so it prints literals and this grammar requires them.

`pragmas(text)` finds the HLS pragmas of a C++ text (`#pragma HLS ...` lines and `_Pragma("HLS ...")` operators,
outside comments); `check(text)` parses each against `FORMS` and returns what does not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

INT = "int"  # a decimal literal
NAME = "name"  # a C identifier (a variable, port or function), or `return` for INTERFACE's port


def enum(*words: str) -> frozenset[str]:
    return frozenset(words)


@dataclass(frozen=True)
class Form:
    """One documented form: `#pragma HLS <name> [<head>] <option> = <value> ... <flag> ...`.

    `head`: the words one of which must directly follow the name (ALLOCATION's `function` / `operation`);
    `options`: option -> INT, NAME or the set of its words; `flags`: options written without a value; `required`:
    the options a pragma of this form must have (those the front end requires, and those inrarch always states,
    e.g. DEPENDENCE's type and dependent). Names and words are matched without regard to case, as the front end
    does (`CaseLower`, `equals_lower`)."""

    name: str
    source: str
    head: frozenset[str] = frozenset()
    options: dict[str, str | frozenset[str]] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()


# The operations ALLOCATION can limit: UG1399, "Limiting the Number of Operators" (its table of operations) and
# config_op's list (the same names): integer add / sub / mul, and the single (f), double (d) and half (h)
# floating-point operators.
OPERATIONS = enum("add", "sub", "mul", "fadd", "fsub", "fmul", "fdiv", "fexp", "flog", "frsqrt", "frecip", "fsqrt",
                  "dadd", "dsub", "dmul", "ddiv", "dexp", "dlog", "drsqrt", "drecip", "dsqrt", "hadd", "hsub", "hmul",
                  "hdiv", "hsqrt")  # fmt: skip

# BIND_STORAGE: UG1399, "pragma HLS bind_storage", the table of storage types and the implementations each
# supports (the front end checks the pair: HandleXlxBindStoragePragma, `verifyBindStorage`).
STORAGE_IMPLS = {
    "fifo": enum("bram", "lutram", "memory", "srl", "uram"),
    "ram_1p": enum("auto", "bram", "lutram", "uram"),
    "ram_1wnr": enum("auto", "bram", "lutram", "uram"),
    "ram_2p": enum("auto", "bram", "lutram", "uram"),
    "ram_s2p": enum("bram", "bram_ecc", "lutram", "uram", "uram_ecc"),
    "ram_t2p": enum("bram", "uram"),
    "rom_1p": enum("auto", "bram", "lutram"),
    "rom_2p": enum("auto", "bram", "lutram"),
    "rom_np": enum("bram", "lutram"),
}

UG = "UG1399, HLS Pragmas"
PARSER = "hls-llvm-project clang/lib/Parse/ParseXlxPragma.cpp"

FORMS: dict[str, list[Form]] = {
    "allocation": [
        # "#pragma HLS allocation <type> instances=<list> limit=<value>" with the Important note "The <type> as
        # operation or function must follow the allocation keyword"; the front end reads that word first and
        # ignores the pragma otherwise (HandleAllocationPragma: "function/operation" expected).
        Form("allocation", f"{UG}, pragma HLS allocation; {PARSER}, HandleFunctionAllocationPragma",
             head=enum("function"), options={"instances": NAME, "limit": INT},
             required=enum("instances", "limit")),
        Form("allocation", f"{UG}, pragma HLS allocation; {PARSER}, HandleOperationAllocationPragma",
             head=enum("operation"), options={"instances": OPERATIONS, "limit": INT},
             required=enum("instances", "limit")),
    ],
    # "#pragma HLS pipeline II=<int> off rewind style=<stp | frp | flp>" (HandleXlxPipelinePragma).
    "pipeline": [Form("pipeline", f"{UG}, pragma HLS pipeline; {PARSER}, HandleXlxPipelinePragma",
                      options={"ii": INT, "style": enum("stp", "flp", "frp")}, flags=enum("off", "rewind"))],
    # "#pragma HLS dependence variable=<variable> class=<array | pointer> type=<inter | intra>
    #  direction=<RAW | WAR | WAW> distance=<int> dependent=<true | false>" (HandleXlxDependencePragma).
    "dependence": [Form("dependence", f"{UG}, pragma HLS dependence; {PARSER}, HandleXlxDependencePragma",
                        options={"variable": NAME, "class": enum("array", "pointer"), "type": enum("intra", "inter"),
                                 "direction": enum("raw", "war", "waw"), "distance": INT,
                                 "dependent": enum("true", "false")},
                        required=enum("variable", "type", "dependent"))],
    # "#pragma HLS array_partition variable=<name> type=<complete | cyclic | block> factor=<int> dim=<int>"
    # (HandleArrayPartitionPragma).
    "array_partition": [Form("array_partition",
                             f"{UG}, pragma HLS array_partition; {PARSER}, HandleArrayPartitionPragma",
                             options={"variable": NAME, "type": enum("complete", "cyclic", "block"), "factor": INT,
                                      "dim": INT},
                             required=enum("variable", "type"))],
    # "#pragma HLS array_reshape variable=<name> type=<complete | cyclic | block> factor=<int> dim=<int> object off"
    # (HandleArrayReshapePragma).
    "array_reshape": [Form("array_reshape",
                           f"{UG}, pragma HLS array_reshape; {PARSER}, HandleArrayReshapePragma",
                           options={"variable": NAME, "type": enum("complete", "cyclic", "block"), "factor": INT,
                                    "dim": INT},
                           flags=enum("object", "off"), required=enum("variable", "type"))],
    # "#pragma HLS stream variable=<variable> type=<fifo | pipo | shared | unsync> depth=<int>"
    # (HandleStreamPragma).
    "stream": [Form("stream", f"{UG}, pragma HLS stream; {PARSER}, HandleStreamPragma",
                    options={"variable": NAME, "type": enum("fifo", "pipo", "shared", "unsync"), "depth": INT},
                    required=enum("variable"))],
    # "#pragma HLS bind_storage variable=<variable> type=<type> [ impl=<value> latency=<int> ]"
    # (HandleXlxBindStoragePragma).
    "bind_storage": [Form("bind_storage", f"{UG}, pragma HLS bind_storage; {PARSER}, HandleXlxBindStoragePragma",
                          options={"variable": NAME, "type": enum(*STORAGE_IMPLS),
                                   "impl": enum(*set().union(*STORAGE_IMPLS.values())), "latency": INT},
                          required=enum("variable", "type"))],
    # "#pragma HLS interface mode=<mode> port=<name> [OPTIONS]" (UG1399 2022.1 on; the front end reads the mode
    # as `mode=<mode>` or as a bare word: HandleInterfacePragma, optEnum("mode", ...)), the options of each mode
    # (HandleMAXIInterfacePragma, HandleSAXIInterfacePragma, HandleCallingConvInInterfacePragma).
    "interface": [
        Form("interface", f"{UG}, pragma HLS interface (m_axi); {PARSER}, HandleMAXIInterfacePragma",
             options={"mode": enum("m_axi"), "port": NAME, "bundle": NAME, "depth": INT,
                      "offset": enum("slave", "direct", "off"), "name": NAME, "latency": INT,
                      "num_read_outstanding": INT, "num_write_outstanding": INT, "max_read_burst_length": INT,
                      "max_write_burst_length": INT, "max_widen_bitwidth": INT},
             required=enum("mode", "port")),
        Form("interface", f"{UG}, pragma HLS interface (s_axilite); {PARSER}, HandleSAXIInterfacePragma",
             options={"mode": enum("s_axilite"), "port": NAME, "bundle": NAME, "offset": INT, "clock": NAME,
                      "name": NAME, "storage_impl": enum("auto", "bram", "uram")},
             flags=enum("register"), required=enum("mode", "port")),
        Form("interface", f"{UG}, pragma HLS interface (block control); {PARSER}, HandleCallingConvInInterfacePragma",
             options={"mode": enum("ap_ctrl_none", "ap_ctrl_hs", "ap_ctrl_chain"), "port": NAME, "name": NAME},
             required=enum("mode", "port")),
    ],
    # "#pragma HLS dataflow [disable_start_propagation]" (HandleXlxDataflowPragma).
    "dataflow": [Form("dataflow", f"{UG}, pragma HLS dataflow; {PARSER}, HandleXlxDataflowPragma",
                      flags=enum("disable_start_propagation"))],
    # "#pragma HLS unroll factor=<N> skip_exit_check" (HandleXlxUnrollPragma).
    "unroll": [Form("unroll", f"{UG}, pragma HLS unroll; {PARSER}, HandleXlxUnrollPragma",
                    options={"factor": INT}, flags=enum("skip_exit_check"))],
    # "#pragma HLS inline <off | recursive>" (HandleInlinePragma).
    "inline": [Form("inline", f"{UG}, pragma HLS inline; {PARSER}, HandleInlinePragma",
                    flags=enum("off", "recursive"))],
    # "#pragma HLS aggregate variable=<variable> compact=[bit | byte | none | auto]" (HandleXlxAggregatePragma).
    "aggregate": [Form("aggregate", f"{UG}, pragma HLS aggregate; {PARSER}, HandleXlxAggregatePragma",
                       options={"variable": NAME, "compact": enum("bit", "byte", "none", "auto")},
                       required=enum("variable"))],
}


@dataclass(frozen=True)
class Pragma:
    text: str  # after `HLS`
    line: int  # 1-based line of the text where it stands
    spelling: str  # `#pragma` or `_Pragma`


@dataclass(frozen=True)
class Parsed:
    name: str  # lower case
    head: str | None  # lower case
    options: dict[str, str]  # lower-case option -> value as written
    flags: frozenset[str]  # lower case
    form: Form


class PragmaError(ValueError):
    pass


_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.S)
_HASH_PRAGMA = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+(\w+)(.*)$", re.M)
_OPERATOR = re.compile(r"\b_Pragma\b\s*\(")
_STRING_ARG = re.compile(r'\s*"((?:[^"\\\n]|\\.)*)"\s*\)')
_TOKEN = re.compile(r"\s*(?:(=)|([A-Za-z_]\w*)|(\d+)|(\S))")
_INT = re.compile(r"(?:0|[1-9]\d*)")


def _without_comments(text: str) -> str:
    """`text` with its comments blanked (newlines kept), string literals as they are."""

    def blank(m: re.Match) -> str:
        s = m.group(0)
        return s if s.startswith('"') else re.sub(r"[^\n]", " ", s)

    return _COMMENT_OR_STRING.sub(blank, text)


def pragmas(text: str) -> tuple[list[Pragma], list[str]]:
    """The HLS pragmas of a C++ text, and what it could not read: a `_Pragma` whose operand is not one string
    literal (e.g. a stringized macro argument: its text is known only once expanded), or a pragma of the HLS
    family spelled `AP` / `AUTOPILOT` (the front end reads them too, inrarch prints `HLS`)."""
    code = _without_comments(text)
    found: list[Pragma] = []
    unreadable: list[str] = []
    for m in _HASH_PRAGMA.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        kind, rest = m.group(1), m.group(2)
        if kind.upper() == "HLS":
            found.append(Pragma(rest.strip(), line, "#pragma"))
        elif kind.upper() in ("AP", "AUTOPILOT"):
            unreadable.append(f"line {line}: `#pragma {kind}`: inrarch spells its pragmas `#pragma HLS`")
    for m in _OPERATOR.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        arg = _STRING_ARG.match(code, m.end())
        if arg is None:
            unreadable.append(f"line {line}: a _Pragma whose operand is not a string literal")
            continue
        body = arg.group(1).strip()
        word = body.split(None, 1)
        if word and word[0].upper() == "HLS":
            found.append(Pragma(word[1].strip() if len(word) > 1 else "", line, "_Pragma"))
        elif word and word[0].upper() in ("AP", "AUTOPILOT"):
            unreadable.append(f"line {line}: `_Pragma(\"{word[0]} ...\")`: inrarch spells its pragmas `HLS`")
    found.sort(key=lambda p: p.line)
    return found, unreadable


def _tokens(text: str) -> list[str]:
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing blanks
            break
        if m.group(4) is not None:
            raise PragmaError(f"unexpected `{m.group(4)}` (arguments are names, words and decimal literals)")
        out.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    return out


def _value_ok(kind: str | frozenset[str], value: str) -> bool:
    if kind == INT:
        return _INT.fullmatch(value) is not None
    if kind == NAME:
        return re.fullmatch(r"[A-Za-z_]\w*", value) is not None
    return value.lower() in kind


def parse(text: str) -> Parsed:
    """Parses the text of one pragma after `HLS` against FORMS; raises PragmaError with the reason if no
    documented form matches."""
    tokens = _tokens(text)
    if not tokens:
        raise PragmaError("no pragma name")
    name = tokens[0].lower()
    forms = FORMS.get(name)
    if forms is None:
        raise PragmaError(f"`{tokens[0]}` is not a pragma inrarch's grammar knows")
    forms = _candidates(name, forms, tokens[1:])
    reasons = []
    for form in forms:
        try:
            return _parse_form(form, tokens[1:])
        except PragmaError as err:
            reasons.append(str(err))
    raise PragmaError("; ".join(dict.fromkeys(reasons)))


def _candidates(name: str, forms: list[Form], tokens: list[str]) -> list[Form]:
    """The forms a pragma can be: chosen by the word after its name (ALLOCATION) or by its mode (INTERFACE)."""
    heads = set().union(*(f.head for f in forms))
    if heads:
        word = tokens[0].lower() if tokens and (len(tokens) < 2 or tokens[1] != "=") else None
        chosen = [f for f in forms if word in f.head]
        if not chosen:
            raise PragmaError(f"{name.upper()} needs `{' / '.join(sorted(heads))}` right after its name "
                              f"({forms[0].source})")  # fmt: skip
        return chosen
    modes = [f.options.get("mode") for f in forms]
    if all(isinstance(m, frozenset) for m in modes):
        given = next((tokens[i + 2].lower() for i in range(len(tokens) - 2)
                      if tokens[i].lower() == "mode" and tokens[i + 1] == "="), None)  # fmt: skip
        chosen = [f for f, m in zip(forms, modes, strict=True) if given in m]
        if not chosen:
            every = sorted(set().union(*modes))
            raise PragmaError(f"{name.upper()} needs `mode = <{' | '.join(every)}>` ({forms[0].source})")
        return chosen
    return forms


def _parse_form(form: Form, tokens: list[str]) -> Parsed:
    head = None
    i = 0
    if form.head:
        if not tokens or tokens[0].lower() not in form.head or (len(tokens) > 1 and tokens[1] == "="):
            want = " / ".join(sorted(form.head))
            raise PragmaError(f"{form.name.upper()} needs `{want}` right after its name ({form.source})")
        head = tokens[0].lower()
        i = 1
    options: dict[str, str] = {}
    flags: set[str] = set()
    while i < len(tokens):
        word = tokens[i]
        key = word.lower()
        if not re.fullmatch(r"[A-Za-z_]\w*", word):
            raise PragmaError(f"`{word}` where an option name belongs")
        if i + 1 < len(tokens) and tokens[i + 1] == "=":
            if key not in form.options:
                raise PragmaError(f"{form.name.upper()} has no option `{word}` ({form.source})")
            if i + 2 >= len(tokens):
                raise PragmaError(f"`{word} =` without a value")
            value = tokens[i + 2]
            if key in options:
                raise PragmaError(f"`{word}` given twice")
            kind = form.options[key]
            if not _value_ok(kind, value):
                want = {INT: "a decimal literal", NAME: "a name"}.get(kind) if isinstance(kind, str) else \
                    "one of " + ", ".join(sorted(kind))  # fmt: skip
                raise PragmaError(f"{form.name.upper()} {word} = {value}: {want} expected ({form.source})")
            options[key] = value
            i += 3
        else:
            if key not in form.flags:
                raise PragmaError(f"{form.name.upper()} has no flag `{word}` ({form.source})")
            if key in flags:
                raise PragmaError(f"`{word}` given twice")
            flags.add(key)
            i += 1
    missing = sorted(form.required - set(options))
    if missing:
        raise PragmaError(f"{form.name.upper()} without {', '.join(missing)} ({form.source})")
    parsed = Parsed(form.name, head, options, frozenset(flags), form)
    _check_combination(parsed)
    return parsed


def _check_combination(p: Parsed) -> None:
    """Rules between options that UG1399 states and the front end enforces."""
    o = p.options
    if p.name in ("array_partition", "array_reshape"):
        # A factor with type=complete is ignored with a warning; cyclic and block need one (HandleArrayPartitionPragma,
        # HandleArrayReshapePragma).
        if (o["type"].lower() == "complete") == ("factor" in o):
            raise PragmaError(f"{p.name.upper()}: a factor with type = cyclic / block, none with complete")
    elif p.name == "bind_storage":
        if "impl" in o and o["impl"].lower() not in STORAGE_IMPLS[o["type"].lower()]:
            raise PragmaError(f"BIND_STORAGE: type = {o['type']} has no impl = {o['impl']} (UG1399, pragma HLS "
                              "bind_storage, supported implementations)")  # fmt: skip
    elif p.name == "dependence":
        # UG1399: distance is "relevant only for loop-carried dependencies where dependent is set to true".
        if "distance" in o and (o["type"].lower() != "inter" or o["dependent"].lower() != "true"):
            raise PragmaError("DEPENDENCE: a distance only with type = inter dependent = true")
    elif p.name == "pipeline":
        if "off" in p.flags and ("ii" in o or "style" in o or "rewind" in p.flags):
            raise PragmaError("PIPELINE off with other options")
        if "rewind" in p.flags and o.get("style", "stp").lower() != "stp":
            raise PragmaError("PIPELINE rewind needs style = stp")


def check(text: str) -> list[str]:
    """Every HLS pragma of `text` that matches no documented form (and every pragma it cannot read), as
    `line N: <pragma>: <reason>`; empty when all match."""
    found, problems = pragmas(text)
    for p in found:
        try:
            parse(p.text)
        except PragmaError as err:
            problems.append(f"line {p.line}: {p.spelling} HLS {p.text}: {err}")
    return problems


__all__ = ["FORMS", "Form", "INT", "NAME", "OPERATIONS", "Parsed", "Pragma", "PragmaError", "STORAGE_IMPLS", "check",
           "parse", "pragmas"]

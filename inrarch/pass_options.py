"""Pass options as `inrarch-opt` shows them: the `--help` listing of inrarch's passes with their options, types and
defaults (read from each pass's dataclass fields), and errors in words for a misspelled pass, a misspelled option
and a value of the wrong type ("did you mean ...", "order expects an integer, got 'three'")."""

from __future__ import annotations

import dataclasses
import difflib
import textwrap
from collections.abc import Callable, Iterable
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import ArgSpec

WIDTH = 118


def did_you_mean(name: str, known: Iterable[str], prefix: str = "") -> str:
    """` (did you mean --inr-autodiff?)` for the closest known name, or ``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.7)
    return f" (did you mean {prefix}{close[0]}?)" if close else ""


def options(cls: type[ModulePass]) -> list[dataclasses.Field]:
    """The options of a pass: its dataclass fields set by the pass spec."""
    return [f for f in dataclasses.fields(cls) if f.init and f.name != "name"]


def spelled(field_name: str) -> str:
    """An option as the command line spells it (`clock_mhz` -> `clock-mhz`; xDSL reads both)."""
    return field_name.replace("_", "-")


def type_words(hint: Any) -> str:
    """`an integer`, `a number`, `true or false`, `a string`, `a list of integers`: what an option expects."""
    kinds = set(get_args(hint)) if get_origin(hint) in (Union, UnionType) else {hint}
    kinds.discard(NoneType)
    if kinds == {bool}:
        return "true or false"
    if kinds == {int}:
        return "an integer"
    if kinds <= {int, float}:
        return "a number"
    if kinds == {str}:
        return "a string"
    tuples = [k for k in kinds if get_origin(k) is tuple]
    if tuples and len(tuples) == len(kinds):
        inner = {a for t in tuples for a in get_args(t) if a is not Ellipsis}
        words = type_words(Union[tuple(inner)]) if inner else "values"  # noqa: UP007
        plural = {"an integer": "integers", "a number": "numbers", "a string": "strings"}.get(words, words)
        return f"a list of {plural}"
    return " or ".join(sorted(getattr(k, "__name__", str(k)) for k in kinds))


def _value_words(value: tuple) -> str:
    if not value:
        return "no value"
    return ",".join(f"'{v}'" if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
                    for v in value)  # fmt: skip


def option_problem(cls: type[ModulePass], spec: ArgSpec) -> str | None:
    """What is wrong with the options `spec` gives pass `cls`, in words, or None: an option it does not have (with the
    closest it has) or a value of the wrong type."""
    fields = {f.name: f for f in options(cls)}
    hints = get_type_hints(cls)
    for given, value in spec.parameters.items():
        name = given.replace("-", "_")
        if name not in fields:
            known = [spelled(f) for f in fields]
            hint = did_you_mean(spelled(name), known)
            listing = f"its options: {', '.join(known)}" if known else "it has no options"
            return f"{spec.name} has no option '{given}'{hint}; {listing}"
        try:
            cls.from_spec(ArgSpec(spec.name, {name: value}))
        except ValueError as err:
            if "requires argument" in str(err):  # another option is missing: xDSL's message says which
                continue
            return f"{spec.name}: option {spelled(name)} expects {type_words(hints[name])}, got {_value_words(value)}"
    return None


def _default_words(field: dataclasses.Field) -> str:
    if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
        return "required"
    value = field.default if field.default is not dataclasses.MISSING else field.default_factory()
    if value is None:
        return "default: unset"
    if isinstance(value, bool):
        return f"default: {str(value).lower()}"
    if isinstance(value, tuple):
        return f"default: {','.join(map(str, value))}"
    return f"default: {value}"


def summary(cls: type[ModulePass]) -> str:
    """The first paragraph of a pass's own docstring (not dataclass's generated signature), on one line."""
    doc = cls.__dict__.get("__doc__") or ""
    if doc.startswith(f"{cls.__name__}("):  # dataclass's repr-like docstring: the pass wrote none
        return ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def passes_help(passes: dict[str, Callable[[], type[ModulePass]]]) -> str:
    """inrarch's passes, each with its summary and, one a line, its options: type and default."""
    lines = ["inrarch's passes (--NAME, --NAME=OPT=VALUE,OPT=VALUE, or -p 'NAME{OPT=VALUE OPT=VALUE},NAME'):"]
    for name, factory in passes.items():
        cls = factory()
        text = summary(cls)
        lines += textwrap.wrap(f"--{name}: {text}" if text else f"--{name}", WIDTH, initial_indent="  ",
                               subsequent_indent="      ")  # fmt: skip
        hints = get_type_hints(cls)
        for field in options(cls):
            lines.append(f"      {spelled(field.name)}: {type_words(hints[field.name])} ({_default_words(field)})")
    return "\n".join(lines)


def names_help(title: str, names: Iterable[str]) -> str:
    """A title and a list of names wrapped to the width of the help."""
    return "\n".join([title, *textwrap.wrap(", ".join(names), WIDTH, initial_indent="  ", subsequent_indent="  ",
                                             break_on_hyphens=False)])  # fmt: skip

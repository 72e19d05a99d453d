"""The xDSL context every inrarch tool uses: xDSL's dialects plus `inr` and `dataflow`."""

from xdsl.context import Context
from xdsl.dialects import get_all_dialects

from inrarch.universe import get_all_dialects as get_inrarch_dialects


def make_context(allow_unregistered: bool = False) -> Context:
    ctx = Context(allow_unregistered=allow_unregistered)
    for name, factory in {**get_all_dialects(), **get_inrarch_dialects()}.items():
        if name not in ctx.registered_dialect_names:
            ctx.register_dialect(name, factory)
    return ctx


def parse_module(text: str, name: str = "<string>", ctx: Context | None = None):
    """Parses MLIR text into a verified ModuleOp; errors become located CompileErrors."""
    from xdsl.utils.exceptions import ParseError

    from inrarch.diagnostics import CompileError, LocatingParser, verify_with_locations

    ctx = ctx or make_context()
    if text.startswith("\ufeff"):  # a byte-order mark reads as a space (see decode_text)
        text = " " + text[1:]
    try:
        module = LocatingParser(ctx, text, name).parse_module()
        verify_with_locations(module)
    except ParseError as err:
        where = err.span.get_location()
        raise CompileError(err.msg, f"{name}:{where.line}:{where.col}") from err
    except RecursionError:
        raise nesting_error(text, name) from None
    return module


# Brackets nested deeper than this are refused: xDSL's parser, verifier and printer recurse per level, and Python's
# stack ends near a thousand frames. Real models nest a few levels (module, function, linalg body).
MAX_NESTING = 100


def nesting_error(text: str, name: str, line_offset: int = 0):
    """The CompileError for input that nests too deeply: located at the bracket that passes MAX_NESTING (outside
    string literals), or at the file's start when no bracket does."""
    import re

    from inrarch.diagnostics import CompileError

    depth, in_string = 0, False
    for m in re.finditer(r'\\.|["{}()\[\]]', text):
        c = m.group()
        if c == '"':
            in_string = not in_string
        elif in_string or len(c) > 1:
            continue
        elif c in "{([":
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, m.start()) + 1
                column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
                return CompileError(f"the input nests more than {MAX_NESTING} levels deep, more than inrarch reads",
                                    f"{name}:{line + line_offset}:{column}")  # fmt: skip
        else:
            depth -= 1
    return CompileError("the input nests too deeply for the parser", f"{name}:{1 + line_offset}:1")


def decode_text(data: bytes, name: str, line_offset: int = 0) -> str:
    """`data` as UTF-8 text; otherwise a CompileError at the first byte that is not (its line plus `line_offset`,
    for a chunk of a split file). A byte-order mark at the start (some editors write one) reads as a space, so that
    columns stay where an editor shows them."""
    from inrarch.diagnostics import CompileError

    try:
        text = data.decode("utf-8")
        return " " + text[1:] if text.startswith("\ufeff") else text
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise CompileError(f"the input is not UTF-8 text (byte 0x{data[err.start]:02x})",
                           f"{name}:{line + line_offset}:{column}") from None  # fmt: skip


def read_text(path: str) -> str:
    """The UTF-8 text of the file at `path`; one-line CompileErrors otherwise."""
    from inrarch.diagnostics import CompileError

    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        raise CompileError(f"cannot read {path}: it is a folder") from None
    except OSError as err:
        raise CompileError(f"cannot open {path}: {err.strerror}") from None
    return decode_text(data, path)

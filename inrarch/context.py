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
    try:
        module = LocatingParser(ctx, text, name).parse_module()
    except ParseError as err:
        where = err.span.get_location()
        raise CompileError(err.msg, f"{name}:{where.line}:{where.col}") from err
    verify_with_locations(module)
    return module


def decode_text(data: bytes, name: str) -> str:
    """`data` as UTF-8 text; otherwise a CompileError at the first byte that is not."""
    from inrarch.diagnostics import CompileError

    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise CompileError(f"the input is not UTF-8 text (byte 0x{data[err.start]:02x})", f"{name}:{line}:{column}") \
            from None  # fmt: skip


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

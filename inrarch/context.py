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

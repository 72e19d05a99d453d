"""Large constants elided when IR is printed, as MLIR's `--mlir-elide-elementsattrs-if-larger=N` elides them: a dense
elements attribute with more than N elements (splats apart) prints as `dense_resource<__elided__> : TYPE`, which says
that values were left out (MLIR prints the same text; xDSL's parser does not read it back)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, ModuleOp
from xdsl.ir import Attribute
from xdsl.printer import Printer

FLAG = "--mlir-elide-elementsattrs-if-larger"
TERMINAL_LIMIT = 16  # elements kept when IR goes to a terminal and no limit is given


def elided(attribute: Attribute, limit: int) -> bool:
    """Whether `attribute` is a dense elements attribute of more than `limit` elements, other than a splat."""
    if not isinstance(attribute, DenseIntOrFPElementsAttr):
        return False
    count = len(attribute)
    if count <= limit:
        return False
    data = attribute.data.data
    size = len(data) // count if count else 0
    return data != data[:size] * count  # a splat (one value repeated) prints as one value anyway


def eliding(printer_class: type[Printer], limit: int) -> type[Printer]:
    """`printer_class` (xDSL's Printer or SyntaxPrinter) printing dense elements attributes of more than `limit`
    elements as `dense_resource<__elided__> : TYPE`."""

    class ElidingPrinter(printer_class):
        def print_attribute(self, attribute: Attribute) -> None:
            if elided(attribute, limit):
                assert isinstance(attribute, DenseIntOrFPElementsAttr)
                self.print_string("dense_resource<__elided__> : ")
                super().print_attribute(attribute.get_type())
                return
            super().print_attribute(attribute)

    ElidingPrinter.__name__ = ElidingPrinter.__qualname__ = f"Eliding{printer_class.__name__}"
    return ElidingPrinter


def eliding_mlir_target(base: type, limit: int) -> type:
    """xDSL's `mlir` target class `base`, printing through an eliding printer (the same printer options, the same
    trailing metadata and newline as its emit)."""

    @dataclass(frozen=True)
    class ElidingMLIRTarget(base):
        def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
            from xdsl.syntax_printer import SyntaxPrinter

            cls = eliding(SyntaxPrinter if self.syntax_highlight else Printer, limit)
            printer = cls(stream=output, print_generic_format=self.print_generic_format,
                          print_properties_as_attributes=self.print_properties_as_attributes,
                          print_debuginfo=self.print_debuginfo)  # fmt: skip
            printer.print_op(module)
            printer.print_metadata(ctx.loaded_dialects)
            print("\n", file=output)

    return ElidingMLIRTarget

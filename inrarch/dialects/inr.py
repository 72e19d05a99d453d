"""The `inr` dialect: derivatives of implicit neural representations w.r.t. their input coordinates.

`inr.grad @f(%x) order 2 layout insp` stands for every partial derivative of order 0..n of the outputs of
`f : tensor<N x d> -> tensor<N x m>` w.r.t. the d input coordinates, per sample. The `inr-autodiff` pass expands it
into a derivative program in linalg / arith / math / tensor.

Layouts (see `derivative_outputs`):
- `insp`: INSP-Net's list order. L0 = [y_0 .. y_{m-1}]; L_k = for each t in L_{k-1}: [dt/dx_0 .. dt/dx_{d-1}].
  The results are L0 + L1 + ... + Ln; mixed partials appear once per ordering of their derivatives.
- `unique`: the same order with repeated partials dropped: for each order k, for each output channel, every
  multi-index a with |a| = k in descending lexicographic order ((2,0), (1,1), (0,2) for d = 2, k = 2).

`first K` keeps the first K results of the layout: INSP-Net's editor reads the INSP list through order 3 and the
first 20 entries of order 4 (`order 4 layout insp first 65` for an RGB INR). The results are ordinary tensors: the
function holding `inr.grad` may compute on them further (stack them and run an editor network, for instance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

from xdsl.dialects.builtin import (
    AnyFloat,
    Float64Type,
    FlatSymbolRefAttrConstr,
    FloatAttr,
    I64,
    IntAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    TensorType,
    f64,
    i64,
)
from xdsl.dialects.func import FuncOp
from xdsl.dialects.utils.enum_attribute import EnumAttribute
from xdsl.ir import Attribute, Dialect, Operation, ParametrizedAttribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    traits_def,
    var_result_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import SymbolTable, SymbolUserOpInterface
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.str_enum import StrEnum


class Layout(StrEnum):
    INSP = "insp"
    UNIQUE = "unique"


@irdl_attr_definition
class LayoutAttr(EnumAttribute[Layout]):
    """Order of the derivative outputs of `inr.grad`: `insp` or `unique`."""

    name = "inr.layout"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> Layout:
        with parser.in_angle_brackets():
            return super().parse_parameter(parser)

    def print_parameter(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            super().print_parameter(printer)


MultiIndex = tuple[int, ...]


@dataclass(frozen=True)
class DerivativeOutput:
    """One result of `inr.grad`: d^|index| y_channel / dx^index, named by the derivative sequence it came from."""

    channel: int
    index: MultiIndex
    sequence: tuple[int, ...]  # coordinates differentiated, in order (INSP's path); empty for order 0

    @property
    def order(self) -> int:
        return len(self.sequence)

    @property
    def name(self) -> str:
        """`y0` (output channel 0), `y0_x1` (its derivative w.r.t. input coordinate 1), `y0_x1_x0` (that one's
        derivative w.r.t. coordinate 0: the INSP layout's path, so `y0_x0_x1` names the same partial again)."""
        return "_".join([f"y{self.channel}", *(f"x{i}" for i in self.sequence)])


def multi_indices(dims: int, order: int) -> list[MultiIndex]:
    """All multi-indices a of `dims` entries with |a| == order, in descending lexicographic order."""
    if dims == 1:
        return [(order,)]
    return [(first, *rest) for first in range(order, -1, -1) for rest in multi_indices(dims - 1, order - first)]


def all_multi_indices(dims: int, order: int) -> list[MultiIndex]:
    """All multi-indices with |a| <= order, graded (by |a|), each grade in descending lexicographic order."""
    return [a for k in range(order + 1) for a in multi_indices(dims, k)]


def derivative_outputs(
    dims: int, channels: int, order: int, layout: Layout | str, first: int | None = None
) -> list[DerivativeOutput]:
    """The outputs of `inr.grad` in the order of its results (the first `first` of them when given)."""
    level = [DerivativeOutput(c, (0,) * dims, ()) for c in range(channels)]
    outputs = list(level)
    for _ in range(order):
        next_level: list[DerivativeOutput] = []
        for t in level:
            for i in range(dims):
                index = tuple(a + (j == i) for j, a in enumerate(t.index))
                next_level.append(DerivativeOutput(t.channel, index, t.sequence + (i,)))
        outputs += next_level
        level = next_level
    if Layout(layout) == Layout.UNIQUE:
        seen: set[tuple[int, MultiIndex]] = set()
        unique = []
        for out in outputs:
            if (out.channel, out.index) not in seen:
                seen.add((out.channel, out.index))
                unique.append(out)
        outputs = unique
    return outputs if first is None else outputs[:first]


MAX_ORDER = 16  # derivative orders inrarch differentiates (its work grows polynomially; its outputs do not)
MAX_OUTPUTS = 100_000  # derivative outputs of one inr.grad


def derivative_output_count(
    dims: int, channels: int, order: int, layout: Layout | str, first: int | None = None
) -> int:
    if Layout(layout) == Layout.UNIQUE:
        count = channels * comb(order + dims, dims)
    else:
        count = channels * sum(dims**k for k in range(order + 1))
    return count if first is None else min(count, first)


class GradSymbolUser(SymbolUserOpInterface):
    """Checks the callee of `inr.grad` against the op's input and results."""

    def verify(self, op: Operation) -> None:
        assert isinstance(op, GradOp)
        op.verify_local()  # the callee checks rely on the local ones
        op.verify_callee()


@irdl_op_definition
class GradOp(IRDLOperation):
    """Every partial derivative of order 0..n of `callee`'s outputs w.r.t. its input coordinates, per sample.

    The callee maps a batch of samples to a batch of outputs, `tensor<N x d x f> -> tensor<N x m x f>`, treating
    samples independently. Each result is one derivative for all N samples, `tensor<N x f>`, in the order the
    layout defines; with `first` K, only the first K of them. Derivatives of order k are multiplied by `scale`**k
    when `scale` is given (INSP-Net scales its derivative features).
    """

    name = "inr.grad"

    callee = prop_def(FlatSymbolRefAttrConstr)
    order = prop_def(IntegerAttr[I64])
    layout = prop_def(LayoutAttr)
    first = opt_prop_def(IntegerAttr[I64])
    scale = opt_prop_def(FloatAttr[Float64Type])

    input = operand_def(TensorType)
    outputs = var_result_def(TensorType)

    traits = traits_def(GradSymbolUser())

    assembly_format = (
        "$callee `(` $input `)` `order` $order `layout` $layout (`first` $first^)? (`scale` $scale^)? attr-dict "
        "`:` functional-type($input, $outputs)"
    )

    def __init__(
        self,
        callee: str | SymbolRefAttr,
        input: SSAValue,
        order: int,
        layout: Layout | str,
        result_types: Sequence[Attribute],
        scale: float | None = None,
        first: int | None = None,
    ):
        props: dict[str, Attribute] = {
            "callee": SymbolRefAttr(callee) if isinstance(callee, str) else callee,
            "order": IntegerAttr(order, i64),
            "layout": LayoutAttr(Layout(layout)),
        }
        if scale is not None:
            props["scale"] = FloatAttr(scale, f64)
        if first is not None:
            props["first"] = IntegerAttr(first, i64)
        super().__init__(operands=[input], result_types=[list(result_types)], properties=props)

    @property
    def order_value(self) -> int:
        return self.order.value.data

    @property
    def layout_value(self) -> Layout:
        return self.layout.data

    @property
    def first_value(self) -> int | None:
        return self.first.value.data if self.first is not None else None

    def verify_(self) -> None:
        self.verify_local()

    def verify_local(self) -> None:
        if not 1 <= self.order_value <= MAX_ORDER:
            raise VerifyException(f"'inr.grad' order must lie in [1, {MAX_ORDER}], got {self.order_value}")
        if self.first_value is not None and self.first_value < 1:
            raise VerifyException(f"'inr.grad' keeps the first K results, K >= 1; got first {self.first_value}")
        input_type = self.input.type
        assert isinstance(input_type, TensorType)
        if input_type.get_num_dims() != 2 or not isinstance(input_type.element_type, AnyFloat):
            raise VerifyException(
                f"'inr.grad' input must be a 2-D float tensor (samples x coordinates), got {input_type}"
            )

    def verify_callee(self) -> None:
        input_type = self.input.type
        assert isinstance(input_type, TensorType)
        samples, dims = input_type.get_shape()
        callee = SymbolTable.lookup_symbol(self, self.callee)
        if callee is None:
            raise VerifyException(f"'inr.grad' callee {self.callee} does not exist")
        if not isinstance(callee, FuncOp):
            raise VerifyException(f"'inr.grad' callee {self.callee} is not a func.func")
        ftype = callee.function_type
        if tuple(ftype.inputs) != (input_type,):
            raise VerifyException(
                f"'inr.grad' callee {self.callee} must take one argument of the input type {input_type}, "
                f"it takes ({', '.join(str(t) for t in ftype.inputs)})"
            )
        if len(ftype.outputs) != 1:
            raise VerifyException(f"'inr.grad' callee {self.callee} must return one tensor<N x m>")
        out_type = ftype.outputs.data[0]
        if (
            not isinstance(out_type, TensorType)
            or out_type.get_num_dims() != 2
            or out_type.get_shape()[0] != samples
            or out_type.element_type != input_type.element_type
        ):
            raise VerifyException(
                f"'inr.grad' callee {self.callee} must return tensor<{samples}xMx{input_type.element_type}>, "
                f"it returns {out_type}"
            )
        channels = out_type.get_shape()[1]
        full = derivative_output_count(dims, channels, self.order_value, self.layout_value)
        first = self.first_value
        if first is not None and first > full:
            raise VerifyException(
                f"'inr.grad' with {channels} channels, {dims} coordinates, order {self.order_value} and layout "
                f"{self.layout_value} has {full} results; it cannot keep the first {first}"
            )
        expected = full if first is None else first
        if len(self.outputs) != expected:
            raise VerifyException(
                f"'inr.grad' with {channels} channels, {dims} coordinates, order {self.order_value} and layout "
                f"{self.layout_value}{f' first {first}' if first is not None else ''} has {expected} results, "
                f"got {len(self.outputs)}"
            )
        result_type = TensorType(input_type.element_type, [samples])
        for i, res in enumerate(self.outputs):
            if res.type != result_type:
                raise VerifyException(f"'inr.grad' result #{i} must be {result_type}, got {res.type}")

    def output_descriptions(self) -> list[DerivativeOutput]:
        input_type = self.input.type
        assert isinstance(input_type, TensorType)
        callee_type = SymbolTable.lookup_symbol(self, self.callee)
        assert isinstance(callee_type, FuncOp)
        out_type = callee_type.function_type.outputs.data[0]
        assert isinstance(out_type, TensorType)
        return derivative_outputs(
            input_type.get_shape()[1], out_type.get_shape()[1], self.order_value, self.layout_value, self.first_value
        )


@irdl_attr_definition
class DerivativeAttr(ParametrizedAttribute):
    """What a derivative program computes: `#inr.derivative<order 2, layout insp, mode taylor>`, with `, first K`
    when it keeps the first K outputs of the layout. inr-autodiff puts it on the function it expands `inr.grad` in
    when that function returns the derivatives (`inr.derivative`); dataflow-convert carries it to the graph."""

    name = "inr.derivative"

    order: IntAttr
    layout: StringAttr
    mode: StringAttr
    first: IntAttr  # 0: every output of the layout

    def __init__(self, order: int, layout: str, mode: str, first: int | None = None):
        super().__init__(IntAttr(order), StringAttr(layout), StringAttr(mode), IntAttr(first or 0))

    @property
    def first_value(self) -> int | None:
        return self.first.data or None

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[IntAttr, StringAttr, StringAttr, IntAttr]:
        with parser.in_angle_brackets():
            parser.parse_characters("order")
            order = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_punctuation(",")
            parser.parse_characters("layout")
            layout = parser.parse_identifier()
            parser.parse_punctuation(",")
            parser.parse_characters("mode")
            mode = parser.parse_identifier()
            first = 0
            if parser.parse_optional_punctuation(","):
                parser.parse_characters("first")
                first = parser.parse_integer(allow_boolean=False, allow_negative=False)
                if first < 1:
                    parser.raise_error("#inr.derivative keeps the first K outputs, K >= 1")
        return IntAttr(order), StringAttr(layout), StringAttr(mode), IntAttr(first)

    def print_parameters(self, printer: Printer) -> None:
        first = f", first {self.first.data}" if self.first.data else ""
        printer.print_string(f"<order {self.order.data}, layout {self.layout.data}, mode {self.mode.data}{first}>")

    def verify(self) -> None:
        if not 1 <= self.order.data <= MAX_ORDER:
            raise VerifyException(f"#inr.derivative order must lie in [1, {MAX_ORDER}], got {self.order.data}")
        if self.layout.data not in (Layout.INSP.value, Layout.UNIQUE.value):
            raise VerifyException(f"#inr.derivative layout must be insp or unique, got {self.layout.data}")
        if self.mode.data not in ("taylor", "reverse"):
            raise VerifyException(f"#inr.derivative mode must be taylor or reverse, got {self.mode.data}")
        if self.first.data < 0:
            raise VerifyException(f"#inr.derivative first must be positive, got {self.first.data}")


INR = Dialect("inr", [GradOp], [LayoutAttr, DerivativeAttr])

"""The `dataflow` dialect: kernels connected by FIFO streams, the form a design takes before HLS C++ is printed.

A `dataflow.graph` is one DATAFLOW region. Its arguments are the top-level arrays (`memref<N x ...>`); its body holds
`dataflow.fifo` ops, each defining one stream, and kernel ops, which name the streams they read (`ins`) and write
(`outs`). Samples are the streaming dimension: a stream carries, for every one of the N samples, `per_sample`
tokens, each a scalar or a small vector (`tensor<V x f32>`) of consecutive features of that sample.

Every stream has exactly one producer and one consumer (Vitis requires it); `dataflow.fork` duplicates a stream.
FIFOs carry their `depth` in tokens. Design choices are declared properties: a matvec's lanes (`par_in` x
`par_out`), a map's `lanes` and `ii` (operators shared over ii cycles); fixed-point designs state their number
formats as `#dataflow.fixed` attributes.

The dialect is IR only: it imports xDSL and the `inr` dialect, nothing else. What a kernel costs in hardware (its II
and what bounds it, pipeline depth, operators, memories, the iterations at which it reads and writes its streams) is
an interface implemented outside it, looked up by op type: `inrarch.targets.hls.facts.kernel_facts(op)`; the arithmetic
of a format is `inrarch.analysis.fixed.Fixed` (`Fixed.of(attr)`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import (
    I64,
    AnyFloat,
    ArrayAttr,
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FunctionType,
    FloatAttr,
    FloatData,
    IntAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    SymbolNameConstraint,
    TensorType,
    f64,
    i64,
)
from xdsl.dialects.utils import parse_func_op_like, print_func_op_like
from xdsl.ir import Attribute, Block, Dialect, ParametrizedAttribute, Region, SSAValue, TypeAttribute
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.printer import Printer
from xdsl.rewriter import InsertPoint
from xdsl.transforms.common_subexpression_elimination import cse
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, NoTerminator, SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from inrarch.dialects.inr import DerivativeAttr

# ---------------------------------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------------------------------


@irdl_attr_definition
class StreamType(ParametrizedAttribute, TypeAttribute):
    """A FIFO stream: `!dataflow.stream<tensor<8xf32>, 32>` carries 32 tokens of 8 floats per sample."""

    name = "dataflow.stream"

    token: Attribute
    per_sample: IntegerAttr[I64]

    def __init__(self, token: Attribute, per_sample: int):
        super().__init__(token, IntegerAttr(per_sample, i64))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, IntegerAttr]:
        with parser.in_angle_brackets():
            token = parser.parse_type()
            parser.parse_punctuation(",")
            count = parser.parse_integer(allow_boolean=False, allow_negative=False)
        return (token, IntegerAttr(count, i64))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.token)
            printer.print_string(f", {self.count}")

    def verify(self) -> None:
        token = self.token
        if isinstance(token, TensorType):
            if token.get_num_dims() != 1 or token.get_shape()[0] < 1 or not isinstance(token.element_type, AnyFloat):
                raise VerifyException(f"stream token must be a float or a 1-D float tensor, got {token}")
        elif not isinstance(token, AnyFloat):
            raise VerifyException(f"stream token must be a float or a 1-D float tensor, got {token}")
        if self.per_sample.value.data < 1:
            raise VerifyException("a stream carries at least one token per sample")

    @property
    def count(self) -> int:
        """Tokens per sample."""
        return self.per_sample.value.data

    @property
    def width(self) -> int:
        """Elements per token (1 for a scalar token)."""
        return self.token.get_shape()[0] if isinstance(self.token, TensorType) else 1

    @property
    def element_type(self) -> Attribute:
        return self.token.element_type if isinstance(self.token, TensorType) else self.token

    @property
    def elements(self) -> int:
        """Elements per sample."""
        return self.count * self.width


@irdl_attr_definition
class TargetAttr(ParametrizedAttribute):
    """The part and budget a design is sized for: `#dataflow.target<"u50", "xcu50-fsvh2104-2-e", dsp 3200,
    bram36 1344, uram 640, clock 300.0>` (clock in MHz). dataflow-parallelize sets it; the report reads it."""

    name = "dataflow.target"

    target: StringAttr
    part: StringAttr
    dsp: IntAttr
    bram36: IntAttr
    uram: IntAttr
    clock_mhz: FloatData

    def __init__(self, target: str, part: str, dsp: int, bram36: int, uram: int, clock_mhz: float):
        super().__init__(StringAttr(target), StringAttr(part), IntAttr(dsp), IntAttr(bram36), IntAttr(uram),
                         FloatData(float(clock_mhz)))  # fmt: skip

    @classmethod
    def parse_parameters(cls, parser: AttrParser):
        with parser.in_angle_brackets():
            target = parser.parse_str_literal()
            parser.parse_punctuation(",")
            part = parser.parse_str_literal()
            values = []
            for key in ("dsp", "bram36", "uram"):
                parser.parse_punctuation(",")
                parser.parse_characters(key)
                values.append(parser.parse_integer(allow_boolean=False))
            parser.parse_punctuation(",")
            parser.parse_characters("clock")
            clock = parser.parse_float()
        return (StringAttr(target), StringAttr(part), *(IntAttr(v) for v in values), FloatData(clock))

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f'<"{self.target.data}", "{self.part.data}", dsp {self.dsp.data}, bram36 '
                             f"{self.bram36.data}, uram {self.uram.data}, clock {self.clock_mhz.data!r}>")  # fmt: skip

    def verify(self) -> None:
        if self.dsp.data < 1 or self.bram36.data < 0 or self.uram.data < 0:
            raise VerifyException("#dataflow.target budgets must be dsp >= 1, bram36 >= 0 and uram >= 0")
        if not 0 < self.clock_mhz.data <= 1000:
            raise VerifyException(f"#dataflow.target clock must lie in (0, 1000] MHz, got {self.clock_mhz.data}")


@irdl_attr_definition
class FixedAttr(ParametrizedAttribute):
    """A fixed-point number format, Vitis's `ap_fixed<W, I, Q, O>`: `#dataflow.fixed<18, 6>` (round half up,
    wrap-around: the defaults) or `#dataflow.fixed<32, 10, trn, sat>`. On a `dataflow.fifo` it says how the
    stream's values are stored; the stream's element type stays the value type they approximate (the arithmetic:
    `inrarch.analysis.fixed.Fixed`, whose `Fixed.of(attr)` reads one)."""

    name = "dataflow.fixed"

    width: IntAttr
    int_bits: IntAttr
    rounding: StringAttr
    overflow: StringAttr

    def __init__(self, width: int, int_bits: int, rounding: str = "rnd", overflow: str = "wrap"):
        super().__init__(IntAttr(width), IntAttr(int_bits), StringAttr(rounding), StringAttr(overflow))

    @staticmethod
    def of(f) -> FixedAttr:
        """The attribute stating format `f` (anything with `width`, `int_bits`, `rounding` and `overflow`, such as
        `inrarch.analysis.fixed.Fixed`)."""
        return FixedAttr(f.width, f.int_bits, f.rounding, f.overflow)

    @classmethod
    def parse_parameters(cls, parser: AttrParser):
        with parser.in_angle_brackets():
            width = parser.parse_integer(allow_boolean=False, allow_negative=False)
            parser.parse_punctuation(",")
            int_bits = parser.parse_integer(allow_boolean=False)
            modes = ["rnd", "wrap"]
            if parser.parse_optional_punctuation(","):
                modes[0] = parser.parse_identifier()
                parser.parse_punctuation(",")
                modes[1] = parser.parse_identifier()
        return (IntAttr(width), IntAttr(int_bits), StringAttr(modes[0]), StringAttr(modes[1]))

    def print_parameters(self, printer: Printer) -> None:
        modes = "" if (self.rounding.data, self.overflow.data) == ("rnd", "wrap") else \
            f", {self.rounding.data}, {self.overflow.data}"  # fmt: skip
        printer.print_string(f"<{self.width.data}, {self.int_bits.data}{modes}>")

    def verify(self) -> None:
        # I > W is an ap_fixed whose least significant bit is 2^(I - W) (a large value in few bits).
        if not 2 <= self.width.data <= 64 or self.int_bits.data > self.width.data + 64:
            raise VerifyException(f"#dataflow.fixed needs 2 <= W <= 64 and I <= W + 64, got <{self.width.data}, "
                                  f"{self.int_bits.data}>")  # fmt: skip
        if self.rounding.data not in ("rnd", "trn") or self.overflow.data not in ("wrap", "sat"):
            raise VerifyException("#dataflow.fixed modes are rnd or trn, then wrap or sat")


def stream_type(element_type: Attribute, elements: int, width: int) -> StreamType:
    """The stream carrying `elements` values per sample in tokens of `width` elements."""
    if elements % width:
        raise ValueError(f"token width {width} does not divide {elements} elements")
    token = element_type if width == 1 else TensorType(element_type, [width])
    return StreamType(token, elements // width)


# ---------------------------------------------------------------------------------------------------------------------
# Graph and FIFOs
# ---------------------------------------------------------------------------------------------------------------------


@irdl_op_definition
class GraphOp(IRDLOperation):
    """A dataflow design: one DATAFLOW region whose arguments are the top-level arrays."""

    name = "dataflow.graph"

    body = region_def("single_block")
    sym_name = prop_def(SymbolNameConstraint())
    function_type = prop_def(FunctionType)
    # Design parameters and results the passes record (printed in the attribute dictionary).
    derivative = opt_attr_def(DerivativeAttr)  # what the design computes (dataflow-convert)
    target = opt_attr_def(TargetAttr)  # part and budget (dataflow-parallelize)
    interval = opt_attr_def(IntegerAttr[I64])  # cycles per sample every kernel keeps up with (dataflow-parallelize)
    modeled_cycles = opt_attr_def(IntegerAttr[I64])  # cycle model, final FIFO depths (dataflow-fifo-depth)
    lp_fifo_words = opt_attr_def(FloatAttr)  # FIFO words of the balancing LP's schedule (dataflow-fifo-depth)
    lp_bound_words = opt_attr_def(FloatAttr)  # least FIFO words of stall-free schedules (dataflow-fifo-depth)
    precision = opt_attr_def(StringAttr)  # fixed-point designs: how their formats were chosen (dataflow-fixed-point)

    traits = traits_def(IsolatedFromAbove(), SymbolOpInterface(), NoTerminator())

    def __init__(self, name: str, arg_types: Sequence[Attribute], region: Region | None = None):
        function_type = FunctionType.from_lists(list(arg_types), [])
        if region is None:
            region = Region(Block(arg_types=arg_types))
        super().__init__(
            properties={"sym_name": StringAttr(name), "function_type": function_type}, regions=[region]
        )

    @classmethod
    def parse(cls, parser: Parser) -> GraphOp:
        name, input_types, return_types, region, extra_attrs, _, _ = parse_func_op_like(
            parser, reserved_attr_names=("sym_name", "function_type")
        )
        if return_types:
            parser.raise_error("a dataflow.graph returns nothing: its outputs are written to its array arguments")
        op = GraphOp(name, input_types, region)
        if extra_attrs is not None:
            op.attributes |= extra_attrs.data
        return op

    def print(self, printer: Printer):
        print_func_op_like(
            printer,
            self.sym_name,
            self.function_type,
            self.body,
            self.attributes,
            reserved_attr_names=("sym_name", "function_type"),
        )

    @property
    def block(self) -> Block:
        return self.body.block

    @property
    def samples(self) -> int:
        arg = self.block.args[0]
        assert isinstance(arg.type, MemRefType)
        return arg.type.get_shape()[0]

    def kernels(self) -> Iterator[KernelOp]:
        for op in self.block.ops:
            if isinstance(op, KernelOp):
                yield op

    def fifos(self) -> Iterator[FifoOp]:
        for op in self.block.ops:
            if isinstance(op, FifoOp):
                yield op

    def verify_(self) -> None:
        if self.interval is not None and self.interval.value.data < 1:
            raise VerifyException(f"dataflow.graph interval must be at least 1, got {self.interval.value.data}")
        args = self.block.args
        if tuple(a.type for a in args) != self.function_type.inputs.data:
            raise VerifyException("dataflow.graph block arguments must match its function type")
        if not args:
            raise VerifyException("dataflow.graph needs at least one array argument")
        samples = None
        for arg in args:
            if not isinstance(arg.type, MemRefType) or arg.type.get_num_dims() != 2:
                raise VerifyException(f"dataflow.graph arguments must be 2-D memrefs (samples x values), got {arg.type}")
            if samples is None:
                samples = arg.type.get_shape()[0]
            elif arg.type.get_shape()[0] != samples:
                raise VerifyException("dataflow.graph arguments must all have the same number of samples")
            users = [use.operation for use in arg.uses]
            if len(users) != 1 or not isinstance(users[0], ReadOp | WriteOp):
                raise VerifyException(
                    f"array argument #{arg.index} must be used by exactly one dataflow.read or dataflow.write"
                )
        for op in self.block.ops:
            if not isinstance(op, FifoOp | KernelOp):
                raise VerifyException(f"dataflow.graph holds only FIFOs and kernels, found {op.name}")
        producers: dict[SSAValue, int] = {}
        consumers: dict[SSAValue, int] = {}
        for kernel in self.kernels():
            for v in kernel.stream_outputs:
                producers[v] = producers.get(v, 0) + 1
            for v in kernel.stream_inputs:
                consumers[v] = consumers.get(v, 0) + 1
        for fifo in self.fifos():
            p, c = producers.get(fifo.stream, 0), consumers.get(fifo.stream, 0)
            if p != 1 or c != 1:
                name = f"%{fifo.stream.name_hint} " if fifo.stream.name_hint else ""
                raise VerifyException(
                    f"stream {name}must have exactly one producer and one consumer, it has {p} and {c}"
                )


@irdl_op_definition
class FifoOp(IRDLOperation):
    """A FIFO channel of `depth` tokens; its result is the stream."""

    name = "dataflow.fifo"

    depth = prop_def(IntegerAttr[I64])
    format = opt_prop_def(FixedAttr)  # fixed-point designs: how the stream's values are stored
    stream = result_def(StreamType)

    traits = traits_def(HasParent(GraphOp))
    assembly_format = "`depth` $depth (`format` $format^)? attr-dict `:` type($stream)"

    def __init__(self, type: StreamType, depth: int = 2):
        super().__init__(properties={"depth": IntegerAttr(depth, i64)}, result_types=[type])

    @property
    def depth_value(self) -> int:
        return self.depth.value.data

    @property
    def bits(self) -> int:
        """Bits of one element as the FIFO stores it."""
        if self.format is not None:
            return self.format.width.data
        element = self.stream.type.element_type
        return element.bitwidth if isinstance(element, AnyFloat) else 32

    def verify_(self) -> None:
        if self.depth_value < 1:
            raise VerifyException(f"FIFO depth must be at least 1, got {self.depth_value}")


# ---------------------------------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------------------------------

_KERNEL_OPTIONS = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
_IO_FORMAT = "`ins` `(` $inputs `:` type($inputs) `)` `outs` `(` $outputs `:` type($outputs) `)`"


class KernelOp(IRDLOperation):
    """A dataflow process. Subclasses name the streams they read and write (`stream_inputs`, `stream_outputs`);
    their hardware facts are looked up by op type outside the dialect (`inrarch.targets.hls.facts.kernel_facts`)."""

    traits = traits_def(HasParent(GraphOp))

    @property
    def stream_inputs(self) -> Sequence[SSAValue]:
        return self.operands[:0]

    @property
    def stream_outputs(self) -> Sequence[SSAValue]:
        return self.operands[:0]

    @property
    def element_bits(self) -> int:
        """Bits of the widest stream element the kernel handles (the stream formats' widths in fixed point)."""
        streams = [*self.stream_inputs, *self.stream_outputs]
        if not streams:
            return 32
        return max(v.owner.bits if isinstance(v.owner, FifoOp) else 32 for v in streams)

    def input_types(self) -> list[StreamType]:
        return [_stream(v) for v in self.stream_inputs]

    def output_types(self) -> list[StreamType]:
        return [_stream(v) for v in self.stream_outputs]

    def verify_kernel(self) -> None:
        """Kernel-specific checks of stream types and properties."""

    def verify_(self) -> None:
        for v in (*self.stream_inputs, *self.stream_outputs):
            if not isinstance(v.owner, FifoOp):
                raise VerifyException(f"{self.name} streams must be defined by dataflow.fifo")
        self.verify_kernel()


def _stream(value: SSAValue) -> StreamType:
    assert isinstance(value.type, StreamType)
    return value.type


def _same_types(op: KernelOp, types: Sequence[StreamType], what: str) -> None:
    if any(t != types[0] for t in types):
        raise VerifyException(f"{op.name} {what} streams must all have the same type, got {', '.join(map(str, types))}")


@irdl_op_definition
class ReadOp(KernelOp):
    """Reads each sample's row of `source` (`memref<N x d>`) and sends it on one stream."""

    name = "dataflow.read"

    source = operand_def(MemRefType)
    output = operand_def(StreamType)

    assembly_format = "$source `->` $output attr-dict `:` type($source) `->` type($output)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, source: SSAValue, output: SSAValue):
        super().__init__(operands=[source, output])

    @property
    def stream_outputs(self) -> Sequence[SSAValue]:
        return (self.output,)

    def verify_kernel(self) -> None:
        out = self.output_types()[0]
        mem = self.source.type
        assert isinstance(mem, MemRefType)
        if mem.get_num_dims() != 2 or mem.get_shape()[1] != out.elements:
            raise VerifyException(
                f"dataflow.read of {mem} must send {mem.get_shape()[-1]} elements per sample, its stream carries "
                f"{out.elements}"
            )
        if mem.element_type != out.element_type:
            raise VerifyException(f"dataflow.read element types differ: {mem.element_type} and {out.element_type}")


@irdl_op_definition
class WriteOp(KernelOp):
    """Writes each sample's row of `dest` (`memref<N x M>`): the elements of its streams, in operand order."""

    name = "dataflow.write"

    inputs = var_operand_def(StreamType)
    dest = operand_def(MemRefType)

    assembly_format = "$inputs `->` $dest attr-dict `:` type($inputs) `->` type($dest)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, inputs: Sequence[SSAValue], dest: SSAValue):
        super().__init__(operands=[list(inputs), dest])

    @property
    def stream_inputs(self) -> Sequence[SSAValue]:
        return tuple(self.inputs)

    def verify_kernel(self) -> None:
        mem = self.dest.type
        assert isinstance(mem, MemRefType)
        types = self.input_types()
        if not types:
            raise VerifyException("dataflow.write needs at least one input stream")
        total = sum(t.elements for t in types)
        if mem.get_num_dims() != 2 or mem.get_shape()[1] != total:
            raise VerifyException(
                f"dataflow.write to {mem} must receive {mem.get_shape()[-1]} elements per sample, its streams carry "
                f"{total}"
            )
        if any(t.element_type != mem.element_type for t in types):
            raise VerifyException("dataflow.write element types must match the destination's")


@irdl_op_definition
class ForkOp(KernelOp):
    """Copies every token of one stream onto each of its output streams."""

    name = "dataflow.fork"

    input = operand_def(StreamType)
    outputs = var_operand_def(StreamType)

    assembly_format = "$input `->` $outputs attr-dict `:` type($input) `->` type($outputs)"
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, input: SSAValue, outputs: Sequence[SSAValue]):
        super().__init__(operands=[input, list(outputs)])

    @property
    def stream_inputs(self) -> Sequence[SSAValue]:
        return (self.input,)

    @property
    def stream_outputs(self) -> Sequence[SSAValue]:
        return tuple(self.outputs)

    def verify_kernel(self) -> None:
        if len(self.outputs) < 2:
            raise VerifyException("dataflow.fork needs at least two output streams")
        for t in self.output_types():
            if t != self.input.type:
                raise VerifyException(f"dataflow.fork output type {t} differs from its input type {self.input.type}")


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Ends a `dataflow.map` body: the output elements, one per output stream."""

    name = "dataflow.yield"

    values = var_operand_def()
    assembly_format = "($values^ `:` type($values))? attr-dict"
    traits = traits_def(IsTerminator())

    def __init__(self, *values: SSAValue):
        super().__init__(operands=[values])


@irdl_op_definition
class MapOp(KernelOp):
    """An elementwise kernel: its body maps the elements at one feature position of every input stream (and of
    each column constant) to one element of every output stream. All its streams have the same type.

    `consts` are per-feature constant rows (one value per element of a sample), read by the body as extra block
    arguments after the inputs. The printed kernel computes `lanes` elements per iteration (lanes divides the token
    width) and starts an iteration every `ii` cycles, its operators shared over those cycles."""

    name = "dataflow.map"

    inputs = var_operand_def(StreamType)
    outputs = var_operand_def(StreamType)
    consts = opt_prop_def(ArrayAttr[DenseIntOrFPElementsAttr])
    const_formats = opt_prop_def(ArrayAttr[FixedAttr])  # fixed-point designs: one format per column constant
    lanes = prop_def(IntegerAttr[I64], default_value=IntegerAttr(1, i64))
    ii = prop_def(IntegerAttr[I64], default_value=IntegerAttr(1, i64))
    body = region_def("single_block")

    assembly_format = _IO_FORMAT + " (`consts` $consts^)? attr-dict-with-keyword $body"
    irdl_options = _KERNEL_OPTIONS

    def __init__(
        self,
        inputs: Sequence[SSAValue],
        outputs: Sequence[SSAValue],
        body: Region,
        consts: Sequence[DenseIntOrFPElementsAttr] = (),
        lanes: int = 1,
        ii: int = 1,
    ):
        props: dict[str, Attribute] = {"lanes": IntegerAttr(lanes, i64), "ii": IntegerAttr(ii, i64)}
        if consts:
            props["consts"] = ArrayAttr(consts)
        super().__init__(operands=[list(inputs), list(outputs)], regions=[body], properties=props)

    @property
    def stream_inputs(self) -> Sequence[SSAValue]:
        return tuple(self.inputs)

    @property
    def stream_outputs(self) -> Sequence[SSAValue]:
        return tuple(self.outputs)

    @property
    def const_rows(self) -> tuple[DenseIntOrFPElementsAttr, ...]:
        return self.consts.data if self.consts is not None else ()

    @property
    def stream(self) -> StreamType:
        """The type shared by every stream of the map."""
        return _stream((*self.inputs, *self.outputs)[0])

    @property
    def lanes_value(self) -> int:
        return self.lanes.value.data

    @property
    def sharing_ii(self) -> int:
        """The declared II: cycles over which the map's operators are shared."""
        return self.ii.value.data

    def verify_kernel(self) -> None:
        types = self.input_types() + self.output_types()
        if not self.outputs:
            raise VerifyException("dataflow.map needs at least one output stream")
        _same_types(self, types, "input and output")
        stream = types[0]
        if self.lanes_value < 1 or stream.width % self.lanes_value:
            raise VerifyException(
                f"dataflow.map lanes ({self.lanes_value}) must divide the token width ({stream.width})"
            )
        if self.sharing_ii < 1:
            raise VerifyException(f"dataflow.map ii must be at least 1, got {self.sharing_ii}")
        for row in self.const_rows:
            shape = row.get_type().get_shape()
            if len(shape) != 1 or shape[0] != stream.elements:
                raise VerifyException(
                    f"dataflow.map column constants must have one value per element of a sample ({stream.elements}), "
                    f"got shape {list(shape)}"
                )
        block = self.body.block
        expected = [stream.element_type] * (len(self.inputs) + len(self.const_rows))
        if list(block.arg_types) != expected:
            raise VerifyException(
                f"dataflow.map body must take {len(expected)} arguments of type {stream.element_type} "
                f"(one per input stream, then one per column constant)"
            )
        yield_op = block.last_op
        if not isinstance(yield_op, YieldOp):
            raise VerifyException("dataflow.map body must end with dataflow.yield")
        if [v.type for v in yield_op.values] != [stream.element_type] * len(self.outputs):
            raise VerifyException(
                f"dataflow.map body must yield {len(self.outputs)} values of type {stream.element_type}, "
                "one per output stream"
            )



@irdl_op_definition
class MatVecOp(KernelOp):
    """Matrix-vector products with stationary constant weights, shared by a group of G stream pairs.

    For each sample, output stream g receives x_g @ weights (+ bias where `bias_on[g]`), x_g being the sample's
    row on input stream g. The kernel performs `par_in` x `par_out` multiply-adds per loop iteration: for each
    input token, for each of its `par_in`-element slices, for each member g, for each of the
    ceil(columns / par_out) column blocks of the output. Results of a sample leave, token by token (output token
    major, member minor), while the next sample is computed. Its II follows from its accumulator recurrence
    (`inrarch.targets.hls.facts`)."""

    name = "dataflow.matvec"

    inputs = var_operand_def(StreamType)
    outputs = var_operand_def(StreamType)
    weights = prop_def(DenseIntOrFPElementsAttr)
    bias = opt_prop_def(DenseIntOrFPElementsAttr)
    bias_on = opt_prop_def(DenseArrayBase)
    par_in = prop_def(IntegerAttr[I64], default_value=IntegerAttr(1, i64))
    par_out = prop_def(IntegerAttr[I64], default_value=IntegerAttr(1, i64))
    # Fixed-point designs: the weights' (and bias's) format and the accumulator's. The members' streams share a
    # width; a member's values are its stream's raw integers, read in the format of member 0's input stream and
    # written in member 0's output format, every member's output format being its input format shifted by the
    # same number of integer bits (a power-of-two scaling a linear map commutes with).
    weight_format = opt_prop_def(FixedAttr)
    acc_format = opt_prop_def(FixedAttr)

    assembly_format = _IO_FORMAT + " `weights` `(` $weights `)` (`bias` `(` $bias^ `)`)? attr-dict"
    irdl_options = _KERNEL_OPTIONS

    def __init__(
        self,
        inputs: Sequence[SSAValue],
        outputs: Sequence[SSAValue],
        weights: DenseIntOrFPElementsAttr,
        bias: DenseIntOrFPElementsAttr | None = None,
        bias_on: Sequence[bool] | None = None,
        par_in: int = 1,
        par_out: int = 1,
    ):
        props: dict[str, Attribute] = {
            "weights": weights,
            "par_in": IntegerAttr(par_in, i64),
            "par_out": IntegerAttr(par_out, i64),
        }
        if bias is not None:
            props["bias"] = bias
            props["bias_on"] = DenseArrayBase.from_list(i64, [int(b) for b in (bias_on or [True] * len(inputs))])
        super().__init__(operands=[list(inputs), list(outputs)], properties=props)

    @property
    def stream_inputs(self) -> Sequence[SSAValue]:
        return tuple(self.inputs)

    @property
    def stream_outputs(self) -> Sequence[SSAValue]:
        return tuple(self.outputs)

    @property
    def members(self) -> int:
        return len(self.inputs)

    @property
    def par_in_value(self) -> int:
        return self.par_in.value.data

    @property
    def par_out_value(self) -> int:
        return self.par_out.value.data

    @property
    def parallelism(self) -> int:
        """Multiply-adds per loop iteration."""
        return self.par_in_value * self.par_out_value

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.weights.get_type().get_shape()
        return rows, cols

    def bias_members(self) -> list[bool]:
        if self.bias is None:
            return [False] * self.members
        assert self.bias_on is not None
        return [bool(v) for v in self.bias_on.get_values()]

    def macs_per_sample(self) -> int:
        rows, cols = self.shape
        return self.members * rows * cols

    def verify_kernel(self) -> None:
        ins, outs = self.input_types(), self.output_types()
        if not ins or len(ins) != len(outs):
            raise VerifyException("dataflow.matvec needs as many output streams as input streams, at least one")
        _same_types(self, ins, "input")
        _same_types(self, outs, "output")
        wtype = self.weights.get_type()
        if len(wtype.get_shape()) != 2:
            raise VerifyException("dataflow.matvec weights must be a 2-D tensor (inputs x outputs)")
        rows, cols = wtype.get_shape()
        if ins[0].elements != rows or outs[0].elements != cols:
            raise VerifyException(
                f"dataflow.matvec weights {rows}x{cols} do not match streams of {ins[0].elements} input and "
                f"{outs[0].elements} output elements per sample"
            )
        if self.bias is not None:
            if list(self.bias.get_type().get_shape()) != [cols]:
                raise VerifyException(f"dataflow.matvec bias must have {cols} elements")
            if self.bias_on is None or len(self.bias_on.get_values()) != len(ins):
                raise VerifyException("dataflow.matvec bias_on must give one flag per input stream")
        if self.par_in_value < 1 or ins[0].width % self.par_in_value:
            raise VerifyException(
                f"dataflow.matvec par_in ({self.par_in_value}) must divide the input token width ({ins[0].width})"
            )
        if not 1 <= self.par_out_value <= cols:
            raise VerifyException(f"dataflow.matvec par_out ({self.par_out_value}) must lie in [1, {cols}]")


@irdl_op_definition
class ShuffleOp(KernelOp):
    """Rearranges the elements of a sample: output element e (counting over the output streams in order) is the
    input element `select[e]` (counting over the input streams in order), or, where `select[e]` is -1, the
    constant `fill[e]`. Concatenations, slices, copies and permutations of features are shuffles. A shuffle holds
    one sample: it reads all of it before writing."""

    name = "dataflow.shuffle"

    inputs = var_operand_def(StreamType)
    outputs = var_operand_def(StreamType)
    select = prop_def(DenseArrayBase)
    fill = opt_prop_def(DenseArrayBase)

    assembly_format = _IO_FORMAT + " attr-dict"
    irdl_options = _KERNEL_OPTIONS

    def __init__(
        self,
        inputs: Sequence[SSAValue],
        outputs: Sequence[SSAValue],
        select: Sequence[int],
        fill: Sequence[float] | None = None,
    ):
        props: dict[str, Attribute] = {"select": DenseArrayBase.from_list(i64, list(select))}
        if fill is not None:
            props["fill"] = DenseArrayBase.from_list(f64, [float(v) for v in fill])
        super().__init__(operands=[list(inputs), list(outputs)], properties=props)

    @property
    def stream_inputs(self) -> Sequence[SSAValue]:
        return tuple(self.inputs)

    @property
    def stream_outputs(self) -> Sequence[SSAValue]:
        return tuple(self.outputs)

    def selection(self) -> list[int]:
        return [int(v) for v in self.select.get_values()]

    def fill_values(self) -> list[float]:
        return [float(v) for v in self.fill.get_values()] if self.fill is not None else []

    def verify_kernel(self) -> None:
        ins, outs = self.input_types(), self.output_types()
        if not ins or not outs:
            raise VerifyException("dataflow.shuffle needs input and output streams")
        n_in = sum(t.elements for t in ins)
        n_out = sum(t.elements for t in outs)
        sel = self.selection()
        if len(sel) != n_out:
            raise VerifyException(f"dataflow.shuffle select must have one entry per output element ({n_out}), got {len(sel)}")
        if any(not -1 <= s < n_in for s in sel):
            raise VerifyException(f"dataflow.shuffle select entries must lie in [0, {n_in}), or be -1 (a constant)")
        if self.fill is not None and len(self.fill_values()) != n_out:
            raise VerifyException(f"dataflow.shuffle fill must have one value per output element ({n_out})")
        if -1 in sel and self.fill is None:
            raise VerifyException("dataflow.shuffle select entries of -1 need a fill")
        if len({t.element_type for t in ins + outs}) != 1:
            raise VerifyException("dataflow.shuffle streams must share one element type")


# ---------------------------------------------------------------------------------------------------------------------
# Streams: who writes them, who reads them
# ---------------------------------------------------------------------------------------------------------------------
# A stream is the SSA value a `dataflow.fifo` defines; the kernels that name it are its uses: one writes it (it is
# among the kernel's `stream_outputs`), one reads it (`stream_inputs`). While a rewrite is under way a stream may have
# neither. These answer from the uses, so they stay true through every rewrite.


def producer(stream: SSAValue) -> KernelOp | None:
    """The kernel that writes `stream`, or None."""
    return next((u.operation for u in stream.uses
                 if isinstance(u.operation, KernelOp) and stream in u.operation.stream_outputs), None)  # fmt: skip


def consumer(stream: SSAValue) -> KernelOp | None:
    """The kernel that reads `stream`, or None."""
    return next((u.operation for u in stream.uses
                 if isinstance(u.operation, KernelOp) and stream in u.operation.stream_inputs), None)  # fmt: skip


def source(stream: SSAValue) -> SSAValue:
    """The stream that `stream` copies, beyond any forks (`stream` itself if no fork writes it)."""
    while isinstance(p := producer(stream), ForkOp):
        stream = p.input
    return stream


def sinks(stream: SSAValue) -> list[tuple[KernelOp, SSAValue]]:
    """The kernels that read `stream`, beyond any forks, each with the stream value it reads."""
    c = consumer(stream)
    if isinstance(c, ForkOp):
        return [s for out in c.outputs for s in sinks(out)]
    return [(c, stream)] if c is not None else []


def predecessors(kernel: KernelOp) -> list[KernelOp]:
    """The kernels writing `kernel`'s input streams (forks included), in input order."""
    return [p for v in kernel.stream_inputs if (p := producer(v)) is not None]


def successors(kernel: KernelOp) -> list[KernelOp]:
    """The kernels reading `kernel`'s output streams (forks included), in output order."""
    return [c for v in kernel.stream_outputs if (c := consumer(v)) is not None]


def reaches(start: KernelOp, goal: KernelOp) -> bool:
    """Whether a path of streams leads from `start` to `goal` (a kernel reaches itself)."""
    seen, stack = {start}, [start]
    while stack:
        k = stack.pop()
        if k is goal:
            return True
        for c in successors(k):
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return False


def erase_stream(stream: SSAValue, rewriter: PatternRewriter) -> None:
    """Erases the FIFO of `stream`, which no kernel names any more."""
    fifo = stream.owner
    assert isinstance(fifo, FifoOp) and not stream.uses, fifo
    rewriter.erase(fifo)


def drop_fork_branch(fork: ForkOp, branch: SSAValue, rewriter: PatternRewriter) -> None:
    """Removes the output `branch` (which nothing reads) of `fork`; a fork left with one output goes, its reader
    taking the fork's input."""
    outputs = [o for o in fork.outputs if o is not branch]
    input, last = fork.input, None
    if len(outputs) >= 2:
        rewriter.insert(ForkOp(input, outputs), InsertPoint.before(fork))
    else:
        (last,) = outputs
    rewriter.erase(fork)
    if last is not None:
        rewriter.replace_all_uses_with(last, input)
        erase_stream(last, rewriter)
    erase_stream(branch, rewriter)


@dataclass
class MapMerge:
    """One `dataflow.map` computing several (see `merge_maps`), not yet in the IR, and what becomes of the members'
    streams once it replaces them."""

    op: MapOp
    internal: list[SSAValue]  # members' outputs read only by members: now values inside the body
    exported: list[SSAValue]  # members' outputs read beyond the members too: the merged map's outputs
    second_reads: list[SSAValue]  # fork branches through which a member read a source another member reads first


def merge_maps(members: Sequence[MapOp]) -> MapMerge:
    """A map computing every member, given in dependence order (each after the members whose outputs it reads).
    Members reading one source (directly or through fork branches) read it once; a member's output that another
    member reads is a value inside the body; equal constant columns are stored once; the body shares common
    subexpressions. The members and their streams are left as they are: the caller inserts the merged map before
    them, erases the members and drops the streams the result names."""
    inside = set(members)
    made_by = {v: m for m in members for v in m.outputs}
    element = members[0].stream.element_type
    block = Block()
    read_of: dict[SSAValue, SSAValue] = {}  # logical source -> the stream value the merged map reads
    in_args: dict[SSAValue, SSAValue] = {}  # logical source -> its block argument (inputs come first)
    second_reads: list[SSAValue] = []
    cols: list[DenseIntOrFPElementsAttr] = []
    col_args: list[SSAValue] = []
    value_of: dict[SSAValue, SSAValue] = {}  # a member's output stream -> the body value computing it
    exported: list[SSAValue] = []
    results: list[SSAValue] = []
    for m in members:
        mapping: dict[SSAValue, SSAValue] = {}
        for arg, v in zip(m.body.block.args[: len(m.inputs)], m.inputs, strict=True):
            src = source(v)
            if src in made_by:
                mapping[arg] = value_of[src]
            elif src not in in_args:
                read_of[src] = v
                in_args[src] = block.insert_arg(element, len(in_args))
                mapping[arg] = in_args[src]
            else:
                second_reads.append(v)
                mapping[arg] = in_args[src]
        for arg, row in zip(m.body.block.args[len(m.inputs) :], m.const_rows, strict=True):
            row = _expanded(row)
            index = next((i for i, c in enumerate(cols) if c == row), None)
            if index is None:
                cols.append(row)
                col_args.append(block.insert_arg(element, len(block.args)))
                index = len(cols) - 1
            mapping[arg] = col_args[index]
        for inner in m.body.block.ops:
            if isinstance(inner, YieldOp):
                for v, y in zip(m.outputs, inner.values, strict=True):
                    value_of[v] = mapping.get(y, y)
                break
            clone = inner.clone(value_mapper=mapping)
            block.add_op(clone)
            for old, new in zip(inner.results, clone.results, strict=True):
                mapping[old] = new
        for v in m.outputs:
            if any(k not in inside for k, _ in sinks(v)):
                exported.append(v)
                results.append(value_of[v])
    block.add_op(YieldOp(*results))
    merged = MapOp(list(read_of.values()), exported, Region(block), cols)
    cse(merged.body)
    return MapMerge(merged, [v for v in value_of if v not in exported], exported, second_reads)


def _expanded(row: DenseIntOrFPElementsAttr) -> DenseIntOrFPElementsAttr:
    """`row` with one stored value per element (a splat's value repeated)."""
    n = row.get_type().element_count()
    data = row.data.data
    if n > 1 and len(row.get_values()) == 1:
        return DenseIntOrFPElementsAttr(row.get_type(), BytesAttr(data * n))
    return row


DATAFLOW = Dialect(
    "dataflow",
    [GraphOp, FifoOp, ReadOp, WriteOp, ForkOp, MapOp, YieldOp, MatVecOp, ShuffleOp],
    [StreamType, TargetAttr, FixedAttr],
)

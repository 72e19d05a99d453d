"""`inr-autodiff`: expands `inr.grad` into the derivative program, any order, in linalg / arith / math / tensor.

    inrarch-opt --inr-autodiff in.mlir                       # expand every inr.grad
    inrarch-opt --inr-autodiff=order=3 forward.mlir          # differentiate a plain forward function

Options:
  order   derivative order n >= 1; needed when the module has no inr.grad (then the pass creates
          `@<func>_grad`, returning every derivative of orders 0..n, and makes the forward function private)
  mode    `taylor` (default): forward propagation of multivariate Taylor coefficients, polynomial work in n;
          `reverse`: nested reverse mode as PyTorch's autograd and INR-Arch compute it, for comparison
  layout  `insp` (default) or `unique` (see the inr dialect), for a created inr.grad
  func    the function to differentiate when the module has no inr.grad (default: @forward, @main or the only one)
  scale   per-order scale s: derivatives of order k are multiplied by s**k (INSP-Net's feature scaling)
  first   keep the first K outputs of the layout, for a created inr.grad (INSP-Net's 65 features: order=4 first=65)
  cse     share identical computations (default: true in taylor mode; false in reverse mode, whose backward
          passes then each compute their own graph, as PyTorch's nested autograd does)
  max-gb  the most tensor data (GiB, 8 bytes a number) a function may hold; larger inputs are refused before any
          work, naming their largest tensor (default 1)

Afterwards the module is canonicalized and (with cse) CSE'd with xDSL's passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.builder import InsertPoint
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Block, Region
from xdsl.passes import ModulePass
from xdsl.traits import SymbolTable
from xdsl.transforms.canonicalize import CanonicalizePass
from xdsl.transforms.common_subexpression_elimination import CommonSubexpressionElimination
from xdsl.transforms.dead_code_elimination import region_dce

from inrarch.autodiff.derivatives import MODES, derivative_nodes
from inrarch.autodiff.graph import Builder
from inrarch.autodiff.lift import check_size, lift_function
from inrarch.autodiff.lower import Lowerer
from inrarch.diagnostics import CompileError
from inrarch.dialects.inr import MAX_ORDER, MAX_OUTPUTS, DerivativeAttr, GradOp, Layout, derivative_output_count
from inrarch.evaluator import find_function


@dataclass(frozen=True)
class InrAutodiffPass(ModulePass):
    """Expands inr.grad (or differentiates a forward function) into derivatives of any order."""

    name = "inr-autodiff"

    order: int | None = None  # (check_options also refuses a float given from Python)
    mode: str = "taylor"
    layout: str = "insp"
    func: str | None = None
    scale: int | float | None = None
    first: int | None = None
    cse: bool | None = None
    max_gb: int | float | None = None  # the most tensor data a function may hold (inrarch.autodiff.lift.MAX_GB)

    @property
    def shares(self) -> bool:
        return self.cse if self.cse is not None else self.mode == "taylor"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.check_options()
        for f in op.walk():
            if isinstance(f, func.FuncOp) and not f.is_declaration:
                check_size(f, self.max_gb, "inr-autodiff")
        grads = [g for g in op.walk() if isinstance(g, GradOp)]
        created = None
        if not grads:
            if self.order is None:
                raise CompileError("inr-autodiff: the module has no inr.grad; give order=N to differentiate a function")
            created = find_function(op, self.func)
            grads = [create_grad(op, created, self.order, self.layout, self.scale, self.first)]
        for grad in grads:
            expand_grad(grad, self.mode, self.shares)
        if created is not None and SymbolTable.lookup_symbol(op, created.sym_name.data) is created:
            created.detach()  # the forward function was only the derivative's callee
            created.erase()
        CanonicalizePass().apply(ctx, op)
        if self.shares:
            CommonSubexpressionElimination().apply(ctx, op)
        for f in op.walk():
            if isinstance(f, func.FuncOp) and f.body.blocks:
                region_dce(f.body)

    def check_options(self) -> None:
        if self.order is not None and (isinstance(self.order, float) or not 1 <= self.order <= MAX_ORDER):
            raise CompileError(f"inr-autodiff: order must be an integer in [1, {MAX_ORDER}], got {self.order}")
        if self.mode not in MODES:
            raise CompileError(f"inr-autodiff: unknown mode '{self.mode}' (choose taylor or reverse)")
        if self.layout not in (Layout.INSP.value, Layout.UNIQUE.value):
            raise CompileError(f"inr-autodiff: unknown layout '{self.layout}' (choose insp or unique)")
        if self.first is not None and (isinstance(self.first, float) or self.first < 1):
            raise CompileError(f"inr-autodiff: first must be a positive integer, got {self.first}")


def create_grad(
    module: ModuleOp, forward: func.FuncOp, order: int, layout: str, scale: float | None, first: int | None = None
) -> GradOp:
    """Adds `@<f>_grad(%x)` returning `inr.grad @f(%x)`; makes @f private."""
    ftype = forward.function_type
    if len(ftype.inputs) != 1 or len(ftype.outputs) != 1:
        raise CompileError(
            f"inr-autodiff: @{forward.sym_name.data} must map one tensor<N x d> to one tensor<N x m>", forward
        )
    in_type, out_type = ftype.inputs.data[0], ftype.outputs.data[0]
    if not (isinstance(in_type, TensorType) and isinstance(out_type, TensorType)) or in_type.get_num_dims() != 2 \
            or out_type.get_num_dims() != 2:  # fmt: skip
        raise CompileError(
            f"inr-autodiff: @{forward.sym_name.data} must map tensor<N x d> to tensor<N x m>, it is {ftype}", forward
        )
    samples, dims = in_type.get_shape()
    channels = out_type.get_shape()[1]
    result_type = TensorType(in_type.element_type, [samples])
    full = derivative_output_count(dims, channels, order, layout)
    if first is not None and first > full:
        raise CompileError(
            f"inr-autodiff: order {order} of {channels} output(s) over {dims} coordinate(s) gives {full:,} derivatives "
            f"in the {layout} layout; it cannot keep the first {first:,}",
            forward,
        )
    count = derivative_output_count(dims, channels, order, layout, first)
    if count > MAX_OUTPUTS:
        raise CompileError(
            f"inr-autodiff: order {order} of {channels} output(s) over {dims} coordinate(s) gives {count:,} derivatives "
            f"in the {layout} layout; at most {MAX_OUTPUTS:,} are supported"
            + (" (the unique layout lists each partial once)" if layout == "insp" else ""),
            forward,
        )
    block = Block(arg_types=[in_type])
    grad = GradOp(forward.sym_name.data, block.args[0], order, layout, [result_type] * count, scale, first)
    grad.location = forward.location
    block.add_ops([grad, func.ReturnOp(*grad.outputs)])
    name = f"{forward.sym_name.data}_grad"
    table = SymbolTable.lookup_symbol(module, name)
    if table is not None:
        raise CompileError(f"inr-autodiff: the module already has a symbol @{name}", table)
    new_func = func.FuncOp(name, ([in_type], [result_type] * count), Region(block))
    new_func.location = forward.location
    module.body.block.add_op(new_func)
    forward.sym_visibility = StringAttr("private")
    return grad


def expand_grad(grad: GradOp, mode: str, share: bool = True) -> None:
    callee = SymbolTable.lookup_symbol(grad, grad.callee)
    assert isinstance(callee, func.FuncOp)
    if callee.is_declaration:
        raise CompileError(f"inr-autodiff: the callee @{callee.sym_name.data} is a declaration without a body: "
                           "inr.grad differentiates a function it can read", grad)  # fmt: skip
    in_type = grad.input.type
    assert isinstance(in_type, TensorType)
    samples = in_type.get_shape()[0]
    builder = Builder(samples)
    x, (y,) = lift_function(builder, callee)
    scale = grad.scale.value.data if grad.scale is not None else None
    first = grad.first_value
    _, nodes = derivative_nodes(builder, x, y, grad.order_value, grad.layout_value.value, mode, scale, share, first)
    parent = grad.parent_op()
    returned = parent.body.block.last_op if isinstance(parent, func.FuncOp) else None
    if isinstance(returned, func.ReturnOp) and tuple(returned.operands) == tuple(grad.outputs):
        # The function returns the derivatives: say what they are, for reports downstream.
        parent.attributes["inr.derivative"] = DerivativeAttr(grad.order_value, grad.layout_value.value, mode, first)
    lowerer = Lowerer(samples, in_type.element_type, InsertPoint.before(grad), grad.input)
    values = lowerer.emit(nodes)
    for result, value in zip(grad.outputs, values, strict=True):
        result.replace_all_uses_with(value)
    grad.detach()
    grad.erase()

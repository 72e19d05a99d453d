"""Import of PyTorch INR models into xDSL through torch-mlir's FX importer (linalg on tensors).

    module = inrarch.import_model(model, example_input)      # func.func @forward(tensor<N x d>) -> tensor<N x m>

Weights are inlined as dense literals (xDSL keeps `dense_resource` blobs in process-wide storage, so a second
module parsed in one process would lose them). Source locations survive: every op carries the call-site location
torch-mlir gives it, and diagnostics name the innermost frame outside torch itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
import math
import os
import warnings

import numpy as np
import torch
from xdsl.dialects.builtin import ModuleOp

from inrarch import ops
from inrarch.context import make_context, parse_module
from inrarch.diagnostics import CompileError

# The ATen ops (as torch.export records them, before decomposition) of the supported model kinds: SIRENs, MLPs
# with the usual activations, elementwise arithmetic, residual connections, Fourier features, feature concatenation.
# Elementwise ops that map to one op of the registry are listed by their entry (inrarch.ops); the activations
# torch-mlir expands into several ops, and the structural ops, here.
EXPANDED_ACTIVATIONS = ("sigmoid", "softplus", "gelu", "relu", "silu", "elu", "leaky_relu")


def _mish(x):
    """mish(x) = x tanh(softplus(x)) (Misra, 2019), in ops torch-mlir lowers (it has no lowering of mish)."""
    return x * torch.tanh(torch.nn.functional.softplus(x))


# Activations inrarch rewrites into other ATen ops before torch-mlir sees them (torch.export's decompositions).
DECOMPOSED_ACTIVATIONS = {"mish": _mish}
SUPPORTED_ATEN_OPS = {a for entry in ops.ELEMENTWISE.values() for a in entry.aten} | {
    f"aten.{name}.default" for name in EXPANDED_ACTIVATIONS} | {
    "aten.linear.default", "aten.matmul.default", "aten.mm.default", "aten.addmm.default",
    "aten.t.default", "aten.transpose.int", "aten.permute.default",
    "aten.add.Tensor", "aten.add.Scalar", "aten.sub.Tensor", "aten.sub.Scalar", "aten.rsub.Scalar",
    "aten.mul.Tensor", "aten.mul.Scalar", "aten.div.Tensor", "aten.div.Scalar", "aten.pow.Tensor_Scalar",
    "aten.cat.default", "aten.slice.Tensor", "aten.clone.default", "aten.alias.default",
}  # fmt: skip

_TORCH_DIR = os.path.dirname(torch.__file__)


def activations() -> dict[str, Callable[[torch.Tensor], torch.Tensor]]:
    """Every activation a model may apply to a layer's output, by ATen name: each one-operand registry entry that
    torch.export records as an ATen op of its own, and the ATen activations torch-mlir expands into several registry
    ops (EXPANDED_ACTIVATIONS). A function defined on part of the real line only (its registry evaluation is not
    finite somewhere on [-4, 4]: log, sqrt) is applied to 1 + z^2. Model zoos and the fuzzer draw from this, so a new
    registry entry is built into models and fuzzed without another list to edit."""
    found: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {}
    probe = np.linspace(-4.0, 4.0, 81)
    for entry in ops.ELEMENTWISE.values():
        if entry.arity != 1:
            continue
        with np.errstate(all="ignore"):
            real_line = bool(np.all(np.isfinite(entry.numpy(probe))))
        for aten in entry.aten:
            name = aten.split(".")[1]
            fn = getattr(torch.ops.aten, name)
            found[name] = fn if real_line else (lambda f: lambda z: f(1.0 + z * z))(fn)
    for name in (*EXPANDED_ACTIVATIONS, *DECOMPOSED_ACTIVATIONS):
        found[name] = getattr(torch.ops.aten, name)
    return found



def _user_frame(node) -> str | None:
    """file:line of the innermost frame of `node`'s stack trace outside torch's own sources."""
    trace = node.meta.get("stack_trace") or ""
    frames = []
    for line in trace.splitlines():
        line = line.strip()
        if line.startswith('File "'):
            path, _, rest = line[6:].partition('", line ')
            frames.append((path, rest.split(",")[0]))
    for path, lineno in reversed(frames):
        if not path.startswith(_TORCH_DIR):
            return f"{path}:{lineno}"
    if frames:
        return f"{frames[-1][0]}:{frames[-1][1]}"
    module_stack = node.meta.get("nn_module_stack")
    if module_stack:
        path, cls = list(module_stack.values())[-1]
        return f"module {path or '<root>'} ({getattr(cls, '__name__', cls)})"
    return None


def _check_input(model: torch.nn.Module, example_input) -> torch.Tensor:
    if not isinstance(model, torch.nn.Module):
        raise CompileError(f"import_model needs a torch.nn.Module, got {type(model).__name__}")
    if isinstance(example_input, tuple | list):
        raise CompileError(
            f"models with several inputs are not supported: inrarch imports forward(x) with one tensor x of shape "
            f"[N, d], got {len(example_input)} inputs"
        )
    if not isinstance(example_input, torch.Tensor):
        raise CompileError(f"the example input must be a torch.Tensor of shape [N, d], got {type(example_input).__name__}")
    if example_input.dtype not in (torch.float32, torch.float64):
        raise CompileError(
            f"non-float inputs are not supported: the example input is {example_input.dtype}, "
            "use torch.float32 or torch.float64"
        )
    if example_input.dim() != 2:
        raise CompileError(
            f"the example input must have shape [N, d] (samples x coordinates), got {list(example_input.shape)}"
        )
    params = [
        p for p in inspect.signature(model.forward).parameters.values()
        if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]  # fmt: skip
    if len(params) > 1:
        names = ", ".join(p.name for p in params)
        raise CompileError(
            f"models with several inputs are not supported: forward takes ({names}); inrarch imports forward(x) "
            "with one tensor x of shape [N, d]"
        )
    for name, sub in model.named_modules():
        kind = next((k for k in UNSUPPORTED_LAYERS if isinstance(sub, k[0])), None)
        if kind is not None:
            raise CompileError(f"unsupported layer torch.nn.{type(sub).__name__} ({name or 'the model'}): {kind[1]}")
    for name, p in list(model.named_parameters()) + list(model.named_buffers()):
        if p.dtype not in (torch.float32, torch.float64):
            raise CompileError(f"non-float parameters are not supported: {name} is {p.dtype}")
        bad = ~torch.isfinite(p.detach())
        if bool(bad.any()):
            where = [int(i) for i in bad.nonzero()[0]]
            value = p.detach()[tuple(where)].item()
            raise CompileError(f"parameter {name} holds {int(bad.sum())} non-finite value(s) (first: {value} at "
                               f"{where}): inrarch computes derivatives of finite weights only")  # fmt: skip
    if not bool(torch.isfinite(example_input).all()):
        raise CompileError("the example input holds non-finite values (NaN or Inf)")
    try:
        with torch.no_grad(), _quiet_torch():
            model(example_input)
    except Exception as err:  # the model's own error, e.g. a shape mismatch
        text = str(err).strip()
        raise CompileError(f"the model does not run on an input of shape {list(example_input.shape)}: "
                           f"{type(err).__name__}: {text.splitlines()[0] if text else ''}") from None  # fmt: skip
    return example_input


# Layers inrarch rejects by name, with the reason (they are not row-wise, or their export brings non-float state).
UNSUPPORTED_LAYERS = (
    (torch.nn.modules.batchnorm._BatchNorm, "batch normalisation is not supported; fold it into the preceding "
                                            "nn.Linear (its weights and bias) before compiling"),
    (torch.nn.LayerNorm, "layer normalisation reduces across features; it is not supported"),
    (torch.nn.Embedding, "embeddings take integer inputs; inrarch models take coordinates"),
)  # fmt: skip


class _quiet_torch:
    """Silences torch's loggers (torch.export and fake tensors log tracebacks of the errors inrarch reports)."""

    def __enter__(self):
        import logging

        self.levels = {}
        for name in ("torch", "torch._subclasses.fake_tensor", "torch.export", "torch._export", "torch.fx"):
            logger = logging.getLogger(name)
            self.levels[name] = (logger, logger.level, logger.disabled)
            logger.setLevel(logging.CRITICAL + 1)
            logger.disabled = True
        return self

    def __exit__(self, *exc):
        for logger, level, disabled in self.levels.values():
            logger.setLevel(level)
            logger.disabled = disabled
        return False


def _tanh_gelu(x, approximate="none"):
    """GELU's tanh approximation with PyTorch's constants: sqrt(2 / pi) exactly, and 0.044715 (torch-mlir's own
    lowering uses 0.7977240352174656 for sqrt(2 / pi), off by 2e-4 relative). The exact GELU keeps its lowering."""
    if approximate != "tanh":
        return NotImplemented
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * (x * x * x))))


def _inline_literal_hooks():
    from torch_mlir.extras.fx_importer import FxImporterHooks
    from torch_mlir.ir import DenseElementsAttr, Operation

    class InlineLiterals(FxImporterHooks):
        """Weights become inline dense attributes instead of dense_resource blobs."""

        def resolve_literal(self, gni, literal, info):
            if not isinstance(literal, torch.Tensor) or literal.dtype not in (torch.float32, torch.float64):
                return None
            dtype = np.float32 if literal.dtype == torch.float32 else np.float64
            array = np.asarray(literal.tolist(), dtype=dtype).reshape(tuple(literal.shape))
            attr = DenseElementsAttr.get(array)
            vtensor = gni._cc.tensor_to_vtensor_type(literal)
            return Operation.create("torch.vtensor.literal", results=[vtensor], attributes={"value": attr}).result

    return InlineLiterals()


def import_model(model: torch.nn.Module, example_input: torch.Tensor, func_name: str = "forward") -> ModuleOp:
    """The forward function of `model` at the shape of `example_input`, as an xDSL module in linalg on tensors."""
    example_input = _check_input(model, example_input)
    model = model.eval()
    with warnings.catch_warnings(), _quiet_torch():
        warnings.simplefilter("ignore")
        try:
            program = torch.export.export(model, (example_input,))
        except Exception as err:  # torch.export explains what it could not trace
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CompileError(f"torch.export could not trace the model: {first}") from err
        if any(node.op == "call_function" and node.target == torch.ops.aten.gelu.default
               and node.kwargs.get("approximate") == "tanh" for node in program.graph.nodes):  # fmt: skip
            program = program.run_decompositions({torch.ops.aten.gelu.default: _tanh_gelu})
        decomposed = {getattr(torch.ops.aten, name).default: fn for name, fn in DECOMPOSED_ACTIVATIONS.items()}
        if any(node.op == "call_function" and node.target in decomposed for node in program.graph.nodes):
            program = program.run_decompositions(decomposed)
        for node in program.graph.nodes:
            if node.op == "call_function" and str(node.target) not in SUPPORTED_ATEN_OPS:
                name = "torch." + str(node.target).rsplit(".", 1)[0] if "aten." in str(node.target) else str(node.target)
                where = _user_frame(node)
                raise CompileError(f"unsupported op {name}" + (f" at {where}" if where else ""))
        out_meta = [n for n in program.graph.nodes if n.op == "output"][0].args[0]
        if len(out_meta) != 1:
            raise CompileError(f"models with several outputs are not supported: forward returns {len(out_meta)} values")

        from torch_mlir import fx

        try:
            mlir_module = fx.export_and_import(
                program, output_type="linalg-on-tensors", hooks=_inline_literal_hooks(), func_name=func_name
            )
        except Exception as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CompileError(f"torch-mlir could not lower the model to linalg: {first}") from err
    # Local scope prints locations and affine maps inline (no trailing aliases), which xDSL parses.
    text = mlir_module.operation.get_asm(enable_debug_info=True, use_local_scope=True)
    return parse_module(text, f"<torch-mlir import of {type(model).__name__}>", make_context())

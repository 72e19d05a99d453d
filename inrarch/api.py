"""The Python API beyond import and evaluation: derivatives (and, later, designs)."""

from __future__ import annotations

from xdsl.dialects.builtin import ModuleOp

from inrarch.context import make_context
from inrarch.diagnostics import CompileError


def differentiate(
    model_or_module,
    example_input=None,
    order: int = 1,
    layout: str = "insp",
    mode: str = "taylor",
    func: str | None = None,
    scale: float | None = None,
    cse: bool | None = None,
) -> ModuleOp:
    """A module whose public function `@<f>_grad(x)` returns every derivative of orders 0..`order` of f, in `layout`
    order (see the inr dialect). `model_or_module` is a torch.nn.Module (imported at `example_input`'s shape) or an
    xDSL module (left unchanged: a clone is differentiated)."""
    from inrarch.passes.inr_autodiff import InrAutodiffPass

    if isinstance(model_or_module, ModuleOp):
        module = model_or_module.clone()
    else:
        from inrarch.importer import import_model

        if example_input is None:
            raise CompileError("differentiate needs an example_input to import a PyTorch model")
        module = import_model(model_or_module, example_input)
    InrAutodiffPass(order=order, mode=mode, layout=layout, func=func, scale=scale, cse=cse).apply(make_context(), module)
    return module

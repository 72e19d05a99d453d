"""The Python API beyond import: evaluation (functions and dataflow graphs) and derivatives."""

from __future__ import annotations

import numpy as np
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
    first: int | None = None,
) -> ModuleOp:
    """A module whose public function `@<f>_grad(x)` returns every derivative of orders 0..`order` of f, in `layout`
    order (see the inr dialect; the first `first` of them when given). A module that holds `inr.grad` ops already
    (`edit_program`'s, for instance) has them expanded, whatever order, layout, scale and first say. `model_or_module` is a torch.nn.Module (imported at `example_input`'s shape) or an
    xDSL module (left unchanged: a clone is differentiated)."""
    from inrarch.passes.inr_autodiff import InrAutodiffPass

    if isinstance(model_or_module, ModuleOp):
        module = model_or_module.clone()
    else:
        from inrarch.importer import import_model

        if example_input is None:
            raise CompileError("differentiate needs an example_input to import a PyTorch model")
        module = import_model(model_or_module, example_input)
    InrAutodiffPass(order=order, mode=mode, layout=layout, func=func, scale=scale, first=first, cse=cse).apply(
        make_context(), module
    )
    return module


def evaluate(module, *inputs, dtype=np.float64, func: str | None = None) -> list[np.ndarray]:
    """Runs a function of `module` on numpy (or torch) inputs; returns its results as arrays of `dtype`. A module
    holding a `dataflow.graph` runs the graph: one input array [N, d], one result, the written array [N, M]."""
    from inrarch.analysis.functional import run_graph
    from inrarch.evaluator import run_function

    arrays = [np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x) for x in inputs]
    graphs = [op for op in module.walk() if op.name == "dataflow.graph"]
    if graphs and (func is None or any(g.sym_name.data == func for g in graphs)):
        graph = next(g for g in graphs if func is None or g.sym_name.data == func)
        if len(arrays) != 1:
            raise CompileError(f"@{graph.sym_name.data} takes one input array, {len(arrays)} given", graph)
        with np.errstate(all="ignore"):
            return [run_graph(graph, arrays[0], dtype)]
    return run_function(module, arrays, dtype, func)


def edit_program(
    model,
    editor,
    example_input,
    order: int,
    layout: str = "insp",
    scale: float | None = None,
    first: int | None = None,
) -> ModuleOp:
    """INR editing as one program: a module whose public function `@edit(x)` stacks the derivatives
    `inr.grad @inr(x) order .. layout .. first .. scale ..` (K of them, [N] each) into features [N, K] and returns
    `@editor(features)`. `model` (the INR, [N, d] -> [N, m]) and `editor` ([N, K] -> [N, c]) are torch.nn.Modules,
    imported at `example_input`'s shape; inr-autodiff then expands the inr.grad in place, and the dataflow passes
    lower the whole edit into one design (the features never leave the chip)."""
    import torch
    from xdsl.dialects import func, tensor
    from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, StringAttr, TensorType, i64
    from xdsl.ir import Block, Region
    from xdsl.traits import SymbolTable

    from inrarch.dialects.inr import GradOp, derivative_output_count
    from inrarch.importer import import_model

    if example_input is None:
        raise CompileError("edit_program needs an example_input to import the models")
    module = import_model(model, example_input, func_name="inr")
    inr = SymbolTable.lookup_symbol(module, "inr")
    assert isinstance(inr, func.FuncOp)
    in_type, out_type = inr.function_type.inputs.data[0], inr.function_type.outputs.data[0]
    assert isinstance(in_type, TensorType) and isinstance(out_type, TensorType)
    samples, dims = in_type.get_shape()
    count = derivative_output_count(dims, out_type.get_shape()[1], order, layout, first)
    features = torch.zeros(samples, count, dtype=torch.float64 if "f64" in str(in_type) else torch.float32)
    editor_module = import_model(editor, features, func_name="editor")
    for op in list(editor_module.body.block.ops):
        name = op.properties.get("sym_name") if hasattr(op, "properties") else None
        if isinstance(name, StringAttr) and SymbolTable.lookup_symbol(module, name.data) is not None:
            raise CompileError(f"edit_program: the INR and the editor both define @{name.data}")
        op.detach()
        module.body.block.add_op(op)
    editor_func = SymbolTable.lookup_symbol(module, "editor")
    assert isinstance(editor_func, func.FuncOp)
    result_type = editor_func.function_type.outputs.data[0]
    element = in_type.element_type
    block = Block(arg_types=[in_type])
    column = TensorType(element, [samples])
    grad = GradOp("inr", block.args[0], order, layout, [column] * count, scale, first)
    grad.location = inr.location
    reassoc = ArrayAttr([ArrayAttr([IntegerAttr(0, i64), IntegerAttr(1, i64)])])
    columns = [tensor.ExpandShapeOp(r, [], reassoc, [samples, 1], TensorType(element, [samples, 1])) for r in grad.outputs]
    stacked = tensor.ConcatOp([c.result for c in columns], 1, TensorType(element, [samples, count]))
    call = func.CallOp("editor", [stacked.result], [result_type])
    block.add_ops([grad, *columns, stacked, call, func.ReturnOp(call.res[0])])
    edit = func.FuncOp("edit", ([in_type], [result_type]), Region(block))
    edit.location = inr.location
    module.body.block.add_op(edit)
    for f in (inr, editor_func):
        f.sym_visibility = StringAttr("private")
    return module


def taylor_module(
    model,
    order: int = 1,
    layout: str = "insp",
    first: int | None = None,
    scale: float | None = None,
    example_input=None,
    chunk: int = 4096,
    mode: str = "taylor",
):
    """The derivative program of `model` as a PyTorch module: `differentiate` (inr-autodiff on the imported model)
    printed by the torch target (inrarch.targets.pytorch) and built. `module(x)` maps samples x [N, d] of any N, on
    any device, to every derivative of orders 0..`order` as one [N, K] tensor in one batched pass, `chunk` samples
    at a time; `module.columns` names the K columns (`y0_x1_x0`, the layout order of `inr.grad`, the first `first`
    of them). The model is imported in its own floating dtype at `example_input`'s shape (default: 8 samples of
    the input width of its first Linear layer); the module computes in its input's dtype. It can be
    `torch.compile`d. The module keeps the weights the model had when it was built."""
    import torch

    from inrarch.dialects.inr import derivative_outputs
    from inrarch.targets.pytorch import print_torch

    if order < 0:
        raise CompileError(f"order must be at least 0, got {order}")
    if chunk < 1:
        raise CompileError(f"chunk must be at least 1, got {chunk}")
    params = [p for p in model.parameters() if p.is_floating_point()]
    dtype = params[0].dtype if params else torch.get_default_dtype()
    if example_input is None:
        linear = next((m for m in model.modules() if isinstance(m, torch.nn.Linear)), None)
        if linear is None:
            raise CompileError("taylor_module needs an example_input for a model without a Linear layer")
        example_input = torch.zeros(8, linear.in_features, dtype=dtype)
    example_input = example_input.detach()[:8].to(dtype=dtype, device="cpu")
    model_cpu = model
    if any(p.device.type != "cpu" for p in model.parameters()):
        import copy

        model_cpu = copy.deepcopy(model).cpu()
    module = differentiate(model_cpu, example_input, order=order, layout=layout, mode=mode, scale=scale, first=first)
    with torch.no_grad():
        channels = model_cpu(example_input).shape[1]
    columns = [o.name for o in derivative_outputs(example_input.shape[1], channels, order, layout, first)]
    return print_torch(module, columns=columns).build(chunk)


def derivatives(
    model,
    x,
    order: int = 1,
    layout: str = "insp",
    first: int | None = None,
    scale: float | None = None,
    chunk: int = 4096,
):
    """Every derivative of orders 0..`order` of `model` at the samples x [N, d], as one [N, K] tensor on x's device
    and in x's dtype (columns: `taylor_module(...).columns`). It builds the module each call (about a second); build
    it once with `taylor_module` to call it repeatedly. A model of another dtype than x is imported as a copy in x's."""
    import copy

    params = [p for p in model.parameters() if p.is_floating_point()]
    if x.is_floating_point() and params and params[0].dtype != x.dtype:
        model = copy.deepcopy(model).to(dtype=x.dtype)
    program = taylor_module(model, order, layout, first, scale, example_input=x, chunk=chunk)
    return program(x)

"""inrarch: nth-order input gradients of implicit neural representations, compiled to FPGA dataflow designs.

Python API (each imported on first use, so `inrarch-opt` does not pay for torch):

- `import_model(model, example_input)` -> xDSL module of the model's forward function (linalg on tensors)
- `evaluate(module, *inputs, dtype=np.float64)` -> list of numpy arrays
- `differentiate(model_or_module, example_input=None, order=n, layout="insp", mode="taylor")` -> module whose
  public function returns every derivative of orders 0..n
- `taylor_module(model, order=n, layout="insp", first=None)` -> torch.nn.Module computing every derivative of
  orders 0..n in one batched pass ([N, d] -> [N, K], columns in layout order): the derivative program as PyTorch
- `derivatives(model, x, order=n, ...)` -> that module's [N, K] output for x
- `compile(model, example_input, order=n, ..., out_dir=None)` -> `Design` (dataflow design, `.report`,
  `.csim(x, threaded=False)`, Vitis project in `out_dir`)
"""

from importlib import import_module

_API = {
    "import_model": "inrarch.importer",
    "evaluate": "inrarch.api",
    "CompileError": "inrarch.diagnostics",
    "differentiate": "inrarch.api",
    "taylor_module": "inrarch.api",
    "derivatives": "inrarch.api",
    "compile": "inrarch.design",
    "Design": "inrarch.design",
}

__all__ = sorted(_API)


_SUBMODULES = {"stats": "inrarch.stats", "hardware": "inrarch.targets.hardware", "apps": "inrarch.apps",
               "models": "inrarch.models", "reference": "inrarch.apps.reference"}  # fmt: skip


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    if name in _SUBMODULES:
        return import_module(_SUBMODULES[name])
    raise AttributeError(f"module 'inrarch' has no attribute {name!r}")

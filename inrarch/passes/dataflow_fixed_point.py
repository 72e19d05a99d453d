"""`dataflow-fixed-point`: gives a dataflow graph fixed-point formats (streams, map-body values, column
constants, weights, accumulators), chosen by `inrarch.analysis.precision` from a range analysis on calibration
inputs and an error budget, or one uniform `ap_fixed<W,I>` for every number.

Options: `precision` (`auto`, or `ap_fixed<W,I>`), `error` (the tolerated error per output, a fraction of its
largest magnitude vs float64; default 1e-3), `overflow` (`error`: a design whose values overflow on the
calibration inputs is refused; `saturate`: formats saturate, overflows are reported; `wrap`: reported only),
`margin` (headroom over the calibrated magnitudes, default 2), `calibration` (a `.npy` file of inputs [M, d];
default a grid of 4,096 points of [-1, 1]^d). Runs between dataflow-fuse and dataflow-parallelize, which then
sizes the design with the fixed-point operators' costs."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from inrarch.analysis.fixed import parse_precision
from inrarch.analysis.precision import calibration_grid, choose_formats
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import GraphOp


@dataclass(frozen=True)
class DataflowFixedPointPass(ModulePass):
    """Chooses fixed-point formats for every stream, map-body value, constant, weight and accumulator: `auto` (ranges
    on calibration inputs, word lengths within the error budget) or a uniform ap_fixed<W,I>."""

    name = "dataflow-fixed-point"

    precision: str = "auto"
    error: float = 1e-3
    overflow: str = "error"
    margin: float = 2.0
    calibration: str | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        precision = parse_precision(self.precision)
        if precision == "float":
            return
        x = None
        if self.calibration is not None:
            if not os.path.isfile(self.calibration):
                raise CompileError(f"dataflow-fixed-point: calibration file {self.calibration} not found")
            try:
                x = np.load(self.calibration, allow_pickle=False)
            except (OSError, ValueError) as err:
                raise CompileError(f"dataflow-fixed-point: {self.calibration} is not a .npy array: {err}") from None
        for graph in [g for g in op.walk() if isinstance(g, GraphOp)]:
            dims = graph.function_type.inputs.data[0].get_shape()[1]
            xs = calibration_grid(dims) if x is None else x
            if xs.ndim != 2 or xs.shape[1] != dims or xs.shape[0] < 1:
                raise CompileError(f"dataflow-fixed-point: calibration inputs must have shape [M, {dims}] with M >= 1, "
                                   f"got {list(xs.shape)}")  # fmt: skip
            if not (np.issubdtype(xs.dtype, np.floating) or np.issubdtype(xs.dtype, np.integer)):
                raise CompileError(f"dataflow-fixed-point: calibration inputs must be numbers, got {xs.dtype}")
            if not np.isfinite(xs).all():
                raise CompileError("dataflow-fixed-point: the calibration inputs hold non-finite values (NaN or Inf)")
            choose_formats(graph, precision, xs, self.error, self.overflow, self.margin)

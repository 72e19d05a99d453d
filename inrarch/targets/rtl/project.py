"""An RTL project: the Verilog of a fixed-point design, its Verilator harness, input data and the bit-exact outputs
its fixed-point semantics give (`run_fixed`, what the C-simulation computes), and `rtl.json`, which describes the
design and carries the model's figures; and the measurement of a project (`measure`): Verilator simulation
(outputs bit for bit, cycles, FIFO occupancies) and Yosys synthesis per kernel and FIFO, beside the model.

    prj/rtl/<top>.v        the design (top module <top>, one module <top>.<kernel> per kernel and FIFO)
    prj/rtl/<top>.il       the same in Yosys's RTLIL (what the synthesis reads)
    prj/harness.cpp        the Verilator harness
    prj/data/input.bin     inputs (float words, calls of N samples), data/expected.bin their outputs
    prj/rtl.json           kernels, FIFOs, the RTL's structure and the model's figures
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict

import numpy as np

from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import GraphOp
from inrarch.targets.hls.project import MARKER, manifest, write_folder
from inrarch.targets.rtl.compare import fifo_model, kernel_models, model_span
from inrarch.targets.rtl.top import DesignRtl

DESCRIPTION = "rtl.json"


def rtl_files(graph: GraphOp, inputs: np.ndarray | None = None) -> tuple[dict[str, str | bytes], dict]:
    """The project's files and its description."""
    from inrarch.analysis.precision import run_fixed
    from inrarch.targets.rtl.verilator import harness

    rtl = DesignRtl(graph)
    netlist = rtl.rtlil()
    verilog = rtl.verilog(netlist)
    if inputs is None:
        inputs = np.random.default_rng(0).uniform(-1, 1, (rtl.samples, rtl.in_cols))
    inputs = np.asarray(inputs, dtype=np.float64)
    dtype = np.float64 if rtl.float_bits == 64 else np.float32
    inputs = inputs.astype(dtype).astype(np.float64)
    expected, _ = run_fixed(graph, inputs)
    span = model_span(graph)
    target = graph.target
    description = {
        "top": rtl.top,
        "float_bits": rtl.float_bits,
        "samples": rtl.samples,
        "in_cols": rtl.in_cols,
        "out_cols": rtl.out_cols,
        "precision": graph.precision.data if graph.precision else "",
        "model": {"cycles": span.cycles, "cycles_with_memory": graph.modeled_cycles.value.data
                  if graph.modeled_cycles else None,
                  "clock_mhz": target.clock_mhz.data if target else 300.0,
                  "part": target.part.data if target else ""},  # fmt: skip
        "kernels": [{"name": k.name, "module": f"{rtl.top}.{k.name}", "op": k.op.name,
                     "rtl": {"ii": k.structure.ii, "depth": k.structure.depth,
                             "multipliers": k.structure.multipliers, "memories": k.structure.memories,
                             "notes": k.structure.notes},
                     "model": asdict(model)}
                    for k, model in zip(rtl.kernels, kernel_models(graph), strict=True)],  # fmt: skip
        "fifos": [{"name": info.name, "module": f"{rtl.top}.fifo_{info.name}", "depth": info.depth,
                   "token_bits": info.bits, "model": {"max_occupancy": occ, "bram18": bram, "lut": lut}}
                  for info, occ, (bram, lut) in zip(rtl.infos, span.max_occupancy, fifo_model(graph), strict=True)],
    }  # fmt: skip
    files: dict[str, str | bytes] = {
        f"rtl/{rtl.top}.v": verilog,
        f"rtl/{rtl.top}.il": netlist,
        "harness.cpp": harness(rtl.top, rtl.float_bits, rtl.samples, rtl.in_cols, rtl.out_cols, rtl.infos),
        "data/input.bin": inputs.astype(dtype).tobytes(),
        "data/expected.bin": expected.astype(dtype).tobytes(),
        DESCRIPTION: json.dumps(description, indent=1) + "\n",
    }
    return files, description


def write_rtl(graph: GraphOp, out_dir: str, force: bool = False, inputs: np.ndarray | None = None) -> str:
    """Writes the RTL project of a fixed-point graph to `out_dir` (new or empty, or an inrarch project with
    `force`); returns its absolute path."""
    from inrarch.targets.hls.project import check_project_dir

    check_project_dir(out_dir, force)
    files, _ = rtl_files(graph, inputs)
    return write_folder(out_dir, files, None, force)


def load(project: str) -> dict:
    written = manifest(project)
    if written is None or DESCRIPTION not in written:
        raise CompileError(f"{project} is not an inrarch RTL project (no {MARKER} listing {DESCRIPTION}); write one "
                           "with inrarch compile --emit rtl")  # fmt: skip
    for name in written:
        if not os.path.isfile(os.path.join(project, name)):
            raise CompileError(f"{project} lacks {name}, which inrarch wrote there; write the project again")
    with open(os.path.join(project, DESCRIPTION)) as f:
        return json.load(f)


def structure_key(k: dict) -> str:
    """What decides a kernel's cells apart from its constants' values: kernels with the same key (the hidden layers
    of a SIREN) differ only in the contents of their ROMs."""
    return json.dumps([k["op"], k["rtl"]["ii"], k["rtl"]["depth"], k["rtl"]["multipliers"], k["rtl"]["memories"],
                       k["model"]], sort_keys=True)  # fmt: skip


def measure(project: str, sim: bool = True, synth: bool = True, kernels: list[str] | None = None,
            progress: Callable[[str], None] = print, synth_timeout: float | None = None,
            every_kernel: bool = False, whole: bool = False) -> dict:  # fmt: skip
    """Simulates the project's design with Verilator on its input data and/or synthesizes its kernels (all, or
    those named) and FIFOs with Yosys; writes and returns the measurements (`build/measured.json`). Kernels of the
    same structure (`structure_key`) are synthesized once unless `every_kernel`: they differ only in their ROMs'
    contents (weights), which moves their LUT counts a little and nothing else."""
    from inrarch.targets.rtl import verilator, yosys

    d = load(project)
    top = d["top"]
    result: dict = {"top": top}
    if sim:
        progress(f"[rtl] Verilator: building the simulation of {top} ({len(d['kernels'])} kernels, "
                 f"{len(d['fifos'])} FIFOs)")  # fmt: skip
        binary = verilator.build(project, top)
        dtype = np.float64 if d["float_bits"] == 64 else np.float32
        x = np.fromfile(os.path.join(project, "data", "input.bin"), dtype=dtype).reshape(-1, d["in_cols"])
        expected = np.fromfile(os.path.join(project, "data", "expected.bin"), dtype=dtype).reshape(-1, d["out_cols"])
        progress(f"[rtl] Verilator: simulating {len(x) // d['samples']} call(s) of {d['samples']} samples")
        run = verilator.run(binary, x, d["out_cols"], d["float_bits"])
        mismatches = int(np.count_nonzero(run.outputs != expected.astype(np.float64)))
        result["sim"] = {"cycles": run.cycles, "mismatches": mismatches, "values": int(expected.size),
                         "max_abs_diff": float(np.max(np.abs(run.outputs - expected))) if expected.size else 0.0,
                         "max_occupancy": run.max_occupancy}  # fmt: skip
    if synth:
        netlist_path = os.path.join(project, "rtl", f"{top}.il")
        chosen = [k for k in d["kernels"] if kernels is None or k["name"] in kernels]
        shapes: dict[tuple[int, int], dict] = {}
        for f in d["fifos"]:
            shapes.setdefault((f["depth"], f["token_bits"]), f)
        first: dict[str, str] = {}
        same: dict[str, str] = {}
        for k in chosen:
            key = structure_key(k)
            if key in first and not every_kernel:
                same[k["name"]] = first[key]
            else:
                first[key] = k["name"]
        units = [(k["name"], k["module"]) for k in chosen if k["name"] not in same]
        units += [(f"fifo {f['depth']}x{f['token_bits']}b", f["module"]) for f in shapes.values()] if kernels is None else []
        synthesized = {}
        for i, (name, module) in enumerate(units):
            progress(f"[rtl] Yosys {i + 1}/{len(units)}: synth_xilinx -family xcup {module}")
            try:
                res = yosys.synthesize(netlist_path, module, os.path.join(project, "build", "yosys",
                                                                          name.replace(" ", "_")), synth_timeout)  # fmt: skip
            except yosys.SynthTimeout:
                progress(f"[rtl] Yosys did not finish {module} within {synth_timeout:g} s: not measured")
                synthesized[name] = {"timed_out": synth_timeout}
                continue
            synthesized[name] = {"dsp": res.dsp, "bram18": res.bram18, "lut": res.lut, "ff": res.ff,
                                 "carry": res.carry, "logic_levels": res.logic_levels, "seconds": round(res.seconds, 1),
                                 "cells": dict(res.cells)}  # fmt: skip
        for name, twin in same.items():
            synthesized[name] = dict(synthesized[twin], same_as=twin)
        result["synth"] = synthesized
    if whole:
        progress(f"[rtl] Yosys: synth_xilinx -family xcup {top} (the whole design, flattened)")
        res = yosys.synthesize(os.path.join(project, "rtl", f"{top}.il"), top, os.path.join(project, "build", "yosys",
                               "whole"), synth_timeout)  # fmt: skip
        result["synth_whole"] = {"dsp": res.dsp, "bram18": res.bram18, "lut": res.lut, "ff": res.ff, "carry": res.carry,
                                 "logic_levels": res.logic_levels, "seconds": round(res.seconds, 1),
                                 "cells": dict(res.cells)}  # fmt: skip
    os.makedirs(os.path.join(project, "build"), exist_ok=True)
    with open(os.path.join(project, "build", "measured.json"), "w") as f:
        json.dump(result, f, indent=1)
    return result


def report_lines(d: dict, measured: dict) -> list[str]:
    """Model beside measurement: per kernel and in total."""
    lines = []
    clock = d["model"]["clock_mhz"]
    if "sim" in measured:
        s = measured["sim"]
        cycles = s["cycles"][0]
        model = d["model"]["cycles"]
        exact = "bit for bit equal" if s["mismatches"] == 0 else f"{s['mismatches']} of {s['values']} values DIFFER"
        lines.append(f"outputs (Verilator) vs the fixed-point semantics (= C-simulation): {exact}")
        lines.append(f"cycles of a call, first input word to last output word: RTL {cycles:,} (measured in "
                     f"Verilator), model {model:,} ({(cycles - model) / model:+.2%}); {cycles / clock / 1e3:.4f} ms at "
                     f"{clock:g} MHz")  # fmt: skip
        occ = s["max_occupancy"]
        same = sum(1 for f in d["fifos"] if occ.get(f["name"]) == f["model"]["max_occupancy"])
        lines.append(f"FIFO largest occupancy: {same} of {len(d['fifos'])} equal to the model's")
    header = f"{'kernel':<14} {'II m/r':>7} {'depth m/r':>9}"
    synth = measured.get("synth", {})
    if synth:
        header += f" {'DSP m/y':>11} {'BRAM18 m/y':>11} {'LUT m/y':>15} {'FF m/y':>15} {'levels':>6}"
    lines += ["", "m: modeled (inrarch's hardware facts), r: the RTL's structure, y: Yosys 0.23 synth_xilinx "
              "-family xcup (UltraScale+), cells as mapped before place and route", header]  # fmt: skip
    total_m = [0, 0, 0, 0]
    total_y = [0, 0, 0, 0]
    untimed = 0
    for k in d["kernels"]:
        mdl, rtl = k["model"], k["rtl"]
        row = f"{k['name']:<14} {mdl['ii']:>3}/{rtl['ii']:<3} {mdl['depth']:>4}/{rtl['depth']:<4}"
        y = synth.get(k["name"])
        if y and "timed_out" in y:
            row += f"  (Yosys did not finish within {y['timed_out']:g} s: not measured)"
            untimed = untimed + 1
        elif y:
            row += (f" {mdl['dsp']:>5}/{y['dsp']:<5} {mdl['bram18']:>5}/{y['bram18']:<5} {mdl['lut']:>7}/{y['lut']:<7} "
                    f"{mdl['ff']:>7}/{y['ff']:<7} {y['logic_levels']:>6}")  # fmt: skip
            if "same_as" in y:
                row += f"  (as {y['same_as']}: same structure)"
            for i, key in enumerate(("dsp", "bram18", "lut", "ff")):
                total_m[i] += mdl[key]
                total_y[i] += y[key]
        lines.append(row)
    fifo_rows = []
    for f in d["fifos"]:
        y = synth.get(f"fifo {f['depth']}x{f['token_bits']}b")
        if y and "timed_out" not in y:
            total_m[1] += f["model"]["bram18"]
            total_m[2] += f["model"]["lut"]
            for i, key in enumerate(("dsp", "bram18", "lut", "ff")):
                total_y[i] += y[key]
            fifo_rows.append(f)
    if synth:
        if fifo_rows:
            lines.append(f"{'FIFOs':<14} {len(fifo_rows):>3} FIFOs (each shape synthesized once)")
        lines.append(f"{'total':<14} {'':>7} {'':>9} {total_m[0]:>5}/{total_y[0]:<5} {total_m[1]:>5}/{total_y[1]:<5} "
                     f"{total_m[2]:>7}/{total_y[2]:<7} {total_m[3]:>7}/{total_y[3]:<7}"
                     + (f"  (without the {untimed} kernel(s) Yosys did not finish)" if untimed else ""))  # fmt: skip
    whole = measured.get("synth_whole")
    if whole:
        model = [sum(k["model"][key] for k in d["kernels"]) + sum(f["model"].get(key, 0) for f in d["fifos"])
                 for key in ("dsp", "bram18", "lut", "ff")]  # fmt: skip
        lines.append(f"{'whole design':<14} {'':>7} {'':>9} {model[0]:>5}/{whole['dsp']:<5} "
                     f"{model[1]:>5}/{whole['bram18']:<5} {model[2]:>7}/{whole['lut']:<7} "
                     f"{model[3]:>7}/{whole['ff']:<7} {whole['logic_levels']:>6}  (synthesized whole, flattened)")  # fmt: skip
    return lines


__all__ = ["DESCRIPTION", "load", "measure", "report_lines", "rtl_files", "write_rtl"]

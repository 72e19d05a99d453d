"""`inrarch`: the command-line front end.

    inrarch import FILE.py:FACTORY --input-shape 64,2 -o forward.mlir
    inrarch eval forward.mlir --input x.npy [--dtype float32] [-o outputs.npz]
    inrarch compile FILE.py:FACTORY --order 2 --input-shape 64,2 -o out/
    inrarch compile FILE.py:FACTORY --order 2 --input-shape 64,2 --precision auto -o out/   # fixed point
    inrarch csim out/ [--threaded | --timed]
    inrarch bench-fixed --out docs/bench                       # fp32 / auto / ap_fixed<32,10> on the benchmark
    inrarch fuzz --cases 300 [--seed S] [--out docs/fuzz.md]     # random models through every check

FACTORY names a function of FILE.py that takes no arguments and returns the `torch.nn.Module` to import (a module
path works too: `inrarch.apps.models:benchmark_siren`). Errors are one line, `error: ...`, with exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import runpy
import sys
import time
from collections.abc import Callable, Sequence

from inrarch.diagnostics import CompileError
from inrarch.files import write_file


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        raise CompileError(message)


def load_factory(spec: str) -> Callable[[], object]:
    """`path/to/file.py:name` or `package.module:name` -> the callable it names."""
    source, sep, name = spec.rpartition(":")
    if not sep or not source or not name:
        raise CompileError(f"expected FILE.py:FACTORY or module:FACTORY, got '{spec}'")
    if source.endswith(".py") or os.path.sep in source:
        if not os.path.exists(source):
            raise CompileError(f"cannot open {source}: No such file or directory")
        try:
            namespace = runpy.run_path(source)
        except SystemExit as err:
            raise CompileError(f"{source} called sys.exit({err.code}) while loading") from None
        except Exception as err:
            raise CompileError(f"{source} failed to load: {type(err).__name__}: {_first_line(err)}") from err
    else:
        try:
            namespace = vars(importlib.import_module(source))
        except ImportError as err:
            raise CompileError(f"cannot import module {source}: {err}") from err
    factory = namespace.get(name)
    if not callable(factory):
        raise CompileError(f"{source} has no callable named {name}")
    return factory


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else ""


COMPILE_FLAGS = ("order", "layout", "mode", "target", "dsp", "clock-mhz", "precision", "error", "overflow",
                 "calibration", "emit")  # fmt: skip


def flag_spelling(message: str, flags: Sequence[str]) -> str:
    """A compiler message in the command's spelling: the pass options it names that the command takes as flags
    become those flags (`pass overflow=saturate` -> `pass --overflow saturate`, `option dsp must` -> `--dsp must`,
    `order must` -> `--order must`); Python's spelling, `precision='auto'`, stays."""
    import re

    for flag in flags:
        name = re.escape(flag).replace("\\-", "[-_]")  # clock-mhz or clock_mhz
        message = re.sub(rf"(?<![\w{{-])option {name}\b", f"--{flag}", message)
        message = re.sub(rf"(?<![\w{{-]){name}=([^\s,;)'\"]+)", rf"--{flag} \1", message)  # (not Python's x='y')
        if flag in ("order", "dsp", "clock-mhz"):  # names no other word of a message spells
            message = re.sub(rf"(?<![\w-]){name} must\b", f"--{flag} must", message)
    return message


DEMO_DSP = 3200  # demo and edit: INR-Arch's DSP count, so that their designs compare with its figures


def budget_line(command: str, dsp: int | None, target: str = "u50") -> str:
    """`[compile] DSP budget: ...`: the DSP budget a command compiles within, and why that one."""
    from inrarch.targets.hardware import TARGETS

    part = TARGETS.get(target)
    whole = f"the {target} part's ({part.part}) {part.dsp:,} DSP" if part is not None else None
    if command in ("demo", "edit") and dsp is None:
        of = f" of {whole}" if whole else ""
        return (f"[{command}] DSP budget: {DEMO_DSP:,}{of}, the {command} default: INR-Arch's DSP count, so that its "
                "figures compare with INR-Arch's (--dsp N to change; inrarch compile defaults to the whole part)")
    if dsp is None:
        return f"[{command}] DSP budget: all {whole}, the {target} target's default (--dsp N for a smaller budget)"
    return f"[{command}] DSP budget: {dsp:,}" + (f" of {whole}" if whole else "") + " (--dsp)"


def _with_flags(flags: Sequence[str], run: Callable[[], object]):
    """Runs `run`, its CompileErrors spelled with this command's flags (flag_spelling)."""
    try:
        return run()
    except CompileError as err:
        message = flag_spelling(err.message, flags)
        if message == err.message:
            raise
        raise CompileError(message, err.location) from err


def parse_shape(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    if any(p in ("?", "-1", "") or p.startswith("-") for p in parts):
        raise CompileError(f"dynamic shapes are not supported: give a fixed shape such as 64,2 (got '{text}')")
    try:
        shape = [int(p) for p in parts]
    except ValueError:
        raise CompileError(f"--input-shape must be integers separated by commas, got '{text}'") from None
    if len(shape) != 2 or min(shape) < 1:
        raise CompileError(f"--input-shape must be N,d (samples, coordinates), got '{text}'")
    return shape


def make_model(spec: str, seed: int | None):
    import torch

    if seed is not None:
        torch.manual_seed(seed)
    factory = load_factory(spec)
    try:
        model = factory()
    except SystemExit as err:
        raise CompileError(f"{spec} called sys.exit({err.code}) instead of returning a model") from None
    except Exception as err:
        raise CompileError(f"{spec} raised {type(err).__name__}: {_first_line(err)}") from err
    if not isinstance(model, torch.nn.Module):
        raise CompileError(f"{spec} must return a torch.nn.Module, it returned {type(model).__name__}")
    return model


def _write_text(path: str | None, text: str) -> None:
    if path is None or path == "-":
        sys.stdout.write(text)
        return
    _write_bytes(path, text.encode())


def _write_bytes(path: str, data: bytes) -> None:
    write_file(path, data)


def cmd_import(args: argparse.Namespace) -> None:
    import torch

    from inrarch.importer import import_model

    shape = parse_shape(args.input_shape)
    model = make_model(args.model, args.seed)
    dtype = {"float32": torch.float32, "float64": torch.float64}[args.dtype]
    model = model.to(dtype)
    generator = torch.Generator().manual_seed(0)
    example = torch.rand(shape, generator=generator, dtype=dtype) * 2 - 1
    module = import_model(model, example, func_name=args.func)
    _write_text(args.output, str(module) + "\n")


def _load_module(path: str):
    from inrarch.context import parse_module

    from inrarch.context import read_text

    return parse_module(read_text(path), path)


def cmd_eval(args: argparse.Namespace) -> None:
    import numpy as np

    from inrarch.api import evaluate

    module = _load_module(args.file)
    inputs = []
    for path in args.input:
        try:
            array = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise CompileError(f"cannot open {path}: No such file or directory") from None
        except (OSError, ValueError) as err:
            raise CompileError(f"cannot read {path} as a .npy array: {_first_line(err).split('. ')[0]}") from None
        if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
            kind = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
            raise CompileError(f"{path} holds {kind} values; inrarch evaluates float arrays (float32 or float64)")
        inputs.append(array)
    dtype = {"float32": np.float32, "float64": np.float64}[args.dtype]
    outputs = evaluate(module, *inputs, dtype=dtype, func=args.func)
    names = _derivative_names(module, args.func, len(outputs))
    if args.output:
        import io

        buffer = io.BytesIO()
        np.savez(buffer, **{names[i] if names else f"output{i}": out for i, out in enumerate(outputs)})
        _write_bytes(args.output, buffer.getvalue())
        print(f"wrote {len(outputs)} outputs to {args.output}" + (f" ({', '.join(names)})" if names else ""))
        return
    with np.printoptions(precision=6, threshold=40, edgeitems=3):
        for i, out in enumerate(outputs):
            print(f"output {i}{' ' + names[i] if names else ''}: shape {list(out.shape)} {out.dtype}")
            print(out)


def _derivative_names(module, func: str | None, count: int) -> list[str] | None:
    """The derivative outputs' names (`y0`, `y0_x1`, ...; see DerivativeOutput.name) of a derivative function, one
    per result, when its `inr.derivative` attribute and shapes determine them; else None."""
    from xdsl.dialects.builtin import TensorType

    from inrarch.dialects.inr import DerivativeAttr, derivative_outputs
    from inrarch.evaluator import find_function

    try:
        function = find_function(module, func)
    except CompileError:
        return None
    attr = function.attributes.get("inr.derivative")
    arg = function.function_type.inputs.data[0] if function.function_type.inputs else None
    if not isinstance(attr, DerivativeAttr) or not isinstance(arg, TensorType) or arg.get_num_dims() != 2:
        return None
    if attr.first_value is not None:  # a prefix of the layout: its channels are not known from the count
        return None
    dims, order, layout = arg.get_shape()[1], attr.order.data, attr.layout.data
    for channels in range(1, count + 1):
        outs = derivative_outputs(dims, channels, order, layout)
        if len(outs) == count:
            return [o.name for o in outs]
    return None


def cmd_compile(args: argparse.Namespace) -> None:
    import torch

    from inrarch.analysis.report import format_report
    from inrarch.design import compile as compile_design

    shape = parse_shape(args.input_shape)
    model = make_model(args.model, args.seed)
    generator = torch.Generator().manual_seed(args.seed or 0)
    x = torch.rand(shape, generator=generator) * 2 - 1
    print(f"[compile] {args.model}: derivatives of order {args.order} ({args.layout}, {args.mode}), {shape[0]} samples",
          flush=True)  # fmt: skip
    if args.target != "custom":
        print(budget_line("compile", args.dsp, args.target), flush=True)
    calibration = None
    if args.calibration:
        import numpy as np

        try:
            calibration = np.load(args.calibration, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise CompileError(f"cannot read the calibration inputs {args.calibration}: {err}") from None
    design = _with_flags(COMPILE_FLAGS, lambda: compile_design(
        model, x, order=args.order, layout=args.layout, mode=args.mode, target=args.target, dsp=args.dsp,
        clock_mhz=args.clock_mhz, out_dir=args.output, force=args.force, precision=args.precision, error=args.error,
        overflow=args.overflow, calibration=calibration, emit=args.emit))  # fmt: skip
    print(format_report(design.report))
    if args.emit == "rtl":
        print(f"[compile] wrote the RTL project to {design.out_dir} (measure it: inrarch rtl {args.output})")
    else:
        print(f"[compile] wrote the Vitis project to {design.out_dir} (C-simulation: inrarch csim {args.output})")


def cmd_rtl(args: argparse.Namespace) -> None:
    from inrarch.targets.rtl.project import load, measure, report_lines

    description = load(args.project)
    sim, synth = args.sim, args.synth
    if not sim and not synth:
        sim = synth = True
    kernels = [k.strip() for k in args.kernels.split(",")] if args.kernels else None
    if kernels:
        known = {k["name"] for k in description["kernels"]}
        unknown = [k for k in kernels if k not in known]
        if unknown:
            raise CompileError(f"{args.project} has no kernel {unknown[0]} (its kernels: {', '.join(sorted(known))})")
    measured = measure(args.project, sim, synth, kernels, lambda text: print(text, flush=True), whole=args.whole)
    print("\n".join(report_lines(description, measured)))
    if sim and measured["sim"]["mismatches"]:
        raise CompileError(f"the RTL's outputs differ from the fixed-point semantics in {measured['sim']['mismatches']}"
                           " values")  # fmt: skip


def cmd_csim(args: argparse.Namespace) -> None:
    import subprocess

    from inrarch.targets.hls.project import MARKER, manifest as project_files

    project = args.project
    written = project_files(project)
    if written is None:
        raise CompileError(f"{project} is not an inrarch project (no {MARKER}); write one with inrarch compile")
    missing = [name for name in written if name.endswith((".cpp", ".h", ".bin", "Makefile"))
               and not os.path.isfile(os.path.join(project, name))]  # fmt: skip
    if missing:
        raise CompileError(f"{project} lacks {missing[0]}, which inrarch wrote there; compile the project again")
    goal = "csim-timed" if args.timed else "csim-threaded" if args.threaded else "csim"
    if args.ap_fixed:
        with open(os.path.join(project, "Makefile")) as f:
            if "csim-ap-fixed:" not in f.read():
                raise CompileError(f"{project} is a floating-point design: --ap-fixed is for fixed-point ones")
        goal = "csim-ap-fixed"
    proc = subprocess.run(["make", "-s", "-C", project, goal], capture_output=True, text=True)
    sys.stdout.write("".join(ln + "\n" for ln in proc.stdout.splitlines() if not ln.startswith("timed-csim: fifo")))
    if proc.returncode != 0:
        verdicts = [ln.strip() for ln in proc.stdout.splitlines() if ln.startswith("output ") and ln.endswith("FAIL")]
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        useful = verdicts or [ln for ln in lines if not ln.startswith(("make:", "make[")) and ("error" in ln.lower()
                              or ln.startswith(("testbench:", "csim error:")))] or lines  # fmt: skip
        more = f" (and {len(verdicts) - 1} more outputs)" if len(verdicts) > 1 else ""
        raise CompileError(f"C-simulation failed: {useful[0] if useful else 'make exited ' + str(proc.returncode)}"
                           f"{more}")  # fmt: skip
    from inrarch.design import overflow_message, parse_overflows

    overflows = parse_overflows(proc.stdout)
    if overflows:
        print(f"warning: {overflow_message(overflows)}", file=sys.stderr)
    if args.timed:
        _compare_timing(project, proc.stdout)


def _compare_timing(project: str, stdout: str) -> None:
    """Prints the timed C-simulation's cycles and FIFO occupancies beside the cycle model's (modeled_timing.json)."""
    import json

    from inrarch.design import parse_timed

    cycles, occupancy, _ = parse_timed(stdout)
    path = os.path.join(project, "modeled_timing.json")
    if not os.path.isfile(path):
        print(f"timed C-simulation: {cycles:,} cycles per call (no modeled_timing.json to compare with)")
        return
    with open(path) as f:
        model = json.load(f)
    differ = [(name, occupancy.get(name), fifo["max_occupancy"]) for name, fifo in model["fifos"].items()
              if occupancy.get(name) != fifo["max_occupancy"]]  # fmt: skip
    same = "equal" if cycles == model["cycles"] else "DIFFERENT"
    print(f"timed C-simulation: {cycles:,} cycles per call; cycle model: {model['cycles']:,} ({same}); FIFO maximum "
          f"occupancies: {len(model['fifos']) - len(differ)} of {len(model['fifos'])} equal")  # fmt: skip
    for name, timed, modeled in differ:
        print(f"  FIFO {name}: timed C-simulation {timed}, cycle model {modeled}")


def cmd_demo(args: argparse.Namespace) -> None:
    from inrarch.apps import demo

    from inrarch.analysis.fixed import parse_precision

    parse_precision(args.precision)  # every option checked before minutes of fitting
    if args.dsp is not None and args.dsp < 1:
        raise CompileError(f"--dsp must be an integer >= 1, got {args.dsp}")
    print(budget_line("demo", args.dsp), flush=True)
    _with_flags(("dsp", "precision", "order"), lambda: demo.run(
        out_dir=args.output, order=args.order, dsp=DEMO_DSP if args.dsp is None else args.dsp,
        edit=args.part != "design", fit_steps=args.fit_steps, precision=args.precision))  # fmt: skip


def cmd_edit(args: argparse.Namespace) -> None:
    from inrarch.apps import edit
    from inrarch.analysis.fixed import parse_precision

    parse_precision(args.precision)  # every option checked before minutes of fitting and training
    if args.dsp is not None and args.dsp < 1:
        raise CompileError(f"--dsp must be an integer >= 1, got {args.dsp}")
    try:
        edit.load_image(args.image)
    except ValueError as err:
        raise CompileError(str(err)) from None
    out_dir = edit.check_output(args.output, args.force)
    print(f"[edit] {args.task} of '{args.image}' ({edit.SIZE}x{edit.SIZE}): INR, its 65 INSP features and the "
          "editor as one dataflow design, every pixel through its C-simulation", flush=True)  # fmt: skip
    print(budget_line("edit", args.dsp), flush=True)
    result = _with_flags(("dsp", "precision"), lambda: edit.run_edit(
        args.task, args.image, dsp=DEMO_DSP if args.dsp is None else args.dsp, out_dir=os.path.join(out_dir, "project"),
        force=args.force, progress=not args.no_progress, precision=args.precision))  # fmt: skip
    for line in edit.describe(result):
        print(f"  {line}")
    paths = edit.write_edit(result, out_dir)
    print(f"wrote {paths[0]} (and {len(paths) - 1} files beside it); Vitis project: {out_dir}/project")


def cmd_train_editor(args: argparse.Namespace) -> None:
    from inrarch.apps import edit

    print(f"[train-editor] the {args.task} editor: INRs of {len(edit.TRAIN_IMAGES)} images fitted (or cached), their "
          f"65 features, {edit.EDITOR_STEPS} training steps", flush=True)  # fmt: skip
    command = "inrarch train-editor " + " ".join(sys.argv[2:])
    paths = edit.write_shipped_editor(args.task, args.out, command, progress=not args.no_progress)
    print("wrote " + ", ".join(paths))


def cmd_bench_fixed(args: argparse.Namespace) -> None:
    from inrarch.apps import bench

    print(f"[bench-fixed] benchmark SIREN, orders {args.orders[0]}..{args.orders[-1]}: fp32, auto fixed point and "
          f"{args.uniform} (modeled FPGA; C-simulation here)", flush=True)  # fmt: skip
    rows = bench.fixed_section(args.orders, args.uniform)
    edit_rows = None
    if not args.no_edit:
        print("[bench-fixed] the INSP edit design (denoise of 'chelsea'): fp32 and auto fixed point, every pixel "
              "C-simulated", flush=True)  # fmt: skip
        edit_rows = bench.edit_section()
    command = "inrarch bench-fixed " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "inrarch bench-fixed"
    paths = bench.write_fixed(args.out, rows, command, edit_rows)
    print()
    print(bench.fixed_table(rows))
    if edit_rows:
        print()
        print(bench.edit_table(edit_rows))
    print(f"\nwrote {', '.join(paths)}")


def cmd_bench_rtl(args: argparse.Namespace) -> None:
    from inrarch.apps import bench_rtl

    text = bench_rtl.run(args.out, args.orders, args.work, synth=not args.no_synth,
                         progress=lambda line: print(line, flush=True), synth_timeout=args.synth_timeout)  # fmt: skip
    print(text)
    print(f"[bench-rtl] wrote {os.path.join(args.out, 'rtl.md')}, rtl.csv and rtl.json")


def cmd_bench_seed(args: argparse.Namespace) -> None:
    from inrarch.apps import seed_bench

    steps = 1 + (not args.no_scaling) + (not args.no_edits)
    print(f"[bench-seed 1/{steps}] latency, memory, power, EDP: orders {args.orders[0]}..{args.orders[-1]} and the "
          "edit design (modeled FPGA; PyTorch measured here in fresh processes)", flush=True)  # fmt: skip
    figures = seed_bench.figures_section(args.orders)
    scaling, edits = [], None
    if not args.no_scaling:
        print(f"[bench-seed 2/{steps}] scaling with the batch: {', '.join(map(str, args.batches))} samples per call",
              flush=True)  # fmt: skip
        scaling = seed_bench.scaling_section(args.batches)
    command = "inrarch bench-seed " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "inrarch bench-seed"
    seed_bench.write_results(args.out, figures, scaling, command)  # kept if the edits fail
    if not args.no_edits:
        print(f"[bench-seed {steps}/{steps}] INR editing on chip: every task on the test images", flush=True)
        edits = seed_bench.edits_section(args.out)
    print()
    print(seed_bench.figures_table(figures))
    if scaling:
        print()
        print(seed_bench.scaling_table(scaling))
    if edits:
        print()
        print(seed_bench.edits_table(edits))
    paths = seed_bench.write_results(args.out, figures, scaling, command, edits)
    print(f"\nwrote {', '.join(paths)}")


def cmd_graph(args: argparse.Namespace) -> None:
    from inrarch.analysis.picture import write_pictures
    from inrarch.targets.hls.printer import find_graph

    graph = find_graph(_load_module(args.file))
    base = os.path.splitext(args.output)[0]
    how = write_pictures(graph, base + ".dot", base + ".png")
    print(f"wrote {base}.dot and {base}.png (drawn with {how})")


def _kinds(text: str) -> tuple[str, ...]:
    from inrarch.apps.fuzz import KINDS

    kinds = KINDS if text == "all" else tuple(k.strip() for k in text.split(","))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise CompileError(f"--kinds: unknown kind '{unknown[0] if unknown else text}' (choose from {', '.join(KINDS)})")
    return kinds


def _orders(text: str) -> list[int]:
    try:
        if "-" in text:
            lo, hi = text.split("-", 1)
            return list(range(int(lo), int(hi) + 1))
        return [int(t) for t in text.split(",")]
    except ValueError:
        raise CompileError(f"orders must look like 1-4 or 1,2,3, got '{text}'") from None


def cmd_bench(args: argparse.Namespace) -> None:
    from inrarch.apps import bench

    if args.peers_only:
        print(f"[bench 1/2] modeled FPGA latency, orders {args.orders[0]}..{args.orders[-1]} (designs compiled, not "
              "C-simulated)", flush=True)  # fmt: skip
        modeled = bench.modeled_section(args.orders)
        print(f"[bench 2/2] software peers, {' and '.join(map(str, args.peer_batches))} samples, on {args.device}",
              flush=True)  # fmt: skip
        peers = bench.peers_section(args.orders, args.peer_batches, tuple(args.peer_clocks.split(",")), args.device,
                                    compiled=not args.no_compile)  # fmt: skip
        print(bench.peers_markdown(peers, modeled))
        command = "inrarch bench " + " ".join(sys.argv[2:])
        print("wrote " + ", ".join(bench.write_peers(args.out, peers, modeled, command)))
        return

    steps = 3 if args.no_peers else 4
    print(f"[bench 1/{steps}] work counts, orders {args.work_orders[0]}..{args.work_orders[-1]} (benchmark SIREN, "
          "64 samples)", flush=True)  # fmt: skip
    work = bench.work_section(orders=args.work_orders, reverse_orders=[o for o in args.orders if o <= 4])
    print(f"[bench 2/{steps}] latency, orders {args.orders[0]}..{args.orders[-1]}: PyTorch here, C-simulation here, "
          "modeled FPGA", flush=True)  # fmt: skip
    latency = bench.latency_section(args.orders)
    peers = None
    if not args.no_peers:
        print(f"[bench 3/{steps}] software peers, orders {args.orders[0]}..{args.orders[-1]}, "
              f"{' and '.join(map(str, args.peer_batches))} samples, on {args.device}: nested autograd, torch.func, "
              "JAX (if installed), inrarch's Taylor module eager and compiled", flush=True)  # fmt: skip
        peers = bench.peers_section(args.orders, args.peer_batches, tuple(args.peer_clocks.split(",")), args.device,
                                    compiled=not args.no_compile)  # fmt: skip
    print(f"[bench {steps}/{steps}] compile time per stage, orders {args.work_orders[0]}..{args.work_orders[-1]}", flush=True)
    compile_rows = bench.compile_section(args.work_orders)
    print()
    print("Matrix-product multiply-adds of the derivatives (INSP layout); PyTorch counted in this run:")
    print(bench.work_table(work))
    print()
    print("Latency for 64 samples (FPGA: modeled; PyTorch and C-sim: measured here; INR-Arch: published):")
    print(bench.latency_table(latency))
    if peers:
        print()
        for clock in args.peer_clocks.split(","):
            print(f"Software peers ({clock} clock; FPGA modeled):")
            print(bench.peers_table(peers, latency, clock))
            print()
        print(bench.peers_notes(peers))
    print()
    print("Compile time per stage (seconds):")
    print(bench.compile_table(compile_rows))
    if args.out:
        command = "inrarch bench " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "inrarch bench"
        paths = bench.write_results(args.out, work, latency, command, compile_rows, peers)
        print("\nwrote " + ", ".join(paths))


def cmd_fuzz(args: argparse.Namespace) -> None:
    from inrarch.apps import fuzz

    if args.replay:
        try:
            spec = fuzz.Spec.parse(args.replay)
        except (ValueError, TypeError) as err:
            raise CompileError(f"--replay needs a case as the fuzzer prints it: {err}") from err
        outcome = fuzz.run_case(spec, args.timeout)
        print(f"{outcome.status} ({outcome.seconds:.1f} s){': ' + outcome.detail if outcome.detail else ''}")
        if outcome.status not in ("pass", "rejected"):
            sys.exit(1)
        return
    if args.cases < 1:
        raise CompileError(f"--cases must be at least 1, got {args.cases}")
    print(f"[fuzz] {args.cases} random models, seed {args.seed}, one in {round(1 / args.compile_fraction)} compiled "
          "and C-simulated", flush=True)  # fmt: skip
    report = fuzz.run(args.cases, args.seed, args.compile_fraction, args.timeout,
                      log=lambda line: print(line, flush=True), kinds=args.kinds)  # fmt: skip
    table = report.table()
    print()
    print(table)
    if args.out:
        from inrarch.files import write_file

        write_file(args.out, (f"# inrarch fuzz run\n\n`inrarch fuzz --cases {args.cases} --seed {args.seed} "
                              f"--compile-fraction {args.compile_fraction:g} --timeout {args.timeout:g}`, "
                              f"{time.strftime('%Y-%m-%d')}: {fuzz.__doc__.split(chr(10) + chr(10))[0].strip()}\n\n"
                              f"{table}\n").encode())  # fmt: skip
    counts = report.counts()
    if counts["mismatch"] or counts["deadlock"] or counts["crash"] or counts["hang"]:
        sys.exit(1)


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="inrarch", description="INR derivatives to FPGA dataflow designs")
    parser.add_argument("--version", action="version", version=f"inrarch {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)

    p = sub.add_parser("import", help="import a PyTorch model through torch-mlir (linalg on tensors)")
    p.add_argument("model", help="FILE.py:FACTORY or module:FACTORY; FACTORY() returns the torch.nn.Module")
    p.add_argument("--input-shape", required=True, help="N,d: samples and input coordinates, e.g. 64,2")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--seed", type=int, default=0, help="torch seed set before FACTORY() is called")
    p.add_argument("--func", default="forward", help="name of the imported function")
    p.add_argument("-o", "--output", help="output .mlir file (default: stdout)")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("eval", help="evaluate a function of an MLIR file on .npy inputs")
    p.add_argument("file")
    p.add_argument("--input", action="append", default=[], help=".npy file, one per function argument")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    p.add_argument("--func", help="function to run (default: @forward, @main or the only one)")
    p.add_argument("-o", "--output", help="write the outputs to an .npz file")
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser("compile", help="compile a model's derivatives to a dataflow design and a Vitis project")
    p.add_argument("model", help="FILE.py:FACTORY or module:FACTORY; FACTORY() returns the torch.nn.Module")
    p.add_argument("--order", type=int, default=2)
    p.add_argument("--input-shape", required=True, help="N,d: samples per call and input coordinates, e.g. 64,2")
    p.add_argument("--layout", choices=["insp", "unique"], default="insp")
    p.add_argument("--mode", choices=["taylor", "reverse"], default="taylor")
    p.add_argument("--target", default="u50", help="u50, u280 or custom")
    p.add_argument("--dsp", type=int, help="DSP budget (default: the whole part of the target)")
    p.add_argument("--clock-mhz", type=float, default=300.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--precision", default="float",
                   help="float (default), auto (fixed-point formats per stream from range and error analysis), "
                        "or a uniform ap_fixed<W,I>")
    p.add_argument("--error", type=float, default=1e-3,
                   help="auto: tolerated error per output, a fraction of its largest magnitude vs float64")
    p.add_argument("--overflow", choices=["error", "saturate", "wrap"], default="error",
                   help="what overflows on the calibration inputs do: refuse the design, saturate, or wrap (reported)")
    p.add_argument("--calibration", help=".npy file of calibration inputs [M, d] (default: a grid of [-1, 1]^d)")
    p.add_argument("--emit", choices=["hls", "rtl"], default="hls",
                   help="what the project folder receives: the Vitis project (hls) or, for a fixed-point design, "
                        "the RTL project (Verilog and a Verilator harness; measure it with inrarch rtl)")
    p.add_argument("-o", "--output", required=True, help="project folder to write: new or empty, or see --force")
    p.add_argument("--force", action="store_true",
                   help="replace an earlier inrarch project in that folder (only the files inrarch wrote)")  # fmt: skip
    p.set_defaults(run=cmd_compile)

    p = sub.add_parser("csim", help="build and run a project's C-simulation against its golden data")
    p.add_argument("project")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--threaded", action="store_true", help="one thread per process, bounded FIFOs, deadlock check")
    mode.add_argument("--timed", action="store_true",
                      help="cycle-stepped pipelines: cycles and FIFO occupancies beside the cycle model's")  # fmt: skip
    mode.add_argument("--ap-fixed", action="store_true",
                      help="fixed point: compute with Xilinx's ap_fixed.h, as synthesis does, instead of the raw-integer "
                      "ap_fixed (the same bits, slower)")  # fmt: skip
    p.set_defaults(run=cmd_csim)

    p = sub.add_parser("rtl", help="measure an RTL project: Verilator simulation (outputs bit for bit, cycles) and "
                       "Yosys synthesis per kernel, beside the model")  # fmt: skip
    p.add_argument("project", help="a folder written by inrarch compile --emit rtl (or -t 'rtl{out=DIR}')")
    p.add_argument("--sim", action="store_true", help="simulate with Verilator (default: --sim and --synth)")
    p.add_argument("--synth", action="store_true", help="synthesize with Yosys (default: --sim and --synth)")
    p.add_argument("--kernels", help="synthesize only these kernels, e.g. k1_matvec,k2_map")
    p.add_argument("--whole", action="store_true", help="also synthesize the whole design, flattened (small designs)")
    p.set_defaults(run=cmd_rtl)

    p = sub.add_parser("demo", help="the default SIREN design end to end, and INR editing with its derivatives")
    p.add_argument("part", nargs="?", choices=["all", "design", "edit"], default="all",
                   help="design: stop after the design, C-simulation and pictures of the graph (edit and all: "
                   "also INR editing)")  # fmt: skip
    p.add_argument("-o", "--output", default="out/demo")
    p.add_argument("--order", type=int, default=2)
    p.add_argument("--dsp", type=int, help=f"DSP budget (default {DEMO_DSP:,}: INR-Arch's DSP count, for comparison)")
    p.add_argument("--fit-steps", type=int, default=250)
    p.add_argument("--precision", default="float",
                   help="float (default), auto (fixed-point formats chosen by inrarch) or ap_fixed<W,I>")
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("edit", help="INR editing as INSP-Net does it: INR, derivative features and a trained editor "
                       "in one design, C-simulated over a test image")  # fmt: skip
    p.add_argument("--task", choices=["denoise", "blur", "edges"], default="denoise")
    p.add_argument("--image", default="chelsea",
                   help="a test image: chelsea or grace_hopper (any scikit-image sample works; the editors are "
                   "trained on astronaut, coffee, rocket, immunohistochemistry, coins and moon)")  # fmt: skip
    p.add_argument("--dsp", type=int, help=f"DSP budget (default {DEMO_DSP:,}: INR-Arch's DSP count, for comparison)")
    p.add_argument("-o", "--output", default="out/edit", help="folder for the pictures and the Vitis project")
    p.add_argument("--force", action="store_true", help="replace an earlier inrarch edit in that folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--precision", default="float",
                   help="float (default), auto (fixed-point formats chosen by inrarch) or ap_fixed<W,I>")
    p.set_defaults(run=cmd_edit)

    p = sub.add_parser("graph", help="draw a dataflow graph (Graphviz dot, and PNG)")
    p.add_argument("file", help="an MLIR file holding a dataflow.graph")
    p.add_argument("-o", "--output", default="dataflow.png")
    p.set_defaults(run=cmd_graph)

    p = sub.add_parser("bench", help="inrarch beside PyTorch and INR-Arch on the benchmark SIREN")
    p.add_argument("--orders", type=_orders, default=[1, 2, 3, 4], help="orders to build and time, e.g. 1-4")
    p.add_argument("--work-orders", type=_orders, default=list(range(1, 9)), help="orders to count work for")
    p.add_argument("--out", default="out/bench", help="directory for bench.md, bench.csv and the PNGs")
    p.add_argument("--peer-batches", type=_orders, default=[64, 4096], help="samples per call of the software peers")
    p.add_argument("--peer-clocks", default="wall,cpu", choices=["wall", "cpu", "wall,cpu"],
                   help="wall: wall time on 2 torch threads; cpu: process CPU time on one thread (shared machines)")
    p.add_argument("--device", default="cpu", help="torch device of the software peers (cuda: tools/gpu_bench.sh)")
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile'd Taylor module (minutes of "
                   "code generation per order)")  # fmt: skip
    p.add_argument("--no-peers", action="store_true", help="skip the software peers")
    p.add_argument("--peers-only", action="store_true", help="only the software peers beside the modeled FPGA "
                   "latency (peers.md, peers.csv)")  # fmt: skip
    p.set_defaults(run=cmd_bench)

    p = sub.add_parser("train-editor", help="train an INSP editor and write it where the demo and `inrarch edit` "
                       "find shipped editors")  # fmt: skip
    p.add_argument("--task", choices=["denoise", "blur", "edges"], default="denoise")
    p.add_argument("--out", default="inrarch/apps/editors", help="folder of the shipped editors")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=cmd_train_editor)

    p = sub.add_parser("bench-fixed", help="the benchmark SIREN in fp32, auto fixed point and a uniform ap_fixed")
    p.add_argument("--orders", type=_orders, default=[1, 2, 3], help="orders of the designs")
    p.add_argument("--uniform", default="ap_fixed<32,10>", help="the uniform format to report (INR-Arch's)")
    p.add_argument("--out", default="out/bench", help="directory for fixed.md, fixed.csv and edit.csv")
    p.add_argument("--no-edit", action="store_true", help="leave out the INSP edit design's rows")
    p.set_defaults(run=cmd_bench_fixed)

    p = sub.add_parser("bench-rtl", help="the benchmark SIREN's fixed-point designs in RTL: Verilator cycles and "
                       "Yosys cells beside the model (tens of minutes per order)")  # fmt: skip
    p.add_argument("--orders", type=_orders, default=[1, 2], help="orders of the designs")
    p.add_argument("--out", default="out/bench", help="directory for rtl.md, rtl.csv and rtl.json")
    p.add_argument("--work", default="out/bench-rtl", help="directory for the RTL projects (Verilog, builds)")
    p.add_argument("--no-synth", action="store_true", help="simulate only (no Yosys)")
    p.add_argument("--synth-timeout", type=float, default=1800.0,
                   help="seconds Yosys may take per kernel; a kernel past it is reported as not measured")
    p.set_defaults(run=cmd_bench_rtl)

    p = sub.add_parser("bench-seed", help="the seed's figures (latency, memory, power, EDP) per order and for the "
                       "INSP edit design, scaling with the batch, and the edited pictures")  # fmt: skip
    p.add_argument("--orders", type=_orders, default=[1, 2, 3, 4], help="orders of the derivative designs")
    p.add_argument("--batches", type=_orders, default=[64, 4096, 65536], help="samples per call for the scaling")
    p.add_argument("--no-scaling", action="store_true")
    p.add_argument("--no-edits", action="store_true")
    p.add_argument("--out", default="out/seed", help="directory for seed.md, seed.csv, the PNG and the edits")
    p.set_defaults(run=cmd_bench_seed)

    p = sub.add_parser("fuzz", help="random models: derivatives vs PyTorch, compiled designs through every C-sim")
    p.add_argument("--cases", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compile-fraction", type=float, default=1 / 3, help="share of the cases compiled and simulated")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds after which a case counts as a hang")
    p.add_argument("--replay", help="run one case, as a failure's reproducer prints it")
    p.add_argument("--kinds", type=_kinds, default=("model",),
                   help="what the cases try, in turn: model, nonfinite, fixed_range, folder, mlir (comma-separated; "
                   "all: every one)")  # fmt: skip
    p.add_argument("--out", help="also write the table to this Markdown file")
    p.set_defaults(run=cmd_fuzz)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("inrarch")
    except PackageNotFoundError:
        return "0.1.0 (not installed)"


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:  # bare `inrarch`: what it can do, not an error
        build_parser().print_help()
        return
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
    except CompileError as err:
        print(err.diagnostic(), file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as err:
        if os.environ.get("INRARCH_DEBUG"):
            raise
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"inrarch: internal error: {type(err).__name__}: {first} (set INRARCH_DEBUG=1 for a traceback)",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

"""`inrarch bench`: inrarch beside PyTorch and INR-Arch on the benchmark SIREN (2 -> 256 x 4 -> 3, 64 samples,
INSP layout), every figure of a row measured or counted in the same run.

Sections:
  work     matrix-product multiply-adds of the derivative program: inrarch Taylor mode, inrarch nested reverse
           mode, PyTorch nested autograd (counted by intercepting its matrix products, on the meta device so
           nothing is computed), and the compile time of inr-autodiff + canonicalize + CSE.
  latency  per order: PyTorch on this CPU (nested autograd, and torch.func forward mode), the C-simulation binary
           built with -O3 (informative), the modeled FPGA latency of inrarch's design at 3,200 DSP beside the
           DSP bound and INR-Arch's published figures, FIFO words, resources and the design's compile time.
  compile  per order 1-8: the seconds of each compile stage (import, inr-autodiff, each dataflow pass, printer).
Results: Markdown tables, a CSV and three PNGs (work, latency and compile time vs order).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

# Published figures of INR-Arch (arXiv 2308.05930, its repository's results table), 64 points.
INR_ARCH = {
    "fpga_ms": {1: 1.8284, 2: 2.5448},
    "cpu_ms": {1: 3.3371, 2: 12.1731},
    "gpu_ms": {1: 2.8040, 2: 9.2184},
    "fifo_words": {1: 178_289},
    "dsp": 3199,
}
PYTORCH_META_MAX_ORDER = 6  # beyond, PyTorch's work is extrapolated at its exact 4x per order


@dataclass
class WorkRow:
    order: int
    outputs: int
    taylor_macs: int
    taylor_elementwise: int
    compile_s: float
    reverse_macs: int | None = None
    pytorch_macs: int | None = None
    pytorch_extrapolated: bool = False


@dataclass
class BenchResult:
    samples: int
    work: list[WorkRow] = field(default_factory=list)


def _grad_stats(module):
    from inrarch.stats import module_stats

    return [s for s in module_stats(module) if s.function.endswith("_grad")][0]


def count_pytorch_macs(model, samples: int, order: int) -> int:
    import torch

    from inrarch.apps.reference import MatmulWork, insp_derivatives

    meta_model = model.to("meta")
    x = torch.empty(samples, 2, device="meta")
    with MatmulWork() as work:
        insp_derivatives(meta_model, x, order)
    return work.macs


def work_section(samples: int = 64, orders=range(1, 9), reverse_orders=range(1, 5), log=print) -> list[WorkRow]:
    import torch

    from inrarch.apps import models
    from inrarch.api import differentiate
    from inrarch.dialects.inr import derivative_output_count
    from inrarch.importer import import_model

    model = models.benchmark_siren()
    x = torch.rand(samples, 2) * 2 - 1
    forward = import_model(model, x)
    rows = []
    for order in orders:
        start = time.perf_counter()
        taylor = _grad_stats(differentiate(forward, order=order))
        compile_s = time.perf_counter() - start
        row = WorkRow(order, derivative_output_count(2, 3, order, "insp"), taylor.matmul_macs,
                      taylor.elementwise_ops, compile_s)  # fmt: skip
        if order in reverse_orders:
            row.reverse_macs = _grad_stats(differentiate(forward, order=order, mode="reverse")).matmul_macs
        if order <= PYTORCH_META_MAX_ORDER:
            row.pytorch_macs = count_pytorch_macs(models.benchmark_siren(), samples, order)
        else:
            previous = rows[-1].pytorch_macs
            row.pytorch_macs, row.pytorch_extrapolated = previous * 4, True
        rows.append(row)
        log(f"  order {order}: work counted, inr-autodiff {compile_s:.2f} s")
    return rows


# ---------------------------------------------------------------------------------------------------------------------
# Compile time per stage
# ---------------------------------------------------------------------------------------------------------------------

STAGES = ("import", "inr-autodiff", "dataflow-convert", "dataflow-fuse", "dataflow-parallelize", "dataflow-fifo-depth",
          "dataflow-report", "hls printer")  # fmt: skip


@dataclass
class CompileRow:
    order: int
    seconds: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def compile_stages(model, x, order: int, dsp: int = 3200) -> tuple[object, dict[str, float]]:
    """Compiles like inrarch.compile, timing each stage; returns the module and the seconds per stage."""
    from inrarch.context import make_context
    from inrarch.dialects.dataflow import GraphOp
    from inrarch.targets.hls.printer import HlsPrinter
    from inrarch.importer import import_model
    from inrarch.passes.dataflow_convert import DataflowConvertPass
    from inrarch.passes.dataflow_fifo_depth import DataflowFifoDepthPass
    from inrarch.passes.dataflow_fuse import DataflowFusePass
    from inrarch.passes.dataflow_parallelize import DataflowParallelizePass
    from inrarch.passes.dataflow_report import DataflowReportPass
    from inrarch.passes.inr_autodiff import InrAutodiffPass

    ctx = make_context()
    seconds: dict[str, float] = {}

    def stage(name, fn):
        start = time.perf_counter()
        out = fn()
        seconds[name] = time.perf_counter() - start
        return out

    module = stage("import", lambda: import_model(model, x))
    stage("inr-autodiff", lambda: InrAutodiffPass(order=order).apply(ctx, module))
    for name, p in (("dataflow-convert", DataflowConvertPass()), ("dataflow-fuse", DataflowFusePass()),
                    ("dataflow-parallelize", DataflowParallelizePass(dsp=dsp)),
                    ("dataflow-fifo-depth", DataflowFifoDepthPass()), ("dataflow-report", DataflowReportPass(quiet=True))):  # fmt: skip
        stage(name, lambda p=p: p.apply(ctx, module))
    graph = next(op for op in module.walk() if isinstance(op, GraphOp))
    stage("hls printer", lambda: HlsPrinter(graph).print())
    return module, seconds


def compile_section(orders=range(1, 9), samples: int = 64, log=print) -> list[CompileRow]:
    import torch

    from inrarch.apps import models

    model = models.benchmark_siren()
    x = torch.rand(samples, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    compile_stages(model, x, 1)  # warm up: imports and the native cycle model
    rows = []
    for order in orders:
        _, seconds = compile_stages(model, x, order)
        rows.append(CompileRow(order, seconds))
        log(f"  order {order}: compiled in {rows[-1].total:.1f} s")
    return rows


def compile_table(rows: list[CompileRow]) -> str:
    lines = ["| order | " + " | ".join(STAGES) + " | total |", "|---:|" + "---:|" * (len(STAGES) + 1)]
    for r in rows:
        lines.append(f"| {r.order} | " + " | ".join(f"{r.seconds[s]:.2f}" for s in STAGES) + f" | {r.total:.1f} s |")
    return "\n".join(lines)


def _m(value: int | None) -> str:
    return "—" if value is None else f"{value / 1e6:,.1f} M"


def work_table(rows: list[WorkRow]) -> str:
    lines = [
        "| order | outputs | inrarch Taylor | inrarch reverse | PyTorch nested autograd | PyTorch / Taylor | "
        "Taylor elementwise ops | inr-autodiff compile |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        torch_text = _m(r.pytorch_macs) + (" (extrapolated, 4x/order)" if r.pytorch_extrapolated else "")
        ratio = f"{r.pytorch_macs / r.taylor_macs:.1f}x" if r.pytorch_macs else "—"
        lines.append(
            f"| {r.order} | {r.outputs} | {_m(r.taylor_macs)} | {_m(r.reverse_macs)} | {torch_text} | {ratio} | "
            f"{_m(r.taylor_elementwise)} | {r.compile_s:.2f} s |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------------
# Latency: PyTorch on this CPU, the C-simulation binary, and the modeled FPGA design
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class LatencyRow:
    order: int
    torch_autograd_ms: float
    torch_forward_ms: float
    csim_ms: float
    modeled_ms: float
    dsp_bound_ms: float
    interval_cycles: int
    fifo_words: int
    fifo_lp_bound: float
    dsp: int
    bram36: float
    compile_s: float
    modeled_cycles: int = 0
    timed_cycles: int = 0  # the timed C-simulation of the printed code
    estimated_mhz: float = 0.0  # the design's clock estimate (inrarch.analysis.clock, modeled)
    achievable_ms: float = 0.0  # the modeled cycles at the lower of 300 MHz and the estimate


def _median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * sorted(times)[len(times) // 2]


def forward_mode_derivatives(model, x, order: int):
    """All derivative tensors of orders 0..n with torch.func: nested forward-mode jacobians, vmapped."""
    from torch.func import jacfwd, vmap

    def f(p):
        return model(p.unsqueeze(0)).squeeze(0)

    outputs, g = [vmap(f)(x)], f
    for _ in range(order):
        g = jacfwd(g)
        outputs.append(vmap(g)(x))
    return outputs


def latency_section(orders, samples: int = 64, dsp: int = 3200, log=print) -> list[LatencyRow]:
    import torch

    from inrarch.apps import models
    from inrarch.design import compile as compile_design
    from inrarch.apps.reference import insp_derivatives

    model = models.benchmark_siren()
    x = torch.rand(samples, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    rows = []
    for order in orders:
        repeats = max(3, 40 // 4**order)
        autograd_ms = _median_ms(lambda: insp_derivatives(model, x, order), repeats)
        forward_ms = _median_ms(lambda: forward_mode_derivatives(model, x, order), repeats)
        start = time.perf_counter()
        design = compile_design(model, x, order=order, dsp=dsp)
        compile_s = time.perf_counter() - start
        design.build(cxx_flags=["-O3", "-std=c++17", "-ffp-contract=off", "-Wno-unknown-pragmas"])
        batch = x.repeat(16, 1)
        csim_ms = _median_ms(lambda: design.csim(batch), 3) / 16
        r = design.report
        timed = design.timed_csim(x)
        rows.append(LatencyRow(order, autograd_ms, forward_ms, csim_ms, r["modeled_latency_ms"], r["dsp_bound_ms"],
                               r["interval_cycles"], r["fifo_words"], r["fifo_words_lp_stall_free_bound"], r["dsp"],
                               r["bram36"], compile_s, r["modeled_cycles"], timed.cycles, r["clock"]["estimated_mhz"],
                               r["clock"]["modeled_latency_ms_at_achievable"]))  # fmt: skip
        log(f"  order {order}: PyTorch {autograd_ms:.1f} ms, modeled FPGA {r['modeled_latency_ms']:.3f} ms, "
            f"compile {compile_s:.1f} s")  # fmt: skip
    return rows


def latency_table(rows: list[LatencyRow]) -> str:
    lines = [
        "| order | inrarch FPGA (modeled) | DSP bound | INR-Arch FPGA | PyTorch CPU, nested autograd (here) | "
        "PyTorch CPU, torch.func forward (here) | INR-Arch CPU / GPU (paper) | C-sim -O3 per call (here, informative) | "
        "FIFO words (LP bound, stall-free) | INR-Arch FIFO words | DSP | BRAM36 | cycles: model / timed C-sim | "
        "compile | clock estimate (modeled): MHz, ms at min(300, it) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        fpga = INR_ARCH["fpga_ms"].get(r.order)
        cpu, gpu = INR_ARCH["cpu_ms"].get(r.order), INR_ARCH["gpu_ms"].get(r.order)
        fifo = INR_ARCH["fifo_words"].get(r.order)
        speedup = f" ({fpga / r.modeled_ms:.1f}x faster)" if fpga else ""
        lines.append(
            f"| {r.order} | {r.modeled_ms:.3f} ms{speedup} | {r.dsp_bound_ms:.3f} ms | "
            f"{f'{fpga:.3f} ms' if fpga else '—'} | {r.torch_autograd_ms:.2f} ms | {r.torch_forward_ms:.2f} ms | "
            f"{f'{cpu:.2f} / {gpu:.2f} ms' if cpu else '—'} | {r.csim_ms:.2f} ms | "
            f"{r.fifo_words:,} ({r.fifo_lp_bound:,.0f}) | {f'{fifo:,}' if fifo else '—'} | {r.dsp} | {r.bram36:g} | "
            f"{r.modeled_cycles:,} / {r.timed_cycles:,} | {r.compile_s:.1f} s | "
            f"{r.estimated_mhz:.0f} MHz, {r.achievable_ms:.3f} ms |"
        )
    return "\n".join(lines)


def write_results(out_dir: str, work: list[WorkRow], latency: list[LatencyRow], command: str,
                  compile_rows: list[CompileRow] | None = None, peers: list[PeerRow] | None = None) -> list[str]:  # fmt: skip
    import csv
    import os
    import platform

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from inrarch.files import OutputFolder

    folder = OutputFolder(out_dir, what="the benchmark")
    paths = []
    md = os.path.join(folder.path, "bench.md")
    with folder.open_text("bench.md") as f:
        f.write(f"# inrarch benchmark: SIREN 2 -> 256 x 4 -> 3, {64} samples, INSP layout\n\n")
        f.write(f"Produced by `{command}` on {platform.machine()} / {os.cpu_count()} CPU cores, "
                f"{time.strftime('%Y-%m-%d')}.\n\n")  # fmt: skip
        f.write("## Work: matrix-product multiply-adds (counted in this run)\n\n")
        f.write(work_table(work) + "\n\n")
        f.write("## Latency\n\n")
        f.write("FPGA figures of inrarch are modeled by its cycle model (fp32, 300 MHz, xcu50-fsvh2104-2-e, "
                "3,200 DSP at 5 DSP per multiply-add, operator latencies of inrarch.targets.hardware), not measured: every "
                "kernel's II, pipeline depth and operator count come from its hardware facts "
                "(inrarch/targets/hls/facts.py), which the printed C++ keeps by construction (explicit adder trees, "
                "banked and bound arrays, explicit operator sharing). The timed C-simulation executes the printed "
                "C++ as cycle-stepped stall-all pipelines with the printed FIFO depths; its cycles are listed beside "
                "the model's. The last column is the design's clock estimate (inrarch.analysis.clock: fan-out, "
                "broadcast, DSP Fmax, SLR crossing; a structural model, not Vivado timing) and the modeled cycles at "
                "the lower of 300 MHz and that estimate. "
                "PyTorch and the C-simulation are measured on this machine in this run (medians); "
                "INR-Arch's figures are those it published (arXiv 2308.05930, its repository's results table: "
                "FPGA ap_fixed<32,10> at 300 MHz on an Alveo U50 with about 3,199 DSP).\n\n")  # fmt: skip
        f.write(latency_table(latency) + "\n")
        if peers:
            f.write("\n" + peers_markdown(peers, latency))
        if compile_rows:
            f.write("\n## Compile time per stage (seconds, this machine, 64 samples, 3,200 DSP)\n\n")
            f.write("`inrarch.compile`'s stages timed one by one (the C-simulation build not included); the cycle "
                    "model runs natively and extrapolates periodic schedules exactly.\n\n")
            f.write(compile_table(compile_rows) + "\n")
    paths.append(md)
    csv_path = os.path.join(folder.path, "bench.csv")
    with folder.open_text("bench.csv") as f:
        w = csv.writer(f)
        w.writerow(["order", "outputs", "taylor_macs", "reverse_macs", "pytorch_macs", "pytorch_macs_extrapolated",
                    "taylor_elementwise_ops", "autodiff_compile_s", "modeled_fpga_ms", "dsp_bound_ms",
                    "pytorch_autograd_ms", "pytorch_forward_ms", "csim_ms", "fifo_words", "fifo_lp_bound_words",
                    "dsp", "bram36", "design_compile_s", "modeled_cycles", "timed_csim_cycles",
                    "inr_arch_fpga_ms"])  # fmt: skip
        by_order = {r.order: r for r in latency}
        for r in work:
            lat = by_order.get(r.order)
            w.writerow([r.order, r.outputs, r.taylor_macs, r.reverse_macs or "", r.pytorch_macs,
                        int(r.pytorch_extrapolated), r.taylor_elementwise, f"{r.compile_s:.3f}",
                        *(["" for _ in range(12)] if lat is None else
                          [f"{lat.modeled_ms:.4f}", f"{lat.dsp_bound_ms:.4f}", f"{lat.torch_autograd_ms:.3f}",
                           f"{lat.torch_forward_ms:.3f}", f"{lat.csim_ms:.3f}", lat.fifo_words,
                           f"{lat.fifo_lp_bound:.0f}", lat.dsp, lat.bram36, f"{lat.compile_s:.2f}",
                           lat.modeled_cycles, lat.timed_cycles]),
                        INR_ARCH["fpga_ms"].get(r.order, "")])  # fmt: skip
    paths.append(csv_path)
    if peers:
        paths.append(write_peers_csv(folder, peers, latency))

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    orders = [r.order for r in work]
    ax.semilogy(orders, [r.taylor_macs / 1e6 for r in work], "o-", label="inrarch, Taylor mode")
    rev = [(r.order, r.reverse_macs / 1e6) for r in work if r.reverse_macs]
    ax.semilogy([o for o, _ in rev], [v for _, v in rev], "s--", label="inrarch, nested reverse mode")
    ax.semilogy(orders, [r.pytorch_macs / 1e6 for r in work], "^:", label="PyTorch nested autograd (counted)")
    ax.set_xticks(orders)
    ax.set_xlabel("derivative order n")
    ax.set_ylabel("matrix multiply-adds (millions, 64 samples)")
    ax.set_title("Work of the derivatives (benchmark SIREN)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    work_png = folder.save_figure("work_vs_order.png", fig, dpi=120)
    plt.close(fig)
    paths.append(work_png)

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    lo = [r.order for r in latency]
    ax.semilogy(lo, [r.modeled_ms for r in latency], "o-", label="inrarch FPGA (modeled, 3,200 DSP)")
    ax.semilogy(lo, [r.dsp_bound_ms for r in latency], "k--", label="DSP bound (3,200 DSP)", alpha=0.6)
    ax.semilogy(lo, [r.torch_autograd_ms for r in latency], "^:", label="PyTorch CPU nested autograd (measured)")
    fpga = sorted(INR_ARCH["fpga_ms"].items())
    ax.semilogy([o for o, _ in fpga], [v for _, v in fpga], "D", label="INR-Arch FPGA (published)")
    ax.set_xticks(lo)
    paths.append(_finish(plt, fig, ax, "latency for 64 samples (ms)", "Latency of the derivatives (benchmark SIREN)",
                         folder, "latency_vs_order.png"))  # fmt: skip

    if compile_rows:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        co = [r.order for r in compile_rows]
        ax.loglog(co, [r.total for r in compile_rows], "o-", label="whole compile")
        ax.loglog(co, [r.seconds["dataflow-fifo-depth"] for r in compile_rows], "s--", label="dataflow-fifo-depth")
        ax.loglog(co, [r.seconds["inr-autodiff"] for r in compile_rows], "^:", label="inr-autodiff")
        ref = compile_rows[-1].total
        ax.loglog(co, [ref * (o / co[-1]) ** 2 for o in co], "k-", alpha=0.3, label="order^2 (reference)")
        ax.set_xticks(co)
        ax.set_xticklabels([str(o) for o in co])
        paths.append(_finish(plt, fig, ax, "seconds", "Compile time (benchmark SIREN, 64 samples)",
                             folder, "compile_time_vs_order.png"))  # fmt: skip
    return paths


def _finish(plt, fig, ax, ylabel: str, title: str, folder, name: str) -> str:
    """Labels, grid and legend of an order plot; saves it as `name` in the OutputFolder `folder`."""
    ax.set_xlabel("derivative order n")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = folder.save_figure(name, fig, dpi=120)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------------------------------
# Fixed point (`inrarch bench-fixed`)
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class FixedRow:
    precision: str
    order: int
    formats: str
    modeled_ms: float
    dsp_bound_ms: float
    dsp: int
    mac_dsp: str  # DSP per multiply-add: per matvec in fixed point ("2/1/1/1/1"), where they differ
    lut: int
    bram36: float
    fifo_kib: float
    err_bench: float  # C-sim vs PyTorch float64, max over outputs of max|err| / max|ref|, the bench's 64 inputs
    err_random: float  # the same on 1,024 random inputs of [-1, 1]^2
    overflows: int  # C-sim overflow count over both input sets
    modeled_cycles: int
    timed_cycles: int
    estimated_mhz: float = 0.0  # the design's clock estimate (inrarch.analysis.clock, modeled)
    achievable_ms: float = 0.0  # the modeled cycles at the lower of 300 MHz and the estimate


def fixed_section(orders=(1, 2, 3), uniform: str = "ap_fixed<32,10>", samples: int = 64, dsp: int = 3200,
                  log=print) -> list[FixedRow]:  # fmt: skip
    """The benchmark SIREN per order in fp32, in inrarch's auto fixed point, and in one uniform format (INR-Arch's
    ap_fixed<32,10>, overflows wrapped and counted): modeled latency and resources, C-simulated error against
    PyTorch float64 nested autograd, overflows, timed C-simulation against the cycle model."""
    import copy

    import numpy as np
    import torch

    from inrarch.apps import models
    from inrarch.apps.reference import insp_derivatives
    from inrarch.analysis.precision import output_errors
    from inrarch.design import compile as compile_design

    model = models.benchmark_siren()
    model64 = copy.deepcopy(model).double()
    x = torch.rand(samples, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    xr = torch.rand(1024, 2, generator=torch.Generator().manual_seed(7)) * 2 - 1
    rows = []
    for precision in ("float", "auto", uniform):
        for order in orders:
            design = compile_design(model, x, order=order, dsp=dsp, precision=precision,
                                    overflow="wrap" if precision == uniform else "error")  # fmt: skip
            errors, overflows = [], 0
            for xs in (x, xr):
                ref = np.stack([r.numpy() for r in insp_derivatives(model64, xs.double(), order)], axis=1)
                out = np.stack(design.csim(xs), axis=1)
                errors.append(float(np.max(output_errors(out, ref))))
                overflows += sum(design.overflows.values())
            timed = design.timed_csim(x)
            r = design.report
            formats = r["precision"].split(";")[0] if design.fixed else "fp32"
            rows.append(FixedRow(precision, order, formats, r["modeled_latency_ms"], r["dsp_bound_ms"], r["dsp"],
                                 _mac_dsp(r), r["lut"], r["bram36"], r["fifo_bits"] / 8 / 1024,
                                 errors[0], errors[1], overflows, r["modeled_cycles"], timed.cycles,
                                 r["clock"]["estimated_mhz"], r["clock"]["modeled_latency_ms_at_achievable"]))  # fmt: skip
            log(f"  {precision} order {order}: modeled {r['modeled_latency_ms']:.4f} ms, C-sim error {errors[0]:.2e} / "
                f"{errors[1]:.2e}, {overflows} overflows")  # fmt: skip
    return rows


def _mac_dsp(report: dict) -> str:
    """DSP per multiply-add: one figure, or per matvec where the matvecs' widths make them differ."""
    per = [m["dsp"] for m in report.get("matvec_multiplies") or []]
    return "/".join(map(str, per)) if len(set(per)) > 1 else str(report["assumptions"]["mac_dsp"])


def fixed_table(rows: list[FixedRow]) -> str:
    lines = ["| numbers | n | formats | FPGA ms (modeled) | DSP bound ms | DSP | DSP / MAC (per matvec where they "
             "differ) | LUT | BRAM36 | FIFO KiB | C-sim err, bench inputs | C-sim err, 1,024 random | overflows | "
             "timed C-sim cycles = model | INR-Arch FPGA ms (published) | clock estimate (modeled): MHz, ms at min(300, it) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        lines.append(f"| {r.precision} | {r.order} | {r.formats} | {r.modeled_ms:.4f} | {r.dsp_bound_ms:.4f} | {r.dsp:,} | "
                     f"{r.mac_dsp} | {r.lut:,} | {r.bram36:g} | {r.fifo_kib:.1f} | {r.err_bench:.2e} | "
                     f"{r.err_random:.2e} | {r.overflows:,} | {r.timed_cycles:,} "
                     f"{'=' if r.timed_cycles == r.modeled_cycles else '!='} {r.modeled_cycles:,} | "
                     f"{INR_ARCH['fpga_ms'].get(r.order, '')} | {r.estimated_mhz:.0f} MHz, {r.achievable_ms:.4f} |")  # fmt: skip
    return "\n".join(lines)


@dataclass
class EditRow:
    """One precision of the INSP edit design (INR, its 65 features and the editor as one design; `inrarch edit`)."""

    precision: str
    formats: str
    modeled_ms: float  # per call of `samples` pixels
    dsp_bound_ms: float
    dsp: int
    bram36: float
    lut: int
    psnr_chip: float  # the C-simulated edit of every pixel vs the task's target
    psnr_pytorch: float  # the same networks in PyTorch float64
    max_abs_diff: float  # max |chip - PyTorch float64| over the image's pixels and channels
    modeled_cycles: int
    timed_cycles: int
    estimated_mhz: float
    achievable_ms: float
    samples: int


def edit_section(precisions=("float", "auto"), task: str = "denoise", image: str = "chelsea", dsp: int = 3200,
                 log=print) -> list[EditRow]:  # fmt: skip
    """The INSP edit design (`inrarch edit --task denoise --image chelsea`) per precision: modeled latency per call,
    resources, the C-simulated edit of the whole image against its target and against PyTorch float64, timed
    C-simulation of one call against the cycle model."""
    from inrarch.apps.edit import run_edit

    rows = []
    for precision in precisions:
        res = run_edit(task, image, dsp=dsp, progress=False, log=lambda _: None, precision=precision)
        r, fig = res.report, res.figures()
        formats = r["precision"].split(";")[0] if precision != "float" else "fp32"
        rows.append(EditRow(precision, formats, r["modeled_latency_ms"], r["dsp_bound_ms"], r["dsp"], r["bram36"],
                            r["lut"], fig["psnr_chip"], fig["psnr_pytorch"], fig["max_abs_diff"], r["modeled_cycles"],
                            res.timed_cycles, r["clock"]["estimated_mhz"], r["clock"]["modeled_latency_ms_at_achievable"],
                            r["samples"]))  # fmt: skip
        log(f"  edit {precision}: modeled {r['modeled_latency_ms']:.4f} ms per {r['samples']} pixels, PSNR "
            f"{fig['psnr_chip']:.2f} dB (PyTorch float64 {fig['psnr_pytorch']:.2f})")  # fmt: skip
    return rows


def edit_table(rows: list[EditRow]) -> str:
    lines = ["| numbers | formats | FPGA ms per call (modeled) | DSP bound ms | latency / bound | DSP | LUT | BRAM36 | "
             "PSNR, C-sim | PSNR, PyTorch float64 | max abs chip - PyTorch | timed C-sim cycles = model | "
             "clock estimate (modeled): MHz, ms at min(300, it) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        lines.append(f"| {r.precision} | {r.formats} | {r.modeled_ms:.4f} | {r.dsp_bound_ms:.4f} | "
                     f"{r.modeled_ms / r.dsp_bound_ms:.2f} | {r.dsp:,} | {r.lut:,} | {r.bram36:g} | "
                     f"{r.psnr_chip:.2f} dB | {r.psnr_pytorch:.2f} dB | {r.max_abs_diff:.1e} | {r.timed_cycles:,} "
                     f"{'=' if r.timed_cycles == r.modeled_cycles else '!='} {r.modeled_cycles:,} | "
                     f"{r.estimated_mhz:.0f} MHz, {r.achievable_ms:.4f} |")  # fmt: skip
    return "\n".join(lines)


def write_fixed(out_dir: str, rows: list[FixedRow], command: str,
                edit_rows: list[EditRow] | None = None) -> list[str]:
    import csv
    import os
    import platform
    from dataclasses import asdict

    from inrarch.files import OutputFolder

    folder = OutputFolder(out_dir, what="the benchmark")
    md = os.path.join(folder.path, "fixed.md")
    with folder.open_text("fixed.md") as f:
        f.write("# Fixed-point designs of the benchmark SIREN (2 -> 256 x 4 -> 3, 64 samples, INSP layout)\n\n")
        f.write(f"Produced by `{command}` on {platform.machine()} / {os.cpu_count()} CPU cores, "
                f"{time.strftime('%Y-%m-%d')}.\n\n")  # fmt: skip
        f.write("FPGA figures are modeled (inrarch's cycle model over the kernels' hardware facts; 300 MHz, "
                "xcu50-fsvh2104-2-e, 3,200 DSP; fp32 multiply-add 5 DSP; fixed-point multiplies as DSP48E2 27 x 18 "
                "tiles, adds in LUTs; the last column: the design's clock estimate of inrarch.analysis.clock, a "
                "structural model, and the modeled cycles at the lower of 300 MHz and it). `auto`: formats chosen by dataflow-fixed-point from a 4,096-point grid of "
                "[-1, 1]^2 for an error budget of 1e-3 of each output's largest magnitude. The uniform "
                "ap_fixed<32,10> is INR-Arch's format (truncation, wrap-around) for every stream, value and weight "
                "(inrarch's accumulators stay exact); its overflows are wrapped and counted. Errors: the bit-accurate "
                "C-simulation (Xilinx's ap_fixed.h) against PyTorch float64 nested autograd, max over outputs of "
                "max|err| / max|ref|, on the bench's 64 inputs and on 1,024 random inputs of [-1, 1]^2. "
                "INR-Arch's FPGA figures are those it published (arXiv 2308.05930).\n\n")  # fmt: skip
        f.write(fixed_table(rows) + "\n")
        if edit_rows:
            n = edit_rows[0].samples
            f.write(f"\n## The INSP edit design\n\n`inrarch edit --task denoise --image chelsea` (64 x 64 image): the "
                    f"fitted INR, its 65 INSP features (derivatives to order 4) and the shipped denoise editor as one "
                    f"design, {n} pixels a call, the same DSP budget and model as above. PSNR: every pixel of the "
                    "image through the bit-accurate C-simulation, and the same networks in PyTorch float64, each "
                    "against the clean image; the timed C-simulation runs one call.\n\n")  # fmt: skip
            f.write(edit_table(edit_rows) + "\n")
    paths = [md]
    for name, table in (("fixed.csv", rows), ("edit.csv", edit_rows)):
        if table:
            paths.append(os.path.join(folder.path, name))
            with folder.open_text(name) as f:
                w = csv.writer(f)
                w.writerow(list(asdict(table[0]).keys()))
                for r in table:
                    w.writerow(list(asdict(r).values()))
    return paths


# ---------------------------------------------------------------------------------------------------------------------
# Software peers: every way to get the same derivatives in software, timed interleaved in one run
# ---------------------------------------------------------------------------------------------------------------------

PEERS = ("nested autograd", "torch.func jacfwd", "JAX jacfwd (jit)", "Taylor module", "Taylor module, compiled")
PEER_BUDGET_S = 20.0  # a peer whose first call takes longer is timed once (a call of 4,096 samples at order 4)
PEER_FEW_S = 2.0  # one whose first call takes longer is timed in 3 rounds
PEER_SKIP_S = 60.0  # a peer whose call at a larger batch would take longer (its warm CPU time there x the batch
# ratio) is not run
NESTED_CHUNK = 512  # nested autograd over 4,096 samples runs 512 at a time (INSP-Net runs 256: all at once needs GBs)


@dataclass
class PeerRow:
    samples: int
    order: int
    clock: str  # "wall" (torch's threads, wall time) or "cpu" (one torch thread, process CPU time)
    ms: dict[str, float | None]  # peer -> median time per call (ms); None: not run (see `notes`)
    repeats: dict[str, int]
    notes: dict[str, str] = field(default_factory=dict)
    compile_s: float | None = None  # torch.compile's first call (code generation)
    max_error: dict[str, float] = field(default_factory=dict)  # vs float64 nested autograd, / max|ref|

    def best(self) -> tuple[str, float] | None:
        """The fastest software peer other than nested autograd's baseline included."""
        timed = [(p, t) for p, t in self.ms.items() if t is not None]
        return min(timed, key=lambda pt: pt[1]) if timed else None


def _jax_peer(model, order: int):
    """The benchmark SIREN in JAX (the model's weights), every derivative tensor of orders 0..n by nested
    jax.jacfwd, vmapped and jitted; None when JAX is not installed."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    from torch import nn

    from inrarch.apps.models import SineLayer

    layers = []
    for m in model:
        if isinstance(m, SineLayer):
            layers.append((jnp.asarray(m.linear.weight.detach().numpy().T), jnp.asarray(m.linear.bias.detach().numpy()),
                           m.omega))  # fmt: skip
        elif isinstance(m, nn.Linear):
            layers.append((jnp.asarray(m.weight.detach().numpy().T), jnp.asarray(m.bias.detach().numpy()), None))
        else:
            return None

    def f(p):
        for w, b, omega in layers:
            p = p @ w + b
            if omega is not None:
                p = jnp.sin(omega * p)
        return p

    fns, g = [f], f
    for _ in range(order):
        g = jax.jacfwd(g)
        fns.append(g)
    run = jax.jit(lambda x: [jax.vmap(h)(x) for h in fns])

    def call(x):
        out = run(x)
        jax.block_until_ready(out)
        return out

    return call


def _nested(model, x, order: int):
    """insp_derivatives over x, NESTED_CHUNK samples at a time."""
    import torch

    from inrarch.apps.reference import insp_derivatives

    chunks = [insp_derivatives(model, p, order) for p in x.split(NESTED_CHUNK)]
    return [torch.cat(list(parts)) for parts in zip(*chunks, strict=True)]


def peers_section(orders=(1, 2, 3, 4), batches=(64, 4096), clocks=("wall", "cpu"), device: str = "cpu",
                  rounds: int = 7, compiled: bool = True, threads: int = 2, log=print) -> list[PeerRow]:  # fmt: skip
    """Every software peer of the benchmark SIREN's derivatives of orders 0..n, per batch size: PyTorch nested
    autograd (INSP-Net's way), torch.func (nested jacfwd, vmapped), JAX (nested jacfwd, vmapped, jit; when
    installed), and inrarch's derivative program as PyTorch (`inrarch.taylor_module`, eager and torch.compile'd).
    The peers of one (batch, order) are timed interleaved: `rounds` rounds (3 for a peer whose first call took over
    PEER_FEW_S, 1 over PEER_BUDGET_S), each one call of every peer under every clock (`wall`: wall time on
    `threads` torch threads; `cpu`: process CPU time on one torch thread, robust on a shared machine), after a
    warm-up call; medians are kept. Each peer's outputs are checked against float64
    nested autograd on the first 16 samples."""
    import copy

    import numpy as np
    import torch

    import inrarch
    from inrarch.apps import models
    from inrarch.apps.reference import insp_derivatives

    cuda = device.startswith("cuda")
    model = models.benchmark_siren().to(device)
    model_cpu = models.benchmark_siren()
    model64 = copy.deepcopy(model_cpu).double()
    torch.set_num_threads(threads)
    rows = []
    for order in orders:
        small_cpu_s: dict[str, tuple[int, float]] = {}  # peer -> (samples, CPU seconds of its first call there)
        program = inrarch.taylor_module(model_cpu, order=order).to(device)
        compiled_program = torch.compile(program, dynamic=True) if compiled else None  # one compile for every batch
        jax_call = _jax_peer(model_cpu, order) if not cuda else None
        for samples in batches:
            x = (torch.rand(samples, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1).to(device)
            x_np = x.cpu().numpy()

            def sync(out):
                if cuda:
                    torch.cuda.synchronize()
                return out

            calls = {
                "nested autograd": lambda: sync(_nested(model, x, order)),
                "torch.func jacfwd": lambda: sync(forward_mode_derivatives(model, x, order)),
                "JAX jacfwd (jit)": (lambda: jax_call(x_np)) if jax_call is not None else None,
                "Taylor module": lambda: sync(_no_grad(program, x)),
                "Taylor module, compiled": (lambda: sync(_no_grad(compiled_program, x))) if compiled else None,
            }
            by_clock = {c: PeerRow(samples, order, c, {p: None for p in PEERS}, {p: 0 for p in PEERS}) for c in clocks}
            notes: dict[str, str] = {}
            if jax_call is None:
                notes["JAX jacfwd (jit)"] = "not on CUDA here" if cuda else "JAX is not installed (pip install -e .[peers])"
            if not compiled:
                notes["Taylor module, compiled"] = "not run (--no-compile)"
            # Warm-up (and compile) calls, and the check against float64 nested autograd on 16 samples.
            ref = torch.stack(insp_derivatives(model64, x[:16].double().cpu(), order), 1).numpy()
            first_s, errors, compile_s = {}, {}, None
            for peer, call in calls.items():
                if call is None:
                    continue
                if peer in small_cpu_s and peer != "Taylor module, compiled":
                    n0, cpu0 = small_cpu_s[peer]
                    estimate = cpu0 * samples / n0
                    if estimate > PEER_SKIP_S:
                        notes[peer] = (f"not run at {samples:,} samples: about {estimate:.0f} CPU s a call "
                                       f"(its {n0}-sample call x {samples // n0})")  # fmt: skip
                        continue
                start, start_cpu = time.perf_counter(), time.process_time()
                out = call()
                first_s[peer] = time.process_time() - start_cpu  # CPU seconds: wall time on a shared machine lies
                if peer == "Taylor module, compiled":
                    first_s[peer] = time.perf_counter() - start
                if peer == "Taylor module, compiled":
                    compile_s = first_s[peer]
                errors[peer] = _peer_error(peer, out, ref)
            slow = {p for p, s in first_s.items() if s > PEER_BUDGET_S and p != "Taylor module, compiled"}
            # Calls of seconds get 3 rounds (a 4,096-sample batch at order 3-4), of over PEER_BUDGET_S one.
            few = {p for p, s in first_s.items() if s > PEER_FEW_S and p != "Taylor module, compiled"}
            times = {c: {p: [] for p in first_s} for c in clocks}
            for r in range(rounds):
                for c in clocks:
                    torch.set_num_threads(1 if c == "cpu" else threads)
                    clock = time.process_time if c == "cpu" else time.perf_counter
                    for peer in first_s:
                        if peer in slow and r > 0 or peer in few and r > 2:
                            continue
                        start = clock()
                        calls[peer]()
                        times[c][peer].append(clock() - start)
            torch.set_num_threads(threads)
            for peer in first_s:  # the warm CPU time per call at this batch, for the extrapolation above
                cpu_times = times["cpu"][peer] if "cpu" in times and times["cpu"][peer] else [first_s[peer]]
                small_cpu_s.setdefault(peer, (samples, float(np.median(cpu_times))))
            for c, row in by_clock.items():
                row.notes, row.compile_s, row.max_error = {p: n for p, n in notes.items()}, compile_s, dict(errors)
                for peer, ts in times[c].items():
                    row.ms[peer] = 1e3 * float(np.median(ts))
                    row.repeats[peer] = len(ts)
                    if peer in slow:
                        row.notes[peer] = f"timed once (its first call took over {PEER_BUDGET_S:.0f} CPU s)"
                rows.append(row)
                best = row.best()
                log(f"  order {order}, {samples} samples, {c} clock: " + ", ".join(
                    f"{p} {t:.2f} ms" for p, t in row.ms.items() if t is not None)
                    + (f"; best {best[0]}" if best else ""))  # fmt: skip
    return rows


def _no_grad(program, x):
    import torch

    with torch.no_grad():
        return program(x)


def _peer_error(peer: str, out, ref) -> float:
    """max |peer - float64 nested autograd| / max |ref| over the first 16 samples, every INSP output."""
    import numpy as np

    if peer in ("torch.func jacfwd", "JAX jacfwd (jit)"):
        # Derivative tensors [N, 3, 2, ..., 2] per order -> the INSP list: per level, channel-major then path.
        columns = []
        for t in out:
            a = np.asarray(t.detach().cpu().numpy() if hasattr(t, "detach") else t)[:16]
            columns.append(a.reshape(a.shape[0], -1))
        got = np.concatenate(columns, axis=1)
    elif peer == "nested autograd":
        got = np.stack([o.detach().cpu().numpy()[:16] for o in out], 1)
    else:
        got = out.detach().cpu().numpy()[:16]
    return float(np.abs(got.astype(np.float64) - ref).max() / np.abs(ref).max())


def fpga_ms(latency: list[LatencyRow], order: int, samples: int) -> float | None:
    """The modeled FPGA time of `samples` samples: calls of the 64-sample design one after the other, each its
    modeled latency (no overlap between calls: pessimistic)."""
    row = next((r for r in latency if r.order == order), None)
    return None if row is None else row.modeled_ms * -(-samples // 64)


def peers_table(rows: list[PeerRow], latency: list[LatencyRow], clock: str = "wall") -> str:
    rows = [r for r in rows if r.clock == clock]
    lines = ["| n | samples | " + " | ".join(PEERS) + " | best software peer | inrarch FPGA fp32 (modeled) | "
             "FPGA vs nested autograd | FPGA vs best peer | Taylor compiled vs nested autograd |",
             "|---:|---:|" + "---:|" * (len(PEERS) + 5) + "---:|"]  # fmt: skip
    for r in rows:
        cells = []
        for p in PEERS:
            t = r.ms[p]
            cells.append("—" if t is None else f"{t:,.2f} ms" + (" (1 call)" if r.repeats[p] == 1 else ""))
        best = r.best()
        fpga = fpga_ms(latency, r.order, r.samples)
        nested = r.ms["nested autograd"]
        compiled = r.ms["Taylor module, compiled"]
        lines.append(
            f"| {r.order} | {r.samples:,} | " + " | ".join(cells) + " | "
            + (f"{best[0]} {best[1]:.2f} ms" if best else "—") + " | "
            + (f"{fpga:.3f} ms" if fpga else "—") + " | "
            + (f"{nested / fpga:.1f}x" if fpga and nested else "—") + " | "
            + (f"{best[1] / fpga:.1f}x" if fpga and best else "—") + " | "
            + (f"{nested / compiled:.1f}x" if nested and compiled else "—") + " |")  # fmt: skip
    return "\n".join(lines)


def peers_notes(rows: list[PeerRow]) -> str:
    rows = [r for r in rows if r.clock == rows[0].clock] if rows else rows
    compile_s = [f"n={r.order}, {r.samples}: {r.compile_s:.0f} s" for r in rows if r.compile_s is not None]
    errors = {}
    for r in rows:
        for p, e in r.max_error.items():
            errors[p] = max(errors.get(p, 0.0), e)
    notes = sorted({f"{p}: {n}" for r in rows for p, n in r.notes.items()})
    return ("torch.compile's first call (code generation, not in the times): " + "; ".join(compile_s) + ".\n\n"
            if compile_s else "") + (
        "Largest error of each peer against float64 nested autograd (max |err| / max |ref|, first 16 samples): "
        + ", ".join(f"{p} {e:.1e}" for p, e in errors.items()) + ".\n\n") + (
        "Notes: " + "; ".join(notes) + ".\n" if notes else "")  # fmt: skip


def peers_markdown(rows: list[PeerRow], latency: list[LatencyRow]) -> str:
    """The software peers' section of bench.md: one table per clock, then the notes."""
    text = ["## Software peers: the same derivatives in software, timed interleaved in this run\n",
            "Every way to get the benchmark SIREN's derivatives of orders 0..n in software, each checked against "
            "float64 nested autograd: PyTorch nested autograd (INSP-Net's way; over 4,096 samples "
            f"{NESTED_CHUNK} at a time), torch.func (nested jacfwd, vmapped), JAX (nested jacfwd, vmapped, jit), and "
            "inrarch's own derivative program printed as PyTorch (`inrarch.taylor_module`: the Taylor-mode program "
            "of inr-autodiff, one batched pass; eager, and torch.compile'd with inductor). The peers of a row run "
            "interleaved, one call each per round, medians of the rounds. The FPGA column is inrarch's modeled "
            "fp32 design (64 samples per call, 3,200 DSP, 300 MHz; 4,096 samples: 64 calls one after the other, "
            "each its modeled latency, no overlap: pessimistic). Ratios: nested autograd's time / the FPGA's, the "
            "best software peer's / the FPGA's, and nested autograd's / the compiled Taylor module's.\n"]
    for clock, title in (("wall", "Wall time, 2 torch threads"),
                         ("cpu", "CPU time, one torch thread (process CPU time: robust on a shared machine; JAX's "
                                 "figure sums the CPU time of its threads)")):  # fmt: skip
        if any(r.clock == clock for r in rows):
            text.append(f"### {title}\n\n" + peers_table(rows, latency, clock) + "\n")
    if rows:
        gpu = GpuAssumptions()
        text.append("### A GPU, estimated (not measured)\n\n"
                    "The compiled Taylor module's time per call on a GPU, estimated by `inrarch.apps.bench."
                    f"gpu_estimate_ms` from the derivative program's matmuls (their shapes in the IR): {gpu.describe()}; "
                    "per matmul, its launches plus the longer of its multiply-adds and its bytes. An estimate, not a "
                    "measurement: `bash tools/gpu_bench.sh` times the peers on a CUDA GPU.\n\n"
                    + gpu_table(rows, latency, gpu) + "\n")  # fmt: skip
    text.append(peers_notes(rows))
    return "\n".join(text)


@dataclass
class ModeledRow:
    """The modeled FPGA latency of the 64-sample fp32 design of one order (`modeled_section`)."""

    order: int
    modeled_ms: float


def modeled_section(orders, samples: int = 64, dsp: int = 3200, log=print) -> list[ModeledRow]:
    """The designs' modeled latencies alone (compiled, not C-simulated): the FPGA column of `inrarch bench
    --peers-only`."""
    import torch

    from inrarch.apps import models
    from inrarch.design import compile as compile_design

    model = models.benchmark_siren()
    x = torch.rand(samples, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    rows = []
    for order in orders:
        report = compile_design(model, x, order=order, dsp=dsp).report
        rows.append(ModeledRow(order, report["modeled_latency_ms"]))
        log(f"  order {order}: modeled FPGA {rows[-1].modeled_ms:.3f} ms")
    return rows


def write_peers(out_dir: str, peers: list[PeerRow], modeled: list, command: str) -> list[str]:
    """peers.md and peers.csv (`inrarch bench --peers-only`)."""
    import os
    import platform

    from inrarch.files import OutputFolder

    folder = OutputFolder(out_dir, what="the benchmark")
    with folder.open_text("peers.md") as f:
        f.write("# Software peers of inrarch: SIREN 2 -> 256 x 4 -> 3, INSP layout, all derivatives of orders 0..n\n\n")
        f.write(f"Produced by `{command}` on {platform.machine()} / {os.cpu_count()} CPU cores, "
                f"{time.strftime('%Y-%m-%d')}.\n\n")  # fmt: skip
        f.write(peers_markdown(peers, modeled))
    return [os.path.join(folder.path, "peers.md"), write_peers_csv(folder, peers, modeled)]


def write_peers_csv(folder, peers: list[PeerRow], latency: list) -> str:
    """peers.csv in `folder`: a row per (order, samples, clock), every peer's ms, the best, the modeled FPGA's."""
    import csv
    import os

    with folder.open_text("peers.csv") as f:
        w = csv.writer(f)
        w.writerow(["order", "samples", "clock", *(p.replace(" ", "_") + "_ms" for p in PEERS), "best_peer",
                    "fpga_modeled_ms", "taylor_compile_s"])  # fmt: skip
        for r in peers:
            best = r.best()
            fpga = fpga_ms(latency, r.order, r.samples)
            w.writerow([r.order, r.samples, r.clock, *("" if r.ms[p] is None else f"{r.ms[p]:.4f}" for p in PEERS),
                        best[0] if best else "", "" if fpga is None else f"{fpga:.4f}",
                        "" if r.compile_s is None else f"{r.compile_s:.1f}"])  # fmt: skip
    return os.path.join(folder.path, "peers.csv")


# ---------------------------------------------------------------------------------------------------------------------
# A GPU, estimated: no GPU was at hand for these tables (tools/gpu_bench.sh measures one where there is)
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GpuAssumptions:
    """What the GPU estimate assumes. The peak figures are the vendor's; the rest are stated assumptions."""

    name: str = "NVIDIA H200 SXM"
    fp32_tflops: float = 67.0  # FP32 (not tensor-core) peak: NVIDIA H200 Tensor Core GPU datasheet
    memory_tb_s: float = 4.8  # HBM3e bandwidth: the same datasheet
    gemm_efficiency: float = 0.5  # assumed: the fraction of the FP32 peak a [N, 256] x [256, 256] GEMM reaches
    launch_us: float = 4.0  # assumed: one kernel launch from PyTorch (no CUDA graph), order of magnitude
    kernels_per_matmul: int = 2  # the GEMM and one kernel of the elementwise ops inductor fuses between two GEMMs

    def describe(self) -> str:
        return (f"{self.name}, FP32 {self.fp32_tflops:g} TFLOP/s and {self.memory_tb_s:g} TB/s (datasheet), GEMMs "
                f"at {self.gemm_efficiency:.0%} of that peak, {self.kernels_per_matmul} kernels per matmul (the GEMM "
                f"and the fused elementwise ops after it) at {self.launch_us:g} us a launch (assumed)")  # fmt: skip


@dataclass(frozen=True)
class MatmulShape:
    """One matmul of a derivative program at its IR's batch: [m, k] x [k, n]; `batched`: m grows with the batch."""

    m: int
    k: int
    n: int
    batched: bool


def program_matmuls(function) -> list[MatmulShape]:
    """The matmuls of a function of linalg ops on tensors (the derivative program of inr-autodiff)."""
    from xdsl.dialects.builtin import TensorType

    shapes = []
    for op in function.walk():
        if op.name == "linalg.matmul":
            lhs, rhs = (v.type for v in op.operands[:2])
            assert isinstance(lhs, TensorType) and isinstance(rhs, TensorType)
            (m, k), (_, n) = lhs.get_shape(), rhs.get_shape()
            shapes.append(MatmulShape(m, k, n, batched=True))
    return shapes


def gpu_estimate_ms(matmuls: list[MatmulShape], ir_samples: int, samples: int,
                    gpu: GpuAssumptions = GpuAssumptions()) -> float:  # fmt: skip
    """The compiled Taylor module's time per call on `gpu`, estimated, not measured: per matmul (its rows scaled
    from the IR's batch to `samples`), its kernels' launches plus the longer of its multiply-adds at the GEMM
    efficiency and its operands' and result's fp32 bytes at the memory bandwidth."""
    total_s = 0.0
    for mm in matmuls:
        m = mm.m * samples // ir_samples if mm.batched else mm.m
        flops = 2.0 * m * mm.k * mm.n
        nbytes = 4.0 * (m * mm.k + mm.k * mm.n + m * mm.n)
        compute_s = flops / (gpu.fp32_tflops * 1e12 * gpu.gemm_efficiency)
        memory_s = nbytes / (gpu.memory_tb_s * 1e12)
        total_s += gpu.kernels_per_matmul * gpu.launch_us * 1e-6 + max(compute_s, memory_s)
    return 1e3 * total_s


def benchmark_matmuls(order: int, samples: int = 64) -> list[MatmulShape]:
    """The matmuls of the benchmark SIREN's Taylor-mode derivative program at `samples` samples."""
    import torch

    from inrarch.api import differentiate
    from inrarch.apps import models
    from inrarch.importer import import_model

    module = differentiate(import_model(models.benchmark_siren(), torch.zeros(samples, 2)), order=order)
    grad = [f for f in module.ops if getattr(f, "sym_name", None) and f.sym_name.data.endswith("_grad")][0]
    return program_matmuls(grad)


def gpu_table(rows: list[PeerRow], latency: list, gpu: GpuAssumptions = GpuAssumptions()) -> str:
    """The GPU estimate of the compiled Taylor module beside the modeled FPGA and the best CPU peer measured here."""
    lines = ["| n | samples | matmuls | Taylor module on the GPU (estimate) | inrarch FPGA fp32 (modeled) | "
             "FPGA / GPU estimate | best software peer here (its clock) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    shapes: dict[int, list[MatmulShape]] = {}
    seen = set()
    for r in rows:
        if (r.order, r.samples) in seen:
            continue
        seen.add((r.order, r.samples))
        mms = shapes.setdefault(r.order, benchmark_matmuls(r.order))
        est = gpu_estimate_ms(mms, 64, r.samples, gpu)
        fpga = fpga_ms(latency, r.order, r.samples)
        bests = [(r2.best(), r2.clock) for r2 in rows if (r2.order, r2.samples) == (r.order, r.samples) and r2.best()]
        (peer, t), clock = min(bests, key=lambda b: b[0][1]) if bests else ((None, None), None)
        lines.append(f"| {r.order} | {r.samples:,} | {len(mms)} | {est:.3f} ms | "
                     + (f"{fpga:.3f} ms | {fpga / est:.1f}x |" if fpga else "— | — |")
                     + (f" {peer} {t:.2f} ms ({clock}) |" if peer else " — |"))  # fmt: skip
    return "\n".join(lines)

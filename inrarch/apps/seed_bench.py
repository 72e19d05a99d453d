"""`inrarch bench-seed`: the seed's three figures — latency, memory, energy-delay product — per order and for the
INSP editing design, beside INR-Arch's published figures, and the scaling with the batch.

Sections:
  figures  per design (the benchmark SIREN's derivatives at orders 1-4, 64 samples, and the edit design: the INR,
           its 65 INSP features and the 65 -> 256 x 4 -> 3 editor in one design): modeled latency (and its DSP
           bound), on-chip memory (weights, FIFOs, kernel buffers, in MB at 4 bytes a word), PyTorch's CPU memory
           measured here as INR-Arch measured it (growth of VmHWM over a run after a warm-up, in a fresh process),
           modeled power, energy and EDP (`inrarch.analysis.power`), beside INR-Arch's published FPGA / CPU / GPU
           figures.
  scaling  64, 4,096 and 65,536 samples per call (65,536 = a 256 x 256 image): modeled FPGA latency and throughput
           of the design compiled for that many samples per call, beside PyTorch on this CPU (nested autograd, as
           INSP-Net computes its features) and inrarch's own Taylor-mode program run by inrarch's evaluator (numpy,
           float32).
Results: Markdown tables, a CSV and a PNG (throughput vs batch) under --out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from inrarch.apps.edit import example_inputs
from inrarch.analysis.power import edp_ms_j, energy_mj

# INR-Arch's published figures (arXiv 2308.05930, its repository's results table; ../benchmark), 64 points,
# order 1 / order 2: latency ms, memory MB, power W, energy mJ, EDP ms*J.
INR_ARCH = {
    "FPGA (INR-Arch, ap_fixed<32,10>, U50)": {"latency_ms": (1.8284, 2.5448), "memory_mb": (0.85, 7.67),
                                              "power_w": (30.0, 30.0), "energy_mj": (54.85, 76.34),
                                              "edp_ms_j": (0.100, 0.194)},
    "CPU (INR-Arch paper, PyTorch)": {"latency_ms": (3.3371, 12.1731), "memory_mb": (7.63, 23.58),
                                      "power_w": (15.00, 14.87), "energy_mj": (50.06, 181.03),
                                      "edp_ms_j": (0.167, 2.204)},
    "GPU (INR-Arch paper, PyTorch)": {"latency_ms": (2.8040, 9.2184), "memory_mb": (3.64, 13.09),
                                      "power_w": (70.26, 74.88), "energy_mj": (197.0, 690.3),
                                      "edp_ms_j": (0.552, 6.363)},
}  # fmt: skip
WORD_BYTES = 4  # fp32


@dataclass
class FigureRow:
    design: str
    order: int
    samples: int
    modeled_ms: float
    dsp_bound_ms: float
    timed_equal: bool | None
    weights_mb: float
    fifo_mb: float
    buffers_mb: float
    power: dict
    power_range: tuple[float, float]
    pytorch_ms: float
    pytorch_growth_mb: float

    @property
    def onchip_mb(self) -> float:
        return self.weights_mb + self.fifo_mb + self.buffers_mb

    @property
    def energy_mj(self) -> float:
        return energy_mj(self.power["total_w"], self.modeled_ms)

    @property
    def edp_ms_j(self) -> float:
        return edp_ms_j(self.power["total_w"], self.modeled_ms)

    @property
    def edp_at_30w(self) -> float:
        return edp_ms_j(30.0, self.modeled_ms)


# ---------------------------------------------------------------------------------------------------------------------
# PyTorch's memory, measured as INR-Arch measured it
# ---------------------------------------------------------------------------------------------------------------------

_MEASURE = r"""
import sys, time, json, torch
def hwm_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
kind, order, samples, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
from inrarch.apps.models import benchmark_siren
from inrarch.apps.reference import insp_derivatives
model = benchmark_siren()
torch.manual_seed(0)
x = torch.rand(samples, 2) * 2 - 1
if kind == "edit":
    from inrarch.apps import edit
    from inrarch.apps.reference import edit_forward
    editor = edit.make_editor()
    def run(x):
        return edit_forward(model, editor, x, edit.ORDER, scale=edit.SCALE, first=edit.FEATURES, chunk=len(x))
else:
    def run(x):
        return insp_derivatives(model, x, order)
run(x[:1])  # warm-up: kernels, allocator
before = hwm_kb()
times = []
for _ in range(repeats):
    start = time.perf_counter()
    run(x)
    times.append(time.perf_counter() - start)
print(json.dumps({"growth_kb": hwm_kb() - before, "ms": 1e3 * sorted(times)[len(times) // 2]}))
"""


def pytorch_run(kind: str, order: int, samples: int = 64, repeats: int = 5) -> tuple[float, float]:
    """(median ms, VmHWM growth MB) of PyTorch's nested autograd for `kind` ('derivatives' of `order`, or 'edit':
    INSP-Net's features and editor) in a fresh process: VmHWM is read after a one-sample warm-up and again after
    the runs."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, kind, str(order), str(samples), str(repeats)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["ms"], result["growth_kb"] / 1024.0


# ---------------------------------------------------------------------------------------------------------------------
# Designs
# ---------------------------------------------------------------------------------------------------------------------


def _edit_networks(log=print):
    """The INSP editing networks: the denoise editor (trained if not cached) and the INR of the test image."""
    from inrarch.apps import edit

    return edit.fit_inr("chelsea", "denoise", progress=False), edit.editor_for("denoise", progress=False, log=log)


def compile_design(kind: str, order: int, samples: int, dsp: int = 3200, networks=None):
    from inrarch.apps import edit
    from inrarch.apps.models import benchmark_siren
    from inrarch.design import compile as compile_design

    if kind == "edit":
        return edit.compile_edit(*networks, dsp=dsp, samples=samples)
    return compile_design(benchmark_siren(), example_inputs(samples), order=order, dsp=dsp)


def figures_section(orders=(1, 2, 3, 4), with_edit: bool = True, dsp: int = 3200, log=print) -> list[FigureRow]:
    from inrarch.apps import edit
    from inrarch.analysis.power import NOMINAL, design_power

    designs = [("derivatives", o, 64) for o in orders]
    designs += [("edit", edit.ORDER, 64), ("edit", edit.ORDER, edit.SAMPLES)] if with_edit else []
    networks = _edit_networks(log) if with_edit else None
    rows = []
    for kind, order, samples in designs:
        design = compile_design(kind, order, samples, dsp, networks)
        r = design.report
        timed = design.timed_csim(example_inputs(samples))
        pytorch_ms, growth = pytorch_run(kind, order, samples, repeats=max(3, 20 // 4**min(order, 3)))
        name = f"order {order}" if kind == "derivatives" else "edit: INR + 65 features + editor"
        mb = WORD_BYTES / 2**20
        rows.append(FigureRow(name, order, samples, r["modeled_latency_ms"], r["dsp_bound_ms"],
                              timed.cycles == r["modeled_cycles"], r["weight_words"] * mb, r["fifo_words"] * mb,
                              r["kernel_buffer_words"] * mb, design_power(r),
                              (design_power(r, NOMINAL.low())["total_w"], design_power(r, NOMINAL.high())["total_w"]),
                              pytorch_ms, growth))  # fmt: skip
        log(f"  {name}: modeled {r['modeled_latency_ms']:.3f} ms, {rows[-1].power['total_w']:.1f} W (modeled), "
            f"PyTorch {pytorch_ms:.1f} ms / +{growth:.1f} MB VmHWM")  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------------------------------
# Scaling with the batch
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class ScalingRow:
    design: str
    samples: int
    modeled_ms: float
    fpga_note: str
    pytorch_ms: float
    pytorch_note: str
    taylor_ms: float
    taylor_note: str
    compile_s: float

    def throughput(self, ms: float) -> float:
        return self.samples / (ms * 1e-3)


# The edit design's cycle model over 65,536 samples in one call needs more than this machine's 24 GB: larger
# batches run as back-to-back calls of 4,096 (a pessimistic figure: a dataflow design can overlap calls).
EDIT_CALL_CAP = 4096
CHUNK = 4096  # samples per PyTorch / evaluator run: nested autograd over 65,536 samples at once needs tens of GB


def _time_chunked(fn, samples: int, measure_up_to: int) -> tuple[float, str]:
    """ms for `samples` samples run CHUNK at a time; beyond `measure_up_to` samples, the chunk's time times the
    number of chunks (said so in the note)."""
    from inrarch.apps.bench import _median_ms

    x = example_inputs(min(samples, CHUNK))
    chunk_ms = _median_ms(lambda: fn(x), 3 if samples <= CHUNK else 1)  # after a warm-up run
    chunks = -(-samples // CHUNK)
    if samples <= CHUNK:
        return chunk_ms, "measured, median of 3"
    if samples <= measure_up_to:
        start = time.perf_counter()
        for _ in range(chunks):
            fn(x)
        return 1e3 * (time.perf_counter() - start), f"measured, {chunks} runs of {CHUNK}"
    return chunk_ms * chunks, f"{chunks} x one run of {CHUNK} (extrapolated)"


def scaling_section(batches=(64, 4096, 65536), orders=(1, 2), with_edit: bool = True, dsp: int = 3200,
                    measure_up_to: int = 65536, log=print) -> list[ScalingRow]:  # fmt: skip
    import numpy as np

    from inrarch.api import differentiate, edit_program, evaluate
    from inrarch.apps import edit
    from inrarch.apps.models import benchmark_siren
    from inrarch.apps.reference import edit_forward, insp_derivatives

    networks = _edit_networks(log) if with_edit else None
    model = benchmark_siren()
    rows = []
    for kind, order in [("derivatives", o) for o in orders] + ([("edit", edit.ORDER)] if with_edit else []):
        name = f"order {order}" if kind == "derivatives" else "edit"
        if kind == "edit":
            inr, editor = networks

            def pytorch(x, inr=inr, editor=editor):
                return edit_forward(inr, editor, x, edit.ORDER, scale=edit.SCALE, first=edit.FEATURES, chunk=len(x))

            def make_program(n, inr=inr, editor=editor):
                from inrarch.context import make_context
                from inrarch.passes.inr_autodiff import InrAutodiffPass

                program = edit_program(inr, editor, example_inputs(n), edit.ORDER, scale=edit.SCALE, first=edit.FEATURES)
                InrAutodiffPass().apply(make_context(), program)
                return program, "edit"
        else:

            def pytorch(x, order=order):
                return insp_derivatives(model, x, order)

            def make_program(n, order=order):
                return differentiate(model, example_inputs(n), order=order), None

        for samples in batches:
            program, func = make_program(min(samples, CHUNK))

            def taylor(x, program=program, func=func):
                return evaluate(program, x, dtype=np.float32, func=func)

            per_call = min(samples, EDIT_CALL_CAP) if kind == "edit" else samples
            calls = samples // per_call
            start = time.perf_counter()
            design = compile_design(kind, order, per_call, dsp, networks)
            compile_s = time.perf_counter() - start
            fpga_note = "one call" if calls == 1 else f"{calls} calls of {per_call:,} back to back, not overlapped"
            # INSP-Net's features take about 30 s per 4,096 samples here: the edit's larger batches are extrapolated.
            pt_ms, pt_note = _time_chunked(pytorch, samples, measure_up_to if kind != "edit" else CHUNK)
            ty_ms, ty_note = _time_chunked(taylor, samples, measure_up_to)
            rows.append(ScalingRow(name, samples, calls * design.report["modeled_latency_ms"], fpga_note, pt_ms,
                                   pt_note, ty_ms, ty_note, compile_s))  # fmt: skip
            log(f"  {name}, {samples} samples: FPGA {rows[-1].modeled_ms:.3f} ms (modeled), PyTorch {pt_ms:.1f} ms, "
                f"Taylor program {ty_ms:.1f} ms, compile {compile_s:.0f} s")  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------------------


def figures_table(rows: list[FigureRow]) -> str:
    lines = [
        "| design | samples per call | latency (modeled) | / DSP bound | timed C-sim = model | on-chip memory MB: weights + FIFOs + buffers "
        "| power W (modeled; range) | energy mJ | EDP ms·J | EDP at the seed's flat 30 W | PyTorch CPU here: latency "
        "| PyTorch CPU here: VmHWM growth |",
        "|---|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.design} | {r.samples} | {r.modeled_ms:.3f} ms | {r.modeled_ms / r.dsp_bound_ms:.2f}x | "
            f"{'yes' if r.timed_equal else 'NO'} | {r.onchip_mb:.2f} = {r.weights_mb:.2f} + {r.fifo_mb:.3f} + "
            f"{r.buffers_mb:.3f} | {r.power['total_w']:.1f} ({r.power_range[0]:.1f}-{r.power_range[1]:.1f}) | "
            f"{r.energy_mj:.2f} | {r.edp_ms_j:.5f} | {r.edp_at_30w:.5f} | "
            f"{r.pytorch_ms:.1f} ms | {r.pytorch_growth_mb:.1f} MB |"
        )
    return "\n".join(lines)


def seed_table() -> str:
    lines = ["| device (published) | latency ms (n=1 / n=2) | memory MB | power W | energy mJ | EDP ms·J |",
             "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for device, f in INR_ARCH.items():
        pair = lambda k, fmt: " / ".join(fmt.format(v) for v in f[k])  # noqa: E731
        lines.append(f"| {device} | {pair('latency_ms', '{:.4f}')} | {pair('memory_mb', '{:.2f}')} | "
                     f"{pair('power_w', '{:.2f}')} | {pair('energy_mj', '{:.2f}')} | {pair('edp_ms_j', '{:.3f}')} |")  # fmt: skip
    return "\n".join(lines)


def power_table(rows: list[FigureRow]) -> str:
    parts = [k for k in rows[0].power if k.endswith("_w") and k != "total_w"]
    lines = ["| design | " + " | ".join(p.removesuffix("_w").replace("_", " ") + " W" for p in parts) + " | total W |",
             "|---|" + "---:|" * (len(parts) + 1)]  # fmt: skip
    for r in rows:
        lines.append(f"| {r.design}, {r.samples} per call | " + " | ".join(f"{r.power[p]:.2f}" for p in parts) +
                     f" | {r.power['total_w']:.2f} |")  # fmt: skip
    return "\n".join(lines)


def scaling_table(rows: list[ScalingRow]) -> str:
    lines = ["| design | samples | FPGA (modeled) | FPGA samples/s | PyTorch nested autograd (here) | PyTorch samples/s "
             "| inrarch Taylor program, evaluator (here) | Taylor samples/s | FPGA speed-up vs PyTorch | compile |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in rows:
        lines.append(
            f"| {r.design} | {r.samples:,} | {r.modeled_ms:.3f} ms ({r.fpga_note}) | {r.throughput(r.modeled_ms):,.0f} | "
            f"{r.pytorch_ms:,.1f} ms ({r.pytorch_note}) | {r.throughput(r.pytorch_ms):,.0f} | "
            f"{r.taylor_ms:,.1f} ms ({r.taylor_note}) | {r.throughput(r.taylor_ms):,.0f} | "
            f"{r.pytorch_ms / r.modeled_ms:,.0f}x | {r.compile_s:.0f} s |"
        )
    return "\n".join(lines)


def write_results(out_dir: str, figures: list[FigureRow], scaling: list[ScalingRow], command: str,
                  edits=None) -> list[str]:  # fmt: skip
    import csv
    import platform

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from inrarch.analysis.power import describe_model

    from inrarch.files import OutputFolder

    folder = OutputFolder(out_dir, what="the benchmark")
    md = os.path.join(folder.path, "seed.md")
    with folder.open_text("seed.md") as f:
        f.write("# The seed's figures: latency, memory, energy-delay product; scaling with the batch\n\n")
        f.write(f"Produced by `{command}` on {platform.machine()} / {os.cpu_count()} CPU cores, "
                f"{time.strftime('%Y-%m-%d')}. Benchmark SIREN 2 -> 256 x 4 -> 3 (INSP layout), 64 samples per "
                "call unless said; the edit design is the INR, its 65 INSP features (orders 0-3 and the first 20 of "
                "order 4, scaled by 1/189) and INSP-Net's editor 65 -> 256 x 4 -> 3 in one dataflow design.\n\n")  # fmt: skip
        if figures:
            f.write("## inrarch (FPGA figures modeled: fp32, 300 MHz, xcu50-fsvh2104-2-e, 3,200 DSP)\n\n")
            f.write("Latency from inrarch's cycle model (confirmed cycle for cycle by the timed C-simulation of the "
                    "printed C++); on-chip memory = the design's weight words, FIFO words (their depths x token "
                    "widths) and kernel buffer words at 4 bytes each; power from the power model below; energy = "
                    "power x latency, EDP = energy x latency. PyTorch: nested autograd as INSP-Net computes its "
                    "features (the edit: features, then the editor), float32, this CPU; memory = growth of VmHWM "
                    "over the runs after a one-sample warm-up, in a fresh process, as INR-Arch measured CPU "
                    "memory.\n\n")  # fmt: skip
            f.write(figures_table(figures) + "\n\n")
            f.write("### Modeled power per resource\n\n" + describe_model() + "\n\n")
            f.write(power_table(figures) + "\n\n")
        if edits:
            f.write("## INR editing on chip (64 x 64 test images, never seen in training)\n\n")
            f.write("Editors trained on INRs of astronaut, coffee, rocket, immunohistochemistry, coins and moon "
                    "(`inrarch.apps.edit`); PSNR against the task's target (denoise: the clean image; blur: its "
                    "Gaussian blur, sigma 1.5 px; edges: its Sobel magnitude). The input's PSNR is that of the "
                    "image the INR was fitted to, against the target. All three tasks share one architecture, so "
                    "the edit design's modeled figures above hold for each.\n\n")  # fmt: skip
            f.write(edits_table(edits) + "\n\n")
        f.write("## INR-Arch's published figures (64 points)\n\n")
        f.write("arXiv 2308.05930, its repository's results table. Its FPGA power is a flat 30 W at both orders; "
                "its CPU and GPU figures are PyTorch on its machines.\n\n")  # fmt: skip
        f.write(seed_table() + "\n")
        if scaling:
            f.write("\n## Scaling with the batch\n\n")
            f.write("FPGA: the design compiled for that many samples per call, its modeled latency (one call; the "
                    "edit design beyond 4,096 samples as back-to-back calls of 4,096, see the cell). "
                    f"PyTorch and inrarch's Taylor-mode program (run by inrarch's evaluator, numpy, float32) on this "
                    f"CPU, {CHUNK} samples per run at most (nested autograd over 65,536 samples at once needs tens "
                    "of GB); each cell says whether it was measured or extrapolated.\n\n")  # fmt: skip
            f.write(scaling_table(scaling) + "\n")
    paths = [md]
    csv_path = os.path.join(folder.path, "seed.csv")
    with folder.open_text("seed.csv") as f:
        w = csv.writer(f)
        w.writerow(["section", "design", "samples", "modeled_ms", "dsp_bound_ms", "onchip_mb", "weights_mb",
                    "fifo_mb", "buffers_mb", "power_w", "energy_mj", "edp_ms_j", "pytorch_ms", "pytorch_growth_mb",
                    "taylor_program_ms"])  # fmt: skip
        for r in figures:
            w.writerow(["figures", r.design, r.samples, f"{r.modeled_ms:.4f}", f"{r.dsp_bound_ms:.4f}", f"{r.onchip_mb:.4f}",
                        f"{r.weights_mb:.4f}", f"{r.fifo_mb:.4f}", f"{r.buffers_mb:.4f}",
                        f"{r.power['total_w']:.3f}", f"{r.energy_mj:.4f}", f"{r.edp_ms_j:.6f}",
                        f"{r.pytorch_ms:.3f}", f"{r.pytorch_growth_mb:.2f}", ""])  # fmt: skip
        for r in scaling:
            w.writerow(["scaling", r.design, r.samples, f"{r.modeled_ms:.4f}", "", "", "", "", "", "", "", "",
                        f"{r.pytorch_ms:.3f}", "", f"{r.taylor_ms:.3f}"])  # fmt: skip
    paths.append(csv_path)
    if scaling:
        fig, ax = plt.subplots(figsize=(7, 4.4))
        styles = {"FPGA (modeled)": "o-", "PyTorch nested autograd": "^:", "Taylor program (evaluator)": "s--"}
        for design in dict.fromkeys(r.design for r in scaling):
            rs = [r for r in scaling if r.design == design]
            xs = [r.samples for r in rs]
            for label, values in (("FPGA (modeled)", [r.throughput(r.modeled_ms) for r in rs]),
                                  ("PyTorch nested autograd", [r.throughput(r.pytorch_ms) for r in rs]),
                                  ("Taylor program (evaluator)", [r.throughput(r.taylor_ms) for r in rs])):  # fmt: skip
                ax.loglog(xs, values, styles[label], label=f"{design}: {label}")
        ax.set_xlabel("samples per call")
        ax.set_ylabel("samples per second")
        ax.set_title("Throughput vs batch (FPGA modeled at 300 MHz, 3,200 DSP; CPU measured here)", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        png = folder.save_figure("throughput_vs_batch.png", fig, dpi=120)
        plt.close(fig)
        paths.append(png)
    return paths


# ---------------------------------------------------------------------------------------------------------------------
# Edited pictures
# ---------------------------------------------------------------------------------------------------------------------


def edits_section(out_dir: str, tasks=("denoise", "blur", "edges"), images=("chelsea", "grace_hopper"),
                  dsp: int = 3200, log=print) -> list[tuple[str, str, dict]]:  # fmt: skip
    """Every (task, test image): the edit through the C-simulated design beside PyTorch float64; pictures and a
    summary in out_dir/edits (an `inrarch edit` output folder)."""
    from inrarch.apps import edit

    os.makedirs(out_dir, exist_ok=True)
    folder = edit.check_output(os.path.join(out_dir, "edits"), force=True)
    results = []
    for task in tasks:
        for image in images:
            result = edit.run_edit(task, image, dsp=dsp, progress=False, log=lambda _: None)
            edit.write_edit(result, folder)
            results.append((task, image, result.figures()))
            f = results[-1][2]
            log(f"  {task} / {image}: input {f['psnr_input']:.2f} dB, chip {f['psnr_chip']:.2f} dB, PyTorch "
                f"{f['psnr_pytorch']:.2f} dB")  # fmt: skip
    return results


def edits_table(results) -> str:
    lines = ["| task | test image | PSNR of the input to the INR | edit on chip (C-sim, fp32) | same networks, PyTorch "
             "float64 | chip - PyTorch | picture |", "|---|---|---:|---:|---:|---:|---|"]  # fmt: skip
    for task, image, f in results:
        lines.append(f"| {task} | {image} | {f['psnr_input']:.2f} dB | {f['psnr_chip']:.2f} dB | "
                     f"{f['psnr_pytorch']:.2f} dB | {f['psnr_chip'] - f['psnr_pytorch']:+.3f} dB | "
                     f"[{task}-{image}.png](edits/{task}-{image}.png) |")  # fmt: skip
    return "\n".join(lines)

"""`inrarch demo`: the product end to end on the benchmark SIREN, and INR editing with the derivatives it computes.

1. A SIREN of the benchmark shape (2 -> 256 x 4 -> 3, omega 30) is fitted to a small image that ships with
   matplotlib (nothing is downloaded).
2. Its order-2 derivatives (INSP layout, 21 outputs) are compiled to a dataflow design for 64 samples per call
   within 3,200 DSP; the modeled report is printed; the Vitis project is written.
3. The C-simulation (sequential, then threaded with bounded FIFOs) is checked against PyTorch's nested autograd.
4. INR editing: the C-simulation computes the derivatives over the whole image; they sharpen (f - l * lap f) and
   blur (f + l * lap f) the image and give an edge map |grad f|; the same edits with PyTorch autograd are
   compared; pictures are written.
5. INR editing as INSP-Net does it, on chip (`inrarch.apps.edit`): an editor network trained to denoise (on INRs of
   other images) runs over the 65 derivative features of a noisy test image's INR, all in one design whose
   C-simulation edits every pixel; PSNRs against the clean image and against the same networks in PyTorch.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable

import numpy as np

from inrarch.apps.fit import fit_siren, pixel_coordinates


class Progress:
    def __init__(self, log: Callable[[str], None], steps: int):
        self.log, self.steps, self.step, self.start = log, steps, 0, time.perf_counter()

    def __call__(self, text: str) -> None:
        self.step += 1
        self.log(f"[{self.step}/{self.steps}] {text}  ({time.perf_counter() - self.start:.1f} s)")


def load_image(size: int) -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's sample data, face cropped, `size` x `size` RGB in [0, 1]."""
    from matplotlib import cbook
    from matplotlib import image as mpimg

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        img = mpimg.imread(f).astype(np.float64) / 255.0
    side = 440
    crop = img[40 : 40 + side, 60 : 60 + side]
    k = side // size
    crop = crop[: size * k, : size * k]
    return crop.reshape(size, k, size, k, 3).mean(axis=(1, 3))


def _select(outputs, descriptors, channel: int, index: tuple[int, int]) -> np.ndarray:
    for out, d in zip(outputs, descriptors, strict=True):
        if d.channel == channel and d.index == index:
            return np.asarray(out, dtype=np.float64)
    raise KeyError((channel, index))


def edits(outputs, descriptors, size: int, strength: float) -> dict[str, np.ndarray]:
    """Images from the derivative outputs: reconstruction, gradient magnitude, Laplacian, sharpened, blurred."""
    f = np.stack([_select(outputs, descriptors, c, (0, 0)) for c in range(3)], -1)
    fx = np.stack([_select(outputs, descriptors, c, (1, 0)) for c in range(3)], -1)
    fy = np.stack([_select(outputs, descriptors, c, (0, 1)) for c in range(3)], -1)
    lap = np.stack([_select(outputs, descriptors, c, (2, 0)) + _select(outputs, descriptors, c, (0, 2))
                    for c in range(3)], -1)  # fmt: skip
    h = 2.0 / (size - 1)  # pixel spacing in the INR's coordinates
    to_image = lambda v: (v.reshape(size, size, 3) + 1) / 2  # noqa: E731
    return {
        "reconstruction": to_image(f),
        "gradient_magnitude": np.sqrt((fx**2 + fy**2).sum(-1)).reshape(size, size) * h,
        "laplacian": lap.mean(-1).reshape(size, size) * h * h,
        "sharpened": to_image(f - strength * h * h * lap),
        "blurred": to_image(f + strength * h * h * lap),
    }


def save_pictures(out_dir: str, original: np.ndarray, images: dict[str, np.ndarray]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from inrarch.files import OutputFolder

    folder = OutputFolder(out_dir, what="the demo's pictures")
    clip = lambda a: np.clip(a, 0, 1)  # noqa: E731
    paths = [folder.save_image("original.png", clip(original))]
    for name in ("reconstruction", "sharpened", "blurred"):
        paths.append(folder.save_image(f"{name}.png", clip(images[name])))
    grad = images["gradient_magnitude"]
    paths.append(folder.save_image("gradient_magnitude.png", grad, cmap="gray", vmin=0, vmax=np.percentile(grad, 99)))
    lap = images["laplacian"]
    bound = np.percentile(np.abs(lap), 99)
    paths.append(folder.save_image("laplacian.png", lap, cmap="RdBu_r", vmin=-bound, vmax=bound))
    fig, axes = plt.subplots(2, 3, figsize=(11, 7.6))
    panels = [("original image", clip(original), {}), ("INR reconstruction (C-sim)", clip(images["reconstruction"]), {}),
              ("|grad f| edge map (C-sim)", grad, {"cmap": "gray", "vmax": np.percentile(grad, 99)}),
              ("Laplacian of f (C-sim)", lap, {"cmap": "RdBu_r", "vmin": -bound, "vmax": bound}),
              ("sharpened: f - l lap f", clip(images["sharpened"]), {}),
              ("blurred: f + l lap f", clip(images["blurred"]), {})]  # fmt: skip
    for ax, (title, img, kw) in zip(axes.flat, panels, strict=True):
        ax.imshow(img, **kw)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.suptitle("INR editing with derivatives computed by inrarch's order-2 design (C-simulation, float32)")
    fig.tight_layout()
    overview = folder.save_figure("overview.png", fig, dpi=110)
    plt.close(fig)
    return [overview, *paths]


def run(
    out_dir: str = "out/demo",
    order: int = 2,
    dsp: int = 3200,
    image_size: int = 64,
    fit_steps: int = 250,
    edit: bool = True,
    log: Callable[[str], None] = print,
    precision: str = "float",
) -> dict:
    import torch

    from inrarch.analysis.picture import draw
    from inrarch.files import OutputFolder
    from inrarch.analysis.report import format_report
    from inrarch.design import compile as compile_design
    from inrarch.dialects.inr import derivative_outputs
    from inrarch.apps.reference import insp_derivatives

    out_dir = os.path.abspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    progress = Progress(log, 7 if edit else 4)
    summary: dict = {}

    image = load_image(image_size)
    progress(f"fitting the benchmark SIREN (2 -> 256 x 4 -> 3, omega 30) to a {image_size}x{image_size} image")
    model = fit_siren(image, fit_steps, log)

    samples = 64
    x = (torch.rand(samples, 2, generator=torch.Generator().manual_seed(1)) * 2 - 1) * 0.95
    project = os.path.join(out_dir, f"siren_order{order}")
    numbers = "" if precision == "float" else f", precision {precision}"
    progress(f"compiling its order-{order} derivatives (INSP layout) for {samples} samples within {dsp} DSP{numbers}")
    design = compile_design(model, x, order=order, dsp=dsp, out_dir=project, force=True, precision=precision)
    log(format_report(design.report))
    summary["report"] = design.report

    progress("C-simulation of the design (g++), compared with PyTorch nested autograd in float64")
    model64 = copy.deepcopy(model).double()
    reference = [r.numpy() for r in insp_derivatives(model64, x.double(), order)]
    design.build_modes(["sequential", "threaded", "timed"])
    for threaded in (False, True):
        outputs = design.csim(x, threaded=threaded)
        worst = max(np.abs(o - r).max() / np.abs(r).max() for o, r in zip(outputs, reference, strict=True))
        mode = "threaded, bounded FIFOs" if threaded else "sequential"
        verdict = "within" if worst <= 1e-3 else "OUTSIDE"
        log(f"      C-sim ({mode}): {len(outputs)} outputs x {samples} samples, worst max|err|/max|ref| = "
            f"{worst:.2e}, {verdict} the 1e-3 tolerance" + ("; no deadlock" if threaded else ""))  # fmt: skip
        summary[f"csim_{'threaded' if threaded else 'sequential'}_rel_err"] = worst
    timed = design.timed_csim(x)
    modeled = design.report["modeled_cycles"]
    log(f"      C-sim (timed: the printed C++ as cycle-stepped pipelines): {timed.cycles:,} cycles per call; cycle "
        f"model {modeled:,} ({'equal' if timed.cycles == modeled else 'DIFFERENT'})")  # fmt: skip
    summary["timed_cycles"] = timed.cycles

    progress("dataflow graph pictures")
    dot_text, png, how = draw(design.graph)
    pictures = OutputFolder(project, what="the graph's pictures")
    pictures.write("dataflow.dot", dot_text)
    pictures.write("dataflow.png", png)
    log(f"      {project}/dataflow.dot and dataflow.png (drawn with {how})")

    if edit:
        progress(f"INR editing: derivatives of all {image_size * image_size} pixels through the C-simulation")
        coords = pixel_coordinates(image_size)
        outputs = design.csim(coords)
        descriptors = derivative_outputs(2, 3, order, "insp")
        ours = edits(outputs, descriptors, image_size, strength=0.15)
        torch_outputs = [r.numpy() for r in insp_derivatives(model64, coords.double(), order)]
        worst = max(np.abs(o - r).max() / np.abs(r).max() for o, r in zip(outputs, torch_outputs, strict=True))
        log(f"      every pixel: {len(outputs)} derivative outputs, worst max|err|/max|ref| vs PyTorch float64 = "
            f"{worst:.2e}" + (f"; {sum(design.overflows.values())} overflows" if design.fixed else ""))  # fmt: skip
        summary["pixels_rel_err"] = worst
        theirs = edits(torch_outputs, descriptors, image_size, strength=0.15)
        for name in ours:
            diff = np.abs(ours[name] - theirs[name]).max()
            scale = np.abs(theirs[name]).max()
            log(f"      {name:<19} C-sim vs PyTorch autograd: max|diff| {diff:.2e} (max|value| {scale:.2f})")
            summary[f"edit_{name}_max_diff"] = float(diff)
        progress("writing the pictures")
        pictures = save_pictures(os.path.join(out_dir, "edit"), image, ours)
        summary["pictures"] = pictures
        log(f"      {pictures[0]} (and {len(pictures) - 1} single images beside it)")
        progress("INR editing as INSP-Net does it: denoising, INR + 65 features + editor in one design (first run: "
                 "fits the test image's INR; the editor ships with inrarch, `inrarch train-editor` made it; cached "
                 "after)")  # fmt: skip
        from inrarch.apps import edit as insp

        insp_dir = insp.check_output(os.path.join(out_dir, "insp-edit"), force=True)
        result = insp.run_edit("denoise", "chelsea", dsp=dsp, out_dir=os.path.join(insp_dir, "project"), force=True,
                               log=log)  # fmt: skip
        for line in insp.describe(result):
            log(f"      {line}")
        written = insp.write_edit(result, insp_dir)
        summary["insp_edit"] = result.figures()
        log(f"      {written[0]} (and {len(written) - 1} files beside it)")
    log(f"Vitis project: {project} (make -C {project} csim-threaded; vitis_hls -f run_hls.tcl)")
    total = time.perf_counter() - progress.start
    log(f"demo finished in {total:.0f} s ({total / 60:.1f} min)")
    summary["seconds"] = total
    return summary

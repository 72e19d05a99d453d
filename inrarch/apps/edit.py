"""INR editing the way INSP-Net does it (Xu et al., "Signal Processing for Implicit Neural Representations",
NeurIPS 2022), with the whole edit on chip: the INR, its derivative features and the editor network in one dataflow
design.

* Images: samples bundled with scikit-image and matplotlib (nothing is downloaded), centre-cropped and resized to
  64 x 64 RGB in [0, 1]; grey images are repeated over the three channels. `TRAIN_IMAGES` train the editors,
  `TEST_IMAGES` are only ever edited.
* INRs: the benchmark SIREN (2 -> 256 x 4 -> 3, omega 30) fitted to each image (to its noisy copy for denoising),
  values 2 * pixel - 1, coordinates in [-1, 1]^2.
* Features: INSP-Net's 65 channels per pixel, the first 65 outputs of the INSP list (order 0 to 3, 45 outputs,
  and the first 20 of order 4), each differentiation scaled by 1/189; computed by inrarch's Taylor-mode program
  printed as PyTorch (`inrarch.taylor_module(..., first=65)`, float64: one batched pass over all pixels).
* Editors: INSP-Net's MLP 65 -> 256 -> 256 -> 256 -> 256 -> 3 with ReLU, trained per task with Adam on the pixels
  of the training INRs; the features' standardisation (mean and deviation over the training pixels) is folded into
  the first layer, so the editor is a plain MLP over the raw features.
* Tasks: `denoise` (Gaussian noise of sigma 25/255 on the image the INR is fitted to, the clean image as target),
  `blur` (target: Gaussian blur of sigma 1.5 pixels) and `edges` (target: the Sobel gradient magnitude per channel).

Fitted INRs and trained editors are cached (`cache_dir()`: $INRARCH_CACHE, else ~/.cache/inrarch/edit), keyed by
everything that determines them, so a second run takes seconds. An editor shipped in `inrarch/apps/editors/`
(written by `inrarch train-editor`, with the key and the command that made it) serves when its key matches and the
cache has none: a first run then fits only the INR it edits.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from inrarch.apps.fit import fit_siren, pixel_coordinates

SIZE = 64
ORDER = 4
FEATURES = 65
SCALE = 1.0 / 189.0
NOISE_SIGMA = 25.0 / 255.0
BLUR_SIGMA = 1.5
TRAIN_IMAGES = ("astronaut", "coffee", "rocket", "immunohistochemistry", "coins", "moon")
TEST_IMAGES = ("chelsea", "grace_hopper")
TASKS = ("denoise", "blur", "edges")
FIT_STEPS = 300
EDITOR_STEPS = 1500
_VERSION = 1  # bump when what a cache entry holds changes


def cache_dir() -> str:
    return os.environ.get("INRARCH_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "inrarch", "edit")


# ---------------------------------------------------------------------------------------------------------------------
# Images and targets
# ---------------------------------------------------------------------------------------------------------------------


def load_image(name: str, size: int = SIZE) -> np.ndarray:
    """A bundled sample image, centre-cropped to a square and resized (anti-aliased) to size x size RGB in [0, 1]."""
    from skimage import data, transform

    if name == "grace_hopper":
        from matplotlib import cbook
        from matplotlib import image as mpimg

        with cbook.get_sample_data("grace_hopper.jpg") as f:
            img = mpimg.imread(f)
    elif name in data.__all__ and name not in ("download_all", "data_dir", "lbp_frontal_face_cascade_filename"):
        try:
            img = getattr(data, name)()
        except Exception as err:  # noqa: BLE001 - a sample that is not bundled (needs a download) or not loadable
            raise ValueError(f"cannot load the image '{name}': {type(err).__name__}: {err}") from None
    else:
        raise ValueError(f"unknown image '{name}' (scikit-image's data samples or 'grace_hopper')")
    if (not isinstance(img, np.ndarray) or img.dtype == object or img.ndim not in (2, 3) or min(img.shape[:2]) < 8
            or (img.ndim == 3 and img.shape[2] not in (1, 3, 4))):
        raise ValueError(f"'{name}' is not a picture (scikit-image's data.{name} gives no 2-D image)")
    img = np.asarray(img, dtype=np.float64)
    img = img / 255.0 if img.max() > 1.0 else img
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    img = img[:, :, :3]
    h, w = img.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    img = img[top : top + side, left : left + side]
    return np.clip(transform.resize(img, (size, size, 3), anti_aliasing=True), 0.0, 1.0)


def noisy(image: np.ndarray, name: str) -> np.ndarray:
    """The image with Gaussian noise of sigma 25/255 (not clipped), reproducible per image name."""
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return image + np.random.default_rng(seed).normal(0.0, NOISE_SIGMA, image.shape)


def task_input(task: str, image: np.ndarray, name: str) -> np.ndarray:
    """The image the task's INR is fitted to."""
    return noisy(image, name) if task == "denoise" else image


def task_target(task: str, image: np.ndarray) -> np.ndarray:
    """What the editor should produce from the INR of `task_input`, in [0, 1]."""
    from skimage import filters

    match task:
        case "denoise":
            return image
        case "blur":
            return filters.gaussian(image, sigma=BLUR_SIGMA, channel_axis=-1)
        case "edges":
            return np.stack([filters.sobel(image[:, :, c]) for c in range(3)], axis=-1)
    raise ValueError(f"unknown task '{task}' (one of {', '.join(TASKS)})")


def psnr(image: np.ndarray, target: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB for values in [0, 1] (the image is clipped to [0, 1] as when shown)."""
    mse = float(np.mean((np.clip(image, 0.0, 1.0) - target) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def to_image(values: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Network values (2 * pixel - 1) of size*size pixels -> an image in pixel units (not clipped)."""
    return (np.asarray(values, dtype=np.float64).reshape(size, size, 3) + 1.0) / 2.0


# ---------------------------------------------------------------------------------------------------------------------
# INRs, features, editors
# ---------------------------------------------------------------------------------------------------------------------


def _cached(kind: str, key: dict) -> str:
    digest = hashlib.sha256(json.dumps({**key, "version": _VERSION}, sort_keys=True).encode()).hexdigest()[:16]
    return os.path.join(cache_dir(), f"{kind}-{digest}.pt")


def _save(path: str, state) -> None:
    import torch

    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def fit_inr(name: str, task: str, steps: int = FIT_STEPS, progress: bool = True, seed: int = 0):
    """The benchmark SIREN fitted to `task_input(task, image)` (full-batch Adam, lr 1e-4); cached."""
    import torch

    from inrarch.apps.models import benchmark_siren

    variant = "noisy" if task == "denoise" else "clean"
    path = _cached("inr", {"image": name, "variant": variant, "size": SIZE, "steps": steps, "seed": seed})
    model = benchmark_siren(seed=seed)
    if os.path.exists(path):
        model.load_state_dict(torch.load(path, weights_only=True))
        return model
    image = task_input(task, load_image(name), name)
    model = fit_siren(image, steps, log=lambda _: None, seed=seed,
                      bar=f"fit INR {name} ({variant})" if progress else None)  # fmt: skip
    _save(path, model.state_dict())
    return model


def feature_module(model):
    """inrarch's Taylor-mode program of INSP-Net's 65 features, as a float64 PyTorch module ([N, 2] -> [N, 65])."""
    import copy

    import torch

    from inrarch.api import taylor_module

    model64 = copy.deepcopy(model).double()
    return taylor_module(model64, order=ORDER, scale=SCALE, first=FEATURES,
                         example_input=torch.zeros(8, 2, dtype=torch.float64))  # fmt: skip


def features(model, coords) -> np.ndarray:
    """INSP-Net's 65 features per pixel ([N, 65], float64) from inrarch's Taylor-mode program for `model`."""
    import torch

    with torch.no_grad():
        return feature_module(model)(coords.double()).numpy()


def edit_pytorch(model, editor, coords) -> np.ndarray:
    """The edit in PyTorch float64 ([N, 3]): the editor over the features of `features` (inrarch's Taylor program
    as PyTorch, equal to nested autograd within 1e-10 in the tests), on copies of both networks."""
    import copy

    import torch

    with torch.no_grad():
        return copy.deepcopy(editor).double()(torch.from_numpy(features(model, coords))).numpy()


def inr_features(name: str, task: str, progress: bool = True) -> np.ndarray:
    """`features` of the INR `fit_inr(name, task)` over the image's pixels; cached."""
    import torch

    variant = "noisy" if task == "denoise" else "clean"
    path = _cached("features", {"image": name, "variant": variant, "size": SIZE, "steps": FIT_STEPS,
                                "first": FEATURES, "order": ORDER, "scale": SCALE})  # fmt: skip
    if os.path.exists(path):
        return torch.load(path, weights_only=True).numpy()
    values = features(fit_inr(name, task, progress=progress), pixel_coordinates(SIZE))
    _save(path, torch.from_numpy(values))
    return values


def make_editor(inputs: int = FEATURES, hidden: int = 256, layers: int = 4, outputs: int = 3):
    """INSP-Net's editor: an MLP inputs -> hidden (x layers) -> outputs with ReLU."""
    from torch import nn

    sizes = [inputs] + [hidden] * layers
    modules: list[nn.Module] = []
    for a, b in zip(sizes, sizes[1:], strict=False):
        modules += [nn.Linear(a, b), nn.ReLU()]
    modules.append(nn.Linear(sizes[-1], outputs))
    return nn.Sequential(*modules)


def train_editor(
    feats: np.ndarray, targets: np.ndarray, steps: int = EDITOR_STEPS, batch: int = 2048, seed: int = 0,
    progress: bool = True, desc: str = "train editor",
):  # fmt: skip
    """An editor trained on (features [P, 65], targets [P, 3] in network units) with Adam (lr 1e-3, cosine decay),
    the standardisation of the features folded into its first layer."""
    import torch
    from tqdm import tqdm

    torch.manual_seed(seed)
    f = torch.tensor(feats, dtype=torch.float32)
    t = torch.tensor(targets, dtype=torch.float32)
    mean, std = f.mean(0), f.std(0).clamp_min(1e-12)
    z = (f - mean) / std
    editor = make_editor(f.shape[1])
    optimizer = torch.optim.Adam(editor.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    generator = torch.Generator().manual_seed(seed)
    bar = tqdm(range(steps), desc=desc, disable=not progress, leave=False)
    for _ in bar:
        index = torch.randint(0, z.shape[0], (batch,), generator=generator)
        optimizer.zero_grad()
        loss = ((editor(z[index]) - t[index]) ** 2).mean()
        loss.backward()
        optimizer.step()
        schedule.step()
        bar.set_postfix(loss=f"{loss.item():.2e}", refresh=False)
    with torch.no_grad():
        first = editor[0]
        weight = first.weight.double() / std.double()[None, :]
        first.bias.copy_((first.bias.double() - weight @ mean.double()).float())
        first.weight.copy_(weight.float())
    return editor.eval()


def editor_for(task: str, train_images=TRAIN_IMAGES, steps: int = EDITOR_STEPS, progress: bool = True,
               log: Callable[[str], None] = print, inrs_after: Sequence[str] = (), shipped: bool = True):  # fmt: skip
    """The task's editor trained on the INRs of `train_images`; cached; else the one shipped with inrarch when its
    key matches (`shipped`). Progress lines count the INRs to fit, `inrs_after` (fitted by the caller next)
    included."""
    import torch

    path = _cached("editor", editor_key(task, train_images, steps))
    editor = make_editor()
    if os.path.exists(path):
        editor.load_state_dict(torch.load(path, weights_only=True))
        return editor.eval()
    shipped = shipped_editor(task, editor_key(task, train_images, steps)) if shipped else None
    if shipped is not None:
        editor.load_state_dict(torch.load(shipped[0], weights_only=True))
        log(f"      the {task} editor shipped with inrarch ({os.path.relpath(shipped[0])}, made by `{shipped[1]}`)")
        return editor.eval()
    feats, targets = [], []
    start = time.perf_counter()
    images = list(train_images)
    count = len(images) + (len(inrs_after) if inrs_after else 0)
    for i, name in enumerate(images, 1):
        feats.append(inr_features(name, task, progress=progress))
        targets.append(task_target(task, load_image(name)).reshape(-1, 3) * 2 - 1)
        elapsed = time.perf_counter() - start
        log(f"      INR {i} of {count} ({name}, fitted and its features computed, or cached): elapsed {elapsed:.0f} s, "
            f"ETA of the INRs {elapsed / i * (count - i):.0f} s")  # fmt: skip
    log(f"      training the {task} editor on {len(train_images)} INRs ({len(train_images) * SIZE * SIZE} pixels, "
        f"{steps} steps)")  # fmt: skip
    editor = train_editor(np.concatenate(feats), np.concatenate(targets), steps, progress=progress,
                          desc=f"train {task} editor")  # fmt: skip
    log(f"      editor trained: elapsed {time.perf_counter() - start:.0f} s")
    _save(path, editor.state_dict())
    return editor


EDITORS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "editors")


def editor_key(task: str, train_images=TRAIN_IMAGES, steps: int = EDITOR_STEPS) -> dict:
    """Everything that determines a trained editor (its cache key)."""
    return {"task": task, "images": list(train_images), "size": SIZE, "fit_steps": FIT_STEPS, "steps": steps,
            "features": FEATURES, "blur": BLUR_SIGMA, "noise": NOISE_SIGMA}  # fmt: skip


def shipped_editor(task: str, key: dict) -> tuple[str, str] | None:
    """(weights path, the command that made them) of the editor shipped for `task`, if its key is `key`."""
    meta = os.path.join(EDITORS_DIR, f"{task}-editor.json")
    weights = os.path.join(EDITORS_DIR, f"{task}-editor.pt")
    if not (os.path.isfile(meta) and os.path.isfile(weights)):
        return None
    with open(meta, encoding="utf-8") as f:
        info = json.load(f)
    if info.get("key") != {**key, "version": _VERSION}:
        return None
    return weights, info.get("command", "inrarch train-editor")


# ---------------------------------------------------------------------------------------------------------------------
# The edit on chip
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class EditResult:
    task: str
    image: str
    original: np.ndarray  # the clean image
    given: np.ndarray  # the image the INR was fitted to
    target: np.ndarray
    inr: np.ndarray  # the INR's reconstruction
    chip: np.ndarray  # the edit, C-simulated
    pytorch: np.ndarray  # the same networks in PyTorch float64 (`edit_pytorch`)
    report: dict
    timed_cycles: int

    def figures(self) -> dict[str, float]:
        return {
            "psnr_input": psnr(self.given, self.target),
            "psnr_inr": psnr(self.inr, self.target),
            "psnr_chip": psnr(self.chip, self.target),
            "psnr_pytorch": psnr(self.pytorch, self.target),
            "psnr_chip_vs_pytorch": psnr(self.chip, np.clip(self.pytorch, 0, 1)),
            "max_abs_diff": float(np.abs(self.chip - self.pytorch).max()),
        }


SAMPLES = 256  # pixels per call of the edit design: four rows of a 64 x 64 image


def example_inputs(samples: int):
    """The coordinates a design is compiled (and its timed C-simulation run) at: fixed, inside the domain."""
    import torch

    return (torch.rand(samples, 2, generator=torch.Generator().manual_seed(1)) * 2 - 1) * 0.95


def compile_edit(model, editor, dsp: int = 3200, out_dir: str | None = None, force: bool = False,
                 samples: int = SAMPLES, precision: str = "float"):  # fmt: skip
    """The edit design: `editor` over the INR's 65 features, `samples` pixels per call (the pipeline fill of its ten
    layers in series is paid once a call: 1.33x the DSP bound at 64 pixels a call, 1.20x at 256)."""
    from inrarch.design import compile as compile_design

    return compile_design(model, example_inputs(samples), order=ORDER, scale=SCALE, first=FEATURES, editor=editor,
                          dsp=dsp, out_dir=out_dir, force=force, precision=precision)  # fmt: skip


def run_edit(task: str, image: str, dsp: int = 3200, out_dir: str | None = None, force: bool = False,
             progress: bool = True, log: Callable[[str], None] = print, precision: str = "float") -> EditResult:  # fmt: skip
    """Fits (or loads) the INR of `image` for `task`, compiles editor o features o INR into one design, runs every
    pixel through its C-simulation, and the same networks through PyTorch in float64."""
    import torch

    if task not in TASKS:
        raise ValueError(f"unknown task '{task}' (one of {', '.join(TASKS)})")
    editor = editor_for(task, progress=progress, log=log, inrs_after=[image])
    start = time.perf_counter()
    model = fit_inr(image, task, progress=progress)
    log(f"      INR of '{image}' ({'noisy' if task == 'denoise' else 'clean'}) fitted or cached: "
        f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    original = load_image(image)
    coords = pixel_coordinates(SIZE)
    if out_dir is not None:
        os.makedirs(os.path.dirname(os.path.abspath(out_dir)), exist_ok=True)
    design = compile_edit(model, editor, dsp=dsp, out_dir=out_dir, force=force, precision=precision)
    log(f"      design: {design.report['processes']} processes, {design.report['dsp']} DSP, modeled "
        f"{design.report['modeled_latency_ms']:.3f} ms per {design.samples} pixels at 300 MHz")  # fmt: skip
    chip = np.stack(design.csim(coords), axis=1)
    timed = design.timed_csim(coords[: design.samples])
    pytorch = edit_pytorch(model, editor, coords)
    with torch.no_grad():
        inr = model(coords).numpy()
    return EditResult(task, image, original, task_input(task, original, image), task_target(task, original),
                      to_image(inr), to_image(chip), to_image(pytorch), design.report, timed.cycles)  # fmt: skip


def save_pictures(result: EditResult, out_dir) -> list[str]:
    """before.png (the image given to the INR), target.png, chip.png (the C-simulated edit), pytorch.png and a
    side-by-side overview with PSNRs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from inrarch.files import OutputFolder

    folder = out_dir if isinstance(out_dir, OutputFolder) else OutputFolder(out_dir, MARKER, "the edit")
    fig_values = result.figures()
    clip = lambda a: np.clip(a, 0, 1)  # noqa: E731
    singles = {"before": result.given, "target": result.target, "chip": result.chip, "pytorch": result.pytorch}
    paths = []
    for name, img in singles.items():
        paths.append(folder.save_image(f"{result.task}-{result.image}-{name}.png", clip(img)))
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.8))
    panels = [
        (f"input to the INR\nPSNR {fig_values['psnr_input']:.2f} dB", result.given),
        ("target", result.target),
        (f"edit on chip (C-sim, {_numbers(result.report)})\nPSNR {fig_values['psnr_chip']:.2f} dB", result.chip),
        (f"same networks, PyTorch fp64\nPSNR {fig_values['psnr_pytorch']:.2f} dB", result.pytorch),
    ]
    for ax, (title, img) in zip(axes, panels, strict=True):
        ax.imshow(clip(img))
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.suptitle(f"{result.task} of '{result.image}' ({SIZE}x{SIZE}): INR, 65 INSP features and editor in one "
                 "dataflow design")  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    overview = folder.save_figure(f"{result.task}-{result.image}.png", fig, dpi=110)
    plt.close(fig)
    return [overview, *paths]


def _numbers(report: dict) -> str:
    """fp32, or the fixed-point formats (the report's precision line, up to its first ';')."""
    precision = report.get("precision", "float")
    return "fp32" if precision == "float" else precision.split(";")[0]


def describe(result: EditResult) -> list[str]:
    f = result.figures()
    r = result.report
    return [
        f"{result.task} of '{result.image}': PSNR vs target: input {f['psnr_input']:.2f} dB, INR {f['psnr_inr']:.2f} dB, "
        f"edit on chip (C-sim) {f['psnr_chip']:.2f} dB, same networks in PyTorch float64 {f['psnr_pytorch']:.2f} dB "
        f"(difference {f['psnr_chip'] - f['psnr_pytorch']:+.3f} dB; max |chip - PyTorch| {f['max_abs_diff']:.1e})",
        f"modeled: {r['modeled_latency_ms']:.3f} ms per {r['samples']} pixels ({_numbers(r)}, 300 MHz, {r['dsp']} DSP), "
        f"{r['latency_over_dsp_bound']:.2f}x its DSP bound; timed C-sim {result.timed_cycles:,} cycles = model "
        f"{r['modeled_cycles']:,}" + ("" if result.timed_cycles == r["modeled_cycles"] else " (DIFFERENT)"),
    ]


# ---------------------------------------------------------------------------------------------------------------------
# Output folder
# ---------------------------------------------------------------------------------------------------------------------

MARKER = ".inrarch-edit"


def check_output(out_dir: str, force: bool = False) -> str:
    """`out_dir` may hold the edit's pictures and project: new (its missing parents are made), empty, or an earlier
    `inrarch edit` output (its marker lists the files inrarch wrote) with `force`. Returns its absolute path."""
    from inrarch.diagnostics import CompileError

    out_dir = os.path.abspath(out_dir)
    if os.path.lexists(out_dir):
        if not os.path.isdir(out_dir) or os.path.islink(out_dir):
            raise CompileError(f"cannot write the edit to {out_dir}: it exists and is not a folder")
        if os.listdir(out_dir):
            if not os.path.isfile(os.path.join(out_dir, MARKER)):
                raise CompileError(f"cannot write the edit to {out_dir}: the folder holds files inrarch did not write "
                                   f"(no {MARKER}); choose a new or empty folder")  # fmt: skip
            if not force:
                raise CompileError(f"{out_dir} holds an earlier inrarch edit: pass --force to replace the files "
                                   "inrarch wrote there")  # fmt: skip
    return out_dir  # a new folder is made with its missing parents


def write_edit(result: EditResult, out_dir: str) -> list[str]:
    """The pictures and a figures.json of `result` in `out_dir` (checked with `check_output`), as an OutputFolder
    whose marker is MARKER: a file of the same name that inrarch did not write, a link or a special file stops it
    before anything is written."""
    from inrarch.files import OutputFolder

    folder = OutputFolder(out_dir, MARKER, "the edit")
    names = [f"{result.task}-{result.image}{s}.png" for s in ("", "-before", "-target", "-chip", "-pytorch")]
    names.append(f"{result.task}-{result.image}.json")
    for name in names:
        folder.check(name)
    paths = save_pictures(result, folder)
    summary = json.dumps({"task": result.task, "image": result.image, "size": SIZE, **result.figures(),
                          "timed_cycles": result.timed_cycles,
                          "modeled": {k: result.report[k] for k in ("modeled_cycles", "modeled_latency_ms",
                                                                   "dsp_bound_ms", "latency_over_dsp_bound", "dsp",
                                                                   "bram36", "samples")}}, indent=2)  # fmt: skip
    return [*paths, folder.write(names[-1], summary)]



def write_shipped_editor(task: str, out_dir: str = EDITORS_DIR, command: str = "inrarch train-editor",
                         progress: bool = True, log: Callable[[str], None] = print) -> list[str]:  # fmt: skip
    """Trains (or takes from the cache) the task's editor and writes it where `editor_for` finds shipped editors:
    `<task>-editor.pt` (its weights) and `<task>-editor.json` (its key, the command that made it, the date)."""
    import io

    import torch

    from inrarch.files import OutputFolder

    if task not in TASKS:
        raise ValueError(f"unknown task '{task}' (one of {', '.join(TASKS)})")
    folder = OutputFolder(out_dir, what="the editors")
    names = [f"{task}-editor.pt", f"{task}-editor.json"]
    for name in names:
        folder.check(name)
    editor = editor_for(task, progress=progress, log=log, shipped=False)
    buffer = io.BytesIO()
    torch.save(editor.state_dict(), buffer)
    info = {"task": task, "key": {**editor_key(task), "version": _VERSION}, "command": command,
            "date": time.strftime("%Y-%m-%d"), "torch": torch.__version__,
            "note": "INSP-Net's editor MLP (65 -> 256 x 4 -> 3, ReLU), the features' standardisation folded into its "
                    "first layer; trained on the INRs of the key's images with their features from "
                    "inrarch.taylor_module (float64)"}  # fmt: skip
    return [folder.write(names[0], buffer.getvalue()), folder.write(names[1], json.dumps(info, indent=1) + "\n")]

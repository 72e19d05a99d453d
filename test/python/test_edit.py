"""INR editing as INSP-Net does it: the feature-set option (`first`) against nested autograd, the composed design
(editor o features o INR in one dataflow design) against the same networks in PyTorch, and the editing app's
pieces (images, targets, PSNR, the folded standardisation, the output folder)."""

import json
import os

import numpy as np
import pytest
import torch
from torch import nn

import inrarch
from inrarch.api import differentiate, edit_program, evaluate
from inrarch.apps import edit
from inrarch.apps.models import siren
from inrarch.apps.reference import edit_reference, insp_derivatives
from inrarch.diagnostics import CompileError
from inrarch.dialects.inr import derivative_output_count


@pytest.mark.parametrize("mode", ["taylor", "reverse"])
def test_insp_feature_set_matches_nested_autograd(mode):
    """INSP-Net's 65 features of a 3-channel INR over 2 coordinates: orders 0-3 of the INSP list (3 + 6 + 12 + 24 =
    45 outputs) and the first 20 of order 4, each differentiation scaled by 1/189. The program's outputs are compared
    one by one with INSP-Net's own computation (nested torch.autograd.grad) in float64; each is scaled to the largest
    magnitude of its order, since the order-4 features are about 189^-4 smaller than the values."""
    model = siren(2, 16, 2, 3, seed=3, dtype=torch.float64)
    x = torch.rand(8, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2 - 1
    module = differentiate(model, x, order=4, mode=mode, scale=1 / 189, first=65)
    ours = evaluate(module, x)
    ref = [r.numpy() for r in insp_derivatives(model, x, 4, scale=1 / 189, first=65)]
    assert len(ours) == len(ref) == 65
    orders = [0] * 3 + [1] * 6 + [2] * 12 + [3] * 24 + [4] * 20
    for k in range(5):
        idx = [i for i, o in enumerate(orders) if o == k]
        size = max(np.abs(ref[i]).max() for i in idx)
        worst = max(np.abs(ours[i] - ref[i]).max() for i in idx) / size
        assert worst < 1e-10, (k, worst)


def test_first_keeps_a_prefix_of_the_insp_list():
    """Keeping the first K outputs is the same as taking the first K of the whole order (here order 2: 1 + 2 + 4 = 7
    outputs of a one-channel INR over 2 coordinates, of which the first 5 are kept)."""
    model = siren(2, 8, 1, 1, seed=1, dtype=torch.float64)
    x = torch.rand(4, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    whole = evaluate(differentiate(model, x, order=2), x)
    first = evaluate(differentiate(model, x, order=2, first=5), x)
    assert derivative_output_count(2, 1, 2, "insp") == 7 and len(first) == 5
    for a, b in zip(first, whole[:5], strict=True):
        np.testing.assert_array_equal(a, b)


def test_first_beyond_the_order_is_an_error():
    model = siren(2, 8, 1, 1, seed=1)
    with pytest.raises(CompileError, match="gives 7 derivatives in the insp layout; it cannot keep the first 8"):
        differentiate(model, torch.zeros(4, 2), order=2, first=8)


def _editor(inputs: int, seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(inputs, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))


def test_edit_program_is_the_edit():
    """`edit_program`'s @edit evaluates to the editor applied to the nested-autograd features (float64)."""
    model = siren(2, 16, 2, 3, seed=4, dtype=torch.float64)
    editor = _editor(30).double()
    x = torch.rand(8, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64) * 2 - 1
    module = edit_program(model, editor, x, order=3, scale=1 / 189, first=30)
    from inrarch.passes.inr_autodiff import InrAutodiffPass
    from inrarch.context import make_context

    InrAutodiffPass().apply(make_context(), module)
    (ours,) = evaluate(module, x, func="edit")
    ref = edit_reference(model, editor, x, 3, scale=1 / 189, first=30).numpy()
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_edit_program_rejects_an_editor_of_the_wrong_width():
    model = siren(2, 8, 1, 3, seed=0)
    with pytest.raises(CompileError):
        edit_program(model, _editor(12), torch.zeros(8, 2), order=1, first=9)


def test_composed_design_matches_pytorch():
    """editor o features o INR compiled to one dataflow design: a SIREN 2 -> 16 x 2 -> 3, its first 30 INSP outputs
    through order 3 (45 would be all) scaled by 1/189, and an editor 30 -> 16 -> 16 -> 3. The design has no
    derivative outputs, only the editor's three: the features stay inside. Its C-simulation (fp32; sequential,
    and threaded with the printed FIFO depths) matches the same networks in PyTorch float64 to 1e-4 of the largest
    value; the timed C-simulation takes exactly the cycles the model gives."""
    model = siren(2, 16, 2, 3, seed=6)
    editor = _editor(30, seed=7)
    x = torch.rand(16, 2, generator=torch.Generator().manual_seed(8)) * 2 - 1
    design = inrarch.compile(model, x, order=3, scale=1 / 189, first=30, editor=editor, dsp=400)
    assert design.outputs == ["edit0", "edit1", "edit2"]
    kinds = design.report["kernels"]
    assert kinds.get("matvec", 0) >= 5  # the INR's layers and the editor's, in one graph
    ref = edit_reference(model, editor, x, 3, scale=1 / 189, first=30).numpy()
    design.build_modes(["sequential", "threaded", "timed"])
    xs = torch.cat([x, x.flip(0)])  # two calls
    refs = np.concatenate([ref, ref[::-1]])
    for threaded in (False, True):
        out = np.stack(design.csim(xs, threaded=threaded), axis=1)
        assert np.abs(out - refs).max() <= 1e-4 * np.abs(refs).max()
    timed = design.timed_csim(x)
    assert timed.cycles == design.report["modeled_cycles"]
    # The DSP bound counts the editor's multiply-adds too: INR layers over their Taylor coefficients, plus
    # 30*16 + 16*16 + 16*3 = 784 per sample for the editor.
    assert design.report["matmul_macs_per_sample"] > 784


def test_psnr_arithmetic():
    """PSNR = 10 log10(1 / MSE) for values in [0, 1]: an error of 0.1 everywhere is 20 dB; the image is clipped to
    [0, 1] first, as when it is shown."""
    target = np.full((4, 4, 3), 0.5)
    assert edit.psnr(target + 0.1, target) == pytest.approx(20.0)
    assert edit.psnr(np.full((4, 4, 3), 1.7), np.ones((4, 4, 3))) == float("inf")


def test_images_and_targets():
    img = edit.load_image("coins")  # grey, repeated over three channels
    assert img.shape == (edit.SIZE, edit.SIZE, 3) and 0 <= img.min() and img.max() <= 1
    np.testing.assert_array_equal(img[:, :, 0], img[:, :, 2])
    assert edit.load_image("grace_hopper").shape == (edit.SIZE, edit.SIZE, 3)
    noisy = edit.task_input("denoise", img, "coins")
    assert abs(np.std(noisy - img) - 25 / 255) < 0.01  # sigma 25/255, not clipped
    np.testing.assert_array_equal(noisy, edit.task_input("denoise", img, "coins"))  # reproducible
    assert edit.task_target("denoise", img) is img
    blurred = edit.task_target("blur", img)
    assert blurred.shape == img.shape and np.std(blurred) < np.std(img)
    edges = edit.task_target("edges", np.pad(np.ones((8, 4, 3)), ((0, 0), (0, 4), (0, 0))))
    assert edges[:, :2].max() == 0 and edges[:, 3:5].min() > 0  # a vertical step: edges along it only
    with pytest.raises(ValueError, match="unknown image"):
        edit.load_image("nonexistent")


def test_editor_standardisation_is_folded_into_its_first_layer():
    """train_editor standardises the features for training and folds (mean, deviation) into the first layer: with
    no training steps the result is the freshly initialised editor applied to the standardised features."""
    rng = np.random.default_rng(0)
    feats = rng.normal(3.0, 1e-3, (64, 5)) * np.array([1, 10, 100, 1e-3, 1e3])
    targets = rng.normal(size=(64, 3))
    folded = edit.train_editor(feats, targets, steps=0, progress=False, seed=11)
    torch.manual_seed(11)
    plain = edit.make_editor(5)
    f = torch.tensor(feats, dtype=torch.float32)
    z = (f - f.mean(0)) / f.std(0)
    with torch.no_grad():
        np.testing.assert_allclose(folded(f.double().float()).numpy(), plain(z).numpy(), rtol=0, atol=2e-4)


def test_edit_output_folder_keeps_user_files(tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep")
    with pytest.raises(CompileError, match="holds files inrarch did not write"):
        edit.check_output(str(user))
    assert (user / "notes.txt").read_text() == "keep"
    # An earlier edit output needs force; a file of an output's name that inrarch did not write stops the write.
    out = tmp_path / "out"
    edit.check_output(str(out))
    assert edit.check_output(str(tmp_path / "new" / "nested")) == str(tmp_path / "new" / "nested")
    out.mkdir()
    (out / edit.MARKER).write_text("# written by inrarch\n")
    with pytest.raises(CompileError, match="pass --force"):
        edit.check_output(str(out))
    assert edit.check_output(str(out), force=True) == str(out)
    (out / "denoise-cat.png").write_text("user picture")
    size = edit.SIZE
    zeros = np.zeros((size, size, 3))
    result = edit.EditResult("denoise", "cat", zeros, zeros, zeros, zeros, zeros, zeros,
                             {"modeled_cycles": 1, "modeled_latency_ms": 1.0, "dsp_bound_ms": 1.0,
                              "latency_over_dsp_bound": 1.0, "dsp": 1, "bram36": 1, "samples": 64}, 1)  # fmt: skip
    with pytest.raises(CompileError, match="exists and inrarch did not write it"):
        edit.write_edit(result, str(out))
    assert (out / "denoise-cat.png").read_text() == "user picture"
    os.remove(out / "denoise-cat.png")
    paths = edit.write_edit(result, str(out))
    assert len(paths) == 6 and json.load(open(out / "denoise-cat.json"))["task"] == "denoise"
    edit.write_edit(result, str(out))  # its own files again: fine
    # A listed picture replaced by a link to a file outside: refused before anything is written, nothing written
    # through the link.
    target = tmp_path / "elsewhere.png"
    target.write_text("the user's")
    os.remove(out / "denoise-cat-chip.png")
    os.symlink(target, out / "denoise-cat-chip.png")
    before = (out / "denoise-cat.json").read_bytes()
    with pytest.raises(CompileError, match="denoise-cat-chip.png: it is a link, a folder or a special file"):
        edit.write_edit(result, str(out))
    assert target.read_text() == "the user's" and (out / "denoise-cat.json").read_bytes() == before


def test_energy_and_edp_reproduce_the_seeds_published_table():
    """energy = power x latency, EDP = energy x latency: INR-Arch's own table (../benchmark) is reproduced from its
    latency and power columns to its printed precision (e.g. FPGA order 1: 30 W x 1.8284 ms = 54.85 mJ,
    x 1.8284 ms = 0.100 ms*J)."""
    from inrarch.apps.seed_bench import INR_ARCH
    from inrarch.analysis.power import edp_ms_j, energy_mj

    for figures in INR_ARCH.values():
        for i in range(2):
            latency, power = figures["latency_ms"][i], figures["power_w"][i]
            assert energy_mj(power, latency) == pytest.approx(figures["energy_mj"][i], abs=0.6)
            assert edp_ms_j(power, latency) == pytest.approx(figures["edp_ms_j"][i], abs=0.0006)


def test_power_model_arithmetic():
    """Static and shell power plus per-resource dynamic power, linear in the clock: 1,000 DSP x 2.5 mW + 100 BRAM36
    x 5.5 mW + 10,000 LUT x 15 uW + 10,000 FF x 5 uW = 2.5 + 0.55 + 0.15 + 0.05 = 3.25 W dynamic at 300 MHz, on
    2.6 W static and 3.45 W shell; half the dynamic part at 150 MHz and in the low model; the high model takes the
    xbtest ceilings (6.6 mW per DSP, 29 mW per BRAM36) and twice the logic: 6.6 + 2.9 + 0.3 + 0.1 = 9.9 W."""
    from inrarch.analysis.power import NOMINAL, design_power

    report = {"dsp": 1000, "bram36": 100, "lut": 10_000, "ff": 10_000, "assumptions": {"clock_mhz": 300.0}}
    fixed = 2.6 + 3.45
    p = design_power(report)
    assert p["total_w"] == pytest.approx(fixed + 3.25)
    assert p["dsp_w"] == pytest.approx(2.5)
    slow = design_power({**report, "assumptions": {"clock_mhz": 150.0}})
    assert slow["total_w"] == pytest.approx(fixed + 3.25 / 2)
    assert design_power(report, NOMINAL.low())["total_w"] == pytest.approx(fixed + 3.25 / 2)
    assert design_power(report, NOMINAL.high())["total_w"] == pytest.approx(fixed + 9.9)


def test_app_features_and_pytorch_edit_match_nested_autograd():
    """The app's features (inrarch.taylor_module, float64) per order against INSP-Net's nested autograd, and the
    app's PyTorch edit (editor over those features) against edit_reference (editor over nested-autograd features)."""
    model = siren(2, 16, 2, 3, seed=3)
    editor = edit.make_editor(65, hidden=16, layers=2)
    x = torch.rand(40, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    ours = edit.features(model, x)
    ref = np.stack([r.numpy() for r in insp_derivatives(model.double(), x.double(), 4, scale=1 / 189, first=65)], 1)
    orders = [0] * 3 + [1] * 6 + [2] * 12 + [3] * 24 + [4] * 20
    for k in range(5):
        idx = [i for i, o in enumerate(orders) if o == k]
        assert np.abs(ours[:, idx] - ref[:, idx]).max() <= 1e-10 * np.abs(ref[:, idx]).max(), k
    got = edit.edit_pytorch(model.float(), editor, x)
    expected = edit_reference(model.float(), editor, x, 4, scale=1 / 189, first=65).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10 * np.abs(expected).max())


def test_shipped_editor_serves_only_its_key(tmp_path, monkeypatch):
    """write_shipped_editor writes weights and key; editor_for takes them when the cache misses and the key
    matches, and trains otherwise (here: a different step count, so a different key)."""
    monkeypatch.setenv("INRARCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(edit, "EDITORS_DIR", str(tmp_path / "editors"))
    trained = edit.make_editor()
    monkeypatch.setattr(edit, "train_editor", lambda *a, **k: trained)
    monkeypatch.setattr(edit, "inr_features", lambda name, task, progress=True: np.zeros((edit.SIZE**2, 65)))
    paths = edit.write_shipped_editor("denoise", str(tmp_path / "editors"), "inrarch train-editor --task denoise",
                                      progress=False, log=lambda _: None)  # fmt: skip
    assert [os.path.basename(p) for p in paths] == ["denoise-editor.pt", "denoise-editor.json"]
    for f in os.listdir(tmp_path / "cache"):
        os.remove(tmp_path / "cache" / f)  # a fresh machine: only the shipped editor
    lines = []
    monkeypatch.setattr(edit, "train_editor", lambda *a, **k: pytest.fail("trained although an editor ships"))
    got = edit.editor_for("denoise", progress=False, log=lines.append)
    assert "shipped with inrarch" in lines[0] and "made by `inrarch train-editor --task denoise`" in lines[0]
    for a, b in zip(got.state_dict().values(), trained.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(pytest.fail.Exception, match="trained although an editor ships"):
        edit.editor_for("denoise", steps=edit.EDITOR_STEPS + 1, progress=False, log=lines.append)

"""Fitting the benchmark SIREN to an image (the demo's INR, and the INRs `inrarch.apps.edit` trains and edits)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def pixel_coordinates(size: int):
    import torch

    axis = torch.linspace(-1, 1, size)
    return torch.stack(torch.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)


def fit_siren(image: np.ndarray, steps: int, log: Callable[[str], None], seed: int = 0, bar: str | None = None):
    """The benchmark SIREN fitted to `image` (values 2 * pixel - 1; full-batch Adam, lr 1e-4). Progress goes to `log`
    every 50 steps, or, with `bar`, to a tqdm progress bar of that title."""
    import torch
    from tqdm import tqdm

    from inrarch.apps import models

    size = image.shape[0]
    model = models.benchmark_siren(seed=seed)
    coords = pixel_coordinates(size)
    target = torch.tensor(image.reshape(-1, 3) * 2 - 1, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    progress = tqdm(range(1, steps + 1), desc=bar, disable=bar is None, leave=False)
    for step in progress:
        optimizer.zero_grad()
        loss = ((model(coords) - target) ** 2).mean()
        loss.backward()
        optimizer.step()
        psnr = 10 * np.log10(4.0 / loss.item())
        if bar is not None:
            progress.set_postfix(psnr=f"{psnr:.1f} dB", refresh=False)
        elif step % 50 == 0 or step == steps:
            log(f"      fitting: step {step}/{steps}, PSNR {psnr:.1f} dB")
    return model

"""Plotting helpers: the book's figure style, sample clouds with density contours, image
grids, loss curves, and tables of measured numbers.

Each plot helper takes an optional matplotlib ``ax`` and returns it, so chapters can compose
figures. Tests: tests/test_data_metrics.py.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ganlib.metrics import as_numpy


def book_style() -> None:
    """The book's figure style, set once at the top of a chapter.

    Figures are drawn at twice the pixel density they are shown at ("retina" PNG), so they are
    sharp on high-resolution screens, with one set of font sizes for every chapter.
    """
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except ImportError:  # outside Jupyter: nothing to configure
        pass
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 150, "font.size": 10, "axes.titlesize": 11,
        "axes.labelsize": 10, "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9,
        "legend.framealpha": 0.9,
    })


def samples(fake, real=None, centers=None, ax=None, title: str | None = None,
            contours: bool = True, lim: float | None = None):
    """Scatter 2-D generated samples (and real ones, grey), with density contours of ``fake``.

    Contours come from :func:`density`; ``centers`` marks mixture modes.
    """
    ax = ax or plt.subplots(figsize=(4, 4))[1]
    fake = as_numpy(fake)
    if real is not None:
        r = as_numpy(real)
        ax.scatter(r[:, 0], r[:, 1], s=2, c="0.7", label="data", rasterized=True)
    ax.scatter(fake[:, 0], fake[:, 1], s=2, c="C0", alpha=0.5, label="generated",
               rasterized=True)
    if lim is None:
        shown = fake if real is None else np.concatenate([fake, as_numpy(real)])
        lim = float(np.abs(shown).max()) * 1.1 if np.isfinite(shown).all() else 5.0
    if contours and len(fake) > 10 and np.isfinite(fake).all():
        gx, gy, dens = density(fake[:1000], lim)
        if dens.max() > 0:  # zero when every sample lies far outside the shown square
            levels = dens.max() * np.array([0.05, 0.2, 0.5, 0.8])  # strictly inside the range
            ax.contour(gx, gy, dens, levels=levels, colors="C0", linewidths=0.7)
    if centers is not None:
        c = as_numpy(centers)
        ax.scatter(c[:, 0], c[:, 1], marker="x", c="k", s=30, label="modes")
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", title=title)
    return ax


def density(points: np.ndarray, lim: float, cells: int = 80):
    """Gaussian kernel density of 2-D ``points`` on a cells x cells grid over [-lim, lim]^2.

    The bandwidth is 1.5 grid cells, fixed relative to the plot rather than to the data's
    spread, so tight clusters show as tight contours. Returns (grid_x, grid_y, density).
    """
    axis = np.linspace(-lim, lim, cells)
    gx, gy = np.meshgrid(axis, axis)
    h = 1.5 * (axis[1] - axis[0])
    dx = (axis[:, None] - points[None, :, 0]) / h  # (cells, N)
    dy = (axis[:, None] - points[None, :, 1]) / h
    dens = np.exp(-0.5 * dy**2) @ np.exp(-0.5 * dx**2).T  # separable kernel: (y, x)
    return gx, gy, dens / (len(points) * 2 * np.pi * h**2)


def markdown_table(header: list[str], rows: list[list]) -> None:
    """Show a table of measured numbers in a notebook, rendered as Markdown."""
    from IPython.display import Markdown, display

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    display(Markdown("\n".join(lines + ["| " + " | ".join(map(str, r)) + " |" for r in rows])))


def image_grid(images, nrow: int = 10, ax=None, title: str | None = None, side: int = 8):
    """Show (N, side*side) images in [-1, 1] as a grid with ``nrow`` images per row."""
    ax = ax or plt.subplots(figsize=(5, 5))[1]
    x = as_numpy(images).reshape(-1, side, side)
    ncol = int(np.ceil(len(x) / nrow))
    canvas = np.full((ncol * (side + 1) + 1, nrow * (side + 1) + 1), -1.0)
    for i, img in enumerate(x):
        top, left = (side + 1) * np.array(divmod(i, nrow)) + 1
        canvas[top:top + side, left:left + side] = img
    ax.imshow(canvas, cmap="gray_r", vmin=-1, vmax=1)
    ax.set(xticks=[], yticks=[], title=title)
    return ax


def loss_curves(history, ax=None, title: str | None = None, smooth: int = 25):
    """D's and G's losses against the step, smoothed by a moving average of ``smooth`` steps."""
    ax = ax or plt.subplots(figsize=(6, 3))[1]
    for name in ("d_loss", "g_loss"):
        y = np.asarray(getattr(history, name), dtype=float)
        k = max(1, min(smooth, len(y)))
        ax.plot(history.step[k - 1:], np.convolve(y, np.ones(k) / k, mode="valid"), label=name)
    ax.set(xlabel="generator step", ylabel="loss", title=title)
    ax.legend()
    return ax

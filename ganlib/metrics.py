"""Sample-quality metrics for the datasets in :mod:`ganlib.data`.

Mixtures (ring, grid), as VEEGAN (Srivastava et al., 2017) and PacGAN (Lin et al., 2018)
define them, from 2,500 generated samples:
- a sample is *high quality* when it lies within 3 std of its nearest mode;
- a mode is *captured* when it is the nearest mode of at least one high-quality sample;
- ``kl`` is KL(p_hat || uniform) between the histogram of the high-quality samples over the
  modes and the uniform one: 0 for perfect balance, log K for a single mode. With no
  high-quality sample at all it is reported as log K.
Between distributions: KL, JS and total variation of discrete distributions (disjoint
supports allowed); W1 exactly in 1-D, exactly between equal-size samples in any dimension,
and sliced Wasserstein for large samples.
"""

from __future__ import annotations

import math

import numpy as np
import torch

MIXTURE_SAMPLES = 2500


def _numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def mixture_metrics(samples, centers, std: float, n_std: float = 3.0) -> dict:
    """Modes captured, high-quality fraction and mode-histogram KL of ``samples`` (N, d).

    Returns ``{"modes": int, "high_quality": float in [0, 1], "kl": float}``.
    """
    x, c = _numpy(samples), _numpy(centers)
    if x.ndim != 2 or x.shape[1] != c.shape[1]:
        raise ValueError(f"samples must be (N, {c.shape[1]}), got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("samples contain NaN or inf; the generator has diverged")
    dist = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=2)
    nearest, nearest_dist = dist.argmin(1), dist.min(1)
    good = nearest_dist <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(c))
    k = len(c)
    if good.sum() == 0:
        kl = math.log(k)
    else:
        p = counts / counts.sum()
        kl = float(np.sum(p[p > 0] * np.log(p[p > 0] * k)))
    return {"modes": int((counts > 0).sum()), "high_quality": float(good.mean()), "kl": kl}


def discrete_divergences(p, q) -> dict:
    """KL(p||q), KL(q||p), JS(p, q) and TV(p, q) of two discrete distributions, in nats.

    KL(p||q) = sum p log(p/q)  (infinite when q = 0 where p > 0)
    JS(p, q) = 1/2 KL(p||m) + 1/2 KL(q||m),  m = (p + q)/2   (at most log 2)
    TV(p, q) = 1/2 sum |p - q|   (at most 1)
    Both inputs are normalised to sum to one; zeros are allowed anywhere.
    """
    p, q = _numpy(p).ravel(), _numpy(q).ravel()
    if p.shape != q.shape or (p < 0).any() or (q < 0).any() or p.sum() <= 0 or q.sum() <= 0:
        raise ValueError("p and q must be non-negative arrays of one shape, each with mass")
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a, b):
        if ((a > 0) & (b == 0)).any():
            return math.inf
        mask = a > 0
        return float(np.sum(a[mask] * np.log(a[mask] / b[mask])))

    return {"kl": kl(p, q), "reverse_kl": kl(q, p), "js": 0.5 * kl(p, m) + 0.5 * kl(q, m),
            "tv": 0.5 * float(np.abs(p - q).sum())}


def wasserstein_exact(x, y) -> float:
    """Exact W1 between two equal-size samples (N, d), by optimal matching.

    For uniform weights the optimal transport plan is a permutation (Birkhoff), found here by
    the Hungarian algorithm: O(N^3), so keep N to a few hundred.
    """
    from scipy.optimize import linear_sum_assignment

    x, y = _numpy(x), _numpy(y)
    if x.ndim != 2 or x.shape != y.shape:
        raise ValueError(f"need two (N, d) samples of the same shape, got {x.shape}, {y.shape}")
    cost = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def wasserstein_1d(x, y) -> float:
    """Exact W1 between two 1-D empirical distributions: integral of |F_x(t) - F_y(t)| dt."""
    x, y = np.sort(_numpy(x).ravel()), np.sort(_numpy(y).ravel())
    if x.size == 0 or y.size == 0:
        raise ValueError("both samples must be non-empty")
    t = np.concatenate([x, y])
    t.sort()
    fx = np.searchsorted(x, t[:-1], side="right") / x.size
    fy = np.searchsorted(y, t[:-1], side="right") / y.size
    return float(np.sum(np.abs(fx - fy) * np.diff(t)))


def sliced_wasserstein(x, y, projections: int = 256, seed: int = 0) -> float:
    """Sliced W1 (Rabin et al., 2011): mean over random unit directions u of W1(u.x, u.y).

    ``x`` and ``y`` are (N, d) and (M, d); the directions come from their own seeded
    generator, so the value does not disturb (or depend on) torch's global random state.
    """
    x, y = _numpy(x), _numpy(y)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"need (N, d) and (M, d) arrays, got {x.shape} and {y.shape}")
    u = np.random.default_rng(seed).standard_normal((x.shape[1], projections))
    u /= np.linalg.norm(u, axis=0, keepdims=True)
    px, py = x @ u, y @ u
    if len(px) == len(py):
        return float(np.abs(np.sort(px, 0) - np.sort(py, 0)).mean())
    return float(np.mean([wasserstein_1d(px[:, i], py[:, i]) for i in range(projections)]))


def evaluate(data, samples) -> dict:
    """The dataset's own metrics for generated ``samples``.

    Mixtures: ``modes``, ``high_quality``, ``kl``. Other datasets: ``sliced_w`` against as
    many real samples (drawn with a fixed seed, without touching the global random state).
    """
    if hasattr(data, "centers"):
        return mixture_metrics(samples, data.centers, data.std)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(12345)
        real = data.to("cpu").sample(len(samples))
    return {"sliced_w": sliced_wasserstein(samples, real)}

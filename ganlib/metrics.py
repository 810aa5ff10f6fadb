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
exactly between weighted samples of any sizes (POT), and sliced Wasserstein for large
samples; the Lipschitz constant of a function known on a set of points.
"""

from __future__ import annotations

import math

import numpy as np
import torch

MIXTURE_SAMPLES = 2500


def as_numpy(x) -> np.ndarray:
    """A tensor, array or list as a float64 NumPy array (on the CPU, without gradients)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def mixture_metrics(samples, centers, std: float, n_std: float = 3.0) -> dict:
    """Modes captured, high-quality fraction and mode-histogram KL of ``samples`` (N, d).

    Returns ``{"modes": int, "high_quality": float in [0, 1], "kl": float}``.

    Chapter 1, "Training both losses on the ring"; test:
    tests/test_data_metrics.py::test_perfect_samples_score_perfectly.
    """
    x, c = as_numpy(samples), as_numpy(centers)
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

    Chapter 1, "The value at the optimum is Jensen-Shannon"; chapter 2, "Disjoint supports";
    test: tests/test_data_metrics.py::test_discrete_divergences.
    """
    p, q = as_numpy(p).ravel(), as_numpy(q).ravel()
    if not (np.isfinite(p).all() and np.isfinite(q).all()):
        raise ValueError("p and q must be finite: they contain NaN or inf")
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

    Chapter 2, "Computing them from samples"; test:
    tests/test_data_metrics.py::test_wasserstein_exact.
    """
    from scipy.optimize import linear_sum_assignment

    x, y = as_numpy(x), as_numpy(y)
    if x.ndim != 2 or x.shape != y.shape:
        raise ValueError(f"need two (N, d) samples of the same shape, got {x.shape}, {y.shape}")
    cost = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def wasserstein_1d(x, y) -> float:
    """Exact W1 between two 1-D empirical distributions: integral of |F_x(t) - F_y(t)| dt.

    Chapter 2, "Computing them from samples"; test:
    tests/test_data_metrics.py::test_wasserstein_1d_against_scipy.
    """
    x, y = np.sort(as_numpy(x).ravel()), np.sort(as_numpy(y).ravel())
    if x.size == 0 or y.size == 0:
        raise ValueError("both samples must be non-empty")
    t = np.concatenate([x, y])
    t.sort()
    fx = np.searchsorted(x, t[:-1], side="right") / x.size
    fy = np.searchsorted(y, t[:-1], side="right") / y.size
    return float(np.sum(np.abs(fx - fy) * np.diff(t)))


def _weights(w, n: int, what: str) -> np.ndarray:
    """n weights: uniform if ``w`` is None, else ``w`` checked and normalised to sum to 1."""
    if w is None:
        return np.full(n, 1.0 / n)
    w = as_numpy(w).ravel()
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"{what} must be {n} finite non-negative weights with a positive "
                         f"sum, got shape {w.shape}")
    return w / w.sum()


def wasserstein_ot(x, y, a=None, b=None, max_iter: int = 10_000_000) -> float:
    """Exact W1 between two weighted samples (N, d) and (M, d), by linear programming.

    W1 = min_gamma sum_ij gamma_ij ||x_i - y_j||_2  over gamma >= 0 with row sums a and
    column sums b (Kantorovich's transport problem; the earth mover's distance of Rubner et
    al., 2000). ``a`` and ``b`` are the weights of the points (non-negative; each is divided
    by its sum; default uniform), so the samples may differ in size. Solved exactly by the network
    simplex of POT (Flamary et al., 2021, ``ot.emd2``): a few thousand points per side take
    about a second. POT is imported on first use. A solve that stops before optimality (after
    ``max_iter`` simplex iterations, or for any other reason POT reports) raises RuntimeError
    instead of returning the cost of a plan that is not optimal.

    Chapter 5, "Kantorovich-Rubinstein duality" and "The critic on the ring"; test:
    tests/test_wasserstein.py::test_wasserstein_ot.
    """
    import warnings

    import ot

    x, y = as_numpy(x), as_numpy(y)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1] or not len(x) or not len(y):
        raise ValueError(f"need non-empty (N, d) and (M, d) arrays, got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("samples contain NaN or inf")
    from scipy.spatial.distance import cdist

    a, b = _weights(a, len(x), "a"), _weights(b, len(y), "b")
    with warnings.catch_warnings():  # POT warns and returns; we raise instead
        warnings.simplefilter("ignore", UserWarning)
        cost, log = ot.emd2(a, b, cdist(x, y), numItermax=max_iter, log=True)
    if log["result_code"] != 1:  # 1 is POT's OPTIMAL
        raise RuntimeError(f"POT's network simplex stopped before optimality (result code "
                           f"{log['result_code']}: {log['warning']}); raise max_iter "
                           f"(now {max_iter:,})")
    return float(cost)


def lipschitz_constant(points, values) -> float:
    """The Lipschitz constant of a function known on a finite set of points.

    L = max_{i != j} |f(x_i) - f(x_j)| / ||x_i - x_j||_2   over all pairs of points (N, d),

    with 0 / 0 = 0, so a point may appear more than once with the same value. A point that
    appears with two different values is not the graph of a function, and no finite constant
    fits it: the result is then ``math.inf``.

    Divide a critic's values by L and the critic is 1-Lipschitz on these points, so by the
    Kantorovich-Rubinstein duality (chapter 5) (mean f over P's points - mean f over Q's) / L
    is a lower bound on W1 between the two samples. In one dimension the maximum is taken
    over neighbours in sorted order only, which is exact: the slope between two far points is
    a weighted average of the slopes between the neighbours in between. In more dimensions
    every pair is compared, in blocks: O(N^2) time. Pass values computed in float64: float32
    rounding makes the slope between two close points meaningless.

    Chapter 5, "The critic as a $W_1$ estimator"; test:
    tests/test_wasserstein.py::test_lipschitz_constant.
    """
    x, f = as_numpy(points), as_numpy(values).ravel()
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) != len(f) or len(x) < 2:
        raise ValueError(f"need (N, d) points and N values with N >= 2, got {x.shape} and "
                         f"{f.shape}")
    if not (np.isfinite(x).all() and np.isfinite(f).all()):
        raise ValueError("points or values contain NaN or inf")
    if x.shape[1] == 1:  # group repeated points; each group must have one value
        order = np.argsort(x[:, 0], kind="stable")
        xs, fs = x[order, 0], f[order]
        u, start = np.unique(xs, return_index=True)
        if len(u) < 2:
            return math.inf if fs.max() > fs.min() else 0.0
        lo, hi = np.minimum.reduceat(fs, start), np.maximum.reduceat(fs, start)
        if (hi > lo).any():  # one point, two values
            return math.inf
        return float((np.abs(np.diff(lo)) / np.diff(u)).max())
    from scipy.spatial.distance import cdist

    best = 0.0
    for start in range(0, len(x), 1024):
        block = slice(start, start + 1024)
        dist = cdist(x[block], x)
        diff = np.abs(f[block, None] - f[None, :])
        distinct = dist > 0
        if (diff[~distinct] > 0).any():  # one point, two values
            return math.inf
        if distinct.any():
            best = max(best, float((diff[distinct] / dist[distinct]).max()))
    return best


def sliced_wasserstein(x, y, projections: int = 256, seed: int = 0) -> float:
    """Sliced W1 (Rabin et al., 2011): mean over random unit directions u of W1(u.x, u.y).

    ``x`` and ``y`` are (N, d) and (M, d); the directions come from their own seeded
    generator, so the value does not disturb (or depend on) torch's global random state.

    Chapter 11 (in preparation); test: tests/test_data_metrics.py::test_sliced_wasserstein.
    """
    x, y = as_numpy(x), as_numpy(y)
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

    Chapter 1, "Training both losses on the ring"; test:
    tests/test_data_metrics.py::test_evaluate_dispatches_on_the_dataset.
    """
    if hasattr(data, "centers"):
        return mixture_metrics(samples, data.centers, data.std)
    real = data.to("cpu").sample(len(samples), torch.Generator().manual_seed(12345))
    return {"sliced_w": sliced_wasserstein(samples, real)}

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
Digits (chapter 8): a small classifier of the 8x8 digits, shipped in
ganlib/results/digits-classifier.json, scores generated images: the accuracy of the intended
class, the Frechet distance in the classifier's feature space (overall and per class), class
coverage and the spread within classes (:func:`digits_metrics`).
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import math
from pathlib import Path

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

    The digits' default metric in ``evaluate`` (chapter 11's study records it for digits);
    test: tests/test_data_metrics.py::test_sliced_wasserstein.
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
    For digits, :func:`digits_metrics` gives the classifier-based metrics of chapter 8.

    Chapter 1, "Training both losses on the ring"; test:
    tests/test_data_metrics.py::test_evaluate_dispatches_on_the_dataset.
    """
    if hasattr(data, "centers"):
        return mixture_metrics(samples, data.centers, data.std)
    real = data.to("cpu").sample(len(samples), torch.Generator().manual_seed(12345))
    return {"sliced_w": sliced_wasserstein(samples, real)}


# ------------------------------------------------------------------------ digits

DIGITS_CLASSIFIER = Path(__file__).with_name("results") / "digits-classifier.json"
DIGITS_FEATURES = 32  # width of the classifier's feature layer, where Frechet distances live


class DigitsClassifier(torch.nn.Module):
    """An MLP for 8x8 digits in [-1, 1]: 64 -> 64 -> 32 (the features, ReLU) -> 10 logits."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.body = nn.Sequential(nn.Linear(64, 64), nn.ReLU(),
                                  nn.Linear(64, DIGITS_FEATURES), nn.ReLU())
        self.head = nn.Linear(DIGITS_FEATURES, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def digits_split(held_out: float = 0.3, seed: int = 0) -> np.ndarray:
    """A boolean mask over scikit-learn's 1,797 digits: True for the held-out images.

    Stratified: ``held_out`` of each class, chosen by a NumPy permutation with ``seed``.
    """
    from ganlib.data import Digits

    labels = Digits().labels.numpy()
    rng, mask = np.random.RandomState(seed), np.zeros(len(labels), bool)
    for k in range(10):
        idx = np.flatnonzero(labels == k)
        rng.shuffle(idx)
        mask[idx[:int(round(held_out * len(idx)))]] = True
    return mask


def train_digits_classifier(steps: int = 1500, seed: int = 0) -> tuple[DigitsClassifier, dict]:
    """Train :class:`DigitsClassifier` on 70% of the digits; return it and a report.

    Full-batch AdamW (learning rate 3e-3, weight decay 1e-2) on the cross-entropy, with
    Gaussian noise of std 0.1 added to the training images at every step (so that slightly
    imperfect images are still read); initialisation and noise come from generators seeded
    with ``seed``, and the global random state is left alone. The report holds the held-out
    accuracy on the other 30% (:func:`digits_split`). Under a minute on one CPU core.

    Chapter 8, "A metric for digits"; test:
    tests/test_digits_metric.py::test_the_shipped_classifier_is_accurate_and_documented.
    """
    from ganlib.data import Digits

    digits, held = Digits(), torch.tensor(digits_split())
    x, y = digits.images, digits.labels
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = DigitsClassifier()
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-2)
    noise = torch.Generator().manual_seed(seed + 1)
    x_train, y_train = x[~held], y[~held]
    for _ in range(steps):
        logits = net(x_train + 0.1 * torch.randn(x_train.shape, generator=noise))
        loss = torch.nn.functional.cross_entropy(logits, y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        accuracy = (net(x[held]).argmax(1) == y[held]).float().mean().item()
    return net, {"held_out_accuracy": round(accuracy, 4), "held_out_images": int(held.sum()),
                 "train_images": int((~held).sum()), "steps": steps, "seed": seed}


def save_digits_classifier(path=DIGITS_CLASSIFIER) -> dict:
    """Train the digits classifier and write it, with its report, as JSON to ``path``.

    The weights are float32, little-endian, base64-encoded, one entry per tensor; the file
    also records the command, the date, the machine and the held-out accuracy. What
    ``python -m ganlib digits-classifier`` runs.
    """
    from ganlib import recorded

    net, report = train_digits_classifier()
    weights = {k: {"shape": list(v.shape),
                   "float32": base64.b64encode(v.detach().float().numpy().astype("<f4")
                                               .tobytes()).decode()}
               for k, v in net.state_dict().items()}
    out = {"what": "ganlib.metrics.DigitsClassifier, 64-64-32-10 MLP on scikit-learn's 8x8 "
                   "digits scaled to [-1, 1]",
           "command": "python -m ganlib digits-classifier", "date":
           datetime.date.today().isoformat(), "machine": recorded.machine(), **report,
           "weights": weights}
    Path(path).write_text(json.dumps(out, indent=1) + "\n")
    digits_classifier.cache_clear()
    return out


@functools.lru_cache(maxsize=1)
def digits_classifier() -> DigitsClassifier:
    """The shipped digits classifier (ganlib/results/digits-classifier.json), in eval mode."""
    if not DIGITS_CLASSIFIER.exists():
        raise ValueError(f"{DIGITS_CLASSIFIER} is missing; run: python -m ganlib "
                         "digits-classifier")
    saved = json.loads(DIGITS_CLASSIFIER.read_text())["weights"]
    state = {k: torch.from_numpy(np.frombuffer(base64.b64decode(v["float32"]), dtype="<f4")
                                 .reshape(v["shape"]).copy()) for k, v in saved.items()}
    net = DigitsClassifier()
    net.load_state_dict(state)
    return net.eval()


def _digits_input(images) -> torch.Tensor:
    x = torch.as_tensor(as_numpy(images), dtype=torch.float32)
    if x.dim() != 2 or x.shape[1] != 64:
        raise ValueError(f"digits must be (N, 64) images in [-1, 1], got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("images contain NaN or inf; the generator has diverged")
    return x


def digits_features(images) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's features (N, 32) and class probabilities (N, 10), float64."""
    net = digits_classifier()
    with torch.no_grad():
        h = net.features(_digits_input(images))
        return h.double().numpy(), torch.softmax(net.head(h), 1).double().numpy()


def frechet_distance(a, b) -> float:
    """The Frechet distance between Gaussians fitted to two samples (N, d) and (M, d).

    FD = ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)

    (Dowson & Landau, 1982; the FID of Heusel et al., 2017, computes it in Inception's
    features). The squared 2-Wasserstein distance between N(mu_a, S_a) and N(mu_b, S_b); the
    trace of the matrix square root is taken from the eigenvalues of the symmetric
    S_a^1/2 S_b S_a^1/2, so it is real and exact up to rounding. Covariances use N - 1.

    Chapter 8, "A metric for digits"; test:
    tests/test_digits_metric.py::test_frechet_distance_of_gaussians.
    """
    a, b = as_numpy(a), as_numpy(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or len(a) < 2 or len(b) < 2:
        raise ValueError(f"need (N, d) and (M, d) samples with N, M >= 2, got {a.shape} "
                         f"and {b.shape}")
    mu = a.mean(0) - b.mean(0)
    s_a, s_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    middle = np.linalg.eigvalsh(root_a @ s_b @ root_a)
    value = mu @ mu + np.trace(s_a) + np.trace(s_b) - 2 * np.sqrt(np.clip(middle, 0, None)).sum()
    return float(max(value, 0.0))


@functools.lru_cache(maxsize=1)
def _real_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from ganlib.data import Digits

    digits = Digits()
    features, probs = digits_features(digits.images)
    return features, probs, digits.labels.numpy()


def digits_metrics(samples, labels=None, min_share: float = 0.02) -> dict:
    """Classifier-based metrics of generated digits (N, 64) in [-1, 1].

    With f the shipped classifier's 32 features and p its class probabilities
    (:func:`digits_classifier`), and all 1,797 real digits as the reference:

    - ``accuracy`` (only when ``labels``, the intended classes (N,), are given): the share of
      samples the classifier assigns to their intended class.
    - ``fd``: :func:`frechet_distance` between the samples' features and the real digits'.
    - ``class_fd``: the mean over classes k of the Frechet distance between the samples of
      class k and the real digits of class k. A sample's class is its intended label when
      ``labels`` are given, else the classifier's prediction; classes with fewer than 2
      samples are left out of the mean (``coverage`` reports them).
    - ``coverage``: the share of the 10 classes that the classifier predicts for at least
      ``min_share`` of the samples (default 2%, a fifth of a class's share in balanced data).
    - ``class_kl``: KL(p_hat || uniform) of the histogram of predicted classes: 0 for
      balanced classes, log 10 = 2.30 for one class only.
    - ``confidence``: the mean over samples of the classifier's largest class probability.
    - ``spread``: the mean over classes of tr Cov(f | class k) of the samples divided by the
      same for the real digits: 1 when each class varies as much as the data's, below 1 when
      samples of a class are less diverse (classes grouped as for ``class_fd``).

    Chapter 8, "A metric for digits"; test:
    tests/test_digits_metric.py::test_the_metric_ranks_noise_and_collapse.
    """
    feats, probs = digits_features(samples)
    real_f, real_p, real_y = _real_digits()
    predicted = probs.argmax(1)
    out = {}
    if labels is not None:
        labels = as_numpy(labels).astype(int).ravel()
        if labels.shape != (len(feats),) or labels.min() < 0 or labels.max() > 9:
            raise ValueError(f"labels must be {len(feats)} classes in 0..9")
        out["accuracy"] = float((predicted == labels).mean())
    groups = predicted if labels is None else labels
    fds, spreads = [], []
    for k in range(10):
        mine, theirs = feats[groups == k], real_f[real_y == k]
        if len(mine) >= 2:
            fds.append(frechet_distance(mine, theirs))
            spreads.append(np.trace(np.cov(mine, rowvar=False))
                           / np.trace(np.cov(theirs, rowvar=False)))
    share = np.bincount(predicted, minlength=10) / len(predicted)
    out.update({
        "fd": frechet_distance(feats, real_f),
        "class_fd": float(np.mean(fds)) if fds else math.inf,
        "coverage": float((share >= min_share).mean()),
        "class_kl": float(np.sum(share[share > 0] * np.log(10 * share[share > 0]))),
        "confidence": float(probs.max(1).mean()),
        "spread": float(np.mean(spreads)) if spreads else 0.0,
    })
    return out

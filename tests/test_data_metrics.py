"""Datasets and metrics: shapes, scales and metric values on samples with known answers."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from ganlib import data, metrics


def test_ring_and_grid_geometry():
    ring = data.get("ring")
    assert ring.centers.shape == (8, 2) and ring.std == 0.02
    assert torch.allclose(ring.centers.norm(dim=1), torch.full((8,), 2.0))
    grid = data.get("grid")
    assert grid.centers.shape == (25, 2) and grid.std == 0.05
    assert set(grid.centers[:, 0].tolist()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    torch.manual_seed(0)
    x = ring.sample(20000)
    nearest = torch.cdist(x, ring.centers).min(1)
    assert x.shape == (20000, 2)
    assert (x - ring.centers[nearest.indices]).std().item() == pytest.approx(0.02, rel=0.03)


def test_spiral_and_digits():
    torch.manual_seed(0)
    s = data.get("spiral").sample(1000)
    assert s.shape == (1000, 2) and s.norm(dim=1).max() < 2.5
    d = data.get("digits")
    assert d.images.shape == (1797, 64) and d.images.min() == -1 and d.images.max() == 1
    x, y = d.sample_labeled(32)
    assert x.shape == (32, 64) and y.shape == (32,) and set(y.tolist()) <= set(range(10))


def test_unknown_dataset():
    with pytest.raises(ValueError, match="choose one of: ring, grid, spiral, digits"):
        data.get("mnist8")


def test_perfect_samples_score_perfectly():
    ring = data.get("ring")
    torch.manual_seed(1)
    m = metrics.mixture_metrics(ring.sample(2500), ring.centers, ring.std)
    # within 3 std in 2-D: P(chi_2 <= 3) = 1 - exp(-4.5) = 0.989
    assert m["modes"] == 8
    assert m["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert m["kl"] < 0.01


def test_collapsed_and_off_target_samples():
    ring = data.get("ring")
    one_mode = ring.centers[3].repeat(2500, 1) + 0.001
    m = metrics.mixture_metrics(one_mode, ring.centers, ring.std)
    assert m == {"modes": 1, "high_quality": 1.0, "kl": pytest.approx(math.log(8))}
    nowhere = torch.zeros(2500, 2)
    assert metrics.mixture_metrics(nowhere, ring.centers, ring.std)["modes"] == 0
    # two modes, 3:1 -> KL(p || U) = sum p log(8 p)
    two = torch.cat([ring.centers[0].repeat(750, 1), ring.centers[1].repeat(250, 1)])
    kl = 0.75 * math.log(8 * 0.75) + 0.25 * math.log(8 * 0.25)
    assert metrics.mixture_metrics(two, ring.centers, ring.std)["kl"] == pytest.approx(kl)
    with pytest.raises(ValueError, match="NaN"):
        metrics.mixture_metrics(torch.full((5, 2), float("nan")), ring.centers, ring.std)


def test_wasserstein_1d_against_scipy():
    rng = np.random.default_rng(0)
    for n, m in ((100, 100), (50, 130)):
        x, y = rng.normal(size=n), rng.normal(1.0, 2.0, size=m)
        assert metrics.wasserstein_1d(x, y) == pytest.approx(stats.wasserstein_distance(x, y))
    assert metrics.wasserstein_1d([0.0, 1.0], [3.0, 4.0]) == pytest.approx(3.0)


def test_sliced_wasserstein():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 2))
    assert metrics.sliced_wasserstein(x, x) == 0.0
    shift = np.array([3.0, 4.0])  # |shift| = 5; E|u . shift| over the circle = 5 * 2/pi
    value = metrics.sliced_wasserstein(x, x + shift, projections=4000)
    assert value == pytest.approx(5 * 2 / math.pi, rel=0.02)
    unequal = metrics.sliced_wasserstein(x, x[:300] + shift, projections=500)
    assert unequal == pytest.approx(5 * 2 / math.pi, rel=0.1)


def test_evaluate_dispatches_on_the_dataset():
    torch.manual_seed(0)
    assert set(metrics.evaluate(data.get("grid"), data.get("grid").sample(100))) == {
        "modes", "high_quality", "kl"}
    spiral = data.get("spiral")
    fake = spiral.sample(500)
    state = torch.get_rng_state()
    out = metrics.evaluate(spiral, fake)
    assert set(out) == {"sliced_w"} and out["sliced_w"] < 0.2
    assert torch.equal(state, torch.get_rng_state())  # evaluating leaves training's RNG alone


def test_discrete_divergences():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    d = metrics.discrete_divergences(p, q)
    # m = (1/4, 1/2, 1/4): KL(p||m) = KL(q||m) = 1/2 log 2, so JS = 1/2 log 2
    js = 0.5 * math.log(2)
    assert d["kl"] == math.inf and d["reverse_kl"] == math.inf
    assert d["js"] == pytest.approx(js) and d["tv"] == pytest.approx(0.5)
    disjoint = metrics.discrete_divergences([1, 0], [0, 1])
    assert disjoint["js"] == pytest.approx(math.log(2)) and disjoint["tv"] == 1.0
    same = metrics.discrete_divergences([1, 2, 3], [2, 4, 6])  # normalised: equal
    assert same == {"kl": 0.0, "reverse_kl": 0.0, "js": 0.0, "tv": 0.0}
    with pytest.raises(ValueError):
        metrics.discrete_divergences([1, -1], [1, 1])


def test_wasserstein_exact():
    rng = np.random.default_rng(2)
    z = rng.uniform(size=(100, 1))
    left, right = np.hstack([np.zeros_like(z), z]), np.hstack([np.full_like(z, 0.7), z])
    # the parallel lines: W1 = |theta| exactly
    assert metrics.wasserstein_exact(left, right) == pytest.approx(0.7)
    x, y = rng.normal(size=(60, 1)), rng.normal(size=(60, 1))
    assert metrics.wasserstein_exact(x, y) == pytest.approx(metrics.wasserstein_1d(x, y))


def test_sample_plot_survives_samples_far_outside_the_view():
    import matplotlib

    matplotlib.use("Agg")
    from ganlib import plot

    ax = plot.samples(torch.full((50, 2), 200.0), lim=3.0)  # no density inside the square
    assert ax.get_xlim() == (-3.0, 3.0)


def test_markdown_table_shows_every_row(monkeypatch):
    import IPython.display

    from ganlib import plot

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    plot.markdown_table(["a", "b"], [[1, "x"], [2.5, "y"]])
    assert shown[0].data == "| a | b |\n|---|---|\n| 1 | x |\n| 2.5 | y |"


@pytest.mark.parametrize("make, message", [
    (lambda: data.get("ring", std=float("nan")), "std must be a finite positive number"),
    (lambda: data.get("ring", std=float("inf")), "std"),
    (lambda: data.get("ring", std=-0.1), "std"),
    (lambda: data.get("ring", modes=0), "modes must be a positive whole number"),
    (lambda: data.get("ring", modes=2.5), "modes"),
    (lambda: data.get("grid", side=0), "side"),
    (lambda: data.get("spiral", std=0.0), "std"),
    (lambda: data.get("ring", colour="red"), "bad parameters"),
    (lambda: data.get("ring").sample(0), "at least 1|>= 1"),
])
def test_bad_dataset_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_datasets_draw_from_the_given_generator():
    for name in data.names():
        ds = data.get(name)
        state = torch.get_rng_state()
        a = ds.sample(16, torch.Generator().manual_seed(3))
        b = ds.sample(16, torch.Generator().manual_seed(3))
        assert torch.equal(a, b) and torch.equal(torch.get_rng_state(), state), name
    x, y = data.get("ring").sample_labeled(500, torch.Generator().manual_seed(0))
    centers = data.get("ring").centers
    assert torch.equal(torch.cdist(x, centers).argmin(1), y)  # the label is the component
    assert data.get("ring").spec == {"name": "ring", "modes": 8, "radius": 2.0, "std": 0.02}


def test_discrete_divergences_refuse_nan():
    with pytest.raises(ValueError, match="NaN or inf"):
        metrics.discrete_divergences([0.5, float("nan")], [0.5, 0.5])

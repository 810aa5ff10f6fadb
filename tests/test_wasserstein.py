"""Exact W1 between weighted samples and the Lipschitz constant on points (chapter 5),
against closed forms, scipy and brute force."""

import itertools
import math

import numpy as np
import pytest
from scipy import optimize, stats

from ganlib import metrics


def dual_lp(x, y, a, b):
    """W1 by the Kantorovich-Rubinstein dual, as a linear program over f on the points:
    max sum_i a_i f(x_i) - sum_j b_j f(y_j)  subject to |f(u) - f(v)| <= ||u - v||."""
    pts = np.concatenate([x, y])
    c = -np.concatenate([a, -b])  # linprog minimises
    rows, bounds = [], []
    for i, j in itertools.permutations(range(len(pts)), 2):
        row = np.zeros(len(pts))
        row[i], row[j] = 1.0, -1.0
        rows.append(row)
        bounds.append(np.linalg.norm(pts[i] - pts[j]))
    res = optimize.linprog(c, A_ub=np.array(rows), b_ub=np.array(bounds),
                           bounds=[(None, None)] * len(pts), method="highs")
    assert res.status == 0, res.message
    return -res.fun


def test_wasserstein_ot():
    rng = np.random.default_rng(0)
    # Closed forms: a point mass split in two, and a translated sample.
    assert metrics.wasserstein_ot([[0.0, 0.0]], [[1.0, 0.0], [0.0, 3.0]]) == pytest.approx(2.0)
    x = rng.normal(size=(50, 2))
    assert metrics.wasserstein_ot(x, x + [3.0, 4.0]) == pytest.approx(5.0)
    assert metrics.wasserstein_ot(x, x) == pytest.approx(0.0, abs=1e-12)
    # Equal sizes and weights: the optimal matching of wasserstein_exact.
    y = rng.normal(size=(50, 2)) + 1.0
    assert metrics.wasserstein_ot(x, y) == pytest.approx(metrics.wasserstein_exact(x, y))
    # One dimension, unequal sizes and weights: scipy's W1 (area between the CDFs).
    u, v = rng.normal(size=37), rng.exponential(size=23)
    wu, wv = rng.random(37), rng.random(23)
    assert metrics.wasserstein_ot(u[:, None], v[:, None], wu, wv) == pytest.approx(
        stats.wasserstein_distance(u, v, wu, wv))
    assert metrics.wasserstein_ot(u[:, None], v[:, None]) == pytest.approx(
        metrics.wasserstein_1d(u, v))
    # Any dimension, weighted: the dual linear program over 1-Lipschitz functions.
    p, q = rng.normal(size=(6, 3)), rng.normal(size=(9, 3)) + 0.5
    a, b = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(9))
    assert metrics.wasserstein_ot(p, q, a, b) == pytest.approx(dual_lp(p, q, a, b))
    # Weights are normalised; zeros are allowed.
    assert metrics.wasserstein_ot(p, q, 3 * a, b) == pytest.approx(
        metrics.wasserstein_ot(p, q, a, b))
    assert metrics.wasserstein_ot([[0.0], [5.0]], [[1.0]], [1.0, 0.0]) == pytest.approx(1.0)


def test_wasserstein_ot_refuses_a_plan_that_is_not_optimal():
    """POT stops after max_iter simplex iterations and returns a non-optimal cost (with a
    warning only); wasserstein_ot raises instead, and a normal solve is optimal."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 0.3
    exact = metrics.wasserstein_exact(x, y)
    assert metrics.wasserstein_ot(x, y) == pytest.approx(exact, rel=1e-12)
    with pytest.raises(RuntimeError, match="max_iter"):
        metrics.wasserstein_ot(x, y, max_iter=5)


def test_wasserstein_ot_refuses_bad_input():
    x = np.zeros((3, 2))
    for y, a, b in ((np.zeros((3, 3)), None, None), (np.zeros(3), None, None),
                    (x, [1.0, -1.0, 1.0], None), (x, None, [1.0, 1.0]), (x, None, [0.0] * 3),
                    (np.full((3, 2), np.nan), None, None)):
        with pytest.raises(ValueError):
            metrics.wasserstein_ot(x, y, a, b)


def test_lipschitz_constant():
    rng = np.random.default_rng(1)
    # A linear function: its gradient's norm, on points in any dimension.
    w = np.array([3.0, -4.0])
    x = rng.normal(size=(300, 2))
    assert metrics.lipschitz_constant(x, x @ w + 7) == pytest.approx(5.0)
    # Against brute force over all pairs, in 1-D (neighbours only) and in 2-D (blocks).
    for d in (1, 2):
        pts = rng.normal(size=(700, d))
        f = np.sin(3 * pts).sum(1) + np.abs(pts).sum(1)
        diff = np.abs(f[:, None] - f[None, :])
        dist = np.linalg.norm(pts[:, None] - pts[None, :], axis=2)
        mask = dist > 0
        assert metrics.lipschitz_constant(pts, f) == pytest.approx(
            (diff[mask] / dist[mask]).max(), rel=1e-12)
    # |x| in 1-D: slope 1; a 1-D array of points is accepted.
    t = np.linspace(-2, 2, 41)
    assert metrics.lipschitz_constant(t, np.abs(t)) == pytest.approx(1.0)
    # A point may repeat with the same value (0 / 0 counts as 0), in any order.
    for d in (1, 2):
        rep = rng.integers(0, 5, size=(200, d)).astype(float)  # many repeated points
        f = np.cos(rep).sum(1) + rep[:, 0] ** 2  # one value per point
        diff = np.abs(f[:, None] - f[None, :])
        dist = np.linalg.norm(rep[:, None] - rep[None, :], axis=2)
        assert metrics.lipschitz_constant(rep, f) == pytest.approx(
            (diff[dist > 0] / dist[dist > 0]).max(), rel=1e-12)
    assert metrics.lipschitz_constant(np.zeros((3, 2)), [2.0, 2.0, 2.0]) == 0.0
    assert metrics.lipschitz_constant(np.zeros(3), [2.0, 2.0, 2.0]) == 0.0
    with pytest.raises(ValueError):
        metrics.lipschitz_constant(np.zeros((3, 2)), np.zeros(4))


def test_lipschitz_constant_of_one_point_with_two_values_is_infinite():
    """No finite constant fits a point that carries two values: inf, in 1-D and 2-D, whether
    or not other points are distinct and wherever the repeated point is."""
    assert metrics.lipschitz_constant(np.zeros((2, 2)), [0.0, 1.0]) == math.inf
    assert metrics.lipschitz_constant(np.zeros(2), [0.0, 1.0]) == math.inf
    for values in ([0.0, 5.0, 1.0], [5.0, 0.0, 1.0]):
        assert metrics.lipschitz_constant(np.array([0.0, 0.0, 1.0]), values) == math.inf
    rng = np.random.default_rng(2)
    pts = rng.normal(size=(2000, 2))  # more than one block of 1,024 rows
    pts[1500] = pts[7]
    f = pts.sum(1)
    assert metrics.lipschitz_constant(pts, f) == pytest.approx(math.sqrt(2))
    f[1500] += 1e-9
    assert metrics.lipschitz_constant(pts, f) == math.inf

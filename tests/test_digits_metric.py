"""The digits metric (ganlib.metrics, chapter 8): the shipped classifier, the Frechet distance,
and the metric validated on real data, noisy data and a collapsed sampler."""

import json
import math

import numpy as np
import pytest
import torch

from ganlib import data, metrics


def test_the_shipped_classifier_is_accurate_and_documented():
    saved = json.loads(metrics.DIGITS_CLASSIFIER.read_text())
    assert saved["command"] == "python -m ganlib digits-classifier"
    assert {"date", "machine", "held_out_accuracy", "held_out_images"} <= set(saved)
    assert metrics.DIGITS_CLASSIFIER.stat().st_size < 60_000  # a few tens of KB
    held = metrics.digits_split()
    assert held.sum() == saved["held_out_images"] == 539
    digits = data.Digits()
    _, probs = metrics.digits_features(digits.images[torch.tensor(held)])
    accuracy = (probs.argmax(1) == digits.labels.numpy()[held]).mean()
    assert accuracy == pytest.approx(saved["held_out_accuracy"], abs=1e-3)
    assert accuracy > 0.95
    # The split is stratified: 30% of every class held out, and the same split every time.
    labels = digits.labels.numpy()
    for k in range(10):
        assert abs(held[labels == k].mean() - 0.3) < 0.01
    assert np.array_equal(held, metrics.digits_split())


def test_frechet_distance_of_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(200_000, 2))
    # N(0, I) against N(m, s^2 I): |m|^2 + 2 (1 - s)^2, computed independently of ganlib.
    m, s = np.array([1.0, -2.0]), 3.0
    b = m + s * rng.normal(size=(200_000, 2))
    assert metrics.frechet_distance(a, b) == pytest.approx(5 + 2 * (1 - s) ** 2, rel=0.01)
    # A non-commuting pair in 2-D, against scipy's matrix square root.
    from scipy.linalg import sqrtm

    x = rng.normal(size=(500, 2)) @ np.array([[2.0, 0.0], [1.0, 0.5]])
    y = rng.normal(size=(400, 2)) @ np.array([[0.3, 1.0], [0.0, 1.5]]) + 1
    sa, sb = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    mu = x.mean(0) - y.mean(0)
    reference = mu @ mu + np.trace(sa + sb - 2 * np.real(sqrtm(sa @ sb)))
    assert metrics.frechet_distance(x, y) == pytest.approx(reference, rel=1e-9)
    assert metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="N, M >= 2"):
        metrics.frechet_distance(x[:1], y)


def test_the_metric_ranks_noise_and_collapse():
    digits = data.Digits()
    x, y = digits.images, digits.labels
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    half_a, half_b = order[:898], order[898:]
    real = metrics.digits_metrics(x[half_a], y[half_a])
    assert real["accuracy"] > 0.95 and real["coverage"] == 1.0 and real["class_kl"] < 0.01
    assert 0.9 < real["spread"] < 1.1
    # FD between the two halves, then with growing noise added to one half.
    feats = {k: metrics.digits_features(v)[0] for k, v in (("a", x[half_a]), ("b", x[half_b]))}
    halves = metrics.frechet_distance(feats["a"], feats["b"])
    noise = torch.randn(x[half_a].shape, generator=torch.Generator().manual_seed(1))
    noisy = [metrics.frechet_distance(
        metrics.digits_features((x[half_a] + s * noise).clamp(-1, 1))[0], feats["b"])
        for s in (0.25, 0.5, 1.0)]
    assert noisy == sorted(noisy) and noisy[0] > 2 * halves, (halves, noisy)
    # A collapsed sampler: only the 3s, however many samples.
    threes = x[y == 3]
    collapsed = threes[torch.randint(len(threes), (898,),
                                     generator=torch.Generator().manual_seed(2))]
    bad = metrics.digits_metrics(collapsed)
    assert bad["coverage"] == pytest.approx(0.1)
    assert 0.9 * math.log(10) < bad["class_kl"] <= math.log(10)  # KL(p_hat || uniform) <= log 10
    assert bad["fd"] > 20 * metrics.digits_metrics(x[half_a])["fd"]
    with pytest.raises(ValueError, match="classes in 0..9"):
        metrics.digits_metrics(x[:5], torch.tensor([0, 1, 2, 3, 10]))
    with pytest.raises(ValueError, match=r"\(N, 64\)"):
        metrics.digits_metrics(torch.zeros(5, 63))


def test_digits_conditional_scores_a_run():
    from ganlib import recorded
    from ganlib.train import build, train

    gan = build("cgan", "digits", steps=3, seed=0, hidden=16, depth=1, batch_size=8)
    train(gan, progress=False)
    row = recorded.digits_conditional(gan, per_class=5)
    assert {"accuracy", "fd", "class_fd", "coverage", "class_kl", "confidence",
            "spread"} == set(row)
    assert 0 <= row["accuracy"] <= 1 and row["fd"] >= 0

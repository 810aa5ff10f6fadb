"""What chapter 6 adds to ganlib: the gradient norms recorded at the end of a run."""

import math

import numpy as np
import ot
import pytest
import torch

from ganlib import metrics, recorded
from ganlib.train import EVAL_SEED, build


class LinearCritic(torch.nn.Module):
    """D(x) = w . x + b: its gradient is w at every point."""

    def __init__(self, w, b=0.3):
        super().__init__()
        self.linear = torch.nn.Linear(len(w), 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([w]))
            self.linear.bias.fill_(b)

    def forward(self, x):
        return self.linear(x)[:, 0]


def test_gradient_norms_of_a_linear_critic():
    gan = build("wgan-gp", "ring", steps=10, seed=0, device="cpu")
    w = [0.6, -2.4]
    norm = math.hypot(*w)
    gan.D = LinearCritic(w).train()
    out = recorded.gradient_norms(gan, n=2500)
    for where in ("real", "fake", "interpolate"):
        for q in (10, 50, 90):
            assert out[f"grad_{where}_p{q}"] == pytest.approx(norm, rel=1e-5), (where, q, out)
    real = gan.data.sample(2500, torch.Generator().manual_seed(0))[:1000].double()
    fake = gan.sample(2500, seed=EVAL_SEED)[:1000].double()
    w64 = torch.tensor(w, dtype=torch.float64)
    assert out["critic_gap"] == pytest.approx(((real - fake).mean(0) @ w64).item(), abs=1e-5)
    # the largest slope of a linear function between 2,000 points spread around a ring is
    # at most ||w|| and, with pairs in nearly every direction, close to it
    assert norm * 0.99 <= out["critic_lipschitz"] <= norm * (1 + 1e-9)
    assert out["w1"] == pytest.approx(metrics.wasserstein_ot(real, fake), rel=1e-5)
    assert gan.D.training, "gradient_norms must give D back in the mode it found it in"


class BowlCritic(torch.nn.Module):
    """D(x) = 1/2 ||x||^2: its gradient is x, so the norm differs from point to point."""

    def forward(self, x):
        return 0.5 * (x**2).sum(1)


def test_gradient_norms_of_a_bowl_critic():
    # a linear critic has the same norm everywhere, so it cannot tell the three point sets
    # apart; with the bowl each set has its own norms, recomputed here from the same seeds
    n = 2500
    gan = build("wgan-gp", "ring", steps=10, seed=0, device="cpu")
    gan.D = BowlCritic()
    out = recorded.gradient_norms(gan, n=n)
    real = gan.data.sample(n, torch.Generator().manual_seed(0))
    fake = gan.sample(n, seed=EVAL_SEED)
    eps = torch.rand(n, 1, generator=torch.Generator().manual_seed(1))
    points = {"real": real, "fake": fake, "interpolate": eps * real + (1 - eps) * fake}
    medians = {}
    for where, x in points.items():
        norms = x.double().norm(dim=1).numpy()
        medians[where] = np.percentile(norms, 50)
        for q in (10, 50, 90):
            assert out[f"grad_{where}_p{q}"] == pytest.approx(np.percentile(norms, q),
                                                             rel=1e-5, abs=1e-6), (where, q)
    # the check can fail: the three sets' median norms are far apart
    assert min(abs(medians[a] - medians[b]) for a, b in
               (("real", "fake"), ("real", "interpolate"), ("fake", "interpolate"))) > 0.1, medians
    r, f = real[:1000].double(), fake[:1000].double()
    values = 0.5 * (torch.cat([r, f]) ** 2).sum(1)
    assert out["critic_gap"] == pytest.approx((values[:1000].mean() - values[1000:].mean()).item(),
                                              abs=1e-5)
    both = torch.cat([r, f])
    distances = torch.cdist(both, both)
    slopes = (values[:, None] - values[None]).abs() / distances.fill_diagonal_(math.inf)
    assert out["critic_lipschitz"] == pytest.approx(slopes.max().item(), rel=1e-5)
    cost = ot.emd2(np.full(1000, 1e-3), np.full(1000, 1e-3), ot.dist(r.numpy(), f.numpy(),
                                                                      metric="euclidean"))
    assert out["w1"] == pytest.approx(cost, rel=1e-5)


def test_gradient_norms_leave_a_spectrally_normalised_critic_unchanged():
    gan = build("hinge", "ring", steps=10, seed=0, device="cpu")
    before = {k: v.clone() for k, v in gan.D.state_dict().items()}
    recorded.gradient_norms(gan, n=200)
    after = gan.D.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), (
        "evaluating the critic must not run its power iteration")

"""ganlib.checks: agrees where a student's loss is right, names what differs where it is not,
and never prints the reference's numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganlib import checks, dynamics, fdiv, losses, penalties, terms
from ganlib.conditioning import ClassLabels, LatentCodes


def _numbers(text: str) -> set[float]:
    return {float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)}


@pytest.mark.parametrize("name", [n for n in losses.names() if n != "ebgan"])
@pytest.mark.parametrize("which", ["d", "g"])
def test_ganlib_agrees_with_itself_for_every_loss(name, which):
    loss = losses.get(name)
    fn = loss.d_loss if which == "d" else (
        (lambda fake, real: loss.g_loss(fake, real)) if loss.g_needs_real else loss.g_loss)
    report = checks.compare_loss(fn, name, which)
    assert report.ok, repr(report)
    assert "agree" in repr(report)
    for case, inputs in checks.loss_cases(name, which).items():  # a meaningful reference
        inputs = [x.clone().requires_grad_(True) for x in inputs]
        value = fn(*inputs)
        grads = torch.autograd.grad(value, inputs, allow_unused=True)
        assert torch.isfinite(value), (name, which, case)
        assert all(g is None or bool(torch.isfinite(g).all()) for g in grads), (name, case)


def test_ebgan_uses_non_negative_energies():
    assert checks.compare_loss(losses.ebgan_d_loss, "ebgan", "d").ok


def test_a_correct_loss_written_differently_passes():
    def d_loss(real, fake):  # -log sigma(r) - log(1 - sigma(f)) by logsigmoid
        return -F.logsigmoid(real).mean() - F.logsigmoid(-fake).mean()

    assert checks.compare_loss(d_loss, "minimax", "d").ok


def test_bce_on_probabilities_fails_only_at_extreme_logits():
    def bce(real, fake):
        return (F.binary_cross_entropy(torch.sigmoid(real), torch.ones_like(real))
                + F.binary_cross_entropy(torch.sigmoid(fake), torch.zeros_like(fake)))

    report = checks.compare_loss(bce, "minimax", "d")
    assert not report.ok
    assert len(report.problems) == 1 and "ends of the finite range" in report.problems[0]


def test_the_saturating_loss_is_not_the_non_saturating_one():
    report = checks.compare_loss(losses.minimax_g_loss, "nonsaturating", "g")
    assert len(report.problems) == report.cases  # every case: the values differ
    assert all("value" in p for p in report.problems)
    assert "sign" in repr(report)


def test_conjugate_on_raw_outputs_is_reported_not_finite_or_different():
    row = fdiv.get("reverse-kl")

    def wrong(real, fake):  # f*(V) instead of f*(g_f(V))
        return -(row.activation(real).mean() - row.conjugate_unchecked(fake).mean())

    report = checks.compare_loss(wrong, "fgan-reverse-kl", "d")
    assert not report.ok
    assert "not finite" in repr(report) or "differs" in repr(report)


def test_a_gradient_error_is_found_where_values_agree():
    class Straight(torch.autograd.Function):  # right value, gradient of the identity
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return F.softplus(-x).mean()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * torch.ones_like(x) / x.numel()

    report = checks.compare_loss(Straight.apply, "nonsaturating", "g")
    assert not report.ok
    assert all("gradient with respect to argument 1" in p for p in report.problems)


def test_errors_wrong_types_and_detached_results_are_reported_not_raised():
    assert "raised ZeroDivisionError" in repr(checks.compare_loss(lambda f: 1 / 0, "wgan"))
    assert "returned NoneType" in repr(checks.compare_loss(lambda f: None, "wgan"))
    detached = checks.compare_loss(lambda f: -f.detach().mean(), "wgan")
    assert "differentiably" in repr(detached)
    with pytest.raises(ValueError, match="which"):
        checks.compare_loss(lambda f: f, "wgan", "G")


def test_the_report_never_prints_the_reference_values():
    def off(fake):
        return F.softplus(-fake).mean() + 0.123

    report = checks.compare_loss(off, "nonsaturating", "g")
    assert not report.ok
    printed = repr(report)
    for case, inputs in checks.loss_cases("nonsaturating", "g").items():
        want = losses.nonsaturating_g_loss(inputs[0]).item()
        assert all(abs(x - want) > 1e-3 for x in _numbers(printed)), (case, printed)
    assert "by less than 100%" in printed  # how far, in coarse bands only


def test_compare_takes_any_pair_of_functions():
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    assert checks.compare(torch.tanh, lambda v: 2 * torch.sigmoid(2 * v) - 1, {"grid": [x]}).ok
    bad = checks.compare(torch.sin, torch.tanh, {"grid": [x]}, name="sin")
    assert repr(bad).startswith("sin: 1 problem")


# ----------------------------------------------- the helpers for the implementation exercises


def _grad(critic, x):
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return g


def _dragan_uniform(critic, real, fake=None, generator=None, k=1.0):  # chapter 6's exercise
    real = real.detach()
    u = torch.rand(real.shape, dtype=real.dtype, generator=generator)
    alpha = torch.rand(len(real), *([1] * (real.dim() - 1)), dtype=real.dtype,
                       generator=generator)
    points = real + alpha * 0.5 * real.std() * u
    return (_grad(critic, points).flatten(1).norm(dim=1) - k).pow(2).mean()


@pytest.mark.parametrize("name", penalties.names())
def test_compare_penalty_passes_ganlib_and_every_per_sample_penalty(name):
    assert checks.compare_penalty(lambda c, r, f: penalties.get(name)(c, r, f), name).ok


def test_compare_penalty_does_not_depend_on_where_the_points_are_drawn():
    assert checks.compare_penalty(_dragan_uniform, "dragan", k=0.0).ok  # uniform, not Gaussian


def test_compare_penalty_catches_per_batch_per_pixel_and_mean_first_norms():
    def per_batch(critic, real, fake):  # one norm for the whole batch (TorchGAN's)
        return (_grad(critic, real).norm() - 1).pow(2)

    def per_pixel(critic, real, fake):  # a norm over channels only (PyTorch-GAN's)
        return (_grad(critic, real).norm(dim=1) - 1).pow(2).mean()

    def mean_first(critic, real, fake):  # (E||g|| - 1)^2 instead of E(||g|| - 1)^2
        return (_grad(critic, real).flatten(1).norm(dim=1).mean() - 1).pow(2)

    batch = checks.compare_penalty(per_batch, "dragan")
    assert not batch.ok and not any("batch of one" in p for p in batch.problems)
    pixel = checks.compare_penalty(per_pixel, "dragan")
    assert len(pixel.problems) == 1 and "images" in pixel.problems[0]
    first = checks.compare_penalty(mean_first, "dragan")
    assert not first.ok and not any("same norm" in p for p in first.problems)


def test_compare_penalty_catches_a_two_sided_lp_r2_for_r1_and_a_lost_graph():
    assert not checks.compare_penalty(lambda c, r, f: penalties.get("gp")(c, r, f), "lp").ok
    r2_for_r1 = checks.compare_penalty(lambda c, r, f: penalties.r2_penalty(c, f), "r1")
    assert r2_for_r1.ok  # a linear critic's norm is the same at real and fake points ...

    def detached(critic, real, fake):  # ... but a gradient without create_graph is not
        x = real.detach().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).sum(), x)
        return g.flatten(1).norm(dim=1).pow(2).mean()

    assert "differentiably" in repr(checks.compare_penalty(detached, "r1"))


def _potential_critic(real, fake):
    import ot

    n = len(real)
    _, log = ot.emd(np.full(n, 1 / n), np.full(n, 1 / n),
                    ot.dist(real, fake, metric="euclidean"), log=True)
    return log, lambda z: (log["u"] - np.linalg.norm(z[:, None] - real[None], axis=2)).max(1)


def test_compare_critic_passes_the_cones_and_catches_a_wrong_sign_and_steep_cones():
    gen = np.random.default_rng(0)
    real, fake = gen.normal(size=(120, 2)), gen.normal(size=(120, 2)) * 0.5 + 1.0
    log, f = _potential_critic(real, fake)
    report = checks.compare_critic(f, real, fake, points=300)
    assert report.ok and "agree" in repr(report)

    def wrong_sign(z):  # the min of cones at the generated points with +v instead of -v
        return (np.linalg.norm(z[:, None] - fake[None], axis=2) + log["v"]).min(1)

    signed = checks.compare_critic(wrong_sign, real, fake, points=300)
    assert any("W1" in p for p in signed.problems)
    steep = checks.compare_critic(lambda z: 2 * f(z), real, fake, points=300)
    assert any("Lipschitz" in p for p in steep.problems)
    assert any("slope" in p for p in steep.problems)
    broken = checks.compare_critic(lambda z: f(z)[:-1], real, fake, points=300)
    assert "returned" in repr(broken)


def test_compare_pairing_hinge():
    def right(d, p, q):
        return (p[:, None] * q[None, :] * (1 - d[:, None] + d[None, :]).clamp(min=0)).sum()

    def reversed_roles(d, p, q):
        return (p[:, None] * q[None, :] * (1 + d[:, None] - d[None, :]).clamp(min=0)).sum()

    def unweighted(d, p, q):
        return torch.relu(1 - (d[:, None] - d[None, :])).mean()

    assert checks.compare_pairing_hinge(right).ok
    assert not checks.compare_pairing_hinge(reversed_roles).ok
    assert any("gradient with respect to p" in p
               for p in checks.compare_pairing_hinge(unweighted).problems)


def test_compare_term_classifier_real_only():
    def real_only(s):
        return losses.auxiliary_class_loss(s.real_out["class"], s.inputs.labels)

    assert checks.compare_term(real_only, "classifier-real-only", part="d").ok
    kept = checks.compare_term(terms.get("classifier", 1.0, ClassLabels(10, False)).d,
                               "classifier-real-only", part="d")
    assert len(kept.problems) == kept.cases  # the fake half kept: every case differs
    assert checks.compare_term(terms.get("classifier", 1.0, ClassLabels(10, False)),
                               "classifier").ok
    with pytest.raises(ValueError, match="part"):
        checks.compare_term(real_only, "classifier-real-only")


def _learned(floor=-4.0, halve=False, heads=None, g=True):
    def on_both(s):
        log_std = s.fake_out["code_log_std"]
        log_std = log_std.clamp(min=floor) if floor is not None else log_std
        return (losses.info_categorical_loss(s.fake_out["code_logits"], s.inputs.categorical)
                + losses.info_gaussian_loss(s.fake_out["code_mean"], s.inputs.continuous,
                                            log_std / 2 if halve else log_std))
    return terms.Term("information", 1.0, d=on_both, g=on_both if g else None,
                      heads=heads or {"code_logits": 10, "code_mean": 2, "code_log_std": 2})


def test_compare_term_learned_information():
    assert checks.compare_term(_learned(), "information-learned").ok
    no_floor = checks.compare_term(_learned(floor=None), "information-learned")
    assert len(no_floor.problems) == 2 and all("below the floor" in p for p in no_floor.problems)
    assert len(checks.compare_term(_learned(halve=True), "information-learned").problems) == 10
    assert "G part is missing" in repr(checks.compare_term(_learned(g=False),
                                                            "information-learned"))
    assert "heads" in repr(checks.compare_term(_learned(heads={"code_logits": 10,
                                                               "code_mean": 2}),
                                               "information-learned"))
    assert checks.compare_term(terms.get("information", 1.0, LatentCodes()), "information").ok


def test_compare_extragradient():
    def extragradient(loss, theta, psi, lr=0.2, steps=500):
        path = [np.array([theta, psi])]
        for _ in range(steps):
            half = path[-1] + lr * np.array(dynamics.vector_field(loss, *path[-1]))
            path.append(path[-1] + lr * np.array(dynamics.vector_field(loss, *half)))
        return np.array(path)

    def simultaneous(loss, theta, psi, lr=0.2, steps=500):
        return dynamics.simulate(loss, theta, psi, lr=lr, steps=steps)

    good = checks.compare_extragradient(extragradient)
    assert good.ok and "the paths" in repr(good)
    bad = checks.compare_extragradient(simultaneous)
    assert len(bad.problems) == 9  # every case but the paths of 0 steps


def test_compare_sharding_passes_greedy_and_catches_typical_mistakes():
    import heapq

    def greedy(costs, n):  # a heap of (load, shard) instead of a scan: the same rule
        heap, shards = [(0.0, k) for k in range(n)], [[] for _ in range(n)]
        for block in sorted(costs, key=costs.get, reverse=True):
            load, k = heapq.heappop(heap)
            shards[k].append(block)
            heapq.heappush(heap, (load + costs[block], k))
        return shards

    def round_robin(costs, n):  # the same number of blocks per shard, costs ignored
        blocks = list(costs)
        return [blocks[k::n] for k in range(n)]

    def unsorted(costs, n):  # greedy, but in the order given: forgot the sort
        shards, loads = [[] for _ in range(n)], [0.0] * n
        for block in costs:
            k = loads.index(min(loads))
            shards[k].append(block)
            loads[k] += costs[block]
        return shards

    def drops_empty(costs, n):  # leaves out the shards that got nothing
        return [s for s in greedy(costs, n) if s]

    def loses_one(costs, n):
        shards = greedy(costs, n)
        shards[0] = shards[0][1:]
        return shards

    good = checks.compare_sharding(greedy)
    assert good.ok, repr(good)
    assert "all 8 cases agree" in repr(good)
    for wrong, says in ((round_robin, "busiest shard"), (unsorted, "busiest shard"),
                        (drops_empty, "returned 3 shards, expected 5"),
                        (loses_one, "in no shard")):
        report = checks.compare_sharding(wrong)
        assert not report.ok and says in repr(report), (wrong.__name__, repr(report))
    assert "cheapest first" in repr(checks.compare_sharding(unsorted))  # the case that exists
    # the reference's loads are never printed
    loads = {round(sum(c[b] for b in s), 1) for c, n in checks.sharding_cases().values()
             for s in checks._greedy_shards(c, n)}
    assert not loads & _numbers(repr(checks.compare_sharding(round_robin)))

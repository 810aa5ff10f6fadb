"""ganlib.checks: agrees where a student's loss is right, names what differs where it is not,
and never prints the reference's numbers."""

from __future__ import annotations

import re

import pytest
import torch
import torch.nn.functional as F

from ganlib import checks, fdiv, losses


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

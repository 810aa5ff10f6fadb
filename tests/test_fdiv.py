"""The f-divergence table against Nowozin et al. (2016), Tables 1-2, and closed forms."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ganlib import fdiv

NAMES = fdiv.names()
U = torch.linspace(0.05, 6.0, 200, dtype=torch.float64)


def test_table_has_the_eight_rows():
    assert set(NAMES) == {"kl", "reverse-kl", "pearson", "neyman", "hellinger", "js", "gan", "tv"}
    with pytest.raises(ValueError, match="choose one of: kl"):
        fdiv.get("chi2")


@pytest.mark.parametrize("name", NAMES)
def test_f_of_one(name):
    f1 = fdiv.get(name).f(torch.tensor(1.0, dtype=torch.float64)).item()
    assert f1 == pytest.approx(-math.log(4) if name == "gan" else 0.0, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_f_is_convex(name):
    f = fdiv.get(name).f(U).numpy()
    assert (np.diff(f, 2) >= -1e-12).all()


@pytest.mark.parametrize("name", NAMES)
def test_f_prime_is_the_derivative(name):
    row = fdiv.get(name)
    u = U[(U - 1).abs() > 0.02]  # TV has a kink at 1
    h = 1e-6
    numeric = (row.f(u + h) - row.f(u - h)) / (2 * h)
    assert torch.allclose(row.f_prime(u), numeric, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_fenchel_young_equality(name):
    # f*(f'(u)) = u f'(u) - f(u): the supremum defining f* is attained at u.
    row = fdiv.get(name)
    u = U[(U - 1).abs() > 0.02]
    t = row.f_prime(u)
    assert torch.allclose(row.conjugate(t), u * t - row.f(u), atol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_is_the_supremum(name):
    # f*(t) = sup_u u t - f(u), checked by brute force over a fine grid of u.
    row = fdiv.get(name)
    u = torch.logspace(-4, 3, 200001, dtype=torch.float64)
    t_values = row.f_prime(torch.tensor([0.3, 0.8, 1.5, 3.0], dtype=torch.float64))
    for t in t_values:
        brute = (u * t - row.f(u)).max()
        assert row.conjugate(t).item() == pytest.approx(brute.item(), abs=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_activation_lands_in_the_domain(name):
    row = fdiv.get(name)
    v = torch.linspace(-30, 30, 601, dtype=torch.float64)
    t = row.activation(v)
    assert row.in_domain(t).all()
    # and the stable composite equals f*(g_f(v)) where both can be computed
    v = torch.linspace(-8, 8, 161, dtype=torch.float64)
    assert torch.allclose(row.conj_activation(v), row.conjugate(row.activation(v)), atol=1e-9)


@pytest.mark.parametrize("name,t", [("reverse-kl", 0.5), ("gan", 0.1), ("js", 1.0),
                                    ("neyman", 1.5), ("hellinger", 1.0), ("tv", 0.7)])
def test_domain_violation_is_a_clear_error(name, t):
    with pytest.raises(ValueError, match="apply the output activation"):
        fdiv.get(name).conjugate(torch.tensor([t]))


def test_divergence_on_discrete_distributions():
    p = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    q = torch.tensor([0.25, 0.25, 0.25, 0.25], dtype=torch.float64)
    pn, qn = p.numpy(), q.numpy()
    m = (pn + qn) / 2
    kl = lambda a, b: float(np.sum(a * np.log(a / b)))  # noqa: E731
    js = 0.5 * kl(pn, m) + 0.5 * kl(qn, m)
    expected = {
        "kl": kl(pn, qn), "reverse-kl": kl(qn, pn),
        "pearson": float(np.sum((pn - qn) ** 2 / qn)), "neyman": float(np.sum((pn - qn) ** 2 / pn)),
        "hellinger": float(np.sum((np.sqrt(pn) - np.sqrt(qn)) ** 2)),
        "js": 2 * js, "gan": 2 * js - math.log(4), "tv": 0.5 * float(np.abs(pn - qn).sum()),
    }
    for name, value in expected.items():
        assert fdiv.get(name).divergence(p, q).item() == pytest.approx(value, rel=1e-10), name
    with pytest.raises(ValueError, match="p >= 0 and q >= 0"):
        fdiv.get("kl").divergence(p, torch.tensor([0.5, 0.5, 0.5, -0.5]))
    with pytest.raises(ValueError, match="finite"):
        fdiv.get("kl").divergence(p, torch.tensor([0.5, 0.5, float("nan"), 0.0]))


@pytest.mark.parametrize("name", NAMES)
def test_f_prime_at_infinity_is_the_limit_of_f_over_u(name):
    row = fdiv.get(name)
    if row.f_prime_inf == math.inf:  # grows without bound: log u for KL, about u for Pearson
        u = torch.tensor([1e10, 1e100], dtype=torch.float64)
        ratio = (row.f(u) / u).tolist()
        assert ratio[1] > 100 and ratio[1] > 2 * ratio[0], ratio
    else:
        u = torch.tensor([1e12], dtype=torch.float64)
        assert (row.f(u) / u).item() == pytest.approx(row.f_prime_inf, abs=1e-4)


def test_divergence_without_absolute_continuity():
    # Disjoint supports (chapter 2): JS = log 2 (the js row is 2 JS), TV = 1, KL = inf, and
    # the GAN row 2 JS - log 4 = 0. Computed independently: p and q on different points.
    p = torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=torch.float64)
    q = torch.tensor([0.0, 0.0, 0.3, 0.7], dtype=torch.float64)
    expected = {"js": 2 * math.log(2), "tv": 1.0, "gan": 0.0, "hellinger": 2.0,
                "kl": math.inf, "reverse-kl": math.inf, "pearson": math.inf, "neyman": math.inf}
    for name, value in expected.items():
        assert fdiv.get(name).divergence(p, q).item() == pytest.approx(value, abs=1e-12), name
    # Partial overlap: the part of P outside Q's support costs f'(inf) per unit of mass.
    p = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)
    q = torch.tensor([0.4, 0.6, 0.0], dtype=torch.float64)
    pn, qn = p.numpy(), q.numpy()
    m = (pn + qn) / 2
    js = 0.5 * float(np.sum(pn * np.log(pn / m))) + 0.5 * float(
        np.sum(qn[:2] * np.log(qn[:2] / m[:2])))
    assert fdiv.get("js").divergence(p, q).item() == pytest.approx(2 * js, rel=1e-12)
    assert fdiv.get("tv").divergence(p, q).item() == pytest.approx(
        0.5 * float(np.abs(pn - qn).sum()), rel=1e-12)
    assert fdiv.get("reverse-kl").divergence(p, q).item() == pytest.approx(
        float(np.sum(qn[:2] * np.log(qn[:2] / pn[:2]))), rel=1e-12)
    assert fdiv.get("kl").divergence(p, q).item() == math.inf


@pytest.mark.parametrize("name", ["kl", "reverse-kl", "hellinger", "pearson", "neyman"])
@pytest.mark.parametrize("mp,sp,mq,sq", [(0.0, 1.0, 1.0, 1.0), (0.5, 0.8, -0.3, 1.3),
                                          (1.0, 1.2, 0.0, 1.0)])
def test_gaussian_closed_forms_against_quadrature(name, mp, sp, mq, sq):
    row = fdiv.get(name)

    def integrand(x):
        p, q = stats.norm.pdf(x, mp, sp), stats.norm.pdf(x, mq, sq)
        return q * row.f(torch.tensor(p / q, dtype=torch.float64)).item()

    numeric, _ = integrate.quad(integrand, -15, 15, limit=200)
    closed = fdiv.gaussian(name, mp, sp, mq, sq)
    if closed == math.inf:  # the integrand grows without bound in the tails
        assert numeric > 1e6
    else:
        assert closed == pytest.approx(numeric, rel=1e-6)


def test_gaussian_edge_cases():
    assert fdiv.gaussian("pearson", 0, 2.0, 0, 1.0) == math.inf  # 2 s_q^2 <= s_p^2
    assert fdiv.gaussian("kl", 0.3, 1.1, 0.3, 1.1) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="no closed form"):
        fdiv.gaussian("js", 0, 1, 1, 1)
    with pytest.raises(ValueError, match="unknown"):
        fdiv.gaussian("nope", 0, 1, 1, 1)
    with pytest.raises(ValueError, match="positive"):
        fdiv.gaussian("kl", 0, 0.0, 1, 1)


@pytest.mark.parametrize("name", NAMES)
def test_exponential_forms_match_the_functions(name):
    # The (c0, c1, a, b) forms that the stable batch means use must be the same functions.
    row = fdiv.get(name)
    v = torch.linspace(-5, 5, 101, dtype=torch.float64)
    assert torch.allclose(row.mean_activation(v), row.activation(v).mean(), rtol=1e-10)
    assert torch.allclose(row.mean_conj_activation(v), row.conj_activation(v).mean(), rtol=1e-10)
    for form, fn in ((row.activation_exp, row.activation),
                     (row.conj_activation_exp, row.conj_activation)):
        if form is not None:
            c0, c1, a, b = form
            assert torch.allclose(c0 + c1 * torch.exp(a * v + b), fn(v), rtol=1e-12)


def test_gaussian_overflow_and_bad_numbers():
    # Pearson chi^2 between far-apart Gaussians exceeds any float: inf, not OverflowError.
    assert fdiv.gaussian("pearson", 0.0, 1.0, 60.0, 1.0) == math.inf
    assert fdiv.gaussian("neyman", 0.0, 1.0, 60.0, 1.0) == math.inf
    assert math.isfinite(fdiv.gaussian("pearson", 0.0, 1.0, 5.0, 1.0))
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite"):
            fdiv.gaussian("kl", 0.0, bad, 0.0, 1.0)
        with pytest.raises(ValueError, match="finite"):
            fdiv.gaussian("kl", bad, 1.0, 0.0, 1.0)


# The alternative generator update: what it descends at the optimal critic, row by row.
# Closed forms written out independently of ganlib.fdiv's g functions, in float64 torch.
X_ALT = torch.linspace(-15, 15, 30001, dtype=torch.float64)
DX_ALT = (X_ALT[1] - X_ALT[0]).item()


def _normal(x, mu, sd):
    return torch.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def _kl(a, b):
    return (torch.xlogy(a, a) - torch.xlogy(a, b)).sum() * DX_ALT


ALTERNATIVE_CLOSED_FORMS = {  # what the alternative update descends, by the row's name
    "kl": lambda p, q: _kl(q, p),
    "reverse-kl": lambda p, q: 0.5 * ((q - p) ** 2 / p).sum() * DX_ALT,
    "pearson": lambda p, q: 2 * _kl(p, q),
    "neyman": lambda p, q: ((q**3 / p**2).sum() * DX_ALT - 1) / 3,
    "hellinger": lambda p, q: 2 * ((q**1.5 / p**0.5).sum() * DX_ALT - 1) / 3,
    "js": lambda p, q: 2 * _kl((p + q) / 2, p),
    "gan": lambda p, q: _kl(q, p) - (_kl(p, (p + q) / 2) + _kl(q, (p + q) / 2)),
    "tv": lambda p, q: 0.5 * (p - q).abs().sum() * DX_ALT,
}


@pytest.mark.parametrize("name", NAMES)
def test_alternative_update_descends_the_named_divergence(name):
    # P a two-Gaussian mixture, Q = N(mu, sigma^2) with theta = (mu, log sigma). At the optimal
    # critic T* = f'(p/q), held fixed, the alternative loss -E_Q[T*] has gradient
    # -int grad(q) f'(p/q); it must equal the gradient of the closed form the row names.
    # P's tails (sd 1) are wider than Q's, so every closed form is finite.
    row = fdiv.get(name)
    p = 0.5 * _normal(X_ALT, -1.0, 1.0) + 0.5 * _normal(X_ALT, 1.5, 0.8)
    for mu, sd in [(0.3, 0.9), (1.2, 0.7), (-0.8, 0.8)]:
        theta = torch.tensor([mu, math.log(sd)], dtype=torch.float64, requires_grad=True)
        q = _normal(X_ALT, theta[0], theta[1].exp())
        t_star = row.f_prime(p / q.detach())
        alternative_loss = -(q * t_star).sum() * DX_ALT  # -E_Q[T*], T* fixed
        closed = ALTERNATIVE_CLOSED_FORMS[name](p, q)
        by_update = torch.autograd.grad(alternative_loss, theta, retain_graph=True)[0]
        by_closed_form = torch.autograd.grad(closed, theta, retain_graph=True)[0]
        assert torch.allclose(by_update, by_closed_form, rtol=1e-6, atol=1e-9), (
            name, by_update, by_closed_form)
        # ganlib's function computes the same value (h differs from the closed form's
        # integrand by c (v - 1), whose integral is zero for normalised P and Q)
        value = row.alternative_divergence(p, q.detach(), DX_ALT).item()
        assert value == pytest.approx(closed.item(), rel=1e-6, abs=1e-9), name
        # and the saddle-point update descends D_f(P || Q) itself
        r = p / q.detach()  # f*(T*) = r f'(r) - f(r); far out T* rounds onto dom f*'s edge
        saddle_loss = -(q * (r * t_star - row.f(r))).sum() * DX_ALT  # -E_Q[f*(T*)]
        d_f = row.divergence(p, q, DX_ALT)
        by_saddle = torch.autograd.grad(saddle_loss, theta, retain_graph=True)[0]
        assert torch.allclose(by_saddle, torch.autograd.grad(d_f, theta)[0],
                              rtol=1e-6, atol=1e-9), name


@pytest.mark.parametrize("name", NAMES)
def test_alternative_h_is_a_generator_function(name):
    # h(1) = 0, h convex, h'(v) = -f'(1/v), and lim h(v)/v = -f'(0+).
    row = fdiv.get(name)
    h = row.alternative_h
    assert h(torch.tensor(1.0, dtype=torch.float64)).item() == pytest.approx(0.0, abs=1e-12)
    assert (np.diff(h(U).numpy(), 2) >= -1e-12).all()
    v = U[(U - 1).abs() > 0.02]
    step = 1e-6
    assert torch.allclose((h(v + step) - h(v - step)) / (2 * step), -row.f_prime(1 / v),
                          atol=1e-6)
    big = torch.tensor([1e12], dtype=torch.float64)
    if row.alternative_h_prime_inf == math.inf:
        assert (h(big) / big).item() > 10
    else:
        assert (h(big) / big).item() == pytest.approx(row.alternative_h_prime_inf, abs=1e-4)


def test_alternative_divergence_without_absolute_continuity():
    # Q's mass where p = 0 costs h'(inf) = -f'(0+): infinite for KL's alternative (KL(Q || P)),
    # 1/2 for TV, 2 for Pearson's (2 KL(P || Q) does not see it: the 2 cancels the linear term).
    p = torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64)
    q = torch.tensor([0.3, 0.3, 0.4], dtype=torch.float64)
    assert fdiv.get("kl").alternative_divergence(p, q).item() == math.inf
    assert fdiv.get("tv").alternative_divergence(p, q).item() == pytest.approx(0.4)
    pn, qn = p.numpy()[:2], q.numpy()[:2]
    assert fdiv.get("pearson").alternative_divergence(p, q).item() == pytest.approx(
        2 * float(np.sum(pn * np.log(pn / qn))), rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_activation_reaches_the_optimal_critic(name):
    # g_f(-500) <= f'(r) <= g_f(500) for density ratios r from 1e-3 to 1e2: the critic's
    # optimum T* = f'(p/q) lies inside the range of the output activation.
    row = fdiv.get(name)
    low, high = row.f_prime(torch.tensor([1e-3, 1e2], dtype=torch.float64))
    g_low, g_high = row.activation(torch.tensor([-500.0, 500.0], dtype=torch.float64))
    assert g_low <= low and high <= g_high, (name, low, high, g_low, g_high)

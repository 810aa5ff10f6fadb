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
    with pytest.raises(ValueError, match="q > 0"):
        fdiv.get("kl").divergence(p, torch.tensor([0.5, 0.5, 0.0, 0.0]))


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

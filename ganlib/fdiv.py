"""f-divergences as f-GAN uses them: one row per divergence (Nowozin et al., 2016, Tables 1-2).

    D_f(P || Q) = E_Q[ f(p(x) / q(x)) ],   f convex, f(1) = 0

The Fenchel conjugate f*(t) = sup_u { u t - f(u) } gives the variational lower bound

    D_f(P || Q) >= sup_T  E_P[T(x)] - E_Q[f*(T(x))],   tight at T = f'(p / q),

and the output activation g_f maps a raw network output V to T = g_f(V) inside dom f*.

Each row holds f, f', f*, dom f*, g_f and ``conj_activation(v)`` = f*(g_f(v)) written as one
numerically stable expression (for the logistic rows it is a softplus). Two notes:

- "gan" has f(1) = -log 4, so D_f = 2 JS - log 4: the GAN value function of Goodfellow et al.
- "js" uses the paper's f(u) = u log u - (u+1) log((u+1)/2), whose D_f is 2 JS(P || Q)
  (JS in nats, at most log 2). We keep the paper's f so its f* and g_f apply unchanged.

Rows with an exponential in g_f or f* (kl, reverse-kl, neyman, hellinger) overflow float32
for |V| near 90 because the true values exceed 3.4e38 there; in float64 they are finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

Fn = Callable[[torch.Tensor], torch.Tensor]
LOG2 = math.log(2.0)


@dataclass(frozen=True)
class FDivergence:
    """One row of the table. Call ``conjugate(t)`` to evaluate f* with its domain checked."""

    name: str
    title: str
    f: Fn  # generator function, u = p/q >= 0
    f_prime: Fn  # derivative of f, so T* = f'(p/q)
    conjugate_unchecked: Fn  # f*(t) for t in dom f*
    in_domain: Fn  # boolean mask: t in dom f*
    domain: str  # dom f* in words, for error messages and the book's table
    activation: Fn  # g_f: R -> dom f*
    activation_text: str
    conj_activation: Fn  # f*(g_f(v)), numerically stable
    conjugate_text: str
    f_text: str

    def conjugate(self, t: torch.Tensor) -> torch.Tensor:
        """f*(t); raises ValueError when some t lies outside dom f*."""
        t = t if torch.is_tensor(t) else torch.as_tensor(t, dtype=torch.float64)
        if not bool(self.in_domain(t).all()):
            bad = t[~self.in_domain(t)].flatten()[0].item()
            raise ValueError(
                f"conjugate of {self.name!r} is defined for {self.domain}, got t = {bad:.4g}; "
                f"apply the output activation g_f (activation) to the raw output first"
            )
        return self.conjugate_unchecked(t)

    def divergence(self, p: torch.Tensor, q: torch.Tensor, dx: float = 1.0) -> torch.Tensor:
        """D_f(P || Q) = sum_x q(x) f(p(x)/q(x)) dx from probabilities or densities on a grid.

        q must be positive wherever it is given; p may be zero.
        """
        p, q = torch.as_tensor(p, dtype=torch.float64), torch.as_tensor(q, dtype=torch.float64)
        if p.shape != q.shape:
            raise ValueError(f"p {tuple(p.shape)} and q {tuple(q.shape)} must have the same shape")
        if bool((q <= 0).any()) or bool((p < 0).any()):
            raise ValueError("need q > 0 and p >= 0 everywhere; drop points where q = 0")
        return (q * self.f(p / q)).sum() * dx


def _xlogx(u):
    return torch.xlogy(u, u)


_ROWS = [
    FDivergence(
        name="kl",
        title="Kullback-Leibler",
        f=_xlogx,
        f_prime=lambda u: 1 + torch.log(u),
        conjugate_unchecked=lambda t: torch.exp(t - 1),
        in_domain=lambda t: torch.isfinite(t),
        domain="all real t",
        activation=lambda v: v,
        activation_text="v",
        conj_activation=lambda v: torch.exp(v - 1),
        conjugate_text="exp(t - 1)",
        f_text="u log u",
    ),
    FDivergence(
        name="reverse-kl",
        title="Reverse KL",
        f=lambda u: -torch.log(u),
        f_prime=lambda u: -1 / u,
        conjugate_unchecked=lambda t: -1 - torch.log(-t),
        in_domain=lambda t: t < 0,
        domain="t < 0",
        activation=lambda v: -torch.exp(-v),
        activation_text="-exp(-v)",
        conj_activation=lambda v: v - 1,  # -1 - log(exp(-v))
        conjugate_text="-1 - log(-t)",
        f_text="-log u",
    ),
    FDivergence(
        name="pearson",
        title="Pearson chi-squared",
        f=lambda u: (u - 1) ** 2,
        f_prime=lambda u: 2 * (u - 1),
        conjugate_unchecked=lambda t: t**2 / 4 + t,
        in_domain=lambda t: torch.isfinite(t),
        domain="all real t",
        activation=lambda v: v,
        activation_text="v",
        conj_activation=lambda v: v**2 / 4 + v,
        conjugate_text="t^2/4 + t",
        f_text="(u - 1)^2",
    ),
    FDivergence(
        name="neyman",
        title="Neyman chi-squared",
        f=lambda u: (1 - u) ** 2 / u,
        f_prime=lambda u: 1 - u ** (-2),
        conjugate_unchecked=lambda t: 2 - 2 * torch.sqrt(1 - t),
        in_domain=lambda t: t < 1,
        domain="t < 1",
        activation=lambda v: 1 - torch.exp(-v),
        activation_text="1 - exp(-v)",
        conj_activation=lambda v: 2 - 2 * torch.exp(-v / 2),  # sqrt(1 - g) = exp(-v/2)
        conjugate_text="2 - 2 sqrt(1 - t)",
        f_text="(1 - u)^2 / u",
    ),
    FDivergence(
        name="hellinger",
        title="Squared Hellinger",
        f=lambda u: (torch.sqrt(u) - 1) ** 2,
        f_prime=lambda u: 1 - u ** (-0.5),
        conjugate_unchecked=lambda t: t / (1 - t),
        in_domain=lambda t: t < 1,
        domain="t < 1",
        activation=lambda v: 1 - torch.exp(-v),
        activation_text="1 - exp(-v)",
        conj_activation=lambda v: torch.expm1(v),  # g / (1 - g) = e^v - 1
        conjugate_text="t / (1 - t)",
        f_text="(sqrt(u) - 1)^2",
    ),
    FDivergence(
        name="js",
        title="Jensen-Shannon (D_f = 2 JS)",
        f=lambda u: _xlogx(u) - torch.xlogy(u + 1, (u + 1) / 2),
        f_prime=lambda u: torch.log(2 * u / (u + 1)),
        conjugate_unchecked=lambda t: -torch.log(2 - torch.exp(t)),
        in_domain=lambda t: t < LOG2,
        domain="t < log 2",
        activation=lambda v: LOG2 - F.softplus(-v),
        activation_text="log 2 - log(1 + exp(-v))",
        conj_activation=lambda v: F.softplus(v) - LOG2,  # -log(2 - 2 sigma(v))
        conjugate_text="-log(2 - exp(t))",
        f_text="u log u - (u + 1) log((u + 1)/2)",
    ),
    FDivergence(
        name="gan",
        title="GAN (D_f = 2 JS - log 4)",
        f=lambda u: _xlogx(u) - torch.xlogy(u + 1, u + 1),
        f_prime=lambda u: torch.log(u / (u + 1)),
        conjugate_unchecked=lambda t: -torch.log(-torch.expm1(t)),
        in_domain=lambda t: t < 0,
        domain="t < 0",
        activation=lambda v: -F.softplus(-v),
        activation_text="-log(1 + exp(-v))",
        conj_activation=F.softplus,  # -log(1 - sigma(v))
        conjugate_text="-log(1 - exp(t))",
        f_text="u log u - (u + 1) log(u + 1)",
    ),
    FDivergence(
        name="tv",
        title="Total variation",
        f=lambda u: 0.5 * torch.abs(u - 1),
        f_prime=lambda u: 0.5 * torch.sign(u - 1),
        conjugate_unchecked=lambda t: t,
        in_domain=lambda t: torch.abs(t) <= 0.5,
        domain="|t| <= 1/2",
        activation=lambda v: 0.5 * torch.tanh(v),
        activation_text="tanh(v) / 2",
        conj_activation=lambda v: 0.5 * torch.tanh(v),
        conjugate_text="t",
        f_text="|u - 1| / 2",
    ),
]
_TABLE = {row.name: row for row in _ROWS}


def names() -> list[str]:
    """Names of every divergence in the table."""
    return list(_TABLE)


def get(name: str) -> FDivergence:
    """The row called ``name``; ValueError listing the valid names otherwise."""
    if name not in _TABLE:
        raise ValueError(f"unknown f-divergence {name!r}; choose one of: {', '.join(names())}")
    return _TABLE[name]


# ------------------------------------------------- closed forms for univariate Gaussians


def gaussian(name: str, mu_p: float, sigma_p: float, mu_q: float, sigma_q: float) -> float:
    """D_f(N(mu_p, sigma_p^2) || N(mu_q, sigma_q^2)) in closed form, in nats.

    kl:         log(s_q/s_p) + (s_p^2 + (mu_p - mu_q)^2) / (2 s_q^2) - 1/2
    reverse-kl: kl with P and Q swapped
    hellinger:  2 - 2 sqrt(2 s_p s_q / (s_p^2 + s_q^2)) exp(-(mu_p - mu_q)^2 / (4 (s_p^2 + s_q^2)))
    pearson:    s_q^2 / (s_p sqrt(2 s_q^2 - s_p^2)) exp((mu_p - mu_q)^2 / (2 s_q^2 - s_p^2)) - 1,
                infinite unless 2 s_q^2 > s_p^2
    neyman:     pearson with P and Q swapped
    (e.g. Nielsen & Nock, 2014, for the chi-squared forms). JS, GAN and TV have none.
    """
    if sigma_p <= 0 or sigma_q <= 0:
        raise ValueError(f"standard deviations must be positive, got {sigma_p} and {sigma_q}")
    d2 = (mu_p - mu_q) ** 2
    sp2, sq2 = sigma_p**2, sigma_q**2
    if name == "kl":
        return math.log(sigma_q / sigma_p) + (sp2 + d2) / (2 * sq2) - 0.5
    if name == "reverse-kl":
        return gaussian("kl", mu_q, sigma_q, mu_p, sigma_p)
    if name == "hellinger":
        bc = math.sqrt(2 * sigma_p * sigma_q / (sp2 + sq2)) * math.exp(-d2 / (4 * (sp2 + sq2)))
        return 2 - 2 * bc
    if name == "pearson":
        if 2 * sq2 <= sp2:
            return math.inf
        return sq2 / (sigma_p * math.sqrt(2 * sq2 - sp2)) * math.exp(d2 / (2 * sq2 - sp2)) - 1
    if name == "neyman":
        return gaussian("pearson", mu_q, sigma_q, mu_p, sigma_p)
    get(name)  # unknown names raise here
    raise ValueError(
        f"no closed form for {name!r} between Gaussians; closed forms exist for "
        "kl, reverse-kl, hellinger, pearson, neyman -- integrate numerically otherwise"
    )

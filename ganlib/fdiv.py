"""f-divergences as f-GAN uses them: one row per divergence (Nowozin et al., 2016, Tables 1-2).

    D_f(P || Q) = E_Q[ f(p(x) / q(x)) ],   f convex, f(1) = 0

The Fenchel conjugate f*(t) = sup_u { u t - f(u) } gives the variational lower bound

    D_f(P || Q) >= sup_T  E_P[T(x)] - E_Q[f*(T(x))],   tight at T = f'(p / q),

and the output activation g_f maps a raw network output V to T = g_f(V) inside dom f*.

Each row holds f, f', f*, dom f*, g_f and ``conj_activation(v)`` = f*(g_f(v)) written as one
numerically stable expression (for the logistic rows it is a softplus). Three notes:

- "gan" has f(1) = -log 4, so D_f = 2 JS - log 4: the GAN value function of Goodfellow et al.
- "js" uses the paper's f(u) = u log u - (u+1) log((u+1)/2), whose D_f is 2 JS(P || Q)
  (JS in nats, at most log 2). We keep the paper's f so its f* and g_f apply unchanged.
- "pearson", f(u) = (u - 1)^2, is int (p - q)^2 / q and "neyman", f(u) = (1 - u)^2 / u, is
  int (p - q)^2 / p, as D_f = E_Q[f(p/q)] gives them; the paper's Table 1 prints the two
  integrals the other way round.

Rows with an exponential in g_f or f*(g_f) (kl, reverse-kl, neyman, hellinger) also record it
as ``(c0, c1, a, b)``: g_f(v) = c0 + c1 exp(a v + b), and likewise for f*(g_f(v)). The batch
means that the losses take, ``mean_activation`` and ``mean_conj_activation``, use it to compute
E[exp(a v + b)] as exp(logsumexp(a v + b) - log N), so a batch mean is finite whenever its true
value is representable (in float32, below 3.4e38 = e^88.72), whatever the batch size; summing
the exponentials first would overflow N times sooner. ``ganlib.losses.finite_range`` turns
these forms into the range of outputs over which each loss is finite. Chapter 4,
"f-divergences", "Fenchel conjugates" and "Why an output activation" derive the table; tests:
tests/test_fdiv.py.

Each row also says what the generator's *alternative* update (Nowozin et al., 2016: G
maximises E_Q[g_f(V)] instead of minimising -E_Q[f*(g_f(V))]) descends when the critic is
optimal, T = f'(p/q). That update's gradient is -int grad(q) f'(p/q), the gradient of the
f-divergence with the arguments swapped,

    D_h(Q || P) = E_P[ h(q(x) / p(x)) ],   h(v) = -int_1^v f'(1/s) ds,

with h convex (h''(v) = f''(1/v) / v^2) and h(1) = 0. (The letter h keeps it apart from the
output activation g_f.) ``alternative`` names it in closed form, ``alternative_h`` is h, and
``alternative_divergence(p, q, dx)`` computes it on a grid. The saddle-point update descends
D_f(P || Q) itself. Chapter 4, "What each update descends".

The activations are the increasing ones: -exp(-v) for reverse KL and 1 - exp(-v) for Neyman
and squared Hellinger. The extended table in the paper's appendix (Table 6 of the arXiv
version) prints -exp(v) and 1 - exp(v), decreasing maps onto the same domains; the two choices
differ only by V -> -V.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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
    alternative: str  # what the alternative G update descends at the optimal critic
    alternative_h: Fn  # h(v) = -int_1^v f'(1/s) ds: that divergence is E_P[h(q/p)]
    f_prime_inf: float = math.inf  # f'(inf) = lim f(u)/u, the price of P's mass where q = 0
    activation_exp: tuple | None = None  # (c0, c1, a, b): g_f(v) = c0 + c1 exp(a v + b)
    conj_activation_exp: tuple | None = None  # the same for f*(g_f(v))
    divergence_text: str = ""  # D_f(P || Q) by its usual name: what the saddle point descends

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

    def mean_activation(self, v: torch.Tensor) -> torch.Tensor:
        """E[g_f(v)] over a batch v (N,), finite whenever its true value is representable."""
        return _batch_mean(self.activation, self.activation_exp, v)

    def mean_conj_activation(self, v: torch.Tensor) -> torch.Tensor:
        """E[f*(g_f(v))] over a batch v (N,), finite whenever its true value is representable."""
        return _batch_mean(self.conj_activation, self.conj_activation_exp, v)

    def divergence(self, p: torch.Tensor, q: torch.Tensor, dx: float = 1.0) -> torch.Tensor:
        """D_f(P || Q) from probabilities or densities p, q on a grid, without assuming P << Q:

        D_f(P || Q) = sum_{q > 0} q f(p/q) dx + f'(inf) P(q = 0),   f'(inf) = lim f(u)/u

        (Liese & Vajda, 2006). P's mass where q = 0 costs f'(inf) per unit: inf for KL and
        Pearson, log 2 for the "js" row (whose D_f is 2 JS), 1/2 for TV, 0 for reverse KL.
        The result is inf where the divergence is (0 * inf counts as 0). Chapter 2, "Disjoint
        supports"; test: tests/test_fdiv.py::test_divergence_without_absolute_continuity.
        """
        return _f_divergence(self.f, self.f_prime_inf, p, q, dx)

    def alternative_divergence(self, p: torch.Tensor, q: torch.Tensor,
                               dx: float = 1.0) -> torch.Tensor:
        """D_h(Q || P), what the alternative generator update descends at the optimal critic:

        D_h(Q || P) = sum_{p > 0} p h(q/p) dx + h'(inf) Q(p = 0),   h = ``alternative_h``,

        with h'(inf) = lim h(v)/v = -f'(0+). Its gradient in the generator's parameters is
        -int grad(q) f'(p/q), the alternative update's gradient when T = f'(p/q) (Nowozin et
        al., 2016: G maximises E_Q[T]). ``alternative`` names it: KL(Q || P) for the KL row,
        1/2 chi^2(Q || P) for reverse KL, 2 KL(P || Q) for Pearson, KL(Q || P) - 2 JS for the
        GAN row (Arjovsky & Bottou, 2017, Thm. 2.5). Chapter 4, "What each update descends";
        test: tests/test_fdiv.py::test_alternative_update_descends_the_named_divergence.
        """
        return _f_divergence(self.alternative_h, self.alternative_h_prime_inf, q, p, dx)

    @property
    def alternative_h_prime_inf(self) -> float:
        """lim h(v)/v = -f'(0+): the price of Q's mass where p = 0 in ``alternative_divergence``."""
        return -self.f_prime(torch.tensor(0.0, dtype=torch.float64)).item()


def _f_divergence(f: Fn, f_inf: float, p, q, dx: float) -> torch.Tensor:
    """sum_{q > 0} q f(p/q) dx + f_inf P(q = 0) dx, with the inputs checked."""
    p, q = torch.as_tensor(p, dtype=torch.float64), torch.as_tensor(q, dtype=torch.float64)
    if p.shape != q.shape:
        raise ValueError(f"p {tuple(p.shape)} and q {tuple(q.shape)} must have the same shape")
    if not (torch.isfinite(p).all() and torch.isfinite(q).all()):
        raise ValueError("p and q must be finite: they contain NaN or inf")
    if bool((q < 0).any()) or bool((p < 0).any()):
        raise ValueError("p and q are densities or probabilities: need p >= 0 and q >= 0")
    inside = q > 0
    value = (q[inside] * f(p[inside] / q[inside])).sum()
    outside = p[~inside].sum()
    if outside > 0:
        value = value + f_inf * outside
    return value * dx


def _batch_mean(fn: Fn, form: tuple | None, v: torch.Tensor) -> torch.Tensor:
    if form is None:
        return fn(v).mean()
    c0, c1, a, b = form  # mean of c0 + c1 exp(a v + b), the exponentials averaged in log space
    return c0 + c1 * torch.exp(torch.logsumexp(a * v + b, dim=0) - math.log(v.shape[0]))


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
        alternative="KL(Q || P)",
        alternative_h=lambda v: _xlogx(v) - 2 * (v - 1),
        divergence_text="KL(P || Q)",
        f_prime_inf=math.inf,
        conj_activation_exp=(0.0, 1.0, 1.0, -1.0),
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
        alternative="1/2 chi^2_Pearson(Q || P) = 1/2 int (q - p)^2 / p",
        alternative_h=lambda v: (v**2 - 1) / 2,
        divergence_text="KL(Q || P)",
        f_prime_inf=0.0,
        activation_exp=(0.0, -1.0, -1.0, 0.0),
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
        alternative="2 KL(P || Q)",
        alternative_h=lambda v: 2 * (v - 1) - 2 * torch.log(v),
        divergence_text="chi^2_Pearson(P || Q)",
        f_prime_inf=math.inf,
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
        alternative="(int q^3 / p^2 - 1) / 3",
        alternative_h=lambda v: (v**3 - 1) / 3 - (v - 1),
        divergence_text="chi^2_Neyman(P || Q)",
        f_prime_inf=1.0,
        activation_exp=(1.0, -1.0, -1.0, 0.0),
        conj_activation_exp=(2.0, -2.0, -0.5, 0.0),
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
        alternative="2/3 (int q^(3/2) / p^(1/2) - 1)",
        alternative_h=lambda v: 2 * (v**1.5 - 1) / 3 - (v - 1),
        divergence_text="H^2(P, Q), squared Hellinger",
        f_prime_inf=1.0,
        activation_exp=(1.0, -1.0, -1.0, 0.0),
        conj_activation_exp=(-1.0, 1.0, 1.0, 0.0),
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
        alternative="2 KL(M || P), M = (P + Q)/2",
        alternative_h=lambda v: torch.xlogy(1 + v, (1 + v) / 2) - (v - 1),
        divergence_text="2 JS(P || Q)",
        f_prime_inf=LOG2,
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
        alternative="2 KL(M || P) = KL(Q || P) - 2 JS(P || Q)",
        alternative_h=lambda v: torch.xlogy(1 + v, 1 + v) - 2 * LOG2 - (v - 1),
        divergence_text="2 JS(P || Q) - log 4",
        f_prime_inf=0.0,
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
        alternative="TV(P, Q)",
        alternative_h=lambda v: 0.5 * torch.abs(v - 1),
        divergence_text="TV(P, Q)",
        f_prime_inf=0.5,
    ),
]
_TABLE = {row.name: row for row in _ROWS}


def names() -> list[str]:
    """Names of every divergence in the table."""
    return list(_TABLE)


def get(name: str) -> FDivergence:
    """The row called ``name``; ValueError listing the valid names otherwise.

    Chapter 4, "f-divergences"; test: tests/test_fdiv.py::test_table_has_the_eight_rows.
    """
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

    Chapter 4, "Two mistakes that still run" and "Estimating a divergence with a critic"; test:
    tests/test_fdiv.py::test_gaussian_closed_forms_against_quadrature.
    """
    for what, value in (("mu_p", mu_p), ("sigma_p", sigma_p), ("mu_q", mu_q), ("sigma_q", sigma_q)):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be a finite number, got {value}")
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
        exponent = d2 / (2 * sq2 - sp2)  # past ~709 the value exceeds a float: it is inf
        scale = sq2 / (sigma_p * math.sqrt(2 * sq2 - sp2))
        return math.inf if exponent + math.log(scale) > 709.7 else scale * math.exp(exponent) - 1
    if name == "neyman":
        return gaussian("pearson", mu_q, sigma_q, mu_p, sigma_p)
    get(name)  # unknown names raise here
    raise ValueError(
        f"no closed form for {name!r} between Gaussians; closed forms exist for "
        "kl, reverse-kl, hellinger, pearson, neyman -- integrate numerically otherwise"
    )

"""The one-dimensional examples the chapters compute with, by quadrature and by sampling.

A :class:`Pair` is two distributions on the line, P (the data) and Q (the generator), each an
equal- or unequal-weight mixture of Gaussians. It gives their log densities (torch, for the
chapters' grids and optimal discriminators), samplers of (n, 1) batches (what a 1-D
discriminator takes), a float64 quadrature grid, and the same densities from ``scipy.stats``
-- an implementation independent of torch, for the checks that compare the two.

- ``BIMODAL``: chapters 1, 3 and 4: P = 1/2 N(-2, 0.5^2) + 1/2 N(2, 0.5^2), Q = N(0.5, 1).
- ``gaussians(mu_p, sd_p, mu_q, sd_q)``: two Gaussians (chapters 3 and 4).

Chapter 1, "The game", introduces BIMODAL; tests: tests/test_examples.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def _log_mixture(x: torch.Tensor, parts: tuple) -> torch.Tensor:
    logs = [math.log(w) - 0.5 * ((x - m) / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))
            for w, m, s in parts]
    return torch.logsumexp(torch.stack(logs), dim=0)


def _sample(parts: tuple, n: int, device, generator) -> torch.Tensor:
    weights = torch.tensor([w for w, _, _ in parts], device=device)
    means = torch.tensor([m for _, m, _ in parts], device=device)
    stds = torch.tensor([s for _, _, s in parts], device=device)
    idx = torch.multinomial(weights, n, replacement=True, generator=generator)
    return (means[idx] + stds[idx] * torch.randn(n, device=device, generator=generator))[:, None]


@dataclass(frozen=True)
class Pair:
    """P and Q on the line, each a mixture ((weight, mean, std), ...) of Gaussians."""

    p_parts: tuple
    q_parts: tuple

    def log_p(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x), elementwise."""
        return _log_mixture(x, self.p_parts)

    def log_q(self, x: torch.Tensor) -> torch.Tensor:
        """log q(x), elementwise."""
        return _log_mixture(x, self.q_parts)

    def sample_p(self, n: int, device=None, generator: torch.Generator | None = None):
        """n draws from P, shape (n, 1)."""
        return _sample(self.p_parts, n, device, generator)

    def sample_q(self, n: int, device=None, generator: torch.Generator | None = None):
        """n draws from Q, shape (n, 1)."""
        return _sample(self.q_parts, n, device, generator)

    def grid(self, lo: float = -10.0, hi: float = 10.0, points: int = 20_001):
        """A float64 quadrature grid: (x, dx, p(x), q(x))."""
        x = torch.linspace(lo, hi, points, dtype=torch.float64)
        return x, (x[1] - x[0]).item(), self.log_p(x).exp(), self.log_q(x).exp()

    def scipy_pdfs(self, t):
        """p(t) and q(t) from scipy.stats (NumPy), independently of the torch code above."""
        from scipy import stats

        def pdf(parts):
            return sum(w * stats.norm.pdf(t, m, s) for w, m, s in parts)

        return pdf(self.p_parts), pdf(self.q_parts)

    def js(self) -> float:
        """JS(P || Q) in nats, by adaptive quadrature of the scipy densities (an independent
        check of grid sums and of ganlib.fdiv)."""
        from scipy import integrate, special

        def integrand(t):
            a, b = self.scipy_pdfs(t)
            m = 0.5 * (a + b)
            return 0.5 * special.xlogy(a, a / m) + 0.5 * special.xlogy(b, b / m)

        means = sorted({m for _, m, _ in self.p_parts + self.q_parts})
        return integrate.quad(integrand, -12, 12, points=means, limit=200, epsabs=1e-12)[0]


BIMODAL = Pair(((0.5, -2.0, 0.5), (0.5, 2.0, 0.5)), ((1.0, 0.5, 1.0),))


def gaussians(mu_p: float, sd_p: float, mu_q: float, sd_q: float) -> Pair:
    """P = N(mu_p, sd_p^2), Q = N(mu_q, sd_q^2)."""
    return Pair(((1.0, mu_p, sd_p),), ((1.0, mu_q, sd_q),))

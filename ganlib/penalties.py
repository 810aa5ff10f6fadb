"""Lipschitz and gradient penalties for discriminators and critics.

Every penalty comes back *unweighted* as a batch mean: the caller multiplies by lambda
(WGAN-GP, WGAN-LP, DRAGAN) or gamma/2 (R1, R2) and adds it to the discriminator's loss.
``critic`` is any callable of one (N, ...) tensor returning one score per sample, shape (N,) or
(N, 1); wrap a conditional critic with a lambda, e.g. ``lambda x: D(x, c)``. Random draws
(interpolation weights, perturbations) come from ``generator`` when one is given.

``get(name, **params)`` returns a :class:`Penalty`, a callable on (critic, real, fake), for the
names in ``names()``: gp, lp, dragan, r1, r2, and r1r2 (their sum, R3GAN's regulariser).
Chapter 6 derives them; tests: tests/test_penalties.py.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn


def _batch(x: torch.Tensor, what: str, minimum: int = 1) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() < 2 or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{what} must be a float batch of shape (N, ...), got {shape}")
    if len(x) < minimum:
        raise ValueError(f"{what} holds {len(x)} samples; this penalty needs at least {minimum}")
    return x.detach()


def _grad_norms(critic, x: torch.Tensor) -> torch.Tensor:
    """|| d critic(x_i) / d x_i ||_2 for each sample, keeping the graph for a second backward."""
    x = x.requires_grad_(True)
    scores = critic(x)
    if not isinstance(scores, torch.Tensor) or scores.shape not in ((len(x),), (len(x), 1)):
        shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
        raise ValueError(
            f"critic must return one score per sample, shape ({len(x)},) or ({len(x)}, 1), got "
            f"{shape}; do not average over the batch (with the batch mean every gradient "
            "shrinks by 1/N: R1 and R2 by N^2, and the other penalties no longer measure a "
            "per-sample slope), and return only the score, not a tuple of heads"
        )
    if not scores.requires_grad:
        raise ValueError("the critic's scores do not depend differentiably on its input; a "
                         "gradient penalty needs a critic built from differentiable operations "
                         "(no .detach(), no torch.no_grad(), no argmax or rounding on x)")
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True, allow_unused=True)
    if grad is None:
        raise ValueError("the critic's scores do not depend on its input x; check that the "
                         "critic uses the tensor it is given")
    return grad.flatten(1).norm(2, dim=1)


def _check_pair(real: torch.Tensor, fake: torch.Tensor) -> None:
    if real.shape != fake.shape:
        raise ValueError(
            f"real {tuple(real.shape)} and fake {tuple(fake.shape)} batches must have the same "
            "shape to interpolate between them; draw as many fake samples as real ones"
        )


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, one_sided: bool = False,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """Gradient penalty on random interpolates between real and fake samples.

    x_hat = e x + (1 - e) G(z),   e ~ U[0, 1] per sample
    two-sided (WGAN-GP, Gulrajani et al., 2017, Eq. 3):  E[(||grad D(x_hat)|| - 1)^2]
    one-sided (WGAN-LP, Petzka et al., 2018):             E[max(0, ||grad D(x_hat)|| - 1)^2]

    The papers use lambda = 10. Norms are per sample, as in the papers (chapter 6, "One norm
    per sample, not per batch", shows what a per-batch norm does instead).

    Chapter 6, "WGAN-GP: two-sided, on interpolates" and "WGAN-LP: one-sided"; test:
    tests/test_penalties.py::test_linear_critic_has_gradient_norm_w_everywhere.
    """
    real, fake = _batch(real, "real"), _batch(fake, "fake")
    _check_pair(real, fake)
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device,
                     dtype=real.dtype, generator=generator)
    excess = _grad_norms(critic, eps * real + (1 - eps) * fake) - 1
    if one_sided:
        excess = excess.clamp(min=0)
    return excess.pow(2).mean()


def dragan_penalty(critic, real: torch.Tensor, scale: float = 0.5, k: float = 1.0,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """DRAGAN's penalty around the data (Kodali et al., 2017, Eq. 3).

    E_{x, delta}[(||grad D(x + delta)|| - k)^2],   delta ~ N(0, c^2 I),  c = scale * std(x)

    std(x) is the standard deviation of all the values in the real batch (at least two
    samples); the authors use lambda = 10 and k = 1. (Their code perturbs with uniform noise
    on [0, 1) times 0.5 std(x) -- one-sided: every coordinate moves up -- along a random
    fraction of the way; both keep the penalty in a neighbourhood of the data.)

    Chapter 6, "DRAGAN: around the data"; test:
    tests/test_penalties.py::test_linear_critic_has_gradient_norm_w_everywhere.
    """
    real = _batch(real, "real", minimum=2)
    c = scale * real.std()
    noise = torch.randn(real.shape, device=real.device, dtype=real.dtype, generator=generator)
    return (_grad_norms(critic, real + c * noise) - k).pow(2).mean()


def r1_penalty(critic, real: torch.Tensor) -> torch.Tensor:
    """R1 regulariser (Mescheder et al., 2018, Eq. 9): E_{x ~ p_data}[||grad D(x)||^2].

    Added to D's loss as gamma/2 * R1.

    Chapter 4, "Training f-GANs on the ring"; chapter 6, "R1 and R2: zero-centred"; test:
    tests/test_penalties.py::test_quadratic_critic.
    """
    return _grad_norms(critic, _batch(real, "real")).pow(2).mean()


def r2_penalty(critic, fake: torch.Tensor) -> torch.Tensor:
    """R2 regulariser (Mescheder et al., 2018, Eq. 10): E_{x ~ p_g}[||grad D(x)||^2].

    Added to D's loss as gamma/2 * R2.

    Chapter 6, "R1 and R2: zero-centred"; test:
    tests/test_penalties.py::test_linear_critic_has_gradient_norm_w_everywhere.
    """
    return _grad_norms(critic, _batch(fake, "fake")).pow(2).mean()


@torch.no_grad()
def clip_weights(module: nn.Module, c: float) -> None:
    """Clamp every parameter of ``module`` to [-c, c] in place (Arjovsky et al., 2017, Alg. 1).

    The paper uses c = 0.01 after each critic update.

    Chapter 5, "Weight clipping"; test: tests/test_penalties.py::test_clip_weights.
    """
    if not isinstance(c, (int, float)) or not math.isfinite(c) or c <= 0:
        raise ValueError(f"clip value must be a finite positive number, got {c!r}")
    for p in module.parameters():
        p.clamp_(-c, c)


# ------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Penalty:
    """A named penalty: ``penalty(critic, real, fake, generator=None)`` -> unweighted scalar."""

    name: str
    fn: Callable[..., torch.Tensor]
    params: dict = field(default_factory=dict)

    def __call__(self, critic, real: torch.Tensor, fake: torch.Tensor,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        return self.fn(critic, real, fake, generator, **self.params)


_FACTORIES = {
    "gp": lambda c, r, f, g: gradient_penalty(c, r, f, generator=g),
    "lp": lambda c, r, f, g: gradient_penalty(c, r, f, one_sided=True, generator=g),
    "dragan": lambda c, r, f, g, scale=0.5, k=1.0: dragan_penalty(c, r, scale, k, generator=g),
    "r1": lambda c, r, f, g: r1_penalty(c, r),
    "r2": lambda c, r, f, g: r2_penalty(c, f),
    # R3GAN's regulariser (Huang et al., 2024; chapter 7): gamma/2 * (R1 + R2), one weight
    "r1r2": lambda c, r, f, g: r1_penalty(c, r) + r2_penalty(c, f),
}


def names() -> list[str]:
    """Every penalty name that :func:`get` accepts."""
    return list(_FACTORIES)


def get(name: str, **params) -> Penalty:
    """The penalty called ``name`` with its parameters, e.g. ``get("dragan", scale=0.5)``.

    Raises ValueError for an unknown name (listing the valid ones) or unknown parameters.

    Chapter 6, "In code"; test: tests/test_penalties.py::test_registry.
    """
    if name not in _FACTORIES:
        raise ValueError(f"unknown penalty {name!r}; choose one of: {', '.join(names())}")
    accepted = list(inspect.signature(_FACTORIES[name]).parameters)[4:]
    unknown = set(params) - set(accepted)
    if unknown:
        raise ValueError(f"bad parameters {sorted(unknown)} for penalty {name!r}; it takes "
                         f"{accepted or 'none'}")
    return Penalty(name, _FACTORIES[name], dict(params))

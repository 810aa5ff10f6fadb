"""Lipschitz and gradient penalties for discriminators and critics.

Every penalty comes back *unweighted* as a batch mean: the caller multiplies by lambda
(WGAN-GP, WGAN-LP, DRAGAN) or gamma/2 (R1, R2) and adds it to the discriminator's loss.
``critic`` is any callable of one (N, ...) tensor returning one score per sample, shape (N,) or
(N, 1); wrap a conditional critic with a lambda, e.g. ``lambda x: D(x, c)``. Random draws
(interpolation weights, perturbations) come from ``generator`` when one is given.

Stacked mode (``stacked=True``, for :mod:`ganlib.ensemble`'s E runs at once): real and fake
are (E, N, ...), one batch per member; the critic maps (E, N, ...) to (E, N) or (E, N, 1),
member i's scores depending on member i's samples alone; ``generator`` is a list of E
generators, member i drawing from its own exactly what the unstacked penalty draws for its
batch (same shapes, same order), and an entry None draws nothing and gets zeros (a stopped
member, whose stream must not move). DRAGAN's std is each member's own. The result is each
member's batch mean, (E,); member i's is the unstacked penalty of member i's batch, up to
rounding.

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


def _batch(x: torch.Tensor, what: str, minimum: int = 1, stacked: bool = False) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() < 2 + stacked or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        lead = "(E, N, ...), E members' batches (stacked=True)" if stacked else "(N, ...)"
        raise ValueError(f"{what} must be a float batch of shape {lead}, got {shape}")
    if stacked and len(x) == 0:
        raise ValueError(f"{what} holds no members; a stacked batch needs at least one")
    n = x.shape[1] if stacked else len(x)
    if n < minimum:
        per = " per member" if stacked else ""
        raise ValueError(f"{what} holds {n} samples{per}; this penalty needs at least {minimum}")
    return x.detach()


def _grad_norms(critic, x: torch.Tensor, stacked: bool = False) -> torch.Tensor:
    """|| d critic(x_i) / d x_i ||_2 for each sample, keeping the graph for a second backward.

    Stacked: x (E, N, ...), one norm per member and sample, (E, N).
    """
    x = x.requires_grad_(True)
    scores = critic(x)
    want = tuple(x.shape[:2] if stacked else x.shape[:1])  # one score per sample: (N,) or (E, N)
    if not isinstance(scores, torch.Tensor) or scores.shape not in (want, (*want, 1)):
        shape = tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
        raise ValueError(
            f"critic must return one score per sample, shape {want} or {(*want, 1)}, got "
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
    lead = len(want)  # one norm per sample: over the dimensions after (N,), or (E, N)
    return grad.flatten(lead).norm(2, dim=lead)


def _check_pair(real: torch.Tensor, fake: torch.Tensor) -> None:
    if real.shape != fake.shape:
        raise ValueError(
            f"real {tuple(real.shape)} and fake {tuple(fake.shape)} batches must have the same "
            "shape to interpolate between them; draw as many fake samples as real ones"
        )


def _random(sample, shape: tuple, like: torch.Tensor, generator, stacked: bool) -> torch.Tensor:
    """``sample(shape)`` (torch.rand or torch.randn) from ``generator``. Stacked: one draw of
    ``shape`` per member from its own generator, zeros for a member whose generator is None."""
    opts = dict(device=like.device, dtype=like.dtype)
    if not stacked:
        return sample(shape, generator=generator, **opts)
    if (not isinstance(generator, (list, tuple)) or len(generator) != len(like)
            or not all(g is None or isinstance(g, torch.Generator) for g in generator)):
        got = (f"a {type(generator).__name__} of {len(generator)}"
               if isinstance(generator, (list, tuple)) else type(generator).__name__)
        raise ValueError(f"with stacked=True, generator must be a list of {len(like)} "
                         "torch.Generators, one per member (None for a member that draws "
                         f"nothing), got {got}")
    return torch.stack([torch.zeros(shape, **opts) if g is None else
                        sample(shape, generator=g, **opts) for g in generator])


def _mean(values: torch.Tensor, stacked: bool) -> torch.Tensor:
    """The batch mean; stacked: each member's, (E,)."""
    return values.mean(1) if stacked else values.mean()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, one_sided: bool = False,
                     generator: torch.Generator | list | None = None,
                     stacked: bool = False) -> torch.Tensor:
    """Gradient penalty on random interpolates between real and fake samples.

    x_hat = e x + (1 - e) G(z),   e ~ U[0, 1] per sample
    two-sided (WGAN-GP, Gulrajani et al., 2017, Eq. 3):  E[(||grad D(x_hat)|| - 1)^2]
    one-sided (WGAN-LP, Petzka et al., 2018):             E[max(0, ||grad D(x_hat)|| - 1)^2]

    The papers use lambda = 10. Norms are per sample, as in the papers (chapter 6, "One norm
    per sample, not per batch", shows what a per-batch norm does instead). ``stacked=True``:
    E members at once (see the module's docstring), each member's e from its own generator.

    Chapter 6, "WGAN-GP: two-sided, on interpolates" and "WGAN-LP: one-sided"; tests:
    tests/test_penalties.py::test_linear_critic_has_gradient_norm_w_everywhere,
    tests/test_penalties.py::test_stacked_penalties_are_each_members_own.
    """
    real, fake = _batch(real, "real", stacked=stacked), _batch(fake, "fake", stacked=stacked)
    _check_pair(real, fake)
    one = real.shape[1:] if stacked else real.shape  # one member's batch, (N, ...)
    eps = _random(torch.rand, (one[0], *[1] * (len(one) - 1)), real, generator, stacked)
    excess = _grad_norms(critic, eps * real + (1 - eps) * fake, stacked) - 1
    if one_sided:
        excess = excess.clamp(min=0)
    return _mean(excess.pow(2), stacked)


def dragan_penalty(critic, real: torch.Tensor, scale: float = 0.5, k: float = 1.0,
                   generator: torch.Generator | list | None = None,
                   stacked: bool = False) -> torch.Tensor:
    """DRAGAN's penalty around the data (Kodali et al., 2017, Eq. 3).

    E_{x, delta}[(||grad D(x + delta)|| - k)^2],   delta ~ N(0, c^2 I),  c = scale * std(x)

    std(x) is the standard deviation of all the values in the real batch (at least two
    samples); the authors use lambda = 10 and k = 1. (Their code perturbs with uniform noise
    on [0, 1) times 0.5 std(x) -- one-sided: every coordinate moves up -- along a random
    fraction of the way; both keep the penalty in a neighbourhood of the data.)
    ``stacked=True``: E members at once (see the module's docstring), each with the std of its
    own batch and its delta from its own generator.

    Chapter 6, "DRAGAN: around the data"; tests:
    tests/test_penalties.py::test_linear_critic_has_gradient_norm_w_everywhere,
    tests/test_penalties.py::test_stacked_penalties_are_each_members_own.
    """
    real = _batch(real, "real", minimum=2, stacked=stacked)
    if stacked:  # each member's std, shaped to broadcast over its batch
        c = (scale * real.flatten(1).std(1)).view(-1, *[1] * (real.dim() - 1))
    else:
        c = scale * real.std()
    noise = _random(torch.randn, real.shape[1:] if stacked else real.shape, real, generator,
                    stacked)
    return _mean((_grad_norms(critic, real + c * noise, stacked) - k).pow(2), stacked)


def r1_penalty(critic, real: torch.Tensor, stacked: bool = False) -> torch.Tensor:
    """R1 regulariser (Mescheder et al., 2018, Eq. 9): E_{x ~ p_data}[||grad D(x)||^2].

    Added to D's loss as gamma/2 * R1. ``stacked=True``: E members at once, (E,).

    Chapter 4, "Training f-GANs on the ring"; chapter 6, "R1 and R2: zero-centred"; tests:
    tests/test_penalties.py::test_quadratic_critic,
    tests/test_penalties.py::test_stacked_penalties_are_each_members_own.
    """
    return _mean(_grad_norms(critic, _batch(real, "real", stacked=stacked), stacked).pow(2),
                 stacked)


def r2_penalty(critic, fake: torch.Tensor, stacked: bool = False) -> torch.Tensor:
    """R2 regulariser (Mescheder et al., 2018, Eq. 10): E_{x ~ p_g}[||grad D(x)||^2].

    Added to D's loss as gamma/2 * R2. ``stacked=True``: E members at once, (E,).

    Chapter 6, "R1 and R2: zero-centred"; tests:
    tests/test_penalties.py::test_linear_critic_has_gradient_norm_w_everywhere,
    tests/test_penalties.py::test_stacked_penalties_are_each_members_own.
    """
    return _mean(_grad_norms(critic, _batch(fake, "fake", stacked=stacked), stacked).pow(2),
                 stacked)


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
    """A named penalty: ``penalty(critic, real, fake, generator=None, stacked=False)`` -> the
    unweighted batch mean, or with ``stacked=True`` each member's, (E,) (``generator`` then a
    list of E generators; see the module's docstring)."""

    name: str
    fn: Callable[..., torch.Tensor]
    params: dict = field(default_factory=dict)

    def __call__(self, critic, real: torch.Tensor, fake: torch.Tensor,
                 generator: torch.Generator | list | None = None,
                 stacked: bool = False) -> torch.Tensor:
        return self.fn(critic, real, fake, generator, stacked, **self.params)


_FACTORIES = {  # (critic, real, fake, generator, stacked, **params)
    "gp": lambda c, r, f, g, s: gradient_penalty(c, r, f, generator=g, stacked=s),
    "lp": lambda c, r, f, g, s: gradient_penalty(c, r, f, one_sided=True, generator=g,
                                                 stacked=s),
    "dragan": lambda c, r, f, g, s, scale=0.5, k=1.0: dragan_penalty(c, r, scale, k, g, s),
    "r1": lambda c, r, f, g, s: r1_penalty(c, r, s),
    "r2": lambda c, r, f, g, s: r2_penalty(c, f, s),
    # R3GAN's regulariser (Huang et al., 2024; chapter 7): gamma/2 * (R1 + R2), one weight
    "r1r2": lambda c, r, f, g, s: r1_penalty(c, r, s) + r2_penalty(c, f, s),
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
    accepted = list(inspect.signature(_FACTORIES[name]).parameters)[5:]
    unknown = set(params) - set(accepted)
    if unknown:
        raise ValueError(f"bad parameters {sorted(unknown)} for penalty {name!r}; it takes "
                         f"{accepted or 'none'}")
    return Penalty(name, _FACTORIES[name], dict(params))

"""Lipschitz and gradient penalties for discriminators and critics.

Every penalty comes back *unweighted* as a batch mean: the caller multiplies by lambda
(WGAN-GP, WGAN-LP, DRAGAN) or gamma/2 (R1, R2) and adds it to the discriminator's loss.
``critic`` is any callable of one tensor returning one score per sample; wrap a conditional
critic with a lambda, e.g. ``lambda x: D(x, labels)``.
"""

from __future__ import annotations

import torch
from torch import nn


def _grad_norms(critic, x: torch.Tensor) -> torch.Tensor:
    """|| d critic(x_i) / d x_i ||_2 for each sample, keeping the graph for a second backward."""
    x = x.detach().requires_grad_(True)
    scores = critic(x)
    if scores.dim() > 2 or (scores.dim() == 2 and scores.shape[1] != 1):
        raise ValueError(
            f"critic must return one score per sample, got shape {tuple(scores.shape)}"
        )
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return grad.flatten(1).norm(2, dim=1)


def _check_pair(real: torch.Tensor, fake: torch.Tensor) -> None:
    if real.shape != fake.shape:
        raise ValueError(
            f"real {tuple(real.shape)} and fake {tuple(fake.shape)} batches must have the same "
            "shape to interpolate between them; draw as many fake samples as real ones"
        )


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, one_sided: bool = False):
    """Gradient penalty on random interpolates between real and fake samples.

    x_hat = e x + (1 - e) G(z),   e ~ U[0, 1] per sample
    two-sided (WGAN-GP, Gulrajani et al., 2017):  E[(||grad D(x_hat)|| - 1)^2]
    one-sided (WGAN-LP, Petzka et al., 2018):     E[max(0, ||grad D(x_hat)|| - 1)^2]

    The papers use lambda = 10.
    """
    _check_pair(real, fake)
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x_hat = eps * real.detach() + (1 - eps) * fake.detach()
    excess = _grad_norms(critic, x_hat) - 1
    if one_sided:
        excess = excess.clamp(min=0)
    return excess.pow(2).mean()


def dragan_penalty(critic, real: torch.Tensor, scale: float = 0.5, k: float = 1.0):
    """DRAGAN's penalty around the data (Kodali et al., 2017, Eq. 3).

    E_{x, delta}[(||grad D(x + delta)|| - k)^2],   delta ~ N(0, c^2 I),  c = scale * std(x)

    std(x) is the standard deviation of the whole real batch; the paper uses lambda = 10 and
    k = 1. (The authors' code perturbs with scaled uniform noise along a random fraction of
    the way instead; both keep the penalty in a neighbourhood of the data.)
    """
    real = real.detach()
    c = scale * real.std()
    return (_grad_norms(critic, real + c * torch.randn_like(real)) - k).pow(2).mean()


def r1_penalty(critic, real: torch.Tensor) -> torch.Tensor:
    """R1 regulariser (Mescheder et al., 2018, Eq. 9): E_{x ~ p_data}[||grad D(x)||^2].

    Added to D's loss as gamma/2 * R1.
    """
    return _grad_norms(critic, real).pow(2).mean()


def r2_penalty(critic, fake: torch.Tensor) -> torch.Tensor:
    """R2 regulariser (Mescheder et al., 2018, Eq. 10): E_{x ~ p_g}[||grad D(x)||^2].

    Added to D's loss as gamma/2 * R2.
    """
    return _grad_norms(critic, fake).pow(2).mean()


@torch.no_grad()
def clip_weights(module: nn.Module, c: float) -> None:
    """Clamp every parameter of ``module`` to [-c, c] in place (Arjovsky et al., 2017, Alg. 1).

    The paper uses c = 0.01 after each critic update.
    """
    if c <= 0:
        raise ValueError(f"clip value must be positive, got {c}")
    for p in module.parameters():
        p.clamp_(-c, c)

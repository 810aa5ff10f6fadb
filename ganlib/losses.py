"""Adversarial losses, each on *raw* discriminator outputs.

Every loss here is a pair of plain functions. Both return a batch mean and both are
*minimised*: the discriminator (or critic) minimises ``*_d_loss``, the generator minimises
``*_g_loss``. The inputs are raw outputs -- logits, critic values or energies -- never
probabilities, so every loss is finite (with finite gradients) for outputs of +-100.

Notation: ``real`` = D(x) on data, ``fake`` = D(G(z)) on generated samples, both of shape
(N,) or (N, 1). sigma is the logistic function; softplus(v) = log(1 + e^v), so
-log sigma(v) = softplus(-v) and -log(1 - sigma(v)) = softplus(v).

``get(name, **params)`` returns a :class:`Loss` holding both functions; ``names()`` lists them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import torch
import torch.nn.functional as F

from ganlib import fdiv

# ----------------------------------------------------------------------------- checks


def _scores(t: torch.Tensor, what: str) -> torch.Tensor:
    """Return D's outputs as a flat (N,) float tensor, or raise a ValueError naming the fix."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{what} must be a torch.Tensor of raw D outputs, not {type(t)}")
    if not t.is_floating_point():
        raise TypeError(f"{what} must be a floating-point tensor, got {t.dtype}; call .float()")
    if t.dim() == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.dim() != 1:
        raise ValueError(
            f"{what} must have shape (N,) or (N, 1) -- one raw score per sample -- "
            f"got {tuple(t.shape)}; give the discriminator a single output unit"
        )
    if t.numel() == 0:
        raise ValueError(f"{what} is empty: the batch must hold at least one sample")
    return t


# ----------------------------------------------------------- Goodfellow et al. (2014)


def minimax_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Discriminator loss of the original GAN (Goodfellow et al., 2014), in logit space.

    d = -E[log sigma(D(x))] - E[log(1 - sigma(D(G(z))))]
      =  E[softplus(-D(x))] + E[softplus(D(G(z)))]

    This is binary cross-entropy with labels 1 (real) and 0 (fake), computed from logits.
    Its minimum over D is log 4 - 2 JS(p_data || p_g).
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def minimax_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Saturating ("minimax") generator loss of Goodfellow et al. (2014), Eq. 1.

    g = E[log(1 - sigma(D(G(z))))] = -E[softplus(D(G(z)))]

    The generator minimises the same value function the discriminator maximises. Its gradient
    with respect to the logit is -sigma(D(G(z))), which vanishes when D confidently rejects
    the samples -- the reason the paper proposes the non-saturating loss instead.
    """
    fake = _scores(fake, "fake")
    return -F.softplus(fake).mean()


def nonsaturating_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss (Goodfellow et al., 2014, Sec. 3).

    g = -E[log sigma(D(G(z)))] = E[softplus(-D(G(z)))]

    D uses :func:`minimax_d_loss`. Same fixed point as the minimax loss, but the gradient
    with respect to the logit, -(1 - sigma(D(G(z)))), is largest exactly when D rejects
    the samples.
    """
    fake = _scores(fake, "fake")
    return F.softplus(-fake).mean()


# ------------------------------------------------------------------ Mao et al. (2017)


def lsgan_d_loss(real: torch.Tensor, fake: torch.Tensor, a: float = 0.0, b: float = 1.0):
    """Least squares GAN discriminator loss (Mao et al., 2017, Eq. 2).

    d = 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]

    a is the target for fake data, b for real data. Defaults: the 0-1 coding a=0, b=1.
    At the optimal D, G's loss (with the real-data term 1/2 E[(D(x) - c)^2] added, which does
    not depend on G) is ((a + b)/2 - c)^2 + (b - a)^2/8 * Delta, where
    Delta = int (p_data - p_g)^2 / (p_data + p_g) = chi^2_Pearson(2 p_g || p_data + p_g).
    With b - c = 1 and b - a = 2 (e.g. a=-1, b=1, c=0) that is Delta / 2, which the paper
    writes chi^2_Pearson(p_data + p_g || 2 p_g) / 2, its arguments in the other order.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return 0.5 * (real - b).pow(2).mean() + 0.5 * (fake - a).pow(2).mean()


def lsgan_g_loss(fake: torch.Tensor, c: float = 1.0) -> torch.Tensor:
    """Least squares GAN generator loss (Mao et al., 2017, Eq. 2).

    g = 1/2 E[(D(G(z)) - c)^2]

    c is the value the generator wants D to believe for fake data. Default c=1.
    """
    fake = _scores(fake, "fake")
    return 0.5 * (fake - c).pow(2).mean()


# ------------------------------------------------------------- Arjovsky et al. (2017)


def wgan_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Wasserstein GAN critic loss (Arjovsky et al., 2017, Algorithm 1).

    d = E[D(G(z))] - E[D(x)]

    For a 1-Lipschitz critic, -min d is the Kantorovich-Rubinstein estimate of W1.
    The Lipschitz constraint is not in the loss: clip weights or add a gradient penalty.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return fake.mean() - real.mean()


def wgan_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Wasserstein GAN generator loss (Arjovsky et al., 2017): g = -E[D(G(z))]."""
    fake = _scores(fake, "fake")
    return -fake.mean()


# ------------------------------------------------- Lim & Ye (2017); Miyato et al. (2018)


def hinge_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Hinge discriminator loss (Geometric GAN, Lim & Ye 2017; SN-GAN, Miyato et al. 2018).

    d = E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def hinge_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Hinge generator loss as in SN-GAN and SAGAN (Miyato et al. 2018; Zhang et al. 2019).

    g = -E[D(G(z))]
    """
    fake = _scores(fake, "fake")
    return -fake.mean()


# ------------------------------------------------------------------ Zhao et al. (2017)


def _energies(t: torch.Tensor, what: str) -> torch.Tensor:
    t = _scores(t, what)
    if bool((t < 0).any()):
        raise ValueError(
            f"{what} energies must be non-negative (EBGAN's energy is an autoencoder's "
            "reconstruction error); end the discriminator with softplus or use a "
            "reconstruction error"
        )
    return t


def ebgan_d_loss(real: torch.Tensor, fake: torch.Tensor, margin: float = 1.0) -> torch.Tensor:
    """Energy-based GAN discriminator loss (Zhao et al., 2017, Eq. 1).

    d = E[D(x)] + E[relu(m - D(G(z)))]

    D(.) is a non-negative energy (low on data). m is the margin; the paper tunes it per
    dataset. Default m=1.
    """
    real, fake = _energies(real, "real"), _energies(fake, "fake")
    return real.mean() + F.relu(margin - fake).mean()


def ebgan_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Energy-based GAN generator loss (Zhao et al., 2017, Eq. 2): g = E[D(G(z))]."""
    return _energies(fake, "fake").mean()


def pulling_away_term(embeddings: torch.Tensor) -> torch.Tensor:
    """EBGAN's pulling-away term (Zhao et al., 2017, Eq. 3), a repelling regulariser for G.

    PT = 1/(N(N-1)) sum_{i != j} (s_i . s_j / (|s_i| |s_j|))^2

    ``embeddings`` (N, ...) are the encoder's codes S of a generated batch; N >= 2.
    The generator adds lambda_PT * PT to its loss (the paper uses lambda_PT = 0.1).
    """
    if embeddings.dim() < 2 or embeddings.shape[0] < 2:
        raise ValueError(
            f"pulling_away_term needs a batch of at least two embeddings, shape (N, ...), "
            f"got {tuple(embeddings.shape)}"
        )
    s = F.normalize(embeddings.flatten(1), dim=1)
    n = s.shape[0]
    cos2 = (s @ s.T).pow(2)
    return (cos2.sum() - cos2.diagonal().sum()) / (n * (n - 1))


# --------------------------------------------------------------- Nowozin et al. (2016)


def fgan_d_loss(real: torch.Tensor, fake: torch.Tensor, divergence: str) -> torch.Tensor:
    """f-GAN variational-function loss (Nowozin et al., 2016, Eq. 6).

    d = -(E_P[T(x)] - E_Q[f*(T(G(z)))]),   T = g_f(V)

    V is the raw output, g_f the divergence's output activation (which keeps T inside
    dom f*), f* the Fenchel conjugate. -min d is a lower bound on D_f(P || Q), tight at
    T = f'(p/q). f*(g_f(V)) is evaluated as one numerically stable expression.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    div = fdiv.get(divergence)
    return -(div.activation(real).mean() - div.conj_activation(fake).mean())


def fgan_g_loss(fake: torch.Tensor, divergence: str, alternative: bool = False) -> torch.Tensor:
    """f-GAN generator loss (Nowozin et al., 2016).

    Saddle point (default): G minimises the same objective, whose G-dependent part is
        g = -E_Q[f*(g_f(V(G(z))))].
    Alternative update (Sec. 3.2, ``alternative=True``): G maximises E_Q[g_f(V(G(z)))],
        g = -E_Q[g_f(V(G(z)))],
    which for the "gan" divergence is the non-saturating GAN loss.
    """
    fake = _scores(fake, "fake")
    div = fdiv.get(divergence)
    if alternative:
        return -div.activation(fake).mean()
    return -div.conj_activation(fake).mean()


# ---------------------------------------------------------- auxiliary (AC-GAN, InfoGAN)


def auxiliary_class_loss(class_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """AC-GAN's auxiliary classifier loss (Odena et al., 2017), L_C as a minimised loss.

    L = -E[log q(c | x)] = cross_entropy(class_logits, labels)

    ``class_logits`` (N, K) raw class scores, ``labels`` (N,) integer classes. Both D (on real
    and fake) and G (on fake) minimise it.
    """
    if class_logits.dim() != 2 or labels.dim() != 1 or labels.shape[0] != class_logits.shape[0]:
        raise ValueError(
            f"class_logits must be (N, K) and labels (N,), got {tuple(class_logits.shape)} "
            f"and {tuple(labels.shape)}"
        )
    return F.cross_entropy(class_logits, labels)


def info_categorical_loss(code_logits: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """InfoGAN's mutual-information term for a categorical code (Chen et al., 2016).

    L = -E[log Q(c | G(z, c))] = cross_entropy(code_logits, codes)

    Minimising L maximises the lower bound L_I = H(c) - L <= I(c; G(z, c)).
    ``code_logits`` (N, K), ``codes`` (N,) integer codes.
    """
    return auxiliary_class_loss(code_logits, codes)


def info_gaussian_loss(
    mean: torch.Tensor, codes: torch.Tensor, log_std: torch.Tensor | float = 0.0
) -> torch.Tensor:
    """InfoGAN's mutual-information term for continuous codes (Chen et al., 2016).

    Q(c | x) is a factorised Gaussian; L is its negative log-likelihood, summed over code
    dimensions and averaged over the batch:

        L = E[ sum_k 1/2 ((c_k - mu_k) / s_k)^2 + log s_k + 1/2 log(2 pi) ]

    With a *fixed* standard deviation (``log_std`` a number; default 0, i.e. s = 1) this is
    1/2 * squared error + a constant: the "MSE" that many implementations use is this
    fixed-unit-variance Gaussian. Pass a tensor ``log_std`` (N, K) to learn the variance.
    """
    if mean.shape != codes.shape:
        raise ValueError(
            f"mean {tuple(mean.shape)} and codes {tuple(codes.shape)} must have the same shape"
        )
    log_std = torch.as_tensor(log_std, dtype=mean.dtype, device=mean.device)
    nll = 0.5 * ((codes - mean) * torch.exp(-log_std)).pow(2) + log_std
    nll = nll + 0.5 * math.log(2 * math.pi)
    return nll.reshape(mean.shape[0], -1).sum(1).mean()


# ------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Loss:
    """A named loss: ``d_loss(real, fake)`` and ``g_loss(fake)``, both minimised."""

    name: str
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    g_loss: Callable[[torch.Tensor], torch.Tensor]
    params: dict = field(default_factory=dict)


def _lsgan(a: float = 0.0, b: float = 1.0, c: float = 1.0) -> Loss:
    return Loss(
        "lsgan", partial(lsgan_d_loss, a=a, b=b), partial(lsgan_g_loss, c=c), dict(a=a, b=b, c=c)
    )


def _ebgan(margin: float = 1.0) -> Loss:
    return Loss("ebgan", partial(ebgan_d_loss, margin=margin), ebgan_g_loss, dict(margin=margin))


def _fgan(divergence: str, alternative: bool = False) -> Loss:
    return Loss(
        f"fgan-{divergence}",
        partial(fgan_d_loss, divergence=divergence),
        partial(fgan_g_loss, divergence=divergence, alternative=alternative),
        dict(alternative=alternative),
    )


_FACTORIES: dict[str, Callable[..., Loss]] = {
    "minimax": lambda: Loss("minimax", minimax_d_loss, minimax_g_loss),
    "nonsaturating": lambda: Loss("nonsaturating", minimax_d_loss, nonsaturating_g_loss),
    "lsgan": _lsgan,
    "wgan": lambda: Loss("wgan", wgan_d_loss, wgan_g_loss),
    "hinge": lambda: Loss("hinge", hinge_d_loss, hinge_g_loss),
    "ebgan": _ebgan,
    **{f"fgan-{d}": partial(_fgan, d) for d in fdiv.names()},
}


def names() -> list[str]:
    """Every loss name that :func:`get` accepts."""
    return list(_FACTORIES)


def get(name: str, **params) -> Loss:
    """The loss called ``name``, e.g. ``get("lsgan", a=-1, b=1, c=0)``.

    Raises ValueError for an unknown name (listing the valid ones) or unknown parameters.
    """
    if name not in _FACTORIES:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(names())}")
    try:
        return _FACTORIES[name](**params)
    except TypeError as err:
        raise ValueError(f"bad parameters {params} for loss {name!r}: {err}") from None

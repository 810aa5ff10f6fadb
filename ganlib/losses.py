"""Adversarial losses, each on *raw* discriminator outputs.

Every loss here is a pair of plain functions. Both return a batch mean and both are
*minimised*: the discriminator (or critic) minimises ``*_d_loss(real, fake)``, the generator
minimises ``*_g_loss(fake)`` -- or ``*_g_loss(fake, real)`` for the relativistic losses, whose
generator compares its samples with real ones. The inputs are raw outputs -- logits, critic
values or energies -- never probabilities.

Notation: ``real`` = D(x) on data, ``fake`` = D(G(z)) on generated samples, both of shape
(N,) or (N, 1). In these docstrings D(x) is always the network's raw output: for the logistic
losses that is the logit, which the book writes l(x), with the probability sigma(l(x)).
sigma is the logistic function; softplus(v) = log(1 + e^v), so -log sigma(v) = softplus(-v)
and -log(1 - sigma(v)) = softplus(v).

Extreme outputs. Every loss and its gradient are finite whenever the true value is
representable in the outputs' dtype. For outputs in [-100, 100] that means: always in
float64; in float32, always except four f-GAN rows with an exponential, whose true value
passes float32's largest number (3.4e38 = e^88.72) just beyond these outputs (two decimals;
exact when the whole batch sits there, a sufficient condition otherwise):
fgan-kl fake > 89.72; fgan-reverse-kl real < -88.72; fgan-neyman real < -88.72;
fgan-hellinger real < -88.72 or fake > 88.72 (and, with the alternative generator update,
fgan-reverse-kl, -neyman and -hellinger fake < -88.72). ``finite_range(name, dtype)`` gives
these ranges; tests/test_losses.py::test_finite_exactly_where_stated checks every loss at both
ends of its range and just beyond. (Chapter 1, section "Logits, not probabilities".)

NaN inputs are not checked here (checking would cost a device synchronisation per call): a
NaN output gives a NaN loss, and the training loop stops there, naming the step and the term.

``get(name, **params)`` returns a :class:`Loss` holding both functions; ``names()`` lists them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

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

    Chapter 1, "The value at the optimum is Jensen-Shannon" and "In code"; test:
    tests/test_losses.py::test_minimax_matches_the_value_function.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def minimax_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Saturating ("minimax") generator loss of Goodfellow et al. (2014), Eq. 1.

    g = E[log(1 - sigma(D(G(z))))] = -E[softplus(D(G(z)))]

    The generator minimises the same value function the discriminator maximises. Its gradient
    with respect to the logit is -sigma(D(G(z))), which vanishes when D confidently rejects
    the samples -- the reason the paper proposes the non-saturating loss instead.

    Chapter 1, "Saturating and non-saturating generator losses"; test:
    tests/test_losses.py::test_minimax_and_nonsaturating_g_differ_where_d_rejects.
    """
    fake = _scores(fake, "fake")
    return -F.softplus(fake).mean()


def nonsaturating_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss (Goodfellow et al., 2014, Sec. 3).

    g = -E[log sigma(D(G(z)))] = E[softplus(-D(G(z)))]

    D uses :func:`minimax_d_loss`. Same fixed point as the minimax loss, but the gradient
    with respect to the logit, -(1 - sigma(D(G(z)))), is largest exactly when D rejects
    the samples.

    Chapter 1, "Saturating and non-saturating generator losses"; test:
    tests/test_losses.py::test_nonsaturating_is_minus_log_d.
    """
    fake = _scores(fake, "fake")
    return F.softplus(-fake).mean()


# ------------------------------------------------------------------ Mao et al. (2017)


def lsgan_d_loss(real: torch.Tensor, fake: torch.Tensor, a: float = 0.0, b: float = 1.0):
    """Least squares GAN discriminator loss (Mao et al., 2017, Eq. 2).

    d = 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]

    a is the target for fake data, b for real data. Defaults: the 0-1 coding a=0, b=1.
    The value at the optimal D: G's loss plus the real-data term 1/2 E[(D(x) - c)^2] (which
    does not depend on G for a fixed D, but does through D* once D* is substituted), evaluated
    at D* = (b p_data + a p_g) / (p_data + p_g), is ((a + b)/2 - c)^2 + (b - a)^2/8 * Delta,
    where Delta = int (p_data - p_g)^2 / (p_data + p_g) = chi^2_Pearson(2 p_g || p_data + p_g).
    With b - c = 1 and b - a = 2 (e.g. a=-1, b=1, c=0) that is Delta / 2, which the paper
    writes chi^2_Pearson(p_data + p_g || 2 p_g) / 2, its arguments in the other order. That is
    the value (Mao et al.'s theorem); G's gradient at D* is not its gradient (chapter 3).

    Chapter 3, "The least squares objectives" and "What the generator minimises"; test:
    tests/test_losses.py::test_lsgan_generator_objective_at_the_optimal_discriminator.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return 0.5 * (real - b).pow(2).mean() + 0.5 * (fake - a).pow(2).mean()


def lsgan_g_loss(fake: torch.Tensor, c: float = 1.0) -> torch.Tensor:
    """Least squares GAN generator loss (Mao et al., 2017, Eq. 2).

    g = 1/2 E[(D(G(z)) - c)^2]

    c is the value the generator wants D to believe for fake data. Default c=1.

    Chapter 3, "The least squares objectives"; test: tests/test_losses.py::test_lsgan.
    """
    fake = _scores(fake, "fake")
    return 0.5 * (fake - c).pow(2).mean()


# ------------------------------------------------------------- Arjovsky et al. (2017)


def wgan_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Wasserstein GAN critic loss (Arjovsky et al., 2017, Algorithm 1).

    d = E[D(G(z))] - E[D(x)]

    For a 1-Lipschitz critic, -min d is the Kantorovich-Rubinstein estimate of W1.
    The Lipschitz constraint is not in the loss: clip weights or add a gradient penalty.

    Chapter 5, "In code"; test: tests/test_losses.py::test_wgan_and_hinge.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return fake.mean() - real.mean()


def wgan_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Wasserstein GAN generator loss (Arjovsky et al., 2017): g = -E[D(G(z))].

    Chapter 5, "In code"; test: tests/test_losses.py::test_wgan_and_hinge.
    """
    fake = _scores(fake, "fake")
    return -fake.mean()


# ------------------------------------------------- Lim & Ye (2017); Miyato et al. (2018)


def hinge_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Hinge discriminator loss (Geometric GAN, Lim & Ye 2017; SN-GAN, Miyato et al. 2018).

    d = E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]
      = 2 + E[max(D(G(z)), -1)] - E[min(D(x), 1)]

    the WGAN critic loss on outputs clipped at the margins +-1, plus 2. Pointwise the optimal D
    is sign(p_data - p_g), and min d = 2 - 2 TV(p_data, p_g).

    Chapter 7, "The optimal hinge discriminator" and "Hinge and the WGAN critic"; tests:
    tests/test_losses.py::test_wgan_and_hinge,
    tests/test_losses.py::test_hinge_is_wgan_clipped_at_the_margin.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()


def hinge_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Hinge generator loss as in SN-GAN and SAGAN (Miyato et al. 2018; Zhang et al. 2019).

    g = -E[D(G(z))]

    the WGAN generator loss: only D's training differs between hinge and WGAN.

    Chapter 7, "Hinge and the WGAN critic"; test: tests/test_losses.py::test_wgan_and_hinge.
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
    dataset. Default m=1. Pointwise the optimal energy is m [p_data < p_g].

    Chapter 7, "The energy and the margin"; test: tests/test_losses.py::test_ebgan.
    """
    real, fake = _energies(real, "real"), _energies(fake, "fake")
    return real.mean() + F.relu(margin - fake).mean()


def ebgan_g_loss(fake: torch.Tensor) -> torch.Tensor:
    """Energy-based GAN generator loss (Zhao et al., 2017, Eq. 2): g = E[D(G(z))].

    Chapter 7, "The energy and the margin"; test: tests/test_losses.py::test_ebgan.
    """
    return _energies(fake, "fake").mean()


def pulling_away_term(embeddings: torch.Tensor) -> torch.Tensor:
    """EBGAN's pulling-away term (Zhao et al., 2017, Eq. 3), a repelling regulariser for G.

    PT = 1/(N(N-1)) sum_{i != j} (s_i . s_j / (|s_i| |s_j|))^2

    ``embeddings`` (N, ...) are the encoder's codes S of a generated batch; N >= 2.
    The generator adds lambda_PT * PT to its loss (the paper uses lambda_PT = 0.1).

    Chapter 7, "The pulling-away term"; test: tests/test_losses.py::test_pulling_away_term.
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

    Chapter 4, "The variational lower bound" and "In code"; test:
    tests/test_losses.py::test_fgan_bound_is_attained_at_f_prime_of_ratio.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    div = fdiv.get(divergence)
    return -(div.mean_activation(real) - div.mean_conj_activation(fake))


def fgan_g_loss(fake: torch.Tensor, divergence: str, alternative: bool = False) -> torch.Tensor:
    """f-GAN generator loss (Nowozin et al., 2016).

    Saddle point (default): G minimises the same objective, whose G-dependent part is
        g = -E_Q[f*(g_f(V(G(z))))].
    Alternative update (``alternative=True``, proposed in the same paper): G maximises
    E_Q[g_f(V(G(z)))] instead,
        g = -E_Q[g_f(V(G(z)))],
    which for the "gan" divergence is the non-saturating GAN loss.

    Chapter 4, "The generator's two updates"; test:
    tests/test_losses.py::test_fgan_generator_updates.
    """
    fake = _scores(fake, "fake")
    div = fdiv.get(divergence)
    if alternative:
        return -div.mean_activation(fake)
    return -div.mean_conj_activation(fake)


# ----------------------------------------------- Jolicoeur-Martineau (2019); Huang et al. (2024)


def _pairs(real: torch.Tensor, fake: torch.Tensor):
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    if real.shape != fake.shape:
        raise ValueError(f"the relativistic pairing loss pairs each real output with one fake, "
                         f"got {real.shape[0]} real and {fake.shape[0]} fake; draw equal batches")
    return real, fake


def relativistic_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Relativistic pairing loss for D (RSGAN, Jolicoeur-Martineau 2019; RpGAN, Huang et al. 2024).

    d = E[softplus(D(G(z_i)) - D(x_i))] = -E[log sigma(D(x_i) - D(G(z_i)))]

    over pairs (x_i, z_i): D learns that a real sample is more realistic than a fake one.
    As the official code of both papers computes it. Only differences of D count: its minimum
    over D is reached at D = log(p_data / p_g) + c for every constant c, and (where both
    densities are positive) only there.

    Chapter 7, "RSGAN and RpGAN: pairs" and "The optimal relativistic discriminator"; tests:
    tests/test_losses.py::test_relativistic_losses,
    tests/test_losses.py::test_relativistic_optimum_is_the_log_ratio_plus_any_constant.
    """
    real, fake = _pairs(real, fake)
    return F.softplus(fake - real).mean()


def relativistic_g_loss(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """Relativistic pairing loss for G (Jolicoeur-Martineau 2019; Huang et al. 2024, Eq. 2).

    g = E[softplus(D(x_i) - D(G(z_i)))]

    G needs the real outputs: it makes its samples look more realistic than real ones. Its
    gradient with respect to D(G(z_i)) is -sigma(D(x_i) - D(G(z_i))) / N: near -1/N where D
    wins, unlike the saturating loss's.

    Chapter 7, "The generator's gradient"; test: tests/test_losses.py::test_relativistic_losses.
    """
    if real is None:
        raise ValueError("the relativistic generator loss needs the real outputs too: "
                         "call g_loss(fake, real)")
    real, fake = _pairs(real, fake)
    return F.softplus(real - fake).mean()


def relativistic_average_d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Relativistic average loss for D (RaGAN, Jolicoeur-Martineau 2019, Eq. 12 with BCE).

    d = E_x[softplus(-(D(x) - E_z D(G(z))))] + E_z[softplus(D(G(z)) - E_x D(x))]

    The batch means stand for the expectations. The paper's sum; the official code
    (AlexiaJM/RelativisticGAN, GAN_losses_iter.py) halves it, which changes no minimiser.
    Its optimal D is not the log-ratio in general.

    Chapter 7, "RaGAN: against the other batch's mean"; test:
    tests/test_losses.py::test_relativistic_losses.
    """
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return F.softplus(fake.mean() - real).mean() + F.softplus(fake - real.mean()).mean()


def relativistic_average_g_loss(fake: torch.Tensor, real: torch.Tensor | None = None):
    """Relativistic average loss for G (RaGAN, Jolicoeur-Martineau 2019): d with roles swapped.

    g = E_z[softplus(-(D(G(z)) - E_x D(x)))] + E_x[softplus(D(x) - E_z D(G(z)))]

    The second term reaches G through the mean E_z D(G(z)).

    Chapter 7, "RaGAN: against the other batch's mean" and "The generator's gradient"; test:
    tests/test_losses.py::test_relativistic_losses.
    """
    if real is None:
        raise ValueError("the relativistic generator loss needs the real outputs too: "
                         "call g_loss(fake, real)")
    real, fake = _scores(real, "real"), _scores(fake, "fake")
    return F.softplus(real.mean() - fake).mean() + F.softplus(real - fake.mean()).mean()


# ---------------------------------------------------------- auxiliary (AC-GAN, InfoGAN)


def auxiliary_class_loss(class_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """AC-GAN's auxiliary classifier loss (Odena et al., 2017), L_C as a minimised loss.

    L = -E[log q(c | x)] = cross_entropy(class_logits, labels)

    ``class_logits`` (N, K) raw class scores, ``labels`` (N,) integer classes. Both D (on real
    and fake) and G (on fake) minimise it.

    Chapter 8, "The auxiliary classifier: AC-GAN"; test:
    tests/test_losses.py::test_auxiliary_losses.
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

    Chapter 9, "Categorical and continuous codes"; test:
    tests/test_losses.py::test_auxiliary_losses.
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
    fixed-unit-variance Gaussian. Pass a tensor ``log_std`` (N, K) to learn the variance;
    it must broadcast to ``mean``'s shape without growing it.

    Chapter 9, "Categorical and continuous codes"; test:
    tests/test_losses.py::test_info_gaussian_is_nll_and_mse_with_fixed_variance.
    """
    if mean.shape != codes.shape:
        raise ValueError(
            f"mean {tuple(mean.shape)} and codes {tuple(codes.shape)} must have the same shape"
        )
    log_std = torch.as_tensor(log_std, dtype=mean.dtype, device=mean.device)
    try:
        fits = torch.broadcast_shapes(log_std.shape, mean.shape) == mean.shape
    except RuntimeError:
        fits = False
    if not fits:  # e.g. (N,) against (N, 1) would broadcast to (N, N) and sum N terms
        raise ValueError(f"log_std {tuple(log_std.shape)} must be a number or broadcast to mean "
                         f"{tuple(mean.shape)} without growing it: pass it as (N, K) or (K,)")
    nll = 0.5 * ((codes - mean) * torch.exp(-log_std)).pow(2) + log_std
    nll = nll + 0.5 * math.log(2 * math.pi)
    return nll.reshape(mean.shape[0], -1).sum(1).mean()


# ------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Loss:
    """A named loss: ``d_loss(real, fake)`` and ``g_loss(fake, real=None)``, both minimised.

    ``g_needs_real`` is True when G's loss uses the real outputs (the relativistic losses);
    the training loop then computes D(x) in the generator's step too.
    """

    name: str
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    g_fn: Callable[..., torch.Tensor]
    params: dict = field(default_factory=dict)
    g_needs_real: bool = False

    def g_loss(self, fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
        """G's loss on D's outputs for generated samples (and real ones, where it needs them)."""
        return self.g_fn(fake, real) if self.g_needs_real else self.g_fn(fake)


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
    "relativistic": lambda: Loss("relativistic", relativistic_d_loss, relativistic_g_loss,
                                 g_needs_real=True),
    "relativistic-average": lambda: Loss("relativistic-average", relativistic_average_d_loss,
                                         relativistic_average_g_loss, g_needs_real=True),
    **{f"fgan-{d}": partial(_fgan, d) for d in fdiv.names()},
}


def names() -> list[str]:
    """Every loss name that :func:`get` accepts."""
    return list(_FACTORIES)


def get(name: str, **params) -> Loss:
    """The loss called ``name``, e.g. ``get("lsgan", a=-1, b=1, c=0)``.

    Raises ValueError for an unknown name (listing the valid ones) or unknown parameters.

    Chapter 1, "In code"; test: tests/test_losses.py::test_names_and_unknown_names.
    """
    if name not in _FACTORIES:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(names())}")
    try:
        return _FACTORIES[name](**params)
    except TypeError as err:
        raise ValueError(f"bad parameters {params} for loss {name!r}: {err}") from None


def finite_range(name: str, dtype: torch.dtype = torch.float32, **params) -> dict:
    """Outputs over which loss ``name`` and its gradients are finite, within [-100, 100].

    Returns {"real": (lo, hi), "fake": (lo, hi)}: with the real outputs anywhere in the
    first range and the fake ones moderate, or the other way round, both losses and their
    gradients are finite. (For the four exponential f-GAN rows, outputs at the float32 ends
    on both sides at once give two terms near 3.4e38 whose true sum is beyond the dtype
    too.) The ends are exact for a batch whose outputs all sit at one value: beyond an end
    that is not +-100 (0 for energies) the true batch mean exceeds the dtype's largest number,
    so the computed one is inf. For other batches they are a sufficient condition: a batch
    mean of exponentials is finite while it is representable, so one extreme output among N
    may lie up to log N further out. See the module docstring.

    Chapter 1, "Logits, not probabilities"; test:
    tests/test_losses.py::test_finite_exactly_where_stated.
    """
    loss = get(name, **params)
    lo = 0.0 if name == "ebgan" else -100.0
    ranges = {"real": [lo, 100.0], "fake": [lo, 100.0]}
    if name.startswith("fgan-"):
        row, biggest = fdiv.get(name[5:]), math.log(torch.finfo(dtype).max)
        forms = {"real": [row.activation_exp], "fake": [row.conj_activation_exp]}
        if loss.params.get("alternative"):
            forms["fake"].append(row.activation_exp)
        for side, side_forms in forms.items():
            for form in filter(None, side_forms):
                _, _, a, b = form  # exp(a v + b) is finite while a v + b < log(max)
                edge = (biggest - b) / a  # stated rounded inwards to two decimals
                if a > 0:
                    ranges[side][1] = min(ranges[side][1], math.floor(edge * 100) / 100)
                else:
                    ranges[side][0] = max(ranges[side][0], math.ceil(edge * 100) / 100)
    return {side: tuple(r) for side, r in ranges.items()}


# ----------------------------------------------------------------- the book's reference
# One entry per loss for the book's "Every loss at a glance" page (book/losses.ipynb), in the
# book's notation (book/notation.md): D(x) is the raw output (the logit l(x) for the logistic
# losses), P = p_data, Q = p_g. "descends" is what the generator's update follows when D is at
# its optimum, which can differ from the value of the game there (chapters 1, 3 and 4).

_LOGISTIC = (r"$\mathbb{E}_P[\operatorname{softplus}(-D(x))] + "
             r"\mathbb{E}_Q[\operatorname{softplus}(D(x))]$")

REFERENCE = {
    "minimax": dict(
        title="Minimax (saturating) GAN", d=_LOGISTIC,
        g=(r"$-\mathbb{E}_Q[\operatorname{softplus}(D(x))] = "
           r"\mathbb{E}_Q[\log(1 - \sigma(D(x)))]$"),
        descends=r"$2\,\mathrm{JS}(P \Vert Q) - \log 4$",
        output="a logit", paper="goodfellow2014gan", chapter="1"),
    "nonsaturating": dict(
        title="Non-saturating GAN", d=_LOGISTIC,
        g=r"$\mathbb{E}_Q[\operatorname{softplus}(-D(x))] = -\mathbb{E}_Q[\log \sigma(D(x))]$",
        descends=r"$\mathrm{KL}(Q \Vert P) - 2\,\mathrm{JS}(P \Vert Q)$",
        output="a logit", paper="goodfellow2014gan", chapter="1, 2"),
    "lsgan": dict(
        title="Least squares GAN",
        d=r"$\tfrac12\mathbb{E}_P[(D(x) - b)^2] + \tfrac12\mathbb{E}_Q[(D(x) - a)^2]$",
        g=r"$\tfrac12\mathbb{E}_Q[(D(x) - c)^2]$",
        descends=(r"value $\tfrac{(b - a)^2}{8}\,\Delta$ + const. at $D^*$, "
                  r"$\Delta = \chi^2_{\mathrm{Pearson}}(2Q \Vert P + Q)$, when $b - c = 1$, "
                  r"$b - a = 2$; the gradient differs (chapter 3)"),
        output="a real score", paper="mao2017lsgan", chapter="3"),
    "wgan": dict(
        title="Wasserstein GAN", d=r"$\mathbb{E}_Q[D(x)] - \mathbb{E}_P[D(x)]$",
        g=r"$-\mathbb{E}_Q[D(x)]$",
        descends=r"$W_1(P, Q)$, for a 1-Lipschitz critic (clipping or a penalty)",
        output="a critic value", paper="arjovsky2017wgan", chapter="5"),
    "hinge": dict(
        title="Hinge loss (Geometric GAN, SN-GAN, SAGAN)",
        d=r"$\mathbb{E}_P[\max(0, 1 - D(x))] + \mathbb{E}_Q[\max(0, 1 + D(x))]$",
        g=r"$-\mathbb{E}_Q[D(x)]$",
        descends=(r"$2\,\mathrm{TV}(P, Q)$ as the density moves, against the optimal "
                  r"unconstrained $D = \operatorname{sign}(p - q)$; that $D$ is flat almost "
                  r"everywhere, so a generator that moves samples takes its direction from a "
                  r"smooth, Lipschitz-controlled $D$ instead"),
        output="a critic value", paper="lim2017geometric", chapter="7"),
    "ebgan": dict(
        title="Energy-based GAN",
        d=r"$\mathbb{E}_P[D(x)] + \mathbb{E}_Q[\max(0, m - D(x))]$", g=r"$\mathbb{E}_Q[D(x)]$",
        descends=(r"$m\,\mathrm{TV}(P, Q)$ as the density moves, against the optimal "
                  r"energy $D = m\,[p < q]$; that $D$ is flat almost everywhere, so a generator "
                  r"that moves samples takes its direction from the smooth autoencoder energy"),
        output="a non-negative energy", paper="zhao2017ebgan", chapter="7"),
    "relativistic": dict(
        title="Relativistic pairing GAN (RSGAN, RpGAN)",
        d=r"$\mathbb{E}[\operatorname{softplus}(D(\tilde x) - D(x))]$, pairs $x \sim P$, "
          r"$\tilde x \sim Q$",
        g=r"$\mathbb{E}[\operatorname{softplus}(D(x) - D(\tilde x))]$",
        descends=(r"at the optimal $D = \log(p/q) + c$ (any constant $c$), a divergence "
                  "between P and Q (Jolicoeur-Martineau, 2019); see chapter 7"),
        output="a logit (compared in pairs)", paper="jolicoeur2019relativistic",
        chapter="7"),
    "relativistic-average": dict(
        title="Relativistic average GAN (RaGAN)",
        d=r"$\mathbb{E}_P[\operatorname{softplus}(\bar D_Q - D(x))] + "
          r"\mathbb{E}_Q[\operatorname{softplus}(D(x) - \bar D_P)]$, "
          r"$\bar D_P = \mathbb{E}_P[D]$, $\bar D_Q = \mathbb{E}_Q[D]$",
        g=r"the same with $P$ and $Q$ swapped",
        descends="a divergence between P and Q (Jolicoeur-Martineau, 2019); see chapter 7",
        output="a logit (compared with the other batch's mean)",
        paper="jolicoeur2019relativistic", chapter="7"),
}
for _name in fdiv.names():
    REFERENCE[f"fgan-{_name}"] = dict(
        title=f"f-GAN, {fdiv.get(_name).title}",
        d=r"$-\big(\mathbb{E}_P[g_f(V)] - \mathbb{E}_Q[f^*(g_f(V))]\big)$, "
          f"$g_f(v) = {fdiv.get(_name).activation_text}$",
        g=r"$-\mathbb{E}_Q[f^*(g_f(V))]$ (saddle point); $-\mathbb{E}_Q[g_f(V)]$ with "
          "`alternative=True`",
        descends=(f"saddle point: $D_f(P \\Vert Q)$ = {fdiv.get(_name).divergence_text}; "
                  f"`alternative=True`: {fdiv.get(_name).alternative}"),
        output="V, read through T = g_f(V)", paper="nowozin2016fgan", chapter="4")


def reference() -> list[dict]:
    """One dict per loss name, in ``names()`` order, for the book's reference page: the
    entries of REFERENCE plus ``name``, ``defaults`` (get(name)'s parameters) and
    ``recipes`` (the presets that use the loss)."""
    from ganlib import recipes

    rows = []
    for name in names():
        users = [r for r in recipes.names() if recipes.get(r).loss == name]
        rows.append({"name": name, **REFERENCE[name], "defaults": get(name).params,
                     "recipes": users})
    return rows

"""Named presets: a loss, a penalty and the source paper's optimiser settings.

A :class:`Recipe` holds what the paper used. Two-dimensional toys train for a few thousand
steps on a laptop, far fewer than the papers' image runs, so ``for_data`` applies a small,
documented toy adjustment (``toy``). Most recipes only get larger learning rates, decayed
linearly to zero; some need more, each explained where it is defined: the f-GANs add an R1
penalty, the gradient penalties get smaller weights (WGAN-GP's lambda = 0.1 comes from its
authors' own toy code), EBGAN's margin shrinks to the scale of a 2-D reconstruction error.
Each paper's loss and n_critic are kept. ``get(name)`` / ``names()``.

How each preset does on the ring at 2,000 steps is measured by ``bench/ring_targets.py`` and
recorded in bench/RESULTS.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ganlib import fdiv


@dataclass(frozen=True)
class Recipe:
    """Everything :func:`ganlib.train.build` needs besides the networks' sizes."""

    name: str
    loss: str  # a name from ganlib.losses.names()
    source: str  # the paper the settings come from
    loss_params: dict = field(default_factory=dict)
    penalty: str | None = None  # "gp", "lp", "dragan", "r1" or "r2"
    penalty_weight: float = 0.0  # lambda for gp/lp/dragan; gamma/2 for r1/r2
    penalty_params: dict = field(default_factory=dict)  # e.g. DRAGAN's perturbation scale
    clip: float | None = None  # weight clipping c after each critic step (WGAN)
    n_critic: int = 1  # critic steps per generator step
    optimizer: str = "adam"  # "adam" or "rmsprop"
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    lr_decay: bool = False  # linear decay of both learning rates to zero over the run
    spectral_norm: bool = False  # spectral normalisation in the discriminator
    autoencoder: bool = False  # D is an autoencoder's reconstruction error (EBGAN's energy)
    pull_away: float = 0.0  # weight of EBGAN's pulling-away term in G's loss (autoencoder D)
    toy: dict = field(default_factory=dict)  # overrides for the 2-D toys (see module doc)

    def for_data(self, data) -> Recipe:
        """This recipe, with the toy adjustment applied when ``data`` is two-dimensional."""
        return replace(self, **self.toy, toy={}) if data.dim == 2 and self.toy else self


# Shared toy adjustment: both learning rates 2e-3 (SAGAN's two time-scales included), decayed
# linearly to zero, so a 2,000-step run both finds the modes and sharpens onto them.
_TOY = dict(lr_d=2e-3, lr_g=2e-3, lr_decay=True)
# Gradient-penalty WGANs: as in the toy experiments of Gulrajani et al.'s own code, lambda = 0.1
# (its comment: a smaller lambda helps on toy tasks) and beta1 = 0.5, with 1e-3 decayed to
# zero. On the ring lambda = 10 left 44-70% of samples within 3 std of a mode (seeds 0-2),
# lambda = 0.1 80-83%; with beta1 = 0 the runs did not converge within 2,000 steps.
_TOY_GP = dict(lr_d=1e-3, lr_g=1e-3, betas=(0.5, 0.9), lr_decay=True, penalty_weight=0.1)
# f-GANs: _TOY plus an R1 penalty on the critic (gamma = 2, i.e. weight 1). Without it the
# median run of the KL, Pearson, Neyman and TV rows captures no ring mode (seeds 0-2, recorded
# by `python -m ganlib record fgan-no-penalty`); with it every row tried finds all 8. Roth et
# al. (2017) regularise f-GAN critics through their gradients; R1 is the simplest such penalty.
_TOY_FGAN = dict(_TOY, penalty="r1", penalty_weight=1.0)

_RECIPES = [
    Recipe("gan", "minimax", "Goodfellow et al. 2014 (loss); Radford et al. 2016 (Adam 2e-4, "
           "beta1 0.5)", toy=_TOY),
    Recipe("nsgan", "nonsaturating", "Goodfellow et al. 2014 (loss); Radford et al. 2016 "
           "(Adam 2e-4, beta1 0.5)", toy=_TOY),
    Recipe("lsgan", "lsgan", "Mao et al. 2017 (0-1 coding a=0, b=1, c=1; Adam 2e-4, beta1 0.5)",
           loss_params=dict(a=0.0, b=1.0, c=1.0), toy=_TOY),
    Recipe("wgan", "wgan", "Arjovsky et al. 2017 (RMSProp 5e-5, c=0.01, n_critic=5)",
           clip=0.01, n_critic=5, optimizer="rmsprop", lr_d=5e-5, lr_g=5e-5,
           toy=dict(lr_d=5e-4, lr_g=5e-4, lr_decay=True)),
    Recipe("wgan-gp", "wgan", "Gulrajani et al. 2017 (lambda=10, n_critic=5, Adam 1e-4, "
           "betas (0, 0.9))", penalty="gp", penalty_weight=10.0, n_critic=5, lr_d=1e-4,
           lr_g=1e-4, betas=(0.0, 0.9), toy=_TOY_GP),
    Recipe("wgan-lp", "wgan", "Petzka et al. 2018 (one-sided penalty; WGAN-GP's settings)",
           penalty="lp", penalty_weight=10.0, n_critic=5, lr_d=1e-4, lr_g=1e-4,
           betas=(0.0, 0.9), toy=_TOY_GP),
    # Toy: lambda = 1. With lambda = 10 a seed-0 ring run kept 3 of the 8 modes (1 with the
    # perturbation scale 0.1); the ring's modes (std 0.02) seem to need logits steeper than
    # the penalty's target norm k = 1 lets the discriminator keep near the data.
    Recipe("dragan", "nonsaturating", "Kodali et al. 2017 (lambda=10, k=1; Adam 1e-4, "
           "betas (0.5, 0.9))", penalty="dragan", penalty_weight=10.0, lr_d=1e-4, lr_g=1e-4,
           betas=(0.5, 0.9), toy=dict(_TOY, penalty_weight=1.0)),
    Recipe("hinge", "hinge", "Zhang et al. 2019, SAGAN (spectral norm; TTUR lr_d 4e-4, "
           "lr_g 1e-4; betas (0, 0.9))", spectral_norm=True, lr_d=4e-4, lr_g=1e-4,
           betas=(0.0, 0.9), toy=_TOY),
    # Toy: margin 0.1, on the scale of a 2-D reconstruction error (a point 0.3 off the data).
    Recipe("ebgan", "ebgan", "Zhao et al. 2017 (autoencoder energy, margin loss, pulling-away "
           "term 0.1; Adam 1e-3, beta1 0.5)", loss_params=dict(margin=1.0), lr_d=1e-3,
           lr_g=1e-3, autoencoder=True, pull_away=0.1,
           toy=dict(loss_params=dict(margin=0.1), lr_decay=True)),
    Recipe("r1", "nonsaturating", "Mescheder et al. 2018 (R1, gamma=10; Adam 1e-4, "
           "betas (0, 0.99))", penalty="r1", penalty_weight=5.0, lr_d=1e-4, lr_g=1e-4,
           betas=(0.0, 0.99), toy=_TOY),
    *[
        Recipe(f"fgan-{d}", f"fgan-{d}", "Nowozin et al. 2016 (Adam 2e-4, beta1 0.5)",
               toy=_TOY_FGAN)
        for d in fdiv.names()
    ],
]
_BY_NAME = {r.name: r for r in _RECIPES}


def names() -> list[str]:
    """Every recipe name that :func:`get` accepts."""
    return list(_BY_NAME)


def get(name: str, **changes) -> Recipe:
    """The recipe called ``name``, with any field replaced, e.g. ``get("wgan-gp", n_critic=1)``.

    A field you change stays changed on the 2-D toys too: it is dropped from the toy adjustment.
    """
    if name not in _BY_NAME:
        raise ValueError(f"unknown recipe {name!r}; choose one of: {', '.join(names())}")
    recipe = _BY_NAME[name]
    toy = {k: v for k, v in recipe.toy.items() if k not in changes}
    try:
        return replace(recipe, **{"toy": toy, **changes})
    except TypeError as err:
        raise ValueError(f"bad change to recipe {name!r}: {err}") from None

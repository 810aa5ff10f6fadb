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

import copy
import math
from dataclasses import dataclass, field, replace

from ganlib import fdiv

OPTIMIZERS = ("adam", "rmsprop", "sgd")
UPDATES = ("alternating", "simultaneous")
DISCRIMINATORS = ("mlp", "projection", "autoencoder")
CONDITIONING = ("none", "labels", "labels-to-g", "codes")


@dataclass(frozen=True)
class Recipe:
    """Everything :func:`ganlib.train.build` needs besides the networks' sizes.

    Built through :func:`get`, which returns a copy: changing one never changes the preset.
    Every field is checked when the recipe is made, so a bad setting fails before any work.
    """

    name: str
    loss: str  # a name from ganlib.losses.names()
    source: str  # the paper the settings come from
    loss_params: dict = field(default_factory=dict)
    penalty: str | None = None  # a name from ganlib.penalties.names(), or None
    penalty_weight: float = 0.0  # lambda for gp/lp/dragan; gamma/2 for r1/r2
    penalty_params: dict = field(default_factory=dict)  # e.g. DRAGAN's perturbation scale
    terms: dict = field(default_factory=dict)  # other terms {name: weight}, see ganlib.terms
    clip: float | None = None  # weight clipping c after each critic step (WGAN)
    n_critic: int = 1  # critic steps per generator step
    updates: str = "alternating"  # or "simultaneous": D and G step from the same point
    optimizer: str = "adam"  # "adam", "rmsprop" or "sgd" (plain, no momentum)
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)  # Adam's only
    lr_decay: bool = False  # linear decay of both learning rates to zero over the run
    spectral_norm: bool = False  # spectral normalisation in the discriminator
    discriminator: str = "mlp"  # "mlp", "projection" or "autoencoder" (EBGAN's energy)
    conditioning: str = "none"  # "none", "labels", "labels-to-g" (AC-GAN) or "codes" (InfoGAN)
    conditioning_params: dict = field(default_factory=dict)  # e.g. InfoGAN's code sizes
    toy: dict = field(default_factory=dict)  # overrides for the 2-D toys (see module doc)

    def __post_init__(self):
        from ganlib import losses, penalties, terms

        def bad(what: str):
            raise ValueError(f"recipe {self.name!r}: {what}")

        losses.get(self.loss, **self.loss_params)  # unknown names and parameters raise
        if self.penalty is not None:
            penalties.get(self.penalty, **self.penalty_params)
        for what, value in [("penalty_weight", self.penalty_weight),
                            *((f"weight of term {k!r}", v) for k, v in self.terms.items())]:
            if not _number(value) or value < 0:
                bad(f"{what} must be a finite number >= 0, got {value!r}")
        unknown = set(self.terms) - set(terms.names())
        if unknown:
            bad(f"unknown terms {sorted(unknown)}; choose from {terms.names()}")
        if not isinstance(self.n_critic, int) or isinstance(self.n_critic, bool) or (
                self.n_critic < 1):
            bad(f"n_critic must be a whole number >= 1, got {self.n_critic!r}")
        for what, value, allowed in (("updates", self.updates, UPDATES),
                                     ("optimizer", self.optimizer, OPTIMIZERS),
                                     ("discriminator", self.discriminator, DISCRIMINATORS),
                                     ("conditioning", self.conditioning, CONDITIONING)):
            if value not in allowed:
                bad(f"unknown {what} {value!r}; choose one of: {', '.join(allowed)}")
        if self.updates == "simultaneous" and self.n_critic != 1:
            bad("simultaneous updates take one critic step per generator step; set n_critic=1")
        for what, value in (("lr_d", self.lr_d), ("lr_g", self.lr_g)):
            if not _number(value) or value <= 0:
                bad(f"{what} must be a finite number > 0, got {value!r}")
        if len(self.betas) != 2 or not all(_number(b) and 0 <= b < 1 for b in self.betas):
            bad(f"betas must be two numbers in [0, 1), got {self.betas!r}")
        if self.clip is not None and (not _number(self.clip) or self.clip <= 0):
            bad(f"clip must be None or a finite number > 0, got {self.clip!r}")
        if "pull_away" in self.terms and self.discriminator != "autoencoder":
            bad("the pull_away term needs discriminator='autoencoder', whose codes it compares")
        if self.discriminator == "projection" and self.conditioning != "labels":
            bad("a projection discriminator needs conditioning='labels'")

    def for_data(self, data) -> Recipe:
        """This recipe, with the toy adjustment applied when ``data`` is two-dimensional."""
        if data.dim == 2 and self.toy:
            return replace(self, **copy.deepcopy(self.toy), toy={})
        return copy.deepcopy(self)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# Shared toy adjustment: both learning rates 2e-3 (SAGAN's two time-scales included), decayed
# linearly to zero, so a 2,000-step run both finds the modes and sharpens onto them.
_TOY = dict(lr_d=2e-3, lr_g=2e-3, lr_decay=True)
# Gradient-penalty WGANs: as in the toy experiments of Gulrajani et al.'s own code (gan_toy.py),
# lambda = 0.1 -- its comment: a smaller lambda "makes things faster for toy tasks, but isn't
# necessary if you increase CRITIC_ITERS enough" -- and beta1 = 0.5, with 1e-3 decayed to zero.
# Recorded over seeds 0-2 on the ring (`python -m ganlib record wgan-gp-paper`; chapter 6):
# lambda = 10 gave 75% and 77% of samples within 3 std of a mode and one run with 3 modes; the
# paper's beta1 = 0 gave 86/81/81% against this setting's 79/76/75% (`record penalties`):
# paired by seed, +5.8 points for beta1 = 0 (95% t interval 2.6 to 9.1, one of eight
# comparisons in that chapter). The toy keeps the authors' toy code's 0.5 all the same: the
# recorded runs of chapters 4 and 6 use it, and three seeds on one dataset are a thin basis.
_TOY_GP = dict(lr_d=1e-3, lr_g=1e-3, betas=(0.5, 0.9), lr_decay=True, penalty_weight=0.1)
# f-GANs: _TOY plus an R1 penalty on the critic (gamma = 2, i.e. weight 1). Without it the KL,
# Pearson and Neyman rows captured no ring mode in any of seeds 0-4 and TV at most one
# (`python -m ganlib record fgan-no-penalty`); with it all 40 recorded runs of four rows and
# both updates found all 8 (`record fgan-updates`). Roth et al. (2017) derive a gradient-norm
# regulariser for f-GAN critics from noise-smoothing; R1 is a simpler penalty of that kind.
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
    # perturbation scale 0.1), measured with ganlib 0.1's random streams, not re-recorded; the
    # ring's modes (std 0.02) seem to need logits steeper than the penalty's target norm k = 1
    # lets the discriminator keep near the data.
    Recipe("dragan", "nonsaturating", "Kodali et al. 2017 (lambda=10, k=1; Adam 1e-4, "
           "betas (0.5, 0.9))", penalty="dragan", penalty_weight=10.0, lr_d=1e-4, lr_g=1e-4,
           betas=(0.5, 0.9), toy=dict(_TOY, penalty_weight=1.0)),
    Recipe("hinge", "hinge", "Zhang et al. 2019, SAGAN (spectral norm; TTUR lr_d 4e-4, "
           "lr_g 1e-4; betas (0, 0.9))", spectral_norm=True, lr_d=4e-4, lr_g=1e-4,
           betas=(0.0, 0.9), toy=_TOY),
    # Toy: margin 0.1, on the scale of a 2-D reconstruction error (a point 0.3 off the data).
    Recipe("ebgan", "ebgan", "Zhao et al. 2017 (autoencoder energy, margin loss, pulling-away "
           "term 0.1; Adam 1e-3, beta1 0.5)", loss_params=dict(margin=1.0), lr_d=1e-3,
           lr_g=1e-3, discriminator="autoencoder", terms=dict(pull_away=0.1),
           toy=dict(loss_params=dict(margin=0.1), lr_decay=True)),
    # Relativistic losses (chapter 7): the optimiser of the paper's DCGAN setting (its code's
    # stable.sh), without the spectral normalisation stable.sh also turns on: as nsgan but the loss.
    Recipe("rsgan", "relativistic", "Jolicoeur-Martineau 2019 (RSGAN, pairs; Adam 2e-4, betas "
           "(0.5, 0.999))", lr_d=2e-4, lr_g=2e-4, betas=(0.5, 0.999), toy=_TOY),
    Recipe("ragan", "relativistic-average", "Jolicoeur-Martineau 2019 (RaSGAN; Adam 2e-4, betas "
           "(0.5, 0.999))", lr_d=2e-4, lr_g=2e-4, betas=(0.5, 0.999), toy=_TOY),
    # R3GAN's loss: RpGAN + gamma/2 (R1 + R2); its CIFAR-10 preset starts at gamma 0.05, lr 2e-4,
    # betas (0, 0.9) (all three scheduled later; the code's train.py). Toy: _TOY with gamma = 2.
    Recipe("rpgan", "relativistic", "Huang et al. 2024, R3GAN (RpGAN + R1 + R2, gamma 0.05 on "
           "CIFAR-10, i.e. weight 0.025 on R1 + R2; Adam 2e-4, betas (0, 0.9))", penalty="r1r2",
           penalty_weight=0.025, lr_d=2e-4, lr_g=2e-4, betas=(0.0, 0.9),
           toy=dict(_TOY, penalty_weight=1.0)),
    Recipe("r1", "nonsaturating", "Mescheder et al. 2018 (R1, gamma=10, i.e. weight 5 on "
           "E||grad D||^2; Adam 1e-4, betas (0, 0.99), the authors' code's Adam option; its "
           "default is RMSProp)", penalty="r1", penalty_weight=5.0, lr_d=1e-4, lr_g=1e-4,
           betas=(0.0, 0.99), toy=_TOY),
    *[
        Recipe(f"fgan-{d}", f"fgan-{d}", "Nowozin et al. 2016 (Adam 2e-4, beta1 0.5)",
               toy=_TOY_FGAN)
        for d in fdiv.names()
    ],
    # Conditional GANs (chapter 8) and InfoGAN (chapter 9): on the mixtures a sample's label
    # is its mixture component, on digits the digit. On digits chapter 8 adds its own
    # adjustment, ganlib.recorded.DIGITS_R1 (an R1 penalty, one critic step): with these
    # settings alone its cgan runs collapsed within a few hundred steps.
    Recipe("cgan", "nonsaturating", "Mirza & Osindero 2014 (labels concatenated to the inputs "
           "of G and D); Radford et al. 2016 (Adam 2e-4, beta1 0.5)", conditioning="labels",
           toy=_TOY),
    Recipe("projection", "hinge", "Miyato & Koyama 2018 (projection discriminator, spectral "
           "norm, hinge loss; Adam 2e-4, betas (0, 0.9), n_critic 5)", conditioning="labels",
           discriminator="projection", spectral_norm=True, n_critic=5, betas=(0.0, 0.9),
           toy=_TOY),
    Recipe("acgan", "nonsaturating", "Odena et al. 2017 (auxiliary classifier, weight 1; "
           "Adam 2e-4, beta1 0.5)", conditioning="labels-to-g", terms=dict(classifier=1.0),
           toy=_TOY),
    # InfoGAN: the authors' MNIST launcher (launchers/run_mnist_exp.py, openai/InfoGAN): Q reads
    # the continuous codes as a Gaussian of fixed sigma 1 (Uniform(1, fix_std=True)), lambda 1
    # on both kinds of code, the information loss on D's (and Q's) update and on G's.
    Recipe("infogan", "nonsaturating", "Chen et al. 2016 and their code (10-way categorical and "
           "2 uniform codes, Q a unit-variance Gaussian for them, lambda 1; Adam lr_d 2e-4, "
           "lr_g 1e-3, beta1 0.5)", conditioning="codes",
           conditioning_params=dict(categorical=10, continuous=2), terms=dict(information=1.0),
           lr_g=1e-3, toy=_TOY),
]
_BY_NAME = {r.name: r for r in _RECIPES}


def names() -> list[str]:
    """Every recipe name that :func:`get` accepts."""
    return list(_BY_NAME)


def get(name: str, **changes) -> Recipe:
    """The recipe called ``name``, with any field replaced, e.g. ``get("wgan-gp", n_critic=1)``.

    A field you change stays changed on the 2-D toys too: it is dropped from the toy adjustment.

    every chapter's training runs; test:
    tests/test_train.py::test_recipes_are_independent_copies.
    """
    if name not in _BY_NAME:
        raise ValueError(f"unknown recipe {name!r}; choose one of: {', '.join(names())}")
    recipe = _BY_NAME[name]
    toy = {k: v for k, v in recipe.toy.items() if k not in changes}
    try:
        return copy.deepcopy(replace(recipe, **{"toy": toy, **changes}))
    except TypeError as err:
        raise ValueError(f"bad change to recipe {name!r}: {err}") from None

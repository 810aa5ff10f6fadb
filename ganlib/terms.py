"""Extra terms a recipe adds to the discriminator's or the generator's loss.

The training step computes each side's loss as the adversarial loss plus ``weight * value``
for every term that acts on that side, and records each term's unweighted value under its
name (so a non-finite value is reported by that name). A term reads the step's draws, the
fakes and the discriminator's outputs (:class:`Step`):

- a penalty on D from :mod:`ganlib.penalties` (gp, lp, dragan, r1, r2), with its weight;
- ``pull_away``: EBGAN's pulling-away term on the fakes' codes, on G (Zhao et al., 2017);
- ``classifier``: AC-GAN's auxiliary classifier, cross-entropy on real and fake for D, on fake
  for G (Odena et al., 2017);
- ``information``: InfoGAN's mutual-information bound, cross-entropy for the categorical code
  plus a unit-variance Gaussian log-likelihood for the continuous codes, on both D (whose Q
  head it trains) and G (Chen et al., 2016).

``get(name, weight, conditioning)`` builds one by name; ``names()`` lists them; ``penalty(...)``
wraps a penalty. A term names the discriminator heads it needs (``heads``), which
:func:`ganlib.train.build` adds. Chapters 6-9 use them; tests: tests/test_train.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ganlib import losses, penalties
from ganlib.conditioning import Inputs


@dataclass
class Step:
    """What one update sees: the draws, the fakes and D's outputs ({"score", heads...})."""

    inputs: Inputs
    fake: torch.Tensor
    real_out: dict | None  # None in a generator step whose loss needs no real outputs
    fake_out: dict
    D: torch.nn.Module
    generator: torch.Generator | None = None


@dataclass(frozen=True)
class Term:
    """``weight * d(step)`` is added to D's loss, ``weight * g(step)`` to G's (when given)."""

    name: str
    weight: float
    d: Callable[[Step], torch.Tensor] | None = None
    g: Callable[[Step], torch.Tensor] | None = None
    heads: dict = field(default_factory=dict)  # discriminator heads it reads, {name: width}


def penalty(name: str, weight: float, **params) -> Term:
    """A penalty on D, e.g. ``penalty("gp", 10.0)``; its critic is D(., c) with the step's c.

    Chapter 6, "In code"; test: tests/test_train.py::test_penalty_params_reach_the_penalty.
    """
    pen = penalties.get(name, **params)

    def on_d(s: Step) -> torch.Tensor:
        return pen(lambda x: s.D(x, s.inputs.d_cond), s.inputs.real, s.fake, s.generator)

    return Term(name, weight, d=on_d)


def _pull_away(weight: float, conditioning) -> Term:
    return Term("pull_away", weight, g=lambda s: losses.pulling_away_term(s.fake_out["code"]))


def _classifier(weight: float, conditioning) -> Term:
    k = getattr(conditioning, "num_classes", 0)
    if not k or getattr(conditioning, "to_discriminator", True):
        raise ValueError("the classifier term (AC-GAN) needs class labels given to G only: "
                         "set conditioning='labels-to-g'")

    def on_d(s: Step) -> torch.Tensor:
        y = s.inputs.labels
        return (losses.auxiliary_class_loss(s.real_out["class"], y)
                + losses.auxiliary_class_loss(s.fake_out["class"], y))

    return Term("classifier", weight, d=on_d,
                g=lambda s: losses.auxiliary_class_loss(s.fake_out["class"], s.inputs.labels),
                heads={"class": k})


def _information(weight: float, conditioning) -> Term:
    cat, cont = getattr(conditioning, "categorical", 0), getattr(conditioning, "continuous", 0)
    if not cat and not cont:
        raise ValueError("the information term (InfoGAN) needs latent codes: "
                         "set conditioning='codes'")

    def on_both(s: Step) -> torch.Tensor:
        value = torch.zeros((), device=s.fake.device)
        if cat:
            value = value + losses.info_categorical_loss(s.fake_out["code_logits"],
                                                         s.inputs.categorical)
        if cont:
            value = value + losses.info_gaussian_loss(s.fake_out["code_mean"],
                                                      s.inputs.continuous)
        return value

    heads = {**({"code_logits": cat} if cat else {}), **({"code_mean": cont} if cont else {})}
    return Term("information", weight, d=on_both, g=on_both, heads=heads)


_FACTORIES = {"pull_away": _pull_away, "classifier": _classifier, "information": _information}


def names() -> list[str]:
    """Every term name that :func:`get` accepts (penalties come from ``penalties.names()``)."""
    return list(_FACTORIES)


def get(name: str, weight: float, conditioning=None) -> Term:
    """The term called ``name`` with ``weight``, for a run with ``conditioning``.

    Chapters 7-9 (in preparation); test:
    tests/test_train.py::test_acgan_and_infogan_terms_act_on_both_networks.
    """
    if name not in _FACTORIES:
        raise ValueError(f"unknown term {name!r}; choose one of: {', '.join(names())}")
    return _FACTORIES[name](weight, conditioning)

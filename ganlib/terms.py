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
- ``code_labels``: the real images' class labels as targets of InfoGAN's categorical Q head,
  on D: semi-supervised InfoGAN (Spurr et al., 2017) with every label, and what some widely
  copied InfoGAN code does (chapter 9, "Which network each term updates").

``get(name, weight, conditioning)`` builds one by name; ``names()`` lists them; ``penalty(...)``
wraps a penalty. A term names the discriminator heads it needs (``heads``), which
:func:`ganlib.train.build` adds. A term that also takes an ensemble's stacked step
(``Term.stacked``: the penalties and pull_away) lets :mod:`ganlib.ensemble` batch its recipe.
Chapters 6-9 use them; tests: tests/test_train.py,
tests/test_infogan.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ganlib import losses, penalties
from ganlib.conditioning import Inputs


@dataclass
class Step:
    """What one update sees: the draws, the fakes and D's outputs ({"score", heads...}).

    ``stacked``: an ensemble's step (:mod:`ganlib.ensemble`), E runs at once. Every tensor then
    has a leading member dimension (real (E, N, ...), scores (E, N)), D maps (E, N, ...) to
    (E, N), ``generator`` is a list of E generators (None for a stopped member, which must draw
    nothing), and a term returns one value per member, (E,).
    """

    inputs: Inputs
    fake: torch.Tensor
    real_out: dict | None  # None in a generator step whose loss needs no real outputs
    fake_out: dict
    D: torch.nn.Module
    generator: torch.Generator | list | None = None
    stacked: bool = False


@dataclass(frozen=True)
class Term:
    """``weight * d(step)`` is added to D's loss, ``weight * g(step)`` to G's (when given).

    ``stacked``: d and g also take a stacked :class:`Step` and return one value per member;
    :mod:`ganlib.ensemble` batches the recipes whose terms all do.
    """

    name: str
    weight: float
    d: Callable[[Step], torch.Tensor] | None = None
    g: Callable[[Step], torch.Tensor] | None = None
    heads: dict = field(default_factory=dict)  # discriminator heads it reads, {name: width}
    stacked: bool = False


def penalty(name: str, weight: float, **params) -> Term:
    """A penalty on D, e.g. ``penalty("gp", 10.0)``; its critic is D(., c) with the step's c.

    On a stacked step it is the penalties' stacked mode (each member's draws from its own
    generator). Chapter 6, "In code"; tests:
    tests/test_train.py::test_penalty_params_reach_the_penalty,
    tests/test_ensemble.py::test_each_member_follows_its_single_run.
    """
    pen = penalties.get(name, **params)

    def on_d(s: Step) -> torch.Tensor:
        return pen(lambda x: s.D(x, s.inputs.d_cond), s.inputs.real, s.fake, s.generator,
                   stacked=s.stacked)

    return Term(name, weight, d=on_d, stacked=True)


def _pull_away(weight: float, conditioning) -> Term:
    """EBGAN's pulling-away term on G; on a stacked step each member's, by torch.func.vmap."""

    def on_g(s: Step) -> torch.Tensor:
        pt = torch.func.vmap(losses.pulling_away_term) if s.stacked else losses.pulling_away_term
        return pt(s.fake_out["code"])

    return Term("pull_away", weight, g=on_g, stacked=True)


def _classifier(weight: float, conditioning) -> Term:
    """AC-GAN's class term (Odena et al., 2017): D maximises L_S + L_C, G maximises L_C - L_S,
    L_C = E[log C(y | x_real)] + E[log C(y | x_fake)]. As minimised losses: D adds the
    cross-entropy of its class head on the real *and* the generated batch, G on the generated
    batch (the real half of L_C does not depend on G). Chapter 8, "The auxiliary classifier:
    AC-GAN"; test: tests/test_train.py::test_acgan_and_infogan_terms_act_on_both_networks."""
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
    """InfoGAN's term (Chen et al., 2016): lambda * (-E[log Q(c | G(z, c))]) = lambda (H(c) -
    L_I), L_I the variational lower bound on I(c; G(z, c)), so minimising it maximises L_I; the
    categorical and the continuous codes' parts summed (a unit-variance Gaussian for the
    latter, constants included), on D (Q's head and D's shared body) and on G. Chapter 9,
    "Which network each term updates"; test:
    tests/test_train.py::test_acgan_and_infogan_terms_act_on_both_networks."""
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


def _code_labels(weight: float, conditioning) -> Term:
    """Cross-entropy of the categorical Q head on the *real* batch against its class labels,
    on D only: -E_{(x, y) ~ data}[log Q(c = y | x)]. Not part of InfoGAN, which uses no
    labels: it ties code value k to class k (semi-supervised InfoGAN, Spurr et al., 2017).
    Chapter 9, "Which network each term updates"; test:
    tests/test_infogan.py::test_code_labels_term_reads_the_real_labels."""
    cat = getattr(conditioning, "categorical", 0)
    if not cat or not getattr(conditioning, "real_labels", False):
        raise ValueError("the code_labels term needs a categorical code and the real labels: "
                         "set conditioning='codes' with conditioning_params real_labels=True")
    return Term("code_labels", weight, d=lambda s: losses.info_categorical_loss(
        s.real_out["code_logits"], s.inputs.labels), heads={"code_logits": cat})


_FACTORIES = {"pull_away": _pull_away, "classifier": _classifier, "information": _information,
              "code_labels": _code_labels}


def names() -> list[str]:
    """Every term name that :func:`get` accepts (penalties come from ``penalties.names()``)."""
    return list(_FACTORIES)


def get(name: str, weight: float, conditioning=None) -> Term:
    """The term called ``name`` with ``weight``, for a run with ``conditioning``.

    Chapter 8, "The auxiliary classifier: AC-GAN" (the classifier term); chapter 9, "Which
    network each term updates" (information, code_labels); chapter 7 the pulling-away term; test:
    tests/test_train.py::test_acgan_and_infogan_terms_act_on_both_networks.
    """
    if name not in _FACTORIES:
        raise ValueError(f"unknown term {name!r}; choose one of: {', '.join(names())}")
    return _FACTORIES[name](weight, conditioning)

"""What a training step draws: a real batch, the generator's noise and its conditioning.

One object per kind of conditioning, each with ``draw(data, n, z_dim, generator, real=True)``
returning :class:`Inputs`, so the training loop reads the same for every recipe:

- :class:`Unconditional`: x ~ data, z ~ N(0, I).
- :class:`ClassLabels`: (x, y) ~ data; the generator is asked for the real batch's classes, so
  real and fake batches hold the same classes and D (when it sees labels: CGAN, projection)
  gets the same one-hot c beside both -- which is also what a penalty's critic D(., c) needs.
  AC-GAN's D does not see the labels (``to_discriminator=False``); it predicts them.
- :class:`LatentCodes`: InfoGAN's codes, a categorical c_1 ~ Cat(K) and continuous
  c_2 ~ U[-1, 1]^k (Chen et al., 2016, Sec. 7), given to G only.

Chapter 8, "In code", uses the labels, chapter 9, "Codes that the generator must keep", the
codes; tests: tests/test_train.py, tests/test_infogan.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ganlib.models import one_hot


@dataclass
class Inputs:
    """One step's draws. ``real`` is None when the step needs no real batch."""

    real: torch.Tensor | None
    z: torch.Tensor
    g_cond: torch.Tensor | None = None  # G's conditioning: one-hot labels or codes, (N, k)
    d_cond: torch.Tensor | None = None  # D's, the same beside the real and the fake batch
    labels: torch.Tensor | None = None  # class labels (N,): of the real batch, asked of G
    categorical: torch.Tensor | None = None  # InfoGAN's categorical code (N,)
    continuous: torch.Tensor | None = None  # InfoGAN's continuous codes (N, k)


def _noise(n: int, z_dim: int, device, generator) -> torch.Tensor:
    return torch.randn(n, z_dim, device=device, generator=generator)


class Unconditional:
    """No conditioning: G(z), D(x)."""

    name, g_dim, d_dim = "none", 0, 0

    def draw(self, data, n: int, z_dim: int, generator=None, real: bool = True) -> Inputs:
        x = data.sample(n, generator) if real else None
        return Inputs(x, _noise(n, z_dim, _device(data), generator))

    def latent(self, n: int, z_dim: int, device, generator=None, labels=None) -> Inputs:
        """G's inputs alone, e.g. to draw samples for a figure."""
        if labels is not None:
            raise ValueError("this run is unconditional: it takes no labels")
        return Inputs(None, _noise(n, z_dim, device, generator))


class ClassLabels:
    """Class-conditional: G(z, onehot(y)), and D(x, onehot(y)) when ``to_discriminator``."""

    name = "labels"

    def __init__(self, num_classes: int, to_discriminator: bool = True):
        self.num_classes, self.to_discriminator = num_classes, to_discriminator
        self.g_dim = num_classes
        self.d_dim = num_classes if to_discriminator else 0

    def draw(self, data, n: int, z_dim: int, generator=None, real: bool = True) -> Inputs:
        x, y = data.sample_labeled(n, generator)  # the labels are needed even when x is not
        inputs = self.latent(n, z_dim, x.device, generator, labels=y)
        inputs.real = x
        return inputs

    def latent(self, n: int, z_dim: int, device, generator=None, labels=None) -> Inputs:
        """G's inputs for ``labels`` (N,), or for classes drawn uniformly when None."""
        if labels is None:
            labels = torch.randint(self.num_classes, (n,), device=device, generator=generator)
        labels = torch.as_tensor(labels, device=device)
        if labels.shape != (n,) or labels.dtype not in (torch.int64, torch.int32) or (
                len(labels) and (labels.min() < 0 or labels.max() >= self.num_classes)):
            raise ValueError(f"labels must be {n} whole numbers in 0..{self.num_classes - 1}")
        c = one_hot(labels.long(), self.num_classes)
        return Inputs(None, _noise(n, z_dim, device, generator), c,
                      c if self.to_discriminator else None, labels=labels.long())


class LatentCodes:
    """InfoGAN: G(z, [onehot(c_1), c_2]) with c_1 ~ Cat(categorical), c_2 ~ U[-1, 1]^continuous.

    ``real_labels=True`` also hands the real batch's class labels to the step (``labels``), for
    the supervised ``code_labels`` term of :mod:`ganlib.terms`; the draws are the same.
    """

    name, d_dim = "codes", 0

    def __init__(self, categorical: int = 10, continuous: int = 2, real_labels: bool = False):
        if categorical < 0 or continuous < 0 or categorical + continuous == 0:
            raise ValueError("InfoGAN needs at least one code: categorical > 0 or continuous > 0")
        self.categorical, self.continuous = categorical, continuous
        self.g_dim = categorical + continuous
        self.real_labels = bool(real_labels)

    def draw(self, data, n: int, z_dim: int, generator=None, real: bool = True) -> Inputs:
        x, y = data.sample_labeled(n, generator) if real and self.real_labels else (
            data.sample(n, generator) if real else None, None)
        inputs = self.latent(n, z_dim, _device(data), generator)
        inputs.real, inputs.labels = x, y
        return inputs

    def latent(self, n: int, z_dim: int, device, generator=None, labels=None) -> Inputs:
        """G's inputs; ``labels``, if given, fix the categorical code."""
        z = _noise(n, z_dim, device, generator)
        cat = labels if labels is not None or not self.categorical else torch.randint(
            self.categorical, (n,), device=device, generator=generator)
        cont = 2 * torch.rand(n, self.continuous, device=device, generator=generator) - 1
        parts = ([one_hot(torch.as_tensor(cat, device=device).long(), self.categorical)]
                 if self.categorical else []) + [cont]
        return Inputs(None, z, torch.cat(parts, 1), categorical=cat, continuous=cont)


def _device(data) -> torch.device:
    for name in ("centers", "images"):
        if hasattr(data, name):
            return getattr(data, name).device
    return getattr(data, "device", torch.device("cpu"))


def get(name: str, data, **params):
    """The conditioning called ``name`` for ``data``: none, labels, labels-to-g, codes."""
    if name == "none":
        return Unconditional()
    if name in ("labels", "labels-to-g"):
        if not hasattr(data, "sample_labeled"):
            raise ValueError(f"conditioning on labels needs labeled data (ring, grid or digits), "
                             f"not {getattr(data, 'name', data)!r}")
        return ClassLabels(data.num_classes, to_discriminator=name == "labels", **params)
    if name == "codes":
        return LatentCodes(**params)
    raise ValueError(f"unknown conditioning {name!r}; choose one of: none, labels, "
                     "labels-to-g, codes")

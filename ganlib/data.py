"""Datasets that need no download: three 2-D toys and scikit-learn's 8x8 digits.

- ``ring``: 8 Gaussians evenly spaced on a circle of radius 2, std 0.02
  (the benchmark of Metz et al., 2017, "Unrolled GANs"; also VEEGAN and PacGAN).
- ``grid``: 25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05 (Srivastava et al., 2017, VEEGAN;
  Lin et al., 2018, PacGAN).
- ``spiral``: a two-turn Archimedean spiral of radius 2 with Gaussian noise, std 0.05: a
  continuous 1-D manifold with no modes to count (this book's choice; no paper fixes one).
- ``digits``: the 1,797 8x8 handwritten digits that ship with scikit-learn, flattened to 64
  values scaled from [0, 16] to [-1, 1], with their labels 0-9.

Mixtures and digits also have ``num_classes`` and ``sample_labeled(n, generator=None)``, a
batch with its labels (the mixture component, or the digit), for conditional GANs.
Every dataset has ``dim``, ``spec`` (its name and parameters, which a checkpoint records) and
``sample(n, generator=None)``, an (n, dim) batch on the dataset's device. The draws come from
``generator`` (a ``torch.Generator`` on that device; the training loop passes the run's own),
or from torch's global generator when it is None. ``get(name, **kwargs)`` builds one by name.
Chapter 1 introduces the ring; tests: tests/test_data_metrics.py.
"""

from __future__ import annotations

import math

import torch


def _positive(name: str, value, integer: bool = False):
    """``value`` if it is a finite positive number (an int when ``integer``); else ValueError."""
    ok = isinstance(value, int) and not isinstance(value, bool) if integer else (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value))
    if not ok or value <= 0:
        kind = "a positive whole number" if integer else "a finite positive number"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return value


def _count(n) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"the number of samples must be a whole number >= 1, got {n!r}")
    return n


class Mixture:
    """An equal-weight mixture of isotropic Gaussians with the given centers and std."""

    def __init__(self, name: str, centers: torch.Tensor, std: float, params: dict | None = None):
        _positive("std", std)
        if centers.dim() != 2 or len(centers) == 0:
            raise ValueError(f"centers must be a non-empty (K, d) tensor, "
                             f"got {tuple(centers.shape)}")
        self.name, self.centers, self.std = name, centers.float(), float(std)
        self.dim = centers.shape[1]
        self.spec = {"name": name, **(params or {})}

    @property
    def num_classes(self) -> int:
        """The number of components: a sample's label is the component it was drawn from."""
        return len(self.centers)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.sample_labeled(n, generator)[0]

    def sample_labeled(self, n: int, generator: torch.Generator | None = None):
        """A batch (n, dim) and the index of the component each sample came from, (n,)."""
        dev = self.centers.device
        idx = torch.randint(len(self.centers), (_count(n),), device=dev, generator=generator)
        noise = torch.randn(n, self.dim, device=dev, generator=generator)
        return self.centers[idx] + self.std * noise, idx

    def to(self, device) -> Mixture:
        return Mixture(self.name, self.centers.to(device), self.std, self.spec)

    def __repr__(self) -> str:
        return f"Mixture({self.name!r}, modes={len(self.centers)}, std={self.std})"


def ring(modes: int = 8, radius: float = 2.0, std: float = 0.02) -> Mixture:
    """``modes`` Gaussians evenly spaced on a circle (Metz et al., 2017: 8, radius 2, std 0.02).

    Chapter 1, "Training both losses on the ring"; test:
    tests/test_data_metrics.py::test_ring_and_grid_geometry.
    """
    _positive("modes", modes, integer=True), _positive("radius", radius)
    angle = torch.arange(modes) * (2 * math.pi / modes)
    return Mixture("ring", radius * torch.stack([angle.cos(), angle.sin()], 1), std,
                   dict(modes=modes, radius=radius, std=std))


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """side x side Gaussians on a square grid centred at 0 (VEEGAN/PacGAN: 5 x 5, 2, 0.05).

    Chapter 2, "Missing modes on a grid of 25 Gaussians"; test:
    tests/test_data_metrics.py::test_ring_and_grid_geometry.
    """
    _positive("side", side, integer=True), _positive("spacing", spacing)
    axis = (torch.arange(side) - (side - 1) / 2) * spacing
    gx, gy = torch.meshgrid(axis, axis, indexing="ij")
    return Mixture("grid", torch.stack([gx.flatten(), gy.flatten()], 1), std,
                   dict(side=side, spacing=spacing, std=std))


class Spiral:
    """Points r = radius * s, angle = 2 pi turns * s with s^2 ~ U(0, 1), plus N(0, std^2) noise.

    Drawing s as the square root of a uniform spreads points evenly along the arc.
    """

    name = "spiral"
    dim = 2

    def __init__(self, turns: float = 2.0, radius: float = 2.0, std: float = 0.05, device=None):
        _positive("turns", turns), _positive("radius", radius), _positive("std", std)
        self.turns, self.radius, self.std = turns, radius, std
        self.device = torch.device(device or "cpu")
        self.spec = dict(name="spiral", turns=turns, radius=radius, std=std)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        s = torch.rand(_count(n), device=self.device, generator=generator).sqrt()
        angle = 2 * math.pi * self.turns * s
        points = self.radius * s[:, None] * torch.stack([angle.cos(), angle.sin()], 1)
        return points + self.std * torch.randn(n, 2, device=self.device, generator=generator)

    def to(self, device) -> Spiral:
        return Spiral(self.turns, self.radius, self.std, device)

    def __repr__(self) -> str:
        return f"Spiral(turns={self.turns}, radius={self.radius}, std={self.std})"


class Digits:
    """scikit-learn's 8x8 digits: ``images`` (1797, 64) in [-1, 1] and ``labels`` (1797,)."""

    name = "digits"
    dim = 64
    num_classes = 10
    spec = {"name": "digits"}

    def __init__(self, images: torch.Tensor | None = None, labels: torch.Tensor | None = None):
        if images is None:
            from sklearn.datasets import load_digits

            raw = load_digits()
            images = torch.tensor(raw.data, dtype=torch.float32) / 8 - 1
            labels = torch.tensor(raw.target, dtype=torch.long)
        self.images, self.labels = images, labels

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.sample_labeled(n, generator)[0]

    def sample_labeled(self, n: int, generator: torch.Generator | None = None):
        """A batch of images (n, 64) and their labels (n,), drawn with replacement."""
        idx = torch.randint(len(self.images), (_count(n),), device=self.images.device,
                            generator=generator)
        return self.images[idx], self.labels[idx]

    def to(self, device) -> Digits:
        return Digits(self.images.to(device), self.labels.to(device))

    def __repr__(self) -> str:
        return f"Digits(n={len(self.images)}, dim=64, range=[-1, 1])"


_BUILDERS = {"ring": ring, "grid": grid, "spiral": Spiral, "digits": Digits}


def names() -> list[str]:
    """Every dataset name that :func:`get` accepts."""
    return list(_BUILDERS)


def get(name: str, device=None, **kwargs):
    """The dataset called ``name`` (ring, grid, spiral, digits), moved to ``device``.

    ``kwargs`` are the builder's parameters, e.g. ``get("ring", modes=6)``.
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(names())}")
    try:
        data = _BUILDERS[name](**kwargs)
    except TypeError as err:
        raise ValueError(f"bad parameters {kwargs} for dataset {name!r}: {err}") from None
    return data.to(device) if device is not None else data

"""Datasets that need no download: three 2-D toys and scikit-learn's 8x8 digits.

- ``ring``: 8 Gaussians evenly spaced on a circle of radius 2, std 0.02
  (the benchmark of Metz et al., 2017, "Unrolled GANs"; also VEEGAN and PacGAN).
- ``grid``: 25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05 (Srivastava et al., 2017, VEEGAN;
  Lin et al., 2018, PacGAN).
- ``spiral``: a two-turn Archimedean spiral of radius 2 with Gaussian noise, std 0.05: a
  continuous 1-D manifold with no modes to count (this book's choice; no paper fixes one).
- ``digits``: the 1,797 8x8 handwritten digits that ship with scikit-learn, flattened to 64
  values scaled from [0, 16] to [-1, 1], with their labels 0-9.

Every dataset has ``dim`` and ``sample(n)``, which returns an (n, dim) batch on the dataset's
device, drawn with torch's global random generator (so ``torch.manual_seed`` fixes it).
``get(name, **kwargs)`` builds one by name.
"""

from __future__ import annotations

import math

import torch


class Mixture:
    """An equal-weight mixture of isotropic Gaussians with the given centers and std."""

    def __init__(self, name: str, centers: torch.Tensor, std: float):
        if std <= 0:
            raise ValueError(f"std must be positive, got {std}")
        self.name, self.centers, self.std = name, centers.float(), float(std)
        self.dim = centers.shape[1]

    def sample(self, n: int) -> torch.Tensor:
        idx = torch.randint(len(self.centers), (n,), device=self.centers.device)
        return self.centers[idx] + self.std * torch.randn(n, self.dim, device=self.centers.device)

    def to(self, device) -> Mixture:
        return Mixture(self.name, self.centers.to(device), self.std)

    def __repr__(self) -> str:
        return f"Mixture({self.name!r}, modes={len(self.centers)}, std={self.std})"


def ring(modes: int = 8, radius: float = 2.0, std: float = 0.02) -> Mixture:
    """``modes`` Gaussians evenly spaced on a circle (Metz et al., 2017: 8, radius 2, std 0.02)."""
    angle = torch.arange(modes) * (2 * math.pi / modes)
    return Mixture("ring", radius * torch.stack([angle.cos(), angle.sin()], 1), std)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """side x side Gaussians on a square grid centred at 0 (VEEGAN/PacGAN: 5 x 5, 2, 0.05)."""
    axis = (torch.arange(side) - (side - 1) / 2) * spacing
    gx, gy = torch.meshgrid(axis, axis, indexing="ij")
    return Mixture("grid", torch.stack([gx.flatten(), gy.flatten()], 1), std)


class Spiral:
    """Points r = radius * s, angle = 2 pi turns * s with s^2 ~ U(0, 1), plus N(0, std^2) noise.

    Drawing s as the square root of a uniform spreads points evenly along the arc.
    """

    name = "spiral"
    dim = 2

    def __init__(self, turns: float = 2.0, radius: float = 2.0, std: float = 0.05, device=None):
        self.turns, self.radius, self.std = turns, radius, std
        self.device = torch.device(device or "cpu")

    def sample(self, n: int) -> torch.Tensor:
        s = torch.rand(n, device=self.device).sqrt()
        angle = 2 * math.pi * self.turns * s
        points = self.radius * s[:, None] * torch.stack([angle.cos(), angle.sin()], 1)
        return points + self.std * torch.randn(n, 2, device=self.device)

    def to(self, device) -> Spiral:
        return Spiral(self.turns, self.radius, self.std, device)

    def __repr__(self) -> str:
        return f"Spiral(turns={self.turns}, radius={self.radius}, std={self.std})"


class Digits:
    """scikit-learn's 8x8 digits: ``images`` (1797, 64) in [-1, 1] and ``labels`` (1797,)."""

    name = "digits"
    dim = 64
    num_classes = 10

    def __init__(self, images: torch.Tensor | None = None, labels: torch.Tensor | None = None):
        if images is None:
            from sklearn.datasets import load_digits

            raw = load_digits()
            images = torch.tensor(raw.data, dtype=torch.float32) / 8 - 1
            labels = torch.tensor(raw.target, dtype=torch.long)
        self.images, self.labels = images, labels

    def sample(self, n: int) -> torch.Tensor:
        return self.sample_labeled(n)[0]

    def sample_labeled(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch of images and their labels, drawn with replacement."""
        idx = torch.randint(len(self.images), (n,), device=self.images.device)
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
    """The dataset called ``name`` (ring, grid, spiral, digits), moved to ``device``."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(names())}")
    data = _BUILDERS[name](**kwargs)
    return data.to(device) if device is not None else data

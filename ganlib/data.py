"""Datasets that need no download: three 2-D toys and scikit-learn's 8x8 digits.

- ``ring``: 8 Gaussians evenly spaced on a circle of radius 2, std 0.02
  (the benchmark of Metz et al., 2017, "Unrolled GANs"; also VEEGAN and PacGAN).
- ``grid``: 25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05 (Srivastava et al., 2017, VEEGAN;
  Lin et al., 2018, PacGAN).
- ``spiral``: a two-turn Archimedean spiral of radius 2 with Gaussian noise, std 0.05: a
  continuous 1-D manifold with no modes to count (this book's choice; no paper fixes one).
- ``digits``: the 1,797 8x8 handwritten digits that ship with scikit-learn, flattened to 64
  values scaled from [0, 16] to [-1, 1], with their labels 0-9.
- ``mnist``: the 28x28 MNIST digits (LeCun et al., 1998), flattened to 784 values scaled from
  [0, 255] to [-1, 1], read with NumPy from the four IDX files in a folder (an argument, or the
  GANLIB_MNIST environment variable). Nothing is downloaded unless :func:`fetch_mnist` is
  called, which needs torchvision.

Mixtures and digits also have ``num_classes`` and ``sample_labeled(n, generator=None)``, a
batch with its labels (the mixture component, or the digit), for conditional GANs.
Every dataset has ``dim``, ``spec`` (its name and parameters, which a checkpoint records) and
``sample(n, generator=None)``, an (n, dim) batch on the dataset's device. The draws come from
``generator`` (a ``torch.Generator`` on that device; the training loop passes the run's own),
or from torch's global generator when it is None. ``get(name, **kwargs)`` builds one by name.
Chapter 1 introduces the ring; tests: tests/test_data_metrics.py.
"""

from __future__ import annotations

import gzip
import math
import os
from pathlib import Path

import numpy as np
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


MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """An IDX file (LeCun et al.'s MNIST format; gzipped if the name ends in .gz) as an array.

    Layout: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions d,
    then d big-endian 32-bit sizes, then the values, big-endian, row-major (LeCun et al., 1998,
    the MNIST page). Chapter 9, "MNIST as a switch"; test:
    tests/test_mnist.py::test_idx_round_trip_and_bad_files.
    """
    path = Path(path)
    raw = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (it must start with 0, 0, a type code)")
    ndim, dtype = raw[3], np.dtype(_IDX_TYPES[raw[2]])
    shape = tuple(int(v) for v in np.frombuffer(raw, ">u4", ndim, 4))
    expected = 4 + 4 * ndim + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path} holds {len(raw)} bytes; its header {shape} asks for {expected}")
    return np.frombuffer(raw, dtype, offset=4 + 4 * ndim).reshape(shape)


def _find(directory: Path, stem: str) -> Path:
    for folder in (directory, directory / "MNIST" / "raw", directory / "raw"):
        for name in (stem, stem + ".gz"):
            if (folder / name).exists():
                return folder / name
    raise FileNotFoundError(f"no {stem}(.gz) in {directory} (nor in its MNIST/raw or raw)")


def mnist_directory(directory=None) -> Path | None:
    """The folder given, else $GANLIB_MNIST, else None."""
    directory = directory or os.environ.get("GANLIB_MNIST")
    return Path(directory).expanduser() if directory else None


class MNIST(Digits):
    """MNIST: ``images`` (N, 784) in [-1, 1] and ``labels`` (N,), read from IDX files.

    ``directory`` (or $GANLIB_MNIST) holds train-images-idx3-ubyte and train-labels-idx1-ubyte
    (and t10k-* for ``split="test"``), gzipped or not, directly or in MNIST/raw as torchvision
    leaves them. ``image_shape`` is (28, 28). Chapter 9, "MNIST as a switch"; test:
    tests/test_mnist.py::test_mnist_reads_a_fixture_and_samples_from_it.
    """

    name = "mnist"
    dim = 784
    image_shape = (28, 28)

    def __init__(self, directory=None, split: str = "train", images=None, labels=None):
        if images is None:
            if split not in MNIST_FILES:
                raise ValueError(f"split must be 'train' or 'test', got {split!r}")
            folder = mnist_directory(directory)
            if folder is None:
                raise FileNotFoundError("MNIST needs its IDX files: pass directory=... or set "
                                        "GANLIB_MNIST (ganlib.data.fetch_mnist downloads them)")
            x, y = (read_idx(_find(folder, stem)) for stem in MNIST_FILES[split])
            if x.ndim != 3 or x.shape[1:] != self.image_shape or y.shape != (len(x),):
                raise ValueError(f"expected images (N, 28, 28) and labels (N,), got {x.shape} "
                                 f"and {y.shape}")
            images = torch.from_numpy(x.reshape(len(x), -1).astype(np.float32) / 127.5 - 1)
            labels = torch.from_numpy(y.astype(np.int64))
            directory = str(folder)
        self.images, self.labels = images, labels
        self.directory, self.split = directory, split
        self.spec = {"name": "mnist", "split": split}

    def to(self, device) -> MNIST:
        return MNIST(self.directory, self.split, self.images.to(device), self.labels.to(device))

    def __repr__(self) -> str:
        return f"MNIST(n={len(self.images)}, dim=784, range=[-1, 1], split={self.split!r})"


def fetch_mnist(directory) -> Path:
    """Download MNIST's IDX files into ``directory`` with torchvision, if it is installed.

    Returns the folder to pass to :class:`MNIST` (torchvision leaves the files in its
    MNIST/raw, where :class:`MNIST` looks). Raises ImportError, saying so, without torchvision
    (it does not import beside every torch build). Chapter 9, "MNIST as a switch"; it needs the
    network, so no test calls it: tests/test_mnist.py tests what it leaves, read from MNIST/raw.
    """
    try:
        from torchvision.datasets import MNIST as TorchvisionMNIST
    except Exception as err:  # ImportError, or a torchvision built for another torch
        raise ImportError(f"fetching MNIST needs torchvision ({type(err).__name__}: {err}); "
                          "download the four IDX files by hand instead") from None
    for train in (True, False):
        TorchvisionMNIST(str(directory), train=train, download=True)
    return Path(directory)


_BUILDERS = {"ring": ring, "grid": grid, "spiral": Spiral, "digits": Digits}
_NEEDS_FILES = {"mnist": MNIST}  # get() builds it; names() lists only what needs no files


def names() -> list[str]:
    """The datasets that need no files (:func:`get` also accepts "mnist", given its files)."""
    return list(_BUILDERS)


def get(name: str, device=None, **kwargs):
    """The dataset called ``name`` (ring, grid, spiral, digits, mnist), moved to ``device``.

    ``kwargs`` are the builder's parameters, e.g. ``get("ring", modes=6)``.
    """
    builders = {**_BUILDERS, **_NEEDS_FILES}
    if name not in builders:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(builders)}")
    try:
        data = builders[name](**kwargs)
    except TypeError as err:
        raise ValueError(f"bad parameters {kwargs} for dataset {name!r}: {err}") from None
    return data.to(device) if device is not None else data

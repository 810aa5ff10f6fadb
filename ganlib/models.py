"""Small fully connected networks for the 2-D toys and the flattened 8x8 digits.

The generator maps noise z ~ N(0, I), and optionally a conditioning vector c, to a sample. A
discriminator maps a sample (and optionally c) to one raw score per sample -- a logit, critic
value or energy; the loss decides which -- and may carry extra heads:

    D(x, c)          -> scores, shape (N,)               what losses and penalties see
    D.outputs(x, c)  -> {"score": (N,), head: (N, k)}    what the training step sees

c is a float matrix (N, k): one-hot class labels (CGAN, projection discriminator) or
InfoGAN's codes; :mod:`ganlib.conditioning` makes it. EBGAN's discriminator is an autoencoder
whose reconstruction error is the energy. Chapter 1, "A trained discriminator gets there too",
uses them; tests: tests/test_models.py.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm


def _size(name: str, value, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return value


def check_input(t: torch.Tensor, width: int, what: str) -> torch.Tensor:
    """``t`` if it is an (N, width) matrix with N >= 1; otherwise a ValueError saying so."""
    if not isinstance(t, torch.Tensor) or t.dim() != 2 or t.shape[1] != width or not len(t):
        shape = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
        raise ValueError(f"{what} must have shape (N, {width}) with N >= 1, got {shape}")
    return t


def _conditioning(c, n: int, cond_dim: int) -> torch.Tensor | None:
    """The conditioning c, checked: None for a network with cond_dim 0, else (n, cond_dim)."""
    if cond_dim == 0:
        if c is not None:
            raise ValueError("this network takes no conditioning c; build it with cond_dim > 0")
        return None
    if c is None:
        raise ValueError(f"this network is conditional: pass c, shape (N, {cond_dim})")
    c = check_input(c, cond_dim, "c")
    if len(c) != n:
        raise ValueError(f"c has {len(c)} rows for a batch of {n}")
    return c


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU, spectral_norm: bool = False,
        last_activation: bool = False):
    """Linear layers of the given sizes with ``activation`` between them.

    No activation after the last layer unless ``last_activation``. With ``spectral_norm=True``
    every weight matrix is divided by an estimate of its largest singular value, one power
    iteration per forward pass in training mode (Miyato et al., 2018): early in training a
    layer's norm can still exceed 1 (chapter 6 measured 1.16). Chapter 6, "Spectral
    normalisation"; test:
    tests/test_models.py::test_spectral_norm_divides_by_the_largest_singular_value.
    """
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out)
        layers.append(_spectral_norm(linear) if spectral_norm else linear)
        if i < len(sizes) - 2 or last_activation:
            layers.append(activation(0.2) if activation is nn.LeakyReLU else activation())
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """z (N, z_dim) [, c (N, cond_dim)] -> x (N, data_dim).

    An MLP with ``depth`` hidden ReLU layers of ``hidden`` units (depth 0 is one linear map),
    ending in tanh if ``tanh`` (for data in [-1, 1]). A conditional generator (``cond_dim`` > 0)
    reads [z, c], the concatenation of CGAN (Mirza & Osindero, 2014) and InfoGAN.
    """

    def __init__(self, data_dim: int = 2, z_dim: int = 2, hidden: int = 128, depth: int = 3,
                 tanh: bool = False, cond_dim: int = 0):
        super().__init__()
        self.data_dim, self.z_dim = _size("data_dim", data_dim, 1), _size("z_dim", z_dim, 1)
        self.cond_dim = _size("cond_dim", cond_dim, 0)
        sizes = [z_dim + cond_dim] + [_size("hidden", hidden, 1)] * _size("depth", depth, 0)
        self.net = mlp(sizes + [data_dim], nn.ReLU)
        self.out = nn.Tanh() if tanh else nn.Identity()

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        z = check_input(z, self.z_dim, "z")
        c = _conditioning(c, len(z), self.cond_dim)
        return self.out(self.net(z if c is None else torch.cat([z, c.to(z.dtype)], 1)))

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws of z ~ N(0, I) on the generator's device (from ``generator`` if given)."""
        dev = next(self.parameters()).device
        return torch.randn(n, self.z_dim, device=dev, generator=generator)

    @torch.no_grad()
    def sample(self, n: int, c: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """n generated samples, without gradients."""
        return self(self.noise(n, generator), c)


class Discriminator(nn.Module):
    """x (N, data_dim) [, c (N, cond_dim)] -> one raw score per sample, shape (N,).

    An MLP with ``depth`` hidden LeakyReLU(0.2) layers of ``hidden`` units, the body phi(x),
    then a linear score. Options:
    - ``spectral_norm``: every layer spectrally normalised (SN-GAN, Miyato et al., 2018).
    - ``cond_dim`` > 0, ``projection=False``: c is concatenated to x (CGAN).
    - ``cond_dim`` > 0, ``projection=True``: score = w . phi(x) + b + c^T E phi(x), the
      projection discriminator of Miyato & Koyama (2018), E a learned (cond_dim, hidden)
      embedding; with one-hot c, c^T E is the embedding of the class. With
      ``spectral_norm`` E is spectrally normalised too, as in the authors' code (SNEmbedID).
      Chapter 8, "The projection discriminator"; test:
      tests/test_conditional.py::test_projection_embedding_is_spectrally_normalised.
    - ``heads``: extra linear heads on phi(x), {name: width}, e.g. AC-GAN's class logits or
      InfoGAN's Q network; :meth:`outputs` returns them beside the score.
    """

    def __init__(self, data_dim: int = 2, hidden: int = 128, depth: int = 3,
                 spectral_norm: bool = False, cond_dim: int = 0, projection: bool = False,
                 heads: dict[str, int] | None = None):
        super().__init__()
        self.data_dim = _size("data_dim", data_dim, 1)
        self.cond_dim = _size("cond_dim", cond_dim, 0)
        if projection and not cond_dim:
            raise ValueError("a projection discriminator needs cond_dim > 0 (the classes)")
        self.projection = projection
        depth, hidden = _size("depth", depth, 0), _size("hidden", hidden, 1)
        width_in = data_dim + (0 if projection else cond_dim)
        self.body = mlp([width_in] + [hidden] * depth, nn.LeakyReLU, spectral_norm,
                        last_activation=True)
        features = hidden if depth else width_in
        linear = (lambda n: _spectral_norm(nn.Linear(features, n))) if spectral_norm else (
            lambda n: nn.Linear(features, n))
        self.score = linear(1)
        self.embed = None
        if projection:  # the class embedding E, (features, cond_dim) as a linear map of c
            embed = nn.Linear(cond_dim, features, bias=False)
            self.embed = _spectral_norm(embed) if spectral_norm else embed
        self.heads = nn.ModuleDict({k: linear(_size(f"head {k}", v, 1))
                                    for k, v in (heads or {}).items()})

    def outputs(self, x: torch.Tensor, c: torch.Tensor | None = None) -> dict:
        """{"score": (N,), and one (N, width) tensor per head}, from one pass through the body."""
        x = check_input(x, self.data_dim, "x")
        c = _conditioning(c, len(x), self.cond_dim)
        concat = c is not None and not self.projection
        h = self.body(torch.cat([x, c.to(x.dtype)], 1) if concat else x)
        score = self.score(h)[:, 0]
        if self.projection:
            score = score + (self.embed(c.to(x.dtype)) * h).sum(1)
        return {"score": score, **{k: head(h) for k, head in self.heads.items()}}

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return self.outputs(x, c)["score"]


class AutoencoderEnergy(nn.Module):
    """EBGAN's discriminator: x (N, data_dim) -> energy ||Dec(Enc(x)) - x||^2 / data_dim, (N,).

    The energy is the mean squared reconstruction error of an MLP autoencoder. Zhao et al.
    (2017, Sec. 2.3) use the norm ||Dec(Enc(x)) - x||; its square, divided by the dimension,
    orders points the same way and is smooth at zero. Non-negative, low where the autoencoder
    has learnt to reconstruct (the data) and pushed up to the margin on generated samples.
    ``outputs`` also returns the encoder's code as "code", the input of EBGAN's pulling-away
    term (chapter 7).
    """

    cond_dim = 0

    def __init__(self, data_dim: int = 2, hidden: int = 128, depth: int = 3, code: int = 2):
        super().__init__()
        self.data_dim = _size("data_dim", data_dim, 1)
        depth, hidden = _size("depth", depth, 0), _size("hidden", hidden, 1)
        half = depth // 2
        self.encoder = mlp([data_dim] + [hidden] * half + [_size("code", code, 1)], nn.LeakyReLU)
        self.decoder = mlp([code] + [hidden] * (depth - half) + [data_dim], nn.LeakyReLU)

    def outputs(self, x: torch.Tensor, c: torch.Tensor | None = None) -> dict:
        """{"score": the energy (N,), "code": the encoder's code (N, code)}."""
        x = check_input(x, self.data_dim, "x")
        _conditioning(c, len(x), 0)  # refuses a c: EBGAN's energy is unconditional
        code = self.encoder(x)
        return {"score": (self.decoder(code) - x).pow(2).mean(dim=1), "code": code}

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return self.outputs(x, c)["score"]


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Integer labels (N,) as a float one-hot matrix (N, num_classes)."""
    return F.one_hot(labels, num_classes).float()


# ------------------------------------------------------------------ DCGAN pair for 28x28


class DCGANGenerator(nn.Module):
    """z (N, z_dim) [, c (N, cond_dim)] -> 28x28 images flattened to (N, 784), in [-1, 1].

    The MNIST generator of InfoGAN (Chen et al., 2016, Table 1 of the appendix; the authors'
    code), a DCGAN (Radford et al., 2016): [z, c] -> FC 1024 -> FC 7*7*128 -> 4x4
    transposed convolution, stride 2, to 64 x 14 x 14 -> the same to 1 x 28 x 28 -> tanh,
    with batch normalisation and ReLU after every layer but the last. ``batch_norm=False``
    drops the normalisation. With it, in training mode (ganlib never switches modes) a sample
    is normalised with the statistics of the batch it is drawn in, as in DCGAN: draw at least
    two at a time, and draw a batch whose inputs are not independent draws (a latent traversal:
    one z, the codes varied) inside a batch of random inputs. Normalised over a batch that
    shares one z, the first layer's batch mean removes z altogether (the authors' code draws its
    traversals with the running statistics instead). Chapter 9, "MNIST as a switch"; test:
    tests/test_models.py::test_dcgan_pair_shapes_and_conditioning.
    """

    side = 28

    def __init__(self, z_dim: int = 62, cond_dim: int = 0, batch_norm: bool = True):
        super().__init__()
        self.z_dim, self.cond_dim = _size("z_dim", z_dim, 1), _size("cond_dim", cond_dim, 0)
        self.data_dim = self.side * self.side
        norm1 = (lambda n: nn.BatchNorm1d(n)) if batch_norm else (lambda n: nn.Identity())
        norm2 = (lambda n: nn.BatchNorm2d(n)) if batch_norm else (lambda n: nn.Identity())
        self.fc = nn.Sequential(nn.Linear(z_dim + cond_dim, 1024), norm1(1024), nn.ReLU(),
                                nn.Linear(1024, 128 * 7 * 7), norm1(128 * 7 * 7), nn.ReLU())
        self.deconv = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), norm2(64), nn.ReLU(),
                                    nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        z = check_input(z, self.z_dim, "z")
        c = _conditioning(c, len(z), self.cond_dim)
        h = self.fc(z if c is None else torch.cat([z, c.to(z.dtype)], 1))
        return self.deconv(h.view(-1, 128, 7, 7)).flatten(1)

    noise = Generator.noise
    sample = Generator.sample


class DCGANDiscriminator(Discriminator):
    """28x28 images (N, 784) [, c (N, cond_dim)] -> one raw score per sample, shape (N,).

    InfoGAN's MNIST discriminator (Chen et al., 2016, appendix Table 1): 4x4 convolution,
    stride 2, to 64 x 14 x 14 -> the same to 128 x 7 x 7 -> FC 1024, LeakyReLU(0.2) after
    each: the body phi(x); then a linear score, and ``heads`` (e.g. InfoGAN's Q) on phi(x).
    Without batch normalisation (the paper has it after the second and third layers): ganlib
    passes the real and the generated batch through D together, and gradient penalties need
    each score to depend on its own input only. Conditioning as :class:`Discriminator`'s:
    c is concatenated to the flattened convolution features (CGAN), or projected
    (``projection``). Chapter 9, "MNIST as a switch"; test:
    tests/test_models.py::test_dcgan_pair_shapes_and_conditioning.
    """

    side = 28

    def __init__(self, spectral_norm: bool = False, cond_dim: int = 0,
                 projection: bool = False, heads: dict[str, int] | None = None):
        super().__init__(self.side * self.side, 1024, 1, spectral_norm, cond_dim, projection,
                         heads)  # the MLP parts: score, embedding and heads on 1024 features
        sn = _spectral_norm if spectral_norm else (lambda m: m)
        width_in = 128 * 7 * 7 + (0 if projection else self.cond_dim)
        self.conv = nn.Sequential(sn(nn.Conv2d(1, 64, 4, 2, 1)), nn.LeakyReLU(0.2),
                                  sn(nn.Conv2d(64, 128, 4, 2, 1)), nn.LeakyReLU(0.2),
                                  nn.Flatten())
        self.body = nn.Sequential(sn(nn.Linear(width_in, 1024)), nn.LeakyReLU(0.2))

    def outputs(self, x: torch.Tensor, c: torch.Tensor | None = None) -> dict:
        """{"score": (N,), and one (N, width) tensor per head}, from one pass through the body."""
        x = check_input(x, self.data_dim, "x")
        c = _conditioning(c, len(x), self.cond_dim)
        h = self.conv(x.view(-1, 1, self.side, self.side))
        h = self.body(torch.cat([h, c.to(x.dtype)], 1) if c is not None and not self.projection
                      else h)
        score = self.score(h)[:, 0]
        if self.projection:
            score = score + (self.embed(c.to(x.dtype)) * h).sum(1)
        return {"score": score, **{k: head(h) for k, head in self.heads.items()}}

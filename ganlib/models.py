"""Small fully connected networks for the 2-D toys and the flattened 8x8 digits.

The generator maps z ~ N(0, I) to a sample; the discriminator maps a sample to one raw score
(a logit, critic value or energy -- the loss decides which); EBGAN's discriminator is an
autoencoder whose reconstruction error is the energy. Conditional, InfoGAN and convolutional
networks come with their chapters.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU, spectral_norm: bool = False):
    """Linear layers of the given sizes with ``activation`` between them (none after the last).

    With ``spectral_norm=True`` every weight matrix is divided by its largest singular value,
    estimated by one power iteration per forward pass (Miyato et al., 2018).
    """
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out)
        layers.append(_spectral_norm(linear) if spectral_norm else linear)
        if i < len(sizes) - 2:
            layers.append(activation(0.2) if activation is nn.LeakyReLU else activation())
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """z (N, z_dim) -> x (N, data_dim): an MLP with ReLU, and tanh at the end if ``tanh``."""

    def __init__(self, data_dim: int = 2, z_dim: int = 16, hidden: int = 128, depth: int = 3,
                 tanh: bool = False):
        super().__init__()
        self.z_dim, self.data_dim = z_dim, data_dim
        self.net = mlp([z_dim] + [hidden] * depth + [data_dim], nn.ReLU)
        self.out = nn.Tanh() if tanh else nn.Identity()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.out(self.net(z))

    def noise(self, n: int) -> torch.Tensor:
        """n draws of z ~ N(0, I) on the generator's device."""
        return torch.randn(n, self.z_dim, device=next(self.parameters()).device)

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """n generated samples, without gradients."""
        return self(self.noise(n))


class Discriminator(nn.Module):
    """x (N, data_dim) -> one raw score per sample, shape (N,): an MLP with LeakyReLU(0.2).

    ``spectral_norm`` normalises every layer (SN-GAN). ``softplus`` ends the network with a
    softplus, for losses that need a non-negative output such as EBGAN's energy.
    """

    def __init__(self, data_dim: int = 2, hidden: int = 128, depth: int = 3,
                 spectral_norm: bool = False, softplus: bool = False):
        super().__init__()
        self.data_dim = data_dim
        self.net = mlp([data_dim] + [hidden] * depth + [1], nn.LeakyReLU, spectral_norm)
        self.out = nn.Softplus() if softplus else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.data_dim:
            raise ValueError(f"x must have shape (N, {self.data_dim}), got {tuple(x.shape)}")
        return self.out(self.net(x))[:, 0]


class AutoencoderEnergy(nn.Module):
    """EBGAN's discriminator: x (N, data_dim) -> energy ||Dec(Enc(x)) - x||^2 / data_dim, (N,).

    The energy is the mean squared reconstruction error of an MLP autoencoder (Zhao et al.,
    2017, Sec. 2.3): non-negative, low where the autoencoder has learnt to reconstruct (the
    data) and pushed up to the margin on generated samples. ``embed(x)`` returns the encoder's
    code, the input of EBGAN's pulling-away term.
    """

    def __init__(self, data_dim: int = 2, hidden: int = 128, depth: int = 3, code: int = 2):
        super().__init__()
        self.data_dim = data_dim
        half = max(1, depth // 2)
        self.encoder = mlp([data_dim] + [hidden] * half + [code], nn.LeakyReLU)
        self.decoder = mlp([code] + [hidden] * max(1, depth - half) + [data_dim], nn.LeakyReLU)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.data_dim:
            raise ValueError(f"x must have shape (N, {self.data_dim}), got {tuple(x.shape)}")
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.decoder(self.embed(x)) - x).pow(2).mean(dim=1)

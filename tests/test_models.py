"""The networks: shapes, conditioning, heads, the autoencoder energy, and bad sizes."""

import pytest
import torch

from ganlib.models import AutoencoderEnergy, Discriminator, Generator, one_hot


def test_shapes_and_depth_zero_is_linear():
    G, D = Generator(2, 3, 16, 2), Discriminator(2, 16, 2)
    assert G(torch.randn(5, 3)).shape == (5, 2) and D(torch.randn(5, 2)).shape == (5,)
    linear = Discriminator(2, 16, 0)
    x = torch.randn(4, 2)
    assert torch.allclose(linear(x), x @ linear.score.weight[0] + linear.score.bias, atol=1e-6)
    assert len(list(Generator(2, 2, 16, 0).parameters())) == 2  # one weight, one bias


def test_conditioning_is_concatenated():
    G = Generator(2, 3, 16, 2, cond_dim=4)
    z, c = torch.randn(5, 3), one_hot(torch.tensor([0, 1, 2, 3, 0]), 4)
    assert torch.allclose(G(z, c), G.net(torch.cat([z, c], 1)))
    D = Discriminator(2, 16, 2, cond_dim=4)
    x = torch.randn(5, 2)
    assert torch.allclose(D(x, c), D.score(D.body(torch.cat([x, c], 1)))[:, 0])
    with pytest.raises(ValueError, match="is conditional: pass c"):
        G(z)
    with pytest.raises(ValueError, match="takes no conditioning"):
        Generator(2, 3, 16, 2)(z, c)
    with pytest.raises(ValueError, match=r"c must have shape \(N, 4\)"):
        D(x, c[:, :3])
    with pytest.raises(ValueError, match="rows for a batch of 5"):
        D(x, c[:4])


def test_heads_share_the_body():
    D = Discriminator(2, 16, 2, heads={"class": 3, "code_mean": 2})
    x = torch.randn(6, 2)
    out = D.outputs(x)
    h = D.body(x)
    assert out["class"].shape == (6, 3) and out["code_mean"].shape == (6, 2)
    assert torch.allclose(out["class"], D.heads["class"](h))
    assert torch.equal(out["score"], D(x))


def test_autoencoder_energy_is_the_reconstruction_error():
    torch.manual_seed(0)
    D = AutoencoderEnergy(2, 16, 3, code=2)
    x = torch.randn(5, 2)
    by_hand = ((D.decoder(D.encoder(x)) - x) ** 2).mean(dim=1)
    assert torch.allclose(D(x), by_hand) and bool((D(x) >= 0).all())
    assert D.outputs(x)["code"].shape == (5, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        D(torch.zeros(3))


@pytest.mark.parametrize("make, message", [
    (lambda: Generator(2, 0, 16, 2), "z_dim must be a whole number >= 1"),
    (lambda: Generator(2, 2, 0, 2), "hidden"),
    (lambda: Generator(2, 2, 16, -1), "depth must be a whole number >= 0"),
    (lambda: Discriminator(2, 16, 2, projection=True), "projection discriminator needs"),
    (lambda: Discriminator(2, 16, 2, heads={"class": 0}), "head class"),
    (lambda: AutoencoderEnergy(2, 16, 2, code=0), "code"),
])
def test_bad_sizes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_empty_batches_are_refused():
    with pytest.raises(ValueError, match="N >= 1"):
        Discriminator(2, 16, 2)(torch.zeros(0, 2))


def test_spectral_norm_divides_by_the_largest_singular_value():
    torch.manual_seed(0)
    D = Discriminator(2, 16, 2, spectral_norm=True)
    x = torch.randn(8, 2)
    for _ in range(50):  # each training-mode forward pass runs one power iteration
        D(x)
    D.eval()
    linears = [m for m in D.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 3
    for layer in linears:  # the normalised weight has largest singular value 1
        assert torch.linalg.matrix_norm(layer.weight, ord=2).item() == pytest.approx(1.0, abs=1e-3)


def test_dcgan_pair_shapes_and_conditioning():
    from ganlib.models import DCGANDiscriminator, DCGANGenerator

    torch.manual_seed(0)
    G = DCGANGenerator(z_dim=8, cond_dim=12)
    z, c = torch.randn(5, 8), torch.cat([one_hot(torch.arange(5), 10), torch.rand(5, 2)], 1)
    x = G(z, c)
    assert x.shape == (5, 784) and bool((x.abs() <= 1).all())
    with pytest.raises(ValueError, match="is conditional: pass c"):
        G(z)
    # batch norm in training mode: in a batch that shares one z, z is normalised away; inside a
    # batch of random inputs it is not (DCGANGenerator's docstring, chapter 9's traversal)
    one_z = [torch.randn(1, 8).repeat(5, 1) for _ in range(2)]
    rest = (torch.randn(64, 8), torch.cat([one_hot(torch.arange(64) % 10, 10),
                                           torch.rand(64, 2)], 1))
    with torch.no_grad():
        alone = [G(zz, c) for zz in one_z]
        inside = [G(torch.cat([zz, rest[0]]), torch.cat([c, rest[1]]))[:5] for zz in one_z]
    assert torch.allclose(alone[0], alone[1], atol=1e-3)
    assert (inside[0] - inside[1]).abs().max() > 0.1
    D = DCGANDiscriminator(heads={"code_logits": 10, "code_mean": 2})
    out = D.outputs(x)
    assert out["score"].shape == (5,) and out["code_logits"].shape == (5, 10)
    assert out["code_mean"].shape == (5, 2) and torch.equal(out["score"], D(x))
    # no batch statistics in D: each score depends on its own image only
    assert torch.allclose(D(x[:2]), D(x)[:2], atol=1e-6)
    (grad,) = torch.autograd.grad(D(x)[0], x)
    assert grad[0].abs().sum() > 0 and grad[1:].abs().sum() == 0
    cond = DCGANDiscriminator(cond_dim=10)
    assert cond(x, one_hot(torch.arange(5), 10)).shape == (5,)
    proj = DCGANDiscriminator(spectral_norm=True, cond_dim=10, projection=True)
    assert proj(x, one_hot(torch.arange(5), 10)).shape == (5,)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 784\)"):
        D(torch.zeros(3, 64))

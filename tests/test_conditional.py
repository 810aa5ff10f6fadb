"""Conditional GANs (chapter 8): what each way of feeding the label can represent, the
projection's normalised embedding, and which batches AC-GAN's class term reads."""

import torch

from ganlib.models import Discriminator, one_hot


def test_projection_embedding_is_spectrally_normalised():
    # Seeded: torch's global seed differs from process to process, and with 30 power
    # iterations about 1 initialisation in 75 had not converged to 1e-3 (0 in 300 with 200).
    with torch.random.fork_rng():
        torch.manual_seed(0)
        D = Discriminator(4, 16, 2, spectral_norm=True, cond_dim=3, projection=True)
        for _ in range(200):  # converge the power iteration (one per training-mode pass)
            D.train()(torch.randn(8, 4), one_hot(torch.randint(3, (8,)), 3))
    D.eval()  # no power iteration: the normalised weights are fixed
    sigma = torch.linalg.matrix_norm(D.embed.weight.detach(), ord=2)
    assert abs(sigma.item() - 1) < 1e-3
    plain = Discriminator(4, 16, 2, cond_dim=3, projection=True)
    assert not hasattr(plain.embed, "parametrizations")


def test_depth_zero_projection_tilts_per_class_and_concatenation_shifts():
    # With no hidden layer phi(x) = x: projection scores w.x + b + e_y.x, a slope per class;
    # concatenation scores w.x + u_y + b, one slope and a bias per class.
    proj = Discriminator(2, 8, 0, cond_dim=3, projection=True)
    concat = Discriminator(2, 8, 0, cond_dim=3)
    x = torch.randn(6, 2)
    c = one_hot(torch.tensor([0, 1, 2, 0, 1, 2]), 3)
    w, b, E = proj.score.weight[0], proj.score.bias, proj.embed.weight  # E: (2, 3)
    assert torch.allclose(proj(x, c), x @ w + b + ((c @ E.T) * x).sum(1), atol=1e-6)
    lin = concat.body  # empty: the score layer reads [x, c]
    assert len(lin) == 0
    wc = concat.score.weight[0]
    assert torch.allclose(concat(x, c), x @ wc[:2] + c @ wc[2:] + concat.score.bias, atol=1e-6)


def test_acgan_class_term_reads_real_and_fake_for_d_and_fake_for_g():
    # AC-GAN (Odena et al., 2017): D maximises L_S + L_C with L_C on real *and* generated
    # images, G maximises L_C - L_S, whose only G-dependent class part is on its samples.
    # Real-only D losses and G losses on real images are the two easy mistakes: the real and
    # fake logits below differ, so either would change the values checked here.
    from ganlib import terms
    from ganlib.conditioning import ClassLabels, Inputs
    from ganlib.terms import Step

    term = terms.get("classifier", 1.0, ClassLabels(3, to_discriminator=False))
    assert term.heads == {"class": 3}
    gen = torch.Generator().manual_seed(0)
    y = torch.tensor([0, 1, 2, 2, 1])
    real_logits = torch.randn(5, 3, generator=gen)
    fake_logits = torch.randn(5, 3, generator=gen, requires_grad=True)

    def cross_entropy(logits):  # -mean log softmax at the label, written out
        return -(logits - logits.exp().sum(1, keepdim=True).log())[torch.arange(5), y].mean()

    step = Step(Inputs(torch.zeros(5, 2), torch.zeros(5, 2), labels=y), torch.zeros(5, 2),
                {"score": torch.zeros(5), "class": real_logits},
                {"score": torch.zeros(5), "class": fake_logits}, D=None)
    d_value = term.d(step)
    assert torch.allclose(d_value, cross_entropy(real_logits) + cross_entropy(fake_logits))
    g_value = term.g(step)
    assert torch.allclose(g_value, cross_entropy(fake_logits))
    (grad,) = torch.autograd.grad(g_value, fake_logits)
    assert grad.abs().sum() > 0  # G's class loss reaches G through its samples
    g_only = Step(step.inputs, step.fake, None, step.fake_out, D=None)  # no real outputs
    assert torch.allclose(term.g(g_only), g_value)  # G's part never reads the real batch

"""The training loop: short runs, exact resume, non-finite stops, the command line."""

import json
import subprocess
import sys

import pytest
import torch

from ganlib import recipes
from ganlib.train import NonFiniteLossError, build, evaluate, load, save, train


def test_every_recipe_builds_and_steps():
    for name in recipes.names():
        gan = build(name, "ring", steps=3, seed=0, hidden=16, depth=2)
        history = train(gan, progress=False, batch_size=32)
        assert len(history.g_loss) == 3 and gan.step == 3, name
        assert all(map(lambda v: v == v, history.d_loss + history.g_loss)), name


def test_digits_run_and_generator_range():
    gan = build("nsgan", "digits", steps=5, seed=0, hidden=32, depth=2)
    train(gan, progress=False, batch_size=16)
    x = gan.sample(10)
    assert x.shape == (10, 64) and x.abs().max() <= 1
    assert set(evaluate(gan)) == {"sliced_w"}


def test_resume_continues_exactly(tmp_path):
    # n_critic = 5, a random penalty, learning-rate decay: everything a resume must restore.
    straight = build("wgan-gp", "ring", steps=8, seed=3, hidden=32, depth=2)
    train(straight, progress=False, batch_size=64)

    first = build("wgan-gp", "ring", steps=8, seed=3, hidden=32, depth=2)
    train(first, 4, progress=False, batch_size=64)
    save(first, tmp_path / "ckpt.pt")
    resumed = build("wgan-gp", "ring", steps=8, seed=99, hidden=32, depth=2)  # other RNG state
    load(resumed, tmp_path / "ckpt.pt")
    assert resumed.step == 4
    train(resumed, progress=False, batch_size=64)
    assert resumed.history.g_loss == straight.history.g_loss
    assert resumed.history.d_loss == straight.history.d_loss
    for a, b in zip(resumed.G.parameters(), straight.G.parameters()):
        assert torch.equal(a, b)


def test_checkpoint_for_another_recipe_is_refused(tmp_path):
    gan = build("nsgan", "ring", steps=1, hidden=8, depth=1)
    save(gan, tmp_path / "a.pt")
    with pytest.raises(ValueError, match="recipe 'nsgan'"):
        load(build("lsgan", "ring", steps=1, hidden=8, depth=1), tmp_path / "a.pt")


class PoisonedRing:
    """The ring, except that its ``bad_call``-th batch holds a NaN."""

    def __init__(self, bad_call):
        from ganlib import data

        self.ring, self.calls, self.bad_call, self.dim = data.get("ring"), 0, bad_call, 2

    def sample(self, n):
        self.calls += 1
        x = self.ring.sample(n)
        if self.calls == self.bad_call:
            x[0, 0] = float("nan")
        return x

    def to(self, device):
        return self


def test_non_finite_loss_stops_with_step_and_loss_named():
    clean = build("nsgan", PoisonedRing(bad_call=-1), steps=20, seed=1, hidden=16, depth=2)
    train(clean, 6, progress=False, batch_size=32)

    gan = build("nsgan", PoisonedRing(bad_call=7), steps=20, seed=1, hidden=16, depth=2)
    with pytest.raises(NonFiniteLossError, match="d_loss is nan at step 6") as err:
        train(gan, progress=False, batch_size=32)
    assert err.value.step == 6 and err.value.which == "d_loss"
    # the bad update was not applied: the weights are those after six good steps
    assert gan.step == 6 and len(gan.history.g_loss) == 6
    for a, b in zip(gan.D.parameters(), clean.D.parameters()):
        assert torch.equal(a, b) and torch.isfinite(a).all()
    for a, b in zip(gan.G.parameters(), clean.G.parameters()):
        assert torch.equal(a, b)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown recipe 'gam'; choose one of: gan"):
        build("gam", "ring")
    with pytest.raises(ValueError, match="unknown dataset"):
        build("gan", "rings")
    with pytest.raises(ValueError, match="unknown penalty"):
        build(recipes.get("gan", penalty="gq", penalty_weight=1.0), "ring")
    with pytest.raises(ValueError, match="bad change"):
        recipes.get("gan", learning_rate=1.0)
    gan = build("gan", "ring", steps=1, hidden=8, depth=1)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\)"):
        gan.G(torch.zeros(3, 4))


def test_toy_adjustment_is_applied_only_to_2d_data():
    from ganlib import data

    wgan = recipes.get("wgan")
    assert wgan.for_data(data.get("ring")).lr_d == 5e-4
    assert wgan.for_data(data.get("digits")).lr_d == 5e-5
    for name in recipes.names():
        assert recipes.get(name).source, name


def test_a_changed_field_is_not_undone_by_the_toy_adjustment():
    from ganlib import data

    ring = data.get("ring")
    assert recipes.get("lsgan", lr_d=1e-4).for_data(ring).lr_d == 1e-4
    assert recipes.get("lsgan", lr_d=1e-4).for_data(ring).lr_g == 2e-3  # the rest still applies
    plain = recipes.get("fgan-kl", penalty=None).for_data(ring)
    assert plain.penalty is None and plain.lr_decay
    assert recipes.get("ebgan", loss_params={"margin": 0.5}).for_data(ring).loss_params == {
        "margin": 0.5}
    assert recipes.get("ebgan").for_data(ring).loss_params == {"margin": 0.1}


# fgan-pearson and dragan are the toy adjustments' regression tests: unregularised Pearson
# runs away, and DRAGAN with the paper's lambda = 10 keeps 1-3 modes.
@pytest.mark.parametrize("recipe", ["nsgan", "lsgan", "hinge", "fgan-pearson", "dragan"])
def test_short_runs_find_most_ring_modes(recipe):
    gan = build(recipe, "ring", steps=1000, seed=0)
    train(gan, progress=False)
    result = evaluate(gan)
    assert result["modes"] >= 6, result


def test_command_line_prints_json(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "ganlib", "train", "--recipe", "lsgan", "--data", "grid",
         "--steps", "20", "--quiet", "--out", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("recipe", "data", "steps", "seconds", "modes", "high_quality", "kl"):
        assert key in result
    assert result["recipe"] == "lsgan" and result["steps"] == 20
    assert (tmp_path / "lsgan_grid_seed0.png").stat().st_size > 1000
    bad = subprocess.run([sys.executable, "-m", "ganlib", "train", "--recipe", "nope",
                          "--data", "ring"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_fgan_with_the_gan_divergence_trains_exactly_like_the_minimax_gan():
    # f*(g_f(v)) = softplus(v) and g_f(v) = -softplus(-v): the same losses, so the same run.
    runs = []
    # (At the papers' settings: on the 2-D toys the f-GANs add an R1 penalty, see recipes.)
    for name in ("gan", "fgan-gan"):
        gan = build(recipes.get(name, toy={}), "ring", steps=5, seed=4, hidden=32, depth=2)
        train(gan, progress=False, batch_size=64)
        runs.append(gan)
    assert runs[0].history.g_loss == runs[1].history.g_loss
    for a, b in zip(runs[0].G.parameters(), runs[1].G.parameters()):
        assert torch.equal(a, b)


def test_training_past_the_planned_decay_is_refused():
    gan = build("nsgan", "ring", steps=3, hidden=8, depth=1)
    with pytest.raises(ValueError, match="decays its learning rates to zero at step 3"):
        train(gan, 5, progress=False)


def test_penalty_params_reach_the_penalty():
    # DRAGAN with no perturbation and k = 0 is exactly R1: E ||grad D(x)||^2 on the real batch.
    from ganlib import penalties
    from ganlib.train import penalty

    gan = build(recipes.get("dragan", penalty_params=dict(scale=0.0, k=0.0)), "ring", steps=1,
                hidden=16, depth=2)
    real, fake = gan.data.sample(64), gan.G.sample(64)
    expected = penalties.r1_penalty(gan.D, real).item()
    assert penalty(gan, real, fake).item() == pytest.approx(expected, rel=1e-6)


def test_fit_discriminator_estimates_kl_between_gaussians():
    # -d_loss of the KL f-GAN is a lower bound on KL(P||Q) that a good critic nearly attains.
    from ganlib import fdiv, losses
    from ganlib.models import Discriminator
    from ganlib.train import fit_discriminator

    torch.manual_seed(0)
    D = Discriminator(1, 64, 2)
    loss = losses.get("fgan-kl")
    hist = fit_discriminator(D, loss.d_loss, lambda n: torch.randn(n, 1),
                             lambda n: 1.0 + torch.randn(n, 1), steps=1500)
    estimate = -sum(hist[-300:]) / 300
    exact = fdiv.gaussian("kl", 0.0, 1.0, 1.0, 1.0)  # 0.5
    assert abs(estimate - exact) < 0.05, (estimate, exact)
    assert len(hist) == 1500


def test_fit_discriminator_stops_on_non_finite_loss():
    from ganlib import losses
    from ganlib.models import Discriminator
    from ganlib.train import fit_discriminator

    D = Discriminator(2, 16, 1)
    with pytest.raises(NonFiniteLossError, match="step 0"):
        fit_discriminator(D, losses.get("nonsaturating").d_loss,
                          lambda n: torch.full((n, 2), float("nan")), lambda n: torch.zeros(n, 2),
                          steps=3)


def test_autoencoder_energy_is_the_reconstruction_error():
    from ganlib.models import AutoencoderEnergy

    torch.manual_seed(0)
    D = AutoencoderEnergy(2, 16, 3, code=2)
    x = torch.randn(5, 2)
    by_hand = ((D.decoder(D.encoder(x)) - x) ** 2).mean(dim=1)
    assert torch.allclose(D(x), by_hand) and bool((D(x) >= 0).all())
    assert D.embed(x).shape == (5, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        D(torch.zeros(3))


def test_ebgan_adds_the_pulling_away_term_to_the_generator_loss():
    from ganlib.models import AutoencoderEnergy

    first = []
    for weight in (0.1, 0.0):  # same seed, so the same D update and the same fake batch
        gan = build(recipes.get("ebgan", pull_away=weight), "ring", steps=2, seed=0, hidden=16)
        assert isinstance(gan.D, AutoencoderEnergy)
        train(gan, 1, progress=False, batch_size=32)
        first.append(gan.history.g_loss[0])
    assert recipes.get("ebgan").pull_away == 0.1
    assert 0 < first[0] - first[1] <= 0.1, first  # 0.1 * PT, and 0 < PT <= 1
    with pytest.raises(ValueError, match="pull_away needs the autoencoder"):
        build(recipes.get("nsgan", pull_away=0.1), "ring", steps=3)

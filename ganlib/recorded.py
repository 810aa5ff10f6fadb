"""Results of runs too long to repeat while a chapter executes, with the command that made them.

    python -m ganlib record lsgan-codings      # regenerate one (minutes on a laptop CPU)
    recorded.load("lsgan-codings")             # what a chapter reads

A chapter trains short runs live and shows the full-length ones from here. Each experiment is
a set of named setups (a recipe, with changes) trained on some datasets over some seeds; its
file in ganlib/results/ holds the command, the machine, the date and one row per run with the
dataset's metrics and the training time (and, where an experiment names an ``extra``
function, the numbers it computes from the trained GAN). A run that meets a non-finite value
keeps its last good weights, which are scored, and its row says where it stopped
(``stopped_at``, ``stopped_by``). Files ship with ganlib, so they load in Colab too.

An experiment with ``ensemble=True`` trains each setup's seeds as one :mod:`ganlib.ensemble`
(its members are the single runs up to rounding; its rows say ``batched``, and their
``seconds`` are the ensemble's divided by its members); ``data_params`` gives a dataset's
parameters, e.g. PacGAN's ring of radius 1.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
from pathlib import Path

import torch

from ganlib import data as datasets
from ganlib import ensemble, recipes
from ganlib.train import EVAL_SEED, TRAJECTORY_VERSION, NonFiniteLossError, build, evaluate, train

FOLDER = Path(__file__).with_name("results")


def ring_geometry(gan, margin: float = 0.05) -> dict:
    """Where a ring run's samples lie, and which way its critic's gradient points there.

    On the 2,500 samples that evaluate() scores (seed EVAL_SEED), with R the ring's radius
    and mu the mode nearest each sample x: the shares within 0.06 (three standard deviations)
    and 0.2 of mu, and at R sin(pi/K) or more (as far as the midpoint between two of the K
    neighbouring modes); the median of |x - mu|; the radial part of the blur (share with
    | |x| - R | < 0.06, median | |x| - R |) and the angular part (arc R |angle(x) - angle(mu)|:
    share < 0.06, median). Then the critic's gradient g = grad D(x), split along the unit
    radius r and tangent t at x: for the samples whose offset (mu - x).t exceeds ``margin`` in
    size, the share where g.t has the same sign (``tangential_agree``; ``tangential_count``
    samples), and the same along r; the median of |g.t| / |g| over those samples, and the
    median |g| over all samples (the critic's slope where the generator feels it). A field
    that only pulls samples onto the circle, such as grad of -| |x| - R |, has
    ``tangential_agree`` 0.

    Chapter 5, "The clipped WGAN on the ring"; test:
    tests/test_recorded.py::test_ring_geometry_on_known_samples_and_fields.
    """
    centers = gan.data.centers.detach().cpu().float()
    radius, k = centers.norm(dim=1).mean().item(), len(centers)
    fake = gan.sample(2500, seed=EVAL_SEED)
    dist, nearest = torch.cdist(fake, centers).min(1)
    to_mode, r = centers[nearest] - fake, fake.norm(dim=1)
    r_hat = fake / r[:, None]
    t_hat = torch.stack([-r_hat[:, 1], r_hat[:, 0]], 1)
    x = fake.to(gan.device, copy=True).requires_grad_(True)
    grad = torch.autograd.grad(gan.D(x).sum(), x)[0].detach().cpu()
    turn = torch.atan2(fake[:, 1], fake[:, 0]) - torch.atan2(centers[nearest, 1],
                                                             centers[nearest, 0])
    arc = radius * (torch.remainder(turn + math.pi, 2 * math.pi) - math.pi).abs()
    out = {"within_0.06": (dist <= 0.06).float().mean(), "within_0.2": (dist < 0.2).float().mean(),
           "beyond_midpoint": (dist >= radius * math.sin(math.pi / k)).float().mean(),
           "median_distance": dist.median(),
           "on_circle_0.06": ((r - radius).abs() < 0.06).float().mean(),
           "median_radial_offset": (r - radius).abs().median(),
           "on_mode_angle_0.06": (arc < 0.06).float().mean(), "median_arc_offset": arc.median(),
           "median_grad_norm": grad.norm(dim=1).median()}
    for name, unit in (("tangential", t_hat), ("radial", r_hat)):
        offset, along = (to_mode * unit).sum(1), (grad * unit).sum(1)
        chosen = offset.abs() > margin
        out[f"{name}_count"] = int(chosen.sum())
        out[f"{name}_agree"] = (offset * along > 0)[chosen].float().mean()
        if name == "tangential":
            out["tangential_fraction"] = (along.abs() / grad.norm(dim=1))[chosen].median()
    return {key: v if isinstance(v, int) else float(f"{float(v):.6g}") for key, v in out.items()}


def gradient_norms(gan, n: int = 2500) -> dict:
    """How steep a trained run's discriminator is at real, generated and interpolated points.

    On n data samples (seed 0), the n samples that evaluate() scores (seed EVAL_SEED) and
    their interpolates e x + (1 - e) G(z), e ~ U[0, 1] (seed 1): the 10th, 50th and 90th
    percentiles of the per-sample norm ||grad_x D(x)|| at each (``grad_real_p50`` etc.).
    On the first 1,000 (or n) real and generated samples: the gap mean D(real) - mean D(fake)
    (``critic_gap``), D's Lipschitz constant on those 2,000 points in float64
    (``critic_lipschitz``, metrics.lipschitz_constant) and the exact W1 between them
    (``w1``, metrics.wasserstein_ot). D is evaluated in eval mode (a spectrally normalised
    layer then uses its stored power-iteration vectors and does not update them).

    Chapter 6, "On the ring and the grid"; test:
    tests/test_penalties_chapter.py::test_gradient_norms_of_a_bowl_critic.
    """
    import copy

    from ganlib import metrics

    dev, D = gan.device, gan.D
    real = gan.data.sample(n, torch.Generator(device=dev).manual_seed(0))
    fake = gan.sample(n, seed=EVAL_SEED).to(dev)
    eps = torch.rand(n, 1, device=dev, generator=torch.Generator(device=dev).manual_seed(1))
    was_training, out = D.training, {}
    D.eval()
    try:
        between = eps * real + (1 - eps) * fake
        for name, x in (("real", real), ("fake", fake), ("interpolate", between)):
            x = x.detach().clone().requires_grad_(True)
            norms = torch.autograd.grad(D(x).sum(), x)[0].norm(dim=1).detach().cpu().double()
            for q in (10, 50, 90):
                out[f"grad_{name}_p{q}"] = torch.quantile(norms, q / 100)
        m, D64 = min(n, 1000), copy.deepcopy(D).to("cpu", torch.float64)
        both = torch.cat([real[:m], fake[:m]]).detach().cpu().double()
        with torch.no_grad():
            values = D64(both)
        out["critic_gap"] = values[:m].mean() - values[m:].mean()
        out["critic_lipschitz"] = metrics.lipschitz_constant(both, values)
        out["w1"] = metrics.wasserstein_ot(both[:m], both[m:])
    finally:
        D.train(was_training)
    return {key: round(float(v), 6) for key, v in out.items()}


def digits_conditional(gan, per_class: int = 250) -> dict:
    """The digits metric of a class-conditional run, on ``per_class`` samples of each class.

    The samples are drawn with seed EVAL_SEED and labels 0, ..., 9 (``per_class`` each);
    returns :func:`ganlib.metrics.digits_metrics` with those intended labels (accuracy, fd,
    class_fd, coverage, class_kl, confidence, spread), rounded to 6 significant digits.

    Chapter 8, "Five seeds on digits"; test:
    tests/test_digits_metric.py::test_digits_conditional_scores_a_run.
    """
    from ganlib import metrics

    labels = torch.arange(10).repeat_interleave(per_class)
    scores = metrics.digits_metrics(gan.sample(len(labels), seed=EVAL_SEED, labels=labels),
                                    labels)
    return {k: float(f"{v:.6g}") for k, v in scores.items()}


def infogan_codes(gan, per_code: int = 250) -> dict:
    """How well an InfoGAN's categorical code c matches the digit class, on digits.

    ``per_code`` samples for each code value k (seed EVAL_SEED), labelled by the digits
    classifier (:func:`ganlib.metrics.digits_classifier`); C[k, j] counts code k labelled j.
    ``code_accuracy``: the best one-to-one matching of codes to classes (Hungarian algorithm,
    scipy.optimize.linear_sum_assignment on -C), max over permutations pi of
    sum_k C[k, pi(k)] / N; ``identity_accuracy``: sum_k C[k, k] / N, code k read as digit k;
    ``classes_used``: how many classes the matching reaches with at least 5% of a code's
    samples. Also the digits metric's fd, coverage and confidence. Chapter 9, "Five seeds";
    test: tests/test_infogan.py::test_code_accuracy_on_known_confusions.
    """
    from ganlib import metrics

    codes = torch.arange(gan.conditioning.categorical).repeat_interleave(per_code)
    samples = gan.sample(len(codes), seed=EVAL_SEED, labels=codes)
    predicted = metrics.digits_features(samples)[1].argmax(1)
    out = code_accuracy(codes.numpy(), predicted)
    scores = metrics.digits_metrics(samples)
    out.update({k: scores[k] for k in ("fd", "coverage", "confidence")})
    return {k: float(f"{v:.6g}") for k, v in out.items()}


def code_accuracy(codes, classes, k: int = 10) -> dict:
    """Best-permutation and identity accuracy of integer ``codes`` against ``classes`` (N,).

    See :func:`infogan_codes`; returns code_accuracy, identity_accuracy, classes_used.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    counts = np.zeros((k, k))
    np.add.at(counts, (np.asarray(codes), np.asarray(classes)), 1)
    rows, cols = linear_sum_assignment(-counts)
    per_code = counts.sum(1, keepdims=True).clip(min=1)
    return {"code_accuracy": counts[rows, cols].sum() / counts.sum(),
            "identity_accuracy": np.trace(counts) / counts.sum(),
            "classes_used": float(((counts / per_code)[rows, cols] >= 0.05).sum())}


# The digits adjustment of chapter 8: each conditional recipe with an R1 penalty (gamma = 10,
# weight 5, Mescheder et al. 2018) on networks of 128 units, and one discriminator step per
# generator step (the projection paper takes 5). With the papers' settings alone (recorded,
# seed 0, 2,000 steps: `python -m ganlib record conditional-digits-paper`) cgan collapsed to
# one image and acgan kept 7 of 10 classes with little variation; projection, with its five
# D steps, trained (chapter 8, "Training on digits"). The adjustment is applied to all three
# so that they share one regulariser and one D step. Not in this dict: ``hidden=128``, a
# keyword of ``train.build`` (whose default on digits is 256).
DIGITS_R1 = {"penalty": "r1", "penalty_weight": 5.0, "n_critic": 1}

# name -> setups {label: (recipe, changes)}, data {name: steps}, seeds, and optionally
# extra: a function of the trained GAN returning {column: number}, stored in each run's row;
# build: keyword arguments for ganlib.train.build (network sizes)
EXPERIMENTS = {
    "lsgan-codings": dict(
        setups={
            "nsgan": ("nsgan", {}),
            "lsgan, 0-1": ("lsgan", {}),
            "lsgan, (-1, 1, 0)": ("lsgan", {"loss_params": {"a": -1.0, "b": 1.0, "c": 0.0}}),
        },
        data={"ring": 2000, "grid": 3000},
        seeds=[0, 1, 2, 3, 4],
    ),
    "fgan-updates": dict(  # chapter 4: saddle-point vs alternative generator update
        setups={
            f"{div}, {update}": (f"fgan-{div}", {"loss_params": {"alternative": alt}})
            for div in ("reverse-kl", "hellinger", "kl", "pearson")
            for update, alt in (("saddle point", False), ("alternative", True))
        },
        data={"ring": 2000},
        seeds=[0, 1, 2, 3, 4],
    ),
    "fgan-no-penalty": dict(  # chapter 4: the f-GAN recipes without their toy R1 penalty
        setups={div: (f"fgan-{div}", {"penalty": None})
                for div in ("reverse-kl", "hellinger", "kl", "pearson", "neyman", "tv")},
        data={"ring": 2000},
        seeds=[0, 1, 2, 3, 4],
    ),
    "fgan-no-penalty-alternative": dict(  # chapter 4: the same, with the alternative G update
        setups={div: (f"fgan-{div}", {"penalty": None, "loss_params": {"alternative": True}})
                for div in ("kl", "pearson", "neyman", "tv")},
        data={"ring": 2000},
        seeds=[0, 1, 2, 3, 4],
    ),
    "grid-losses": dict(  # chapter 2: saturating vs non-saturating G loss, 1 or 5 D steps
        setups={f"{loss}, n_critic {k}": (loss, {"n_critic": k} if k > 1 else {})
                for k in (1, 5) for loss in ("gan", "nsgan")},
        data={"grid": 2000},
        seeds=[0, 1, 2, 3, 4],
    ),
    "ring-g-losses": dict(  # chapter 1: saturating vs non-saturating G loss on the ring
        setups={"gan": ("gan", {}), "nsgan": ("nsgan", {})},
        data={"ring": 1500},
        seeds=[0, 1, 2, 3, 4],
    ),
    "wgan-clipping": dict(  # chapter 5: the clipped WGAN on the ring, three clipping values c
        setups={f"c = {c:g}": ("wgan", {"clip": c}) for c in (0.001, 0.01, 0.1)},
        data={"ring": 2000},
        seeds=[0, 1, 2, 3, 4],
        extra=ring_geometry,
    ),
    "wgan-clipping-long": dict(  # chapter 5: the clipped WGAN (c = 0.01), three times longer
        setups={"c = 0.01": ("wgan", {})},
        data={"ring": 6000},
        seeds=[0, 1, 2],
        extra=ring_geometry,
    ),
    "penalties": dict(  # chapter 6: each regulariser's recipe, with its toy adjustment
        setups={"wgan-gp": ("wgan-gp", {}), "wgan-lp": ("wgan-lp", {}),
                "dragan": ("dragan", {}), "r1": ("r1", {}), "hinge, SN": ("hinge", {})},
        data={"ring": 2000, "grid": 2000},
        seeds=[0, 1, 2],
        extra=gradient_norms,
    ),
    "relativistic-ring": dict(  # chapter 7 (nsgan: lsgan-codings; hinge: penalties)
        setups={"rsgan": ("rsgan", {}), "ragan": ("ragan", {}), "rpgan + R1 + R2": ("rpgan", {})},
        data={"ring": 2000},
        seeds=[0, 1, 2, 3, 4],
    ),
    "ebgan-margin": dict(  # chapter 7: EBGAN's margin, with and without the pulling-away term
        setups={**{f"m = {m:g}": ("ebgan", {"loss_params": {"margin": m}})
                   for m in (0.02, 0.1, 0.5)},
                "m = 0.1, no PT": ("ebgan", {"terms": {}})},
        data={"ring": 2000},
        seeds=[0, 1, 2],
        extra=ring_geometry,
    ),
    "wgan-gp-paper": dict(  # chapter 6: WGAN-GP on the ring with the paper's lambda or beta1
        setups={"lambda = 10": ("wgan-gp", {"penalty_weight": 10.0}),
                "beta1 = 0": ("wgan-gp", {"betas": (0.0, 0.9)})},
        data={"ring": 2000},
        seeds=[0, 1, 2],
        extra=gradient_norms,
    ),
    "dynamics": dict(  # chapter 10: one optimisation setting changed at a time from nsgan's toy
        setups={
            "nsgan": ("nsgan", {}),  # alternating, n_critic 1, Adam (0.5, 0.999), both 2e-3
            "simultaneous": ("nsgan", {"updates": "simultaneous"}),
            "n_critic 5": ("nsgan", {"n_critic": 5}),
            # plain SGD needs a larger step: 0.05 was the best of 0.02, 0.05 and 0.2 in a
            # pilot on seed 0 (0, 8 and 1 modes; not recorded)
            "SGD": ("nsgan", {"optimizer": "sgd", "lr_d": 0.05, "lr_g": 0.05}),
            "RMSProp": ("nsgan", {"optimizer": "rmsprop"}),
            "Adam β1 = 0": ("nsgan", {"betas": (0.0, 0.999)}),
            "Adam β1 = 0.9": ("nsgan", {"betas": (0.9, 0.999)}),
            "TTUR": ("nsgan", {"lr_g": 5e-4}),  # G four times slower than D (2e-3)
            "R1, γ = 10": ("nsgan", {"penalty": "r1", "penalty_weight": 5.0}),
        },
        data={"ring": 2000},
        seeds=[0, 1, 2, 3, 4],
        extra=gradient_norms,
    ),
    "pacgan-protocol": dict(  # chapter 11: PacGAN's Table 1 data and scoring, our nsgan
        setups={"nsgan": ("nsgan", {})},
        data={"ring": 12000, "grid": 12000},
        data_params={"ring": {"radius": 1.0, "std": 0.01}},  # PacGAN's ring; its grid is ours
        seeds=list(range(10)),  # PacGAN averages 10 trials
        ensemble=True,
    ),
    "sensitivity": dict(  # chapter 11: learning rate x Adam's beta1, the toy's 2e-3 in the middle
        setups={f"{loss}, lr {lr:g}, β1 {b1:g}": (loss, {"lr_d": lr, "lr_g": lr,
                                                        "betas": (b1, 0.999 if loss != "dragan"
                                                                  else 0.9)})
                for loss in ("nsgan", "lsgan", "dragan") for lr in (5e-4, 2e-3, 8e-3)
                for b1 in (0.0, 0.5, 0.9)},
        data={"ring": 2000},
        seeds=[0, 1, 2],
        ensemble=True,
    ),
    "conditional-digits": dict(  # chapter 8: three ways to feed the label, on digits
        setups={"cgan": ("cgan", DIGITS_R1), "projection": ("projection", DIGITS_R1),
                "acgan": ("acgan", DIGITS_R1)},
        data={"digits": 2000},
        seeds=[0, 1, 2, 3, 4],
        extra=digits_conditional,
        build={"hidden": 128},
    ),
    "conditional-digits-paper": dict(  # chapter 8: the same recipes without the adjustment
        setups={"cgan": ("cgan", {}), "projection": ("projection", {}), "acgan": ("acgan", {})},
        data={"digits": 2000},
        seeds=[0],
        extra=digits_conditional,
        build={"hidden": 128},
    ),
    "infogan-digits": dict(  # chapter 9: InfoGAN, without its term, and with the real labels
        setups={"infogan": ("infogan", DIGITS_R1),
                "λ = 0": ("infogan", {**DIGITS_R1, "terms": {}}),
                "infogan + labels": ("infogan", {
                    **DIGITS_R1, "terms": {"information": 1.0, "code_labels": 1.0},
                    "conditioning_params": {"categorical": 10, "continuous": 2,
                                            "real_labels": True}})},
        data={"digits": 2000},
        seeds=[0, 1, 2, 3, 4],
        extra=infogan_codes,
        build={"hidden": 128},
    ),
}


def machine() -> str:
    """The machine in words: CPU count and threads, or the GPU; Python and torch versions."""
    if torch.cuda.is_available():
        where = torch.cuda.get_device_name()
    else:
        threads = torch.get_num_threads()
        where = (f"CPU, {os.cpu_count()} cores, {threads} torch "
                 f"{'thread' if threads == 1 else 'threads'}")
    return f"{where}; Python {platform.python_version()}, torch {torch.__version__}"


def _ensemble_rows(spec: dict, recipe, dataset, steps: int, device: str, cell: dict) -> list:
    """One setup's seeds trained as one ensemble: a row per member, as record() writes them."""
    ens = ensemble.build(recipe, dataset, seeds=spec["seeds"], steps=steps, device=device,
                         **spec.get("build", {}))
    result = ensemble.train(ens, progress=False)
    rows = []
    for i, seed in enumerate(result.seeds):
        err = result.failures.get(i)
        stopped = {"stopped_at": err.step, "stopped_by": err.which} if err else {}
        extra = spec["extra"](ens.member(i)) if spec.get("extra") else {}
        rows.append({**cell, "seed": seed, "seconds": round(result.seconds_per_member, 1),
                     "batched": result.batched, **result.metrics[i], **stopped, **extra})
    return rows


def record(name: str, folder: Path | str = FOLDER, device: str = "auto") -> dict:
    """Run every setup x dataset x seed of experiment ``name``; write <folder>/<name>.json."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}")
    spec, rows = EXPERIMENTS[name], []
    for data, steps in spec["data"].items():
        dataset = datasets.get(data, **spec.get("data_params", {}).get(data, {}))
        for label, (recipe, changes) in spec["setups"].items():
            r = recipes.get(recipe, **changes)
            cell = {"data": data, "setup": label, "steps": steps}
            if spec.get("ensemble"):
                rows += _ensemble_rows(spec, r, dataset, steps, device, cell)
                continue
            for seed in spec["seeds"]:
                gan = build(r, dataset, steps=steps, seed=seed, device=device,
                            **spec.get("build", {}))
                stopped = {}
                try:
                    train(gan, progress=False)
                except NonFiniteLossError as err:  # the last good weights are kept: score them
                    stopped = {"stopped_at": err.step, "stopped_by": err.which}
                extra = spec["extra"](gan) if spec.get("extra") else {}
                rows.append({**cell, "seed": seed, "seconds": round(gan.history.seconds, 1),
                             **evaluate(gan), **stopped, **extra})
    result = {"experiment": name, "command": f"python -m ganlib record {name}",
              "machine": machine(), "date": datetime.date.today().isoformat(),
              "trajectory_version": TRAJECTORY_VERSION,
              **({"data_params": spec["data_params"]} if spec.get("data_params") else {}),
              "runs": rows}
    path = Path(folder) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    return result


def load(name: str) -> dict:
    """The recorded experiment ``name``: {"command", "machine", "date", "runs": [rows]}."""
    path = FOLDER / f"{name}.json"
    if not path.exists():
        raise ValueError(f"no recorded results for {name!r}; run: python -m ganlib record {name}")
    return json.loads(path.read_text())

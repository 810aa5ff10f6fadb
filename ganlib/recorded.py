"""Results of runs too long to repeat while a chapter executes, with the command that made them.

    python -m ganlib record lsgan-codings      # regenerate one (minutes on a laptop CPU)
    recorded.load("lsgan-codings")             # what a chapter reads

A chapter trains short runs live and shows the full-length ones from here. Each experiment is
a set of named setups (a recipe, with changes) trained on some datasets over some seeds; its
file in ganlib/results/ holds the command, the machine, the date and one row per run with the
dataset's metrics and the training time. A run that meets a non-finite value keeps its last
good weights, which are scored, and its row says where it stopped (``stopped_at``,
``stopped_by``). Files ship with ganlib, so they load in Colab too.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

import torch

from ganlib import recipes
from ganlib.train import TRAJECTORY_VERSION, NonFiniteLossError, build, evaluate, train

FOLDER = Path(__file__).with_name("results")

# name -> setups {label: (recipe, changes)}, data {name: steps}, seeds
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
    ),
    "wgan-clipping-long": dict(  # chapter 5: the clipped WGAN (c = 0.01), three times longer
        setups={"c = 0.01": ("wgan", {})},
        data={"ring": 6000},
        seeds=[0, 1, 2],
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


def record(name: str, folder: Path | str = FOLDER, device: str = "auto") -> dict:
    """Run every setup x dataset x seed of experiment ``name``; write <folder>/<name>.json."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}")
    spec, rows = EXPERIMENTS[name], []
    for data, steps in spec["data"].items():
        for label, (recipe, changes) in spec["setups"].items():
            for seed in spec["seeds"]:
                gan = build(recipes.get(recipe, **changes), data, steps=steps, seed=seed,
                            device=device)
                stopped = {}
                try:
                    train(gan, progress=False)
                except NonFiniteLossError as err:  # the last good weights are kept: score them
                    stopped = {"stopped_at": err.step, "stopped_by": err.which}
                rows.append({"data": data, "setup": label, "seed": seed, "steps": steps,
                             "seconds": round(gan.history.seconds, 1), **evaluate(gan),
                             **stopped})
    result = {"experiment": name, "command": f"python -m ganlib record {name}",
              "machine": machine(), "date": datetime.date.today().isoformat(),
              "trajectory_version": TRAJECTORY_VERSION, "runs": rows}
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

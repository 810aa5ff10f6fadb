"""Command line: ``python -m ganlib train --recipe nsgan --data ring --steps 2000``.

Trains one GAN, writes a figure of its samples, and prints one final line of JSON with the
recipe, data, steps, seconds and the dataset's metrics. ``python -m ganlib list`` shows the
recipes and datasets; ``python -m ganlib record NAME`` regenerates a chapter's recorded runs;
``python -m ganlib digits-classifier`` retrains the classifier behind the digits metric;
``python -m ganlib study`` runs the loss study and ``study-merge`` combines its shards
(ganlib.study).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from ganlib import data as datasets
from ganlib import recipes, recorded
from ganlib.train import build, evaluate, pick_device, train


def _positive(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _device(text: str) -> str:
    try:
        pick_device(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _writable_folder(text: str) -> Path:
    """argparse type: a folder that exists or can be made, and can be written to."""
    out = Path(text)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise argparse.ArgumentTypeError(f"cannot write to {text!r}: {err.strerror}") from None
    return out


def _train(args) -> dict:
    gan = build(args.recipe, args.data, steps=args.steps, seed=args.seed, device=args.device,
                batch_size=args.batch_size)
    history = train(gan, progress=not args.quiet)
    result = {"recipe": args.recipe, "data": args.data, "steps": args.steps, "seed": args.seed,
              "batch_size": args.batch_size, "device": str(gan.device),
              "seconds": round(history.seconds, 2), **evaluate(gan)}
    figure = args.out / f"{args.recipe}_{args.data}_seed{args.seed}_{args.steps}steps.png"
    _save_figure(gan, figure, result)
    result["figure"] = os.fspath(figure)
    return result


def _save_figure(gan, path: Path, result: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganlib import plot

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    title = f"{result['recipe']} on {result['data']}, {result['steps']} steps"
    if gan.data.dim == 2:
        import torch

        real = gan.data.to("cpu").sample(2500, torch.Generator().manual_seed(0))
        plot.samples(gan.sample(2500), real=real,
                     centers=getattr(gan.data.to("cpu"), "centers", None), ax=ax, title=title)
    else:
        plot.image_grid(gan.sample(100), ax=ax, title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _shard(text: str) -> tuple[int, int]:
    from ganlib.study import parse_shard

    try:
        return parse_shard(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _existing(text: str) -> Path:
    if not Path(text).exists():
        raise argparse.ArgumentTypeError(f"{text!r} does not exist")
    return Path(text)


def _study_parsers(sub) -> None:
    from ganlib.study import RECIPES

    s = sub.add_parser("study", help="the loss study: recipes x data x seeds, as ensembles, "
                       "to one CSV (ganlib.study)")
    s.add_argument("--recipes", nargs="+", default=RECIPES, choices=recipes.names(),
                   metavar="NAME", help="default: " + " ".join(RECIPES))
    s.add_argument("--data", nargs="+", default=["ring", "grid"], choices=datasets.names())
    s.add_argument("--seeds", type=_positive, default=5, help="seeds 0 .. N-1 (default 5)")
    s.add_argument("--steps", type=_positive, default=2000, help="generator steps (2000)")
    s.add_argument("--hidden", type=_positive, default=None, metavar="UNITS",
                   help="one width for every network (default: each recipe's own, 128 on "
                   "2-D data, 256 on digits); --hidden 64 ran the default grid 2.2x faster "
                   "on a 2-core CPU, with lower scores (chapter 11)")
    s.add_argument("--out", type=_writable_folder, default="runs/study",
                   help="folder of the CSV, its JSON and the figure (default runs/study)")
    s.add_argument("--shard", type=_shard, default=(1, 1), metavar="K/N",
                   help="train only part K of N of the grid (default 1/1)")
    s.add_argument("--submit", type=_positive, metavar="N",
                   help="submit N shards with submitit, wait, and merge them")
    s.add_argument("--cluster", choices=["local", "slurm", "auto"], default="local",
                   help="submitit's executor for --submit (default local)")
    s.add_argument("--cpus-per-task", type=_positive, default=None, metavar="N",
                   help="cores (and torch threads) per submitted shard (default: locally, "
                   "this machine's cores shared out; on a cluster, 1)")
    s.add_argument("--timeout-min", type=_positive, default=60, metavar="MIN",
                   help="a submitted shard's time limit in minutes (default 60)")
    s.add_argument("--device", type=_device, default="auto",
                   help="auto (default), cpu, cuda or mps")
    m = sub.add_parser("study-merge", help="combine a study's shards, or whole studies of "
                       "other recipes on the same data, seeds, steps and width, into one "
                       "study.csv")
    m.add_argument("sources", nargs="+", type=_existing, metavar="DIR",
                   help="folders with study-K-of-N.csv files or a study.csv (or CSV files)")
    m.add_argument("--out", type=_writable_folder, default=None,
                   help="folder of the merged study.csv (default: the first DIR)")
    m.add_argument("--note", default=None,
                   help="a note kept in the merged JSON (say, what else shared the machine)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganlib", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one GAN and print its metrics as JSON")
    t.add_argument("--recipe", required=True, choices=recipes.names(), metavar="NAME",
                   help="one of: " + ", ".join(recipes.names()))
    t.add_argument("--data", required=True, choices=datasets.names())
    t.add_argument("--steps", type=_positive, default=2000,
                   help="generator steps (default 2000)")
    t.add_argument("--seed", type=_seed, default=0)
    t.add_argument("--device", type=_device, default="auto",
                   help="auto (default), cpu, cuda or mps")
    t.add_argument("--batch-size", type=_positive, default=256)
    t.add_argument("--out", type=_writable_folder, default="runs",
                   help="folder for the sample figure (default runs)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("list", help="list recipes and datasets")
    r = sub.add_parser("record", help="regenerate a chapter's recorded runs (ganlib/results)")
    r.add_argument("name", choices=list(recorded.EXPERIMENTS))
    r.add_argument("--device", type=_device, default="auto",
                   help="auto (default), cpu, cuda or mps")
    sub.add_parser("digits-classifier", help="retrain the digits metric's classifier "
                   "(ganlib/results/digits-classifier.json)")
    _study_parsers(sub)
    args = parser.parse_args(argv)
    if args.command in ("study", "study-merge"):
        from ganlib import study

        try:
            return study.main(args)
        except ValueError as err:
            parser.exit(2, f"python -m ganlib {args.command}: error: {err}\n")
    if args.command == "digits-classifier":
        from ganlib import metrics

        report = metrics.save_digits_classifier()
        print(f"wrote {metrics.DIGITS_CLASSIFIER}: held-out accuracy "
              f"{report['held_out_accuracy']:.2%} on {report['held_out_images']} images")
        return 0
    if args.command == "record":
        result = recorded.record(args.name, device=args.device)
        print(f"wrote {recorded.FOLDER / args.name}.json: {len(result['runs'])} runs")
        return 0
    if args.command == "list":
        for name in recipes.names():
            print(f"{name:16s} {recipes.get(name).source}")
        print("datasets:", ", ".join(datasets.names()))
        return 0
    print(json.dumps(_train(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

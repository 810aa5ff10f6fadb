"""Command line: ``python -m ganlib train --recipe nsgan --data ring --steps 2000``.

Trains one GAN, writes a figure of its samples, and prints one final line of JSON with the
recipe, data, steps, seconds and the dataset's metrics. ``python -m ganlib list`` shows the
recipes and datasets; ``python -m ganlib record NAME`` regenerates a chapter's recorded runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ganlib import data as datasets
from ganlib import recipes, recorded
from ganlib.train import build, evaluate, train


def _train(args) -> dict:
    gan = build(args.recipe, args.data, steps=args.steps, seed=args.seed, device=args.device)
    history = train(gan, batch_size=args.batch_size, progress=not args.quiet)
    result = {"recipe": args.recipe, "data": args.data, "steps": args.steps, "seed": args.seed,
              "device": str(gan.device), "seconds": round(history.seconds, 2), **evaluate(gan)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figure = out / f"{args.recipe}_{args.data}_seed{args.seed}.png"
    _save_figure(gan, figure, result)
    result["figure"] = str(figure)
    return result


def _save_figure(gan, path: Path, result: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganlib import plot

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    title = f"{result['recipe']} on {result['data']}, {result['steps']} steps"
    if gan.data.dim == 2:
        plot.samples(gan.sample(2500), real=gan.data.to("cpu").sample(2500),
                     centers=getattr(gan.data.to("cpu"), "centers", None), ax=ax, title=title)
    else:
        plot.image_grid(gan.sample(100), ax=ax, title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganlib", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train one GAN and print its metrics as JSON")
    t.add_argument("--recipe", required=True, choices=recipes.names(), metavar="NAME",
                   help="one of: " + ", ".join(recipes.names()))
    t.add_argument("--data", required=True, choices=datasets.names())
    t.add_argument("--steps", type=int, default=2000, help="generator steps (default 2000)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="auto", help="auto (default), cpu, cuda or mps")
    t.add_argument("--batch-size", type=int, default=256)
    t.add_argument("--out", default="runs", help="folder for the sample figure (default runs)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("list", help="list recipes and datasets")
    r = sub.add_parser("record", help="regenerate a chapter's recorded runs (ganlib/results)")
    r.add_argument("name", choices=list(recorded.EXPERIMENTS))
    r.add_argument("--device", default="auto", help="auto (default), cpu, cuda or mps")
    args = parser.parse_args(argv)
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

"""Time and score `python -m ganlib train --data ring --steps 2000` for recipes over seeds.

    python bench/ring_targets.py [--recipes nsgan lsgan wgan-gp hinge | all] [--seeds 0 1 2]

Each run is a separate `python -m ganlib train` process, one after another (so they do not
compete for cores), timed from the outside: the wall time includes starting Python and
writing the figure. Prints a Markdown table of medians over seeds, then every run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time


def run(recipe: str, seed: int, steps: int, data: str, out: str) -> dict:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ganlib", "train", "--recipe", recipe, "--data", data,
         "--steps", str(steps), "--seed", str(seed), "--quiet", "--out", out],
        capture_output=True, text=True, check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipes", nargs="+", default=["nsgan", "lsgan", "wgan-gp", "hinge"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--data", default="ring")
    args = parser.parse_args()
    if args.recipes == ["all"]:
        from ganlib import recipes

        args.recipes = recipes.names()
    runs = []
    with tempfile.TemporaryDirectory() as out:
        for recipe in args.recipes:
            for seed in args.seeds:
                runs.append(run(recipe, seed, args.steps, args.data, out))
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    print(f"| recipe | median modes (of 8) | median high quality | median wall s | "
          f"max wall s |  ({args.data}, {args.steps} steps, seeds {args.seeds}, "
          f"device {runs[0]['device']})")
    print("|---|---|---|---|---|")
    for recipe in args.recipes:
        rs = [r for r in runs if r["recipe"] == recipe]
        print(f"| {recipe} | {statistics.median(r['modes'] for r in rs):g} "
              f"| {statistics.median(r['high_quality'] for r in rs):.1%} "
              f"| {statistics.median(r['wall'] for r in rs):.1f} "
              f"| {max(r['wall'] for r in rs):.1f} |")
    print("\nruns: " + "; ".join(
        f"{r['recipe']} seed {r['seed']}: {r['modes']} modes, {r['high_quality']:.1%}, "
        f"{r['wall']:.1f} s" for r in runs))


if __name__ == "__main__":
    main()

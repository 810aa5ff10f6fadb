"""Execute every chapter as the book build does and time each one.

    python bench/chapter_times.py [--repeats 3] [chapters/01_minimax_game.ipynb ...]

Each notebook runs in a fresh kernel (nbclient, the engine behind Jupyter Book's execution),
one after another, ``--repeats`` times, with progress bars off as in the book build. Prints a
Markdown table of the median and the range of each chapter's seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import nbclient
import nbformat
import torch

from ganlib.train import pick_device


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args()
    os.environ["TQDM_DISABLE"] = "1"
    root = Path(__file__).resolve().parents[1]
    paths = args.paths or sorted((root / "chapters").glob("*.ipynb"))
    print(f"device: {pick_device()}, torch {torch.__version__}, cores: {os.cpu_count()}, "
          f"threads: {torch.get_num_threads()}, repeats: {args.repeats}\n")
    print("| chapter | median s | min s | max s |")
    print("|---|---|---|---|")
    total = 0.0
    for path in paths:
        seconds = [run(path) for _ in range(args.repeats)]
        total += statistics.median(seconds)
        print(f"| {path.stem} | {statistics.median(seconds):.1f} | {min(seconds):.1f} "
              f"| {max(seconds):.1f} |", flush=True)
    print(f"| **all (sum of medians)** | {total:.1f} | | |")


if __name__ == "__main__":
    main()

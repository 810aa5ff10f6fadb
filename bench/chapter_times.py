"""Execute every chapter as the book build does and time each one.

    python bench/chapter_times.py [chapters/01_minimax_game.ipynb ...]

Each notebook runs in a fresh kernel (nbclient, the engine behind Jupyter Book's execution),
one after another, with progress bars off as in the book build. Prints a Markdown table.
"""

from __future__ import annotations

import os
import sys
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
    os.environ["TQDM_DISABLE"] = "1"
    root = Path(__file__).resolve().parents[1]
    paths = [Path(p) for p in sys.argv[1:]] or sorted((root / "chapters").glob("*.ipynb"))
    print(f"device: {pick_device()}, torch {torch.__version__}, cores: {os.cpu_count()}\n")
    print("| chapter | seconds |")
    print("|---|---|")
    total = 0.0
    for path in paths:
        seconds = run(path)
        total += seconds
        print(f"| {path.stem} | {seconds:.1f} |", flush=True)
    print(f"| **all** | {total:.1f} |")


if __name__ == "__main__":
    main()

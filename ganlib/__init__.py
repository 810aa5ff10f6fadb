"""ganlib: the small PyTorch library behind the book "GAN Losses, Derived and Run".

Modules, each short enough to read next to its chapter:
losses, fdiv, penalties, terms, conditioning, recipes, models, data, train, metrics, plot,
recorded, dynamics, checks (students' self-checks).
"""

from ganlib import (
    checks,
    conditioning,
    data,
    dynamics,
    fdiv,
    losses,
    metrics,
    models,
    penalties,
    recipes,
    terms,
    train,
)

__version__ = "0.2.0"
__all__ = ["checks", "conditioning", "data", "dynamics", "fdiv", "losses", "metrics", "models",
           "penalties", "recipes", "terms", "train"]

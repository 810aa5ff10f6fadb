"""ganlib: the small PyTorch library behind the book "GAN Losses, Derived and Run".

Modules, each short enough to read next to its chapter:
losses, fdiv, penalties, recipes, models, data, train, metrics, plot, recorded.
"""

from ganlib import data, fdiv, losses, metrics, models, penalties, recipes, train

__version__ = "0.1.0"
__all__ = ["data", "fdiv", "losses", "metrics", "models", "penalties", "recipes", "train"]

"""Train a small image classifier, export it to several runtimes, measure and report."""

__version__ = "0.1.0"

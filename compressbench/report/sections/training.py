"""Training: the recipe, the final accuracy and the curves."""

from __future__ import annotations

from ..writer import Writer
from .base import Figure, Section
from .setup import training_text


def text(w: Writer) -> list[str]:
    return [training_text(w, "training.training_sentence_value", "training.training_sentence_short")]


SECTION = Section(
    "training",
    "training.title",
    2,
    ("text", "figure:training_curves"),
    text=text,
    figures=(Figure("training_curves", "training.fig_training_curves", "training_curves"),),
)

"""Training: the recipe, the final accuracy and the curves."""

from __future__ import annotations

from ..writer import Writer
from .base import Figure, Section
from .setup import training_text

# train.normalization's named values (config.schema.yaml) and their wording
NORMALIZATIONS = {"dataset": "training.norm_dataset", "none": "training.norm_none"}
# train.lr_schedule's values (config.schema.yaml) and their wording
SCHEDULES = {"constant": "training.schedule_constant", "cosine": "training.schedule_cosine"}


def text(w: Writer) -> list[str]:
    """The settings Table 1 leaves out; without them, the recipe Table 1 gives (a run without its spec)."""
    details = recipe_details(w)
    if details:
        return [details.strip()]
    return [training_text(w, "training.training_sentence_value", "training.training_sentence_short")]


def recipe_details(w: Writer) -> str:
    """ " Input normalization: ...": the training settings the sentence before leaves out (spec.json's)."""
    s, n = w.s, w.n
    settings = w.run.results.spec.get("train") or {}
    if not settings:
        return ""
    normalization = settings.get("normalization")
    norm_key = NORMALIZATIONS[normalization] if normalization in NORMALIZATIONS else "training.norm_given"
    decay = settings.get("weight_decay")
    schedule = settings.get("lr_schedule")
    augmentations = [s["training.aug_flip"]] if settings.get("horizontal_flip") else []
    if settings.get("random_crop_padding"):
        augmentations.append(s.say("training.aug_crop", padding=n.integer(settings["random_crop_padding"])))
    return " " + s.say(
        "training.training_details",
        normalization=s[norm_key],
        augmentation=", ".join(augmentations) or s["training.aug_none"],
        schedule=s[SCHEDULES[schedule]] if schedule in SCHEDULES else str(schedule or n.missing),
        decay=n.missing if decay is None else n.sig(decay) if decay else "0",
        seed=str(settings.get("seed", n.missing)),
    )


SECTION = Section(
    "training",
    "training.title",
    2,
    ("text", "figure:training_curves"),
    text=text,
    figures=(Figure("training_curves", "training.fig_training_curves", "training_curves"),),
)

"""Teaching on top of a model learned from generated motion: add actions to the default's twelve.

The shipped default, ``everyday-actions`` (models/everyday.py), was learned from generated body
motion only, and its manifest records the generator's settings (``training.generator``). A user
who wants one more action should not have to record the twelve it already knows: teaching with
``base=`` makes the base's generated clips again (fewer per action than the base was built from,
so teaching stays fast), teaches them beside the user's own clips, and writes a new bundle that
knows both. The base's generated actions are ordinary teaching clips there: grouped by generated
body (``generated-<k>``), held out in the cross-validation like a person, and part of the
"unknown" calibration, which uses the base's bound (the held-out windows' 99th percentile,
``FewShotConfig.novelty_bound``), so that what a person does of the twelve is not called unknown
because a user taught one more action. The generator's own "walk on the spot" and "stand still"
are actions of the base then, not "none of these".

Only bundles that read the body (``input.roi == "pose"``) can be taught on top of one, and only
bases that record a generator (the shipped default; a bundle taught from clips can be extended by
correcting it instead, models/correct.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from engine.bundles import load_bundle, resolve_bundle
from models.data import DatasetError
from models.fewshot.fit import ClipFeatures, FewShotConfig

#: generated clips per base action when teaching on top (the base itself was built from 160)
PER_ACTION = 24
#: cross-validation groups of generated bodies and cameras (the base's own build, models/everyday.py, uses it too)
FOLDS = 8
#: windows per fit: room for a dozen more actions than a user's own teaching needs
WINDOWS_PER_FIT = 2000


def base_record(base: str | Path) -> dict[str, Any]:
    """What a bundle taught on top of ``base`` records of it (name, version, the generator's
    settings); :class:`DatasetError` when ``base`` cannot be taught on top of."""
    try:
        bundle = load_bundle(resolve_bundle(base))
    except Exception as exc:  # BundleError and what loading a damaged folder raises
        raise DatasetError(f"cannot teach on top of {base}: {exc}") from exc
    m = bundle.manifest
    gen = (m.training or {}).get("generator")
    if m.input.roi != "pose" or not isinstance(gen, dict) or not gen.get("actions"):
        raise DatasetError(f"{m.name} cannot be taught on top of: only a model learned from generated body motion "
                           "(the shipped everyday-actions) records how to make its actions again; to add actions to "
                           "a bundle you taught, correct it or teach it again with all its clips")
    return {"bundle": m.name, "version": str(m.version), "labels": list(m.labels), "generator": gen,
            "per_action": PER_ACTION}


def merged_labels(user_labels: Sequence[str], record: dict[str, Any]) -> list[str]:
    """The user's labels, then the base's that the user did not name (a user's clips of one of
    the base's actions, under its name, are taught beside its generated ones)."""
    labels = list(user_labels)
    known = {lab.lower() for lab in labels}
    return labels + [lab for lab in record["labels"] if lab.lower() not in known]


def base_clips(record: dict[str, Any], labels: Sequence[str], fps: float) -> list[ClipFeatures]:
    """The base's actions made again by its generator, as teaching clips of ``labels``."""
    from models.fewshot.background import generated_views
    from models.posegen import ACTION_TITLES, NoiseModel
    from models.posegen.generate import clip_seed

    gen = record["generator"]
    noise = NoiseModel(**gen["noise"]) if isinstance(gen.get("noise"), dict) else None
    seconds = float(gen.get("seconds", 4.0))
    seed = int(gen.get("seed", 0))
    index = {lab.lower(): i for i, lab in enumerate(labels)}
    clips = []
    for action in gen["actions"]:
        title = ACTION_TITLES.get(action, action)
        if title.lower() not in index:
            continue
        for k in range(int(record.get("per_action", PER_ACTION))):
            # Seeds past the base's own clips: bodies and cameras it was not built from.
            s = clip_seed(seed + 1, action, k)
            clips.append(ClipFeatures(generated_views(action, s, fps, seconds, noise), index[title.lower()],
                                      f"generated-{k % FOLDS}", f"generated {action} {k}"))
    return clips


def base_config(cfg: FewShotConfig) -> FewShotConfig:
    """The fit's settings on top of a base: the base's unknown bound (the held-out windows'
    quantile), and room in each fit for its actions."""
    return replace(cfg, novelty_bound="held_out", max_train_windows=max(cfg.max_train_windows, WINDOWS_PER_FIT))


def base_motions(record: dict[str, Any], motions: Sequence[str]) -> tuple[str, ...]:
    """The generated "none of these" motions without the base's own actions."""
    return tuple(m for m in motions if m not in set(record["generator"]["actions"]))

"""Real material for the few-shot tests: short segments cut from the clips in ../shared/data.

Three "actions" a user could teach, each from a different real source: arm wrestling and
cleaning a pool (segments from the first half of each Kinetics clip), talking (GRID sentences).
Held-out test segments come from the other half of each clip, mirrored (a new camera angle).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.io.sources import open_source
from models.synthetic import write_clip


def _frames(src: Path) -> tuple[list[np.ndarray], float]:
    with open_source(src) as s:
        fps = float(getattr(s, "fps", 0.0) or 25.0)
        return [f.image for f in s.frames()], fps


@pytest.fixture(scope="session")
def real_actions(shared_data, tmp_path_factory) -> dict[str, dict[str, list[Path]]]:
    """{"arm"|"pool"|"talking": {"teach": 3 clips, "test": 1 mirrored clip}}, 2-3 s each."""
    root = tmp_path_factory.mktemp("real-actions")
    out: dict[str, dict[str, list[Path]]] = {}
    for name, src in (("arm", shared_data / "clips" / "kinetics_arm_wrestling.mp4"),
                      ("pool", shared_data / "clips" / "kinetics_cleaning_pool.mp4")):
        frames, fps = _frames(src)
        seg = int(2.5 * fps)
        half = len(frames) // 2
        starts = np.linspace(0, half - seg, 3).round().astype(int)
        out[name] = {
            # "<person>__": each segment stands for a different person (a group for the CV)
            "teach": [write_clip(root / name / f"p{k}__{name}.mp4", frames[s : s + seg], fps) for k, s in enumerate(starts)],
            "test": [write_clip(root / "test" / f"{name}.mp4", [f[:, ::-1] for f in frames[half + 10 : half + 10 + seg]], fps)],
        }
    grid = sorted((shared_data / "grid" / "s1" / "video").glob("*.mp4"))
    frames, fps = _frames(grid[500])
    out["talking"] = {"teach": grid[200:203],
                      "test": [write_clip(root / "test" / "talking.mp4", [f[:, ::-1] for f in frames], fps)]}
    return out


@pytest.fixture(scope="session")
def feature_cache(tmp_path_factory) -> Path:
    """One feature cache for the few-shot tests (features are computed once per clip and view)."""
    return tmp_path_factory.mktemp("fewshot-cache")

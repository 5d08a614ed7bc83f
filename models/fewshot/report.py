"""The teach report in words: what a few-shot bundle can be expected to do for a person it was not
taught by, with the unit of every figure named (clips, or live labels: one per tick, what the app
shows). ``kinesight train`` prints these lines; the Teach dialog shows the same figures, translated."""

from __future__ import annotations

from typing import Any

ADD_PEOPLE = ("add clips of someone else (or recorded on another day or in another room), named "
              "<person>__<name>.mp4 or recorded in the app")


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def new_person_lines(cv: dict[str, Any], open_set: dict[str, Any] | None = None) -> list[str]:
    """Plain-language lines: the predicted new-person accuracy (or why there is none), what the
    held-out clips measured (per clip and per live label), and how untaught material is treated."""
    out = []
    groups, method = cv.get("groups", 0), cv.get("method", "")
    who = "sessions (found by how the clips look)" if cv.get("grouping") == "inferred" else "people or sessions"
    if cv.get("new_person_clip_accuracy") is not None:
        out.append(f"new person (predicted, each of {groups} {who} held out in turn, unknown threshold applied): "
                   f"{_pct(cv['new_person_clip_accuracy'])} of clips right, "
                   f"{_pct(cv.get('new_person_live_accuracy'))} of live labels right, "
                   f"{_pct(1 - cv['new_person_accepted'])} of live labels unknown")
    elif cv.get("grouping") == "unnamed":
        out.append("new person: cannot be predicted: the clips do not say who is in them, and body keypoints do not "
                   "show which recording a clip comes from; name them <person>__<name>.mp4 or record them in the app "
                   "(and " + ADD_PEOPLE.split(" (")[0] + ")")
    elif groups >= 2:
        out.append(f"new person: cannot be predicted: no action was taught by more than one of the {groups} {who}; "
                   + ADD_PEOPLE)
    else:
        out.append("new person: cannot be predicted: all clips come from one person or recording session, so the "
                   "figures below only say how well it knows that person; " + ADD_PEOPLE)
    single = cv.get("single_group_actions") or []
    if single and cv.get("new_person_clip_accuracy") is not None:
        out.append("  taught by one person/session only (not in the prediction): " + ", ".join(single) + "; "
                   + ADD_PEOPLE)
    if cv.get("folds"):
        held = {"person-out": "each person held out", "session-out": "each session held out",
                "clip-out": "each clip held out"}.get(method, method)
        out.append(f"held-out clips ({held}, no unknown threshold): {_pct(cv.get('clip_accuracy'))} of clips right, "
                   f"{_pct(cv.get('window_accuracy'))} of live labels right (over {cv.get('windows', 0)} live labels)")
    cal = (open_set or {}).get("calibration") or {}
    if cal.get("untaught_rejected") is not None:
        out.append(f"untaught material: {_pct(cal['untaught_rejected'])} of each action's live labels, held out from "
                   "the others, come out unknown (an action it was not taught, filmed where teaching was)")
    return out

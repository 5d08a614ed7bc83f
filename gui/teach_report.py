"""The Teach dialog's report text: what the taught model can be expected to do for a person it was
not taught by (predicted from the people or sessions held out in turn), or plainly why that cannot
be predicted; every figure names its unit (clips, or live labels: what the app shows each tick).
The figures are models.fewshot's (``report["cv"]``, ``report["open_set"]``); the same lines in
English are ``models.fewshot.report.new_person_lines``, printed by ``kinesight train``."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication



def _pct(x) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


def report_text(cv: dict | None, open_set: dict | None, test_accuracy: float | None) -> str:
    """Lines for the dialog's result label (translated)."""
    tr = QCoreApplication
    if not cv or not cv.get("folds"):
        if test_accuracy is not None:  # a torch head: a held-out split, counted in live labels
            return tr.translate("TeachReport", "Held-out live labels right: %1").replace(
                "%1", f"{test_accuracy * 100:.1f}%")
        return tr.translate("TeachReport", "Held-out accuracy: not measured (give every action 2 or more clips).")
    lines = []
    add = tr.translate("TeachReport", "Add clips of someone else (or from another day or room): name files "
                                      "<person>__name.mp4, or record them in the app.")
    if cv.get("new_person_clip_accuracy") is not None:
        lines.append(tr.translate("TeachReport", "A new person (predicted: each of %1 people or sessions held out in "
                                                 "turn): %2 of clips right, %3 of live labels right, %4 of live "
                                                 "labels “unknown”.")
                     .replace("%1", str(cv.get("groups", 0))).replace("%2", _pct(cv["new_person_clip_accuracy"]))
                     .replace("%3", _pct(cv.get("new_person_live_accuracy")))
                     .replace("%4", _pct(1 - cv.get("new_person_accepted", 1.0))))
        if cv.get("single_group_actions"):
            lines.append(tr.translate("TeachReport", "Taught by one person or session only, not in that "
                                                     "prediction: %1.")
                         .replace("%1", ", ".join(cv["single_group_actions"])) + " " + add)
    elif cv.get("grouping") == "unnamed":
        lines.append(tr.translate("TeachReport", "A new person: cannot be predicted, the clips do not say who is in "
                                                 "them (body keypoints do not show which recording a clip comes "
                                                 "from).") + " " + add)
    elif cv.get("groups", 0) >= 2:
        lines.append(tr.translate("TeachReport", "A new person: cannot be predicted, no action was taught by more "
                                                 "than one person or session.") + " " + add)
    else:
        lines.append(tr.translate("TeachReport", "A new person: cannot be predicted, all clips come from one person "
                                                 "or recording session; the figures below only say how well it "
                                                 "knows that person.") + " " + add)
    if cv.get("method") == "person-out":
        how = tr.translate("TeachReport", "each person held out")
    elif cv.get("method") == "session-out":
        how = tr.translate("TeachReport", "each session held out")
    else:
        how = tr.translate("TeachReport", "each clip held out")
    lines.append(tr.translate("TeachReport", "Held-out clips (%1): %2 of clips right, %3 of live labels right.")
                 .replace("%1", how).replace("%2", _pct(cv.get("clip_accuracy")))
                 .replace("%3", _pct(cv.get("window_accuracy"))))
    cal = (open_set or {}).get("calibration") or {}
    if cal.get("untaught_rejected") is not None:
        lines.append(tr.translate("TeachReport", "Untaught material: %1 of the live labels of an action left out of "
                                                 "teaching come out “unknown”.")
                     .replace("%1", _pct(cal["untaught_rejected"])))
    return "\n".join(lines)

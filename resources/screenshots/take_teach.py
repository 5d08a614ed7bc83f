"""Screenshot of the Teach dialog at its default size (900x640) after a real few-shot run: two
actions of three clips each, cut from the real clips in ../shared/data/clips, with no camera (the
"No camera found" note) and the confusion table of the held-out clips.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python resources/screenshots/take_teach.py en OUT.png [ROI [BUNDLE]]
    (LANG=zh_CN.UTF-8 ... take_teach.py zh_CN OUT.png for Simplified Chinese; needs fonts-noto-cjk)

ROI picks what the dialog teaches ("hands": Hand gestures, from the same two real clips, whose
hands differ); BUNDLE keeps the taught bundle there (the main window's hands screenshot plays it).

resources/screenshots/take.sh runs it for both languages.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
CLIPS = ROOT.parent / "shared" / "data" / "clips"
QUICK = {"window": 6, "sample_fps": 5.0, "views": 1}  # as the teach dialog's test: under a minute


def cut_clips(out: Path) -> dict[str, list[Path]]:
    """Three clips per action, each a third of a real clip (what a user would give the dialog)."""
    import cv2

    from engine.io.sources import open_source

    clips: dict[str, list[Path]] = {}
    for action, name in (("makeup", "ucf101_apply_eye_makeup.avi"), ("wrestling", "kinetics_arm_wrestling.mp4")):
        src = open_source(CLIPS / name)
        frames = [f.image for f in src]
        src.close()
        third = len(frames) // 3
        clips[action] = []
        for k in range(3):
            path = out / f"{action}-{k}.mp4"
            h, w = frames[0].shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), src.fps or 25.0, (w, h))
            for image in frames[k * third:(k + 1) * third]:
                writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            writer.release()
            clips[action].append(path)
    return clips


def main(lang: str, png: str, roi: str = "full+motion", keep: str | None = None) -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.teach import TeachDialog
    from gui.translations import install_language

    app = QApplication([sys.argv[0]])
    install_language(lang)
    tmp = Path(tempfile.mkdtemp())
    dialog = TeachDialog(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                         train_options={**QUICK, "cache_dir": tmp / "cache"})
    dialog.show()
    dialog.set_roi(roi)
    for action, paths in cut_clips(tmp).items():
        dialog.add_clips(action, paths)
    dialog.train(out=Path(keep) if keep else tmp / "bundle")

    def poll() -> None:
        if dialog.training or dialog._cameras is None:
            QTimer.singleShot(200, poll)
            return
        QTimer.singleShot(500, lambda: (dialog.grab().save(png), print(f"saved {png} "
                                        f"({dialog.width()}x{dialog.height()})"), app.exit(0)))

    QTimer.singleShot(200, poll)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))

"""Screenshot of a correction in the main window: a bundle taught from real clips (as take_teach.py),
the arm-wrestling clip analysed, 6-9 s corrected to "none of these" (re-taught for real), the changed
stretches marked in amber, then a new stretch selected with its "This was…" menu open.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python resources/screenshots/take_correct.py en OUT.png

resources/screenshots/take.sh runs it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from take_teach import CLIPS, QUICK, cut_clips  # noqa: E402


def main(lang: str, png: str) -> int:
    from PySide6.QtCore import QPoint, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    from gui.translations import install_language
    from models.teach import train_bundle

    app = QApplication([sys.argv[0]])
    install_language(lang)
    tmp = Path(tempfile.mkdtemp())
    bundle = train_bundle(cut_clips(tmp), tmp / "bundles" / "makeup-or-wrestling", cache_dir=tmp / "cache",
                          roi="full+motion", **QUICK).bundle_path
    w = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat), bundle_path=bundle,
                   remember_geometry=False)
    w.resize(1280, 800)
    w.move(0, 0)
    w.show()
    w.realtime = False
    state = {"step": "analyse"}

    def poll() -> None:
        c = w.corrector
        if state["step"] == "analyse" and w.analysis_result is not None:
            w.timeline.select(6.0, 9.0)
            c.correct("none")
            state["step"] = "correct"
        elif state["step"] == "correct" and not c.running and w.timeline.changed_spans():
            w.timeline.select(1.5, 3.5)
            tl = w.timeline
            c._popup(tl.mapToGlobal(QPoint(round(tl.x_for_time(3.5)), tl.height() // 3)))
            QTimer.singleShot(800, shoot)
            return
        QTimer.singleShot(200, poll)

    def shoot() -> None:
        shot = QApplication.primaryScreen().grabWindow(0, 0, 0, w.frameGeometry().width(), w.frameGeometry().height())
        shot.save(png)
        print(f"saved {png}; changed {w.timeline.changed_spans()}; re-teach {w.corrector.last.seconds} s")
        w.close()
        app.exit(0)

    w.open_source(str(CLIPS / "kinetics_arm_wrestling.mp4"))
    QTimer.singleShot(500, poll)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""Screenshot of Model ▸ Rules with the shipped lip reader: three rules (a command, an HTTP POST, a
TCP event stream), after the window played a real GRID sentence ("bin blue in f three soon") and
the rules fired, so "Last fired" is filled in.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python resources/screenshots/take_rules.py en OUT.png
    (LANG=zh_CN.UTF-8 ... take_rules.py zh_CN OUT.png for Simplified Chinese; needs fonts-noto-cjk)

resources/screenshots/take.sh runs it for both languages. The user folder is a temporary one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
CLIP = ROOT.parent / "shared" / "data" / "grid" / "s1" / "video" / "bbaf3s.mp4"
LIPS = ROOT / "resources" / "bundles" / "grid-lips"


def main(lang: str, png: str) -> int:
    tmp = Path(tempfile.mkdtemp())
    os.environ["XDG_DATA_HOME"] = str(tmp / "data")  # the rules go to a temporary user folder
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from engine.triggers import Rule, rules_path_for, save_rules
    from gui.main_window import MainWindow
    from gui.translations import install_language

    save_rules(rules_path_for(LIPS), [
        Rule(name="lights on", label="blue", hold_s=0.1, min_confidence=0.6, cooldown_s=5.0, action="command",
             target="true"),
        Rule(name="tell the server", label="soon", hold_s=0.2, min_confidence=0.7, cooldown_s=10.0, action="http",
             target="http://127.0.0.1:9/events", timeout_s=1.0),
        Rule(name="every word", label="three", hold_s=0.0, min_confidence=0.5, cooldown_s=0.0, action="stream",
             target="tcp://127.0.0.1:8765"),
    ], bundle="grid-lips")
    app = QApplication([sys.argv[0]])
    install_language(lang)
    window = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat), bundle_path=LIPS, language=lang,
                        remember_geometry=False)
    window.resize(1280, 800)
    window.show()
    state = {"opened": False}

    def poll() -> None:
        if window.bridge.bundle is None:
            QTimer.singleShot(200, poll)
            return
        if not state["opened"]:
            state["opened"] = True
            window.open_source(str(CLIP))
        if len(window.rules.last_fired) < 2 and not window.source_finished:
            QTimer.singleShot(200, poll)
            return
        dialog = window.rules.open_dialog(window)
        dialog.table.selectRow(0)
        QTimer.singleShot(800, lambda: (dialog.grab().save(png), print(f"saved {png} ({dialog.width()}x"
                                        f"{dialog.height()}); fired: {window.rules.last_fired}"), app.exit(0)))

    QTimer.singleShot(0, poll)
    QTimer.singleShot(90_000, lambda: (print("gave up"), app.exit(1)))
    code = app.exec()
    window.close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

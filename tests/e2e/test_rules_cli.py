"""`kinesight analyze --rules` and `kinesight run --rules` on a real GRID clip with the shipped
lip reader: the same events, at the same times, offline and live; a bad rules file is refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def kinesight(*args, timeout: float = 90) -> subprocess.CompletedProcess:
    # python -m from the checkout, so that this tree's code runs (not an installed copy)
    return subprocess.run([sys.executable, "-m", "kinesight", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def clip(shared_data) -> Path:
    # GRID s1 "bin blue in f three soon": the shipped grid-lips reads "blue" at 0.84-1.04 s (0.88)
    return shared_data / "grid" / "s1" / "video" / "bbaf3s.mp4"


def write_rules(path: Path, rules: list[dict]) -> Path:
    path.write_text(json.dumps({"format": "kinesight-rules", "format_version": 1, "rules": rules}))
    return path


def rules_for(tmp_path: Path) -> Path:
    script = tmp_path / "said.py"
    script.write_text("import json, sys\nev = json.load(sys.stdin)\n"
                      f"open({str(tmp_path / 'said.txt')!r}, 'a').write(ev['label'] + '\\n')\n")
    return write_rules(tmp_path / "rules.json", [
        {"name": "blue", "label": "blue", "hold_s": 0.1, "min_confidence": 0.5, "action": "stream",
         "target": "stdout"},
        {"name": "said", "label": "soon", "hold_s": 0.1, "action": "command", "target": f"{sys.executable} {script}"},
        {"name": "never", "label": "green", "action": "command", "target": "/nonexistent"},
    ])


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_analyze_and_run_fire_the_same_events_on_a_real_clip(tmp_path, clip):
    rules = rules_for(tmp_path)
    offline = kinesight("analyze", clip, "--bundle", "grid-lips", "--rules", rules, "--no-progress")
    assert offline.returncode == 0, offline.stderr
    # with a stdout stream, stdout holds the event lines alone (the analysis goes to stderr)
    got = events(offline.stdout)
    assert got == [{"type": "event", "rule": "blue", "label": "blue", "confidence": pytest.approx(0.876, abs=0.01),
                    "start": pytest.approx(0.84), "end": pytest.approx(1.04), "source": str(clip),
                    "bundle": "grid-lips"}]
    assert "transcript: bin blue in f three soon" in offline.stderr
    assert "rule 'said' fired: soon" in offline.stderr
    assert (tmp_path / "said.txt").read_text() == "soon\n"

    # at the clip's own pace; a ring as long as the clip, so a busy machine drops no frame (the reader
    # would then not vouch for its words)
    live = kinesight("run", "--source", clip, "--bundle", "grid-lips", "--rules", rules, "--ring", "80")
    assert live.returncode == 0, live.stderr
    assert events(live.stdout) == got  # media time: live fires what offline fires, when it does
    assert (tmp_path / "said.txt").read_text() == "soon\nsoon\n"


def test_a_bad_rules_file_is_refused_before_anything_runs(tmp_path, clip):
    bad = write_rules(tmp_path / "bad.json", [{"name": "x", "label": "blue", "hold_s": -1}])
    res = kinesight("analyze", clip, "--bundle", "grid-lips", "--rules", bad)
    assert res.returncode == 2
    assert res.stderr.strip() == (f"kinesight: error: rules[0].hold_s: must be a number from 0 to 3600, not -1.0 "
                                  f"(in {bad})")
    wrong = write_rules(tmp_path / "wrong.json", [{"name": "x", "label": "waving"}])
    res = kinesight("run", "--source", clip, "--bundle", "grid-lips", "--rules", wrong)
    assert res.returncode == 2 and "rules[0].label: 'waving' is not a label of grid-lips" in res.stderr
    assert res.stdout == ""

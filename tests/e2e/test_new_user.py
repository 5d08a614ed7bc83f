"""What a new user saw in the command line (issue 26), asserted on the real ``kinesight`` command
with the shipped bundles and real clips: "unknown" without a probability, bundles by name,
damaged files, plurals and tiny files."""

from __future__ import annotations

import re
from pathlib import Path

from e2e_cli import kinesight

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_says_what_it_means_never_a_probability(clips):
    # The shipped demo bundle knows stick figures: a real arm-wrestling clip is "unknown".
    res = kinesight("analyze", clips["arm"], "--device", "cpu", "--no-progress")
    assert res.returncode == 0, res.stderr
    unknown = [ln for ln in res.stdout.splitlines() if "(unknown)" in ln]
    assert unknown and all(ln.rstrip().endswith("(unknown)  not like anything taught") for ln in unknown), res.stdout
    res = kinesight("run", "--source", clips["arm"], "--no-realtime", "--device", "cpu")
    assert res.returncode == 0, res.stderr
    unknown = [ln for ln in res.stdout.splitlines() if "(unknown)" in ln]
    assert unknown, res.stdout
    for ln in unknown:
        assert re.search(r"\(unknown\)\s+not like anything taught \(novelty [\d.]+\)", ln), ln
        assert "top:" not in ln and " 1.00 " not in ln

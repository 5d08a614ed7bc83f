"""`kinesight analyze --precision`: a shipped bundle's int8 backbone (the stick-figure demo's; the default reads
the body, with no backbone) on CPU unless float is asked for."""

from __future__ import annotations

import json

from kinesight.cli import main


def test_analyze_runs_the_int8_backbone_on_cpu_unless_asked_for_float(clips, tmp_path, capsys):
    labels = {}
    for extra, want in (([], "int8"), (["--precision", "float"], "")):
        out = tmp_path / f"{want or 'float'}.json"
        assert main(["analyze", str(clips["ucf"]), "--bundle", "default-actions", "--device", "cpu", "--json", str(out),
                     *extra]) == 0
        data = json.loads(out.read_text())
        assert data["provider"]["provider"] == "CPU" and data["provider"]["precision"] == want
        labels[want] = [p["state"] for p in data["predictions"]]
    assert len(labels["int8"]) == len(labels[""]) > 0  # the same ticks either way
    assert main(["analyze", str(clips["ucf"]), "--precision", "int4"]) == 2
    assert "invalid choice" in capsys.readouterr().err

"""Real benchmark data (issue 14): cnn_lstm and cnn_gru on the official splits of two UEA problems,
with a floor close to the published 1-NN DTW baselines (Bagnall et al., "The UEA multivariate time
series classification archive, 2018", arXiv:1811.00075; DTW_D: BasicMotions 0.975, JapaneseVowels
0.949).

The .ts files ship inside the aeon wheel; they are read with Kinesight's own reader and aeon is
never imported. Without aeon installed these tests skip and say how to get the data.
"""

from __future__ import annotations

import pytest

from engine.sequences.series_files import read_series
from models.seq_data import packaged_uea_problem

# Short settings (bench/bench_seq.py --quick); the full ones reach 1.000 and 0.984 (README).
SETTINGS = {"BasicMotions": dict(epochs=30, batch_size=8), "JapaneseVowels": dict(epochs=20, batch_size=32)}
FLOORS = {"BasicMotions": 0.95, "JapaneseVowels": 0.95}  # published DTW_D 0.975 and 0.949


def _problem(name: str):
    path = packaged_uea_problem(name)
    if path is None:
        pytest.skip(f"{name} is not installed: `pip install --no-deps aeon` brings the UEA .ts files "
                    "(aeon itself is not imported)")
    return read_series(path, task="classify")


def test_the_packaged_files_are_the_official_uea_problems():
    bm, jv = _problem("BasicMotions"), _problem("JapaneseVowels")
    assert bm.labels == ("Standing", "Running", "Walking", "Badminton") and bm.dim == 6
    assert (bm.split == "train").sum() == 40 and (bm.split == "test").sum() == 40 and set(bm.lengths) == {100}
    assert len(jv.labels) == 9 and jv.dim == 12
    assert (jv.split == "train").sum() == 270 and (jv.split == "test").sum() == 370
    assert jv.lengths.min() == 7 and jv.lengths.max() == 29  # unequal lengths: left-padded for the head


@pytest.mark.parametrize("name", list(SETTINGS))
@pytest.mark.parametrize("head", ["cnn_lstm", "cnn_gru"])
def test_test_accuracy_on_the_official_split_is_close_to_published(name, head, tmp_path):
    from models.seq import SeqConfig, train_sequences

    ss = _problem(name)
    cfg = SeqConfig(head=head, val_frac=0.0, patience=1000, **SETTINGS[name])
    res = train_sequences(ss, tmp_path / "bundle", cfg)
    assert res.report["split"]["method"] == "official" and res.test["n"] == int((ss.split == "test").sum())
    assert res.test["accuracy"] >= FLOORS[name], res.test

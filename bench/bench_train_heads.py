"""Head training time on cached features: 3 classes x 5 clips (the issue's bar: < 30 s on 2 cores).

    python bench/bench_train_heads.py [--size 224] [--cache DIR]

Renders 3 x 5 clips (models.synthetic), extracts EfficientNet-Lite0 features once (cached), then
trains every head on the same cached features side by side and prints seconds and test accuracy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from models.synthetic import generate
from models.train import TrainConfig, train_from_folder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kinesight-bench-cache")
    ap.add_argument("--heads", default="gru,lstm,tcn,transformer,bigru,cnn_gru")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        generate(data, actors=5, clips_per_actor=1, seconds=4.0, labels=("waving", "jumping", "idle"), seed=7)
        # first run fills the feature cache; the timings below are head training on cached features
        t = time.perf_counter()
        train_from_folder(data, Path(tmp) / "warm", TrainConfig(size=args.size, epochs=1), cache_dir=args.cache, show_bar=False)
        print(f"feature extraction + 1 epoch: {time.perf_counter() - t:.1f} s")
        print(f"{'head':12s} {'fit s':>7s} {'epochs':>6s} {'test acc':>8s}")
        for head in args.heads.split(","):
            res = train_from_folder(data, Path(tmp) / head, TrainConfig(size=args.size, head=head),
                                    cache_dir=args.cache, show_bar=False)
            print(f"{head:12s} {res.train_seconds:7.1f} {res.epochs_run:6d} {res.test_accuracy:8.3f}")


if __name__ == "__main__":
    main()

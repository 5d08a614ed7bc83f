#!/usr/bin/env bash
# Adds backbone_int8.onnx (static QDQ int8, calibrated on real frames) to the shipped default
# bundle: models/int8_backbone.py. Calibration: the development set's clips (DEVDATA, read in
# place, never copied) except the teaching benchmark's (bench/bench_teach_people.py), which are
# held out for the feature check, plus the shared cleaning-pool clip. Seeded: reproducible.
# Run from the repository root with the virtualenv active, after make_default.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVDATA="${DEVDATA:-../devdata}"
EXCLUDE=$(python -c "
import sys; sys.path.insert(0, 'bench')
import bench_teach_people as b
print(' '.join(sorted({p for col in b.PEOPLE.values() for _, p, *_ in col}
                      | {u for u in b.UNTAUGHT if not u.startswith('shared:')})))")
# shellcheck disable=SC2086
python -m models.int8_backbone resources/bundles/default-actions --devdata "$DEVDATA" \
    --exclude $EXCLUDE --extra ../shared/data/clips/kinetics_cleaning_pool.mp4 "$@"

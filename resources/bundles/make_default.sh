#!/usr/bin/env bash
# Regenerates resources/bundles/default-actions from nothing but this repository:
# procedural stick-figure clips (models/synthetic.py) -> `kinesight train` -> a novelty output
# calibrated on the same clips (models/fewshot/), so real footage is reported as unknown.
# Run from the repository root with the virtualenv active. Takes a few minutes on 2 CPU cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${1:-/tmp/kinesight-synthetic-actions}"
rm -rf "$DATA"
python -m models.synthetic "$DATA" --actors 20 --clips-per-actor 1 --seconds 4 --seed 0
kinesight train "$DATA" --out resources/bundles/default-actions \
  --backbone efficientnet_lite0 --head transformer --window 16 --sample-fps 8 \
  --epochs 60 --patience 12 --seed 0 --variants 3 \
  --name default-actions \
  --description "Synthetic demo: recognises stick-figure motions (waving, arm_circles, jumping, walking_across, idle) rendered by models/synthetic.py; train your own bundle for real actions." \
  --quiet
# The training report stays beside the bundle; the checkpoint is for further training only.
rm -rf resources/bundles/default-actions/checkpoint
# "unknown" for anything unlike the stick figures: a novelty output on the head (distance of the
# window's mean feature to the nearest of 256 training windows) and open_set.threshold in the
# manifest, chosen by holding each rendered actor out in turn. Rewrites head.onnx and its sha256.
python -m models.fewshot.novelty add-novelty resources/bundles/default-actions "$DATA" --bank 256
kinesight eval resources/bundles/default-actions "$DATA" --quiet
# The backbone's weights stored as float16 (computed in float32; features within cosine 0.99998
# of the float32 ones): half the installer's share of this bundle (models/half_weights.py).
python -m models.half_weights resources/bundles/default-actions

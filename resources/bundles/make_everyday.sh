#!/usr/bin/env bash
# Regenerates resources/bundles/everyday-actions from nothing but this repository: generated body
# motion (models/posegen: varied bodies, cameras, speeds, handedness, the pose stage's own errors)
# -> the pose stage's body features -> the few-shot recipe (models/fewshot), with the generator's
# other motions taught as "none of these". No video, no rendering, no real clip is used.
# Run from the repository root with the virtualenv active. About 1.5 min on 2 CPU cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
python -m models.everyday resources/bundles/everyday-actions --per-action 160 --per-other 24 --seed 0

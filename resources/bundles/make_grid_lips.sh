#!/usr/bin/env bash
# Rebuilds resources/bundles/grid-lips from the GRID corpus (speaker 1) in ../shared/data/grid/s1:
#   1. MTCNN face/landmark graphs from the facenet-pytorch wheel (pip install facenet-pytorch==2.5.3 --no-deps)
#   2. mouth crops of every clip with the app's own causal cropper (cached in ~/.cache/kinesight)
#   3. training: CTC + frame cross-entropy, best checkpoint by validation WER
#   4. export (ONNX graphs checked against torch) + evaluation through the engine
# Run from the repository root with the virtualenv active. MINUTES bounds the training time
# (about 100 minutes on a shared 2-core CPU gave the shipped bundle; more helps).
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES="${MINUTES:-100}"
WORK="${WORK:-$HOME/.cache/kinesight/grid-lips-build}"
mkdir -p "$WORK"
python -m models.face_export "$WORK/face"
python -m models.lipread extract --face "$WORK/face"
python -m models.lipread train --out "$WORK/ckpt" --minutes "$MINUTES"
rm -rf resources/bundles/grid-lips
python -m models.lipread export "$WORK/ckpt/best.pt" resources/bundles/grid-lips --face "$WORK/face"
python -m models.lipread evaluate resources/bundles/grid-lips

#!/usr/bin/env bash
# Retakes the README screenshots: the main window playing real clips with the shipped default
# bundle, in English and Simplified Chinese, under Xvfb. Needs: xvfb imagemagick
# libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 fonts-noto-cjk (apt). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUNDLE="${1:-resources/bundles/default-actions}"
CLIPS=../shared/data/clips
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/kinesight-gui --settings "$TMP/en.ini" --bundle "$BUNDLE" \
  --source "$CLIPS/kinetics_arm_wrestling.mp4" --lang en --screenshot-delay 4 --screenshot "$TMP/main-window-en.png"
LANG=zh_CN.UTF-8 xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/kinesight-gui --settings "$TMP/zh.ini" \
  --bundle "$BUNDLE" --source "$CLIPS/ucf101_apply_eye_makeup.avi" --screenshot-delay 4 \
  --screenshot "$TMP/main-window-zh_CN.png"
for f in main-window-en main-window-zh_CN; do
  # 256-colour PNGs keep each file well under 500 KB.
  convert "$TMP/$f.png" -strip -colors 256 "PNG8:resources/screenshots/$f.png"
done
ls -l resources/screenshots/*.png

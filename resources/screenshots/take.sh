#!/usr/bin/env bash
# Retakes the README screenshots under Xvfb: the main window playing real clips with the shipped
# default bundle, in English and Simplified Chinese, and the dialog for a file that is not a
# video, in both languages. Needs (Debian/Ubuntu): apt-get install xvfb xauth imagemagick
# libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 fonts-noto-cjk (the Chinese UI renders as boxes
# without a CJK font). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUNDLE="${1:-resources/bundles/default-actions}"
CLIPS=../shared/data/clips
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
XVFB=(xvfb-run -a -s "-screen 0 1600x1000x24")
GUI=(.venv/bin/kinesight-gui --bundle "$BUNDLE")
"${XVFB[@]}" "${GUI[@]}" --settings "$TMP/en.ini" --source "$CLIPS/kinetics_arm_wrestling.mp4" --lang en \
  --screenshot-delay 2 --screenshot-at 2 --screenshot "$TMP/main-window-en.png"
LANG=zh_CN.UTF-8 "${XVFB[@]}" "${GUI[@]}" --settings "$TMP/zh.ini" --source "$CLIPS/ucf101_apply_eye_makeup.avi" \
  --lang zh_CN --screenshot-delay 2 --screenshot-at 2 --screenshot "$TMP/main-window-zh_CN.png"
# A file that is not a video: the dialog a user sees (what happened, what to do, details folded).
head -c 4000 /dev/urandom > "$TMP/holiday.mp4"
"${XVFB[@]}" "${GUI[@]}" --settings "$TMP/en.ini" --source "$TMP/holiday.mp4" --lang en \
  --screenshot-of error --screenshot "$TMP/bad-file-dialog-en.png"
LANG=zh_CN.UTF-8 "${XVFB[@]}" "${GUI[@]}" --settings "$TMP/zh.ini" --source "$TMP/holiday.mp4" --lang zh_CN \
  --screenshot-of error --screenshot "$TMP/bad-file-dialog-zh_CN.png"
for f in main-window-en main-window-zh_CN bad-file-dialog-en bad-file-dialog-zh_CN; do
  # 256-colour PNGs keep each file well under 500 KB.
  convert "$TMP/$f.png" -strip -colors 256 "PNG8:resources/screenshots/$f.png"
done
ls -l resources/screenshots/*.png

#!/usr/bin/env bash
# Retakes the README screenshots under Xvfb: the main window playing real clips with the shipped
# default bundle, everyday-actions (the bar above the video names its twelve actions and offers to
# add yours; the clips in ../shared/data show none of them, so it says "unknown"), in English and
# Simplified Chinese; lip mode with the grid-lips bundle on a
# GRID sentence it never trained on (bgbbzn, in its validation split); and the dialog for a file
# that is not a video, in both languages. Needs (Debian/Ubuntu): apt-get install xvfb xauth imagemagick
# libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 fonts-noto-cjk (the Chinese UI renders as boxes
# without a CJK font). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUNDLE="${1:-resources/bundles/everyday-actions}"
CLIPS=../shared/data/clips
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
XVFB=(xvfb-run -a -s "-screen 0 1600x1000x24")
GUI=(.venv/bin/kinesight-gui --bundle "$BUNDLE")
"${XVFB[@]}" "${GUI[@]}" --settings "$TMP/en.ini" --source "$CLIPS/kinetics_arm_wrestling.mp4" --lang en \
  --screenshot-delay 2 --screenshot-at 2 --screenshot "$TMP/main-window-en.png"
LANG=zh_CN.UTF-8 "${XVFB[@]}" "${GUI[@]}" --settings "$TMP/zh.ini" --source "$CLIPS/ucf101_apply_eye_makeup.avi" \
  --lang zh_CN --screenshot-delay 2 --screenshot-at 2 --screenshot "$TMP/main-window-zh_CN.png"
# The Chinese interface on a machine without a CJK font (fontconfig sees DejaVu only): boxes, and
# the status bar's red warning naming the package to install.
mkdir -p "$TMP/fc"
printf '<?xml version="1.0"?><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>%s</cachedir></fontconfig>\n' \
  "$TMP/fc/cache" > "$TMP/fc/fonts.conf"
FONTCONFIG_FILE="$TMP/fc/fonts.conf" LANG=zh_CN.UTF-8 "${XVFB[@]}" "${GUI[@]}" --settings "$TMP/zh-nf.ini" \
  --source "$CLIPS/kinetics_arm_wrestling.mp4" --lang zh_CN --screenshot-delay 2 --screenshot-at 2 \
  --screenshot "$TMP/main-window-zh_CN-no-cjk-font.png"
# Lip mode: the mouth crop with its box, the transcript with the word at the playhead, the words
# and speaking stretches on the timeline. 1.3 s is inside the sentence.
"${XVFB[@]}" .venv/bin/kinesight-gui --bundle resources/bundles/grid-lips --settings "$TMP/lip.ini" \
  --source ../shared/data/grid/s1/video/bgbbzn.mp4 --lang en --screenshot-delay 1 --screenshot-at 1.3 \
  --screenshot "$TMP/lip-mode-en.png"
# The same with "Show lip points (face mesh)" on (remembered in the settings): the lips outlined.
printf '[lips]\npoints=true\n' > "$TMP/lip-points.ini"
"${XVFB[@]}" .venv/bin/kinesight-gui --bundle resources/bundles/grid-lips --settings "$TMP/lip-points.ini" \
  --source ../shared/data/grid/s1/video/bgbbzn.mp4 --lang en --screenshot-delay 1 --screenshot-at 1.3 \
  --screenshot "$TMP/lip-points-en.png"
# A file that is not a video: the dialog a user sees (what happened, what to do, details folded).
head -c 4000 /dev/urandom > "$TMP/holiday.mp4"
"${XVFB[@]}" "${GUI[@]}" --settings "$TMP/en.ini" --source "$TMP/holiday.mp4" --lang en \
  --screenshot-of error --screenshot "$TMP/bad-file-dialog-en.png"
LANG=zh_CN.UTF-8 "${XVFB[@]}" "${GUI[@]}" --settings "$TMP/zh.ini" --source "$TMP/holiday.mp4" --lang zh_CN \
  --screenshot-of error --screenshot "$TMP/bad-file-dialog-zh_CN.png"
# The Teach dialog at its default 900x640 after a real few-shot run (no camera under Xvfb).
"${XVFB[@]}" .venv/bin/python resources/screenshots/take_teach.py en "$TMP/teach-dialog-en.png"
LANG=zh_CN.UTF-8 "${XVFB[@]}" .venv/bin/python resources/screenshots/take_teach.py zh_CN "$TMP/teach-dialog-zh_CN.png"
# A correction: 6-9 s of the arm-wrestling clip taught as "none of these", what changed in amber.
"${XVFB[@]}" .venv/bin/python resources/screenshots/take_correct.py en "$TMP/correct-en.png"
# Model ▸ Rules after the rules fired on a GRID sentence (the lip reader; a temporary user folder).
"${XVFB[@]}" .venv/bin/python resources/screenshots/take_rules.py en "$TMP/rules-dialog-en.png"
LANG=zh_CN.UTF-8 "${XVFB[@]}" .venv/bin/python resources/screenshots/take_rules.py zh_CN "$TMP/rules-dialog-zh_CN.png"
# Hand gestures: the dialog with "Hand gestures" chosen (both languages), and the main window
# playing the make-up clip with the bundle it taught, her hand drawn over the video.
"${XVFB[@]}" .venv/bin/python resources/screenshots/take_teach.py en "$TMP/teach-dialog-hands-en.png" hands "$TMP/gestures"
LANG=zh_CN.UTF-8 "${XVFB[@]}" .venv/bin/python resources/screenshots/take_teach.py zh_CN "$TMP/teach-dialog-hands-zh_CN.png" hands
"${XVFB[@]}" .venv/bin/kinesight-gui --bundle "$TMP/gestures" --settings "$TMP/hands.ini" \
  --source "$CLIPS/ucf101_apply_eye_makeup.avi" --lang en --screenshot-delay 2 --screenshot-at 2 \
  --screenshot "$TMP/hand-gestures-en.png"
for f in main-window-en main-window-zh_CN main-window-zh_CN-no-cjk-font lip-mode-en lip-points-en bad-file-dialog-en \
    bad-file-dialog-zh_CN teach-dialog-en teach-dialog-zh_CN rules-dialog-en rules-dialog-zh_CN teach-dialog-hands-en \
    teach-dialog-hands-zh_CN hand-gestures-en correct-en; do
  # 256-colour PNGs keep each file well under 500 KB.
  convert "$TMP/$f.png" -strip -colors 256 "PNG8:resources/screenshots/$f.png"
done
ls -l resources/screenshots/*.png

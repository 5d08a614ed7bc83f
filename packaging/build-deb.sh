#!/usr/bin/env bash
# Build the packaged Kinesight for Linux x86-64 from this checkout, in one go:
#   dist/kinesight_<version>_amd64.deb              (installs /opt/kinesight, /usr/bin/kinesight{,-gui},
#                                                    a desktop entry and the icon)
#   dist/kinesight-<version>-linux-x86_64.tar.gz    (the same folder, portable: unpack and run)
#
#   bash packaging/build-deb.sh              # default package: CPU ONNX Runtime
#   KINESIGHT_VARIANT=gpu bash packaging/build-deb.sh
#       # GPU variant: dist/kinesight-gpu_<version>_amd64.deb (+ tar.gz) with onnxruntime-gpu; it
#       # uses CUDA 13 + cuDNN 9 from the system (it does not carry them) and otherwise runs on the
#       # CPU, with the missing library named in the status bar and by `kinesight info`.
#
# Options (environment): PYTHON (default python3.11), KINESIGHT_BUILD_VENV (the build environment,
# default build/pkg-venv-<variant>; reused when it exists), KINESIGHT_NO_TARBALL=1 (skip the tar.gz),
# KINESIGHT_DEB_COMPRESSION (dpkg-deb -Z: zstd (default; level 3: as small as gzip -9, 4x faster), gzip, xz).
#
# The build environment is a fresh venv with only the app's own dependencies, installed from the
# lock (requirements/package-cpu.txt or package-gpu.txt; see packaging/lock.sh):
# never the developer venv, whose PyTorch and onnxruntime-gpu would otherwise be frozen in.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VARIANT=${KINESIGHT_VARIANT:-cpu}
PYTHON=${PYTHON:-python3.11}
VENV=${KINESIGHT_BUILD_VENV:-build/pkg-venv-$VARIANT}
COMPRESSION=${KINESIGHT_DEB_COMPRESSION:-zstd}
case "$VARIANT" in
  cpu) PKG=kinesight; CONFLICTS=kinesight-gpu ;;
  # onnxruntime-gpu alone, not the [gpu] extra: the NVIDIA pip libraries (about 1.5 GB) would
  # not be found by the frozen app anyway; the system's CUDA 13 / cuDNN 9 are.
  gpu) PKG=kinesight-gpu; CONFLICTS=kinesight ;;
  *) echo "build-deb.sh: KINESIGHT_VARIANT must be cpu or gpu, not '$VARIANT'" >&2; exit 2 ;;
esac
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb is missing (apt-get install dpkg)" >&2; exit 2; }

VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=amd64
echo "build-deb.sh: $PKG $VERSION ($VARIANT) with $("$PYTHON" --version)"
t0=$(date +%s)

# 1. Build environment: the app's dependencies (+ PyInstaller) exactly as locked in
# requirements/package-<variant>.txt (packaging/lock.sh), then Kinesight itself for its metadata.
LOCK=requirements/package-$VARIANT.txt
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --no-deps -r "$LOCK"
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation --force-reinstall .
for banned in torch onnxruntime-gpu onnxruntime; do
  # Exactly one ONNX Runtime, never torch (an old venv may hold leftovers of the other variant).
  want=$([ "$VARIANT" = gpu ] && echo onnxruntime-gpu || echo onnxruntime)
  if [ "$banned" != "$want" ] && "$VENV/bin/python" -m pip show -q "$banned" >/dev/null 2>&1; then
    echo "build-deb.sh: the build env $VENV holds $banned; remove the folder and rerun" >&2; exit 1
  fi
done
t1=$(date +%s)

# 2. Freeze: one folder, build/frozen-<variant>/kinesight.
FROZEN=build/frozen-$VARIANT
"$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$FROZEN" --workpath "build/pyinstaller-$VARIANT" packaging/kinesight.spec
APP=$FROZEN/kinesight
if [ -n "$(find "$APP" -maxdepth 3 -iname 'torch*' -print -quit)" ]; then
  echo "build-deb.sh: PyTorch ended up in $APP; check packaging/kinesight.spec's excludes" >&2; exit 1
fi
"$APP/kinesight" --version >/dev/null  # the frozen executable starts at all
# Every native library loads and works after packaging/slim.py re-linked and stripped them.
if ! check=$(QT_QPA_PLATFORM=offscreen "$APP/kinesight" --kinesight-selfcheck 2>&1); then
  echo "$check" >&2; echo "build-deb.sh: the frozen app's self-check failed" >&2; exit 1
fi
t2=$(date +%s)

# 3. The .deb: stage the file tree, then dpkg-deb.
STAGE=build/deb-$VARIANT/root
rm -rf "build/deb-$VARIANT"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/doc/$PKG"
cp -a "$APP" "$STAGE/opt/kinesight"
# Symlinks, not wrapper scripts: the entry dispatches on the name it was called by.
ln -s /opt/kinesight/kinesight "$STAGE/usr/bin/kinesight"
ln -s /opt/kinesight/kinesight-gui "$STAGE/usr/bin/kinesight-gui"
install -m 644 resources/icons/kinesight.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/kinesight.svg"
install -m 644 packaging/linux/kinesight.desktop "$STAGE/usr/share/applications/kinesight.desktop"
install -m 644 packaging/linux/copyright "$STAGE/usr/share/doc/$PKG/copyright"
# Debian wants 0755 directories and no group/world-writable files.
find "$STAGE" -type d -exec chmod 755 {} +
INSTALLED_KB=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
# Depends: the system libraries the folder's Qt, OpenCV, PyAV and ONNX Runtime libraries link
# against and that the build does not carry (checked with ldd over every .so in the folder;
# tests/packaging/test_deb.py re-checks on the installed package that nothing is "not found").
# Qt's xcb platform plugin is most of them; the offscreen plugin needs none beyond the basics.
# The copied system libraries need at least the build machine's glibc.
# awk reads all of ldd's output: `| head -1` made ldd die of SIGPIPE now and then, which
# pipefail + set -e turned into a silent exit 141 of the whole build.
GLIBC=$(ldd --version | awk 'NR == 1 {print $NF}')
DEPENDS=$(grep -v '^#' packaging/linux/depends.txt | grep -v '^ *$' | sed "s/^libc6 .*/libc6 (>= $GLIBC)/" \
  | paste -sd, - | sed 's/,/, /g')
cat > "$STAGE/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: Kinesight developers <kinesight@example.org>
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Recommends: fonts-noto-cjk | fonts-wqy-microhei
Conflicts: $CONFLICTS
Replaces: $CONFLICTS
Section: video
Priority: optional
Homepage: https://example.org/kinesight
Description: real-time video action recognition desktop app
 Kinesight watches a webcam or a video file and shows, live, what the person in it is doing;
 it analyses whole files offline and can be taught new actions from a few clips.
 This package carries its own Python, Qt (PySide6) and ONNX Runtime ($VARIANT build) in
 /opt/kinesight; it needs no Python installation and no PyTorch.
EOF
mkdir -p dist
DEB=dist/${PKG}_${VERSION}_${ARCH}.deb
# --root-owner-group: files owned by root in the package whoever builds it.
# zstd needs dpkg >= 1.21.18 to install (Debian 12, Ubuntu 21.10+), which the glibc floor above implies.
dpkg-deb --root-owner-group -Z"$COMPRESSION" $([ "$COMPRESSION" = zstd ] && echo -z3) --build "$STAGE" "$DEB" >/dev/null
t3=$(date +%s)

# 4. The portable tar.gz of the same folder.
TARBALL=""
if [ "${KINESIGHT_NO_TARBALL:-0}" != 1 ]; then
  SUFFIX=$([ "$VARIANT" = gpu ] && echo "-gpu" || echo "")
  TARBALL=dist/kinesight${SUFFIX}-${VERSION}-linux-x86_64.tar.gz
  tar -C "$FROZEN" --owner=0 --group=0 -czf "$TARBALL" --transform "s,^kinesight,kinesight${SUFFIX}-${VERSION},S" kinesight
fi
t4=$(date +%s)

echo "build-deb.sh: wrote $DEB ($(du -h "$DEB" | cut -f1), installed $((INSTALLED_KB / 1024)) MB)"
[ -n "$TARBALL" ] && echo "build-deb.sh: wrote $TARBALL ($(du -h "$TARBALL" | cut -f1))"
echo "build-deb.sh: times: build env $((t1 - t0)) s, freeze $((t2 - t1)) s, deb $((t3 - t2)) s, tar.gz $((t4 - t3)) s"
# Last line: what the package weighs against its budget, and any slimming step that did not apply
# (packaging/slim.py lists them), so a missed budget has its cause in view.
BUDGET_MB=350
SKIPPED=$(paste -sd';' "$FROZEN/slim-skipped.txt" 2>/dev/null || echo "slim.py left no report")
if [ -n "$SKIPPED" ]; then
  echo "build-deb.sh: installed $((INSTALLED_KB / 1024)) MB (budget $BUDGET_MB MB); SLIMMING SKIPPED: $SKIPPED"
else
  echo "build-deb.sh: installed $((INSTALLED_KB / 1024)) MB (budget $BUDGET_MB MB); every slimming step applied"
fi

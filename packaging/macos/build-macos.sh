#!/usr/bin/env bash
# Build the macOS app: dist/kinesight-<version>-macos-<arch>.dmg holding Kinesight.app.
# Cannot be run here (no Mac): CI runs it on macos-14 (.github/workflows/package.yml).
# The same steps as packaging/build-deb.sh: a fresh venv with the app's dependencies only
# (.[cpu,package]: onnxruntime is the only build there, never PyTorch), PyInstaller with
# packaging/kinesight.spec (which makes Kinesight.app on macOS), then a compressed .dmg.
# Unsigned: Gatekeeper asks the first time (right-click ▸ Open); signing and notarisation need
# an Apple developer identity (codesign_identity in the spec, then `xcrun notarytool`).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3.11}
VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
VENV=build/pkg-venv-cpu
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade ".[cpu,package]"
"$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN --distpath build/frozen-cpu \
  --workpath build/pyinstaller-cpu packaging/kinesight.spec
APP=build/frozen-cpu/Kinesight.app
if find "$APP" -iname 'torch*' | grep -q .; then echo "PyTorch ended up in $APP" >&2; exit 1; fi
"$APP/Contents/MacOS/kinesight" --version
mkdir -p dist
DMG=dist/kinesight-${VERSION}-macos-$(uname -m).dmg
STAGE=$(mktemp -d)
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"  # drag-to-install
hdiutil create -volname "Kinesight $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"
echo "wrote $DMG ($(du -h "$DMG" | cut -f1))"

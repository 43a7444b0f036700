#!/usr/bin/env bash
# macOS: build AskShot.app with PyInstaller, smoke-test it, and wrap it in
# dist/AskShot-<version>.dmg (drag to the Applications link inside).
#   PYTHON=.venv/bin/python packaging/macos/make_dmg.sh      (or: make package)
# The spec makes the .icns from resources/askshot.svg with iconutil and writes the
# Info.plist (bundle id app.askshot.AskShot, version, NSScreenCaptureUsageDescription).
# The app is ad-hoc signed by PyInstaller, not notarized: the first start needs
# right-click > Open. To ship it, sign with a Developer ID and notarize:
#   codesign --deep --force --options runtime --sign "Developer ID Application: ..." AskShot.app
#   xcrun notarytool submit dist/AskShot-<version>.dmg --wait ...; xcrun stapler staple ...
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
WORK=build/askshot-package

"$PY" -c 'import PyInstaller' 2>/dev/null || "$PY" -m pip install -q "pyinstaller>=6.10,<7"
version=$("$PY" -I -c 'from importlib.metadata import version; print(version("askshot"))')

"$PY" -I -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$WORK/dist" --workpath build/pyinstaller packaging/askshot.spec
app=$WORK/dist/AskShot.app
/usr/libexec/PlistBuddy -c "Print :NSScreenCaptureUsageDescription" "$app/Contents/Info.plist" >/dev/null
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/askshot" --self-test

stage=$WORK/dmg
rm -rf "$stage"
mkdir -p "$stage" dist
ditto "$app" "$stage/AskShot.app"  # keeps symlinks, permissions and signatures
ln -s /Applications "$stage/Applications"
dmg=dist/AskShot-$version.dmg
hdiutil create -volname "AskShot $version" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"
echo "make_dmg: $dmg ($(du -h "$dmg" | cut -f1))"

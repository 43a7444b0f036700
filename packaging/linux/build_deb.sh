#!/usr/bin/env bash
# Build dist/askshot_<version>_<arch>.deb: the PyInstaller folder under /opt/askshot,
# /usr/bin/askshot, the menu entry and the hicolor icons.
#   PYTHON=.venv/bin/python packaging/linux/build_deb.sh
# PYTHON must have AskShot installed (pip install -e . is fine); PyInstaller is
# installed into it when missing. Prints the .deb's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
WORK=build/askshot-package
ROOT=$WORK/deb

need_tools() {  # readelf (binutils) for deb_depends.py, desktop-file-validate for the entry
  local missing=()
  command -v readelf >/dev/null || missing+=(binutils)
  command -v desktop-file-validate >/dev/null || missing+=(desktop-file-utils)
  command -v dpkg-deb >/dev/null || missing+=(dpkg)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "build_deb: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  else
    echo "build_deb: missing tools; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}
need_tools

"$PY" -c 'import PyInstaller' 2>/dev/null || "$PY" -m pip install -q "pyinstaller>=6.10,<7"

# -I everywhere: the checkout's own askshot.egg-info (setuptools leaves it there) must
# not shadow the installed metadata the version and copy_metadata("askshot") come from.
# PEP 440 pre-releases sort before the release in Debian only with a tilde: 1.0rc1 -> 1.0~rc1.
version=$("$PY" -I - <<'EOF'
import re
from importlib.metadata import version
print(re.sub(r"^(\d+(?:\.\d+)*)\.?((?:a|b|rc|dev)\d+)", r"\1~\2", version("askshot")))
EOF
)
arch=$(dpkg --print-architecture)
deb=dist/askshot_${version}_${arch}.deb

start=$SECONDS
"$PY" -I -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$WORK/dist" --workpath build/pyinstaller packaging/askshot.spec
bundle=$WORK/dist/askshot
echo "build_deb: PyInstaller folder ready in $((SECONDS - start)) s ($(du -sh "$bundle" | cut -f1))"

depends=$("$PY" packaging/linux/deb_depends.py "$bundle")

rm -rf "$ROOT"
mkdir -p "$ROOT/DEBIAN" "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/usr/share/applications" \
  "$ROOT/usr/share/icons"
cp -a "$bundle" "$ROOT/opt/askshot"
ln -s /opt/askshot/askshot "$ROOT/usr/bin/askshot"  # the launcher finds _internal via /proc/self/exe
install -m 644 resources/askshot.desktop "$ROOT/usr/share/applications/askshot.desktop"
cp -r "$WORK/hicolor" "$ROOT/usr/share/icons/hicolor"  # rendered by the spec from the SVG
desktop-file-validate "$ROOT/usr/share/applications/askshot.desktop"
install -m 755 packaging/linux/postinst packaging/linux/postrm "$ROOT/DEBIAN/"
chmod -R u+rwX,go+rX,go-w "$ROOT"

installed_kb=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
cat >"$ROOT/DEBIAN/control" <<EOF
Package: askshot
Version: $version
Architecture: $arch
Maintainer: AskShot developers <askshot@askshot.invalid>
Installed-Size: $installed_kb
Depends: $depends
Recommends: fonts-dejavu-core | fonts-liberation2 | fonts-noto-core, hicolor-icon-theme, tesseract-ocr
Suggests: gnome-keyring | keepassxc, xdg-desktop-portal
Section: utils
Priority: optional
Homepage: https://askshot.invalid/
Description: ask a vision model about a screenshot
 AskShot grabs a region of the screen (or a pasted, dropped or opened image),
 sends it with your question to GPT-4o mini or any OpenAI-compatible endpoint,
 and streams the answer, showing what each question cost in tokens and dollars.
 API keys are kept in the desktop's keyring (Secret Service).
 .
 The same program answers on the command line: askshot ask -i IMAGE QUESTION.
EOF

mkdir -p dist
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$deb" >/dev/null
echo "build_deb: $deb ($(du -h "$deb" | cut -f1), installed ${installed_kb} KiB) in $((SECONDS - start)) s"
echo "$deb"

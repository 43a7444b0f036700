#!/usr/bin/env bash
# Install the Debian/Ubuntu packages AskShot needs, when they are missing and we
# may (root, or sudo without a password). Otherwise say what to install and go
# on: tests that need a missing tool skip themselves with the reason.
#   packaging/system-deps.sh run    Qt's xcb platform libraries, and Tesseract for local OCR
#   packaging/system-deps.sh test   the above plus Xvfb, xclip, xdotool, ImageMagick, keyring, D-Bus
set -u
what=${1:-run}

run_pkgs=(libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1
  tesseract-ocr)
# tesseract-ocr reads text in images locally (the secret finder, `askshot ocr`); it
# depends on tesseract-ocr-eng, the English data, so no-install-recommends still gets it.
# imagemagick: its `import` takes the window screenshots two Xvfb tests look at.
test_pkgs=(xvfb xauth xclip xdotool x11-xserver-utils gnome-keyring dbus dbus-x11
  libsecret-tools fonts-dejavu-core imagemagick)

pkgs=("${run_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian/Ubuntu system; install Qt's platform libraries and Tesseract yourself (see README)." >&2
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "system-deps: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 0
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  "${sudo[@]}" apt-get update -qq >/dev/null 2>&1
  # Install one by one so a package this release lacks does not block the rest.
  for p in "${missing[@]}"; do
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 \
      || echo "system-deps: could not install $p; the tests that need it will be skipped" >&2
  done
fi
exit 0

#!/usr/bin/env bash
# `make package`: build the installable package for this platform.
#   Linux   dist/askshot_<version>_<arch>.deb   (packaging/linux/build_deb.sh)
#   macOS   dist/AskShot-<version>.dmg          (packaging/macos/make_dmg.sh)
#   Windows see packaging/windows/askshot.iss (PyInstaller, then Inno Setup's iscc)
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHON=${PYTHON:-.venv/bin/python}
case "$(uname -s)" in
  Linux) exec packaging/linux/build_deb.sh ;;
  Darwin) exec packaging/macos/make_dmg.sh ;;
  *)
    echo "build: on Windows run, in the project folder:" >&2
    echo "  py -m pip install . \"pyinstaller>=6.10,<7\"" >&2
    echo "  py -m PyInstaller --noconfirm --distpath dist\\pyinstaller packaging\\askshot.spec" >&2
    echo "  iscc packaging\\windows\\askshot.iss" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# CI packaging test: build the .deb, install it, use it as a person would, remove it.
#   packaging/test_deb.sh            (or: make package-test)
# Needs root (dpkg -i) and the project venv (.venv, or PYTHON=...). Builds with
# packaging/linux/build_deb.sh, validates the menu entry, installs with dpkg (then
# apt-get -f for missing libraries), runs /usr/bin/askshot --self-test and a real
# `askshot ask` against the test server on 127.0.0.1, then removes the package and
# checks nothing is left behind. The package is removed on any exit.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
start=$SECONDS
passed=0
failed=0
server_pid=""
installed_here=0
scratch=$(mktemp -d /tmp/askshot-deb-test.XXXXXX)

say() { echo "test_deb: $*"; }
ok() { passed=$((passed + 1)); say "ok    $1"; }
fail() { failed=$((failed + 1)); say "FAIL  $1"; }
check() {  # check NAME COMMAND...: run, count, keep going
  local name=$1
  shift
  if "$@" >"$scratch/last.log" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/    /' "$scratch/last.log"; fi
}
finish() {
  say "$passed passed, $failed failed"
  exit $((failed > 0))
}
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  if [ "$installed_here" = 1 ] && dpkg-query -W askshot >/dev/null 2>&1; then
    dpkg -P askshot >/dev/null 2>&1
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
  say "needs root for dpkg -i; run it as root (CI does)"
  exit 1
fi
if [ ! -x "$PY" ]; then
  say "no Python at $PY; run 'make package-test' (it creates .venv) or set PYTHON"
  exit 1
fi
if dpkg-query -W -f='${Status}' askshot 2>/dev/null | grep -q "install ok installed"; then
  if [ "${CI:-}" = true ]; then
    say "removing askshot left installed by an earlier, interrupted run"
    dpkg -P askshot >/dev/null
  else
    say "askshot is already installed on this machine; remove it first (dpkg -r askshot)"
    exit 1
  fi
fi

# --- build ---------------------------------------------------------------------------
if ! PYTHON=$PY packaging/linux/build_deb.sh >"$scratch/build.log" 2>&1; then
  grep -v "required via ctypes\|only basenames are supported" "$scratch/build.log"
  fail "build the .deb"
  finish
fi
grep "^build_deb:" "$scratch/build.log"
deb=$(tail -n 1 "$scratch/build.log")
ok "build $deb ($((SECONDS - start)) s)"

dpkg-deb -x "$deb" "$scratch/unpacked"
check "desktop-file-validate askshot.desktop" \
  desktop-file-validate "$scratch/unpacked/usr/share/applications/askshot.desktop"

# --- install -------------------------------------------------------------------------
installed_here=1
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -i "$deb" >"$scratch/install.log" 2>&1; then
  # Missing libraries: let apt bring them (and finish configuring askshot).
  apt-get -f install -y -qq >>"$scratch/install.log" 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get -f install -y -qq >>"$scratch/install.log" 2>&1; }
fi
if ! dpkg-query -W -f='${Status}' askshot 2>/dev/null | grep -q "install ok installed"; then
  cat "$scratch/install.log"
  fail "dpkg -i $deb"
  finish
fi
ok "dpkg -i $deb"

check "menu entry and icons in place" test -f /usr/share/applications/askshot.desktop \
  -a -x /usr/bin/askshot -a -f /usr/share/icons/hicolor/48x48/apps/askshot.png \
  -a -f /usr/share/icons/hicolor/scalable/apps/askshot.svg
icon_name=$(sed -n 's/^Icon=//p' /usr/share/applications/askshot.desktop)
check "the entry's Icon=$icon_name is in hicolor" test -f "/usr/share/icons/hicolor/256x256/apps/$icon_name.png"

# A throw-away profile; the key never reaches a keyring or a file.
export ASKSHOT_CONFIG_DIR=$scratch/config ASKSHOT_DATA_DIR=$scratch/data
export QT_QPA_PLATFORM=offscreen OPENAI_API_KEY=sk-test-not-real
unset OPENAI_BASE_URL
version=$("$PY" -I -c 'from importlib.metadata import version; print(version("askshot"))')
check "askshot --version says $version" sh -c "/usr/bin/askshot --version | grep -qF '$version'"
check "askshot --self-test" timeout 120 /usr/bin/askshot --self-test

# --- a real question against the test server ----------------------------------------
coproc SERVER { exec "$PY" -u -m tests.openai_server --port 0 2>"$scratch/server.log"; }
server_pid=$SERVER_PID
base_url=""
if read -r -t 30 -u "${SERVER[0]}" line; then
  base_url=$(echo "$line" | grep -o 'http://[^ ]*')
fi
if [ -z "$base_url" ]; then
  fail "start the test server (python -m tests.openai_server)"
else
  image=/usr/share/icons/hicolor/64x64/apps/askshot.png
  timeout 60 /usr/bin/askshot ask -i "$image" --base-url "$base_url" \
    "What is in this picture?" >"$scratch/answer.txt" 2>"$scratch/answer.err"
  rc=$?
  if [ $rc -eq 0 ] && grep -q "1 image" "$scratch/answer.txt" && grep -q "64×64" "$scratch/answer.txt"; then
    ok "askshot ask -i askshot.png streams the answer ($(tail -n 1 "$scratch/answer.err"))"
  else
    fail "askshot ask (exit $rc)"
    sed 's/^/    /' "$scratch/answer.txt" "$scratch/answer.err"
  fi
fi
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=""

# --- remove --------------------------------------------------------------------------
check "dpkg -r askshot" dpkg -r askshot
# -r keeps the package's record (its postrm could still be asked to purge); drop it too.
dpkg -P askshot >/dev/null 2>&1
left=()
for path in /opt/askshot /usr/bin/askshot /usr/share/applications/askshot.desktop \
  /usr/share/icons/hicolor/*/apps/askshot.png /usr/share/icons/hicolor/scalable/apps/askshot.svg; do
  [ -e "$path" ] || [ -L "$path" ] && left+=("$path")
done
dpkg-query -W askshot >/dev/null 2>&1 && left+=("dpkg's record of askshot")
if [ ${#left[@]} -eq 0 ]; then ok "nothing left behind"; else fail "left behind: ${left[*]}"; fi
installed_here=0

say "took $((SECONDS - start)) s"
finish

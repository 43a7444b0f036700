#!/usr/bin/env bash
# A separate venv with the LiteLLM proxy, for the gateway tests (tests/test_gateway_litellm.py).
#   packaging/litellm-venv.sh [DIR]     DIR defaults to .venv-litellm in the repository
# Kept apart from .venv: the proxy pins its own versions of openai, httpx, pydantic and
# fastapi, which must not move AskShot's. Idempotent (a marker file names the version),
# quiet, and it always exits 0: when it cannot install, it says why and the tests skip.
set -u

# Pinned on purpose, never "latest": LiteLLM releases 1.82.7, 1.82.8 and 1.107.0 on PyPI
# were compromised, so stay well below 1.82.7. 1.74.15.post2 is a mid-2025 release that
# installs on Python 3.11 from wheels alone and whose proxy speaks the OpenAI wire we test.
VERSION=1.74.15.post2

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/.venv-litellm}
marker=$dir/.litellm-$VERSION
python=${PYTHON:-python3}

[ -f "$marker" ] && [ -x "$dir/bin/litellm" ] && exit 0

say() { echo "litellm-venv: $*" >&2; }

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
  say "needs Python 3.9 or newer as $python; the gateway tests will skip."
  exit 0
fi
if ! "$python" -m venv "$dir" >/dev/null 2>&1; then
  say "could not create a venv in $dir (is python3-venv installed?); the gateway tests will skip."
  exit 0
fi
log=$dir/install.log
say "installing litellm[proxy]==$VERSION into $dir (a few minutes, once)"
if ! "$dir/bin/python" -m pip install -q --disable-pip-version-check \
  "litellm[proxy]==$VERSION" >"$log" 2>&1; then
  say "pip could not install litellm[proxy]==$VERSION (see $log); the gateway tests will skip."
  exit 0
fi
rm -f "$dir"/.litellm-*
touch "$marker"
say "ready: $dir/bin/litellm"
exit 0

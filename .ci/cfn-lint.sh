#!/usr/bin/env bash
# Runs cfn-lint 1.51 on the given templates. Uses the one on PATH when it is 1.51.x; otherwise installs that
# version into a virtualenv under the user's cache directory once (pip, from PyPI) and uses it from then on.
set -euo pipefail

want="1.51"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/turbo/cfn-lint-$want"

version_of() { "$1" --version 2>/dev/null | awk '{print $2}'; }

if command -v cfn-lint >/dev/null 2>&1 && [[ "$(version_of cfn-lint)" == "$want".* ]]; then
  exec cfn-lint "$@"
fi
if [[ ! -x "$venv/bin/cfn-lint" ]]; then
  command -v python3 >/dev/null 2>&1 || { echo "cfn-lint $want is not installed and python3 is missing to install it" >&2; exit 127; }
  echo "cfn-lint $want is not on PATH: installing it into $venv" >&2
  python3 -m venv "$venv" >&2 || { echo "cfn-lint: could not create a virtualenv at $venv (python3-venv missing?)" >&2; exit 127; }
  "$venv/bin/pip" install --quiet "cfn-lint==$want.*" >&2 || { echo "cfn-lint: pip could not install cfn-lint==$want.*" >&2; exit 127; }
fi
exec "$venv/bin/cfn-lint" "$@"

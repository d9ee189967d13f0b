#!/usr/bin/env bash
# Installs the system tools that `npm test` needs on Debian or Ubuntu (run as root, or with sudo):
# the ones in scripts/dev-tools.txt that Debian packages. .ci/run calls it too.
# Terraform and kubectl are not Debian packages: tools/realsvc/build.sh builds them with Go (README, Quick start).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
while read -r command package _; do
  case "$command" in '' | '#'*) continue ;; esac
  # "-": a tool that build.sh builds.
  if [ "$package" != "-" ]; then packages+=("$package"); fi
done < scripts/dev-tools.txt

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-dev: no apt-get here; install these packages with your system's package manager: ${packages[*]}" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "setup-dev: installed ${packages[*]}"

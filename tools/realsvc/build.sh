#!/usr/bin/env bash
# Finds or builds the real services the tests run (README "Tests: real services"):
#   etcd, kube-apiserver and kube-controller-manager   Go, from the modules in tools/realsvc/{etcd,kube}
#   kubectl                                            Go, from tools/realsvc/kube (the same release)
#   ferretdb (SQLite backend)                          Go, from tools/realsvc/ferretdb
#   terraform                                          Go, from tools/realsvc/terraform
#   checkov                                            Python, into a virtual environment
# into a cache outside the repository: TURBO_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/turbo. A binary is
# rebuilt only when its module's go.mod/go.sum or the Go version change. Progress goes to stderr; with --json
# the paths are printed on stdout as one JSON object (what tests/support/realsvc reads).
# The tests reach kubectl and terraform through that JSON too (the scripts' harness links them into the PATH it
# gives the job scripts), never a machine's own, so every machine tests with the same versions.
# Usage: tools/realsvc/build.sh [--json] [etcd|kube|ferretdb|terraform|checkov]...   (no tool named: all of them)
set -euo pipefail

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${TURBO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/turbo}"
CHECKOV_REQUIREMENTS="$TOOLS_DIR/requirements.txt"

say() { echo "realsvc: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

find_go() {
  # CI images put Go in /usr/local/go/bin without adding it to PATH (scripts/check-tools.cjs looks in the same places).
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  if [[ -x "${GOROOT:-/usr/local/go}/bin/go" ]]; then echo "${GOROOT:-/usr/local/go}/bin/go"; return; fi
  die "Go (1.26 or newer) is not installed or not on PATH. The tests build etcd, kube-apiserver, kube-controller-manager," \
    "kubectl, FerretDB and terraform with it: see README.md, \"Quick start\" (prerequisites) and \"Tests\"."
}

find_python() {
  command -v python3 >/dev/null 2>&1 ||
    die "python3 (3.9 or newer, with venv) is not installed or not on PATH. The tests install checkov with it:" \
      "see README.md, \"Quick start\" (prerequisites) and \"Tests\"."
  command -v python3
}

# build_go TOOL PACKAGE... : each package's main into $CACHE/bin/TOOL-<version>-<key>/, named after the package
# (PACKAGE=name:import/path names it explicitly). Sets BUILT_DIR.
build_go() {
  local tool="$1"; shift
  local module_dir="$TOOLS_DIR/$tool" key version ldflags='-s -w' dir missing=() spec name package started modfile=()
  version="$(awk '$1 == "require" && NF == 3 { print $3; exit }' "$module_dir/go.mod")"
  if [[ "$tool" == ferretdb ]]; then
    ferretdb_source "$module_dir" "$version"
    modfile=(-modfile="$FERRETDB_MODFILE")
  fi
  if [[ "$tool" == kube ]]; then
    # What Kubernetes' own build stamps in, so that /version (and kubectl) see the real release.
    ldflags+=" -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1"
    ldflags+=" -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$version") -X k8s.io/component-base/version.gitTreeState=clean"
  fi
  # As HashiCorp's release build does: without it the binary calls itself a "-dev" build.
  [[ "$tool" == terraform ]] && ldflags+=" -X github.com/hashicorp/terraform/version.dev=no"
  key="$( (cat "$module_dir/go.mod" "$module_dir/go.sum"; "$GO" version; echo "$ldflags ${modfile[*]}") | sha256sum | cut -c1-12)"
  dir="$CACHE/bin/$tool-$version-$key"
  for spec in "$@"; do [[ -x "$dir/${spec%%:*}" ]] || missing+=("$spec"); done
  if ((${#missing[@]} == 0)); then
    say "$tool $version: cached in $dir"
  else
    say "$tool $version: building ${missing[*]%%:*} with $("$GO" version | cut -d' ' -f3) into $dir (the first build takes minutes)"
    mkdir -p "$dir"
    for spec in "${missing[@]}"; do
      name="${spec%%:*}" package="${spec#*:}" started=$SECONDS
      (cd "$module_dir" && GOFLAGS=-mod=readonly "$GO" build "${modfile[@]}" -trimpath -ldflags="$ldflags" -o "$dir/$name.partial" "$package") ||
        die "go build of $package failed (module $module_dir)"
      mv "$dir/$name.partial" "$dir/$name"
      say "$tool $version: built $name in $((SECONDS - started)) s"
    done
  fi
  BUILT_DIR="$dir"
}

# FerretDB reads its version from build/version/version.txt, which its release tooling writes and the module zip
# lacks (the binary panics without it). As FerretDB's docs say, write it: into a copy of the module source under
# the cache, used through a go.mod beside it that replaces the module with that copy. Sets FERRETDB_MODFILE.
ferretdb_source() {
  local module_dir="$1" version="$2" src="$CACHE/src/ferretdb-$2" original
  if [[ ! -f "$src/build/version/version.txt" ]]; then
    original="$(cd "$module_dir" && "$GO" mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [[ -d "$original" ]] || die "could not download github.com/FerretDB/FerretDB@$version"
    rm -rf "$src.partial" && mkdir -p "$CACHE/src" && cp -R "$original" "$src.partial" && chmod -R u+w "$src.partial"
    echo "$version" >"$src.partial/build/version/version.txt"
    mv "$src.partial" "$src"
  fi
  mkdir -p "$CACHE/src/ferretdb-modfile"
  FERRETDB_MODFILE="$CACHE/src/ferretdb-modfile/go.mod"
  cp "$module_dir/go.sum" "$CACHE/src/ferretdb-modfile/go.sum"
  { cat "$module_dir/go.mod"; echo "replace github.com/FerretDB/FerretDB => $src"; } >"$FERRETDB_MODFILE"
}

ensure_checkov() {
  local python="$1" key venv
  key="$( (cat "$CHECKOV_REQUIREMENTS"; "$python" --version) | sha256sum | cut -c1-12)"
  venv="$CACHE/venv/checkov-$key"
  if [[ -x "$venv/bin/checkov" ]]; then
    say "checkov: cached in $venv"
  else
    say "checkov: installing $(grep -v '^#' "$CHECKOV_REQUIREMENTS" | tr '\n' ' ')into a virtual environment at $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv" || die "python3 -m venv failed: install Python's venv module (Debian: apt-get install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$CHECKOV_REQUIREMENTS" >&2 || die "pip could not install checkov"
  fi
  CHECKOV="$venv/bin/checkov"
}

main() {
  local json=false wanted=() entries=()
  for arg in "$@"; do
    case "$arg" in
      --json) json=true ;;
      etcd | kube | ferretdb | terraform | checkov) wanted+=("$arg") ;;
      *) die "unknown argument '$arg' (usage: build.sh [--json] [etcd|kube|ferretdb|terraform|checkov]...)" ;;
    esac
  done
  ((${#wanted[@]})) || wanted=(etcd kube ferretdb terraform checkov)
  # Both prerequisites are checked before anything is built, so a missing one fails at once.
  if [[ " ${wanted[*]} " =~ \ (etcd|kube|ferretdb|terraform)\  ]]; then GO="$(find_go)"; fi
  if [[ " ${wanted[*]} " == *" checkov "* ]]; then PYTHON="$(find_python)"; fi
  mkdir -p "$CACHE"
  # One build at a time, also when several jest workers or checkouts ask at once.
  exec 9>"$CACHE/build.lock"
  flock 9

  for tool in "${wanted[@]}"; do
    case "$tool" in
      etcd)
        build_go etcd etcd:go.etcd.io/etcd/server/v3
        entries+=("\"etcd\":\"$BUILT_DIR/etcd\"")
        ;;
      kube)
        build_go kube kube-apiserver:k8s.io/kubernetes/cmd/kube-apiserver \
          kube-controller-manager:k8s.io/kubernetes/cmd/kube-controller-manager \
          kubectl:k8s.io/kubernetes/cmd/kubectl
        entries+=("\"kubeApiserver\":\"$BUILT_DIR/kube-apiserver\"" "\"kubeControllerManager\":\"$BUILT_DIR/kube-controller-manager\""
          "\"kubectl\":\"$BUILT_DIR/kubectl\"")
        ;;
      ferretdb)
        build_go ferretdb ferretdb:github.com/FerretDB/FerretDB/cmd/ferretdb
        entries+=("\"ferretdb\":\"$BUILT_DIR/ferretdb\"")
        ;;
      terraform)
        build_go terraform terraform:github.com/hashicorp/terraform
        entries+=("\"terraform\":\"$BUILT_DIR/terraform\"")
        ;;
      checkov)
        ensure_checkov "$PYTHON"
        entries+=("\"checkov\":\"$CHECKOV\"")
        ;;
    esac
  done
  if $json; then
    local IFS=,
    echo "{${entries[*]}}"
  fi
}

main "$@"

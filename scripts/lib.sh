# shellcheck shell=bash
# Shared helpers for the job scripts (terraform.sh, deploy.sh) and the buildspecs' tool installer.
# Every job logs to stderr with a timestamp and, when it fails, ends with one line that says why.

# The developer name becomes a cluster name, a state key and a shell argument: the same rule as
# turbo.config.yml (functions/core/config.ts: DNS_LABEL and MAX_DEVELOPER_NAME).
readonly DEVELOPER_NAME_PATTERN='^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'
readonly MAX_DEVELOPER_NAME=24

TURBO_JOB="${TURBO_JOB:-$(basename "$0" .sh)}"
CURRENT_STEP="starting"

log() {
  printf '%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TURBO_JOB" "$*" >&2
}

# Prints the reason as the last line of the job's output and stops.
fail() {
  REASON_GIVEN=1
  printf 'ERROR: %s: %s\n' "$TURBO_JOB" "$*" >&2
  exit 1
}

# Runs on every exit: removes the scratch directory and, when set -e stopped the script on an
# unexpected command, still leaves a reason as the last line.
on_exit() {
  local status=$?
  if [[ -n "${WORKDIR:-}" ]]; then
    rm -rf "$WORKDIR"
  fi
  if ((status != 0)) && [[ -z "${REASON_GIVEN:-}" ]]; then
    printf 'ERROR: %s: %s failed (exit %d)\n' "$TURBO_JOB" "$CURRENT_STEP" "$status" >&2
  fi
}
trap on_exit EXIT

step() {
  CURRENT_STEP="$*"
  log "$*"
}

validate_developer() {
  local developer="$1"
  if ((${#developer} > MAX_DEVELOPER_NAME)); then
    fail "developer '$developer' is longer than $MAX_DEVELOPER_NAME characters"
  fi
  # C locale: [a-z] must not match upper-case letters whatever the runner's locale is.
  local LC_ALL=C
  if ! [[ "$developer" =~ $DEVELOPER_NAME_PATTERN ]]; then
    fail "developer '$developer' is not a DNS-1123 label (lower-case letters, digits and inner hyphens)"
  fi
  if [[ -n "${DEVELOPER:-}" && "$DEVELOPER" != "$developer" ]]; then
    fail "the argument '$developer' and DEVELOPER='$DEVELOPER' name different developers"
  fi
}

# Sets CLUSTER to turbo-<developer>; CLUSTER_NAME, when the runner passes it, must agree.
set_cluster_name() {
  CLUSTER="turbo-$1"
  if [[ -n "${CLUSTER_NAME:-}" && "$CLUSTER_NAME" != "$CLUSTER" ]]; then
    fail "CLUSTER_NAME='$CLUSTER_NAME' does not match developer '$1' (expected '$CLUSTER')"
  fi
}

# Fails fast, naming the tool, when one the job calls is not installed (docs/jenkins.md lists them).
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "$tool is not installed on this agent (or not on PATH): see the agent requirements in docs/jenkins.md"
  done
}

require_env() {
  local name
  for name in "$@"; do
    if [[ -z "${!name:-}" ]]; then
      fail "environment variable $name is required"
    fi
  done
}

require_seconds() {
  local name="$1"
  if ! [[ "${!name}" =~ ^[0-9]+$ ]]; then
    fail "$name must be a whole number of seconds (got '${!name}')"
  fi
}

# Polls `check` (a command) every POLL_SECONDS until it succeeds (status 0) or `timeout` seconds have
# passed (status 1): poll_until <timeout> <check...>
poll_until() {
  local timeout="$1"
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep "${POLL_SECONDS:-10}"
  done
}

# Like poll_until, but a timeout fails the job: wait_until <what> <timeout> <check...>
wait_until() {
  local what="$1" timeout="$2"
  shift 2
  poll_until "$timeout" "$@" || fail "timed out after ${timeout}s waiting for $what"
}

# A scratch directory (kubeconfig, rendered manifests), removed by on_exit.
make_workdir() {
  WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/turbo-${TURBO_JOB}.XXXXXX")"
}

# Downloads a pinned tool and refuses it unless its SHA-256 matches the published checksum.
# Used by the buildspecs: install_verified <url> <sha256> <file name> <install dir>
install_verified() {
  local url="$1" sha256="$2" name="$3" dir="$4" download actual
  [[ "$sha256" =~ ^[0-9a-f]{64}$ ]] || fail "checksum for $name must be 64 hex digits (got '$sha256')"
  download="$(mktemp "${TMPDIR:-/tmp}/turbo-download.XXXXXX")"
  curl --fail --silent --show-error --location --retry 3 --output "$download" "$url" || fail "download of $url failed"
  actual="$(sha256sum "$download" | cut -d' ' -f1)"
  if [[ "$actual" != "$sha256" ]]; then
    rm -f "$download"
    fail "checksum mismatch for $url: expected $sha256, got $actual"
  fi
  mkdir -p "$dir"
  case "$url" in
    *.zip) unzip -o -q "$download" "$name" -d "$dir" && rm -f "$download" ;;
    *) mv "$download" "$dir/$name" ;;
  esac
  chmod 0755 "$dir/$name"
  log "installed $name from $url (sha256 $sha256)"
}

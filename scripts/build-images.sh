#!/usr/bin/env bash
# Builds the app's two images (frontend/ and frontend/mongo/) for linux/amd64 and linux/arm64 (Graviton nodes),
# each as one multi-arch tag (a manifest list / OCI index), tags each with the semantic version from
# frontend/package.json and sha-<short commit>, pushes them to Docker Hub and tells Turbo's image webhook.
# The agent needs docker buildx and arm64 emulation (QEMU binfmt) or a native arm64 builder node.
# Shared by frontend/Jenkinsfile (master) and buildspecs/images.yml. Environment:
#   FRONTEND_REPOSITORY, MONGO_REPOSITORY  Docker Hub repositories (config images.frontend / images.mongo)
#   DOCKERHUB_USERNAME, DOCKERHUB_TOKEN    from the CI's credential store; the token reaches docker on stdin
#   TURBO_IMAGE_WEBHOOK_URL                optional; without it the 10-minute image-sync schedule finds the images
#   GIT_COMMIT or CODEBUILD_RESOLVED_SOURCE_VERSION  the commit (default: git rev-parse HEAD)
#   IMAGE_SOURCE_URL                       optional org.opencontainers.image.source (default: the origin remote)
#   IMAGE_TEST_COMMAND                     the install-and-test step's test command (default: npm run test:app)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"
cd "$SCRIPT_DIR/.."

# The rule of config images.* (functions/core/config.ts): namespace/name, no registry host, no tag.
readonly REPOSITORY_PATTERN='^[a-z0-9]+([._-][a-z0-9]+)*/[a-z0-9]+([._-][a-z0-9]+)*$'

validate_repository() {
  local name="$1" LC_ALL=C
  if ! [[ "${!name}" =~ $REPOSITORY_PATTERN ]]; then
    fail "$name must be a Docker Hub repository such as acme/turbo-notes (no host, no tag), got '${!name}'"
  fi
}

# Prints the tags, one a line; refuses a dirty work tree or a version that is not semver.
compute_tags() {
  local commit="$1" version dirty=false
  version="$(node -p "require('./frontend/package.json').version")"
  if [[ -n "$(git status --porcelain)" ]]; then
    dirty=true
  fi
  node frontend/tools/image-tags.js --version "$version" --commit "$commit" --dirty "$dirty"
}

source_url() {
  local url="${IMAGE_SOURCE_URL:-$(git config --get remote.origin.url || true)}"
  # A remote URL may carry credentials (https://user:token@...): they must never reach an image label.
  printf '%s' "${url:-unknown}" | sed -E 's#^([a-z+]+://)[^@/]+@#\1#'
}

readonly PLATFORMS=linux/amd64,linux/arm64
# One builder per job (its container is named after it): two jobs on one agent never share one.
readonly BUILDER="turbo-multiarch-$$"

# A builder of this job's own (in its private DOCKER_CONFIG) that can build every platform, or a clear failure.
make_builder() {
  local platforms
  docker buildx create --name "$BUILDER" --driver docker-container >/dev/null ||
    fail "docker buildx create failed: this agent needs docker buildx"
  platforms="$(docker buildx inspect --builder "$BUILDER" --bootstrap | sed -n 's/^Platforms:[[:space:]]*//p')"
  local platform
  for platform in ${PLATFORMS//,/ }; do
    [[ ", $platforms," == *", $platform"[,*]* ]] ||
      fail "the buildx builder cannot build $platform (it has: ${platforms:-none}); install QEMU binfmt (docker run --privileged --rm tonistiigi/binfmt --install arm64) or add a native node"
  done
}

# Builds and pushes every platform under the sha tags: a multi-platform build is pushed as one manifest list.
build_image() {
  local repository="$1" context="$2" tag
  local args=(buildx build --builder "$BUILDER" --platform "$PLATFORMS" --pull --push --file "$context/Dockerfile"
    --build-arg "VERSION=${TAGS[0]}" --build-arg "REVISION=$COMMIT"
    --build-arg "SOURCE=$SOURCE_URL" --build-arg "CREATED=$CREATED")
  for tag in "${TAGS[@]:1}"; do
    args+=(--tag "$repository:$tag")
  done
  docker "${args[@]}" "$context" || fail "docker buildx build (push) of $repository:${TAGS[1]} from $context failed"
}

# The semver tag last, onto the index already pushed: once image-sync can see it, every platform is there.
tag_release() {
  local repository="$1"
  docker buildx imagetools create --builder "$BUILDER" --tag "$repository:${TAGS[0]}" "$repository:${TAGS[1]}" ||
    fail "docker buildx imagetools create of $repository:${TAGS[0]} failed"
}

notify_webhook() {
  local repository="$1" body
  body="$(printf '{"repository":"%s","tag":"%s"}' "$repository" "${TAGS[0]}")"
  # The URL may hold a token: it is never logged. A failed notify is only a warning.
  if curl --fail --silent --show-error --max-time 10 --retry 3 --retry-delay 1 --retry-connrefused \
    --header 'Content-Type: application/json' --data "$body" "$TURBO_IMAGE_WEBHOOK_URL" >/dev/null; then
    log "notified Turbo's image webhook of $repository:${TAGS[0]}"
  else
    log "WARNING: Turbo's image webhook did not take $repository:${TAGS[0]}; the 10-minute image-sync schedule will pick it up"
  fi
}

require_env FRONTEND_REPOSITORY MONGO_REPOSITORY DOCKERHUB_USERNAME DOCKERHUB_TOKEN
validate_repository FRONTEND_REPOSITORY
validate_repository MONGO_REPOSITORY

step "computing the image tags"
COMMIT="${GIT_COMMIT:-${CODEBUILD_RESOLVED_SOURCE_VERSION:-$(git rev-parse HEAD)}}"
tags_output="$(compute_tags "$COMMIT")" || fail "cannot tag the images (see the reason above)"
mapfile -t TAGS <<<"$tags_output"
((${#TAGS[@]} >= 2)) || fail "expected a semver tag and a sha tag, got: ${TAGS[*]}"
log "tags: ${TAGS[*]}"

step "installing and testing"
npm ci --no-audit --no-fund
${IMAGE_TEST_COMMAND:-npm run test:app}
# The tests must not have changed the tree that the images are built from.
[[ "$(compute_tags "$COMMIT")" == "$tags_output" ]] || fail "the tests left the work tree dirty"

step "logging in to Docker Hub"
make_workdir
# A private docker config for this job: the login (and the builder) never outlive it on a shared agent.
export DOCKER_CONFIG="$WORKDIR/docker"
mkdir -p "$DOCKER_CONFIG"
printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin >/dev/null ||
  fail "docker login as $DOCKERHUB_USERNAME failed"

step "building and pushing the images for $PLATFORMS"
make_builder
SOURCE_URL="$(source_url)"
CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
build_image "$MONGO_REPOSITORY" frontend/mongo
build_image "$FRONTEND_REPOSITORY" frontend

step "tagging the release"
tag_release "$MONGO_REPOSITORY"
tag_release "$FRONTEND_REPOSITORY"
docker buildx rm "$BUILDER" >/dev/null || log "WARNING: could not remove the buildx builder $BUILDER"

step "notifying Turbo"
if [[ -n "${TURBO_IMAGE_WEBHOOK_URL:-}" ]]; then
  notify_webhook "$MONGO_REPOSITORY"
  notify_webhook "$FRONTEND_REPOSITORY"
else
  log "TURBO_IMAGE_WEBHOOK_URL is not set: the 10-minute image-sync schedule will pick the images up"
fi
log "pushed $FRONTEND_REPOSITORY and $MONGO_REPOSITORY as ${TAGS[*]}"

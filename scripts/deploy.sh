#!/usr/bin/env bash
# Deploys the app into one developer's cluster: scripts/deploy.sh <developer>
#
# Renders the kustomize base (K8S_BASE, default k8s/) through a temporary overlay that pins the images
# (FRONTEND_IMAGE, MONGO_IMAGE, both required: "namespace/name:tag", "namespace/name@sha256:..." or both), applies it
# server-side, waits for the rollouts, then for the public load balancer, and writes the job's result
# as KEY=value lines to TURBO_OUTPUT_FILE (default ./turbo-output.env), also printed on stdout.
# MongoDB's credentials (Secret mongo-credentials) are generated once per cluster and never printed.
#
# Environment: AWS_REGION, FRONTEND_IMAGE, MONGO_IMAGE. Optional: CLUSTER_NAME, DEVELOPER (checked against
# the argument), K8S_BASE, ROLLOUT_TIMEOUT and LB_WAIT_TIMEOUT (seconds), POLL_SECONDS, and PULL_THROUGH_CACHE (the
# account's ECR pull-through cache for Docker Hub, <account>.dkr.ecr.<region>.amazonaws.com/<prefix>: the nodes then
# pull each image through it, so Docker Hub sees one authenticated pull per image instead of one per cluster).
# DEVELOPER_PRINCIPAL_ARN (optional): on a warm pool cluster taken by a developer (core/pool), the taker's IAM user
# or role, given the cluster-admin access entry that infra-tf/cluster gives a developer's own cluster.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

readonly APP_NAMESPACE=turbo-app
readonly CREDENTIALS_SECRET=mongo-credentials
# A Docker Hub reference without a host: namespace/name, then :tag and/or @sha256:digest.
readonly IMAGE_PATTERN='^([a-z0-9]+([._-][a-z0-9]+)*/[a-z0-9]+([._-][a-z0-9]+)*)(:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@(sha256:[a-f0-9]{64}))?$'
readonly PRINCIPAL_PATTERN='^arn:(aws[a-z-]*):iam::[0-9]{12}:(user|role)/[A-Za-z0-9+=,.@_/-]{1,512}$'
readonly PULL_THROUGH_CACHE_PATTERN='^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/[a-z0-9][a-z0-9._-]*$'

# Appends to IMAGE_ENTRIES the kustomize `images:` entry that swaps the base's image name for the
# pinned reference held in the named variable. Unset, the base's placeholder would be deployed: no
# registry has it, so the pods would wait in ImagePullBackOff until the rollout timed out.
add_image_entry() {
  local base_name="$1" variable="$2"
  local reference="${!variable:-}" LC_ALL=C
  if [[ -z "$reference" ]]; then
    fail "$variable is not set: the base's placeholder image $base_name cannot be pulled"
  fi
  if ! [[ "$reference" =~ $IMAGE_PATTERN ]] || [[ -z "${BASH_REMATCH[5]}${BASH_REMATCH[7]}" ]]; then
    fail "$variable must be a Docker Hub reference such as acme/turbo-notes:1.4.2@sha256:<64 hex> (got '$reference')"
  fi
  # Through the pull-through cache, the same repository lives under the cache's prefix (same tag, same digest).
  IMAGE_ENTRIES+="  - name: $base_name"$'\n'"    newName: ${PULL_THROUGH_CACHE:+$PULL_THROUGH_CACHE/}${BASH_REMATCH[1]}"$'\n'
  if [[ -n "${BASH_REMATCH[5]}" ]]; then IMAGE_ENTRIES+="    newTag: \"${BASH_REMATCH[5]}\""$'\n'; fi
  if [[ -n "${BASH_REMATCH[7]}" ]]; then IMAGE_ENTRIES+="    digest: \"${BASH_REMATCH[7]}\""$'\n'; fi
}

# Writes the temporary overlay (sets OVERLAY): the base plus the pinned images.
write_overlay() {
  local overlay="$WORKDIR/overlay" base
  [[ -f "$K8S_BASE/kustomization.yaml" ]] || fail "K8S_BASE=$K8S_BASE holds no kustomization.yaml"
  IMAGE_ENTRIES=""
  if [[ -n "${PULL_THROUGH_CACHE:-}" ]] && ! [[ "$PULL_THROUGH_CACHE" =~ $PULL_THROUGH_CACHE_PATTERN ]]; then
    fail "PULL_THROUGH_CACHE must be an ECR pull-through cache such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub (got '$PULL_THROUGH_CACHE')"
  fi
  add_image_entry turbo-frontend FRONTEND_IMAGE
  add_image_entry turbo-mongo MONGO_IMAGE
  mkdir -p "$overlay"
  # kustomize refuses absolute resource paths.
  base="$(realpath --relative-to="$overlay" "$K8S_BASE")"
  {
    printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - %s\n' "$base"
    printf 'images:\n%s' "$IMAGE_ENTRIES"
  } >"$overlay/kustomization.yaml"
  OVERLAY="$overlay"
}

# A pool cluster was applied with no developer's access entry: the taker's is added, with a developer's policy.
# An entry that exists already (a replayed job) is kept; associating the same policy again changes nothing.
grant_access() {
  local output status=0 LC_ALL=C
  [[ "$DEVELOPER_PRINCIPAL_ARN" =~ $PRINCIPAL_PATTERN ]] ||
    fail "DEVELOPER_PRINCIPAL_ARN must be an IAM user or role ARN such as arn:aws:iam::123456789012:user/alice (got '$DEVELOPER_PRINCIPAL_ARN')"
  local policy="arn:${BASH_REMATCH[1]}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
  # The tag is what the jobs role may create EKS resources with (resources/codebuild.yml, EksCreateTagged).
  output="$(aws eks create-access-entry --cluster-name "$CLUSTER" --principal-arn "$DEVELOPER_PRINCIPAL_ARN" \
    --tags turbo:managed-by=turbo --region "$AWS_REGION" 2>&1)" || status=$?
  if ((status != 0)) && [[ "$output" != *ResourceInUseException* ]]; then
    fail "could not create the access entry of $DEVELOPER_PRINCIPAL_ARN on $CLUSTER: ${output##*$'\n'}"
  fi
  aws eks associate-access-policy --cluster-name "$CLUSTER" --principal-arn "$DEVELOPER_PRINCIPAL_ARN" --policy-arn "$policy" \
    --access-scope type=cluster --region "$AWS_REGION" >&2 ||
    fail "could not give $DEVELOPER_PRINCIPAL_ARN the cluster-admin access policy on $CLUSTER"
}

random_secret() {
  od -An -tx1 -N24 /dev/urandom | tr -d ' \n'
}

# Created only when absent: a redeploy must keep the credentials the data was created with. The values
# travel on stdin, never on a command line or in the log.
ensure_credentials() {
  local existing
  existing="$(kubectl get secret "$CREDENTIALS_SECRET" --namespace "$APP_NAMESPACE" --ignore-not-found --output name)" ||
    fail "could not read Secret $APP_NAMESPACE/$CREDENTIALS_SECRET"
  if [[ -n "$existing" ]]; then
    log "Secret $APP_NAMESPACE/$CREDENTIALS_SECRET exists: keeping it"
    return 0
  fi
  log "creating Secret $APP_NAMESPACE/$CREDENTIALS_SECRET with generated passwords"
  local output status=0
  output="$(printf '{"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"%s","namespace":"%s","labels":{"app.kubernetes.io/managed-by":"turbo"}},"stringData":{"username":"turbo","password":"%s","root-username":"root","root-password":"%s"}}' \
    "$CREDENTIALS_SECRET" "$APP_NAMESPACE" "$(random_secret)" "$(random_secret)" |
    kubectl create --filename - 2>&1)" || status=$?
  # Another deploy may have created it in between: theirs is as good as ours.
  if ((status != 0)) && [[ "$output" != *AlreadyExists* ]]; then
    fail "could not create Secret $APP_NAMESPACE/$CREDENTIALS_SECRET: ${output##*$'\n'}"
  fi
}

ensure_namespace() {
  local existing
  existing="$(kubectl get namespace "$APP_NAMESPACE" --ignore-not-found --output name)" || fail "could not read namespace $APP_NAMESPACE"
  if [[ -z "$existing" ]]; then
    kubectl create namespace "$APP_NAMESPACE" >&2
  fi
}

# Sets APP_URL once the public Service has a load balancer address.
app_url_ready() {
  local service address port
  service="$(kubectl get service frontend-public --namespace "$APP_NAMESPACE" --output json)" ||
    fail "could not read Service $APP_NAMESPACE/frontend-public"
  address="$(jq -r '.status.loadBalancer.ingress[0] | (.hostname // .ip) // empty' <<<"$service")"
  port="$(jq -r '.spec.ports[0].port // 80' <<<"$service")"
  [[ -n "$address" ]] || return 1
  # The address ends up in an env file that buildspecs source: accept only a host name or an IP.
  [[ "$address" =~ ^[A-Za-z0-9.:-]+$ && "$port" =~ ^[0-9]+$ ]] || fail "unexpected load balancer address '$address' port '$port'"
  if [[ "$port" == 80 ]]; then APP_URL="http://$address"; else APP_URL="http://$address:$port"; fi
}

write_outputs() {
  local output_file="${TURBO_OUTPUT_FILE:-./turbo-output.env}"
  printf 'APP_URL=%s\nCLUSTER_NAME=%s\n' "$APP_URL" "$CLUSTER" >"$output_file"
  cat "$output_file"
}

main() {
  if (($# != 1)); then
    fail "usage: deploy.sh <developer>"
  fi
  validate_developer "$1"
  set_cluster_name "$1"
  require_env AWS_REGION
  require_tools kubectl aws jq
  ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-600}" LB_WAIT_TIMEOUT="${LB_WAIT_TIMEOUT:-600}"
  require_seconds ROLLOUT_TIMEOUT
  require_seconds LB_WAIT_TIMEOUT
  K8S_BASE="${K8S_BASE:-$SCRIPT_DIR/../k8s}"

  make_workdir
  export KUBECONFIG="$WORKDIR/kubeconfig"
  step "rendering $K8S_BASE for $CLUSTER"
  write_overlay
  kubectl kustomize "$OVERLAY" >"$WORKDIR/manifests.yaml"

  if [[ -n "${DEVELOPER_PRINCIPAL_ARN:-}" ]]; then
    step "giving $DEVELOPER_PRINCIPAL_ARN access to $CLUSTER"
    grant_access
  fi

  step "connecting to cluster $CLUSTER"
  aws eks update-kubeconfig --name "$CLUSTER" --region "$AWS_REGION" >&2

  step "ensuring namespace $APP_NAMESPACE and Secret $CREDENTIALS_SECRET"
  ensure_namespace
  ensure_credentials

  step "applying the manifests (server-side)"
  kubectl apply --server-side --force-conflicts --field-manager=turbo-deploy --filename - <"$WORKDIR/manifests.yaml" >&2

  step "waiting up to ${ROLLOUT_TIMEOUT}s for the rollouts"
  kubectl rollout status deployment/frontend --namespace "$APP_NAMESPACE" --timeout="${ROLLOUT_TIMEOUT}s" >&2
  kubectl rollout status statefulset/mongo --namespace "$APP_NAMESPACE" --timeout="${ROLLOUT_TIMEOUT}s" >&2

  step "waiting up to ${LB_WAIT_TIMEOUT}s for the load balancer of Service frontend-public"
  wait_until "the load balancer address of Service $APP_NAMESPACE/frontend-public" "$LB_WAIT_TIMEOUT" app_url_ready

  step "done"
  write_outputs
  log "deployed to $CLUSTER: $APP_URL"
}

main "$@"

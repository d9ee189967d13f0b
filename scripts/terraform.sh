#!/usr/bin/env bash
# One developer's cluster: scripts/terraform.sh apply|destroy|hibernate|wake <developer>
#
# apply   converges infra-tf/cluster (a second run changes nothing).
# hibernate scales every managed node group of the cluster to NODE_MIN_SIZE/NODE_DESIRED_SIZE (0) and
#         NODE_MAX_SIZE (EKS refuses 0), waits for the update, then fails unless EKS reports desired 0 and no
#         instance of the cluster is left within NODE_SCALE_TIMEOUT. The control plane, the state and the
#         app's EBS volume stay. The node group module ignores desired_size changes, so no Terraform runs, unless
#         NODE_CAPACITY_TYPE and NODE_INSTANCE_TYPES name other nodes than the group has (Spot fell back to
#         On-Demand one morning, or the roster changed the nodes): then, once no instance is left, terraform apply
#         replaces the empty group with the configured one at 0 nodes, keeping the control plane's version, and the
#         proof runs again. The next wake grows the configured nodes.
# wake    scales them back to the configured sizes and waits until that many nodes are Ready.
#         A group already at the sizes is not updated, so a replayed job changes nothing.
# destroy first deletes the cluster's LoadBalancer Services and Ingresses and waits (bounded) until they
#         are gone, so that no load balancer or ENI keeps the shared VPC's subnets busy; then it deletes the
#         app's namespace and waits (bounded) until the EBS CSI driver has deleted its PersistentVolumes, so
#         that no EBS volume outlives the cluster; then it destroys. An absent cluster is not an error.
# The state (clusters/<developer>.tfstate) is locked in S3; a held lock is waited on for
# TF_LOCK_TIMEOUT, never broken.
#
# Environment: AWS_REGION, TF_STATE_BUCKET, and for apply KUBERNETES_VERSION, NODE_INSTANCE_TYPES (comma-separated,
# one size), NODE_CAPACITY_TYPE (ON_DEMAND or SPOT), NODE_ARCH (amd64 or arm64), NODE_SPOT_WAIT_MINUTES,
# NODE_MIN_SIZE, NODE_DESIRED_SIZE, NODE_MAX_SIZE, DEVELOPER_PRINCIPAL_ARN, EXPIRES_AT, TURBO_LAMBDA_ROLE_ARN.
# A warm pool member (pool-<n>, core/pool) has no developer: its apply takes no DEVELOPER_PRINCIPAL_ARN and gives
# nobody an access entry (the deploy of a take adds the taker's).
# wake reads NODE_MIN_SIZE, NODE_DESIRED_SIZE and NODE_MAX_SIZE only; hibernate those, and when it is given
# NODE_CAPACITY_TYPE, the apply's variables but KUBERNETES_VERSION (and TF_STATE_BUCKET) for a replacement.
# Optional: CLUSTER_NAME, DEVELOPER (checked against the argument), TF_LOCK_TIMEOUT (default 15m),
# NODE_SCALE_TIMEOUT (seconds, default 600),
# LB_DELETE_TIMEOUT, NAMESPACE_DELETE_TIMEOUT and PV_DELETE_TIMEOUT (seconds), POLL_SECONDS, APP_NAMESPACE,
# TF_DIR.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

readonly APPLY_VARIABLES=(KUBERNETES_VERSION NODE_INSTANCE_TYPES NODE_CAPACITY_TYPE NODE_ARCH NODE_SPOT_WAIT_MINUTES
  NODE_MIN_SIZE NODE_DESIRED_SIZE NODE_MAX_SIZE DEVELOPER_PRINCIPAL_ARN EXPIRES_AT TURBO_LAMBDA_ROLE_ARN)
readonly INSTANCE_TYPES_PATTERN='^[a-z][a-z0-9-]*\.[a-z0-9]+(,[a-z][a-z0-9-]*\.[a-z0-9]+)*$'

# Terraform evaluates every declared variable even to destroy. A destroy job (an orphan's, say) may not
# know the developer's settings, so it may use these stand-ins: destroy does not read them.
destroy_defaults() {
  : "${KUBERNETES_VERSION:=1.35}" "${NODE_INSTANCE_TYPES:=t3.medium}" "${NODE_CAPACITY_TYPE:=ON_DEMAND}"
  : "${NODE_ARCH:=amd64}" "${NODE_SPOT_WAIT_MINUTES:=10}"
  : "${NODE_MIN_SIZE:=1}" "${NODE_DESIRED_SIZE:=1}" "${NODE_MAX_SIZE:=1}"
  : "${DEVELOPER_PRINCIPAL_ARN:=arn:aws:iam::000000000000:role/turbo-destroy-placeholder}"
  : "${TURBO_LAMBDA_ROLE_ARN:=arn:aws:iam::000000000000:role/turbo-destroy-placeholder}"
  : "${EXPIRES_AT:=1970-01-01T00:00:00Z}"
}

set_terraform_variables() {
  local LC_ALL=C
  # The list becomes HCL: only instance-type characters may reach it.
  [[ "$NODE_INSTANCE_TYPES" =~ $INSTANCE_TYPES_PATTERN ]] ||
    fail "NODE_INSTANCE_TYPES must be comma-separated EC2 instance types such as t3.medium,t3a.medium, got '$NODE_INSTANCE_TYPES'"
  TF_VARIABLES=(
    "-var=developer=$DEVELOPER_ARG"
    "-var=region=$AWS_REGION"
    "-var=kubernetes_version=$KUBERNETES_VERSION"
    "-var=node_instance_types=[\"${NODE_INSTANCE_TYPES//,/\",\"}\"]"
    "-var=node_capacity_type=$NODE_CAPACITY_TYPE"
    "-var=node_arch=$NODE_ARCH"
    "-var=spot_wait_minutes=$NODE_SPOT_WAIT_MINUTES"
    "-var=node_min_size=$NODE_MIN_SIZE"
    "-var=node_desired_size=$NODE_DESIRED_SIZE"
    "-var=node_max_size=$NODE_MAX_SIZE"
    "-var=developer_principal_arn=$DEVELOPER_PRINCIPAL_ARN"
    "-var=expires_at=$EXPIRES_AT"
    "-var=turbo_lambda_role_arn=$TURBO_LAMBDA_ROLE_ARN"
    "-var=app_namespace=$APP_NAMESPACE"
  )
}

# Runs terraform, keeping its output to tell a held state lock from other failures.
run_terraform() {
  local output="$WORKDIR/terraform-output" status=0
  terraform -chdir="$TF_DIR" "$@" 2>&1 | tee "$output" >&2 || status=$?
  if ((status != 0)); then
    if grep -q 'Error acquiring the state lock' "$output"; then
      fail "the state lock of $STATE_KEY was still held after $TF_LOCK_TIMEOUT (another run is changing this cluster); it was not broken: retry once that run has finished"
    fi
    fail "terraform $1 failed for $STATE_KEY (exit $status); see the Terraform error above"
  fi
}

# Sets CLUSTER_STATUS: ACTIVE or UPDATING (the Kubernetes API answers), ABSENT (nothing to clean up), ...
read_cluster_status() {
  local output status=0
  output="$(aws eks describe-cluster --name "$CLUSTER" --region "$AWS_REGION" --query cluster.status --output text 2>&1)" || status=$?
  if ((status == 0)); then
    CLUSTER_STATUS="$output"
  elif [[ "$output" == *ResourceNotFoundException* ]]; then
    CLUSTER_STATUS=ABSENT
  else
    fail "could not describe cluster $CLUSTER: ${output##*$'\n'}"
  fi
}

# Sets LB_SERVICES and LB_INGRESSES to "namespace name" lines. A failing kubectl fails the job: an
# unreadable cluster must never look like one without load balancers.
find_load_balancers() {
  local services ingresses
  services="$(kubectl get services --all-namespaces --output json)" || fail "could not list the Services of $CLUSTER"
  ingresses="$(kubectl get ingresses --all-namespaces --output json)" || fail "could not list the Ingresses of $CLUSTER"
  LB_SERVICES="$(jq -r '.items[] | select(.spec.type == "LoadBalancer") | "\(.metadata.namespace) \(.metadata.name)"' <<<"$services")" ||
    fail "could not read the Services of $CLUSTER"
  LB_INGRESSES="$(jq -r '.items[] | "\(.metadata.namespace) \(.metadata.name)"' <<<"$ingresses")" ||
    fail "could not read the Ingresses of $CLUSTER"
}

# Kubernetes keeps a Service of type LoadBalancer (finalizer service.kubernetes.io/load-balancer-cleanup)
# and an ALB Ingress (finalizer ingress.k8s.aws/resources) until their AWS load balancer is deleted,
# so "the objects are gone" means "the load balancers and their ENIs are gone".
no_load_balancers_left() {
  find_load_balancers
  if [[ -z "$LB_SERVICES" && -z "$LB_INGRESSES" ]]; then
    return 0
  fi
  log "still being deleted: $(tr '\n' ' ' <<<"$LB_SERVICES $LB_INGRESSES")"
  return 1
}

# Sets APP_VOLUMES to "name volume" lines: the PersistentVolumes (reclaim policy Delete) that were bound
# to the app's namespace, with their EBS volume IDs. Retained volumes are meant to outlive the cluster.
find_app_volumes() {
  local volumes
  volumes="$(kubectl get persistentvolumes --output json)" || fail "could not list the PersistentVolumes of $CLUSTER"
  APP_VOLUMES="$(jq -r --arg namespace "$APP_NAMESPACE" '.items[]
    | select(.spec.claimRef.namespace == $namespace and (.spec.persistentVolumeReclaimPolicy // "Delete") == "Delete")
    | "\(.metadata.name) \(.spec.csi.volumeHandle // .spec.awsElasticBlockStore.volumeID // "unknown")"' <<<"$volumes")" ||
    fail "could not read the PersistentVolumes of $CLUSTER"
}

no_app_volumes_left() {
  find_app_volumes
  if [[ -z "$APP_VOLUMES" ]]; then
    return 0
  fi
  log "PersistentVolumes of $APP_NAMESPACE still being deleted: $(tr '\n' ' ' <<<"$APP_VOLUMES")"
  return 1
}

delete_each() {
  local kind="$1" list="$2" namespace name
  while read -r namespace name; do
    if [[ -n "$name" ]]; then
      kubectl delete "$kind" "$name" --namespace "$namespace" --ignore-not-found --wait=false >&2
    fi
  done <<<"$list"
}

release_cloud_resources() {
  step "connecting to cluster $CLUSTER"
  aws eks update-kubeconfig --name "$CLUSTER" --region "$AWS_REGION" >&2

  step "deleting LoadBalancer Services and Ingresses of $CLUSTER"
  find_load_balancers
  delete_each service "$LB_SERVICES"
  delete_each ingress "$LB_INGRESSES"

  step "waiting up to ${LB_DELETE_TIMEOUT}s for their AWS load balancers to be deleted"
  wait_until "the load balancers of $CLUSTER to be deleted" "$LB_DELETE_TIMEOUT" no_load_balancers_left

  # Deleting the app's namespace deletes MongoDB's PersistentVolumeClaim while the EBS CSI driver still
  # runs, so its EBS volume is deleted too instead of outliving the cluster. Best effort: a volume left
  # behind costs cents, a failed destroy costs the whole cluster's hours.
  step "deleting namespace $APP_NAMESPACE (frees MongoDB's EBS volume)"
  if ! kubectl delete namespace "$APP_NAMESPACE" --ignore-not-found --wait=true --timeout="${NAMESPACE_DELETE_TIMEOUT}s" >&2; then
    log "WARNING: namespace $APP_NAMESPACE was not gone after ${NAMESPACE_DELETE_TIMEOUT}s; its EBS volumes may outlive the cluster (tag kubernetes.io/created-for/pvc/namespace=$APP_NAMESPACE)"
  fi

  # The CSI driver deletes a released volume some time after its claim; terraform destroy may remove the
  # driver first. Waited for, bounded: past the bound the cluster is still destroyed (it costs far more).
  # A hibernated cluster has no node to run the driver's controller on: its volumes are deleted by ID at once.
  local ready
  ready="$(ready_node_count)" || fail "could not list the nodes of $CLUSTER"
  if ((ready == 0)); then
    step "no node runs the EBS CSI driver (hibernated): deleting the EBS volumes of $APP_NAMESPACE by ID"
    find_app_volumes
    delete_app_volumes
    return
  fi
  step "waiting up to ${PV_DELETE_TIMEOUT}s for the PersistentVolumes of $APP_NAMESPACE to be deleted"
  if ! poll_until "$PV_DELETE_TIMEOUT" no_app_volumes_left; then
    log "after ${PV_DELETE_TIMEOUT}s the EBS CSI driver had not deleted these PersistentVolumes of $APP_NAMESPACE (name, EBS volume): $(tr '\n' ' ' <<<"$APP_VOLUMES")- deleting their EBS volumes by ID"
    delete_app_volumes
  fi
}

# Deletes the EBS volumes of APP_VOLUMES ("name volume" lines) with the EC2 API. One already gone counts as
# deleted (a replayed destroy); one still attached, or refused, is named for a person, and the destroy goes on.
delete_app_volumes() {
  local name volume output left=""
  while read -r name volume; do
    [[ -n "$name" ]] || continue
    if [[ "$volume" != vol-* ]]; then
      left+="$name $volume "
    elif output="$(aws ec2 delete-volume --volume-id "$volume" --region "$AWS_REGION" 2>&1)"; then
      log "deleted EBS volume $volume of PersistentVolume $name"
    elif [[ "$output" == *InvalidVolume.NotFound* ]]; then
      log "EBS volume $volume of PersistentVolume $name is already deleted"
    else
      log "could not delete EBS volume $volume of PersistentVolume $name: ${output##*$'\n'}"
      left+="$name $volume "
    fi
  done <<<"$APP_VOLUMES"
  if [[ -n "$left" ]]; then
    log "WARNING: these EBS volumes of $APP_NAMESPACE (PersistentVolume, EBS volume) are left: ${left}- destroying the cluster anyway; delete them by hand"
  fi
}

# Sets NODEGROUPS to the cluster's managed node groups, one a line.
list_node_groups() {
  local names
  names="$(aws eks list-nodegroups --cluster-name "$CLUSTER" --region "$AWS_REGION" --query 'nodegroups[]' --output text)" ||
    fail "could not list the node groups of $CLUSTER"
  NODEGROUPS="$(tr -s '\t ' '\n' <<<"$names" | sed '/^$/d')"
  [[ -n "$NODEGROUPS" ]] || fail "cluster $CLUSTER has no managed node group"
}

# "min desired max" of one node group, as EKS reports them.
node_group_sizes() {
  aws eks describe-nodegroup --cluster-name "$CLUSTER" --nodegroup-name "$1" --region "$AWS_REGION" \
    --query '[nodegroup.scalingConfig.minSize, nodegroup.scalingConfig.desiredSize, nodegroup.scalingConfig.maxSize]' \
    --output text | tr -s '\t ' '  ' || fail "could not describe node group $1 of $CLUSTER"
}

# " (code: message; ...)": the health issues EKS reports on the cluster's node groups, or nothing when there are none.
node_group_health() {
  local name issues code message all=""
  while read -r name; do
    issues="$(aws eks describe-nodegroup --cluster-name "$CLUSTER" --nodegroup-name "$name" --region "$AWS_REGION" \
      --query 'nodegroup.health.issues[].[code, message]' --output text 2>/dev/null)" || issues=""
    while IFS=$'\t' read -r code message; do
      if [[ -n "$code" ]]; then all+="${all:+; }$code: $message"; fi
    done <<<"$issues"
  done <<<"$NODEGROUPS"
  if [[ -n "$all" ]]; then printf ' (%s)' "$all"; fi
}

scale_node_group() {
  local name="$1" wanted="$NODE_MIN_SIZE $NODE_DESIRED_SIZE $NODE_MAX_SIZE" current output status=0
  current="$(node_group_sizes "$name")"
  if [[ "$current" == "$wanted" ]]; then
    log "node group $name is already at min/desired/max $wanted"
  else
    log "node group $name: min/desired/max $current -> $wanted"
    output="$(aws eks update-nodegroup-config --cluster-name "$CLUSTER" --nodegroup-name "$name" --region "$AWS_REGION" \
      --scaling-config "minSize=$NODE_MIN_SIZE,maxSize=$NODE_MAX_SIZE,desiredSize=$NODE_DESIRED_SIZE" 2>&1)" || status=$?
    ((status == 0)) || fail "could not scale node group $name of $CLUSTER to $wanted: ${output##*$'\n'}"
  fi
  aws eks wait nodegroup-active --cluster-name "$CLUSTER" --nodegroup-name "$name" --region "$AWS_REGION" >&2 ||
    fail "node group $name of $CLUSTER did not become ACTIVE after its scaling update"
}

# Sets NODE_INSTANCES to the IDs of the cluster's node instances that are not terminated yet.
find_node_instances() {
  NODE_INSTANCES="$(aws ec2 describe-instances --region "$AWS_REGION" \
    --filters "Name=tag:eks:cluster-name,Values=$CLUSTER" "Name=instance-state-name,Values=pending,running,shutting-down,stopping,stopped" \
    --query 'Reservations[].Instances[].InstanceId' --output text)" || fail "could not list the instances of $CLUSTER"
  NODE_INSTANCES="$(tr -s '\t\n' '  ' <<<"$NODE_INSTANCES" | sed 's/^ *//; s/ *$//')"
}

no_node_instances_left() {
  find_node_instances
  [[ -z "$NODE_INSTANCES" ]] && return 0
  log "instances still running: $NODE_INSTANCES"
  return 1
}

ready_node_count() {
  kubectl get nodes --output json |
    jq '[.items[] | select(any(.status.conditions[]; .type == "Ready" and .status == "True"))] | length'
}

enough_nodes_ready() {
  local ready
  ready="$(ready_node_count)" || fail "could not list the nodes of $CLUSTER"
  ((ready >= NODE_DESIRED_SIZE)) && return 0
  log "$ready of $NODE_DESIRED_SIZE nodes Ready"
  return 1
}

# hibernate|wake: the node groups' sizes, and the proof that they took effect.
scale_cluster() {
  local action="$1" name sizes variable
  for variable in NODE_MIN_SIZE NODE_DESIRED_SIZE NODE_MAX_SIZE; do
    [[ "${!variable}" =~ ^[0-9]+$ ]] || fail "$variable must be a whole number (got '${!variable}')"
  done
  ((NODE_MAX_SIZE >= 1)) || fail "NODE_MAX_SIZE must be at least 1: EKS refuses a node group with maxSize 0 (got '$NODE_MAX_SIZE')"
  ((NODE_MIN_SIZE <= NODE_DESIRED_SIZE && NODE_DESIRED_SIZE <= NODE_MAX_SIZE)) ||
    fail "node sizes must satisfy min <= desired <= max (got $NODE_MIN_SIZE/$NODE_DESIRED_SIZE/$NODE_MAX_SIZE)"
  read_cluster_status
  [[ "$CLUSTER_STATUS" == ACTIVE ]] || fail "cannot $action cluster $CLUSTER: it is $CLUSTER_STATUS, not ACTIVE"
  list_node_groups
  while read -r name; do
    step "scaling node group $name of $CLUSTER"
    scale_node_group "$name"
  done <<<"$NODEGROUPS"
  if [[ "$action" == hibernate ]]; then
    while read -r name; do
      sizes="$(node_group_sizes "$name")"
      [[ "$sizes" == "0 0 $NODE_MAX_SIZE" ]] || fail "node group $name of $CLUSTER reports min/desired/max $sizes after scaling to 0"
    done <<<"$NODEGROUPS"
    step "waiting up to ${NODE_SCALE_TIMEOUT}s until no instance of $CLUSTER is left"
    poll_until "$NODE_SCALE_TIMEOUT" no_node_instances_left ||
      fail "node groups of $CLUSTER are at 0 but instances are still running after ${NODE_SCALE_TIMEOUT}s (and costing): $NODE_INSTANCES"
  else
    step "connecting to cluster $CLUSTER"
    aws eks update-kubeconfig --name "$CLUSTER" --region "$AWS_REGION" >&2
    step "waiting up to ${NODE_SCALE_TIMEOUT}s for $NODE_DESIRED_SIZE nodes to be Ready"
    # The node groups' health says why no node came (a Spot shortage names itself): the workflow falls back on it.
    poll_until "$NODE_SCALE_TIMEOUT" enough_nodes_ready ||
      fail "timed out after ${NODE_SCALE_TIMEOUT}s waiting for $NODE_DESIRED_SIZE Ready nodes in $CLUSTER$(node_group_health)"
  fi
}

# TF_LOCK_TIMEOUT, APP_NAMESPACE and TF_DIR, checked or defaulted.
terraform_settings() {
  TF_LOCK_TIMEOUT="${TF_LOCK_TIMEOUT:-15m}"
  [[ "$TF_LOCK_TIMEOUT" =~ ^[0-9]+[smh]$ ]] || fail "TF_LOCK_TIMEOUT must be a duration such as 15m (got '$TF_LOCK_TIMEOUT')"
  APP_NAMESPACE="${APP_NAMESPACE:-turbo-app}"
  TF_DIR="${TF_DIR:-$SCRIPT_DIR/../infra-tf/cluster}"
}

# Terraform's environment in WORKDIR, and its variables.
terraform_environment() {
  export TF_IN_AUTOMATION=1 TF_INPUT=0
  # Per-run plugin and module cache: a reused Jenkins workspace never mixes two developers' backends.
  export TF_DATA_DIR="$WORKDIR/terraform-data"
  set_terraform_variables
}

terraform_init() {
  step "terraform init"
  run_terraform init -input=false -reconfigure \
    "-backend-config=bucket=$TF_STATE_BUCKET" \
    "-backend-config=key=$STATE_KEY" \
    "-backend-config=region=$AWS_REGION"
}

terraform_apply() {
  step "terraform apply"
  run_terraform apply -input=false -auto-approve "-lock-timeout=$TF_LOCK_TIMEOUT" "${TF_VARIABLES[@]}"
}

# Sets NODES_DIFFER to the node groups that are not NODE_CAPACITY_TYPE on the configured types ("name: capacity
# types", separated by "; "), or to nothing. On-Demand runs the first type only (core/jobs), as infra-tf/cluster does.
find_other_nodes() {
  local name current wanted
  wanted="$NODE_CAPACITY_TYPE ${NODE_INSTANCE_TYPES}"
  [[ "$NODE_CAPACITY_TYPE" == SPOT ]] || wanted="$NODE_CAPACITY_TYPE ${NODE_INSTANCE_TYPES%%,*}"
  NODES_DIFFER=""
  while read -r name; do
    current="$(aws eks describe-nodegroup --cluster-name "$CLUSTER" --nodegroup-name "$name" --region "$AWS_REGION" \
      --query "[nodegroup.capacityType, join(',', nodegroup.instanceTypes)]" --output text | tr -s '\t ' '  ')" ||
      fail "could not describe node group $name of $CLUSTER"
    [[ "$current" == "$wanted" ]] || NODES_DIFFER+="${NODES_DIFFER:+; }$name: $current"
  done <<<"$NODEGROUPS"
}

# hibernate, once the nodes are at 0: the configured node group instead of one that is not (Spot fell back to
# On-Demand, or the roster changed the nodes). Terraform replaces the empty group; the control plane keeps its version.
replace_other_nodes() {
  [[ -n "${NODE_CAPACITY_TYPE:-}" ]] || return 0
  require_env NODE_INSTANCE_TYPES
  find_other_nodes
  if [[ -z "$NODES_DIFFER" ]]; then
    log "the node groups of $CLUSTER are already $NODE_CAPACITY_TYPE on the configured instance types"
    return 0
  fi
  step "replacing the empty node groups of $CLUSTER ($NODES_DIFFER) with $NODE_CAPACITY_TYPE $NODE_INSTANCE_TYPES at 0 nodes"
  require_env TF_STATE_BUCKET NODE_ARCH NODE_SPOT_WAIT_MINUTES DEVELOPER_PRINCIPAL_ARN EXPIRES_AT TURBO_LAMBDA_ROLE_ARN
  require_tools terraform
  KUBERNETES_VERSION="$(aws eks describe-cluster --name "$CLUSTER" --region "$AWS_REGION" --query cluster.version --output text)" ||
    fail "could not read the Kubernetes version of $CLUSTER"
  terraform_settings
  terraform_environment
  terraform_init
  terraform_apply
  step "checking the new node groups of $CLUSTER"
  scale_cluster hibernate
}

main() {
  if (($# != 2)); then
    fail "usage: terraform.sh apply|destroy|hibernate|wake <developer>"
  fi
  local action="$1"
  DEVELOPER_ARG="$2"
  case "$action" in
    apply | destroy | hibernate | wake) ;;
    *) fail "action must be apply, destroy, hibernate or wake (got '$action')" ;;
  esac
  validate_developer "$DEVELOPER_ARG"
  set_cluster_name "$DEVELOPER_ARG"
  STATE_KEY="clusters/$DEVELOPER_ARG.tfstate"

  if [[ "$action" == hibernate || "$action" == wake ]]; then
    require_env AWS_REGION NODE_MIN_SIZE NODE_DESIRED_SIZE NODE_MAX_SIZE
    require_tools aws kubectl jq
    NODE_SCALE_TIMEOUT="${NODE_SCALE_TIMEOUT:-600}"
    require_seconds NODE_SCALE_TIMEOUT
    make_workdir
    export KUBECONFIG="$WORKDIR/kubeconfig"
    log "$action $CLUSTER (run ${TURBO_RUN_ID:-unknown})"
    scale_cluster "$action"
    if [[ "$action" == hibernate ]]; then replace_other_nodes; fi
    step "done"
    log "$action of $CLUSTER succeeded"
    return
  fi

  require_env AWS_REGION TF_STATE_BUCKET
  require_tools terraform aws kubectl jq
  if [[ "$action" == apply && "$DEVELOPER_ARG" =~ ^pool-[1-9][0-9]*$ ]]; then
    [[ -z "${DEVELOPER_PRINCIPAL_ARN:-}" ]] || fail "$DEVELOPER_ARG is a warm pool member: it gets no DEVELOPER_PRINCIPAL_ARN (a take's deploy adds one)"
    DEVELOPER_PRINCIPAL_ARN=""
    local name
    for name in "${APPLY_VARIABLES[@]}"; do [[ "$name" == DEVELOPER_PRINCIPAL_ARN ]] || require_env "$name"; done
  elif [[ "$action" == apply ]]; then
    require_env "${APPLY_VARIABLES[@]}"
  else
    destroy_defaults
  fi
  terraform_settings
  LB_DELETE_TIMEOUT="${LB_DELETE_TIMEOUT:-900}" NAMESPACE_DELETE_TIMEOUT="${NAMESPACE_DELETE_TIMEOUT:-300}"
  PV_DELETE_TIMEOUT="${PV_DELETE_TIMEOUT:-300}"
  require_seconds LB_DELETE_TIMEOUT
  require_seconds NAMESPACE_DELETE_TIMEOUT
  require_seconds PV_DELETE_TIMEOUT

  make_workdir
  export KUBECONFIG="$WORKDIR/kubeconfig"
  terraform_environment

  log "$action $CLUSTER (state s3://$TF_STATE_BUCKET/$STATE_KEY, run ${TURBO_RUN_ID:-unknown})"
  terraform_init

  if [[ "$action" == apply ]]; then
    terraform_apply
  else
    step "checking cluster $CLUSTER"
    read_cluster_status
    case "$CLUSTER_STATUS" in
      ACTIVE | UPDATING) release_cloud_resources ;;
      ABSENT) log "cluster $CLUSTER does not exist: nothing to release in Kubernetes" ;;
      *) log "cluster $CLUSTER is $CLUSTER_STATUS: its Kubernetes API may not answer, skipping the load balancer cleanup" ;;
    esac
    step "terraform destroy"
    run_terraform destroy -input=false -auto-approve "-lock-timeout=$TF_LOCK_TIMEOUT" "${TF_VARIABLES[@]}"
  fi
  step "done"
  log "$action of $CLUSTER succeeded"
}

main "$@"

#!/usr/bin/env bash
# Point the kube tools module at k8s.io/kubernetes@VERSION and replace each k8s.io/* staging module (which
# k8s.io/kubernetes's own go.mod replaces with ./staging/src/...) with the published v0.<minor>.<patch> of the
# same release, the way a module outside the kubernetes tree must. Usage: replaces.sh v1.34.4
set -euo pipefail
version=${1:?usage: replaces.sh v1.MINOR.PATCH}
staging_version="v0.${version#v1.}"
cd "$(dirname "$0")/kube"
export GOFLAGS=-mod=mod
gomod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
[ -n "$gomod" ] || { echo "replaces.sh: no go.mod for k8s.io/kubernetes@$version" >&2; exit 1; }
staging=$(go mod edit -json "$gomod" \
  | node -e 'const m=JSON.parse(require("fs").readFileSync(0,"utf8"));
      for (const r of m.Replace ?? []) if (r.New.Path.startsWith("./staging/")) console.log(r.Old.Path)')
for r in $(go mod edit -json | node -e 'for (const r of JSON.parse(require("fs").readFileSync(0,"utf8")).Replace ?? [])
    console.log(r.Old.Path)'); do go mod edit -dropreplace="$r"; done
go mod edit -require="k8s.io/kubernetes@$version"
for module in $staging; do go mod edit -replace="$module=$module@$staging_version"; done
go mod tidy
echo "replaces.sh: k8s.io/kubernetes $version with $(echo "$staging" | wc -w) staging modules at $staging_version"

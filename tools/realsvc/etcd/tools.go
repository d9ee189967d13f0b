//go:build tools

// Package etcd pins the etcd server that kube-apiserver stores into in the tests (see ../build.sh).
package etcd

import _ "go.etcd.io/etcd/server/v3"

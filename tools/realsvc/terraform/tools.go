//go:build tools

// Package terraform pins the Terraform CLI that the tests run (`terraform fmt`, see ../build.sh).
package terraform

import (
	_ "github.com/hashicorp/terraform"
)

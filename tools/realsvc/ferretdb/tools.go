//go:build tools

// Package ferretdb pins the MongoDB-wire server (SQLite backend) that the notes repository is tested on.
package ferretdb

import _ "github.com/FerretDB/FerretDB/cmd/ferretdb"

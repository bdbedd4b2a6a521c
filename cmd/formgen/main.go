// Command formgen generates the mechanical parts of the procedure forms from
// schema/procedures/*.graphqls: schema/generated/forms.graphqls, internal/procedures/*_gen.go and
// the resolvers in graph/forms.resolvers.go. `go generate ./...` runs it (graph/generate.go) before
// gqlgen. Usage: go run ./cmd/formgen [-root DIR] [-check] [-v].
package main

import (
	"os"

	"github.com/casegate/casegate/internal/formgen"
)

func main() { os.Exit(formgen.Main(os.Args[1:], os.Stdout, os.Stderr)) }

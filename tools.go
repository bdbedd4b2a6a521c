//go:build tools

// Package tools pins the modules casegate builds with, so `go mod tidy` keeps them while code arrives.
package tools

import (
	_ "github.com/99designs/gqlgen"
	_ "github.com/99designs/gqlgen/graphql/handler"
	_ "github.com/emersion/go-smtp"
	_ "github.com/fergusstrange/embedded-postgres"
	_ "github.com/go-co-op/gocron/v2"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/google/uuid"
	_ "github.com/graph-gophers/dataloader/v7"
	_ "github.com/jonboulle/clockwork"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/uptrace/bun/dialect/pgdialect"
	_ "github.com/uptrace/bun/driver/pgdriver"
	_ "github.com/vektah/gqlparser/v2"
	_ "github.com/wneessen/go-mail"
	_ "go.uber.org/goleak"
	_ "golang.org/x/crypto/argon2"
	_ "pgregory.net/rapid"
)

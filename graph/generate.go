// Package graph is casegate's GraphQL layer: gqlgen's generated executor and thin resolvers that
// parse arguments, call a service in internal/ and return its result. Errors are mapped to
// extensions.code once, in errors.go.
package graph

//go:generate go run ../cmd/formgen -root ..
//go:generate go run github.com/99designs/gqlgen generate

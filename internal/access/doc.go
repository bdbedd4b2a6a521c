// Package access is the one place where casegate decides who may do what. It holds the request
// principal and pure decision functions: no I/O, no clock of its own (time is passed in), no
// database. Callers gather the facts, access decides, and each decision says why.
package access

package main

import (
	"fmt"
	"io"

	"github.com/casegate/casegate/internal/config"
)

func usage(w io.Writer) {
	fmt.Fprint(w, `casegate — GraphQL server for business-process cases with layered, field-level access.

Usage:
  casegate serve [--demo] [flags]            start the server; without DATABASE_URL it starts an
                                             embedded PostgreSQL with its data under --data-dir
  casegate migrate up|down|status [flags]    apply, roll back (last group) or list migrations
  casegate help                              this text (also --help, serve --help, migrate --help)

Needs: a PostgreSQL database, named by DATABASE_URL; without it, serve and migrate run an embedded
PostgreSQL under --data-dir, using the machine's PostgreSQL (or, not as root, one downloaded on
first start, which needs internet); as root, an installed PostgreSQL and setpriv(1), to run it as
an unprivileged user. Without either, install PostgreSQL (apt-get install postgresql) or set
DATABASE_URL.
Stop the server with Ctrl-C, SIGTERM or SIGHUP: it stops its PostgreSQL too.

Flags may come before or after the verb. Every flag can also be given as an environment variable;
secrets only as environment variables. Prefer DATABASE_URL to --database-url when the URL holds a
password: a flag's value shows in the process list.

`)
	config.PrintHelp(w)
}

package pgembed

import (
	"errors"
	"fmt"
	"os"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
)

// DownloadError says that the machine has no PostgreSQL and downloading one failed (no internet,
// a proxy, a firewall). The library's own words ("unable to connect to https://repo1.maven.org/…")
// say nothing of what to do about it; this says what to install instead, and keeps them as Err.
type DownloadError struct {
	Err error
}

func (e *DownloadError) Error() string {
	return fmt.Sprintf("pgembed: no PostgreSQL is installed on this machine and downloading one failed (%v); "+
		"install PostgreSQL (e.g. `apt-get install postgresql`, or set %s to an installation's folder), "+
		"or set DATABASE_URL to a PostgreSQL server of your own", e.Err, BinariesEnv)
}

func (e *DownloadError) Unwrap() error { return e.Err }

// startServer starts pg and names the two failures a user can fix without reading the server log:
// the port taken (by the time PostgreSQL binds it, another program may have taken it since Start
// checked) and a download that failed.
func startServer(pg *embeddedpostgres.EmbeddedPostgres, bins binaries, l layout, port uint32) error {
	err := pg.Start()
	if err == nil {
		return nil
	}
	if perr := portFree(port); perr != nil {
		return perr
	}
	if bins.dir == "" && !downloaded(l) {
		return &DownloadError{Err: err}
	}
	return err
}

// downloaded reports whether the cache holds a downloaded archive: without one, a failed start
// failed while downloading (embedded-postgres fetches into the cache before anything else).
func downloaded(l layout) bool {
	entries, err := os.ReadDir(l.cache)
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	for _, e := range entries {
		if !e.IsDir() {
			return true
		}
	}
	return false
}

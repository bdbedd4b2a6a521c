package pgembed

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
)

// closedURL is an http:// address on 127.0.0.1 where nothing listens: a download from it fails
// at once, as it does without internet.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// Without PostgreSQL on the machine and without internet, the error says what to install or set,
// and keeps the library's words as its cause.
func TestDownloadFailureSaysWhatToInstall(t *testing.T) {
	l := newLayout(t.TempDir())
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	repo := closedURL(t)
	pg := embeddedpostgres.NewDatabase(embeddedpostgres.DefaultConfig().Port(port).
		DataPath(l.pgdata).RuntimePath(l.runtime).CachePath(l.cache).BinaryRepositoryURL(repo).Logger(nil))
	err = startServer(pg, binaries{}, l, port)
	var dl *DownloadError
	if !errors.As(err, &dl) {
		t.Fatalf("got %v, want a *DownloadError", err)
	}
	for _, want := range []string{"no PostgreSQL is installed", "apt-get install postgresql", BinariesEnv, "DATABASE_URL",
		"unable to connect to " + repo} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}

// The same through Start, for the user it happens to: not root (root is told to install
// PostgreSQL before any download is tried; see prepareRoot).
func TestStartWithoutPostgreSQLOrInternet(t *testing.T) {
	old := systemBinaries
	systemBinaries = t.TempDir()
	t.Cleanup(func() { systemBinaries = old })
	t.Setenv(BinariesEnv, "")
	_, err := Start(context.Background(), Options{DataDir: filepath.Join(t.TempDir(), "data"), RepositoryURL: closedURL(t)})
	if err == nil {
		t.Fatal("Start succeeded without binaries")
	}
	for _, want := range []string{"apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	var dl *DownloadError
	if os.Geteuid() == 0 == errors.As(err, &dl) {
		t.Fatalf("root: %v; got %v", os.Geteuid() == 0, err)
	}
}

// A port that another program takes after Start checked it (or that the library finds taken) is
// still reported as the port, not as a failed start.
func TestPortTakenDuringStart(t *testing.T) {
	port := busyPort(t)
	l := newLayout(t.TempDir())
	pg := embeddedpostgres.NewDatabase(embeddedpostgres.DefaultConfig().Port(port).
		DataPath(l.pgdata).RuntimePath(l.runtime).CachePath(l.cache).BinaryRepositoryURL(closedURL(t)).Logger(nil))
	err := startServer(pg, binaries{}, l, port)
	var pe *PortInUseError
	if !errors.As(err, &pe) || pe.Port != port {
		t.Fatalf("got %v, want a *PortInUseError for %d", err, port)
	}
}

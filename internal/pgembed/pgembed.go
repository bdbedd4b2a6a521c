// Package pgembed runs the embedded PostgreSQL that casegate uses when no DATABASE_URL is given.
//
// It drives github.com/fergusstrange/embedded-postgres, but prefers the machine's own PostgreSQL
// binaries (see findBinaries) and keeps the cluster under Options.DataDir so that data survives
// restarts:
//
//	<DataDir>/pgdata        the cluster (PGDATA)
//	<DataDir>/postgres.log  the server log (PostgreSQL's logging collector writes it)
//	<DataDir>/runtime       scratch folder that embedded-postgres empties at every start
//	<DataDir>/cache         downloaded binary archives, when the machine has no PostgreSQL
//	<DataDir>/pgbin         wrapper scripts, only when running as root (see root.go)
//	<DataDir>/password      the superuser's password (mode 0600, owned by the user running casegate)
//	<DataDir>/casegate.lock locked while a casegate runs the cluster; says which (see owner.go)
//
// The server listens on 127.0.0.1 only, has no Unix socket, and has one superuser, postgres. Its
// password is random, chosen when the cluster is created and kept in <DataDir>/password, so that
// other local users cannot connect to 127.0.0.1 with a password everyone knows. Clusters created
// before that file existed were given the password "postgres"; without the file, that is used.
//
// PostgreSQL never outlives its casegate for long: Stop stops it, a watchdog stops it when the
// process dies without calling Stop (watchdog.go), and Start stops one that an earlier casegate
// left running when no live casegate owns the folder any more (owner.go, pidfile.go).
package pgembed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
)

// Options say where the cluster lives and where it listens.
type Options struct {
	DataDir string       // the cluster's folder; created when missing, kept across restarts
	Port    uint32       // TCP port on 127.0.0.1; 0 picks a free one
	Logger  *slog.Logger // optional; the server log also always goes to <DataDir>/postgres.log

	// RepositoryURL is the Maven repository binaries are downloaded from when the machine has no
	// PostgreSQL; empty: Maven Central.
	RepositoryURL string
}

// Instance is a running embedded PostgreSQL.
type Instance struct {
	opts    Options
	pg      *embeddedpostgres.EmbeddedPostgres
	tail    *tailer  // forwards postgres.log to opts.Logger; nil without a Logger
	logFile *os.File // receives the output of pg_ctl without a Logger

	password string
	lock     *os.File  // the data folder's lock, held until Stop
	watchdog *watchdog // stops PostgreSQL should this process die without Stop

	stopOnce sync.Once
	stopErr  error
}

const (
	pgUser     = "postgres"
	pgDatabase = "postgres"

	// legacyPassword is the superuser's password of clusters created before <DataDir>/password.
	legacyPassword = "postgres"

	defaultStartTimeout = 30 * time.Second
)

// layout is where the parts of an instance live inside DataDir.
type layout struct {
	dataDir, pgdata, runtime, cache, pgbin, logFile, password, lockFile string
}

func newLayout(dataDir string) layout {
	return layout{
		dataDir:  dataDir,
		pgdata:   filepath.Join(dataDir, "pgdata"),
		runtime:  filepath.Join(dataDir, "runtime"),
		cache:    filepath.Join(dataDir, "cache"),
		pgbin:    filepath.Join(dataDir, "pgbin"),
		logFile:  filepath.Join(dataDir, "postgres.log"),
		password: filepath.Join(dataDir, "password"),
		lockFile: filepath.Join(dataDir, "casegate.lock"),
	}
}

// Start starts (initialising if needed) the cluster in opts.DataDir and waits until it answers. ctx
// only bounds how long it waits for the server to answer once started.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.DataDir == "" {
		return nil, errors.New("pgembed: Options.DataDir is empty")
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	// pg_ctl hands paths to /bin/sh inside double quotes, and so do the root wrappers.
	if strings.ContainsAny(dataDir, "\"$`\\\n") {
		return nil, fmt.Errorf("pgembed: data folder %q contains a character PostgreSQL's tools cannot quote (\" $ ` \\ or newline)", dataDir)
	}
	opts.DataDir = dataDir
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := newLayout(dataDir)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	lock, err := lockDataDir(l)
	if err != nil {
		return nil, err
	}
	var dog *watchdog
	started := false
	defer func() {
		if !started {
			if dog != nil {
				dog.fire()
			}
			releaseLock(lock)
		}
	}()

	cluster, err := clusterMajor(l.pgdata)
	if err != nil {
		return nil, err
	}
	bins, err := findBinaries(cluster)
	if err != nil {
		return nil, err
	}
	if err := clearStalePIDFile(l, log); err != nil {
		return nil, err
	}
	pw, err := superuserPassword(l)
	if err != nil {
		return nil, err
	}
	if opts.Port == 0 {
		if opts.Port, err = freePort(); err != nil {
			return nil, fmt.Errorf("pgembed: pick a port: %w", err)
		}
	} else if err := portFree(opts.Port); err != nil {
		return nil, err
	}

	// Without a Logger, embedded-postgres copies the output of pg_ctl to this file at every start and
	// stop, so it stays open until Stop.
	logFile, err := os.OpenFile(l.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	defer func() {
		if !started || opts.Logger != nil {
			logFile.Close()
		}
	}()
	st, err := logFile.Stat()
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	logStart := st.Size()

	binariesPath := bins.dir
	if os.Geteuid() == 0 {
		if binariesPath, err = prepareRoot(l, bins); err != nil {
			return nil, err
		}
	}
	pgCtlDir := binariesPath
	if pgCtlDir == "" { // embedded-postgres extracts the binaries it downloads there
		pgCtlDir = l.runtime
	}
	if dog, err = startWatchdog(l, filepath.Join(pgCtlDir, "bin", "pg_ctl"), lock); err != nil {
		return nil, err
	}
	if err := writeOwner(lock, owner{pid: os.Getpid(), since: time.Now(), watchdog: dog.cmd.Process.Pid}); err != nil {
		return nil, err
	}

	// Output of initdb and pg_ctl, and what the server says before its logging collector takes over.
	// embedded-postgres collects it in a temporary file and copies it here after start and stop.
	var toolOutput io.Writer = logFile
	if opts.Logger != nil {
		toolOutput = &lineWriter{out: newPGLog(opts.Logger, slog.LevelDebug)}
	}
	timeout := defaultStartTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(deadline), time.Second)
	}
	cfg := embeddedpostgres.DefaultConfig().
		Port(opts.Port).
		Username(pgUser).
		Password(pw).
		Database(pgDatabase).
		DataPath(l.pgdata).
		RuntimePath(l.runtime).
		CachePath(l.cache).
		BinariesPath(binariesPath). // "" makes embedded-postgres download binaries
		Encoding("UTF8").
		StartTimeout(timeout).
		Logger(toolOutput).
		StartParameters(map[string]string{
			"listen_addresses":        "127.0.0.1",
			"unix_socket_directories": "",
			"logging_collector":       "on",
			"log_directory":           dataDir,
			"log_filename":            filepath.Base(l.logFile),
			"log_rotation_age":        "0",
			"log_rotation_size":       "0",
			"log_line_prefix":         "%m [%p] ",
		})
	if bins.version != "" {
		cfg = cfg.Version(bins.version)
	}
	if opts.RepositoryURL != "" {
		cfg = cfg.BinaryRepositoryURL(strings.TrimRight(opts.RepositoryURL, "/"))
	}
	pg := embeddedpostgres.NewDatabase(cfg)
	if err := startServer(pg, bins, l, opts.Port); err != nil {
		var port *PortInUseError
		var download *DownloadError
		if errors.As(err, &port) || errors.As(err, &download) {
			return nil, err
		}
		more := "\n(the server log is " + l.logFile + ")"
		if opts.Logger != nil { // else the error's text is in the file already
			more = logSince(l.logFile, logStart)
		}
		return nil, fmt.Errorf("pgembed: start PostgreSQL in %s: %w%s", l.pgdata, err, more)
	}
	started = true
	inst := &Instance{opts: opts, pg: pg, password: pw, lock: lock, watchdog: dog}
	if opts.Logger != nil {
		inst.tail = startTailer(l.logFile, logStart, newPGLog(opts.Logger, slog.LevelInfo))
	} else {
		inst.logFile = logFile
	}
	log.Info("pgembed: PostgreSQL started", "dir", dataDir, "port", opts.Port, "version", bins.describe())
	return inst, nil
}

// URL is the connection URL of database on this instance, with the superuser's password.
func (i *Instance) URL(database string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(pgUser, i.password),
		Host: fmt.Sprintf("127.0.0.1:%d", i.opts.Port), Path: "/" + database, RawQuery: "sslmode=disable"}
	return u.String()
}

// superuserPassword returns the password of the cluster in l: the one in l.password; for a cluster
// that exists without that file (created by an older casegate), "postgres"; for a new cluster, a
// new random one, written to l.password (0600) before initdb runs.
func superuserPassword(l layout) (string, error) {
	b, err := os.ReadFile(l.password)
	if err == nil {
		pw := strings.TrimSpace(string(b))
		if pw == "" {
			return "", fmt.Errorf("pgembed: %s is empty", l.password)
		}
		return pw, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	if _, err := os.Stat(filepath.Join(l.pgdata, "PG_VERSION")); err == nil {
		return legacyPassword, nil
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	pw := hex.EncodeToString(raw)
	if err := writeFileAtomic(l.password, pw+"\n", 0o600); err != nil {
		return "", fmt.Errorf("pgembed: write the password file: %w", err)
	}
	return pw, nil
}

// Stop stops the server (pg_ctl stop, fast mode), waits for it to exit and releases the data
// folder. Calling it again does nothing and returns the first call's result.
func (i *Instance) Stop() error {
	i.stopOnce.Do(func() {
		err := i.pg.Stop()
		if err == nil {
			i.watchdog.disarm()
			releaseLock(i.lock)
		}
		// Otherwise the watchdog tries again when this process exits, and keeps the folder locked.
		if i.tail != nil {
			i.tail.stop()
		}
		if i.logFile != nil {
			_ = i.logFile.Close()
		}
		if err != nil {
			i.stopErr = fmt.Errorf("pgembed: stop PostgreSQL in %s: %w", newLayout(i.opts.DataDir).pgdata, err)
		}
	})
	return i.stopErr
}

// PortInUseError says that another program listens on the port PostgreSQL was to use. Callers
// name their own setting for the port (casegate: --pg-port).
type PortInUseError struct {
	Port uint32
	Err  error // what listening on it said
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("pgembed: port %d on 127.0.0.1 is already in use (%v); choose another port", e.Port, e.Err)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// portFree reports, as a *PortInUseError, that something already listens on 127.0.0.1:port.
func portFree(port uint32) error {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return &PortInUseError{Port: port, Err: err}
	}
	return l.Close()
}

func freePort() (uint32, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return uint32(l.Addr().(*net.TCPAddr).Port), nil
}

// releaseLock says the folder has no owner and unlocks it. The file stays: removing it would let
// a casegate lock a new file while another still waits on the old one.
func releaseLock(f *os.File) {
	_ = f.Truncate(0)
	_ = f.Close()
}

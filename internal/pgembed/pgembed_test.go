package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/database"
)

// These tests start real PostgreSQL servers. They need PostgreSQL installed (or network access for
// embedded-postgres to download it, when not running as root).

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, opts Options) *Instance {
	t.Helper()
	if b, err := findBinaries(0); err == nil && b.dir == "" && os.Geteuid() == 0 {
		t.Skipf("running as root needs PostgreSQL installed (or %s); none found", BinariesEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inst, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = inst.Stop() })
	return inst
}

func stop(t *testing.T, inst *Instance) {
	t.Helper()
	if err := inst.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", inst.opts.Port), time.Second); err == nil {
		c.Close()
		t.Fatalf("port %d still answers after Stop", inst.opts.Port)
	}
}

func exec1(t *testing.T, inst *Instance, query string) {
	t.Helper()
	db, err := database.Open(context.Background(), inst.URL("postgres"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func notes(t *testing.T, inst *Instance) []string {
	t.Helper()
	db, err := database.Open(context.Background(), inst.URL("postgres"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	var got []string
	if err := db.NewSelect().Table("note").Column("body").Order("id").Scan(context.Background(), &got); err != nil {
		t.Fatalf("select: %v", err)
	}
	return got
}

func freeTestPort(t *testing.T) uint32 {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRestartKeepsData starts a cluster, writes to it, stops it, starts it again on the same folder
// and reads the data back; then does the same after the server was killed with SIGKILL, and after
// its stale postmaster.pid names a live process of the server's user.
func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	logs := &syncBuffer{}
	opts := Options{DataDir: dir, Port: freeTestPort(t), Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}

	inst := start(t, opts)
	checkOwnership(t, dir)
	exec1(t, inst, `CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL)`)
	exec1(t, inst, `INSERT INTO note (body) VALUES ('first')`)

	// A second instance on the same folder must not start.
	if other, err := Start(context.Background(), Options{DataDir: dir, Port: freeTestPort(t)}); err == nil {
		_ = other.Stop()
		t.Fatal("a second Start on a running cluster succeeded")
	} else if !strings.Contains(err.Error(), "already running") {
		t.Errorf("second Start: got %v, want an 'already running' error", err)
	}
	stop(t, inst)
	if err := inst.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if !strings.Contains(logs.String(), "database system is ready to accept connections") {
		t.Errorf("the server log did not reach the Logger; got:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres.log")); err != nil {
		t.Errorf("postgres.log: %v", err)
	}

	inst = start(t, opts)
	if got := notes(t, inst); len(got) != 1 || got[0] != "first" {
		t.Fatalf("after restart: notes = %q, want [first]", got)
	}
	exec1(t, inst, `INSERT INTO note (body) VALUES ('second')`)

	// Kill the server: its postmaster.pid stays behind, naming a dead process.
	pgdata := filepath.Join(dir, "pgdata")
	pid := postmasterPID(t, pgdata)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pgdata)
	if _, err := os.Stat(filepath.Join(pgdata, "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid: %v", err)
	}
	abandon(inst) // as if its casegate had been killed too
	inst = start(t, opts)
	if got := notes(t, inst); len(got) != 2 || got[1] != "second" {
		t.Fatalf("after SIGKILL: notes = %q, want [first second]", got)
	}
	stop(t, inst)

	// A stale postmaster.pid whose PID now belongs to a live process of the server's user: PostgreSQL
	// alone would refuse to start ("lock file already exists").
	sleeper := sleepAsOwnerOf(t, pgdata)
	writeStalePID(t, pgdata, sleeper)
	inst = start(t, opts)
	if got := notes(t, inst); len(got) != 2 {
		t.Fatalf("after stale pid: notes = %q", got)
	}
	stop(t, inst)
}

// checkOwnership checks who owns what: as root, the cluster belongs to an unprivileged user and the
// wrappers to root; otherwise there are no wrappers.
func checkOwnership(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, "pgdata"))
	if err != nil {
		t.Fatal(err)
	}
	owner := fi.Sys().(*syscall.Stat_t).Uid
	_, err = os.Stat(filepath.Join(dir, "pgbin", "bin", "pg_ctl"))
	if os.Geteuid() == 0 {
		if owner == 0 {
			t.Error("running as root, pgdata is owned by root")
		}
		if err != nil {
			t.Errorf("running as root, no wrapper: %v", err)
		}
	} else {
		if owner != uint32(os.Geteuid()) {
			t.Errorf("pgdata is owned by uid %d, not by this process's uid %d", owner, os.Geteuid())
		}
		if err == nil {
			t.Error("not running as root, yet there are wrappers")
		}
	}
}

func postmasterPID(t *testing.T, pgdata string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func waitGone(t *testing.T, pgdata string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(postgresProcessesIn(pgdata)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("postgres processes still running in %s: %v", pgdata, postgresProcessesIn(pgdata))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sleepAsOwnerOf starts a process running as the owner of pgdata (the user the server runs as) and
// returns its PID.
func sleepAsOwnerOf(t *testing.T, pgdata string) int {
	t.Helper()
	fi, err := os.Stat(pgdata)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	cmd := exec.Command("sleep", "60")
	if os.Geteuid() == 0 && st.Uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: st.Uid, Gid: st.Gid}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd.Process.Pid
}

func writeStalePID(t *testing.T, pgdata string, pid int) {
	t.Helper()
	path := filepath.Join(pgdata, "postmaster.pid")
	content := fmt.Sprintf("%d\n%s\n", pid, pgdata)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(pgdata)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if err := os.Chown(path, int(st.Uid), int(st.Gid)); err != nil {
		t.Fatal(err)
	}
}

func TestPortInUse(t *testing.T) {
	port := busyPort(t)
	inst, err := Start(context.Background(), Options{DataDir: t.TempDir(), Port: port})
	if err == nil {
		_ = inst.Stop()
		t.Fatal("Start on a busy port succeeded")
	}
	var pe *PortInUseError
	if !strings.Contains(err.Error(), "already in use") || !errors.As(err, &pe) || pe.Port != port {
		t.Errorf("got %v, want an 'already in use' *PortInUseError", err)
	}
}

func TestPGLog(t *testing.T) {
	var buf bytes.Buffer
	p := newPGLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), slog.LevelDebug)
	p.line(`2025-01-02 03:04:05.678 UTC [123] ERROR:  relation "x" does not exist at character 15`)
	p.line(`2025-01-02 03:04:05.678 UTC [123] STATEMENT:  select * from x`)
	p.line("\tand more")
	p.line(`waiting for server to start.... done`)
	got := buf.String()
	for _, want := range []string{
		`level=WARN msg="relation \"x\" does not exist at character 15" component=postgres severity=ERROR pid=123`,
		`level=WARN msg="select * from x" component=postgres severity=STATEMENT pid=123`,
		`level=WARN msg="and more" component=postgres`,
		`level=DEBUG msg="waiting for server to start.... done" component=postgres`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

// fakeInstall makes dir/bin hold executables named names; pg_ctl prints version.
func fakeInstall(t *testing.T, dir, version string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		script := "#!/bin/sh\nexit 0\n"
		if n == "pg_ctl" {
			script = "#!/bin/sh\necho 'pg_ctl (PostgreSQL) " + version + "'\n"
		}
		if err := os.WriteFile(filepath.Join(dir, "bin", n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindBinaries(t *testing.T) {
	root := t.TempDir()
	old := systemBinaries
	systemBinaries = root
	t.Cleanup(func() { systemBinaries = old })
	t.Setenv(BinariesEnv, "")

	if b, err := findBinaries(0); err != nil || b.dir != "" || b.version != "" {
		t.Errorf("nothing installed: got %+v, %v; want a download of the default version", b, err)
	}
	if b, err := findBinaries(16); err != nil || b.dir != "" || b.version != "16.9.0" {
		t.Errorf("nothing installed, cluster 16: got %+v, %v; want a download of 16.9.0", b, err)
	}

	fakeInstall(t, filepath.Join(root, "16"), "16.4", "pg_ctl", "initdb", "postgres")
	fakeInstall(t, filepath.Join(root, "15"), "15.8", "pg_ctl", "initdb", "postgres")
	fakeInstall(t, filepath.Join(root, "17"), "17.0", "psql") // client only
	if b, err := findBinaries(0); err != nil || b.dir != filepath.Join(root, "16") || b.version != "16.9.0" {
		t.Errorf("no cluster: got %+v, %v; want 16", b, err)
	}
	if b, err := findBinaries(15); err != nil || b.dir != filepath.Join(root, "15") || b.version != "15.13.0" {
		t.Errorf("cluster 15: got %+v, %v; want 15", b, err)
	}
	if b, err := findBinaries(14); err == nil || !strings.Contains(err.Error(), "created by PostgreSQL 14") {
		t.Errorf("cluster 14: got %+v, %v; want an error", b, err)
	}

	custom := filepath.Join(t.TempDir(), "pg")
	fakeInstall(t, custom, "19.2 (Custom)", "pg_ctl", "initdb", "postgres")
	t.Setenv(BinariesEnv, custom)
	if b, err := findBinaries(0); err != nil || b.dir != custom || b.major != 19 || b.version != "19.0.0" {
		t.Errorf("%s: got %+v, %v; want 19 in %s", BinariesEnv, b, err, custom)
	}
	if _, err := findBinaries(16); err == nil {
		t.Errorf("%s with another major than the cluster's: no error", BinariesEnv)
	}
	t.Setenv(BinariesEnv, root)
	if _, err := findBinaries(0); err == nil {
		t.Errorf("%s without bin/pg_ctl: no error", BinariesEnv)
	}
}

// A new cluster's superuser gets a random password, kept in <DataDir>/password for this user only;
// a cluster created before that file existed keeps working with the old password "postgres".
func TestSuperuserPassword(t *testing.T) {
	dir := t.TempDir()
	opts := Options{DataDir: dir, Port: freeTestPort(t)}
	inst := start(t, opts)
	file := filepath.Join(dir, "password")
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatalf("no password file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Sys().(*syscall.Stat_t).Uid != uint32(os.Geteuid()) {
		t.Fatalf("password file has mode %v and uid %d, want 0600 and %d", fi.Mode().Perm(), fi.Sys().(*syscall.Stat_t).Uid, os.Geteuid())
	}
	b, _ := os.ReadFile(file)
	pw := strings.TrimSpace(string(b))
	if len(pw) < 32 || pw == "postgres" || !strings.Contains(inst.URL("postgres"), ":"+pw+"@") {
		t.Fatalf("password %q, URL %s", pw, inst.URL("postgres"))
	}
	exec1(t, inst, `SELECT 1`)
	legacy := fmt.Sprintf("postgres://postgres:postgres@127.0.0.1:%d/postgres?sslmode=disable", opts.Port)
	if db, err := database.Open(context.Background(), legacy); err == nil {
		db.Close()
		t.Fatal("the superuser still answers to the password postgres")
	}

	// Make it a cluster of an older casegate: password postgres, no file.
	exec1(t, inst, `ALTER ROLE postgres PASSWORD 'postgres'`)
	stop(t, inst)
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	inst = start(t, opts)
	if inst.URL("postgres") != legacy {
		t.Fatalf("URL of an old cluster = %s", inst.URL("postgres"))
	}
	exec1(t, inst, `SELECT 1`)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a password file appeared for an old cluster: %v", err)
	}
	stop(t, inst)
}

// abandon lets go of inst as a killed casegate would, together with its watchdog: the folder is
// unlocked and PostgreSQL (if still running) keeps running.
func abandon(inst *Instance) {
	inst.stopOnce.Do(func() {
		_ = inst.watchdog.cmd.Process.Kill()
		_ = inst.watchdog.cmd.Wait()
		releaseLock(inst.lock)
		if inst.tail != nil {
			inst.tail.stop()
		}
	})
}

// A PostgreSQL that an earlier casegate started and left running (that casegate and its watchdog
// were killed) is stopped by the next Start, which then starts normally; one that something else
// started in the folder is left alone, with advice that works as root too.
func TestLeftoverPostgreSQLIsStopped(t *testing.T) {
	dir := t.TempDir()
	opts := Options{DataDir: dir, Port: freeTestPort(t)}
	inst := start(t, opts)
	exec1(t, inst, `CREATE TABLE note (id serial PRIMARY KEY, body text NOT NULL)`)
	exec1(t, inst, `INSERT INTO note (body) VALUES ('kept')`)
	pgdata := filepath.Join(dir, "pgdata")
	left := postmasterPID(t, pgdata)
	abandon(inst)

	opts.Port = freeTestPort(t) // the next start may pick another port
	inst = start(t, opts)
	if runningPID(left) {
		t.Fatalf("the PostgreSQL left running (pid %d) still runs", left)
	}
	if got := notes(t, inst); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("notes = %q", got)
	}

	// Started by hand, not by casegate: refuse, and say how to stop it.
	opts.Port = inst.opts.Port
	left = postmasterPID(t, pgdata)
	abandon(inst)
	optsFile := filepath.Join(pgdata, "postmaster.opts")
	saved, err := os.ReadFile(optsFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(optsFile, []byte("/usr/bin/postgres \"-D\" \"elsewhere\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if other, err := Start(context.Background(), Options{DataDir: dir, Port: freeTestPort(t)}); err == nil {
		_ = other.Stop()
		t.Fatal("Start stopped a PostgreSQL that casegate did not start")
	} else if !strings.Contains(err.Error(), fmt.Sprintf("kill -INT %d", left)) {
		t.Fatalf("got %v, want advice to kill -INT %d", err, left)
	}
	if !runningPID(left) {
		t.Fatal("the PostgreSQL started by something else was stopped")
	}
	if err := os.WriteFile(optsFile, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	inst = start(t, opts)
	stop(t, inst)
}

// The watchdog stops PostgreSQL once the process that started it is gone, which it learns from
// the end of its pipe: the kernel closes it when the process dies. It keeps the folder locked until
// PostgreSQL has stopped.
func TestWatchdogStopsPostgreSQL(t *testing.T) {
	dir := t.TempDir()
	inst := start(t, Options{DataDir: dir, Port: freeTestPort(t)})
	pgdata := filepath.Join(dir, "pgdata")
	owner := readOwner(filepath.Join(dir, "casegate.lock"))
	if owner.pid != os.Getpid() || owner.watchdog != inst.watchdog.cmd.Process.Pid || owner.since.IsZero() {
		t.Fatalf("lock file says %+v", owner)
	}
	// What the death of this process does: the pipe's write end and the lock close.
	_ = inst.watchdog.armed.Close()
	_ = inst.lock.Close()
	if err := inst.watchdog.cmd.Wait(); err != nil {
		t.Fatalf("watchdog: %v", err)
	}
	waitGone(t, pgdata) // its last children exit just after the postmaster
	if _, err := os.Stat(filepath.Join(pgdata, "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("postmaster.pid after the watchdog: %v", err)
	}
	inst.stopOnce.Do(func() {}) // nothing left to stop
}

// runningPID reports whether pid is a live process (not a zombie waiting for its parent).
func runningPID(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

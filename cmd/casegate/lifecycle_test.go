package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The embedded PostgreSQL never outlives its server for good, as root and as an unprivileged user:
// after kill -9 of the server its PostgreSQL stops by itself (the watchdog); when the watchdog was
// killed too, the next start stops the PostgreSQL left running and comes up; a start right after
// kill -9 comes up too; `migrate status` while the server runs says so and leaves the server
// alone; SIGHUP stops the server and its PostgreSQL.
func TestKilledServerLeavesNoPostgreSQL(t *testing.T) {
	bin := binary(t, "casegate")
	t.Run("as this user", func(t *testing.T) {
		killAndRestart(t, bin, filepath.Join(t.TempDir(), "data"), nil)
	})
	t.Run("as an unprivileged user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("only root can run the server as another user")
		}
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Skip("no user nobody")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// A folder nobody can reach: not under t.TempDir(), which is root's alone.
		parent, err := os.MkdirTemp("", "casegate-nobody-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(parent) })
		if err := os.Chown(parent, uid, gid); err != nil {
			t.Fatal(err)
		}
		killAndRestart(t, bin, filepath.Join(parent, "data"), &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)})
	})
}

func killAndRestart(t *testing.T, bin, dataDir string, cred *syscall.Credential) {
	s := startServer(t, bin, dataDir, cred)
	s.kill()
	waitPostgreSQLGone(t, dataDir, s.logs)

	s = startServer(t, bin, dataDir, cred)
	out, code := runBinary(t, cred, bin, "migrate", "status", "--data-dir", dataDir, "--pg-port", s.pgPort)
	want := "casegate: casegate serve is running (pid " + strconv.Itoa(s.cmd.Process.Pid) + ") with the data folder " + dataDir
	if code == 0 || !strings.HasPrefix(errorLine(out), want) {
		t.Fatalf("migrate status while the server runs: exit %d, said\n%s\nwant one error line starting %q", code, out, want)
	}
	waitReady(t, s.addr, s.done, s.logs) // still serving

	// Kill its watchdog too: the PostgreSQL is left running, and no casegate owns it.
	watchdog := lockFileField(t, dataDir, "watchdog")
	if err := syscall.Kill(watchdog, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the watchdog %d: %v", watchdog, err)
	}
	s.kill()
	if _, err := os.Stat(filepath.Join(dataDir, "pgdata", "postmaster.pid")); err != nil {
		t.Fatalf("no PostgreSQL left running to recover from: %v", err)
	}
	s = startServer(t, bin, dataDir, cred)
	if !strings.Contains(s.logs.String(), "stopping the PostgreSQL an earlier casegate left running") {
		t.Errorf("the start did not say it stopped the PostgreSQL left running:\n%s", s.logs)
	}

	// Started again at once, while the watchdog may still be stopping the old PostgreSQL.
	s.kill()
	s = startServer(t, bin, dataDir, cred)
	s.stop(syscall.SIGHUP)
}

// waitPostgreSQLGone waits for the PostgreSQL of a killed server to stop by itself.
func waitPostgreSQLGone(t *testing.T, dataDir string, logs fmt.Stringer) {
	t.Helper()
	pid := filepath.Join(dataDir, "pgdata", "postmaster.pid")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(pid); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dataDir, "postgres.log"))
			t.Fatalf("the PostgreSQL of a killed server still runs after 60 s\n%s\npostgres.log:\n%s", logs, b)
		}
		time.Sleep(100 * time.Millisecond) // polling another process's exit
	}
}

func lockFileField(t *testing.T, dataDir, key string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "casegate.lock"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, _ := strings.Cut(line, " "); k == key {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("casegate.lock: %q", line)
			}
			return n
		}
	}
	t.Fatalf("casegate.lock has no %s:\n%s", key, b)
	return 0
}

// runBinary runs a command to its end and returns what it wrote to stdout and stderr and its exit
// status.
func runBinary(t *testing.T, cred *syscall.Credential, bin string, args ...string) (string, int) {
	t.Helper()
	return runBinaryEnv(t, cred, withoutDatabaseURL(os.Environ()), bin, args...)
}

func runBinaryEnv(t *testing.T, cred *syscall.Credential, env []string, bin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// Under `go run`, SIGTERM reaches only the go command; the server stops all the same, with its
// PostgreSQL, and a terminal's SIGHUP stops it as well.
func TestGoRunStopsWithTheGoCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	addr, pgPort := freeAddr(t), strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	cmd := exec.Command("go", "run", ".", "serve", "--data-dir", dataDir, "--addr", addr, "--pg-port", pgPort)
	cmd.Env = withoutDatabaseURL(os.Environ())
	// A file: a server that outlived the go command would hold a pipe open, and Wait wait for it.
	logFile, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logs := fileLog(logFile.Name())
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	waitReady(t, addr, done, logs)
	t.Cleanup(func() {
		if t.Failed() { // stop the server as the go command should have
			for _, line := range strings.Split(fileLog(filepath.Join(dataDir, "casegate.lock")).String(), "\n") {
				if pid, err := strconv.Atoi(strings.TrimPrefix(line, "pid ")); err == nil && strings.HasPrefix(line, "pid ") {
					_ = syscall.Kill(pid, syscall.SIGTERM)
				}
			}
		}
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-done
	waitPostgreSQLGone(t, dataDir, logs)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "embedded PostgreSQL stopped") {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not shut down after go run was stopped:\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond) // polling another process's log
	}
}

// errorLine is the one line a command's output starts with "casegate:" (its error), or "" when
// there is not exactly one.
func errorLine(out string) string {
	var found []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "casegate:") {
			found = append(found, line)
		}
	}
	if len(found) != 1 {
		return ""
	}
	return found[0]
}

// fileLog shows a log file's content.
type fileLog string

func (f fileLog) String() string {
	b, _ := os.ReadFile(string(f))
	return string(b)
}

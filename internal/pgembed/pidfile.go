package pgembed

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clearStalePIDFile deals with a postmaster.pid left in pgdata by a server that was not stopped
// (the machine or the process was killed). Start calls it holding the data folder's lock, so no
// live casegate runs this cluster.
//
// PostgreSQL copes on its own when the PID in the file is dead. But when the PID has been reused by
// a live process of the same user, as happens after a container restarts, it refuses to start
// ("lock file already exists"). So, on Linux, this looks at what really runs in the cluster: a
// postgres process whose working folder is pgdata (the postmaster and its children all chdir
// there). A postmaster that an earlier casegate started (see startedByCasegate) is stopped; one
// started otherwise is an error; if only children of a killed postmaster linger, it waits a little
// for them to exit; if nothing runs, it removes the file.
func clearStalePIDFile(l layout, log *slog.Logger) error {
	pidFile := filepath.Join(l.pgdata, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if runtime.GOOS != "linux" {
		return nil
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	deadline := time.Now().Add(5 * time.Second)
	for {
		running := postgresProcessesIn(l.pgdata)
		if len(running) == 0 {
			break
		}
		if slices.Contains(running, pid) {
			if !startedByCasegate(l) {
				return fmt.Errorf("pgembed: PostgreSQL is already running in %s (pids %v), started by something other than casegate; "+
					"stop it (kill -INT %d, or pg_ctl stop -D %s as the folder's owner) and start again", l.pgdata, running, pid, l.pgdata)
			}
			log.Warn("pgembed: stopping the PostgreSQL an earlier casegate left running", "dir", l.pgdata, "pid", pid)
			if err := stopLeftover(l.pgdata, pid); err != nil {
				return err
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgembed: processes of a killed PostgreSQL are still running in %s (pids %v); "+
				"wait for them to exit or kill them, and start again", l.pgdata, running)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pgembed: remove stale postmaster.pid: %w", err)
	}
	log.Info("pgembed: removed a stale postmaster.pid", "dir", l.pgdata, "pid", pid)
	return nil
}

// startedByCasegate reports whether the running postmaster of l was started by pgembed for this
// data folder: postmaster.opts, which PostgreSQL writes at every start with the command line, holds
// the log_directory that Start sets to the data folder.
func startedByCasegate(l layout) bool {
	b, err := os.ReadFile(filepath.Join(l.pgdata, "postmaster.opts"))
	return err == nil && strings.Contains(string(b), `"log_directory=`+l.dataDir+`"`)
}

// stopLeftover stops the postmaster pid working in pgdata the way pg_ctl stop -m fast does
// (SIGINT), which works as root too, where pg_ctl refuses to run; if it has not stopped within
// leftoverWait, it shuts down immediately (SIGQUIT), as after a crash. The postmaster removes
// postmaster.pid as it exits.
func stopLeftover(pgdata string, pid int) error {
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, leftoverWait}, {syscall.SIGQUIT, 10 * time.Second}} {
		if err := syscall.Kill(pid, step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("pgembed: stop the PostgreSQL left running in %s (pid %d): %w", pgdata, pid, err)
		}
		deadline := time.Now().Add(step.wait)
		for len(postgresProcessesIn(pgdata)) > 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if len(postgresProcessesIn(pgdata)) == 0 {
			return nil
		}
	}
	return fmt.Errorf("pgembed: the PostgreSQL left running in %s (pid %d) did not stop", pgdata, pid)
}

// leftoverWait bounds a fast shutdown of a PostgreSQL left running.
const leftoverWait = 30 * time.Second

// postgresProcessesIn lists the postgres processes working in dir. Processes whose /proc entries
// cannot be read belong to another user, and PostgreSQL only runs as the owner of its cluster, which
// is this process's user (or, as root, a user whose processes root can read).
func postgresProcessesIn(dir string) []int {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		proc := filepath.Join("/proc", e.Name())
		cwd, err := os.Readlink(filepath.Join(proc, "cwd"))
		if err != nil || cwd != real {
			continue
		}
		exe, err := os.Readlink(filepath.Join(proc, "exe"))
		if err != nil || filepath.Base(strings.TrimSuffix(exe, " (deleted)")) != "postgres" {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

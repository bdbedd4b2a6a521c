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
	"time"
)

// clearStalePIDFile deals with a postmaster.pid left in pgdata by a server that was not stopped
// (the machine or the process was killed).
//
// PostgreSQL copes on its own when the PID in the file is dead. But when the PID has been reused by
// a live process of the same user, as happens after a container restarts, it refuses to start
// ("lock file already exists"). So, on Linux, this looks at what really runs in the cluster: a
// postgres process whose working folder is pgdata (the postmaster and its children all chdir
// there). If the postmaster still runs, that is an error; if only children of a killed postmaster
// linger, it waits a little for them to exit; if nothing does, it removes the file.
func clearStalePIDFile(pgdata string, log *slog.Logger) error {
	pidFile := filepath.Join(pgdata, "postmaster.pid")
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
		running := postgresProcessesIn(pgdata)
		if len(running) == 0 {
			break
		}
		if slices.Contains(running, pid) || time.Now().After(deadline) {
			return fmt.Errorf("pgembed: PostgreSQL is already running in %s (pids %v), perhaps left behind by an earlier run "+
				"or used by another process; stop it (pg_ctl stop -D %s, as the folder's owner) and start again", pgdata, running, pgdata)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pgembed: remove stale postmaster.pid: %w", err)
	}
	log.Info("pgembed: removed a stale postmaster.pid", "dir", pgdata, "pid", pid)
	return nil
}

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

package pgembed

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Who owns a data folder.
//
// A casegate that runs the cluster holds an exclusive flock(2) on <DataDir>/casegate.lock for as
// long as the Instance lives, and writes its PID, its start time and its watchdog's PID into the
// file. The kernel drops the lock when the holder exits, however it exits (kill -9 included), so
// "no live casegate owns the cluster" is simply "the lock can be taken". The watchdog (see
// watchdog.go) shares the lock: after a crash it holds it until it has stopped PostgreSQL, so a new
// casegate never races it. PostgreSQL itself never holds the lock (the file is opened close-on-exec
// and only the watchdog is given it), so a PostgreSQL left running does not keep the folder locked.

// InUseError says that another live casegate (or this one) runs the cluster of DataDir.
type InUseError struct {
	DataDir string
	PID     int       // the owner's process; 0 when unknown
	Since   time.Time // when it started; zero when unknown
}

func (e *InUseError) Error() string {
	who := "another casegate"
	if e.PID != 0 {
		who = fmt.Sprintf("casegate (pid %d", e.PID)
		if !e.Since.IsZero() {
			who += ", started " + e.Since.Format(time.RFC3339)
		}
		who += ")"
	}
	hint := "stop it first"
	if e.PID != 0 {
		hint = fmt.Sprintf("stop it first (kill %d)", e.PID)
	}
	return fmt.Sprintf("pgembed: PostgreSQL in %s is already running for %s; %s", e.DataDir, who, hint)
}

// ownerWait bounds how long Start waits for the lock of a casegate that has exited, whose watchdog
// is still stopping PostgreSQL.
const ownerWait = 60 * time.Second

// lockDataDir takes the lock of l.dataDir and records this process as its owner.
func lockDataDir(l layout) (*os.File, error) {
	f, err := os.OpenFile(l.lockFile, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgembed: %w", err)
	}
	deadline := time.Now().Add(ownerWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("pgembed: lock %s: %w", l.lockFile, err)
		}
		o := readOwner(l.lockFile)
		// A live owner keeps the lock for good; a dead one's watchdog releases it once PostgreSQL
		// has stopped.
		if o.pid == 0 || alive(o.pid) || time.Now().After(deadline) {
			f.Close()
			return nil, &InUseError{DataDir: l.dataDir, PID: o.pid, Since: o.since}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := writeOwner(f, owner{pid: os.Getpid(), since: time.Now()}); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// owner is what the lock file says.
type owner struct {
	pid      int
	since    time.Time
	watchdog int
}

func writeOwner(f *os.File, o owner) error {
	s := fmt.Sprintf("pid %d\nstarted %s\n", o.pid, o.since.UTC().Format(time.RFC3339))
	if o.watchdog != 0 {
		s += fmt.Sprintf("watchdog %d\n", o.watchdog)
	}
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if _, err := f.WriteAt([]byte(s), 0); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	return nil
}

func readOwner(path string) owner {
	var o owner
	b, err := os.ReadFile(path)
	if err != nil {
		return o
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "pid":
			o.pid, _ = strconv.Atoi(v)
		case "started":
			o.since, _ = time.Parse(time.RFC3339, v)
		case "watchdog":
			o.watchdog, _ = strconv.Atoi(v)
		}
	}
	return o
}

// alive reports whether a process pid exists (EPERM: it exists, as another user's).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

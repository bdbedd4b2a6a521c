package pgembed

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// The watchdog stops PostgreSQL when the process that started it dies without calling Stop.
//
// pg_ctl starts the postmaster as a daemon in its own session, so PostgreSQL outlives a casegate
// that is killed (kill -9, a crash, an out-of-memory kill), and a parent-death signal
// (PR_SET_PDEATHSIG) cannot reach it: pg_ctl is its parent, and it exits at once. So Start also
// starts a small shell, in its own session (terminal signals do not reach it), whose standard input
// is a pipe only this process can write to. The kernel closes the pipe when this process exits, for
// whatever reason; the shell then reads end-of-file and runs pg_ctl stop (fast mode: open
// transactions are rolled back). Stop kills the shell after stopping PostgreSQL itself.
//
// The shell is also handed the data folder's lock (fd 3), so after a crash the folder stays locked
// until PostgreSQL has stopped, and a casegate starting meanwhile waits instead of racing it.
type watchdog struct {
	cmd   *exec.Cmd
	armed *os.File // the pipe's write end; closing it (or dying) fires the watchdog
}

// watchdogScript waits for end-of-file on its standard input, then stops the cluster in $2 with
// the pg_ctl in $1.
const watchdogScript = `read -r _ || true; exec "$1" stop -D "$2" -m fast -w -t 60`

func startWatchdog(l layout, pgCtl string, lock *os.File) (*watchdog, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pgembed: watchdog: %w", err)
	}
	defer r.Close()
	out, err := os.OpenFile(l.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("pgembed: watchdog: %w", err)
	}
	defer out.Close()
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, "casegate-pg-watchdog", pgCtl, l.pgdata)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r, out, out
	cmd.ExtraFiles = []*os.File{lock}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("pgembed: watchdog: %w", err)
	}
	return &watchdog{cmd: cmd, armed: w}, nil
}

// disarm ends the watchdog without letting it stop anything.
func (d *watchdog) disarm() {
	_ = d.cmd.Process.Kill()
	_ = d.cmd.Wait()
	_ = d.armed.Close()
}

// fire lets the watchdog stop whatever PostgreSQL runs in the data folder and waits for it: the
// way out of a Start that failed after pg_ctl may have started the postmaster (a start that timed
// out, say), which would otherwise outlive the failure.
func (d *watchdog) fire() {
	_ = d.armed.Close()
	_ = d.cmd.Wait()
}

package pgembed

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Running as root.
//
// PostgreSQL refuses to run as root (initdb, pg_ctl and postgres all check), yet casegate is often
// run as root: in CI and in containers. embedded-postgres runs <BinariesPath>/bin/initdb and
// <BinariesPath>/bin/pg_ctl as the current user and has no option to switch users, so when the
// process is root, BinariesPath points at <DataDir>/pgbin, whose bin/ holds small shell scripts of
// the same names that exec the real programs through setpriv(1) as an unprivileged user: the owner
// of an existing cluster, else the postgres system user, else nobody. pg_ctl starts the postgres
// next to its real binary, so the pg_ctl script is what covers start and stop; the postgres
// script is there for completeness.
//
// setpriv also gives that user CAP_DAC_READ_SEARCH (inheritable and ambient, so it passes to
// postgres and its children): DataDir usually sits under a folder only root may enter (/root, or
// a 0700 temporary folder), and PostgreSQL needs to reach the cluster by its absolute path. The
// capability lets the server read any file on the machine, which is no more than the root process
// that started it could do, but it is why the server only listens on 127.0.0.1.
//
// The scripts run as root before they drop privileges, which the initdb one uses: embedded-postgres
// deletes the cluster folder and writes the password file (mode 0600) as root just before running
// initdb, so the script creates the -D folder and hands it and the --pwfile to the user first.
// Everything else stays root's, DataDir included: root runs the scripts in DataDir/pgbin, so the
// unprivileged user must not be able to replace them. That user owns only the cluster folder and
// postgres.log.

// runAs is the unprivileged user the wrappers switch to.
type runAs struct {
	uid, gid int
	known    bool // has a passwd entry, so setpriv can --init-groups
}

// prepareRoot writes the wrappers and hands the cluster's files to the user, and returns the
// BinariesPath to give embedded-postgres.
func prepareRoot(l layout, bins binaries) (string, error) {
	if bins.dir == "" {
		return "", fmt.Errorf("pgembed: running as root needs a PostgreSQL installed on the machine "+
			"(PostgreSQL refuses to run as root, and the downloaded one cannot be run as another user); "+
			"install it (e.g. `apt-get install postgresql`) or set %s to an installation's folder, "+
			"or set DATABASE_URL to a PostgreSQL server of your own", BinariesEnv)
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return "", errors.New("pgembed: running as root needs setpriv (util-linux) to run PostgreSQL as another user")
	}
	if err := rootOnly(l.dataDir); err != nil {
		return "", err
	}
	u, err := chooseUser(l.pgdata)
	if err != nil {
		return "", err
	}
	if err := os.Chown(l.logFile, u.uid, u.gid); err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	if err := writeWrappers(l.pgbin, bins.dir, setpriv, u); err != nil {
		return "", fmt.Errorf("pgembed: write root wrappers: %w", err)
	}
	return l.pgbin, nil
}

// rootOnly checks that only root can change dir, since root runs the scripts kept in it.
func rootOnly(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if st.Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("pgembed: running as root, the data folder %s must be owned by root and writable by root only "+
			"(it holds scripts that root runs); it is owned by uid %d with mode %v", dir, st.Uid, fi.Mode().Perm())
	}
	return nil
}

// chooseUser picks the owner of an existing cluster, else postgres, else nobody.
func chooseUser(pgdata string) (runAs, error) {
	if fi, err := os.Stat(pgdata); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 {
			_, err := user.LookupId(strconv.Itoa(int(st.Uid)))
			return runAs{uid: int(st.Uid), gid: int(st.Gid), known: err == nil}, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return runAs{}, fmt.Errorf("pgembed: %w", err)
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil && uid != 0 {
			return runAs{uid: uid, gid: gid, known: true}, nil
		}
	}
	return runAs{}, errors.New("pgembed: running as root, but there is neither a postgres nor a nobody user to run PostgreSQL as")
}

const wrapperHeader = `#!/bin/sh
# Written by casegate (internal/pgembed) at every start; do not edit.
# PostgreSQL refuses to run as root, so this runs the real program as uid %d.
`

const initdbPrologue = `# embedded-postgres wrote the password file as root and deleted the cluster folder: hand them over.
set -e
prev=
for arg in "$@"; do
	case "$arg" in
	--pwfile=*) chown %[1]s -- "${arg#--pwfile=}" ;;
	esac
	if [ "$prev" = "-D" ]; then
		mkdir -p -- "$arg"
		chown %[1]s -- "$arg"
		chmod 700 -- "$arg"
	fi
	prev=$arg
done
`

func writeWrappers(pgbin, realDir, setpriv string, u runAs) error {
	bin := filepath.Join(pgbin, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	// MkdirAll keeps the mode of folders that exist; these must stay root's.
	for _, d := range []string{pgbin, bin} {
		if err := os.Chown(d, 0, 0); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	groups := "--init-groups"
	if !u.known {
		groups = "--clear-groups"
	}
	owner := fmt.Sprintf("%d:%d", u.uid, u.gid)
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		var b strings.Builder
		fmt.Fprintf(&b, wrapperHeader, u.uid)
		if name == "initdb" {
			fmt.Fprintf(&b, initdbPrologue, owner)
		}
		fmt.Fprintf(&b, "exec %s --reuid=%d --regid=%d %s --inh-caps=+dac_read_search --ambient-caps=+dac_read_search %s \"$@\"\n",
			shellQuote(setpriv), u.uid, u.gid, groups, shellQuote(filepath.Join(realDir, "bin", name)))
		if err := writeFileAtomic(filepath.Join(bin, name), b.String(), 0o755); err != nil {
			return err
		}
	}
	return nil
}

func writeFileAtomic(path, content string, mode os.FileMode) error {
	tmp := path + ".new"
	_ = os.Remove(tmp)
	if err := os.WriteFile(tmp, []byte(content), mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil { // WriteFile's mode is subject to the umask
		return err
	}
	return os.Rename(tmp, path)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

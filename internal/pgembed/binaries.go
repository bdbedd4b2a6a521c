package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
)

// BinariesEnv names a PostgreSQL installation (a folder holding bin/pg_ctl, bin/initdb and
// bin/postgres) to use instead of the newest one under /usr/lib/postgresql.
const BinariesEnv = "CASEGATE_PG_BINARIES"

// systemBinaries is where Debian and Ubuntu install each PostgreSQL major version (<major>/bin).
var systemBinaries = "/usr/lib/postgresql"

// binaries is the PostgreSQL installation to run.
type binaries struct {
	dir     string                           // holds bin/; "" lets embedded-postgres download binaries
	major   int                              // 0 when downloading the library's default version
	version embeddedpostgres.PostgresVersion // "" for the library's default
}

func (b binaries) describe() string {
	switch {
	case b.dir != "":
		return fmt.Sprintf("%d (%s)", b.major, b.dir)
	case b.version != "":
		return string(b.version) + " (downloaded)"
	default:
		return "default (downloaded)"
	}
}

// knownVersions are embedded-postgres's constants. Its dataDirIsValid keeps an existing cluster only
// when the configured version starts with the cluster's PG_VERSION ("15"), and otherwise wipes the
// folder and runs initdb again, so the version must match the binaries' major version.
var knownVersions = map[int]embeddedpostgres.PostgresVersion{
	18: embeddedpostgres.V18,
	17: embeddedpostgres.V17,
	16: embeddedpostgres.V16,
	15: embeddedpostgres.V15,
	14: embeddedpostgres.V14,
	13: embeddedpostgres.V13,
	12: embeddedpostgres.V12,
	11: embeddedpostgres.V11,
	10: embeddedpostgres.V10,
}

func versionFor(major int) embeddedpostgres.PostgresVersion {
	if v, ok := knownVersions[major]; ok {
		return v
	}
	return embeddedpostgres.PostgresVersion(fmt.Sprintf("%d.0.0", major))
}

// clusterMajor is the major version that created the cluster in pgdata, or 0 when there is none yet.
func clusterMajor(pgdata string) (int, error) {
	b, err := os.ReadFile(filepath.Join(pgdata, "PG_VERSION"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		// embedded-postgres would take an unreadable PG_VERSION for "no cluster" and wipe the folder.
		return 0, fmt.Errorf("pgembed: read the cluster's version: %w", err)
	}
	s := strings.TrimSpace(string(b))
	major, err := strconv.Atoi(s)
	if err != nil || major < 10 {
		return 0, fmt.Errorf("pgembed: the cluster in %s was created by PostgreSQL %s, which is not supported", pgdata, s)
	}
	return major, nil
}

// findBinaries picks the PostgreSQL to run: the one named by CASEGATE_PG_BINARIES, else the newest
// installed under /usr/lib/postgresql (the existing cluster's major version when there is a
// cluster), else none, and embedded-postgres downloads one. It never picks binaries of another major
// version than an existing cluster's: embedded-postgres would delete that cluster.
func findBinaries(cluster int) (binaries, error) {
	if dir := os.Getenv(BinariesEnv); dir != "" {
		dir, err := filepath.Abs(dir)
		if err != nil {
			return binaries{}, fmt.Errorf("pgembed: %s: %w", BinariesEnv, err)
		}
		if !complete(dir) {
			return binaries{}, fmt.Errorf("pgembed: %s=%s has no bin/pg_ctl, bin/initdb and bin/postgres", BinariesEnv, dir)
		}
		major, err := binaryMajor(dir)
		if err != nil {
			return binaries{}, fmt.Errorf("pgembed: %s=%s: %w", BinariesEnv, dir, err)
		}
		if cluster != 0 && major != cluster {
			return binaries{}, mismatch(cluster, []int{major})
		}
		return binaries{dir: dir, major: major, version: versionFor(major)}, nil
	}

	installed := installedMajors()
	if len(installed) == 0 {
		if cluster == 0 {
			return binaries{}, nil
		}
		v, ok := knownVersions[cluster]
		if !ok {
			return binaries{}, fmt.Errorf("pgembed: the cluster was created by PostgreSQL %d, which is not installed and cannot be downloaded; set %s", cluster, BinariesEnv)
		}
		return binaries{version: v}, nil
	}
	major := installed[0]
	if cluster != 0 {
		major = 0
		for _, m := range installed {
			if m == cluster {
				major = m
			}
		}
		if major == 0 {
			return binaries{}, mismatch(cluster, installed)
		}
	}
	dir := filepath.Join(systemBinaries, strconv.Itoa(major))
	return binaries{dir: dir, major: major, version: versionFor(major)}, nil
}

func mismatch(cluster int, installed []int) error {
	return fmt.Errorf("pgembed: the cluster was created by PostgreSQL %d, but the PostgreSQL found is %v; "+
		"install PostgreSQL %d (or point %s at it), or upgrade the cluster with pg_upgrade", cluster, installed, cluster, BinariesEnv)
}

// installedMajors lists the major versions under systemBinaries that have a server, newest first.
func installedMajors() []int {
	entries, err := os.ReadDir(systemBinaries)
	if err != nil {
		return nil
	}
	var majors []int
	for _, e := range entries {
		m, err := strconv.Atoi(e.Name())
		// A client-only package (postgresql-client-N) installs bin/ without pg_ctl.
		if err != nil || m < 10 || !complete(filepath.Join(systemBinaries, e.Name())) {
			continue
		}
		majors = append(majors, m)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(majors)))
	return majors
}

// complete reports whether dir/bin holds the programs embedded-postgres runs.
func complete(dir string) bool {
	for _, name := range []string{"pg_ctl", "initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, "bin", name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// binaryMajor asks dir/bin/pg_ctl for its major version.
func binaryMajor(dir string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(dir, "bin", "pg_ctl"), "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("pg_ctl --version: %w", err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pg_ctl --version said %q", strings.TrimSpace(string(out)))
	}
	major, _ := strconv.Atoi(string(m[1]))
	if major < 10 {
		return 0, fmt.Errorf("PostgreSQL %d is not supported", major)
	}
	return major, nil
}

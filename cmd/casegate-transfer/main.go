// Command casegate-transfer measures what attachment transfers cost the server's memory: it starts
// a casegate binary on a fresh database (or targets a running server), uploads one file, then runs
// slow downloads of it (each reader sleeping between small reads) beside uploads of files of the
// same size, all at once, and reports the server process's peak RSS (VmHWM, reset before the run)
// and the largest VmRSS sampled every 50 ms. Several binaries run in turn, so a baseline built from
// an older commit is measured in the same run.
//
//	go build -o /tmp/casegate ./cmd/casegate
//	go run ./cmd/casegate-transfer -bin branch=/tmp/casegate[,main=/tmp/casegate-main]
//	go run ./cmd/casegate-transfer -url http://127.0.0.1:8080 -email … -password … [-pid PID]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/casegate/casegate/internal/procstat"
)

// targetPeakMiB is the bound on the server's peak RSS under this load.
const targetPeakMiB = 150

type options struct {
	bins, url, dbURL, email, password string
	pid                               int
	downloads, uploads                int
	size, readBytes                   int
	pause                             time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bins, "bin", "", "comma-separated label=path of casegate binaries to start in turn (each on a fresh database)")
	flag.StringVar(&o.url, "url", "", "base URL of a running casegate to measure instead (with -email, -password)")
	flag.IntVar(&o.pid, "pid", 0, "process id of that server (default: the process listening on -url's port)")
	flag.StringVar(&o.dbURL, "database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL where the database casegate_transfer_bench is created for each started binary (and dropped after)")
	flag.StringVar(&o.email, "email", "bench@casegate.test", "an administrator's e-mail (created for started binaries)")
	flag.StringVar(&o.password, "password", "bench-password-1", "its password")
	flag.IntVar(&o.downloads, "downloads", 32, "concurrent slow downloads")
	flag.IntVar(&o.uploads, "uploads", 8, "concurrent uploads")
	flag.IntVar(&o.size, "size", 25<<20, "file size in bytes")
	flag.IntVar(&o.readBytes, "read", 16<<10, "bytes a slow reader reads at a time")
	flag.DurationVar(&o.pause, "pause", 5*time.Millisecond, "a slow reader's sleep between reads")
	flag.Usage = usage
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "casegate-transfer:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(flag.CommandLine.Output(), `casegate-transfer — measures the server's peak memory (RSS) under slow attachment
downloads and concurrent uploads, for one or more casegate binaries in turn (so a baseline built
from an older commit is measured in the same run), or for a running server.

Needs: casegate binaries (go build -o /tmp/casegate ./cmd/casegate) given with -bin, and a
PostgreSQL server at -database-url where it may create and drop the database
casegate_transfer_bench; or, with -url, a running casegate and an administrator's -email and
-password (then -pid, or the process listening on the URL's port, is measured). About 1 GB of
disk for uploads and spooled files.

Usage: go run ./cmd/casegate-transfer -bin new=/tmp/casegate[,old=/tmp/casegate-old] [flags]

`)
	flag.PrintDefaults()
}

func run(ctx context.Context, o options) error {
	fmt.Printf("load: %d slow downloads (%d B per read, %v between reads) and %d uploads of %d MiB, at once; load average %s\n",
		o.downloads, o.readBytes, o.pause, o.uploads, o.size>>20, procstat.LoadAverage())
	var results []result
	if o.bins == "" {
		if o.url == "" {
			return fmt.Errorf("give -bin or -url")
		}
		pid := o.pid
		if pid == 0 {
			var err error
			if pid, err = procstat.ListenerPIDOfURL(o.url); err != nil {
				return err
			}
		}
		r, err := measure(ctx, o, "running", o.url, pid)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	for _, spec := range strings.Split(o.bins, ",") {
		if spec == "" {
			continue
		}
		label, path, ok := strings.Cut(spec, "=")
		if !ok {
			label, path = spec, spec
		}
		r, err := withServer(ctx, o, path, func(url string, pid int) (result, error) { return measure(ctx, o, label, url, pid) })
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		results = append(results, r)
	}
	fmt.Println()
	for _, r := range results {
		fmt.Println(r.summary())
	}
	return nil
}

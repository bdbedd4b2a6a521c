package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

// benchDB is the database the command creates for each binary it starts, and drops after.
const benchDB = "casegate_transfer_bench"

// withServer runs fn against binary serving on a fresh database and a free port, then stops it.
// The transfer bounds are raised (by environment, which older binaries ignore) so that all the
// benchmark principal's transfers run: the figure is what they cost, not what is refused.
func withServer(ctx context.Context, o options, binary string, fn func(url string, pid int) (result, error)) (result, error) {
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(o.dbURL)))
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+benchDB+` WITH (FORCE)`); err != nil {
		return result{}, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+benchDB); err != nil {
		return result{}, err
	}
	defer admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+benchDB+` WITH (FORCE)`) //nolint:errcheck
	u, err := url.Parse(o.dbURL)
	if err != nil {
		return result{}, err
	}
	u.Path = "/" + benchDB
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command(binary, "serve", "--addr", addr, "--admin-email", o.email)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+u.String(), "CASEGATE_ADMIN_PASSWORD="+o.password,
		"CASEGATE_LOG_LEVEL=warn", fmt.Sprintf("CASEGATE_MAX_TRANSFERS_PER_PRINCIPAL=%d", o.downloads+o.uploads+1),
		fmt.Sprintf("CASEGATE_MAX_TRANSFERS=%d", o.downloads+o.uploads+1), fmt.Sprintf("CASEGATE_MAX_UPLOADS=%d", o.uploads+1),
		fmt.Sprintf("CASEGATE_MAX_UPLOADS_PER_PRINCIPAL=%d", o.uploads+1))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("%s did not become ready on %s", binary, addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fn(base, cmd.Process.Pid)
}

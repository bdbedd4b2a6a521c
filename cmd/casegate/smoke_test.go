package main

import (
	"bytes"
	"encoding/json"

	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeEmbedded builds the binary and runs it as a user would: no DATABASE_URL, so it starts
// the embedded PostgreSQL, migrates, creates the admin, serves, stops cleanly on SIGTERM with its
// PostgreSQL, and finds its data again on the next start.
func TestServeEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "casegate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(dir, "data")

	token := func(addr string) string {
		var res struct {
			Data struct{ Login struct{ Token string } }
		}
		post(t, addr, "", `mutation { login(email: "root@smoke.test", password: "smoke-password-1") { token } }`, &res)
		if res.Data.Login.Token == "" {
			t.Fatal("login over HTTP failed")
		}
		return res.Data.Login.Token
	}

	runServer(t, bin, dataDir, func(addr string) {
		tok := token(addr)
		var res struct {
			Data struct{ CreateGroup struct{ Name string } }
		}
		post(t, addr, tok, `mutation { createGroup(name: "Survives restarts") { name } }`, &res)
		if res.Data.CreateGroup.Name == "" {
			t.Fatal("createGroup failed")
		}
	})
	runServer(t, bin, dataDir, func(addr string) {
		var res struct {
			Data struct {
				Groups struct {
					Edges []struct{ Node struct{ Name string } }
				}
			}
		}
		post(t, addr, token(addr), `{ groups(search: "Survives") { edges { node { name } } } }`, &res)
		if len(res.Data.Groups.Edges) != 1 {
			t.Fatalf("data did not survive the restart: %+v", res)
		}
	})
}

// runServer starts the binary, waits until it is ready, runs check, then stops it with SIGTERM and
// checks that it and its PostgreSQL exited.
func runServer(t *testing.T, bin, dataDir string, check func(addr string)) {
	t.Helper()
	addr, pgPort := freeAddr(t), strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--addr", addr, "--pg-port", pgPort)
	cmd.Env = append(withoutDatabaseURL(os.Environ()), "CASEGATE_ADMIN_EMAIL=root@smoke.test", "CASEGATE_ADMIN_PASSWORD=smoke-password-1")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()
	waitReady(t, addr, done, &logs)
	check(addr)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no exit within 60 s of SIGTERM\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pgdata", "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("embedded PostgreSQL still running after the server stopped\n%s", logs.String())
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+pgPort, time.Second); err == nil {
		conn.Close()
		t.Fatal("embedded PostgreSQL port still answers")
	}
}

func waitReady(t *testing.T, addr string, done chan error, logs *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server exited before it was ready: %v\n%s", err, logs.String())
		default:
		}
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond) // polling a child process's readiness, not waiting for a result
	}
	t.Fatalf("server not ready within 90 s\n%s", logs.String())
}

func post(t *testing.T, addr, token, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func withoutDatabaseURL(env []string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, "DATABASE_URL=") {
			out = append(out, e)
		}
	}
	return out
}

func TestHelpListsEveryVariable(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"--help"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"DATABASE_URL", "CASEGATE_ADDR", "CASEGATE_PUBLIC_URL", "CASEGATE_ADMIN_EMAIL", "CASEGATE_ADMIN_PASSWORD",
		"CASEGATE_SMTP_ADDR", "CASEGATE_SMTP_FROM", "CASEGATE_SMTP_USERNAME", "CASEGATE_SMTP_PASSWORD", "CASEGATE_SMTP_TLS",
		"CASEGATE_SMS_URL", "CASEGATE_SMS_TOKEN", "CASEGATE_TIME_ZONE", "--data-dir", "--demo", "serve", "migrate up|down|status"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("--help does not mention %s", v)
		}
	}
	if err := run(t.Context(), []string{"bogus"}, &out, &out); err == nil {
		t.Error("unknown command accepted")
	}
}

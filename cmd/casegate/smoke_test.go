package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestServeEmbedded runs the binary as a user would: no DATABASE_URL, so it starts the embedded
// PostgreSQL, migrates, creates the admin, serves, stops cleanly on SIGTERM with its PostgreSQL,
// and finds its data again on the next start.
func TestServeEmbedded(t *testing.T) {
	bin := binary(t, "casegate")
	dataDir := filepath.Join(t.TempDir(), "data")

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

	s := startServer(t, bin, dataDir, nil)
	tok := token(s.addr)
	var created struct {
		Data struct{ CreateGroup struct{ Name string } }
	}
	post(t, s.addr, tok, `mutation { createGroup(name: "Survives restarts") { name } }`, &created)
	if created.Data.CreateGroup.Name == "" {
		t.Fatal("createGroup failed")
	}
	s.stop(syscall.SIGTERM)

	s = startServer(t, bin, dataDir, nil)
	var res struct {
		Data struct {
			Groups struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
	}
	post(t, s.addr, token(s.addr), `{ groups(search: "Survives") { edges { node { name } } } }`, &res)
	if len(res.Data.Groups.Edges) != 1 {
		t.Fatalf("data did not survive the restart: %+v", res)
	}
	s.stop(syscall.SIGTERM)
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binary builds every command under cmd/ once per test process and returns the path of one.
func binary(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binaries")
	}
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "casegate-bin-"); buildErr != nil {
			return
		}
		if buildErr = os.Chmod(binDir, 0o755); buildErr != nil { // other users run them too
			return
		}
		out, err := exec.Command("go", "build", "-o", binDir+"/", "github.com/casegate/casegate/cmd/...").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// serverProc is a casegate serve process on the embedded PostgreSQL.
type serverProc struct {
	t             *testing.T
	cmd           *exec.Cmd
	dataDir, addr string
	pgPort        string
	logs          fileLog
	done          chan error
}

// startServer starts the binary on dataDir (as the user cred names, when not nil) and waits until
// it is ready.
func startServer(t *testing.T, bin, dataDir string, cred *syscall.Credential) *serverProc {
	t.Helper()
	s := &serverProc{t: t, dataDir: dataDir, addr: freeAddr(t), pgPort: strings.TrimPrefix(freeAddr(t), "127.0.0.1:"),
		done: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "--data-dir", dataDir, "--addr", s.addr, "--pg-port", s.pgPort)
	s.cmd.Env = append(withoutDatabaseURL(os.Environ()), "CASEGATE_ADMIN_EMAIL=root@smoke.test", "CASEGATE_ADMIN_PASSWORD=smoke-password-1")
	// A file, not a pipe: a process that outlived the server (PostgreSQL, a watchdog) must not
	// hold the test's Wait.
	logFile, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	s.logs = fileLog(logFile.Name())
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if cred != nil {
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
		}
	})
	waitReady(t, s.addr, s.done, s.logs)
	return s
}

// stop sends sig and checks that the server exits with status 0 and its PostgreSQL has stopped.
func (s *serverProc) stop(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("exit after %v: %v\n%s", sig, err, s.logs)
		}
	case <-time.After(60 * time.Second):
		s.t.Fatalf("no exit within 60 s of %v\n%s", sig, s.logs)
	}
	if _, err := os.Stat(filepath.Join(s.dataDir, "pgdata", "postmaster.pid")); !os.IsNotExist(err) {
		s.t.Fatalf("embedded PostgreSQL still running after the server stopped\n%s", s.logs)
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+s.pgPort, time.Second); err == nil {
		conn.Close()
		s.t.Fatal("embedded PostgreSQL port still answers")
	}
}

// kill kills the server with SIGKILL, as a crash or an out-of-memory kill would.
func (s *serverProc) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Fatal(err)
	}
	<-s.done
}

func waitReady(t *testing.T, addr string, done chan error, logs fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server exited before it was ready: %v\n%s", err, logs)
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
	t.Fatalf("server not ready within 90 s\n%s", logs)
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

// busyAddr is a loopback address the test holds open until it ends, so nothing else can listen
// there.
func busyAddr(t *testing.T) *net.TCPAddr {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr)
}

// freeAddr is a loopback address free to listen on, for a server started later. It is picked
// below the kernel's ephemeral range (32768 and up): a port the kernel hands out for ":0" is also
// one it gives to outgoing connections, and the tests' own connections took such a port between the
// pick and the server's start. No port is handed out twice in one test process.
func freeAddr(t *testing.T) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		port := 20000 + rand.IntN(12000)
		if portsGiven[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		_ = l.Close()
		portsGiven[port] = true
		return l.Addr().String()
	}
	t.Fatal("no free port below the ephemeral range")
	return ""
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

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

// Package procstat reads what the benchmark commands report about processes and the machine from
// Linux's /proc: a process's resident memory and its peak, its name, the process listening on a
// port, and the load average.
package procstat

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Memory reads VmRSS and VmHWM (peak RSS) of pid, in kB.
func Memory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		switch fs[0] {
		case "VmRSS:":
			rss, _ = strconv.ParseInt(fs[1], 10, 64)
		case "VmHWM:":
			hwm, _ = strconv.ParseInt(fs[1], 10, 64)
		}
	}
	return rss, hwm, sc.Err()
}

// ResetPeak starts pid's VmHWM afresh from its current RSS (clear_refs 5; a process of the same
// user).
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// LoadAverage is the first three fields of /proc/loadavg: other work on the machine shows here.
func LoadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	fs := strings.Fields(string(b))
	if len(fs) < 3 {
		return "?"
	}
	return strings.Join(fs[:3], " ")
}

// ListenerPIDOfURL finds the process listening on the port of rawURL (80 when it names none).
func ListenerPIDOfURL(rawURL string) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, err
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		port = 80
	}
	return ListenerPID(port)
}

// ListenerPID finds the process listening on TCP port: the socket's inode from /proc/net/tcp{,6}
// (state 0A is LISTEN), then the process holding a descriptor to it. Only processes of the same
// user can be searched, which is the case when the same user runs the server.
func ListenerPID(port int) (int, error) {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 10 || fs[3] != "0A" {
				continue
			}
			i := strings.LastIndexByte(fs[1], ':')
			if p, err := strconv.ParseInt(fs[1][i+1:], 16, 32); err == nil && int(p) == port {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("nothing listens on port %d", port)
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range dirs {
		if link, err := os.Readlink(fd); err == nil && inodes[link] {
			return strconv.Atoi(strings.Split(fd, "/")[2])
		}
	}
	return 0, fmt.Errorf("no process of this user holds the socket listening on port %d: pass -pid", port)
}

// Name is the command name of pid.
func Name(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Under `go run`, the go command is this process's parent and does not pass SIGTERM on: a
// newcomer who stops `go run ./cmd/casegate serve` with SIGTERM stops only the go command, and the
// server would keep running, with its PostgreSQL. So when the parent is the go command and this
// binary is one it built (in the build cache or a go-build temporary folder), the kernel is asked
// to send this process SIGTERM when the parent dies (PR_SET_PDEATHSIG), which shuts the server down
// as any SIGTERM does. A binary started any other way (a service manager, a shell that exits after
// starting it) is left alone.
//
// It runs in init, on the main thread: the setting belongs to the calling thread, and the main
// thread lives as long as the process.
func init() {
	exe, err := os.Executable()
	if err != nil || !strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return
	}
	ppid := os.Getppid()
	parent, err := os.Readlink("/proc/" + strconv.Itoa(ppid) + "/exe")
	if err != nil || filepath.Base(parent) != "go" {
		return
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		return
	}
	if os.Getppid() != ppid { // the go command died before the request: nothing would send the signal
		os.Exit(1)
	}
}

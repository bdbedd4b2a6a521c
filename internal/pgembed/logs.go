package pgembed

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The server writes its log to <DataDir>/postgres.log through PostgreSQL's logging collector,
// because embedded-postgres only gives the server a temporary file as stderr, which it copies to its
// Logger when the server starts and stops. With an Options.Logger, a tailer forwards new lines of
// postgres.log to it as they come.

// pgLog turns log lines of PostgreSQL ("2025-01-02 03:04:05.678 UTC [123] LOG:  message") into
// slog records at a matching level. An indented line continues the message before it and gets its
// level; other lines (what initdb and pg_ctl print) get the fallback level.
type pgLog struct {
	log      *slog.Logger
	fallback slog.Level
	level    slog.Level
}

func newPGLog(log *slog.Logger, fallback slog.Level) *pgLog {
	return &pgLog{log: log, fallback: fallback, level: fallback}
}

var lineRE = regexp.MustCompile(`^(?:.*? \[(\d+)\] )?([A-Z][A-Z0-9]*):  (.*)$`)

var severities = map[string]slog.Level{
	"DEBUG1": slog.LevelDebug, "DEBUG2": slog.LevelDebug, "DEBUG3": slog.LevelDebug,
	"DEBUG4": slog.LevelDebug, "DEBUG5": slog.LevelDebug,
	"LOG": slog.LevelInfo, "INFO": slog.LevelInfo, "NOTICE": slog.LevelInfo,
	// A failed statement or a refused login is the client's business, not the server's failure.
	"WARNING": slog.LevelWarn, "ERROR": slog.LevelWarn, "FATAL": slog.LevelWarn,
	"PANIC": slog.LevelError,
}

// details continue the message before them.
var details = map[string]bool{"DETAIL": true, "HINT": true, "QUERY": true, "CONTEXT": true, "LOCATION": true, "STATEMENT": true}

func (p *pgLog) line(s string) {
	s = strings.TrimRight(s, "\r")
	if strings.TrimSpace(s) == "" {
		return
	}
	attrs := []any{"component", "postgres"}
	msg := strings.TrimSpace(s)
	m := lineRE.FindStringSubmatch(s)
	var sev string
	if m != nil {
		sev = m[2]
	}
	level, known := severities[sev]
	switch {
	case known || details[sev]:
		if known {
			p.level = level
		}
		msg = m[3]
		attrs = append(attrs, "severity", sev)
		if m[1] != "" {
			attrs = append(attrs, "pid", m[1])
		}
	case s[0] == '\t' || s[0] == ' ':
		// continues the message before
	default:
		p.level = p.fallback
	}
	p.log.Log(context.Background(), p.level, msg, attrs...)
}

// lineWriter is an io.Writer that passes whole lines to a pgLog.
type lineWriter struct {
	out     *pgLog
	partial []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.out.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	return len(b), nil
}

// tailer polls a log file from an offset on and passes its new lines to a pgLog.
type tailer struct {
	path    string
	offset  int64
	out     *pgLog
	partial []byte
	done    chan struct{}
	exited  chan struct{}
	once    sync.Once
}

const tailInterval = 250 * time.Millisecond

func startTailer(path string, offset int64, out *pgLog) *tailer {
	t := &tailer{path: path, offset: offset, out: out, done: make(chan struct{}), exited: make(chan struct{})}
	t.poll() // what the server logged while starting
	go t.run()
	return t
}

func (t *tailer) run() {
	defer close(t.exited)
	tick := time.NewTicker(tailInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			t.poll() // what the server wrote while stopping
			if len(t.partial) > 0 {
				t.out.line(string(t.partial))
			}
			return
		case <-tick.C:
			t.poll()
		}
	}
}

// stop reads the file a last time and waits for the tailer to finish.
func (t *tailer) stop() {
	t.once.Do(func() { close(t.done) })
	<-t.exited
}

func (t *tailer) poll() {
	f, err := os.Open(t.path)
	if err != nil {
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < t.offset {
		t.offset, t.partial = 0, nil // truncated or replaced
	}
	if _, err := f.Seek(t.offset, io.SeekStart); err != nil {
		return
	}
	b, err := io.ReadAll(io.LimitReader(f, 4<<20))
	t.offset += int64(len(b))
	t.partial = append(t.partial, b...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.out.line(string(t.partial[:i]))
		t.partial = t.partial[i+1:]
	}
	_ = err
}

// logSince is the end of what the server logged after offset, to add to a start error.
func logSince(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() <= offset {
		return ""
	}
	const most = 4 << 10
	if fi.Size()-offset > most {
		offset = fi.Size() - most
	}
	b := make([]byte, fi.Size()-offset)
	n, _ := f.ReadAt(b, offset)
	s := strings.TrimSpace(string(b[:n]))
	if s == "" {
		return ""
	}
	return "\n" + path + ":\n" + s
}

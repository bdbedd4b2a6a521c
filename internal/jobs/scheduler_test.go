package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	otelcodes "go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/casegate/casegate/internal/dbtest"
	"github.com/casegate/casegate/internal/jobs"
)

// logRecorder keeps every log record (and passes it on to the test log), so a test can wait for
// something only observable in the logs, such as a run skipped for the lock.
type logRecorder struct {
	slog.Handler
	log *recordLog
}

type recordLog struct {
	mu      sync.Mutex
	records []slog.Record
	changed chan struct{} // closed and replaced on every new record
}

func newRecorder(next slog.Handler) (logRecorder, *recordLog) {
	l := &recordLog{changed: make(chan struct{})}
	return logRecorder{Handler: next, log: l}, l
}

func (h logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h logRecorder) Handle(ctx context.Context, r slog.Record) error {
	h.log.mu.Lock()
	h.log.records = append(h.log.records, r.Clone())
	close(h.log.changed)
	h.log.changed = make(chan struct{})
	h.log.mu.Unlock()
	return h.Handler.Handle(ctx, r)
}

func (h logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return logRecorder{Handler: h.Handler.WithAttrs(as), log: h.log}
}

func (h logRecorder) WithGroup(name string) slog.Handler {
	return logRecorder{Handler: h.Handler.WithGroup(name), log: h.log}
}

// count returns how many records have message msg and attribute job=job.
func (l *recordLog) count(msg, job string) (int, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.records {
		if r.Message != msg {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "job" && a.Value.String() == job {
				n++
				return false
			}
			return true
		})
	}
	return n, l.changed
}

// waitFor waits until at least n records msg for job have been logged.
func (l *recordLog) waitFor(ctx context.Context, t *testing.T, n int, msg, job string) {
	t.Helper()
	for {
		got, changed := l.count(msg, job)
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("log %q for job %q seen %d times, want %d: %v", msg, job, got, n, ctx.Err())
		}
	}
}

func waitRun(ctx context.Context, t *testing.T, ran <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ran:
	case <-ctx.Done():
		t.Fatalf("%s: job did not run: %v", what, ctx.Err())
	}
}

// tickUntilRun advances the clock one interval at a time until the job signals on ran. gocron's
// singleton mode skips a tick that comes before it has finished the bookkeeping of the job's
// previous run (unlocking included), which only a fake clock moved by a test can make happen; so a
// few ticks are allowed, each given a moment to show the run.
func tickUntilRun(ctx context.Context, t *testing.T, clock *clockwork.FakeClock, timers int, interval time.Duration, ran <-chan struct{}) {
	t.Helper()
	for range 5 {
		must(t, clock.BlockUntilContext(ctx, timers))
		clock.Advance(interval)
		select {
		case <-ran:
			return
		case <-time.After(time.Second):
		case <-ctx.Done():
			t.Fatalf("job did not run: %v", ctx.Err())
		}
	}
	t.Fatal("job did not run in 5 ticks")
}

func TestSchedulerRunsJobsOnTheClock(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := dbtest.NewURL(t)
	db := open(t, url)
	handler, logs := newRecorder(slog.NewTextHandler(t.Output(), nil))
	clock := clockwork.NewFakeClock()

	s, err := jobs.New(db, clock, slog.New(handler))
	if err != nil {
		t.Fatal(err)
	}
	signal := func(ch chan struct{}) func(context.Context) error {
		return func(context.Context) error {
			ch <- struct{}{}
			return nil
		}
	}
	tickRan, lockedRan := make(chan struct{}, 10), make(chan struct{}, 10)
	must(t, s.Every("tick", time.Minute, signal(tickRan)))
	must(t, s.Every("locked", time.Minute, signal(lockedRan)))
	must(t, s.Every("failing", time.Minute, func(context.Context) error { return errors.New("boom") }))
	must(t, s.Every("panicking", time.Minute, func(context.Context) error { panic("kaboom") }))
	const timers = 4 // gocron keeps one clock timer per job
	if err := s.Every("", time.Minute, func(context.Context) error { return nil }); err == nil {
		t.Error("job without a name accepted")
	}

	// Another replica is running "locked" right now.
	held, err := jobs.NewLocker(open(t, url)).Lock(ctx, "locked")
	must(t, err)

	s.Start()
	stopped := false
	defer func() {
		if !stopped {
			_ = s.Shutdown()
		}
	}()

	must(t, clock.BlockUntilContext(ctx, timers))
	clock.Advance(time.Minute - time.Second)
	select {
	case <-tickRan:
		t.Fatal("job ran before its interval passed")
	default:
	}
	clock.Advance(time.Second)
	waitRun(ctx, t, tickRan, "first tick")
	logs.waitFor(ctx, t, 1, "job failed", "failing")
	logs.waitFor(ctx, t, 1, "job panicked", "panicking")
	logs.waitFor(ctx, t, 1, "job skipped: locked elsewhere", "locked")
	select {
	case <-lockedRan:
		t.Fatal("job ran while another replica held its lock")
	default:
	}

	// Once the other replica is done, the job runs here again; the failing and panicking jobs
	// have not taken the scheduler down.
	must(t, held.Unlock(ctx))
	tickUntilRun(ctx, t, clock, timers, time.Minute, lockedRan)

	stopped = true
	if err := s.Shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestJobRunsAreTraced: with a tracer, each run is a root span named for its job, failed and
// panicked runs marked as errors.
func TestJobRunsAreTraced(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := open(t, dbtest.NewURL(t))
	clock := clockwork.NewFakeClock()
	s, err := jobs.New(db, clock, nil)
	must(t, err)
	spans := tracetest.NewInMemoryExporter()
	s.Tracer = sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)).Tracer("test")
	ran := make(chan struct{}, 10)
	must(t, s.Every("tidy", time.Minute, func(context.Context) error { ran <- struct{}{}; return nil }))
	failed := make(chan struct{}, 10)
	must(t, s.Every("failing", time.Minute, func(context.Context) error { failed <- struct{}{}; return errors.New("boom") }))
	panicked := make(chan struct{}, 10)
	must(t, s.Every("panicking", time.Minute, func(context.Context) error { panicked <- struct{}{}; panic("kaboom") }))
	s.Start()
	defer func() { _ = s.Shutdown() }()
	tickUntilRun(ctx, t, clock, 3, time.Minute, ran)
	waitRun(ctx, t, failed, "failing")
	waitRun(ctx, t, panicked, "panicking")
	deadline := time.Now().Add(5 * time.Second)
	for len(spans.GetSpans()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the failing job's span ends after its function returns
	}
	byName := map[string]tracetest.SpanStub{}
	for _, sp := range spans.GetSpans() {
		byName[sp.Name] = sp
	}
	if sp, ok := byName["job tidy"]; !ok || sp.Status.Code == otelcodes.Error || sp.Parent.IsValid() {
		t.Fatalf("tidy's span = %+v (all: %d)", sp, len(spans.GetSpans()))
	}
	for _, name := range []string{"job failing", "job panicking"} {
		if sp, ok := byName[name]; !ok || sp.Status.Code != otelcodes.Error {
			t.Fatalf("%s: span = %+v", name, sp)
		}
	}
}

// Package jobs runs casegate's periodic jobs (grant expiry, substitutions, session clean-up,
// outbox delivery) on gocron/v2. Every replica runs the same scheduler; a PostgreSQL
// advisory lock per job name keeps two replicas from running the same job at the same time, and the
// job_runs table from running it twice in one tick.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Scheduler runs named jobs at fixed intervals.
type Scheduler struct {
	s      gocron.Scheduler
	db     *bun.DB
	clock  clockwork.Clock
	logger *slog.Logger
	// Tracer, when set, gives each run a root span ("job <name>"), under which its statements'
	// spans go.
	Tracer trace.Tracer
}

// New returns a stopped Scheduler whose jobs lock through db. A nil clock means the real clock, a
// nil logger discards.
func New(db *bun.DB, clock clockwork.Clock, logger *slog.Logger) (*Scheduler, error) {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "jobs")
	s, err := gocron.NewScheduler(
		gocron.WithClock(clock),
		gocron.WithDistributedLocker(NewLocker(db)),
		gocron.WithLogger(gocronLogger{logger}),
	)
	if err != nil {
		return nil, fmt.Errorf("jobs: new scheduler: %w", err)
	}
	return &Scheduler{s: s, db: db, clock: clock, logger: logger}, nil
}

// Every registers fn to run every interval (first run one interval after Start) under name, which
// is also its lock key: the same name on every replica is what makes them share the lock. A run
// still going when the next is due makes that next run wait rather than overlap.
func (s *Scheduler) Every(name string, interval time.Duration, fn func(ctx context.Context) error) error {
	if name == "" {
		return fmt.Errorf("jobs: job needs a name")
	}
	_, err := s.s.NewJob(
		gocron.DurationJob(interval),
		gocron.NewTask(func(ctx context.Context) error { return s.run(ctx, name, interval, fn) }),
		gocron.WithName(name),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithEventListeners(gocron.AfterLockError(func(_ uuid.UUID, jobName string, err error) {
			s.logger.Debug("job skipped: locked elsewhere", "job", jobName, "error", err)
		})),
	)
	if err != nil {
		return fmt.Errorf("jobs: register %q: %w", name, err)
	}
	return nil
}

// run is the one place a job's outcome is seen: errors and panics are logged with the job's name
// and go no further, so a failing job never takes the server down and runs again next tick.
func (s *Scheduler) run(ctx context.Context, name string, interval time.Duration, fn func(ctx context.Context) error) (err error) {
	start := s.clock.Now()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
			s.logger.ErrorContext(ctx, "job panicked", "job", name, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	claimed, err := claimTick(ctx, s.db, name, start, interval)
	if err != nil {
		s.logger.ErrorContext(ctx, "job not started", "job", name, "error", err)
		return err
	}
	if !claimed {
		s.logger.DebugContext(ctx, "job skipped: another replica ran this tick", "job", name)
		return nil
	}
	if s.Tracer != nil {
		var span trace.Span
		ctx, span = s.Tracer.Start(ctx, "job "+name, trace.WithNewRoot(), trace.WithAttributes(attribute.String("job.name", name)))
		defer func() {
			p := recover()
			if err != nil || p != nil {
				span.SetStatus(codes.Error, "the job failed")
			}
			span.End()
			if p != nil {
				panic(p) // to the recover above, which logs it
			}
		}()
	}
	if err = fn(ctx); err != nil {
		s.logger.ErrorContext(ctx, "job failed", "job", name, "error", err, "duration", s.clock.Since(start))
		return err
	}
	s.logger.DebugContext(ctx, "job done", "job", name, "duration", s.clock.Since(start))
	return nil
}

// Start starts running jobs.
func (s *Scheduler) Start() { s.s.Start() }

// Shutdown stops scheduling, cancels the context of running jobs and waits for them to return.
func (s *Scheduler) Shutdown() error {
	if err := s.s.Shutdown(); err != nil {
		return fmt.Errorf("jobs: shutdown: %w", err)
	}
	return nil
}

// gocronLogger hands gocron's own messages to slog; they are about the scheduler's internals, so
// they go out at debug level except errors.
type gocronLogger struct{ l *slog.Logger }

func (g gocronLogger) Debug(msg string, args ...any) { g.l.Debug(msg, args...) }
func (g gocronLogger) Info(msg string, args ...any)  { g.l.Debug(msg, args...) }
func (g gocronLogger) Warn(msg string, args ...any)  { g.l.Warn(msg, args...) }
func (g gocronLogger) Error(msg string, args ...any) { g.l.Error(msg, args...) }

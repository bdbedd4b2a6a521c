// Package app wires casegate together: it builds the services from the configuration and a database,
// makes sure the configured administrator exists, and registers the background jobs. cmd/casegate
// and the end-to-end tests both start casegate through it, so they run the same thing.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/uptrace/bun"

	"github.com/casegate/casegate/graph"
	"github.com/casegate/casegate/internal/apperr"
	"github.com/casegate/casegate/internal/attachments"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/cases"
	"github.com/casegate/casegate/internal/clients"
	"github.com/casegate/casegate/internal/comments"
	"github.com/casegate/casegate/internal/config"
	"github.com/casegate/casegate/internal/devoutbox"
	"github.com/casegate/casegate/internal/documents"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/groups"
	"github.com/casegate/casegate/internal/guests"
	"github.com/casegate/casegate/internal/jobs"
	"github.com/casegate/casegate/internal/mail"
	"github.com/casegate/casegate/internal/notify"
	"github.com/casegate/casegate/internal/outbox"
	"github.com/casegate/casegate/internal/password"
	"github.com/casegate/casegate/internal/persisted"
	"github.com/casegate/casegate/internal/positions"
	"github.com/casegate/casegate/internal/procedures"
	"github.com/casegate/casegate/internal/server"
	"github.com/casegate/casegate/internal/session"
	"github.com/casegate/casegate/internal/settings"
	"github.com/casegate/casegate/internal/sms"
	"github.com/casegate/casegate/internal/substitution"
	"github.com/casegate/casegate/internal/telemetry"
	"github.com/casegate/casegate/internal/tempaccess"
	"github.com/casegate/casegate/internal/users"
)

// App is a wired casegate instance.
type App struct {
	Handler   http.Handler
	Resolver  *graph.Resolver
	Deliverer *outbox.Deliverer
	// Tracing is the tracer provider (a no-op without --otlp-endpoint).
	Tracing *telemetry.Tracing
	jobs    *jobs.Scheduler
	logger  *slog.Logger
}

// Options tune what tests need to change; the zero value is production.
type Options struct {
	Clock    clockwork.Clock
	Password *password.Params
	// JobInterval is how often the outbox is delivered (default 5 s).
	JobInterval time.Duration
	// AccessOff switches access enforcement off, for the benchmark that measures its cost
	// (cmd/casegate-bench). No flag, variable or setting reaches it.
	AccessOff bool
}

// New builds casegate on db (already migrated).
func New(ctx context.Context, cfg config.Config, db *bun.DB, logger *slog.Logger, o Options) (_ *App, err error) {
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	pw := password.Default
	if o.Password != nil {
		pw = *o.Password
	}
	if o.JobInterval == 0 {
		o.JobInterval = 5 * time.Second
	}
	if err := settings.CheckTimeZone(ctx, db, cfg.TimeZone); err != nil {
		var in *apperr.InputError
		if errors.As(err, &in) {
			return nil, config.Invalid("time-zone", fmt.Sprintf("%q is not a time zone PostgreSQL knows by that name", cfg.TimeZone))
		}
		return nil, err
	}
	tracing, err := telemetry.New(ctx, cfg.OTLPEndpoint)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = tracing.Shutdown(context.WithoutCancel(ctx))
		}
	}()
	if tracing.On() {
		db.AddQueryHook(telemetry.NewQueryHook(tracing))
	}
	var trusted *persisted.Manifest
	if cfg.TrustedDocuments != "" {
		// Checked against the schema before anything starts: a manifest of another release fails here.
		if trusted, err = persisted.Load(cfg.TrustedDocuments, graph.NewExecutableSchema(graph.Config{}).Schema()); err != nil {
			return nil, config.Invalid("trusted-documents", err.Error())
		}
	}
	mailCfg := mail.Config{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, TLS: cfg.SMTPTLS}
	smsCfg := sms.Config{URL: cfg.SMSURL, Token: cfg.SMSToken, From: cfg.SMSFrom}
	devOut := cfg.DevOutboxOn()
	if devOut {
		logger.WarnContext(ctx, "WARNING: the dev outbox is on: outgoing mail and SMS are not sent but kept, "+
			"and anyone who reaches this server reads them, one-time codes and invitation links included, "+
			"at /dev/outbox and with the devOutbox query. It is for a developer's machine: never use it in production "+
			"(--dev-outbox=false, or configure CASEGATE_SMTP_* and CASEGATE_SMS_*, turns it off)",
			"page", cfg.BaseURL()+"/dev/outbox", "listen", cfg.Addr)
	}
	set := &settings.Service{DB: db, Clock: o.Clock, Defaults: settings.Settings{
		TimeZone: cfg.TimeZone, PublicBaseURL: cfg.BaseURL(),
		// The dev outbox takes both channels, so whatever waits for mail or SMS works without them.
		OutgoingMailConfigured: mailCfg.Configured() || devOut, SMSConfigured: smsCfg.Configured() || devOut,
	}}
	us := &users.Service{DB: db, Clock: o.Clock, Password: pw}
	r := &graph.Resolver{
		DB:              db,
		UserService:     us,
		GroupService:    &groups.Service{DB: db, Clock: o.Clock},
		PositionService: &positions.Service{DB: db, Clock: o.Clock},
		SettingsService: set,
		AuthService: &auth.Service{DB: db, Clock: o.Clock, TTL: cfg.SessionTTL, Limits: auth.DefaultLimits,
			Users: us, Settings: set},
		FormService:      &forms.Service{DB: db, Clock: o.Clock, Registry: procedures.Registry},
		ClientService:    &clients.Service{DB: db, Clock: o.Clock},
		OutboxAdmin:      &outbox.Admin{DB: db, Clock: o.Clock},
		DevOutboxService: &devoutbox.Service{DB: db, On: devOut},
	}
	tasks := &notify.Tasks{Settings: set}
	r.CaseService = &cases.Service{DB: db, Clock: o.Clock, Registry: procedures.Registry,
		Principal: r.AuthService.PrincipalFor, AccessOff: o.AccessOff, Notify: tasks, Auth: r.AuthService}
	r.DocumentService = &documents.Service{DB: db, Clock: o.Clock, Cases: r.CaseService, Principal: r.AuthService.PrincipalFor,
		Notify: tasks}
	r.AttachmentService = &attachments.Service{DB: db, Clock: o.Clock, Documents: r.DocumentService, Cases: r.CaseService,
		Store: attachments.PGStore{DB: db}, MaxBytes: int64(cfg.MaxAttachmentBytes)}
	r.CommentService = &comments.Service{DB: db, Clock: o.Clock, Cases: r.CaseService, Documents: r.DocumentService}
	r.TempAccessService = &tempaccess.Service{DB: db, Clock: o.Clock, Cases: r.CaseService, Settings: set,
		Auth: r.AuthService, SessionTTL: cfg.SessionTTL, Limits: tempaccess.DefaultLimits}
	r.SubstitutionService = &substitution.Service{DB: db, Clock: o.Clock, Settings: set, Auth: r.AuthService}
	r.GuestService = &guests.Service{DB: db, Clock: o.Clock, Settings: set, Auth: r.AuthService, Users: us}
	r.ClientService.Accounts = r.GuestService
	if cfg.AdminEmail != "" {
		if _, err := us.EnsureAdmin(ctx, cfg.AdminEmail, "Administrator", cfg.AdminPassword); err != nil {
			return nil, fmt.Errorf("make sure the administrator %s exists: %w", cfg.AdminEmail, err)
		}
	}
	senders := map[outbox.Channel]outbox.Sender{}
	if devOut {
		// Config refuses --dev-outbox with mail or SMS settings, so nothing real is replaced here.
		catcher := devoutbox.Sender{DB: db, Clock: o.Clock}
		senders[outbox.Email], senders[outbox.SMS] = catcher, catcher
	}
	if mailCfg.Configured() && !devOut {
		s, err := mail.NewSender(mailCfg)
		if err != nil {
			return nil, err
		}
		senders[outbox.Email] = s
	}
	if smsCfg.Configured() && !devOut {
		s, err := sms.NewSender(smsCfg, nil)
		if err != nil {
			return nil, err
		}
		senders[outbox.SMS] = s
	}
	a := &App{
		Resolver:  r,
		Deliverer: outbox.NewDeliverer(db, senders, o.Clock, logger),
		Tracing:   tracing,
		logger:    logger,
		Handler: server.New(server.Options{Resolver: r, Auth: r.AuthService, DB: db, Logger: logger, Limits: server.Limits{
			MaxDepth: cfg.MaxQueryDepth, MaxComplexity: cfg.MaxComplexity, MaxBytes: cfg.MaxQueryBytes,
			MaxUploadBytes: server.UploadBound(int64(cfg.MaxAttachmentBytes)),
			MaxTransfers:   cfg.MaxTransfers, MaxTransfersPerPrincipal: cfg.MaxTransfersPerPrincipal, MaxUploads: cfg.MaxUploads,
			MaxUploadsPerPrincipal: cfg.MaxUploadsPerPrincipal},
			HiddenFieldErrors: cfg.HiddenFieldErrors, DevOutbox: devOut, ClientAddr: server.ClientAddr{Trusted: cfg.TrustedProxies}, Tracing: tracing,
			CORSOrigins: cfg.CORSOrigins, TrustedDocuments: trusted,
			AuthenticatedIntrospection: cfg.Introspection == config.IntrospectionAuthenticated}),
	}
	sched, err := jobs.New(db, o.Clock, logger)
	if err != nil {
		return nil, err
	}
	sched.Tracer = tracing.Tracer()
	a.jobs = sched
	if err := a.registerJobs(db, o); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *App) registerJobs(db *bun.DB, o Options) error {
	deliver := func(ctx context.Context) error { _, err := a.Deliverer.DeliverDue(ctx); return err }
	cleanSessions := func(ctx context.Context) error {
		if _, err := session.DeleteExpired(ctx, db, o.Clock.Now()); err != nil {
			return err
		}
		if err := a.Resolver.AuthService.DeleteOldFailures(ctx); err != nil {
			return err
		}
		if _, err := a.Resolver.AuthService.DeleteOldResets(ctx); err != nil {
			return err
		}
		// Reset links that could not be mailed within their life are dead: do not keep them.
		_, err := outbox.ExpireSecrets(ctx, db, o.Clock.Now(), auth.ResetTTL)
		return err
	}
	if err := a.jobs.Every("outbox-delivery", o.JobInterval, deliver); err != nil {
		return err
	}
	expireGrants := func(ctx context.Context) error { _, err := a.Resolver.TempAccessService.ExpireDue(ctx); return err }
	if err := a.jobs.Every("temporary-access-expiry", time.Minute, expireGrants); err != nil {
		return err
	}
	endSubstitutions := func(ctx context.Context) error { _, err := a.Resolver.SubstitutionService.EndDue(ctx); return err }
	if err := a.jobs.Every("substitution-end", time.Minute, endSubstitutions); err != nil {
		return err
	}
	substitutionNotices := func(ctx context.Context) error { _, err := a.Resolver.SubstitutionService.SendNotices(ctx); return err }
	if err := a.jobs.Every("substitution-notices", time.Minute, substitutionNotices); err != nil {
		return err
	}
	return a.jobs.Every("session-cleanup", time.Minute, cleanSessions)
}

// StartJobs starts the background jobs.
func (a *App) StartJobs() { a.jobs.Start() }

// Close stops the jobs, waiting for running ones to finish, and exports the spans left.
func (a *App) Close() error {
	err := a.jobs.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(err, a.Tracing.Shutdown(ctx))
}

// Package config reads casegate's configuration from flags and the environment. Each option has a
// flag and an environment variable; the flag wins when both are given. Secrets (passwords, tokens)
// are read from the environment only, so they never show in a process list; the one exception is
// --database-url, whose URL may carry a password: it is marked secret, and --help says to prefer
// DATABASE_URL.
package config

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/casegate/casegate/internal/database"
	"github.com/casegate/casegate/internal/settings"
)

// Config is the whole configuration of a casegate process.
type Config struct {
	DatabaseURL   string
	Addr          string
	PublicURL     string
	DataDir       string
	PGPort        int
	AdminEmail    string
	AdminPassword string
	Demo          bool
	// DevOutbox is "true", "false" or "auto" (on with Demo unless mail or SMS is configured);
	// DevOutboxOn says what it comes to.
	DevOutbox string

	SMTPAddr     string
	SMTPFrom     string
	SMTPUsername string
	SMTPPassword string
	SMTPTLS      string
	SMSURL       string
	SMSToken     string
	SMSFrom      string
	TimeZone     string

	SessionTTL    time.Duration
	MaxQueryDepth int
	MaxComplexity int
	MaxQueryBytes int
	// MaxAttachmentBytes bounds one attachment's content.
	MaxAttachmentBytes int
	// MaxTransfers and MaxTransfersPerPrincipal bound the attachment downloads and uploads running
	// at once, in total and per person.
	MaxTransfers, MaxTransfersPerPrincipal int
	// MaxUploads bounds the uploads among them: each holds a database connection while it writes;
	// MaxUploadsPerPrincipal bounds one person's, so that slow uploads of one cannot take them all.
	MaxUploads, MaxUploadsPerPrincipal int
	// HiddenFieldErrors reports hidden form fields as FIELD_HIDDEN errors.
	HiddenFieldErrors bool
	// Introspection says who may read the schema (__schema, __type, /schema.graphql):
	// IntrospectionAll or IntrospectionAuthenticated.
	Introspection string
	LogFormat     string
	LogLevel      string
	// OTLPEndpoint is the base URL of an OpenTelemetry collector (OTLP over HTTP); empty: no traces.
	OTLPEndpoint string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// CORSOrigins are the web origins (scheme://host[:port]) whose pages may call the API from a
	// browser; none by default.
	CORSOrigins []string
	// TrustedDocuments is the path of a trusted-documents manifest (persisted-documents.json); when
	// set, guests and temporary-access sessions may run only its documents (docs/frontend.md).
	TrustedDocuments string
}

// The values of --introspection.
const (
	// IntrospectionAll lets anyone read the schema, anonymous callers included (GraphiQL and code
	// generators work before a login).
	IntrospectionAll = "all"
	// IntrospectionAuthenticated lets only callers with a session read it.
	IntrospectionAuthenticated = "authenticated"
)

type option struct {
	flag, env, def, help string
	// secret options may hold a password or token. Secrets have no flag (they would show in the
	// process list), except --database-url, kept for convenience with a warning in --help.
	secret bool
	set    func(c *Config, v string) error
}

func str(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *dst(c) = v; return nil }
}

func integer(dst func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("%q is not a positive whole number", v)
		}
		*dst(c) = n
		return nil
	}
}

func boolean(dst func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*dst(c) = b
		return nil
	}
}

// prefixes reads a comma-separated list of addresses and CIDR prefixes; an address is a prefix of
// its full length.
func prefixes(dst func(*Config) *[]netip.Prefix) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []netip.Prefix
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if a, err := netip.ParseAddr(item); err == nil {
				out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return fmt.Errorf("%q is not an address or a CIDR prefix", item)
			}
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
		}
		*dst(c) = out
		return nil
	}
}

var options = []option{
	{"database-url", "DATABASE_URL", "", "PostgreSQL URL (postgres://user:password@host:5432/database?sslmode=disable); empty starts an embedded PostgreSQL under --data-dir", true, func(c *Config, v string) error {
		if v != "" {
			if err := database.CheckURL(v); err != nil {
				return err
			}
		}
		c.DatabaseURL = v
		return nil
	}},
	{"addr", "CASEGATE_ADDR", "127.0.0.1:8080", "listen address", false, str(func(c *Config) *string { return &c.Addr })},
	{"public-url", "CASEGATE_PUBLIC_URL", "", "public base URL used in links sent by mail (default http://<addr>)", false, func(c *Config, v string) error {
		if v == "" {
			c.PublicURL = ""
			return nil
		}
		u, err := settings.CheckPublicBaseURL(v) // the rule updateSettings applies
		if err != nil {
			return err
		}
		c.PublicURL = u
		return nil
	}},
	{"data-dir", "CASEGATE_DATA_DIR", "data", "folder of the embedded PostgreSQL's data", false, str(func(c *Config) *string { return &c.DataDir })},
	{"pg-port", "CASEGATE_PG_PORT", "54329", "port of the embedded PostgreSQL on 127.0.0.1", false, integer(func(c *Config) *int { return &c.PGPort })},
	{"admin-email", "CASEGATE_ADMIN_EMAIL", "", "make sure an administrator with this e-mail exists", false, str(func(c *Config) *string { return &c.AdminEmail })},
	{"", "CASEGATE_ADMIN_PASSWORD", "", "password of that administrator when it is created", true, str(func(c *Config) *string { return &c.AdminPassword })},
	{"demo", "CASEGATE_DEMO", "false", "load the demo data once: users (password demo-pass-2026), groups, permissions, positions, a client with a project and a guest, and three cases; skipped when the demo's administrator exists", false, boolean(func(c *Config) *bool { return &c.Demo })},
	{"dev-outbox", "CASEGATE_DEV_OUTBOX", "auto", "keep outgoing mail and SMS instead of sending them, and show them to anyone at /dev/outbox and in the devOutbox query (one-time codes and links included): for a developer's machine, never production; auto: on with --demo unless SMTP or SMS settings are given", false, func(c *Config, v string) error {
		if v == "auto" {
			c.DevOutbox = v
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true, false or auto", v)
		}
		c.DevOutbox = strconv.FormatBool(b)
		return nil
	}},
	{"smtp-addr", "CASEGATE_SMTP_ADDR", "", "SMTP server host:port; empty means outgoing mail is not configured", false, str(func(c *Config) *string { return &c.SMTPAddr })},
	{"smtp-from", "CASEGATE_SMTP_FROM", "", "sender address of outgoing mail", false, str(func(c *Config) *string { return &c.SMTPFrom })},
	{"smtp-username", "CASEGATE_SMTP_USERNAME", "", "SMTP user name (auth only when set)", false, str(func(c *Config) *string { return &c.SMTPUsername })},
	{"", "CASEGATE_SMTP_PASSWORD", "", "SMTP password", true, str(func(c *Config) *string { return &c.SMTPPassword })},
	{"smtp-tls", "CASEGATE_SMTP_TLS", "starttls", "SMTP TLS mode: none, starttls or tls", false, str(func(c *Config) *string { return &c.SMTPTLS })},
	{"sms-url", "CASEGATE_SMS_URL", "", "base URL of an smsapi.pl-compatible SMS API", false, str(func(c *Config) *string { return &c.SMSURL })},
	{"", "CASEGATE_SMS_TOKEN", "", "SMS API token", true, str(func(c *Config) *string { return &c.SMSToken })},
	{"sms-from", "CASEGATE_SMS_FROM", "", "sender name of outgoing SMS; empty means the SMS account's default", false, str(func(c *Config) *string { return &c.SMSFrom })},
	{"time-zone", "CASEGATE_TIME_ZONE", "Europe/Warsaw", "server time zone for dates (substitution periods)", false, str(func(c *Config) *string { return &c.TimeZone })},
	{"session-ttl", "CASEGATE_SESSION_TTL", "12h", "lifetime of a login session", false, func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration such as 12h or 30m", v)
		}
		c.SessionTTL = d
		return nil
	}},
	{"max-query-depth", "CASEGATE_MAX_QUERY_DEPTH", "12", "deepest selection a query may have", false, integer(func(c *Config) *int { return &c.MaxQueryDepth })},
	{"max-complexity", "CASEGATE_MAX_COMPLEXITY", "20000", "highest complexity a query may have", false, integer(func(c *Config) *int { return &c.MaxComplexity })},
	{"hidden-field-errors", "CASEGATE_HIDDEN_FIELD_ERRORS", "false", "report hidden form fields as FIELD_HIDDEN errors instead of extensions.hiddenFields", false, boolean(func(c *Config) *bool { return &c.HiddenFieldErrors })},
	{"introspection", "CASEGATE_INTROSPECTION", IntrospectionAll, "who may read the schema (introspection and GET /schema.graphql): all, or authenticated (callers with a session only)", false, func(c *Config, v string) error {
		if v != IntrospectionAll && v != IntrospectionAuthenticated {
			return fmt.Errorf("%q is not all or authenticated", v)
		}
		c.Introspection = v
		return nil
	}},
	{"max-query-bytes", "CASEGATE_MAX_QUERY_BYTES", "65536", "largest GraphQL document accepted, in bytes", false, integer(func(c *Config) *int { return &c.MaxQueryBytes })},
	{"max-attachment-bytes", "CASEGATE_MAX_ATTACHMENT_BYTES", "26214400", "largest attachment accepted, in bytes (default 25 MiB)", false, integer(func(c *Config) *int { return &c.MaxAttachmentBytes })},
	{"max-transfers", "CASEGATE_MAX_TRANSFERS", "64", "attachment downloads and uploads running at once, in total; more are refused (HTTP 429 / RATE_LIMITED) so memory stays bounded", false, integer(func(c *Config) *int { return &c.MaxTransfers })},
	{"max-transfers-per-principal", "CASEGATE_MAX_TRANSFERS_PER_PRINCIPAL", "8", "attachment downloads and uploads running at once for one person (user or temporary-access grant)", false, integer(func(c *Config) *int { return &c.MaxTransfersPerPrincipal })},
	{"max-uploads", "CASEGATE_MAX_UPLOADS", "8", "attachment uploads running at once, in total (each holds one of the 20 database connections while it writes)", false, integer(func(c *Config) *int { return &c.MaxUploads })},
	{"max-uploads-per-principal", "CASEGATE_MAX_UPLOADS_PER_PRINCIPAL", "2", "attachment uploads running at once for one person; well below --max-uploads, so that one person's slow uploads leave slots to the others", false, integer(func(c *Config) *int { return &c.MaxUploadsPerPrincipal })},
	{"trusted-proxies", "CASEGATE_TRUSTED_PROXIES", "", "reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client", false, prefixes(func(c *Config) *[]netip.Prefix { return &c.TrustedProxies })},
	{"cors-origins", "CASEGATE_CORS_ORIGINS", "", "web origins (scheme://host[:port], comma-separated, e.g. https://app.example.com) whose pages may call /graphql and download attachments from a browser (CORS); empty: none", false, origins(func(c *Config) *[]string { return &c.CORSOrigins })},
	{"trusted-documents", "CASEGATE_TRUSTED_DOCUMENTS", "", "file of trusted GraphQL documents (persisted-documents.json: {\"<sha256 hex>\": \"<document>\"}); when set, guests and temporary-access sessions may run only these (and casegate's own pages'); checked against the schema at start", false, str(func(c *Config) *string { return &c.TrustedDocuments })},
	{"otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "", "base URL of an OpenTelemetry collector (OTLP over HTTP, e.g. http://localhost:4318); empty: no traces", false, str(func(c *Config) *string { return &c.OTLPEndpoint })},
	{"log-format", "CASEGATE_LOG_FORMAT", "text", "log format: text or json", false, str(func(c *Config) *string { return &c.LogFormat })},
	{"log-level", "CASEGATE_LOG_LEVEL", "info", "log level: debug, info, warn or error", false, str(func(c *Config) *string { return &c.LogLevel })},
}

// Defaults returns the configuration with every option at its default.
func Defaults() Config {
	var c Config
	for _, o := range options {
		if err := o.set(&c, o.def); err != nil && o.def != "" {
			panic(err) // a default that does not parse is a programming error
		}
	}
	return c
}

// Load reads the environment (getenv), then the flags in args, over the defaults. Flags may come
// before, between and after the other arguments (`migrate up --database-url …`), which it returns
// in order; everything after "--" is an argument.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, []string, error) {
	c := Defaults()
	for _, o := range options {
		if v := getenv(o.env); v != "" {
			if err := o.set(&c, v); err != nil {
				return c, nil, o.invalid(err.Error())
			}
		}
	}
	var flagErr error // the flag package would wrap it in its own words
	for _, o := range options {
		if o.flag != "" {
			fs.Var(&flagValue{c: &c, o: o, err: &flagErr}, o.flag, o.help)
		}
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if flagErr != nil {
				return c, nil, flagErr
			}
			return c, nil, unknownFlag(err)
		}
		left := fs.Args()
		if len(left) == 0 {
			break
		}
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			rest = append(rest, left...) // the flag package stopped at "--"
			break
		}
		rest, args = append(rest, left[0]), left[1:]
	}
	return c, rest, c.validate()
}

func (c Config) validate() error {
	if c.DevOutbox == "true" && c.realDelivery() {
		// A stray CASEGATE_DEV_OUTBOX on a server that mails real people would show their codes
		// and links to anyone: refuse rather than guess which of the two was meant.
		return Invalid("dev-outbox", "cannot be combined with mail or SMS settings (CASEGATE_SMTP_ADDR, CASEGATE_SMS_URL, CASEGATE_SMS_TOKEN): "+
			"the dev outbox shows every message to anyone and is for a developer's machine only; unset those to catch mail locally, or drop --dev-outbox to send it")
	}
	switch c.SMTPTLS {
	case "none", "starttls", "tls":
	default:
		return Invalid("smtp-tls", fmt.Sprintf("%q is not none, starttls or tls", c.SMTPTLS))
	}
	if !settings.GoKnowsTimeZone(c.TimeZone) {
		return Invalid("time-zone", fmt.Sprintf("%q is not an IANA time zone such as Europe/Warsaw", c.TimeZone))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return Invalid("log-format", fmt.Sprintf("%q is not text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return Invalid("log-level", fmt.Sprintf("%q is not debug, info, warn or error", c.LogLevel))
	}
	return nil
}

// Invalid is the error for a bad value of the option named (by its flag, or by its environment
// variable when it has none). Every configuration error is made here, so each names the variable
// and the flag the same way: "CASEGATE_LOG_LEVEL (--log-level): …".
func Invalid(name, reason string) error {
	for _, o := range options {
		if o.flag == name || o.env == name {
			return o.invalid(reason)
		}
	}
	panic("config: no option " + name)
}

func (o option) invalid(reason string) error {
	if o.flag == "" {
		return fmt.Errorf("%s: %s", o.env, reason)
	}
	return fmt.Errorf("%s (--%s): %s", o.env, o.flag, reason)
}

// flagValue sets an option straight into the Config; boolean options work as bare flags (--demo).
type flagValue struct {
	c   *Config
	o   option
	err *error // the first bad value, in Invalid's words
}

func (f *flagValue) String() string { return "" }
func (f *flagValue) Set(v string) error {
	if err := f.o.set(f.c, v); err != nil {
		if *f.err == nil {
			*f.err = f.o.invalid(err.Error())
		}
		return *f.err
	}
	return nil
}

// IsBoolFlag: options defaulting to auto are booleans with a third value, so a bare --dev-outbox
// means true.
func (f *flagValue) IsBoolFlag() bool {
	return f.o.def == "true" || f.o.def == "false" || f.o.def == "auto"
}

// realDelivery reports whether any setting of a real SMTP server or SMS API is given.
func (c Config) realDelivery() bool {
	return c.SMTPAddr != "" || c.SMSURL != "" || c.SMSToken != ""
}

// DevOutboxOn reports whether outgoing mail and SMS go to the dev outbox: when asked for, or by
// default with --demo as long as no mail or SMS settings are given (then the demo sends for real).
func (c Config) DevOutboxOn() bool {
	switch c.DevOutbox {
	case "true":
		return true
	case "auto":
		return c.Demo && !c.realDelivery()
	}
	return false
}

// BaseURL is the public base URL, defaulting to the listen address.
func (c Config) BaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.Addr
}

// PrintHelp writes every option with its flag, environment variable and default. Secrets are
// environment variables only; a secret that has a flag all the same says to prefer the variable.
func PrintHelp(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLAG\tENVIRONMENT\tDEFAULT\tMEANING")
	for _, o := range options {
		fl, help := "--"+o.flag, o.help
		switch {
		case o.flag == "":
			fl = "(environment only)"
		case o.secret:
			help += " (may hold a password: prefer " + o.env + ", since flags show in the process list)"
		}
		def := o.def
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", fl, o.env, def, help)
	}
	_ = tw.Flush()
}

// Getenv is os.Getenv, named so tests can pass their own.
var Getenv = os.Getenv

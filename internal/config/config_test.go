package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	c, rest, err := loadArgs(t, args, env)
	if err == nil && len(rest) > 0 {
		t.Fatalf("arguments left: %q", rest)
	}
	return c, err
}

func loadArgs(t *testing.T, args []string, env map[string]string) (Config, []string, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, func(k string) string { return env[k] })
}

func TestDefaultsEnvironmentAndFlags(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.SessionTTL != 12*time.Hour || c.TimeZone != "Europe/Warsaw" || c.Demo || c.BaseURL() != "http://127.0.0.1:8080" {
		t.Fatalf("defaults = %+v", c)
	}
	env := map[string]string{"CASEGATE_ADDR": "0.0.0.0:9000", "CASEGATE_SMTP_PASSWORD": "s3cret", "CASEGATE_SESSION_TTL": "30m",
		"DATABASE_URL": "postgres://x/y", "CASEGATE_PUBLIC_URL": "https://cases.example.com/"}
	c, err = load(t, []string{"--addr", "127.0.0.1:7000", "--demo"}, env)
	if err != nil {
		t.Fatal(err)
	}
	// The flag wins over the environment; the environment over the default.
	if c.Addr != "127.0.0.1:7000" || !c.Demo || c.SMTPPassword != "s3cret" || c.SessionTTL != 30*time.Minute || c.DatabaseURL != "postgres://x/y" {
		t.Fatalf("loaded = %+v", c)
	}
	if c.BaseURL() != "https://cases.example.com" {
		t.Fatalf("BaseURL = %q", c.BaseURL())
	}
}

func TestSMSOptions(t *testing.T) {
	env := map[string]string{"CASEGATE_SMS_URL": "https://api.smsapi.pl", "CASEGATE_SMS_TOKEN": "tok", "CASEGATE_SMS_FROM": "Casegate"}
	c, err := load(t, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.SMSURL != "https://api.smsapi.pl" || c.SMSToken != "tok" || c.SMSFrom != "Casegate" {
		t.Fatalf("loaded = %+v", c)
	}
	// The sender name is not a secret: it has a flag, and the flag wins.
	if c, err = load(t, []string{"--sms-from", "Urzad"}, env); err != nil || c.SMSFrom != "Urzad" {
		t.Fatalf("--sms-from: SMSFrom = %q, err %v", c.SMSFrom, err)
	}
}

func TestSecretsHaveNoFlags(t *testing.T) {
	for _, name := range []string{"smtp-password", "sms-token", "admin-password"} {
		if _, err := load(t, []string{"--" + name, "x"}, nil); err == nil {
			t.Errorf("--%s accepted: secrets must come from the environment only", name)
		}
	}
}

func TestInvalidValues(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"tls mode":      {"CASEGATE_SMTP_TLS": "maybe"},
		"time zone":     {"CASEGATE_TIME_ZONE": "Mars/Olympus"},
		"ttl":           {"CASEGATE_SESSION_TTL": "forever"},
		"depth":         {"CASEGATE_MAX_QUERY_DEPTH": "-3"},
		"log format":    {"CASEGATE_LOG_FORMAT": "xml"},
		"log level":     {"CASEGATE_LOG_LEVEL": "loud"},
		"demo toggle":   {"CASEGATE_DEMO": "perhaps"},
		"introspection": {"CASEGATE_INTROSPECTION": "off"},
	} {
		if _, err := load(t, nil, env); err == nil {
			t.Errorf("%s: invalid value accepted", name)
		}
	}
	var b strings.Builder
	PrintHelp(&b)
	if !strings.Contains(b.String(), "CASEGATE_SMTP_PASSWORD") || !strings.Contains(b.String(), "(environment only)") {
		t.Fatal("help does not list environment-only secrets")
	}
}

func TestIntrospectionOption(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil || c.Introspection != IntrospectionAll {
		t.Fatalf("default introspection = %q (%v), want all", c.Introspection, err)
	}
	env := map[string]string{"CASEGATE_INTROSPECTION": "authenticated"}
	if c, err = load(t, nil, env); err != nil || c.Introspection != IntrospectionAuthenticated {
		t.Fatalf("CASEGATE_INTROSPECTION=authenticated: %q (%v)", c.Introspection, err)
	}
	if c, err = load(t, []string{"--introspection", "all"}, env); err != nil || c.Introspection != IntrospectionAll {
		t.Fatalf("--introspection all over the environment: %q (%v)", c.Introspection, err)
	}
	_, err = load(t, []string{"--introspection=anonymous"}, nil)
	if err == nil || !strings.Contains(err.Error(), "CASEGATE_INTROSPECTION (--introspection)") || !strings.Contains(err.Error(), "all or authenticated") {
		t.Fatalf("--introspection=anonymous: %v", err)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	c, rest, err := loadArgs(t, []string{"up", "--database-url", "postgres://x/y", "--log-level=debug", "more", "--", "--demo"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://x/y" || c.LogLevel != "debug" || c.Demo {
		t.Fatalf("loaded = %+v", c)
	}
	if strings.Join(rest, " ") != "up more --demo" {
		t.Fatalf("arguments = %q, want up, more and (after --) --demo", rest)
	}
	if _, _, err := loadArgs(t, []string{"up", "--log-level", "loud"}, nil); err == nil {
		t.Fatal("--log-level loud accepted")
	}
}

func TestHelpWarnsAboutTheDatabaseURLFlag(t *testing.T) {
	var b strings.Builder
	PrintHelp(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "--database-url") && !strings.Contains(line, "prefer DATABASE_URL") {
			t.Fatalf("--database-url help does not say to prefer the environment: %s", line)
		}
	}
	for _, o := range options {
		if o.secret && o.flag != "" && o.flag != "database-url" {
			t.Errorf("secret option --%s has a flag", o.flag)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := load(t, nil, map[string]string{"CASEGATE_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.7 ,::1, ::ffff:172.16.0.0/108, 10.1.2.3/16"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	want := "10.0.0.0/8 192.168.1.7/32 ::1/128 172.16.0.0/12 10.1.0.0/16"
	if strings.Join(got, " ") != want {
		t.Fatalf("trusted proxies = %v, want %s", got, want)
	}
	if d := Defaults(); len(d.TrustedProxies) != 0 {
		t.Fatalf("trusted by default: %v", d.TrustedProxies)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0.1-10.0.0.9"} {
		if _, err := load(t, []string{"--trusted-proxies", bad}, nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Every configuration error is one line that names the environment variable and the flag the
// same way, whether the value came from one or the other, and never repeats a database URL (it
// may hold a password).
func TestErrorsNameVariableAndFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"URL without scheme", map[string]string{"DATABASE_URL": "localhost:5432/casegate"}, nil,
			"DATABASE_URL (--database-url): not a PostgreSQL URL; expected postgres://user:password@host:5432/database?sslmode=disable"},
		{"URL of another scheme", nil, []string{"--database-url", "mysql://root:hunter2@db/casegate"},
			"DATABASE_URL (--database-url): not a PostgreSQL URL; expected postgres://user:password@host:5432/database?sslmode=disable"},
		{"URL with a bad sslmode", map[string]string{"DATABASE_URL": "postgres://u:hunter2@db/casegate?sslmode=sometimes"}, nil,
			"DATABASE_URL (--database-url): not a usable PostgreSQL URL (pgdriver: sslmode 'sometimes' is not supported); expected postgres://user:password@host:5432/database?sslmode=disable"},
		{"public URL without scheme", map[string]string{"CASEGATE_PUBLIC_URL": "example.com"}, nil,
			"CASEGATE_PUBLIC_URL (--public-url): must be an http:// or https:// address such as https://cases.example.com, without a query"},
		{"public URL without host", nil, []string{"--public-url=https://"},
			"CASEGATE_PUBLIC_URL (--public-url): must be an http:// or https:// address such as https://cases.example.com, without a query"},
		{"number from the environment", map[string]string{"CASEGATE_MAX_QUERY_DEPTH": "-3"}, nil,
			`CASEGATE_MAX_QUERY_DEPTH (--max-query-depth): "-3" is not a positive whole number`},
		{"number from a flag", nil, []string{"--max-query-depth", "-3"},
			`CASEGATE_MAX_QUERY_DEPTH (--max-query-depth): "-3" is not a positive whole number`},
		{"boolean", nil, []string{"--demo=perhaps"}, `CASEGATE_DEMO (--demo): "perhaps" is not true or false`},
		{"duration", map[string]string{"CASEGATE_SESSION_TTL": "forever"}, nil,
			`CASEGATE_SESSION_TTL (--session-ttl): "forever" is not a positive duration such as 12h or 30m`},
		{"proxies", nil, []string{"--trusted-proxies", "proxy.local"},
			`CASEGATE_TRUSTED_PROXIES (--trusted-proxies): "proxy.local" is not an address or a CIDR prefix`},
		{"choice from the environment", map[string]string{"CASEGATE_LOG_LEVEL": "loud"}, nil,
			`CASEGATE_LOG_LEVEL (--log-level): "loud" is not debug, info, warn or error`},
		{"choice from a flag", nil, []string{"--smtp-tls", "maybe"}, `CASEGATE_SMTP_TLS (--smtp-tls): "maybe" is not none, starttls or tls`},
		{"time zone", nil, []string{"--time-zone", "Mars/Olympus"},
			`CASEGATE_TIME_ZONE (--time-zone): "Mars/Olympus" is not an IANA time zone such as Europe/Warsaw`},
		{"time zone of the machine", nil, []string{"--time-zone", "Local"},
			`CASEGATE_TIME_ZONE (--time-zone): "Local" is not an IANA time zone such as Europe/Warsaw`},
	} {
		_, err := load(t, tc.args, tc.env)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, err, tc.want)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error repeats the password", tc.name)
		}
	}
	if err := Invalid("addr", "cannot listen"); err.Error() != "CASEGATE_ADDR (--addr): cannot listen" {
		t.Errorf("Invalid(addr) = %v", err)
	}
	if err := Invalid("CASEGATE_SMTP_PASSWORD", "is empty"); err.Error() != "CASEGATE_SMTP_PASSWORD: is empty" {
		t.Errorf("Invalid of an environment-only option = %v", err)
	}
}

func TestValidURLs(t *testing.T) {
	c, err := load(t, nil, map[string]string{"DATABASE_URL": "postgresql://u:p@db:5433/casegate?sslmode=require", "CASEGATE_PUBLIC_URL": " https://cases.example.com/app/ "})
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgresql://u:p@db:5433/casegate?sslmode=require" || c.BaseURL() != "https://cases.example.com/app" {
		t.Fatalf("DatabaseURL %q, BaseURL %q", c.DatabaseURL, c.BaseURL())
	}
	if c, err = load(t, []string{"--database-url", ""}, map[string]string{"DATABASE_URL": "postgres://x/y"}); err != nil || c.DatabaseURL != "" {
		t.Fatalf("an empty --database-url (embedded PostgreSQL): %q, %v", c.DatabaseURL, err)
	}
}

func TestCORSOrigins(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil || len(c.CORSOrigins) != 0 {
		t.Fatalf("default CORS origins = %q, %v; want none", c.CORSOrigins, err)
	}
	env := map[string]string{"CASEGATE_CORS_ORIGINS": "https://App.Example.com, http://localhost:5173,https://app.example.com:443,http://[::1]:80,https://app.example.com"}
	c, err = load(t, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	// As browsers send them: lower case, no default port; duplicates once.
	if got := strings.Join(c.CORSOrigins, " "); got != "https://app.example.com http://localhost:5173 http://[::1]" {
		t.Fatalf("CORS origins = %q", got)
	}
	if c, err = load(t, []string{"--cors-origins", "https://portal.example.com:8443"}, env); err != nil || strings.Join(c.CORSOrigins, " ") != "https://portal.example.com:8443" {
		t.Fatalf("--cors-origins: %q, %v", c.CORSOrigins, err)
	}
	for _, bad := range []string{"*", "null", "app.example.com", "https://app.example.com/", "https://app.example.com/portal",
		"https://app.example.com?x=1", "https://app.example.com#top", "ftp://app.example.com", "https://user@app.example.com",
		"https://app.example.com:99999", "https://app.example.com:", "https://*.example.com", "https://"} {
		_, err := load(t, nil, map[string]string{"CASEGATE_CORS_ORIGINS": "https://ok.example.com," + bad})
		if err == nil || !strings.HasPrefix(err.Error(), "CASEGATE_CORS_ORIGINS (--cors-origins): ") {
			t.Errorf("%q: error %v, want a CASEGATE_CORS_ORIGINS error", bad, err)
		}
	}
}

// An unknown flag names the closest known one: a synonym (--port is the listen address), else
// the flag fewest edits away.
func TestUnknownFlagSuggests(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--port", "8080"}, "unknown flag --port; did you mean --addr?"},
		{[]string{"-port=8080"}, "unknown flag --port; did you mean --addr?"},
		{[]string{"--log-levle", "debug"}, "unknown flag --log-levle; did you mean --log-level?"},
		{[]string{"--datadir", "x"}, "unknown flag --datadir; did you mean --data-dir?"},
		{[]string{"--smtp", "x"}, "unknown flag --smtp; did you mean --smtp-addr?"},
		{[]string{"--demo-data"}, "unknown flag --demo-data; did you mean --demo?"},
		{[]string{"--frobnicate"}, "unknown flag --frobnicate; --help lists every flag"},
	} {
		_, err := load(t, tc.args, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %q", tc.args, err, tc.want)
		}
	}
}

// --help says what --demo loads: the users and the cases, once.
func TestDemoHelp(t *testing.T) {
	var b strings.Builder
	PrintHelp(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "--demo ") {
			for _, want := range []string{"once", "users", "cases", "guest", "positions"} {
				if !strings.Contains(line, want) {
					t.Errorf("--demo's help does not say %q: %s", want, line)
				}
			}
			return
		}
	}
	t.Fatal("no --demo in the help")
}

func TestDevOutbox(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		on   bool
	}{
		{"default", nil, nil, false},
		{"demo alone", []string{"--demo"}, nil, true},
		{"demo with SMTP", []string{"--demo"}, map[string]string{"CASEGATE_SMTP_ADDR": "smtp.example.com:587"}, false},
		{"demo with an SMS API", []string{"--demo"}, map[string]string{"CASEGATE_SMS_URL": "https://api.smsapi.pl"}, false},
		{"demo, turned off", []string{"--demo", "--dev-outbox=false"}, nil, false},
		{"bare flag", []string{"--dev-outbox"}, nil, true},
		{"environment", nil, map[string]string{"CASEGATE_DEV_OUTBOX": "true"}, true},
		{"flag over environment", []string{"--dev-outbox=auto"}, map[string]string{"CASEGATE_DEV_OUTBOX": "true"}, false},
	} {
		cfg, err := load(t, c.args, c.env)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if cfg.DevOutboxOn() != c.on {
			t.Errorf("%s: dev outbox on = %v, want %v", c.name, cfg.DevOutboxOn(), c.on)
		}
	}
	_, err := load(t, nil, map[string]string{"CASEGATE_DEV_OUTBOX": "maybe"})
	if err == nil || !strings.Contains(err.Error(), "CASEGATE_DEV_OUTBOX (--dev-outbox): \"maybe\" is not true, false or auto") {
		t.Fatalf("bad value: %v", err)
	}
	// Asked for beside real mail or SMS settings, it refuses to start rather than show real
	// people's codes to anyone.
	for _, env := range []map[string]string{{"CASEGATE_SMTP_ADDR": "smtp.example.com:587"}, {"CASEGATE_SMS_TOKEN": "tok"}} {
		_, err := load(t, []string{"--dev-outbox"}, env)
		if err == nil || !strings.HasPrefix(err.Error(), "CASEGATE_DEV_OUTBOX (--dev-outbox): cannot be combined with mail or SMS settings") {
			t.Fatalf("%v: %v", env, err)
		}
	}
}

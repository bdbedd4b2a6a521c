package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// origins reads a comma-separated list of web origins (CORS): each scheme://host[:port] exactly as
// a browser sends it in the Origin header, so that a request's origin is allowed by plain string
// comparison. An entry that is not such an origin is refused rather than guessed at: a path, a
// wildcard or "null" in the list would open /graphql to more pages than meant.
func origins(dst func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []string
		seen := map[string]bool{}
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			o, err := checkOrigin(item)
			if err != nil {
				return err
			}
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
		*dst(c) = out
		return nil
	}
}

// checkOrigin returns the origin in the form browsers send: scheme and host in lower case, without
// the scheme's default port.
func checkOrigin(s string) (string, error) {
	const form = "an origin is scheme://host[:port] with no path, such as https://app.example.com"
	if s == "*" || strings.EqualFold(s, "null") {
		return "", fmt.Errorf("%q is not allowed: list each origin exactly (%s)", s, form)
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", fmt.Errorf("%q is not an origin: %s", s, form)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%q is not an origin: the scheme must be http or https", s)
	}
	switch {
	case u.User != nil:
		return "", fmt.Errorf("%q is not an origin: it has a user name (%s)", s, form)
	case u.Path != "" || u.RawPath != "":
		return "", fmt.Errorf("%q is not an origin: it has a path, even if only \"/\" (%s)", s, form)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(s, "?#"):
		return "", fmt.Errorf("%q is not an origin: it has a query or fragment (%s)", s, form)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || strings.Contains(host, "*") {
		return "", fmt.Errorf("%q is not an origin: %s", s, form)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("%q is not an origin: the port is empty", s)
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q is not an origin: %q is not a port", s, port)
		}
		if (scheme != "http" || n != 80) && (scheme != "https" || n != 443) { // browsers leave the default port out
			return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(n)), nil
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	return scheme + "://" + host, nil
}

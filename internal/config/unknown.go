package config

import (
	"fmt"
	"strings"
)

// synonyms are flag names people bring from other servers, mapped to ours. Spelling alone would
// answer --port with --pg-port, which is the embedded PostgreSQL's port, not the server's.
var synonyms = map[string]string{
	"port": "addr", "listen": "addr", "listen-addr": "addr", "address": "addr", "host": "addr", "bind": "addr", "http": "addr",
	"db": "database-url", "database": "database-url", "db-url": "database-url", "dsn": "database-url", "postgres": "database-url",
	"data": "data-dir", "datadir": "data-dir", "pgdata": "data-dir",
	"pgport": "pg-port", "postgres-port": "pg-port", "db-port": "pg-port",
	"url": "public-url", "base-url": "public-url",
	"verbose": "log-level", "debug": "log-level",
	"tz": "time-zone", "timezone": "time-zone",
}

const undefinedFlag = "flag provided but not defined: -"

// unknownFlag turns the flag package's "flag provided but not defined" into "unknown flag --port;
// did you mean --addr?", naming the closest known flag when one is close enough.
func unknownFlag(err error) error {
	name, ok := strings.CutPrefix(err.Error(), undefinedFlag)
	if !ok {
		return err
	}
	name = strings.TrimLeft(name, "-")
	if s := suggest(name); s != "" {
		return fmt.Errorf("unknown flag --%s; did you mean --%s?", name, s)
	}
	return fmt.Errorf("unknown flag --%s; --help lists every flag", name)
}

// suggest is the known flag closest to name: a synonym, else the one fewest edits away (at most a
// third of the name's length, and at least 2), else one that contains name or is contained in it.
func suggest(name string) string {
	name = strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	if s, ok := synonyms[name]; ok {
		return s
	}
	best, bestD := "", max(2, len(name)/3)+1
	for _, o := range options {
		if o.flag == "" {
			continue
		}
		if d := distance(name, o.flag); d < bestD {
			best, bestD = o.flag, d
		}
	}
	if best != "" {
		return best
	}
	for _, o := range options {
		if o.flag != "" && len(name) >= 3 && (strings.Contains(o.flag, name) || strings.Contains(name, o.flag)) {
			return o.flag
		}
	}
	return ""
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

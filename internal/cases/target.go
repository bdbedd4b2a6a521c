package cases

import "strings"

// splitTarget splits "section.field" ("section" for a section).
func splitTarget(target string) (section, field string) {
	section, field, _ = strings.Cut(target, ".")
	return section, field
}

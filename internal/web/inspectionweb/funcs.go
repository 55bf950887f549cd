package inspectionweb

import (
	"strings"
)

// indent is a node's name indented by its depth with full-width spaces.
func indent(depth int) string { return strings.Repeat("\u3000", depth) }

package workorder

import (
	"strings"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/i18n"
)

// The audit log's words for the work orders' entries: each step's action
// by its name, and the summary "A1B2C3 accepted → dispatched" (written in
// state codes by act.go and public.go) in the reader's language.
func init() {
	audit.Describe("workorder.", audit.Describer{
		ActionKey: func(action string) string { return Action(strings.TrimPrefix(action, "workorder.")).Key() },
		Summary:   stepSummary,
	})
	for _, prefix := range []string{"board.", "points."} {
		audit.Describe(prefix, audit.Describer{ActionKey: func(action string) string { return "audit.action." + action }})
	}
}

// stepSummary reads "CODE from → to" and "CODE from → to (citizen)".
func stepSummary(l i18n.Lang, e audit.Entry) string {
	code, rest, ok := strings.Cut(e.Summary, " ")
	if !ok {
		return ""
	}
	citizen := strings.HasSuffix(rest, " (citizen)")
	rest = strings.TrimSuffix(rest, " (citizen)")
	from, to, ok := strings.Cut(rest, " → ")
	if !ok || !State(from).Valid() || !State(to).Valid() {
		return ""
	}
	s := code + " " + i18n.T(l, State(from).Key()) + " → " + i18n.T(l, State(to).Key())
	if citizen {
		s += " " + i18n.T(l, "workorder.audit.by_citizen")
	}
	return s
}

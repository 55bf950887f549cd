package audit

import (
	"strings"
	"sync"

	"github.com/wenming-city/wenming/internal/i18n"
)

// A Describer says, for the actions and entities of one capability, how an
// entry reads in a language: the message key of an action ("workorder.dispatch"
// → "workorder.action.dispatch") and, where the summary was written in the
// capability's own codes ("A1B2 accepted → dispatched"), the summary in words.
// Capabilities register theirs once (Describe), the audit pages call Label
// and Summary, so no page shows a code.
type Describer struct {
	// ActionKey is the message key of an action with the prefix, "" for none.
	ActionKey func(action string) string
	// Summary writes an entry's summary in l; nil keeps the stored one.
	Summary func(l i18n.Lang, e Entry) string
}

var describers = struct {
	sync.RWMutex
	byPrefix map[string]Describer
}{byPrefix: map[string]Describer{}}

// Describe registers how the entries whose action starts with prefix ("workorder.")
// read. It panics when the prefix is taken: a programming error.
func Describe(prefix string, d Describer) {
	describers.Lock()
	defer describers.Unlock()
	if _, ok := describers.byPrefix[prefix]; ok {
		panic("audit: describer for " + prefix + " registered twice")
	}
	describers.byPrefix[prefix] = d
}

func describerOf(action string) (Describer, bool) {
	describers.RLock()
	defer describers.RUnlock()
	if i := strings.IndexByte(action, '.'); i > 0 {
		d, ok := describers.byPrefix[action[:i+1]]
		return d, ok
	}
	return Describer{}, false
}

// Label is an action's name in l: the capability's key, then
// "audit.action.<action>", else the code itself.
func Label(l i18n.Lang, action string) string {
	if d, ok := describerOf(action); ok && d.ActionKey != nil {
		if k := d.ActionKey(action); k != "" && i18n.Has(k) {
			return i18n.T(l, k)
		}
	}
	if k := "audit.action." + action; i18n.Has(k) {
		return i18n.T(l, k)
	}
	return action
}

// Summary is an entry's summary in l.
func Summary(l i18n.Lang, e Entry) string {
	if d, ok := describerOf(e.Action); ok && d.Summary != nil {
		if s := d.Summary(l, e); s != "" {
			return s
		}
	}
	return e.Summary
}

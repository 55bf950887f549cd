package figures

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/wenming-city/wenming/internal/auth"
)

// Scope is what a figure is computed for: a period of days (inclusive,
// 'YYYY-MM-DD' in China Standard Time) and optionally one region or unit
// subtree (0: the caller's whole data scope).
type Scope struct {
	From, To string
	RegionID int64
	UnitID   int64
}

// Value is a figure's value: a count, or a rate when Rate is set.
type Value struct {
	Count int64
	Rate  *Rate
}

// Figure is one registered figure of a capability. LabelKey and DefKey are
// message keys (the name, and the one-line definition of what it counts).
type Figure struct {
	ID       string // "capability.name", unique
	LabelKey string
	DefKey   string
	Compute  func(ctx context.Context, p *auth.Principal, sc Scope) (Value, error)
	// Link is the list of the rows a value counts, for the same scope
	// (a rate: its numerator's rows); nil or "": no list. LinkPerm is the
	// permission that list needs: a screen offers the link only to those
	// who hold it (the server checks it again on the list).
	Link     func(sc Scope) string
	LinkPerm auth.Perm
}

var (
	mu       sync.Mutex
	registry []Figure
)

// Register adds a figure, once per process (from a capability's init or
// constructor), as search kinds are registered. It panics on an empty or
// taken id, a missing key or a missing Compute: a programming error.
func Register(f Figure) {
	mu.Lock()
	defer mu.Unlock()
	if f.ID == "" || f.LabelKey == "" || f.DefKey == "" || f.Compute == nil || (f.Link != nil && f.LinkPerm == "") {
		panic(fmt.Sprintf("figures: incomplete figure %q", f.ID))
	}
	if slices.ContainsFunc(registry, func(x Figure) bool { return x.ID == f.ID }) {
		panic(fmt.Sprintf("figures: figure %q registered twice", f.ID))
	}
	registry = append(registry, f)
}

// All returns the registered figures in the order they were registered.
func All() []Figure {
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(registry)
}

// Get returns the figure with id.
func Get(id string) (Figure, bool) {
	mu.Lock()
	defer mu.Unlock()
	i := slices.IndexFunc(registry, func(x Figure) bool { return x.ID == id })
	if i < 0 {
		return Figure{}, false
	}
	return registry[i], true
}

package figures

import (
	"context"
	"sync"

	"github.com/wenming-city/wenming/internal/auth"
)

// A capability often computes several of its figures in one go (one read
// of its rows gives every count). A screen that shows many figures (the
// cockpit: each for this period and the one before) asks the registry for
// them one by one, so without a memo the one read would run once per
// figure. WithMemo gives a request's context a memo; Memo computes a
// capability's shared read once per name, principal and scope in it.

type memoKey struct {
	name string
	p    *auth.Principal
	sc   Scope
}

type memoEntry struct {
	v   any
	err error
}

type memo struct {
	mu sync.Mutex
	m  map[memoKey]memoEntry
}

type memoCtxKey struct{}

// WithMemo returns ctx carrying a new memo, for the figures of one request.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoCtxKey{}, &memo{m: map[memoKey]memoEntry{}})
}

// Memo returns fn's result for name, p and sc, computed once per memo of
// ctx (an error too is kept, so a failing read is not repeated); without a
// memo it calls fn.
func Memo[T any](ctx context.Context, name string, p *auth.Principal, sc Scope, fn func() (T, error)) (T, error) {
	m, _ := ctx.Value(memoCtxKey{}).(*memo)
	if m == nil {
		return fn()
	}
	k := memoKey{name, p, sc}
	m.mu.Lock()
	e, ok := m.m[k]
	m.mu.Unlock()
	if ok {
		v, _ := e.v.(T)
		return v, e.err
	}
	v, err := fn()
	m.mu.Lock()
	m.m[k] = memoEntry{v, err}
	m.mu.Unlock()
	return v, err
}

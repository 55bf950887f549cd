// Package refcache keeps in-memory copies of read-mostly reference data
// that hot paths read on every request (regions, categories, select-box
// lists). A copy is dropped by Invalidate, which the owning service calls
// after a change commits, and is read again at most TTL after it was
// loaded, which bounds how long an edit made elsewhere (another instance
// on the same PostgreSQL, a tool writing rows directly) stays unseen.
package refcache

import (
	"sync"
	"time"
)

// TTL is how long a copy is served without reading the database again.
const TTL = 5 * time.Second

// Value is one copy. Get loads it when it is missing, stale or
// invalidated; a load that overlaps an invalidation is returned once but
// not kept, so a copy is never older than the last invalidation. It is a
// Keyed with a single key.
type Value[T any] struct{ k Keyed[T] }

// Get returns the copy, loading it with load when needed.
func (c *Value[T]) Get(load func() (T, error)) (T, error) { return c.k.Get("", load) }

// Invalidate drops the copy.
func (c *Value[T]) Invalidate() { c.k.Invalidate() }

// maxKeys bounds a Keyed cache; past it the copies are dropped and
// gathered again.
const maxKeys = 1000

// Keyed is one copy per key (for example per query and scope), all
// dropped together by Invalidate, with the rules of Value.
type Keyed[V any] struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]entry[V]
}

type entry[V any] struct {
	at  time.Time
	val V
}

// Get returns the copy for key, loading it with load when needed.
func (c *Keyed[V]) Get(key string, load func() (V, error)) (V, error) {
	c.mu.Lock()
	if e, ok := c.m[key]; ok && time.Since(e.at) < TTL {
		c.mu.Unlock()
		return e.val, nil
	}
	gen := c.gen
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil || len(c.m) >= maxKeys {
			c.m = map[string]entry[V]{}
		}
		c.m[key] = entry[V]{at: time.Now(), val: v}
	}
	c.mu.Unlock()
	return v, nil
}

// Invalidate drops every copy.
func (c *Keyed[V]) Invalidate() {
	c.mu.Lock()
	c.gen++
	c.m = nil
	c.mu.Unlock()
}

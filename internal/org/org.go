// Package org owns the organisation: the region tree (city → district →
// street → community → grid), units (HQ, work groups, supervision groups,
// departments, governments, companies) and pairings between units and
// communities. Every read is limited to the caller's data scope.
package org

import (
	"context"
	"sync"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
)

// Service is the organisation capability.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
	// OnRegionsChanged, when set, runs after a commit that created,
	// changed or deleted a region (the work orders' cache of centres).
	OnRegionsChanged func()

	opts optionsCache // select-box lists by query (options.go)
}

// write runs fn in a write transaction and, once it has committed, drops
// the cached select-box lists. Every change to regions, units, pairings
// or areas goes through it.
func (s *Service) write(ctx context.Context, fn func(*db.Tx) error) error {
	err := s.DB.Write(ctx, fn)
	if err == nil {
		s.opts.invalidate()
	}
	return err
}

// optionsTTL bounds how long a cached select-box list is served without
// reading again: changes through this Service drop the lists at once;
// the TTL only bounds edits made by another instance sharing the database.
const optionsTTL = 5 * time.Second

// optionsCache keeps the region and unit lists of the select boxes by
// their query and scope arguments: every list page and form shows them,
// and they change rarely.
type optionsCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]optionsEntry
}

type optionsEntry struct {
	at  time.Time
	val []Option
}

// get returns a copy of the cached list for key, or loads it; a load that
// overlaps an invalidation is returned but not kept.
func (c *optionsCache) get(key string, load func() ([]Option, error)) ([]Option, error) {
	c.mu.Lock()
	if e, ok := c.m[key]; ok && time.Since(e.at) < optionsTTL {
		c.mu.Unlock()
		return append([]Option(nil), e.val...), nil
	}
	gen := c.gen
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil || len(c.m) >= 1000 {
			c.m = map[string]optionsEntry{}
		}
		c.m[key] = optionsEntry{at: time.Now(), val: v}
	}
	c.mu.Unlock()
	return append([]Option(nil), v...), nil
}

func (c *optionsCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.m = nil
	c.mu.Unlock()
}

func (s *Service) regionsChanged() {
	if s.OnRegionsChanged != nil {
		s.OnRegionsChanged()
	}
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

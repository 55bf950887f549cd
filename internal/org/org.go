// Package org owns the organisation: the region tree (city → district →
// street → community → grid), units (HQ, work groups, supervision groups,
// departments, governments, companies) and pairings between units and
// communities. Every read is limited to the caller's data scope.
package org

import (
	"context"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/refcache"
)

// Service is the organisation capability.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
	// OnRegionsChanged, when set, runs after a commit that created,
	// changed or deleted a region (the work orders' cache of centres).
	OnRegionsChanged func()

	opts refcache.Keyed[[]Option] // select-box lists by query and scope (options.go)
}

// write runs fn in a write transaction and, once it has committed, drops
// the cached select-box lists. Every change to regions, units, pairings
// or areas goes through it.
func (s *Service) write(ctx context.Context, fn func(*db.Tx) error) error {
	err := s.DB.Write(ctx, fn)
	if err == nil {
		s.opts.Invalidate()
	}
	return err
}

func (s *Service) regionsChanged() {
	if s.OnRegionsChanged != nil {
		s.OnRegionsChanged()
	}
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

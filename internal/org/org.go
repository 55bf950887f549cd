// Package org owns the organisation: the region tree (city → district →
// street → community → grid), units (HQ, work groups, supervision groups,
// departments, governments, companies) and pairings between units and
// communities. Every read is limited to the caller's data scope.
package org

import (
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
}

func (s *Service) regionsChanged() {
	if s.OnRegionsChanged != nil {
		s.OnRegionsChanged()
	}
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

package workorder

import (
	"context"
	"sync"
	"time"

	"github.com/wenming-city/wenming/internal/db"
)

// refTTL bounds how long the reference caches (region centres, categories)
// serve a copy without reading the database again. Changes made through
// this Service invalidate them at once (after the commit); the TTL only
// bounds what this process cannot see: region or unit edits made through
// another service or another instance sharing the database, which show
// within refTTL.
const refTTL = 5 * time.Second

// refCache is one in-memory copy of reference data. get loads it when it
// is missing, stale or invalidated; a load that overlaps an invalidation
// is used once but not kept, so the cache never keeps data older than the
// last invalidation.
type refCache[T any] struct {
	mu  sync.Mutex
	gen uint64
	at  time.Time
	ok  bool
	val T
}

func (c *refCache[T]) get(load func() (T, error)) (T, error) {
	c.mu.Lock()
	if c.ok && time.Since(c.at) < refTTL {
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	gen := c.gen
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.val, c.at, c.ok = v, time.Now(), true
	}
	c.mu.Unlock()
	return v, nil
}

func (c *refCache[T]) invalidate() {
	c.mu.Lock()
	c.gen++
	c.ok = false
	var zero T
	c.val = zero
	c.mu.Unlock()
}

// categorySet is every category and group, by id and by code.
type categorySet struct {
	byID   map[int64]Category
	byCode map[string]Category
}

// RegionsChanged drops the cached region centres that place citizens'
// reports; the organisation service calls it after a region is created,
// changed or deleted.
func (s *Service) RegionsChanged() { s.regions.invalidate() }

// CategoriesChanged drops the cached categories; UpdateCategory and
// Bootstrap call it after their commit.
func (s *Service) CategoriesChanged() { s.categories.invalidate() }

// regionCentres returns the regions below the city that have a centre,
// from the cache, reading them with tx when it is empty.
func (s *Service) regionCentres(ctx context.Context, tx *db.Tx) ([]Place, error) {
	return s.regions.get(func() ([]Place, error) { return places(ctx, tx, "level <> 'city'") })
}

func loadCategories(ctx context.Context, tx *db.Tx) (categorySet, error) {
	set := categorySet{byID: map[int64]Category{}, byCode: map[string]Category{}}
	rows, err := tx.Query(ctx, "SELECT "+categoryCols+categoryFrom)
	if err != nil {
		return set, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return set, err
		}
		set.byID[c.ID], set.byCode[c.Code] = c, c
	}
	return set, rows.Err()
}

// cachedCategory is getCategory from the cache, reading every category
// with tx when it is empty.
func (s *Service) cachedCategory(ctx context.Context, tx *db.Tx, id int64) (Category, error) {
	set, err := s.categories.get(func() (categorySet, error) { return loadCategories(ctx, tx) })
	if err != nil {
		return Category{}, err
	}
	if c, ok := set.byID[id]; ok {
		return c, nil
	}
	// Missing from the copy: the database decides, and a category the copy
	// lacks makes the next look-up reload it.
	c, err := getCategory(ctx, tx, id)
	if err == nil {
		s.categories.invalidate()
	}
	return c, err
}

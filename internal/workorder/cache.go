package workorder

import (
	"context"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/geo"
)

// The reference copies (region centres, categories, questions) are
// refcache.Values: changes made through this Service drop them after the
// commit; refcache.TTL bounds what this process cannot see.

// categorySet is every category and group, by id and by code, and in
// the order Categories lists them.
type categorySet struct {
	byID   map[int64]Category
	byCode map[string]Category
	list   []Category
}

// RegionsChanged drops the cached region centres that place citizens'
// reports; the organisation service calls it after a region is created,
// changed or deleted.
func (s *Service) RegionsChanged() { s.regions.Invalidate() }

// CategoriesChanged drops the cached categories; UpdateCategory and
// Bootstrap call it after their commit.
func (s *Service) CategoriesChanged() { s.categories.Invalidate() }

// regionCentres returns the regions below the city that have a centre,
// indexed by their parent, from the cache, reading them when it is empty.
func (s *Service) regionCentres(ctx context.Context) (regionIndex, error) {
	return s.regions.Get(func() (regionIndex, error) {
		ps, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Place, error) { return places(ctx, tx, "level <> 'city'") })
		return indexPlaces(ps, geo.Embedded()), err
	})
}

func loadCategories(ctx context.Context, tx *db.Tx) (categorySet, error) {
	set := categorySet{byID: map[int64]Category{}, byCode: map[string]Category{}}
	rows, err := tx.Query(ctx, "SELECT "+categoryCols+categoryFrom+categoryOrder)
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
		set.list = append(set.list, c)
	}
	return set, rows.Err()
}

// allCategories returns the cached set, reading it when it is empty.
func (s *Service) allCategories(ctx context.Context) (categorySet, error) {
	return s.categories.Get(func() (set categorySet, err error) {
		err = s.DB.Read(ctx, func(tx *db.Tx) error {
			set, err = loadCategories(ctx, tx)
			return err
		})
		return set, err
	})
}

// cachedCategory is getCategory from the cache, reading every category
// with tx when it is empty.
func (s *Service) cachedCategory(ctx context.Context, tx *db.Tx, id int64) (Category, error) {
	set, err := s.categories.Get(func() (categorySet, error) { return loadCategories(ctx, tx) })
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
		s.categories.Invalidate()
	}
	return c, err
}

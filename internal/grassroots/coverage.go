package grassroots

import (
	"context"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// CoverageRow is a region's coverage over a period: the households due
// in a plan window inside the period (Planned) and those of them visited
// in their window (Reached), and every household visited in the period
// (Visited) with the people reached (each household's first visit counts).
type CoverageRow struct {
	RegionID int64  `json:"region_id"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Planned  int64  `json:"planned"`
	Reached  int64  `json:"reached"`
	Visited  int64  `json:"visited"`
	People   int64  `json:"people"`
}

// Coverage is a region's total and one row per sub-region, with the
// planned households not visited yet.
type Coverage struct {
	Total      CoverageRow `json:"total"`
	Rows       []CoverageRow
	NotYet     []PlanItem `json:"not_yet"`
	From, To   string
	MoreNotYet bool
}

// coverageOf counts one subtree (path) over [from, to], within p's scope.
func coverageOf(ctx context.Context, tx *db.Tx, p *auth.Principal, path, from, to string) (CoverageRow, error) {
	var c CoverageRow
	lo, hi := pathRange(path)
	w, args := scopeWhere(p, "i.region_path")
	a := append([]any{lo, hi, from, to}, args...)
	if err := tx.Get(ctx, "", `SELECT COUNT(DISTINCT i.household_id), COUNT(DISTINCT CASE WHEN i.visit_id IS NOT NULL THEN i.household_id END)
		FROM gr_plan_items i WHERE i.region_path >= ? AND i.region_path < ? AND i.due_on >= ? AND i.due_from <= ? AND `+w, a, &c.Planned, &c.Reached); err != nil {
		return c, err
	}
	w, args = scopeWhere(p, "v.region_path")
	a = append([]any{lo, hi, from, to}, args...)
	err := tx.Get(ctx, "", `SELECT COUNT(*), COALESCE(SUM(v.people_reached), 0) FROM gr_visits v WHERE v.id IN (
		SELECT MIN(v.id) FROM gr_visits v WHERE v.region_path >= ? AND v.region_path < ? AND v.visited_on >= ? AND v.visited_on <= ? AND `+w+` GROUP BY v.household_id)`,
		a, &c.Visited, &c.People)
	return c, err
}

// CoverageOf reports coverage of a region (0: the caller's own region)
// and its sub-regions over [from, to].
func (s *Service) CoverageOf(ctx context.Context, p *auth.Principal, regionID int64, from, to string) (Coverage, error) {
	if err := canRead(p); err != nil {
		return Coverage{}, err
	}
	var f errs.Fields
	f.Check(validDay(from), "from", "field.bad_date")
	f.Check(validDay(to), "to", "field.bad_date")
	if f.Err() == nil && to < from {
		f.Add("to", "grassroots.err.end_before_start")
	}
	if err := f.Err(); err != nil {
		return Coverage{}, err
	}
	if regionID == 0 && p != nil {
		regionID = p.RegionID
	}
	out := Coverage{From: from, To: to}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		level, path, name, err := regionOf(ctx, tx, p, regionID)
		if err != nil {
			return err
		}
		if out.Total, err = coverageOf(ctx, tx, p, path, from, to); err != nil {
			return err
		}
		out.Total.RegionID, out.Total.Name, out.Total.Level = regionID, name, level
		rows, err := tx.Query(ctx, "SELECT id, name, level, path FROM regions WHERE parent_id = ? ORDER BY sort, id", regionID)
		if err != nil {
			return err
		}
		type child struct {
			id                int64
			name, level, path string
		}
		var kids []child
		for rows.Next() {
			var c child
			if err := rows.Scan(&c.id, &c.name, &c.level, &c.path); err != nil {
				rows.Close()
				return err
			}
			kids = append(kids, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range kids {
			c, err := coverageOf(ctx, tx, p, k.path, from, to)
			if err != nil {
				return err
			}
			c.RegionID, c.Name, c.Level = k.id, k.name, k.level
			out.Rows = append(out.Rows, c)
		}
		w, args := scopeWhere(p, "i.region_path")
		lo, hi := pathRange(path)
		const limit = 500
		nr, err := tx.Query(ctx, `SELECT i.id, i.household_id, h.address || ' ' || h.building || ' ' || h.door || ' ' || h.head_name, i.due_from, i.due_on, 0
			FROM gr_plan_items i JOIN gr_households h ON h.id = i.household_id WHERE i.region_path >= ? AND i.region_path < ? AND i.due_on >= ? AND i.due_from <= ?
			AND i.visit_id IS NULL AND `+w+` ORDER BY i.due_on, h.region_path, h.id LIMIT ?`, append(append([]any{lo, hi, from, to}, args...), limit+1)...)
		if err != nil {
			return err
		}
		defer nr.Close()
		for nr.Next() {
			var x PlanItem
			if err := nr.Scan(&x.ID, &x.HouseholdID, &x.Household, &x.DueFrom, &x.DueOn, &x.VisitID); err != nil {
				return err
			}
			if len(out.NotYet) == limit {
				out.MoreNotYet = true
				break
			}
			out.NotYet = append(out.NotYet, x)
		}
		return nr.Err()
	})
	return out, err
}

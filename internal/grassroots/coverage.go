package grassroots

import (
	"context"
	"database/sql"
	"strings"

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
	NameEN   string `json:"name_en"`
	Level    string `json:"level"`
	Planned  int64  `json:"planned"`
	Reached  int64  `json:"reached"`
	Visited  int64  `json:"visited"`
	People   int64  `json:"people"`
}

func (c *CoverageRow) add(x CoverageRow) {
	c.Planned += x.Planned
	c.Reached += x.Reached
	c.Visited += x.Visited
	c.People += x.People
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

// pathsUnder is the SQL list of every region path at or below path (an
// IN list the path indexes answer with one seek per region), and its
// arguments.
func pathsUnder(path string) (string, []any) {
	lo, hi := pathRange(path)
	return "(SELECT rg.path FROM regions rg WHERE rg.path >= ? AND rg.path < ?)", []any{lo, hi}
}

// coverageByPath counts the subtree of path over [from, to] within p's
// scope, by the region path each household is counted under: a household
// counts once, under the lowest of its paths in the period (households
// have one path unless they moved grid within the period), with the
// people of its first visit, so the rows add up to the subtree's
// distinct households exactly.
func coverageByPath(ctx context.Context, tx *db.Tx, p *auth.Principal, path, from, to string) (map[string]*CoverageRow, error) {
	out := map[string]*CoverageRow{}
	row := func(path string) *CoverageRow {
		if out[path] == nil {
			out[path] = &CoverageRow{}
		}
		return out[path]
	}
	in, inArgs := pathsUnder(path)
	w, args := scopeWhere(p, "i.region_path")
	rows, err := tx.Query(ctx, `SELECT x.p, COUNT(*), SUM(x.r) FROM (
		SELECT MIN(i.region_path) AS p, MAX(CASE WHEN i.visit_id IS NOT NULL THEN 1 ELSE 0 END) AS r
		FROM gr_plan_items i WHERE i.region_path IN `+in+` AND i.due_on >= ? AND i.due_from <= ? AND `+w+` GROUP BY i.household_id) x
		GROUP BY x.p`, append(append(inArgs, from, to), args...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var rp string
		var n, r int64
		if err := rows.Scan(&rp, &n, &r); err != nil {
			rows.Close()
			return nil, err
		}
		c := row(rp)
		c.Planned, c.Reached = n, r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	w, args = scopeWhere(p, "v.region_path")
	// A household's first visit (lowest id) carries its people reached:
	// MIN(id * 64 + people) is that visit with its people in the low six
	// bits (people_reached is at most MaxPeopleVisits), read from the
	// covering index without a second look-up of each first visit.
	rows, err = tx.Query(ctx, `SELECT x.p, COUNT(*), COALESCE(SUM(x.f % 64), 0) FROM (
		SELECT MIN(v.region_path) AS p, MIN(v.id * 64 + v.people_reached) AS f
		FROM gr_visits v WHERE v.region_path IN `+in+` AND v.visited_on >= ? AND v.visited_on <= ? AND `+w+`
		GROUP BY v.household_id) x GROUP BY x.p`, append(append(inArgs, from, to), args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rp string
		var n, people int64
		if err := rows.Scan(&rp, &n, &people); err != nil {
			return nil, err
		}
		c := row(rp)
		c.Visited, c.People = n, people
	}
	return out, rows.Err()
}

// CoverageOf reports coverage of a region (0: the caller's own region)
// and its sub-regions over [from, to]. A whole calendar quarter is counted
// from its rows of gr_coverage_quarters; any other period from the plan
// items and visits themselves (the same counts, slower).
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
		var byPath map[string]*CoverageRow
		if q, ok := wholeQuarter(from, to); ok {
			byPath, err = coverageByQuarter(ctx, tx, p, path, q)
		} else {
			byPath, err = coverageByPath(ctx, tx, p, path, from, to)
		}
		if err != nil {
			return err
		}
		out.Total.RegionID, out.Total.Name, out.Total.Level = regionID, name, level
		if err := tx.Get(ctx, "entity.region", "SELECT name_en FROM regions WHERE id = ?", []any{regionID}, &out.Total.NameEN); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id, name, name_en, level, path FROM regions WHERE parent_id = ? ORDER BY sort, id", regionID)
		if err != nil {
			return err
		}
		type child struct {
			id                        int64
			name, nameEN, level, path string
		}
		var kids []child
		for rows.Next() {
			var c child
			if err := rows.Scan(&c.id, &c.name, &c.nameEN, &c.level, &c.path); err != nil {
				rows.Close()
				return err
			}
			kids = append(kids, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Each counted path adds to the total and to the child it lies under.
		out.Rows = make([]CoverageRow, len(kids))
		for i, k := range kids {
			out.Rows[i] = CoverageRow{RegionID: k.id, Name: k.name, NameEN: k.nameEN, Level: k.level}
		}
		for rp, c := range byPath {
			out.Total.add(*c)
			for i, k := range kids {
				if strings.HasPrefix(rp, k.path) {
					out.Rows[i].add(*c)
					break
				}
			}
		}
		quarter, _ := wholeQuarter(from, to)
		out.NotYet, out.MoreNotYet, err = notYet(ctx, tx, p, path, from, to, quarter)
		return err
	})
	return out, err
}

// notYetLimit caps the households not yet visited a coverage lists.
const notYetLimit = 500

// notYet lists the plan items of the subtree of path due in [from, to]
// and not yet fulfilled (at most notYetLimit, and whether there are
// more). For a whole quarter the first households with such items are
// chosen from the quarter rows' partial index in grid order, then only
// their items are read; for any other period (quarter "") the items are
// chosen from the plan items' index by due day.
func notYet(ctx context.Context, tx *db.Tx, p *auth.Principal, path, from, to, quarter string) ([]PlanItem, bool, error) {
	w, args := scopeWhere(p, "i.region_path")
	var rows *sql.Rows
	var err error
	if q := quarter; q != "" {
		cw, cargs := scopeWhere(p, "c.plan_path")
		in, inArgs := under("c.plan_path", path)
		rows, err = tx.Query(ctx, `SELECT i.id, i.household_id, h.address || ' ' || h.building || ' ' || h.door || ' ' || h.head_name, i.due_from, i.due_on, 0
			FROM (SELECT c.household_id, c.plan_path FROM gr_coverage_quarters c WHERE c.quarter_from = ? AND c.open = 1 AND `+in+` AND `+cw+`
				ORDER BY c.plan_path, c.household_id LIMIT ?) x
			JOIN gr_plan_items i ON i.household_id = x.household_id AND i.due_on >= ? AND i.due_from <= ? AND i.visit_id IS NULL AND `+w+`
			JOIN gr_households h ON h.id = x.household_id ORDER BY x.plan_path, x.household_id, i.due_on, i.id LIMIT ?`,
			append(append(append(append(append([]any{q}, inArgs...), cargs...), notYetLimit+1, from, to), args...), notYetLimit+1)...)
	} else {
		in, inArgs := pathsUnder(path)
		// The first items are chosen from the index alone; only they are
		// joined to their households.
		rows, err = tx.Query(ctx, `SELECT x.id, x.household_id, h.address || ' ' || h.building || ' ' || h.door || ' ' || h.head_name, x.due_from, x.due_on, 0
			FROM (SELECT i.id, i.household_id, i.region_path, i.due_from, i.due_on FROM gr_plan_items i
				WHERE i.region_path IN `+in+` AND i.due_on >= ? AND i.due_from <= ? AND i.visit_id IS NULL AND `+w+`
				ORDER BY i.due_on, i.region_path, i.household_id, i.id LIMIT ?) x
			JOIN gr_households h ON h.id = x.household_id ORDER BY x.due_on, x.region_path, x.household_id, x.id`,
			append(append(append(inArgs, from, to), args...), notYetLimit+1)...)
	}
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []PlanItem
	for rows.Next() {
		var x PlanItem
		if err := rows.Scan(&x.ID, &x.HouseholdID, &x.Household, &x.DueFrom, &x.DueOn, &x.VisitID); err != nil {
			return nil, false, err
		}
		if len(out) == notYetLimit {
			return out, true, nil
		}
		out = append(out, x)
	}
	return out, false, rows.Err()
}

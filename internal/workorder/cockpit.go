package workorder

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
)

// The leaders' cockpit reads the same rollups as the KPI screen, limited to
// a period and a region (or unit) subtree: the totals (FigureTotals), the
// months of the period (Monthly), the ranking of the regions one level
// below (RegionRanking) and the figures per unit or category (StatsIn).
// Each reads workorder_stats_dim's region rows when the caller's scope and
// the filter can be checked on the region alone (a leader's or a region
// chief's), a few thousand rows a quarter at a million orders, and
// workorder_stats_daily otherwise; both are the same rows summed
// (TestCockpitSameFromEitherRollup).

const sumCols = `COALESCE(SUM(s.received), 0), COALESCE(SUM(s.dispatched), 0),
	COALESCE(SUM(s.acknowledged_on_time), 0), COALESCE(SUM(s.resolved), 0), COALESCE(SUM(s.resolved_on_time), 0),
	COALESCE(SUM(s.returned), 0), COALESCE(SUM(s.reopened), 0), COALESCE(SUM(s.callbacks_reached), 0),
	COALESCE(SUM(s.satisfied), 0), COALESCE(SUM(s.basically_satisfied), 0), COALESCE(SUM(s.dissatisfied), 0),
	COALESCE(SUM(s.handling_ms_sum), 0), COALESCE(SUM(s.handling_count), 0)`

// sumAs is sumCols with names, for a grouped subquery.
const sumAs = `COALESCE(SUM(s.received), 0) AS received, COALESCE(SUM(s.dispatched), 0) AS dispatched,
	COALESCE(SUM(s.acknowledged_on_time), 0) AS ack, COALESCE(SUM(s.resolved), 0) AS resolved,
	COALESCE(SUM(s.resolved_on_time), 0) AS resolved_on_time, COALESCE(SUM(s.returned), 0) AS returned,
	COALESCE(SUM(s.reopened), 0) AS reopened, COALESCE(SUM(s.callbacks_reached), 0) AS reached,
	COALESCE(SUM(s.satisfied), 0) AS satisfied, COALESCE(SUM(s.basically_satisfied), 0) AS basic,
	COALESCE(SUM(s.dissatisfied), 0) AS dissatisfied, COALESCE(SUM(s.handling_ms_sum), 0) AS hms,
	COALESCE(SUM(s.handling_count), 0) AS hcount`

func scanSums(r *StatRow) []any {
	return []any{&r.Received, &r.Dispatched, &r.AckOnTime, &r.Resolved, &r.ResolvedOnTime, &r.Returned, &r.Reopened,
		&r.CallbacksReached, &r.Satisfied, &r.BasicallySatisfied, &r.Dissatisfied, &r.HandlingMS, &r.HandlingCount}
}

// rollupSource is the FROM and WHERE (after the two days) of a read of the
// rollups limited to p's scope and sc's region and unit; keyed says what
// s.<col> the grouping may use. byRegion is true when the narrow rollup's
// region rows are read (then only s.id, the region, is there).
type rollupSource struct {
	from, where string
	args        []any
	byRegion    bool
	// regionIn (byRegion only) is a SELECT of the ids of the regions in
	// scope and in the subtree, with its arguments; "": every region.
	regionIn   string
	regionArgs []any
}

func (s *Service) source(ctx context.Context, tx *db.Tx, p *auth.Principal, sc figures.Scope) (rollupSource, error) {
	var regionPath, unitPath string
	if sc.RegionID != 0 {
		if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{sc.RegionID}, &regionPath); err != nil {
			return rollupSource{}, err
		}
	}
	if sc.UnitID != 0 {
		if err := tx.Get(ctx, "entity.unit", "SELECT path FROM units WHERE id = ?", []any{sc.UnitID}, &unitPath); err != nil {
			return rollupSource{}, err
		}
	}
	if regionOnly(p.Scope) && unitPath == "" && !s.statsFromDaily {
		// No join: the region rows' ids are checked against the regions
		// in scope and in the subtree (a few hundred ids).
		src := rollupSource{byRegion: true, from: "workorder_stats_dim s", where: "s.dim = 'region'"}
		var conds []string
		if !p.Scope.All {
			w, a := p.Scope.Where("r.path", "", "")
			conds, src.regionArgs = append(conds, w), a
		}
		if regionPath != "" {
			conds, src.regionArgs = append(conds, "r.path LIKE ?"), append(src.regionArgs, regionPath+"%")
		}
		if len(conds) > 0 {
			src.regionIn = "SELECT r.id FROM regions r WHERE " + strings.Join(conds, " AND ")
			src.where, src.args = src.where+" AND s.id IN ("+src.regionIn+")", src.regionArgs
		}
		return src, nil
	}
	w, a := p.Scope.Where("sr.path", "su.path", "")
	src := rollupSource{from: "workorder_stats_daily s LEFT JOIN units su ON su.id = s.unit_id LEFT JOIN regions sr ON sr.id = s.region_id",
		where: w, args: a}
	if regionPath != "" {
		src.where, src.args = src.where+" AND s.region_id IN (SELECT id FROM regions WHERE path LIKE ?)", append(src.args, regionPath+"%")
	}
	if unitPath != "" {
		src.where, src.args = src.where+" AND su.path LIKE ?", append(src.args, unitPath+"%")
	}
	return src, nil
}

// regionOnly says whether a data scope can be checked on an order's region
// alone (everything, or region subtrees only), so the rollups without the
// unit (workorder_stats_dim's region rows, workorder_stats_month) serve it.
func regionOnly(sc auth.Scope) bool {
	return sc.All || (len(sc.UnitPaths) == 0 && len(sc.UnitExact) == 0 && len(sc.RegionPaths) > 0)
}

func checkScope(p *auth.Principal, sc figures.Scope) error {
	if err := auth.Require(p, auth.PermOrderView); err != nil {
		if auth.Require(p, auth.PermDashboardView) != nil {
			return err
		}
	}
	var f errs.Fields
	from, err1 := time.Parse(DateLayout, sc.From)
	if err1 != nil {
		f.Add("from", "field.bad_date")
	}
	to, err2 := time.Parse(DateLayout, sc.To)
	if err2 != nil {
		f.Add("to", "field.bad_date")
	}
	if err1 == nil && err2 == nil && to.Before(from) {
		f.Add("to", "audit.to_before_from")
	}
	return f.Err()
}

// MonthRow is one month's figures: Month is "YYYY-MM".
type MonthRow struct {
	Month string `json:"month"`
	StatRow
}

// Monthly returns the figures of each month of sc's period (every month
// from From's to To's, those without orders zero), the days cut to the
// period. OverdueNow is not a monthly figure and stays 0.
func (s *Service) Monthly(ctx context.Context, p *auth.Principal, sc figures.Scope) ([]MonthRow, error) {
	if err := checkScope(p, sc); err != nil {
		return nil, err
	}
	from, _ := time.Parse(DateLayout, sc.From)
	to, _ := time.Parse(DateLayout, sc.To)
	var out []MonthRow
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		out = append(out, MonthRow{Month: m.Format("2006-01")})
		if len(out) > 120 {
			var f errs.Fields
			f.Add("to", "field.bad_choice")
			return nil, f.Err()
		}
	}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		src, err := s.source(ctx, tx, p, sc)
		if err != nil {
			return err
		}
		read := func(q string, args []any) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var m string
				var r StatRow
				if err := rows.Scan(append([]any{&m}, scanSums(&r)...)...); err != nil {
					return err
				}
				if i := slices.IndexFunc(out, func(x MonthRow) bool { return x.Month == m }); i >= 0 {
					out[i].StatRow = Total([]StatRow{out[i].StatRow, r})
				}
			}
			return rows.Err()
		}
		daily := func(from, to string) error {
			return read("SELECT SUBSTR(s.day, 1, 7), "+sumCols+" FROM "+src.from+
				" WHERE s.day >= ? AND s.day <= ? AND "+src.where+" GROUP BY SUBSTR(s.day, 1, 7)",
				append([]any{from, to}, src.args...))
		}
		if !src.byRegion {
			return daily(sc.From, sc.To)
		}
		// Where the region is enough, the whole months come from the
		// monthly rollup's region rows, the days at either end from the
		// daily one.
		m0, m1, edges := monthSpan(sc.From, sc.To)
		if m0 != "" {
			q, args := "SELECT s.month, "+sumCols+" FROM workorder_stats_month s WHERE s.pair = 'region' AND s.month >= ? AND s.month <= ?", []any{m0, m1}
			if src.regionIn != "" {
				q, args = q+" AND s.region_id IN ("+src.regionIn+")", append(args, src.regionArgs...)
			}
			if err := read(q+" GROUP BY s.month", args); err != nil {
				return err
			}
		}
		for _, e := range edges {
			if err := daily(e[0], e[1]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// RegionNode is a region as the cockpit's drill-down shows it.
type RegionNode struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"` // the division code (a district's names its boundary, internal/geo)
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	Level  string `json:"level"`
	Path   string `json:"path"`
}

// RegionView is where the cockpit stands in the region tree: the region
// (zero for the whole scope), the regions above it within the caller's
// scope (the drill-up trail, top first) and the regions one level below,
// which its ranking compares.
type RegionView struct {
	Self     RegionNode   `json:"self"`
	Trail    []RegionNode `json:"trail"`
	Children []RegionNode `json:"children"`
}

// CockpitRegion returns the drill-down position of region id (0: the whole
// of p's scope; when that is one region, its children are compared). A
// region outside p's scope is not found.
func (s *Service) CockpitRegion(ctx context.Context, p *auth.Principal, id int64) (RegionView, error) {
	if err := checkScope(p, figures.Scope{From: "2000-01-01", To: "2000-01-01"}); err != nil {
		return RegionView{}, err
	}
	var all []RegionNode
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, a := p.Scope.Where("r.path", "", "")
		if !p.Scope.All && len(p.Scope.RegionPaths) == 0 {
			w, a = "1=1", nil // a unit's staff compare the regions their unit's orders lie in
		}
		rows, err := tx.Query(ctx, "SELECT r.id, r.code, r.name, COALESCE(r.name_en, ''), r.level, r.path FROM regions r WHERE "+w+
			" ORDER BY r.path", a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n RegionNode
			if err := rows.Scan(&n.ID, &n.Code, &n.Name, &n.NameEN, &n.Level, &n.Path); err != nil {
				return err
			}
			all = append(all, n)
		}
		return rows.Err()
	})
	if err != nil {
		return RegionView{}, err
	}
	byID := map[int64]RegionNode{}
	for _, n := range all {
		byID[n.ID] = n
	}
	var v RegionView
	depth := func(n RegionNode) int { return strings.Count(n.Path, "/") }
	if id == 0 {
		top := -1
		for _, n := range all {
			if d := depth(n); top < 0 || d < top {
				top = d
			}
		}
		var roots []RegionNode
		for _, n := range all {
			if depth(n) == top {
				roots = append(roots, n)
			}
		}
		if len(roots) != 1 {
			v.Children = roots
			return v, nil
		}
		id = roots[0].ID
	}
	self, ok := byID[id]
	if !ok {
		return RegionView{}, errs.NotFoundf("entity.region")
	}
	v.Self = self
	for _, x := range pathIDs(self.Path) {
		if n, ok := byID[x]; ok && x != id {
			v.Trail = append(v.Trail, n)
		}
	}
	for _, n := range all {
		if depth(n) == depth(self)+1 && strings.HasPrefix(n.Path, self.Path) {
			v.Children = append(v.Children, n)
		}
	}
	return v, nil
}

// RegionRanking returns the figures of each of the given regions (each
// summed over its subtree) for sc's period, under p's scope and sc's unit,
// in the order given; a region without orders has a zero row.
func (s *Service) RegionRanking(ctx context.Context, p *auth.Principal, sc figures.Scope, regions []RegionNode) ([]StatRow, error) {
	if err := checkScope(p, sc); err != nil {
		return nil, err
	}
	out := make([]StatRow, len(regions))
	for i, n := range regions {
		out[i] = StatRow{ID: n.ID, Name: n.Name, NameEN: n.NameEN}
	}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		src, err := s.source(ctx, tx, p, sc)
		if err != nil {
			return err
		}
		col := "s.region_id"
		if src.byRegion {
			col = "s.id"
		}
		paths := map[int64]string{}
		prow, err := tx.Query(ctx, "SELECT id, path FROM regions")
		if err != nil {
			return err
		}
		for prow.Next() {
			var id int64
			var path string
			if err := prow.Scan(&id, &path); err != nil {
				prow.Close()
				return err
			}
			paths[id] = path
		}
		prow.Close()
		if err := prow.Err(); err != nil {
			return err
		}
		add := func(id int64, r StatRow) {
			path := paths[id]
			for i, n := range regions {
				if path != "" && strings.HasPrefix(path, n.Path) {
					id, name, en := out[i].ID, out[i].Name, out[i].NameEN
					out[i] = Total([]StatRow{out[i], r})
					out[i].ID, out[i].Name, out[i].NameEN = id, name, en
					break
				}
			}
		}
		if src.byRegion {
			sums, err := byRegionSums(ctx, tx, src, sc.From, sc.To)
			for id, r := range sums {
				add(id, r)
			}
			return err
		}
		rows, err := tx.Query(ctx, "SELECT COALESCE("+col+", 0), "+sumCols+" FROM "+src.from+
			" WHERE s.day >= ? AND s.day <= ? AND "+src.where+" GROUP BY "+col, append([]any{sc.From, sc.To}, src.args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var r StatRow
			if err := rows.Scan(append([]any{&id}, scanSums(&r)...)...); err != nil {
				return err
			}
			add(id, r)
		}
		return rows.Err()
	})
	for i := range out {
		out[i].rates()
	}
	return out, err
}

// StatsIn is Stats limited to sc's region or unit subtree as well as the
// period, without OverdueNow (a live count the cockpit's rankings do not
// show): the narrow rollup when the scope allows and no subtree is given
// (as Stats), the wide one otherwise.
func (s *Service) StatsIn(ctx context.Context, p *auth.Principal, sc figures.Scope, group StatsGroup) ([]StatRow, error) {
	if err := checkScope(p, sc); err != nil {
		return nil, err
	}
	var col, join string
	switch group {
	case ByUnit:
		col, join = "unit_id", "units"
	case ByRegion:
		col, join = "region_id", "regions"
	case ByCategory:
		col, join = "category_id", "workorder_categories"
	default:
		var f errs.Fields
		f.Add("group", "field.bad_choice")
		return nil, f.Err()
	}
	var out []StatRow
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var q string
		var args []any
		if sc.RegionID == 0 && sc.UnitID == 0 {
			q, args = statsQuery(p.Scope, group, col, join, s.statsFromDaily)
		} else {
			var regionPath, unitPath string
			if sc.RegionID != 0 {
				if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{sc.RegionID}, &regionPath); err != nil {
					return err
				}
			}
			if sc.UnitID != 0 {
				if err := tx.Get(ctx, "entity.unit", "SELECT path FROM units WHERE id = ?", []any{sc.UnitID}, &unitPath); err != nil {
					return err
				}
			}
			if unitPath == "" && group != ByRegion && regionOnly(p.Scope) && !s.statsFromDaily {
				var err error
				out, err = statsInMonths(ctx, tx, p, sc, group, col, join, regionPath)
				return err
			}
			where, wargs := "1=1", []any(nil)
			joins := ""
			if !p.Scope.All {
				where, wargs = p.Scope.Where("sr.path", "su.path", "")
				joins = " LEFT JOIN units su ON su.id = s.unit_id LEFT JOIN regions sr ON sr.id = s.region_id"
			}
			if regionPath != "" {
				where, wargs = where+" AND s.region_id IN (SELECT id FROM regions WHERE path LIKE ?)", append(wargs, regionPath+"%")
			}
			if unitPath != "" {
				where, wargs = where+" AND s.unit_id IN (SELECT id FROM units WHERE path LIKE ?)", append(wargs, unitPath+"%")
			}
			q = `SELECT t.id, COALESCE(g.name, ''), COALESCE(g.name_en, ''), t.received, t.dispatched, t.ack, t.resolved,
				t.resolved_on_time, t.returned, t.reopened, t.reached, t.satisfied, t.basic, t.dissatisfied, t.hms, t.hcount
			FROM (SELECT s.` + col + ` AS id, ` + strings.ReplaceAll(sumAs, "\n", " ") + `
				FROM workorder_stats_daily s` + joins + `
				WHERE s.day >= ? AND s.day <= ? AND ` + where + `
				GROUP BY s.` + col + `) t
			LEFT JOIN ` + join + ` g ON g.id = t.id
			WHERE t.received <> 0 ORDER BY t.id`
			args = wargs
		}
		rows, err := tx.Query(ctx, q, append([]any{sc.From, sc.To}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r StatRow
			if err := rows.Scan(append([]any{&r.ID, &r.Name, &r.NameEN}, scanSums(&r)...)...); err != nil {
				return err
			}
			r.rates()
			out = append(out, r)
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(a, b StatRow) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// statsInMonths is StatsIn per unit or category within the subtree at
// regionPath, for a scope that can be checked on the region alone: the
// whole months of the period from workorder_stats_month (a district's
// quarter is a few thousand rows), the days before the first and after the
// last whole month from workorder_stats_daily. The same figures as the
// daily rollup alone (TestCockpitSameFromEitherRollup).
func statsInMonths(ctx context.Context, tx *db.Tx, p *auth.Principal, sc figures.Scope, group StatsGroup, col, join, regionPath string) ([]StatRow, error) {
	regions, rargs := "SELECT r.id FROM regions r WHERE r.path LIKE ?", []any{regionPath + "%"}
	if !p.Scope.All {
		w, a := p.Scope.Where("r.path", "", "")
		regions, rargs = regions+" AND "+w, append(rargs, a...)
	}
	sums := map[int64]StatRow{}
	read := func(q string, args []any) error { return addSums(ctx, tx, sums, q, args) }
	m0, m1, edges := monthSpan(sc.From, sc.To)
	if m0 != "" {
		if err := read("SELECT s.id, "+sumCols+" FROM workorder_stats_month s WHERE s.pair = ? AND s.region_id IN ("+regions+
			") AND s.month >= ? AND s.month <= ? GROUP BY s.id", append(append([]any{string(group)}, rargs...), m0, m1)); err != nil {
			return nil, err
		}
	}
	for _, e := range edges {
		if err := read("SELECT s."+col+", "+sumCols+" FROM workorder_stats_daily s WHERE s.region_id IN ("+regions+
			") AND s.day >= ? AND s.day <= ? GROUP BY s."+col, append(rargs, e[0], e[1])); err != nil {
			return nil, err
		}
	}
	ids := make([]any, 0, len(sums))
	for id, r := range sums {
		if r.Received != 0 {
			ids = append(ids, id)
		}
	}
	out := make([]StatRow, 0, len(ids))
	named := map[int64]bool{}
	err := db.Chunks(len(ids), func(from, to int) error {
		rows, err := tx.Query(ctx, "SELECT id, name, COALESCE(name_en, '') FROM "+join+" WHERE id IN ("+db.Placeholders(to-from)+")", ids[from:to]...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name, en string
			if err := rows.Scan(&id, &name, &en); err != nil {
				return err
			}
			r := sums[id]
			r.ID, r.Name, r.NameEN = id, name, en
			out = append(out, r)
			named[id] = true
		}
		return rows.Err()
	})
	for _, id := range ids { // 0 (no unit yet) or a row since removed: no name
		if id := id.(int64); !named[id] {
			r := sums[id]
			r.ID = id
			out = append(out, r)
		}
	}
	return out, err
}

// addSums runs q, whose rows are an id and sumCols, and adds each row to
// the id's sums.
func addSums(ctx context.Context, tx *db.Tx, sums map[int64]StatRow, q string, args []any) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r StatRow
		if err := rows.Scan(append([]any{&id}, scanSums(&r)...)...); err != nil {
			return err
		}
		sums[id] = Total([]StatRow{sums[id], r})
	}
	return rows.Err()
}

// monthSpan splits the days from..to ('YYYY-MM-DD') into the whole months
// they cover (m0..m1, 'YYYY-MM'; both "" when none) and the day ranges
// left before and after them.
func monthSpan(from, to string) (m0, m1 string, edges [][2]string) {
	f, err1 := time.Parse(DateLayout, from)
	t, err2 := time.Parse(DateLayout, to)
	if err1 != nil || err2 != nil || t.Before(f) {
		return "", "", [][2]string{{from, to}}
	}
	first := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC) // the first whole month's first day
	if !first.Equal(f) {
		first = first.AddDate(0, 1, 0)
	}
	end := time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC) // the day after the last whole month
	if !end.AddDate(0, 0, -1).Equal(t) {
		end = end.AddDate(0, -1, 0)
	}
	if !first.Before(end) {
		return "", "", [][2]string{{from, to}}
	}
	if f.Before(first) {
		edges = append(edges, [2]string{from, first.AddDate(0, 0, -1).Format(DateLayout)})
	}
	if end.AddDate(0, 0, -1).Before(t) {
		edges = append(edges, [2]string{end.Format(DateLayout), to})
	}
	return first.Format("2006-01"), end.AddDate(0, 0, -1).Format("2006-01"), edges
}

// byRegionSums reads src's sums over the days from..to per region (a
// byRegion source only): the whole months from workorder_stats_month's
// region rows, the days at either end from
// workorder_stats_dim's region rows. A district's quarter is a few hundred
// rows instead of a row per day and region.
func byRegionSums(ctx context.Context, tx *db.Tx, src rollupSource, from, to string) (map[int64]StatRow, error) {
	out := map[int64]StatRow{}
	read := func(q string, args []any) error { return addSums(ctx, tx, out, q, args) }
	m0, m1, edges := monthSpan(from, to)
	if m0 != "" {
		q, args := "SELECT s.region_id, "+sumCols+" FROM workorder_stats_month s WHERE s.pair = 'region' AND s.month >= ? AND s.month <= ?", []any{m0, m1}
		if src.regionIn != "" {
			q, args = q+" AND s.region_id IN ("+src.regionIn+")", append(args, src.regionArgs...)
		}
		if err := read(q+" GROUP BY s.region_id", args); err != nil {
			return nil, err
		}
	}
	for _, e := range edges {
		if err := read("SELECT s.id, "+sumCols+" FROM "+src.from+" WHERE s.day >= ? AND s.day <= ? AND "+src.where+" GROUP BY s.id",
			append([]any{e[0], e[1]}, src.args...)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HotSpot is a region where many of the period's orders were placed: the
// deepest region an order was filed in, at the region's centre.
type HotSpot struct {
	RegionID int64   `json:"region_id"`
	Name     string  `json:"name"`
	NameEN   string  `json:"name_en"`
	Parent   string  `json:"parent"` // the region above, which tells apart the many 第一网格
	ParentEN string  `json:"parent_en"`
	Lat      float64 `json:"lat"`
	Lng      float64 `json:"lng"`
	Received int64   `json:"received"`
}

// HotSpots are the n regions with the most orders received in sc (its
// region's subtree, p's scope), most first (ties by region id), from the
// same rollup as the ranking; regions without a centre are left out, as a
// map cannot place them.
func (s *Service) HotSpots(ctx context.Context, p *auth.Principal, sc figures.Scope, n int) ([]HotSpot, error) {
	if err := checkScope(p, sc); err != nil {
		return nil, err
	}
	var out []HotSpot
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		src, err := s.source(ctx, tx, p, sc)
		if err != nil {
			return err
		}
		if src.byRegion {
			out, err = hotSpotsByRegion(ctx, tx, src, sc, n)
			return err
		}
		col := "s.region_id"
		rows, err := tx.Query(ctx, "SELECT h.rid, g.name, COALESCE(g.name_en, ''), COALESCE(u.name, ''), COALESCE(u.name_en, ''), g.lat, g.lng, h.received FROM (SELECT "+col+
			" AS rid, SUM(s.received) AS received FROM "+src.from+" WHERE s.day >= ? AND s.day <= ? AND "+src.where+" GROUP BY "+col+
			") h JOIN regions g ON g.id = h.rid LEFT JOIN regions u ON u.id = g.parent_id"+
			" WHERE h.received > 0 AND g.lat IS NOT NULL AND g.lng IS NOT NULL ORDER BY h.received DESC, h.rid LIMIT ?",
			append(append([]any{sc.From, sc.To}, src.args...), n)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h HotSpot
			if err := rows.Scan(&h.RegionID, &h.Name, &h.NameEN, &h.Parent, &h.ParentEN, &h.Lat, &h.Lng, &h.Received); err != nil {
				return err
			}
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, err
}

// hotSpotsByRegion is HotSpots from byRegionSums: the regions' sums, the
// placeable ones (with a centre) most received first, ties by id.
func hotSpotsByRegion(ctx context.Context, tx *db.Tx, src rollupSource, sc figures.Scope, n int) ([]HotSpot, error) {
	sums, err := byRegionSums(ctx, tx, src, sc.From, sc.To)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT g.id, g.name, COALESCE(g.name_en, ''), COALESCE(u.name, ''), COALESCE(u.name_en, ''), g.lat, g.lng
		FROM regions g LEFT JOIN regions u ON u.id = g.parent_id WHERE g.lat IS NOT NULL AND g.lng IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HotSpot
	for rows.Next() {
		var h HotSpot
		if err := rows.Scan(&h.RegionID, &h.Name, &h.NameEN, &h.Parent, &h.ParentEN, &h.Lat, &h.Lng); err != nil {
			return nil, err
		}
		if h.Received = sums[h.RegionID].Received; h.Received > 0 {
			out = append(out, h)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b HotSpot) int {
		return cmp.Or(cmp.Compare(b.Received, a.Received), cmp.Compare(a.RegionID, b.RegionID))
	})
	return out[:min(n, len(out))], nil
}

package dashboardweb

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The cockpit's figures, made once per request (report) and shown by the
// page, its printout, its workbook and the API alike, so a number is the
// same everywhere. Headline tiles come from the figures registry (every
// registered figure, the work orders' headline ones first), computed for
// the period and region in the viewer's data scope, with the value of the
// period before; the trend, rankings and categories from the work orders'
// rollups.

// headline are the figures shown first and large, in this order; every
// other registered figure follows.
var headline = []string{
	workorder.FigureID(string(workorder.FigReceived)),
	workorder.FigureID(string(workorder.FigResolved)),
	workorder.FigureID(workorder.FigSatisfactionRate),
	workorder.FigureID(workorder.FigAckOnTimeRate),
	workorder.FigureID(workorder.FigOnTimeRate),
	workorder.FigureID(string(workorder.FigReopened)),
}

// worseWhenUp are figures for which a rise is bad news.
var worseWhenUp = map[string]bool{
	workorder.FigureID(string(workorder.FigReopened)):     true,
	workorder.FigureID(string(workorder.FigReturned)):     true,
	workorder.FigureID(string(workorder.FigDissatisfied)): true,
	workorder.FigureID(string(workorder.FigOverdueNow)):   true,
}

// neutral figures are neither better nor worse when they move (more
// requests are not bad handling).
var neutral = map[string]bool{workorder.FigureID(string(workorder.FigReceived)): true}

// minBase is the least base (denominator) of the ranked rate for a unit to
// be on the honour or shame list: a unit with one order would top or
// bottom it by chance.
const minBase = 5

// live figures have no previous period (they are counted now).
var live = map[string]bool{workorder.FigureID(string(workorder.FigOverdueNow)): true}

// tile is one figure of the period with its previous value.
type tile struct {
	ID, LabelKey, DefKey string
	Value, Prev          figures.Value
	HasPrev, Headline    bool
	Href                 string
}

// num is the figure as one number: a count, or a rate's fraction (NaN
// without a value).
func num(v figures.Value) float64 {
	if v.Rate != nil {
		x, ok := v.Rate.Value()
		if !ok {
			return math.NaN()
		}
		return x
	}
	return float64(v.Count)
}

// change is the difference from the previous period: points of percent
// for a rate, a count otherwise; ok false when either has no value.
func (t tile) change() (float64, bool) {
	if !t.HasPrev {
		return 0, false
	}
	a, b := num(t.Value), num(t.Prev)
	if math.IsNaN(a) || math.IsNaN(b) {
		return 0, false
	}
	if t.Value.Rate != nil {
		return (a - b) * 100, true
	}
	return a - b, true
}

// rankRow is one region or unit of a ranking: its figures now and in the
// previous period, and the ranked rate of each.
type rankRow struct {
	Row, Prev workorder.StatRow
	Href      string
}

func rankRate(metric string, r workorder.StatRow) figures.Rate {
	switch metric {
	case workorder.FigResolutionRate:
		return r.ResolutionRate
	case workorder.FigOnTimeRate:
		return r.OnTimeRate
	case workorder.FigAckOnTimeRate:
		return r.AckOnTimeRate
	}
	return r.SatisfactionRate
}

// delta is the ranked rate's change in points, ok false without both.
func (x rankRow) delta(metric string) (float64, bool) {
	a, ok1 := rankRate(metric, x.Row).Value()
	b, ok2 := rankRate(metric, x.Prev).Value()
	if !ok1 || !ok2 {
		return 0, false
	}
	return (a - b) * 100, true
}

type report struct {
	Period  period
	Region  workorder.RegionView
	Scope   figures.Scope
	Metric  string // the ranked rate
	Tiles   []tile
	Months  []workorder.MonthRow
	Regions []rankRow           // the regions one level below, by the metric
	Units   []rankRow           // every unit with orders in the region, by the metric
	Cats    []rankRow           // categories by received, most first
	Spots   []workorder.HotSpot // the regions with most orders, most first
	Total   workorder.StatRow
}

// hotSpots is how many hot spots the map shows.
const hotSpots = 10

// metrics are the rates a ranking may be by.
// The first is the default: the on-time rate, which the campaign's
// assessments rank units by.
var metrics = []string{workorder.FigOnTimeRate, workorder.FigSatisfactionRate, workorder.FigResolutionRate, workorder.FigAckOnTimeRate}

func (s *Server) report(ctx context.Context, p *auth.Principal, per period, regionID int64, metric string) (*report, error) {
	ctx = s.figureContext(ctx)
	rv, err := s.orders.CockpitRegion(ctx, p, regionID)
	if err != nil {
		return nil, err
	}
	rep := &report{Period: per, Region: rv, Metric: metric,
		Scope: figures.Scope{From: per.From, To: per.To, RegionID: regionID}}
	prev := figures.Scope{From: per.PrevFrom, To: per.PrevTo, RegionID: regionID}
	all := figures.All()
	slices.SortStableFunc(all, func(a, b figures.Figure) int {
		ia, ib := slices.Index(headline, a.ID), slices.Index(headline, b.ID)
		if ia < 0 {
			ia = len(headline)
		}
		if ib < 0 {
			ib = len(headline)
		}
		return cmp.Compare(ia, ib)
	})
	for _, f := range all {
		v, err := f.Compute(ctx, p, rep.Scope)
		if err != nil {
			return nil, err
		}
		t := tile{ID: f.ID, LabelKey: f.LabelKey, DefKey: f.DefKey, Value: v, Headline: slices.Contains(headline, f.ID)}
		if !live[f.ID] {
			if t.Prev, err = f.Compute(ctx, p, prev); err != nil {
				return nil, err
			}
			t.HasPrev = true
		}
		if f.Link != nil && p.Can(f.LinkPerm) {
			t.Href = f.Link(rep.Scope)
		}
		rep.Tiles = append(rep.Tiles, t)
	}
	if rep.Total, err = s.orders.FigureTotals(ctx, p, rep.Scope); err != nil {
		return nil, err
	}
	tf, tt := per.trendMonths()
	if rep.Months, err = s.orders.Monthly(ctx, p, figures.Scope{From: tf, To: tt, RegionID: regionID}); err != nil {
		return nil, err
	}
	cur, err := s.orders.RegionRanking(ctx, p, rep.Scope, rv.Children)
	if err != nil {
		return nil, err
	}
	before, err := s.orders.RegionRanking(ctx, p, prev, rv.Children)
	if err != nil {
		return nil, err
	}
	for i := range cur {
		rep.Regions = append(rep.Regions, rankRow{Row: cur[i], Prev: before[i]})
	}
	if rep.Spots, err = s.orders.HotSpots(ctx, p, rep.Scope, hotSpots); err != nil {
		return nil, err
	}
	for _, g := range []workorder.StatsGroup{workorder.ByUnit, workorder.ByCategory} {
		now, err := s.orders.StatsIn(ctx, p, rep.Scope, g)
		if err != nil {
			return nil, err
		}
		was, err := s.orders.StatsIn(ctx, p, prev, g)
		if err != nil {
			return nil, err
		}
		byID := map[int64]workorder.StatRow{}
		for _, r := range was {
			byID[r.ID] = r
		}
		var rows []rankRow
		for _, r := range now {
			if r.ID == 0 {
				continue // not yet dispatched / no category
			}
			rows = append(rows, rankRow{Row: r, Prev: byID[r.ID]})
		}
		if g == workorder.ByUnit {
			rep.Units = rows
		} else {
			rep.Cats = rows
		}
	}
	byRate := func(a, b rankRow) int {
		x, okA := rankRate(metric, a.Row).Value()
		y, okB := rankRate(metric, b.Row).Value()
		switch {
		case okA != okB:
			if okA {
				return -1
			}
			return 1
		case x != y:
			return cmp.Compare(y, x)
		}
		return cmp.Or(cmp.Compare(b.Row.Received, a.Row.Received), strings.Compare(a.Row.Name, b.Row.Name))
	}
	slices.SortStableFunc(rep.Regions, byRate)
	slices.SortStableFunc(rep.Units, byRate)
	slices.SortStableFunc(rep.Cats, func(a, b rankRow) int {
		return cmp.Or(cmp.Compare(b.Row.Received, a.Row.Received), cmp.Compare(a.Row.ID, b.Row.ID))
	})
	return rep, nil
}

// headlines computes only the headline figures (the home page's).
func (s *Server) headlines(r *http.Request, p *auth.Principal, per period) ([]tile, error) {
	ctx := s.figureContext(r.Context())
	cur := figures.Scope{From: per.From, To: per.To}
	prev := figures.Scope{From: per.PrevFrom, To: per.PrevTo}
	var out []tile
	for _, id := range headline {
		f, ok := figures.Get(id)
		if !ok {
			continue
		}
		v, err := f.Compute(ctx, p, cur)
		if err != nil {
			return nil, err
		}
		t := tile{ID: f.ID, LabelKey: f.LabelKey, DefKey: f.DefKey, Value: v, Headline: true, HasPrev: true}
		if t.Prev, err = f.Compute(ctx, p, prev); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Server) figureContext(ctx context.Context) context.Context {
	ctx = figures.WithMemo(ctx)
	for _, f := range s.ctxs {
		ctx = f(ctx)
	}
	return ctx
}

// ranked are the rows of a ranking whose metric has a base of at least
// minBase.
func ranked(rows []rankRow, metric string) []rankRow {
	var out []rankRow
	for _, r := range rows {
		if rankRate(metric, r.Row).Denominator >= minBase {
			out = append(out, r)
		}
	}
	return out
}

// honour and shame split a ranking into its top and bottom n (红黑榜),
// without one row on both lists.
func honourShame(rows []rankRow, metric string, n int) (top, bottom []rankRow) {
	r := ranked(rows, metric)
	k := min(n, (len(r)+1)/2)
	top = r[:k]
	rest := r[k:]
	b := min(n, len(rest))
	bottom = slices.Clone(rest[len(rest)-b:])
	slices.Reverse(bottom)
	return top, bottom
}

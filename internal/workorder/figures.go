package workorder

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
)

// The work-order figures in the figures registry: each count of Stats
// (Figures) and each rate, with its name and its definition, the text a
// page shows under "what each figure counts" (message keys
// workorder.figure.<name> and workorder.figure.<name>.def). The
// definitions are those of cohort.counts (stats.go) and figurePred
// (kpitrace.go).

// Rate figures (their ids after "workorder.").
const (
	FigResolutionRate   = "resolution_rate"
	FigOnTimeRate       = "on_time_rate"
	FigAckOnTimeRate    = "ack_on_time_rate"
	FigSatisfactionRate = "satisfaction_rate"
	// FigAvgHandling is no registered figure (neither a count nor a rate),
	// but has its name and definition keys like the others.
	FigAvgHandling = "avg_handling"
)

// FigureID is the registry id of a work-order figure: "workorder." + name.
func FigureID(name string) string { return "workorder." + name }

// LabelKey is the message key of a figure's name.
func (f Figure) LabelKey() string { return "workorder.figure." + string(f) }

// DefKey is the message key of a figure's definition.
func (f Figure) DefKey() string { return "workorder.figure." + string(f) + ".def" }

// rateOf returns the rate figure name's rate in a row.
var rateOf = map[string]func(StatRow) figures.Rate{
	FigResolutionRate:   func(r StatRow) figures.Rate { return r.ResolutionRate },
	FigOnTimeRate:       func(r StatRow) figures.Rate { return r.OnTimeRate },
	FigAckOnTimeRate:    func(r StatRow) figures.Rate { return r.AckOnTimeRate },
	FigSatisfactionRate: func(r StatRow) figures.Rate { return r.SatisfactionRate },
}

// rateNumerator is the figure counting each rate's numerator, whose list
// a rate links to.
var rateNumerator = map[string]Figure{
	FigResolutionRate:   FigResolved,
	FigOnTimeRate:       FigResolvedOnTime,
	FigAckOnTimeRate:    FigAckOnTime,
	FigSatisfactionRate: FigSatisfiedOrBasic,
}

// Link is the staff's /orders list of the orders the figure counts for
// sc: the KPI trace of the period (none for overdue_now, which is live),
// narrowed to sc's region subtree and unit.
func (f Figure) Link(sc figures.Scope) string {
	v := url.Values{"kpi": {string(f)}}
	if f != FigOverdueNow {
		v.Set("kpi_from", sc.From)
		v.Set("kpi_to", sc.To)
	}
	if sc.RegionID != 0 {
		v.Set("region", strconv.FormatInt(sc.RegionID, 10))
	}
	if sc.UnitID != 0 {
		v.Set("unit", strconv.FormatInt(sc.UnitID, 10))
	}
	return "/orders?" + v.Encode()
}

// RateFigures lists the rate figures in the order the stats page shows them.
var RateFigures = []string{FigResolutionRate, FigOnTimeRate, FigAckOnTimeRate, FigSatisfactionRate}

func init() {
	for _, f := range Figures {
		figures.Register(figures.Figure{ID: FigureID(string(f)), LabelKey: f.LabelKey(), DefKey: f.DefKey(), Link: f.Link, LinkPerm: auth.PermOrderView,
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				r, err := figureRow(ctx, p, sc)
				return figures.Value{Count: f.Of(r)}, err
			}})
	}
	for _, name := range RateFigures {
		of := rateOf[name]
		figures.Register(figures.Figure{ID: FigureID(name), LabelKey: Figure(name).LabelKey(), DefKey: Figure(name).DefKey(),
			Link: rateNumerator[name].Link, LinkPerm: auth.PermOrderView,
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				r, err := figureRow(ctx, p, sc)
				rate := of(r)
				return figures.Value{Count: rate.Numerator, Rate: &rate}, err
			}})
	}
}

type serviceKey struct{}

// FiguresContext returns ctx carrying s, through which the registered
// work-order figures compute (figures.Get(FigureID(…)).Compute(ctx, …)):
// the registry is per process, the database per Service.
func (s *Service) FiguresContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, serviceKey{}, &figureCtx{s: s, memo: map[memoKey]StatRow{}, overdue: map[memoKey]int64{}})
}

// figureCtx is what FiguresContext puts in a context: the service, and the
// totals already read through it (a request computing several figures of
// one scope reads the rollup once; a context lives one request).
type figureCtx struct {
	s       *Service
	mu      sync.Mutex
	memo    map[memoKey]StatRow
	overdue map[memoKey]int64 // the live count, the same for every period
}

type memoKey struct {
	p  *auth.Principal
	sc figures.Scope
}

func figureRow(ctx context.Context, p *auth.Principal, sc figures.Scope) (StatRow, error) {
	m, ok := ctx.Value(serviceKey{}).(*figureCtx)
	if !ok {
		return StatRow{}, errors.New("workorder: figures computed without a service (see Service.FiguresContext)")
	}
	return m.s.FigureTotals(ctx, p, sc)
}

// FigureTotals is the totals row of Stats for a figures.Scope: the days
// From..To, p's data scope and, when set, the subtree of sc.RegionID (by
// the order's region) and of sc.UnitID (by the unit holding the order);
// OverdueNow is the live count under the same limits.
func (s *Service) FigureTotals(ctx context.Context, p *auth.Principal, sc figures.Scope) (r StatRow, err error) {
	if err := auth.Require(p, auth.PermOrderView); err != nil {
		if auth.Require(p, auth.PermDashboardView) != nil {
			return StatRow{}, err
		}
	}
	var f errs.Fields
	if _, err := time.Parse(DateLayout, sc.From); err != nil {
		f.Add("from", "field.bad_date")
	}
	if _, err := time.Parse(DateLayout, sc.To); err != nil {
		f.Add("to", "field.bad_date")
	}
	if err := f.Err(); err != nil {
		return StatRow{}, err
	}
	var overdue map[memoKey]int64
	live := memoKey{p, figures.Scope{RegionID: sc.RegionID, UnitID: sc.UnitID}}
	if m, ok := ctx.Value(serviceKey{}).(*figureCtx); ok && m.s == s {
		overdue = m.overdue
		m.mu.Lock()
		defer m.mu.Unlock()
		if r, ok := m.memo[memoKey{p, sc}]; ok {
			return r, nil
		}
		defer func() {
			if err == nil {
				m.memo[memoKey{p, sc}] = r
			}
		}()
	}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		src, err := s.source(ctx, tx, p, sc)
		if err != nil {
			return err
		}
		liveWhere, largs := visibleWhere(p)
		if sc.RegionID != 0 {
			liveWhere, largs = liveWhere+" AND w.region_path LIKE (SELECT path FROM regions WHERE id = ?) || '%'", append(largs, sc.RegionID)
		}
		if sc.UnitID != 0 {
			liveWhere, largs = liveWhere+" AND w.unit_path LIKE (SELECT path FROM units WHERE id = ?) || '%'", append(largs, sc.UnitID)
		}
		if src.byRegion {
			sums, err := byRegionSums(ctx, tx, src, sc.From, sc.To)
			if err != nil {
				return err
			}
			rows := make([]StatRow, 0, len(sums))
			for _, x := range sums {
				rows = append(rows, x)
			}
			r = Total(rows)
		} else {
			err = tx.Get(ctx, "", "SELECT "+sumCols+" FROM "+src.from+" WHERE s.day >= ? AND s.day <= ? AND "+src.where,
				append([]any{sc.From, sc.To}, src.args...), scanSums(&r)...)
			if err != nil {
				return err
			}
		}
		if n, ok := overdue[live]; ok {
			r.OverdueNow = n
			return nil
		}
		now := s.Clock.Now().UnixMilli()
		qargs := []any{string(StateDispatched), now, string(StateAcknowledged), string(StateExtensionRequested),
			string(StateReopened), now}
		r.OverdueNow, err = tx.Count(ctx, `SELECT COUNT(*) FROM workorders w
			WHERE ((w.state = ? AND w.ack_due_at < ?) OR (w.state IN (?, ?, ?) AND w.resolve_due_at < ?)) AND w.kind = 'request' AND `+liveWhere,
			append(qargs, largs...)...)
		if err == nil && overdue != nil {
			overdue[live] = r.OverdueNow
		}
		return err
	})
	r.rates()
	return r, err
}

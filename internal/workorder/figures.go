package workorder

import (
	"context"
	"errors"
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

// RateFigures lists the rate figures in the order the stats page shows them.
var RateFigures = []string{FigResolutionRate, FigOnTimeRate, FigAckOnTimeRate, FigSatisfactionRate}

func init() {
	for _, f := range Figures {
		figures.Register(figures.Figure{ID: FigureID(string(f)), LabelKey: f.LabelKey(), DefKey: f.DefKey(),
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				r, err := figureRow(ctx, p, sc)
				return figures.Value{Count: f.Of(r)}, err
			}})
	}
	for _, name := range RateFigures {
		of := rateOf[name]
		figures.Register(figures.Figure{ID: FigureID(name), LabelKey: Figure(name).LabelKey(), DefKey: Figure(name).DefKey(),
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
	return context.WithValue(ctx, serviceKey{}, s)
}

func figureRow(ctx context.Context, p *auth.Principal, sc figures.Scope) (StatRow, error) {
	s, ok := ctx.Value(serviceKey{}).(*Service)
	if !ok {
		return StatRow{}, errors.New("workorder: figures computed without a service (see Service.FiguresContext)")
	}
	return s.FigureTotals(ctx, p, sc)
}

// FigureTotals is the totals row of Stats for a figures.Scope: the days
// From..To, p's data scope and, when set, the subtree of sc.RegionID (by
// the order's region) and of sc.UnitID (by the unit holding the order);
// OverdueNow is the live count under the same limits.
func (s *Service) FigureTotals(ctx context.Context, p *auth.Principal, sc figures.Scope) (StatRow, error) {
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
	var r StatRow
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		where, args := p.Scope.Where("sr.path", "su.path", "")
		live, largs := visibleWhere(p)
		if sc.RegionID != 0 {
			var path string
			if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{sc.RegionID}, &path); err != nil {
				return err
			}
			where, args = where+" AND sr.path LIKE ?", append(args, path+"%")
			live, largs = live+" AND w.region_path LIKE ?", append(largs, path+"%")
		}
		if sc.UnitID != 0 {
			var path string
			if err := tx.Get(ctx, "entity.unit", "SELECT path FROM units WHERE id = ?", []any{sc.UnitID}, &path); err != nil {
				return err
			}
			where, args = where+" AND su.path LIKE ?", append(args, path+"%")
			live, largs = live+" AND w.unit_path LIKE ?", append(largs, path+"%")
		}
		err := tx.Get(ctx, "", `SELECT COALESCE(SUM(s.received), 0), COALESCE(SUM(s.dispatched), 0),
			COALESCE(SUM(s.acknowledged_on_time), 0), COALESCE(SUM(s.resolved), 0), COALESCE(SUM(s.resolved_on_time), 0),
			COALESCE(SUM(s.returned), 0), COALESCE(SUM(s.reopened), 0), COALESCE(SUM(s.callbacks_reached), 0),
			COALESCE(SUM(s.satisfied), 0), COALESCE(SUM(s.basically_satisfied), 0), COALESCE(SUM(s.dissatisfied), 0),
			COALESCE(SUM(s.handling_ms_sum), 0), COALESCE(SUM(s.handling_count), 0)
			FROM workorder_stats_daily s
			LEFT JOIN units su ON su.id = s.unit_id
			LEFT JOIN regions sr ON sr.id = s.region_id
			WHERE s.day >= ? AND s.day <= ? AND `+where, append([]any{sc.From, sc.To}, args...),
			&r.Received, &r.Dispatched, &r.AckOnTime, &r.Resolved, &r.ResolvedOnTime, &r.Returned, &r.Reopened,
			&r.CallbacksReached, &r.Satisfied, &r.BasicallySatisfied, &r.Dissatisfied, &r.HandlingMS, &r.HandlingCount)
		if err != nil {
			return err
		}
		now := s.Clock.Now().UnixMilli()
		qargs := []any{string(StateDispatched), now, string(StateAcknowledged), string(StateExtensionRequested),
			string(StateReopened), now}
		r.OverdueNow, err = tx.Count(ctx, `SELECT COUNT(*) FROM workorders w
			WHERE ((w.state = ? AND w.ack_due_at < ?) OR (w.state IN (?, ?, ?) AND w.resolve_due_at < ?)) AND `+live,
			append(qargs, largs...)...)
		return err
	})
	r.rates()
	return r, err
}

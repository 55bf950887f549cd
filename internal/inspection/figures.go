package inspection

import (
	"context"
	"errors"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/figures"
)

// The inspection figures in the figures registry (message keys
// inspection.figure.<name> and .def): inspections held, findings, the
// share of inspections without a finding, and the average score as
// points earned of points possible (N/A items in neither), over the
// inspections the caller sees, inspected within the period (China
// Standard Time days), optionally in a region's subtree (the site's
// region) or a unit's subtree (the responsible unit).
const (
	FigHeld     = "held"
	FigFindings = "findings"
	FigPassRate = "pass_rate"
	FigAvgScore = "average_score"
)

// FigureNames lists them in display order.
var FigureNames = []string{FigHeld, FigFindings, FigPassRate, FigAvgScore}

// FigureTotals are the sums the figures are made of.
type FigureTotals struct {
	Held, Findings, Passed int64
	Earned, Possible       int64 // centi-points
}

func init() {
	for _, name := range FigureNames {
		figures.Register(figures.Figure{ID: "inspection." + name, LabelKey: "inspection.figure." + name, DefKey: "inspection.figure." + name + ".def",
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				s, ok := ctx.Value(serviceKey{}).(*Service)
				if !ok {
					return figures.Value{}, errors.New("inspection: figures computed without a service (see Service.FiguresContext)")
				}
				t, err := figures.Memo(ctx, "inspection", p, sc, func() (FigureTotals, error) { return s.FigureTotals(ctx, p, sc) })
				switch name {
				case FigHeld:
					return figures.Value{Count: t.Held}, err
				case FigFindings:
					return figures.Value{Count: t.Findings}, err
				case FigPassRate:
					r := figures.Of(t.Passed, t.Held)
					return figures.Value{Count: t.Passed, Rate: &r}, err
				default:
					r := figures.Of(t.Earned, t.Possible)
					return figures.Value{Count: t.Held, Rate: &r}, err
				}
			}})
	}
}

// The rectification figures (rectify.go, RectificationTotals): filed in
// the period, the share closed by a passed recheck and reported rectified
// by the deadline in force, and the failed rechecks.
const (
	FigRectifications  = "rectifications"
	FigRectifiedOnTime = "rectified_on_time"
	FigRecheckFailed   = "recheck_failed"
)

// RectFigureNames lists them in display order.
var RectFigureNames = []string{FigRectifications, FigRectifiedOnTime, FigRecheckFailed}

func init() {
	for _, name := range RectFigureNames {
		figures.Register(figures.Figure{ID: "inspection." + name, LabelKey: "inspection.figure." + name, DefKey: "inspection.figure." + name + ".def",
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				s, ok := ctx.Value(serviceKey{}).(*Service)
				if !ok {
					return figures.Value{}, errors.New("inspection: figures computed without a service (see Service.FiguresContext)")
				}
				var from, to time.Time
				if t, err := time.ParseInLocation(time.DateOnly, sc.From, clock.CST); err == nil {
					from = t
				}
				if t, err := time.ParseInLocation(time.DateOnly, sc.To, clock.CST); err == nil {
					to = t.AddDate(0, 0, 1)
				}
				t, err := figures.Memo(ctx, "inspection.rectifications", p, sc, func() (RectTotals, error) {
					return s.RectificationTotals(ctx, p, from, to, sc.UnitID, sc.RegionID)
				})
				switch name {
				case FigRectifications:
					return figures.Value{Count: t.Filed}, err
				case FigRectifiedOnTime:
					r := figures.Of(t.ClosedOnTime, t.Filed)
					return figures.Value{Count: t.ClosedOnTime, Rate: &r}, err
				default:
					return figures.Value{Count: t.FailedRechecks}, err
				}
			}})
	}
}

type serviceKey struct{}

// FiguresContext returns ctx carrying s, through which the registered
// inspection figures compute.
func (s *Service) FiguresContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, serviceKey{}, s)
}

// FigureTotals sums the inspections the caller sees in the scope.
func (s *Service) FigureTotals(ctx context.Context, p *auth.Principal, sc figures.Scope) (FigureTotals, error) {
	if err := canView(p); err != nil {
		return FigureTotals{}, err
	}
	where, args := inspectionVisible(p)
	q := "SELECT COUNT(*), COALESCE(SUM(i.findings), 0), COALESCE(SUM(CASE WHEN i.passed THEN 1 ELSE 0 END), 0), " +
		"COALESCE(SUM(i.earned), 0), COALESCE(SUM(i.possible), 0)" + inspectionFrom + " WHERE " + where
	if sc.From != "" {
		if t, err := time.ParseInLocation(time.DateOnly, sc.From, clock.CST); err == nil {
			q, args = q+" AND i.inspected_at >= ?", append(args, t.UnixMilli())
		}
	}
	if sc.To != "" {
		if t, err := time.ParseInLocation(time.DateOnly, sc.To, clock.CST); err == nil {
			q, args = q+" AND i.inspected_at < ?", append(args, t.AddDate(0, 0, 1).UnixMilli())
		}
	}
	if sc.RegionID != 0 {
		q, args = q+" AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'", append(args, sc.RegionID)
	}
	if sc.UnitID != 0 {
		q, args = q+" AND u.path LIKE (SELECT path FROM units WHERE id = ?) || '%'", append(args, sc.UnitID)
	}
	var t FigureTotals
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "inspection.entity.inspection", q, args, &t.Held, &t.Findings, &t.Passed, &t.Earned, &t.Possible)
	})
	return t, err
}

// FigEvalScore is the quarterly evaluation's score rate: the ranked units'
// criteria points (before adjustments, which the evaluation page shows
// beside them) over their possible points (100 each), in the quarter the
// period ends in (frozen once published), for the evaluated units in the
// scope's unit or region subtree. Its count is the ranked units.
const FigEvalScore = "eval_score"

func init() {
	figures.Register(figures.Figure{ID: "inspection." + FigEvalScore, LabelKey: "inspection.figure." + FigEvalScore,
		DefKey: "inspection.figure." + FigEvalScore + ".def",
		Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
			s, ok := ctx.Value(serviceKey{}).(*Service)
			if !ok {
				return figures.Value{}, errors.New("inspection: figures computed without a service (see Service.FiguresContext)")
			}
			return s.EvalScoreFigure(ctx, p, sc)
		},
		Link: func(sc figures.Scope) string {
			return "/inspection/evaluations?quarter=" + figureQuarter(sc, time.Now()).String()
		}, LinkPerm: auth.PermInspectionView})
}

// figureQuarter is the quarter a figure's period ends in (now's without an end).
func figureQuarter(sc figures.Scope, now time.Time) Quarter {
	if t, err := time.ParseInLocation(time.DateOnly, sc.To, clock.CST); err == nil {
		return QuarterOf(t)
	}
	return QuarterOf(now)
}

// EvalScoreFigure computes FigEvalScore.
func (s *Service) EvalScoreFigure(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
	ev, err := s.Evaluation(ctx, p, figureQuarter(sc, s.now()).String())
	if err != nil {
		return figures.Value{}, err
	}
	var in map[int64]bool
	if sc.UnitID != 0 || sc.RegionID != 0 {
		in = map[int64]bool{}
		q, args := "SELECT u.id FROM units u LEFT JOIN regions r ON r.id = u.region_id WHERE 1 = 1", []any{}
		if sc.UnitID != 0 {
			q, args = q+" AND u.path LIKE (SELECT path FROM units WHERE id = ?) || '%'", append(args, sc.UnitID)
		}
		if sc.RegionID != 0 {
			q, args = q+" AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'", append(args, sc.RegionID)
		}
		err := s.DB.Read(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				in[id] = true
			}
			return rows.Err()
		})
		if err != nil {
			return figures.Value{}, err
		}
	}
	var num, n int64
	for _, r := range ev.Rows {
		if r.Rank == 0 || (in != nil && !in[r.UnitID]) {
			continue
		}
		n++
		num += int64(r.Total - r.Adjusted)
	}
	rate := figures.Of(num, n*10000)
	return figures.Value{Count: n, Rate: &rate}, nil
}

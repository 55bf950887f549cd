package rating

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/scoring"
)

type serviceKey struct{}

// FiguresContext returns ctx carrying s, through which the registered
// rating figures compute (the registry is per process, the database per Service).
func (s *Service) FiguresContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, serviceKey{}, s)
}

// figureDefs are the registered figures: name → the SQL counting it for
// the period and scope (u is the owning unit).
var figureDefs = []struct {
	name string
	q    string
	day  string // the column compared with the period ("" for a state now)
}{
	{"rounds_held", "SELECT COUNT(*) FROM rating_rounds r JOIN units u ON u.id = r.unit_id WHERE r.state IN ('published','closed')", "r.period_to"},
	{"people_rated", `SELECT COUNT(DISTINCT e.subject_id) FROM rating_entries e JOIN rating_rounds r ON r.id = e.round_id JOIN units u ON u.id = r.unit_id
		WHERE r.state IN ('published','closed')`, "r.period_to"},
	{"stars_up", `SELECT COUNT(*) FROM rating_entries e JOIN rating_rounds r ON r.id = e.round_id JOIN units u ON u.id = r.unit_id
		WHERE r.state = 'closed' AND e.star_delta > 0`, "r.period_to"},
	{"stars_down", `SELECT COUNT(*) FROM rating_entries e JOIN rating_rounds r ON r.id = e.round_id JOIN units u ON u.id = r.unit_id
		WHERE r.state = 'closed' AND e.star_delta < 0`, "r.period_to"},
	{"qualifications", `SELECT COUNT(*) FROM rating_qualifications q JOIN rating_subjects s ON s.id = q.subject_id JOIN units u ON u.id = s.unit_id WHERE 1=1`, "q.gained_on"},
	{"senior_workers", `SELECT COUNT(*) FROM rating_qualifications q JOIN rating_subjects s ON s.id = q.subject_id JOIN units u ON u.id = s.unit_id WHERE q.grade = 'senior'`, "q.gained_on"},
	{"technicians", `SELECT COUNT(*) FROM rating_qualifications q JOIN rating_subjects s ON s.id = q.subject_id JOIN units u ON u.id = s.unit_id WHERE q.grade = 'technician'`, "q.gained_on"},
}

// StarLevels are the star levels counted as figures (subjects holding N stars now).
const StarLevels = 5

func init() {
	for _, d := range figureDefs {
		figures.Register(figures.Figure{ID: "rating." + d.name, LabelKey: "rating.figure." + d.name, DefKey: "rating.figure." + d.name + ".def",
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				n, err := countFigure(ctx, p, sc, d.q, d.day)
				return figures.Value{Count: n}, err
			}})
	}
	for n := 1; n <= StarLevels; n++ {
		q := `SELECT COUNT(*) FROM rating_stars st JOIN rating_subjects s ON s.id = st.subject_id JOIN units u ON u.id = s.unit_id WHERE st.stars = ` + strconv.Itoa(n)
		figures.Register(figures.Figure{ID: fmt.Sprintf("rating.stars_%d", n), LabelKey: fmt.Sprintf("rating.figure.stars_%d", n),
			DefKey: fmt.Sprintf("rating.figure.stars_%d.def", n),
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				c, err := countFigure(ctx, p, sc, q, "")
				return figures.Value{Count: c}, err
			}})
	}
}

func countFigure(ctx context.Context, p *auth.Principal, sc figures.Scope, q, day string) (int64, error) {
	s, ok := ctx.Value(serviceKey{}).(*Service)
	if !ok {
		return 0, errors.New("rating: figures computed without a service (see Service.FiguresContext)")
	}
	if p != nil && !p.Can(auth.PermDashboardView) {
		if err := canRead(p); err != nil {
			return 0, err
		}
	}
	where, args := scope(p)
	q += " AND " + where
	if day != "" {
		var f errs.Fields
		f.Check(validDate(sc.From), "from", "field.bad_date")
		f.Check(validDate(sc.To), "to", "field.bad_date")
		if err := f.Err(); err != nil {
			return 0, err
		}
		q += " AND " + day + " >= ? AND " + day + " <= ?"
		args = append(args, sc.From, sc.To)
	}
	if sc.UnitID != 0 {
		q += " AND u.path LIKE (SELECT path FROM units WHERE id = ?) || '%'"
		args = append(args, sc.UnitID)
	}
	if sc.RegionID != 0 { // by the owning unit's region (the cockpit's region)
		q += " AND u.region_id IN (SELECT id FROM regions WHERE path LIKE (SELECT path FROM regions WHERE id = ?) || '%')"
		args = append(args, sc.RegionID)
	}
	var n int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(ctx, q, args...)
		return err
	})
	return n, err
}

// FigureValue turns a figure's value into points for a criterion: a rate
// gives Points × rate (rounded), a count PerCount each, capped at Points.
func FigureValue(c scoring.Criterion, v figures.Value) (scoring.Cents, bool) {
	if v.Rate != nil {
		if v.Rate.Denominator == 0 {
			return 0, false
		}
		return scoring.Cents((int64(c.Points)*v.Rate.Numerator*2 + v.Rate.Denominator) / (2 * v.Rate.Denominator)), true
	}
	return min(scoring.Cents(v.Count)*c.PerCount, c.Points), true
}

// PullFigures computes every figure criterion of a round being scored for
// each entry (the subject's region and reference unit, the round's
// period, in the caller's scope) and stores the points. ctxFig carries the
// services the figures compute through (app wires FigureContext).
func (s *Service) PullFigures(ctx context.Context, p *auth.Principal, roundID int64) (int, error) {
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return 0, err
	}
	r, err := s.GetRound(ctx, p, roundID)
	if err != nil {
		return 0, err
	}
	if r.State != StateScoring {
		return 0, errs.E(errs.Conflict, "rating.err.not_scoring")
	}
	fctx := ctx
	if s.FigureContext != nil {
		fctx = s.FigureContext(ctx)
	}
	fctx = s.FiguresContext(fctx)
	if false {
	}
	type val struct {
		entry int64
		crit  string
		v     scoring.Cents
		note  string
	}
	var vals []val
	var subs []Subject
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		entries, err := listEntries(ctx, tx, roundID)
		if err != nil {
			return err
		}
		for _, e := range entries {
			x, err := getSubject(ctx, tx, nil, e.SubjectID)
			if err != nil {
				return err
			}
			x.ID = e.ID // the entry, for the loop below
			subs = append(subs, x)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, c := range r.Template.Scheme.Criteria {
		if c.Method != scoring.MethodFigure {
			continue
		}
		fig, ok := figures.Get(c.Figure)
		if !ok {
			return 0, errs.E(errs.Conflict, "rating.err.figure_unknown", c.Figure)
		}
		for _, x := range subs {
			v, err := fig.Compute(fctx, p, figures.Scope{From: r.PeriodFrom, To: r.PeriodTo, RegionID: x.RegionID, UnitID: x.RefUnitID})
			if errs.CodeOf(err) == errs.Forbidden {
				return 0, errs.E(errs.Forbidden, "rating.err.figure_forbidden", c.Figure)
			}
			if err != nil {
				return 0, err
			}
			pts, ok := FigureValue(c, v)
			if !ok {
				continue
			}
			vals = append(vals, val{x.ID, c.Code, pts, fmt.Sprintf("%s = %d", c.Figure, v.Count)})
		}
	}
	now := s.Clock.Now()
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		for _, v := range vals {
			if err := setObjective(ctx, tx, v.entry, v.crit, v.v, v.note, now); err != nil {
				return err
			}
		}
		r2, err := getRound(ctx, tx, p, roundID)
		if err != nil {
			return err
		}
		return recompute(ctx, tx, r2)
	})
	return len(vals), err
}

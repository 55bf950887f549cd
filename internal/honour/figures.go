package honour

import (
	"context"
	"errors"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
)

type serviceKey struct{}

// FiguresContext returns ctx carrying s, through which the honours' figures compute.
func (s *Service) FiguresContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, serviceKey{}, s)
}

// figureDefs: honours nominated (received in the period), awarded (award
// date in the period) and revoked (revoked in the period), in all and per kind.
var figureDefs = []struct{ name, where, day string }{
	{"nominated", "1=1", "n.created_at"},
	{"awarded", "n.awarded_on <> '' AND n.state IN ('awarded','revoked')", "n.awarded_on"},
	{"revoked", "n.state = 'revoked'", "n.updated_at"},
}

func init() {
	for _, d := range figureDefs {
		reg := func(id, key, kind string) {
			figures.Register(figures.Figure{ID: id, LabelKey: key, DefKey: key + ".def",
				Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
					n, err := countFigure(ctx, p, sc, d.where, d.day, kind)
					return figures.Value{Count: n}, err
				}})
		}
		reg("honour."+d.name, "honour.figure."+d.name, "")
		for _, k := range Kinds {
			reg("honour."+d.name+"."+k.Code, "honour.figure."+d.name+"."+k.Code, k.Code)
		}
	}
}

func countFigure(ctx context.Context, p *auth.Principal, sc figures.Scope, where, day, kind string) (int64, error) {
	s, ok := ctx.Value(serviceKey{}).(*Service)
	if !ok {
		return 0, errors.New("honour: figures computed without a service (see Service.FiguresContext)")
	}
	if p != nil && !p.Can(auth.PermDashboardView) {
		if err := auth.Require(p, auth.PermHonourManage); err != nil {
			return 0, err
		}
	}
	from, to, err := periodBounds(sc, day)
	if err != nil {
		return 0, err
	}
	sw, args := scope(p)
	q := "SELECT COUNT(*) FROM honour_nominations n JOIN units u ON u.id = n.unit_id WHERE " + where + " AND " + sw + " AND " + day + " >= ? AND " + day + " <= ?"
	args = append(args, from, to)
	if kind != "" {
		q += " AND n.kind = ?"
		args = append(args, kind)
	}
	if sc.RegionID != 0 {
		q += " AND n.region_id IN (SELECT id FROM regions WHERE path LIKE (SELECT path FROM regions WHERE id = ?) || '%')"
		args = append(args, sc.RegionID)
	}
	var n int64
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(ctx, q, args...)
		return err
	})
	return n, err
}

// periodBounds are the scope's days as the column compares them: dates for
// a date column, unix milliseconds (China Standard Time days) otherwise.
func periodBounds(sc figures.Scope, day string) (any, any, error) {
	var f errs.Fields
	from, ok1 := cstDay(sc.From)
	to, ok2 := cstDay(sc.To)
	f.Check(ok1, "from", "field.bad_date")
	f.Check(ok2, "to", "field.bad_date")
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	if day == "n.awarded_on" {
		return sc.From, sc.To, nil
	}
	return from.UnixMilli(), to.AddDate(0, 0, 1).UnixMilli() - 1, nil
}

package grassroots

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
)

// The figures grassroots offers (figure id "grassroots.<name>"; messages
// grassroots.figure.<name> and .def). Each is counted from the rows by one
// query in figureSQL, so a screen, an export and the API see one number.
const (
	FigHouseholdsVisited   = "households_visited"
	FigPeopleVisited       = "people_visited"
	FigNeedsFound          = "needs_found"
	FigNeedsSolved         = "needs_solved"
	FigDisputesRegistered  = "disputes_registered"
	FigDisputesSettled     = "disputes_settled"
	FigSettledInVillage    = "disputes_settled_village"
	FigSettledInTownship   = "disputes_settled_township"
	FigAgreementsFulfilled = "agreements_fulfilled"
	FigMeetings            = "meetings"
	FigAudience            = "audience"
	FigCadresDispatched    = "cadres_dispatched"
	FigVillagesCovered     = "villages_covered"
)

// Figures lists them in display order.
var Figures = []string{FigHouseholdsVisited, FigPeopleVisited, FigNeedsFound, FigNeedsSolved, FigDisputesRegistered, FigDisputesSettled,
	FigSettledInVillage, FigSettledInTownship, FigAgreementsFulfilled, FigMeetings, FigAudience, FigCadresDispatched, FigVillagesCovered}

// figureSQL: each figure's query; "{scope}" is replaced by the scope and
// region predicate on the row's region path column named first, and the
// arguments are the period's (from, to) days, or for the events the
// period's millisecond bounds.
var figureSQL = map[string]struct {
	path, q string
	millis  bool
}{
	FigHouseholdsVisited: {"v.region_path", `SELECT COUNT(DISTINCT v.household_id) FROM gr_visits v WHERE v.visited_on >= ? AND v.visited_on <= ? AND {scope}`, false},
	FigPeopleVisited: {"v.region_path", `SELECT COALESCE(SUM(x.people_reached), 0) FROM gr_visits x WHERE x.id IN (SELECT MIN(v.id) FROM gr_visits v
		WHERE v.visited_on >= ? AND v.visited_on <= ? AND {scope} GROUP BY v.household_id)`, false},
	FigNeedsFound: {"v.region_path", `SELECT COUNT(*) FROM gr_visits v WHERE v.needs <> '' AND v.visited_on >= ? AND v.visited_on <= ? AND {scope}`, false},
	FigNeedsSolved: {"v.region_path", `SELECT COUNT(*) FROM gr_visits v JOIN workorders w ON w.id = v.workorder_id WHERE v.needs <> ''
		AND w.state IN ('resolved', 'verified', 'callback_done', 'closed') AND v.visited_on >= ? AND v.visited_on <= ? AND {scope}`, false},
	FigDisputesRegistered: {"d.region_path", `SELECT COUNT(*) FROM gr_disputes d WHERE d.registered_on >= ? AND d.registered_on <= ? AND {scope}`, false},
	FigDisputesSettled:    {"d.region_path", `SELECT COUNT(*) FROM gr_disputes d WHERE d.settled_on >= ? AND d.settled_on <= ? AND {scope}`, false},
	FigSettledInVillage: {"d.region_path", `SELECT COUNT(*) FROM gr_disputes d WHERE d.settled_level = 'village' AND d.settled_on >= ? AND d.settled_on <= ?
		AND {scope}`, false},
	FigSettledInTownship: {"d.region_path", `SELECT COUNT(*) FROM gr_disputes d WHERE d.settled_level = 'street' AND d.settled_on >= ? AND d.settled_on <= ?
		AND {scope}`, false},
	FigAgreementsFulfilled: {"d.region_path", `SELECT COUNT(DISTINCT e.dispute_id) FROM gr_dispute_events e JOIN gr_disputes d ON d.id = e.dispute_id
		WHERE e.action = 'check' AND e.at >= ? AND e.at < ? AND {scope}`, true},
	FigMeetings: {"m.region_path", `SELECT COUNT(*) FROM gr_meetings m WHERE m.held_on >= ? AND m.held_on <= ? AND {scope}`, false},
	FigAudience: {"m.region_path", `SELECT COALESCE(SUM(m.audience), 0) FROM gr_meetings m WHERE m.held_on >= ? AND m.held_on <= ? AND {scope}`, false},
	// Dispatches overlap the period: start on or before its end, end on or after its start.
	FigCadresDispatched: {"x.region_path", `SELECT COUNT(DISTINCT x.cadre_id) FROM gr_dispatches x WHERE x.ends_on >= ? AND x.starts_on <= ? AND {scope}`, false},
	FigVillagesCovered:  {"x.region_path", `SELECT COUNT(DISTINCT x.region_id) FROM gr_dispatches x WHERE x.ends_on >= ? AND x.starts_on <= ? AND {scope}`, false},
}

type serviceKey struct{}

// FiguresContext returns ctx carrying s, through which the registered
// figures are computed (as workorder.Service.FiguresContext).
func (s *Service) FiguresContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, serviceKey{}, s)
}

// figureLinks are the lists of the rows behind the figures that have one:
// the coverage page of the period and region (households and people
// reached, and those not yet), and the dispatched cadres with their work.
var figureLinks = map[string]func(figures.Scope) string{
	FigHouseholdsVisited: coverageLink,
	FigPeopleVisited:     coverageLink,
	FigCadresDispatched:  func(figures.Scope) string { return "/grassroots/cadres" },
}

func coverageLink(sc figures.Scope) string {
	v := url.Values{"from": {sc.From}, "to": {sc.To}}
	if sc.RegionID != 0 {
		v.Set("region", strconv.FormatInt(sc.RegionID, 10))
	}
	return "/grassroots/coverage?" + v.Encode()
}

func init() {
	for _, name := range Figures {
		link := figureLinks[name]
		perm := auth.Perm("")
		if link != nil {
			perm = auth.PermGridVisit
		}
		figures.Register(figures.Figure{ID: "grassroots." + name, LabelKey: "grassroots.figure." + name, DefKey: "grassroots.figure." + name + ".def",
			Link: link, LinkPerm: perm,
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				s, ok := ctx.Value(serviceKey{}).(*Service)
				if !ok {
					return figures.Value{}, errors.New("grassroots: figures computed without a service (see Service.FiguresContext)")
				}
				n, err := s.Figure(ctx, p, name, sc)
				return figures.Value{Count: n}, err
			}})
	}
}

// Figure counts one figure over sc's days, in p's scope and, when set,
// sc.RegionID's subtree. Holders of grid.visit or dashboard.view may ask.
func (s *Service) Figure(ctx context.Context, p *auth.Principal, name string, sc figures.Scope) (int64, error) {
	if p != nil && !p.Can(auth.PermGridVisit) && !p.Can(auth.PermDashboardView) {
		return 0, errs.E(errs.Forbidden, "err.forbidden")
	}
	def, ok := figureSQL[name]
	if !ok {
		return 0, errs.NotFoundf("entity.figure")
	}
	from, err1 := time.ParseInLocation(time.DateOnly, sc.From, clock.CST)
	to, err2 := time.ParseInLocation(time.DateOnly, sc.To, clock.CST)
	if err1 != nil || err2 != nil {
		return 0, fieldErr("from", "field.bad_date")
	}
	var n int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, def.path)
		if sc.RegionID > 0 {
			_, path, _, err := regionOf(ctx, tx, p, sc.RegionID)
			if err != nil {
				return err
			}
			u, ua := under(def.path, path)
			w, args = w+" AND "+u, append(args, ua...)
		}
		period := []any{sc.From, sc.To}
		if def.millis {
			period = []any{from.UnixMilli(), to.AddDate(0, 0, 1).UnixMilli()}
		}
		q := replaceScope(def.q, w)
		var err error
		n, err = tx.Count(ctx, q, append(period, args...)...)
		return err
	})
	return n, err
}

func replaceScope(q, w string) string {
	const mark = "{scope}"
	for i := 0; i+len(mark) <= len(q); i++ {
		if q[i:i+len(mark)] == mark {
			return q[:i] + w + q[i+len(mark):]
		}
	}
	return q
}

// FigureSet counts every figure over sc.
func (s *Service) FigureSet(ctx context.Context, p *auth.Principal, sc figures.Scope) (map[string]int64, error) {
	out := map[string]int64{}
	for _, name := range Figures {
		n, err := s.Figure(ctx, p, name, sc)
		if err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, nil
}

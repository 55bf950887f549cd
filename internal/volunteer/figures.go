package volunteer

import (
	"context"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/wenming-city/wenming/internal/clock"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/figures"
)

// The figures volunteers offer the cockpit (i18n volunteer.figure.<name> and .def).
const (
	FigVolunteers = "volunteers"       // approved volunteers whose home area is in scope, registered by the period's end
	FigParty      = "party_members"    // of them, Party members
	FigTeams      = "teams"            // teams in scope
	FigActivities = "activities"       // activities held in the period (open, on a day in the period up to today)
	FigSessions   = "sessions"         // confirmed attendances in the period
	FigHours      = "service_hours"    // confirmed service hours in the period, whole hours
	FigPartyReg   = "party_registered" // working Party members registered with their home community in scope by the period's end
	FigServed     = "orders_served"    // residents' service orders served (served or rated) in the period, by the station's region
)

// FigureNames in display order.
var FigureNames = []string{FigVolunteers, FigParty, FigTeams, FigActivities, FigSessions, FigHours, FigPartyReg, FigServed}

// FigureID is the registry id of a figure.
func FigureID(name string) string { return "volunteer." + name }

var current atomic.Pointer[Service]

type serviceKey struct{}

// FiguresContext returns ctx carrying s, through which the registered
// figures compute; without it they use the service built last.
func FiguresContext(ctx context.Context, s *Service) context.Context {
	return context.WithValue(ctx, serviceKey{}, s)
}

// figureLinks are the lists of the rows behind the figures that have one:
// the volunteers (approved, of the region; Party members among them), the
// registered Party members of the region, and for the period's confirmed
// service the ranking of the volunteers by their hours.
var figureLinks = map[string]func(figures.Scope) string{
	FigVolunteers: func(sc figures.Scope) string {
		return "/volunteers?" + regionQuery(sc, url.Values{"status": {string(StatusApproved)}})
	},
	FigParty: func(sc figures.Scope) string {
		return "/volunteers?" + regionQuery(sc, url.Values{"status": {string(StatusApproved)}, "party": {"1"}})
	},
	FigPartyReg: func(sc figures.Scope) string { return "/party-members?" + regionQuery(sc, url.Values{}) },
	FigSessions: rankingLink,
	FigHours:    rankingLink,
}

func regionQuery(sc figures.Scope, v url.Values) string {
	if sc.RegionID != 0 {
		v.Set("region", strconv.FormatInt(sc.RegionID, 10))
	}
	return v.Encode()
}

func rankingLink(sc figures.Scope) string {
	return "/volunteers/rankings?" + url.Values{"from": {sc.From}, "to": {sc.To}}.Encode()
}

func init() {
	for _, name := range FigureNames {
		figures.Register(figures.Figure{ID: FigureID(name), LabelKey: "volunteer.figure." + name, DefKey: "volunteer.figure." + name + ".def",
			Link: figureLinks[name], LinkPerm: auth.PermVolunteerOrg,
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				s, _ := ctx.Value(serviceKey{}).(*Service)
				if s == nil {
					s = current.Load()
				}
				c, err := figures.Memo(ctx, "volunteer", p, sc, func() (map[string]int64, error) { return s.Figures(ctx, p, sc) })
				return figures.Value{Count: c[name]}, err
			}})
	}
}

// Figures counts every figure for p's scope and sc (a period and
// optionally a region subtree), each traceable to its rows by the
// definition beside it.
func (s *Service) Figures(ctx context.Context, p *auth.Principal, sc figures.Scope) (map[string]int64, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		if auth.Require(p, auth.PermDashboardView) != nil {
			return nil, err
		}
	}
	out := map[string]int64{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		vs, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		if p != nil && !p.Can(auth.PermVolunteerOrg) && p.Scope.All {
			vs = scope{all: true}
		}
		where, args := vs.where("r.path", "0")
		if sc.RegionID != 0 {
			where += " AND r.path LIKE (SELECT fr.path FROM regions fr WHERE fr.id = ?) || '%'"
			args = append(args, sc.RegionID)
		}
		to := sc.To
		if to == "" {
			to = "9999-12-31"
		}
		from := sc.From
		today := s.Clock.Now().In(cstZone()).Format("2006-01-02")
		endMs := dayEndMs(to)
		q := func(name, sql string, extra ...any) error {
			var n int64
			if err := tx.Get(ctx, "entity.volunteer", sql+" AND "+where, append(extra, args...), &n); err != nil {
				return err
			}
			out[name] = n
			return nil
		}
		steps := []struct {
			name, sql string
			args      []any
		}{
			{FigVolunteers, "SELECT COUNT(*) FROM volunteers v JOIN regions r ON r.id = v.region_id WHERE v.status = 'approved' AND v.reviewed_at <= ?", []any{endMs}},
			{FigParty, "SELECT COUNT(*) FROM volunteers v JOIN regions r ON r.id = v.region_id WHERE v.status = 'approved' AND v.party_member AND v.reviewed_at <= ?", []any{endMs}},
			{FigTeams, "SELECT COUNT(*) FROM teams t JOIN regions r ON r.id = t.region_id WHERE t.created_at <= ?", []any{endMs}},
			{FigActivities, "SELECT COUNT(*) FROM activities a JOIN regions r ON r.id = a.region_id WHERE a.status = 'open' AND a.day >= ? AND a.day <= ? AND a.day <= ?", []any{from, to, today}},
			{FigSessions, `SELECT COUNT(*) FROM attendance at JOIN activities a ON a.id = at.activity_id JOIN regions r ON r.id = a.region_id
				WHERE at.state = 'confirmed' AND at.day >= ? AND at.day <= ?`, []any{from, to}},
			{FigHours, `SELECT COALESCE(SUM(at.credited_minutes), 0) / 60 FROM attendance at JOIN activities a ON a.id = at.activity_id JOIN regions r ON r.id = a.region_id
				WHERE at.state = 'confirmed' AND at.day >= ? AND at.day <= ?`, []any{from, to}},
			{FigPartyReg, "SELECT COUNT(*) FROM party_members pm JOIN regions r ON r.id = pm.region_id WHERE pm.registered_at <= ?", []any{endMs}},
			{FigServed, `SELECT COUNT(*) FROM service_orders o JOIN stations st ON st.id = o.station_id JOIN regions r ON r.id = st.region_id
				WHERE o.state IN ('served', 'rated') AND o.served_at >= ? AND o.served_at <= ?`, []any{dayStartMs(from), endMs}},
		}
		for _, st := range steps {
			if err := q(st.name, st.sql, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Ranked is one line of a ranking by confirmed hours.
type Ranked struct {
	ID       int64
	Name     string
	NameEN   string // teams only
	Number   string // volunteers only
	Minutes  int64
	Sessions int64
}

// Rankings returns the volunteers and the teams of p's scope with the most
// confirmed service in the period (days, inclusive), top n each.
func (s *Service) Rankings(ctx context.Context, p *auth.Principal, from, to string, n int) (vols, teams []Ranked, err error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, nil, err
	}
	if to == "" {
		to = "9999-12-31"
	}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		vs, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		where, args := vs.where("r.path", "0")
		read := func(sql string, dst *[]Ranked) error {
			rows, err := tx.Query(ctx, sql, append(append([]any{from, to}, args...), n)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var x Ranked
				if err := rows.Scan(&x.ID, &x.Name, &x.Number, &x.Minutes, &x.Sessions, &x.NameEN); err != nil {
					return err
				}
				*dst = append(*dst, x)
			}
			return rows.Err()
		}
		// A calendar year reads the yearly totals (the top of an index).
		if y := from[:min(4, len(from))]; len(from) == 10 && from == y+"-01-01" && to == y+"-12-31" {
			year, _ := strconv.Atoi(y)
			rd := func(sql string, dst *[]Ranked) error {
				rows, err := tx.Query(ctx, sql, append(append([]any{year}, args...), n)...)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var x Ranked
					if err := rows.Scan(&x.ID, &x.Name, &x.Number, &x.Minutes, &x.Sessions, &x.NameEN); err != nil {
						return err
					}
					*dst = append(*dst, x)
				}
				return rows.Err()
			}
			if err := rd(`SELECT v.id, v.name, COALESCE(v.number, ''), y.minutes, y.sessions, '' FROM volunteer_year_hours y
				JOIN volunteers v ON v.id = y.volunteer_id JOIN regions r ON r.id = v.region_id
				WHERE y.year = ? AND y.sessions > 0 AND `+where+` ORDER BY y.minutes DESC, y.volunteer_id LIMIT ?`, &vols); err != nil {
				return err
			}
			return rd(`SELECT t.id, t.name, '', y.minutes, y.sessions, t.name_en FROM team_year_hours y
				JOIN teams t ON t.id = y.team_id JOIN regions r ON r.id = t.region_id
				WHERE y.year = ? AND y.sessions > 0 AND `+where+` ORDER BY y.minutes DESC, y.team_id LIMIT ?`, &teams)
		}
		if err := read(`SELECT v.id, v.name, COALESCE(v.number, ''), SUM(at.credited_minutes), COUNT(*), '' FROM attendance at
			JOIN volunteers v ON v.id = at.volunteer_id JOIN regions r ON r.id = v.region_id
			WHERE at.state = 'confirmed' AND at.day >= ? AND at.day <= ? AND `+where+`
			GROUP BY v.id, v.name, v.number ORDER BY SUM(at.credited_minutes) DESC, v.id LIMIT ?`, &vols); err != nil {
			return err
		}
		return read(`SELECT t.id, t.name, '', SUM(at.credited_minutes), COUNT(*), t.name_en FROM attendance at
			JOIN activities a ON a.id = at.activity_id JOIN teams t ON t.id = a.team_id JOIN regions r ON r.id = t.region_id
			WHERE at.state = 'confirmed' AND at.day >= ? AND at.day <= ? AND `+where+`
			GROUP BY t.id, t.name, t.name_en ORDER BY SUM(at.credited_minutes) DESC, t.id LIMIT ?`, &teams)
	})
	return vols, teams, err
}

func cstZone() *time.Location { return clock.CST }

// dayEndMs is the last millisecond of a day (China Standard Time).
func dayEndMs(day string) int64 {
	t, err := time.ParseInLocation(time.DateOnly, day, clock.CST)
	if err != nil {
		return 1<<62 - 1
	}
	return t.AddDate(0, 0, 1).UnixMilli() - 1
}

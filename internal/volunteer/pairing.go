package volunteer

import (
	"context"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Paired units in their communities (结对共建). A pairing (internal/org)
// joins a unit to a community; the unit runs activities there (an activity
// with the pairing, in the community), its staff sign up like any
// volunteer, and what the pairing did is counted by quarter: activities
// held, people who served (distinct volunteers with confirmed hours), hours
// credited, and problems solved (counted by the organiser on each activity,
// plus residents' orders served by the teams of the pairing).

// PairingRef is a pairing as the volunteers' pages name it.
type PairingRef struct {
	ID                     int64
	UnitName, UnitNameEN   string
	Community, CommunityEN string
	StartedOn              string
	communityPath          string
}

// PairingWork is what a pairing did in a period.
type PairingWork struct {
	Activities int   // held (open, on or before today)
	People     int   // distinct volunteers with confirmed hours
	Minutes    int64 // confirmed service time
	Problems   int   // problems solved
}

// PairingRow is a pairing with its year's work.
type PairingRow struct {
	PairingRef
	PairingWork
}

const pairingRefCols = `pr.id, u.name, u.name_en, cr.name, cr.name_en, pr.started_on, cr.path`

const pairingRefFrom = ` FROM pairings pr JOIN units u ON u.id = pr.unit_id JOIN regions cr ON cr.id = pr.region_id`

func scanPairingRef(sc interface{ Scan(...any) error }) (PairingRef, error) {
	var x PairingRef
	err := sc.Scan(&x.ID, &x.UnitName, &x.UnitNameEN, &x.Community, &x.CommunityEN, &x.StartedOn, &x.communityPath)
	return x, err
}

// pairingRefs lists the pairings whose community is in p's scope.
func pairingRefs(ctx context.Context, tx *db.Tx, p *auth.Principal, cond string, args ...any) ([]PairingRef, error) {
	sc, err := scopeOf(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	w, a := sc.where("cr.path", "0")
	rows, err := tx.Query(ctx, "SELECT "+pairingRefCols+pairingRefFrom+" WHERE "+w+cond+" ORDER BY cr.path, u.code, pr.id", append(a, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PairingRef
	for rows.Next() {
		x, err := scanPairingRef(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// PairingOptions are the pairings an organiser may link an activity to.
func (s *Service) PairingOptions(ctx context.Context, p *auth.Principal) ([]PairingRef, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]PairingRef, error) { return pairingRefs(ctx, tx, p, "") })
}

// yearBounds are the first and last day of a year.
func yearBounds(year int) (string, string) {
	y := strconv.Itoa(year)
	return y + "-01-01", y + "-12-31"
}

// Quarter is the quarter (1–4) of a YYYY-MM-DD day.
func Quarter(day string) int {
	if len(day) < 7 {
		return 0
	}
	m, _ := strconv.Atoi(day[5:7])
	return (m + 2) / 3
}

// work adds up the pairings' work in [from, to] (days), held up to today,
// by pairing and quarter (0: the whole period).
func work(ctx context.Context, tx *db.Tx, ids []int64, from, to, today string) (map[int64]map[int]*PairingWork, error) {
	out := map[int64]map[int]*PairingWork{}
	at := func(id int64, q int) *PairingWork {
		m := out[id]
		if m == nil {
			m = map[int]*PairingWork{}
			out[id] = m
		}
		if m[q] == nil {
			m[q] = &PairingWork{}
		}
		return m[q]
	}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	if to > today {
		to = today
	}
	rows, err := tx.Query(ctx, `SELECT a.pairing_id, a.day, a.problems FROM activities a
		WHERE a.pairing_id IN `+in+` AND a.status = 'open' AND a.day >= ? AND a.day <= ?`, append(args, from, to)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var day string
		var problems int
		if err := rows.Scan(&id, &day, &problems); err != nil {
			rows.Close()
			return nil, err
		}
		for _, q := range []int{0, Quarter(day)} {
			w := at(id, q)
			w.Activities++
			w.Problems += problems
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT a.pairing_id, a.day, at.volunteer_id, at.credited_minutes FROM attendance at
		JOIN activities a ON a.id = at.activity_id
		WHERE a.pairing_id IN `+in+` AND at.state = 'confirmed' AND a.day >= ? AND a.day <= ?`, append(args, from, to)...)
	if err != nil {
		return nil, err
	}
	people := map[[2]int64]map[int64]bool{} // (pairing, quarter) → volunteers
	for rows.Next() {
		var id, vid int64
		var day string
		var minutes int64
		if err := rows.Scan(&id, &day, &vid, &minutes); err != nil {
			rows.Close()
			return nil, err
		}
		for _, q := range []int{0, Quarter(day)} {
			at(id, q).Minutes += minutes
			k := [2]int64{id, int64(q)}
			if people[k] == nil {
				people[k] = map[int64]bool{}
			}
			people[k][vid] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, vs := range people {
		at(k[0], int(k[1])).People = len(vs)
	}
	// Residents' orders served by the pairing's teams.
	fromMs, toMs := dayStartMs(from), dayEndMs(to)
	rows, err = tx.Query(ctx, `SELECT t.pairing_id, o.served_at FROM service_orders o JOIN teams t ON t.id = o.team_id
		WHERE t.pairing_id IN `+in+` AND o.state IN ('served','rated') AND o.served_at >= ? AND o.served_at <= ?`, append(args, fromMs, toMs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, served int64
		if err := rows.Scan(&id, &served); err != nil {
			return nil, err
		}
		day := time.UnixMilli(served).In(cstZone()).Format(time.DateOnly)
		for _, q := range []int{0, Quarter(day)} {
			at(id, q).Problems++
		}
	}
	return out, rows.Err()
}

// inList is "(?, ?, …)" for ids, with the ids as arguments.
func inList(ids []int64) (string, []any) {
	b := make([]byte, 0, 3*len(ids)+2)
	args := make([]any, len(ids))
	b = append(b, '(')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = append(b, '?')
		args[i] = id
	}
	return string(append(b, ')')), args
}

func dayStartMs(day string) int64 {
	t, err := time.ParseInLocation(time.DateOnly, day, cstZone())
	if err != nil {
		return 0
	}
	return t.UnixMilli()
}

// PairingsWork lists the pairings in p's scope with their work in year,
// the busiest first.
func (s *Service) PairingsWork(ctx context.Context, p *auth.Principal, year int) ([]PairingRow, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	today := s.Clock.Now().In(cstZone()).Format(time.DateOnly)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]PairingRow, error) {
		refs, err := pairingRefs(ctx, tx, p, "")
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(refs))
		for i, r := range refs {
			ids[i] = r.ID
		}
		from, to := yearBounds(year)
		ws, err := work(ctx, tx, ids, from, to, today)
		if err != nil {
			return nil, err
		}
		out := make([]PairingRow, len(refs))
		for i, r := range refs {
			out[i].PairingRef = r
			if w := ws[r.ID][0]; w != nil {
				out[i].PairingWork = *w
			}
		}
		// Stable: the busiest (by hours, then activities) first.
		for i := 1; i < len(out); i++ {
			for j := i; j > 0 && (out[j].Minutes > out[j-1].Minutes || (out[j].Minutes == out[j-1].Minutes && out[j].Activities > out[j-1].Activities)); j-- {
				out[j], out[j-1] = out[j-1], out[j]
			}
		}
		return out, nil
	})
}

// PairingReport is one pairing's year, quarter by quarter, with its
// activities of the year.
type PairingReport struct {
	PairingRef
	Year       int
	Quarters   [4]PairingWork
	Year0      PairingWork // the whole year
	Activities []Activity
}

// PairingYear returns a pairing's report for year; the pairing's community
// must be in p's scope.
func (s *Service) PairingYear(ctx context.Context, p *auth.Principal, id int64, year int) (PairingReport, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return PairingReport{}, err
	}
	today := s.Clock.Now().In(cstZone()).Format(time.DateOnly)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (PairingReport, error) {
		refs, err := pairingRefs(ctx, tx, p, " AND pr.id = ?", id)
		if err != nil {
			return PairingReport{}, err
		}
		if len(refs) == 0 {
			return PairingReport{}, errs.NotFoundf("entity.pairing")
		}
		rep := PairingReport{PairingRef: refs[0], Year: year}
		from, to := yearBounds(year)
		ws, err := work(ctx, tx, []int64{id}, from, to, today)
		if err != nil {
			return rep, err
		}
		for q, w := range ws[id] {
			if q == 0 {
				rep.Year0 = *w
			} else {
				rep.Quarters[q-1] = *w
			}
		}
		rows, err := tx.Query(ctx, "SELECT "+activityCols+activityFrom+" WHERE a.pairing_id = ? AND a.day >= ? AND a.day <= ? ORDER BY a.day DESC, a.id DESC",
			id, from, to)
		if err != nil {
			return rep, err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanActivity(rows)
			if err != nil {
				return rep, err
			}
			rep.Activities = append(rep.Activities, a)
		}
		return rep, rows.Err()
	})
}

// MaxProblems bounds what one activity may count as solved.
const MaxProblems = 100

// SetProblems records how many problems a pairing's activity solved for
// its community (an organiser of the activity's scope, after it started).
func (s *Service) SetProblems(ctx context.Context, p *auth.Principal, activityID int64, n int) error {
	if err := canOrganise(p); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		var f errs.Fields
		f.Check(n >= 0 && n <= MaxProblems, "problems", "field.out_of_range", 0, MaxProblems)
		if a.PairingID == 0 {
			f.Add("problems", "volunteer.pairing_none")
		} else if now.Before(a.StartsAt) {
			f.Add("problems", "volunteer.problems_before_start")
		}
		if err := f.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE activities SET problems = ?, updated_at = ? WHERE id = ?", n, now.UnixMilli(), a.ID); err != nil {
			return err
		}
		return auditRecord(ctx, tx, p, now, "set_problems", "activity", a.ID, a.Day+" "+a.Title,
			map[string]any{"problems": a.Problems}, map[string]any{"problems": n})
	})
}

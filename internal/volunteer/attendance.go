package volunteer

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// The rules of attendance.
const (
	CodeStep          = time.Minute      // the QR code changes every minute
	CheckinEarly      = 30 * time.Minute // check-in opens this long before the start
	CheckoutGrace     = 2 * time.Hour    // check-out closes this long after the end; not checked out by then: flagged
	MaxCheckinsPerDay = 3                // per volunteer and day (China Standard Time)
	VenueRadius       = 500.0            // metres between the phone and the activity's place
)

// Method is how a check-in was made.
type Method string

const (
	MethodCode      Method = "code"      // the organiser's rotating QR code
	MethodVenue     Method = "venue"     // the fixed venue code and the phone's position
	MethodOrganiser Method = "organiser" // marked by the organiser
)

// Code is the rotating check-in code of an activity for a minute: eight
// digits of an HMAC-SHA256 of the activity and the minute under the
// activity's secret, so a code is worthless for another activity and
// after its minute.
func Code(secret string, activityID int64, minute int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d:%d", activityID, minute)
	sum := m.Sum(nil)
	return fmt.Sprintf("%08d", binary.BigEndian.Uint32(sum[:4])%100000000)
}

// minuteOf is the code step t falls in.
func minuteOf(t time.Time) int64 { return t.Unix() / int64(CodeStep/time.Second) }

// CurrentCode is the code shown now and when it stops being shown.
func CurrentCode(secret string, activityID int64, now time.Time) (string, time.Time) {
	m := minuteOf(now)
	return Code(secret, activityID, m), time.Unix((m+1)*int64(CodeStep/time.Second), 0)
}

// CodeValid accepts the code of this minute and of the one before (a code
// scanned in the last seconds of its minute still counts); anything older,
// or another activity's, is refused.
func CodeValid(secret string, activityID int64, code string, now time.Time) bool {
	code = strings.TrimSpace(code)
	if secret == "" || len(code) != 8 {
		return false
	}
	m := minuteOf(now)
	for _, x := range []int64{m, m - 1} {
		if hmac.Equal([]byte(Code(secret, activityID, x)), []byte(code)) {
			return true
		}
	}
	return false
}

// ServiceMinutes is the service actually given: the overlap of the time
// between check-in and check-out with the activity's own time, in whole
// minutes (travel and waiting before the start do not count).
func ServiceMinutes(start, end, in, out time.Time) int {
	from, to := in, out
	if start.After(from) {
		from = start
	}
	if end.Before(to) {
		to = end
	}
	if !to.After(from) {
		return 0
	}
	return int(to.Sub(from) / time.Minute)
}

// Distance is the great-circle distance in metres.
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dlat, dlng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlng/2)*math.Sin(dlng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

func newSecret() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newVenueCode() string {
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%06d", binary.BigEndian.Uint32(b)%1000000)
}

// ensureCodes gives an activity its secret and venue code once.
func ensureCodes(ctx context.Context, tx *db.Tx, id int64) (secret, venue string, err error) {
	if _, err := tx.Exec(ctx, "UPDATE activities SET checkin_secret = ?, venue_code = ? WHERE id = ? AND checkin_secret = ''", newSecret(), newVenueCode(), id); err != nil {
		return "", "", err
	}
	err = tx.Get(ctx, "entity.activity", "SELECT checkin_secret, venue_code FROM activities WHERE id = ?", []any{id}, &secret, &venue)
	return secret, venue, err
}

// Codes is what the organiser's check-in screen shows.
type Codes struct {
	Code, Venue string
	Until       time.Time
}

// CheckinCodes returns the activity's current rotating code and its venue code.
func (s *Service) CheckinCodes(ctx context.Context, p *auth.Principal, activityID int64) (Codes, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return Codes{}, err
	}
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Codes, error) {
		if _, err := getActivity(ctx, tx, p, activityID); err != nil {
			return Codes{}, err
		}
		secret, venue, err := ensureCodes(ctx, tx, activityID)
		if err != nil {
			return Codes{}, err
		}
		code, until := CurrentCode(secret, activityID, s.Clock.Now())
		return Codes{Code: code, Venue: venue, Until: until}, nil
	})
}

// Proof is how a volunteer proves being there: the rotating code, or the
// venue code with the phone's position.
type Proof struct {
	Code     string
	Venue    string
	Lat, Lng *float64
}

// checkProof refuses a stale or foreign code, a wrong venue code, or a
// phone too far from the place.
func checkProof(a Activity, secret, venue string, pr Proof, now time.Time) error {
	var f errs.Fields
	switch {
	case strings.TrimSpace(pr.Code) != "":
		f.Check(CodeValid(secret, a.ID, pr.Code, now), "code", "volunteer.checkin.bad_code")
	case strings.TrimSpace(pr.Venue) != "":
		switch {
		case strings.TrimSpace(pr.Venue) != venue || venue == "":
			f.Add("venue", "volunteer.checkin.bad_venue")
		case a.Lat == nil || a.Lng == nil:
			f.Add("venue", "volunteer.checkin.no_place")
		case pr.Lat == nil || pr.Lng == nil:
			f.Add("venue", "volunteer.checkin.no_position")
		case Distance(*a.Lat, *a.Lng, *pr.Lat, *pr.Lng) > VenueRadius:
			f.Add("venue", "volunteer.checkin.too_far", int(VenueRadius))
		}
	default:
		f.Add("code", "field.required")
	}
	return f.Err()
}

// CheckIn records the volunteer of p's account at an activity they have a
// confirmed place in, from half an hour before the start to the end, at
// most three times a day.
func (s *Service) CheckIn(ctx context.Context, p *auth.Principal, activityID int64, pr Proof) error {
	v, err := s.Mine(ctx, p)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		secret, venue, err := ensureCodes(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if err := checkProof(a, secret, venue, pr, now); err != nil {
			return err
		}
		method := MethodCode
		if strings.TrimSpace(pr.Code) == "" {
			method = MethodVenue
		}
		return s.checkIn(ctx, tx, p, a, v, method, pr.Lat, pr.Lng, now)
	})
}

func (s *Service) checkIn(ctx context.Context, tx *db.Tx, p *auth.Principal, a Activity, v Volunteer, method Method, lat, lng *float64, now time.Time) error {
	if now.Before(a.StartsAt.Add(-CheckinEarly)) {
		return errs.E(errs.Conflict, "volunteer.checkin.too_early")
	}
	if now.After(a.EndsAt) {
		return errs.E(errs.Conflict, "volunteer.checkin.over")
	}
	var state string
	if err := tx.Get(ctx, "entity.signup", "SELECT state FROM signups WHERE activity_id = ? AND volunteer_id = ?", []any{a.ID, v.ID}, &state); errs.Is(err, errs.NotFound) || (err == nil && state != string(SignupConfirmed)) {
		return errs.E(errs.Conflict, "volunteer.checkin.no_place")
	} else if err != nil {
		return err
	}
	if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM attendance WHERE activity_id = ? AND volunteer_id = ?", a.ID, v.ID); err != nil {
		return err
	} else if n > 0 {
		return errs.E(errs.Conflict, "volunteer.checkin.already")
	}
	day := now.In(clock.CST).Format(time.DateOnly)
	if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM attendance WHERE volunteer_id = ? AND day = ?", v.ID, day); err != nil {
		return err
	} else if n >= MaxCheckinsPerDay {
		return errs.E(errs.Conflict, "volunteer.checkin.daily_limit", MaxCheckinsPerDay)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO attendance (activity_id, volunteer_id, day, checkin_at, method, lat, lng, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`, a.ID, v.ID, day, now.UnixMilli(), string(method), lat, lng, now.UnixMilli(), now.UnixMilli()); err != nil {
		return err
	}
	return auditRecord(ctx, tx, p, now, "check_in", "activity", a.ID, a.Title+" · "+v.Name, nil, map[string]any{"volunteer": v.Number, "method": method})
}

// CheckOut ends the volunteer's attendance, up to two hours after the end.
func (s *Service) CheckOut(ctx context.Context, p *auth.Principal, activityID int64, pr Proof) error {
	v, err := s.Mine(ctx, p)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		secret, venue, err := ensureCodes(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if err := checkProof(a, secret, venue, pr, now); err != nil {
			return err
		}
		return s.checkOut(ctx, tx, p, a, v, now)
	})
}

func (s *Service) checkOut(ctx context.Context, tx *db.Tx, p *auth.Principal, a Activity, v Volunteer, now time.Time) error {
	if now.After(a.EndsAt.Add(CheckoutGrace)) {
		return errs.E(errs.Conflict, "volunteer.checkout.too_late")
	}
	n, err := tx.ExecN(ctx, "UPDATE attendance SET checkout_at = ?, state = 'closed', updated_at = ? WHERE activity_id = ? AND volunteer_id = ? AND state = 'open'",
		now.UnixMilli(), now.UnixMilli(), a.ID, v.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.Conflict, "volunteer.checkout.not_in")
	}
	return auditRecord(ctx, tx, p, now, "check_out", "activity", a.ID, a.Title+" · "+v.Name, nil, map[string]any{"volunteer": v.Number})
}

// Mark is the organiser checking a volunteer (by number) in or out, for
// those without a phone, while the activity runs; afterwards it is a late
// entry (ProposeChange).
func (s *Service) Mark(ctx context.Context, p *auth.Principal, activityID int64, number string, out bool) error {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	number = strings.ToUpper(strings.TrimSpace(number))
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		v, err := volunteerByNumber(ctx, tx, number)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		if out {
			return s.checkOut(ctx, tx, p, a, v, now)
		}
		return s.checkIn(ctx, tx, p, a, v, MethodOrganiser, nil, nil, now)
	})
}

func volunteerByNumber(ctx context.Context, tx *db.Tx, number string) (Volunteer, error) {
	var id int64
	if err := tx.Get(ctx, "entity.volunteer", "SELECT id FROM volunteers WHERE number = ? AND status = 'approved'", []any{number}, &id); errs.Is(err, errs.NotFound) {
		var f errs.Fields
		f.Add("number", "volunteer.no_such_number")
		return Volunteer{}, f.Err()
	} else if err != nil {
		return Volunteer{}, err
	}
	return get(ctx, tx, nil, id)
}

// Attendance is one volunteer's presence at an activity.
type Attendance struct {
	ID          int64      `json:"id"`
	VolunteerID int64      `json:"volunteer_id"`
	Number      string     `json:"number"`
	Name        string     `json:"name"`
	In          time.Time  `json:"checkin_at"`
	Out         *time.Time `json:"checkout_at"`
	Method      Method     `json:"method"`
	State       string     `json:"state"`   // open, closed, confirmed, rejected
	Flagged     bool       `json:"flagged"` // never checked out: not credited
	Minutes     int        `json:"minutes"` // the service time, or what was credited
}

// Attendances lists an activity's attendance for its organiser.
func (s *Service) Attendances(ctx context.Context, p *auth.Principal, activityID int64) ([]Attendance, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var out []Attendance
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT at.id, v.id, COALESCE(v.number, ''), v.name, at.checkin_at, at.checkout_at, at.method, at.state, at.credited_minutes
			FROM attendance at JOIN volunteers v ON v.id = at.volunteer_id WHERE at.activity_id = ? ORDER BY at.checkin_at, at.id`, activityID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x Attendance
			var in int64
			var outAt sql.NullInt64
			if err := rows.Scan(&x.ID, &x.VolunteerID, &x.Number, &x.Name, &in, &outAt, &x.Method, &x.State, &x.Minutes); err != nil {
				return err
			}
			x.In = time.UnixMilli(in)
			if outAt.Valid {
				t := time.UnixMilli(outAt.Int64)
				x.Out = &t
				if x.State == "closed" {
					x.Minutes = ServiceMinutes(a.StartsAt, a.EndsAt, x.In, t)
				}
			}
			x.Flagged = x.State == "open" && now.After(a.EndsAt.Add(CheckoutGrace))
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

// Confirm credits the service time of the activity's checked-out
// attendance (all of it when attendanceID is 0); an open one (never
// checked out) is not credited. It returns how many were confirmed.
func (s *Service) Confirm(ctx context.Context, p *auth.Principal, activityID, attendanceID int64) (int, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return 0, err
	}
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int, error) {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return 0, err
		}
		q := "SELECT id, volunteer_id, checkin_at, checkout_at FROM attendance WHERE activity_id = ? AND state = 'closed'"
		args := []any{a.ID}
		if attendanceID != 0 {
			q += " AND id = ?"
			args = append(args, attendanceID)
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		type row struct{ id, vid, in, out int64 }
		var list []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.vid, &r.in, &r.out); err != nil {
				rows.Close()
				return 0, err
			}
			list = append(list, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if attendanceID != 0 && len(list) == 0 {
			return 0, errs.E(errs.Conflict, "volunteer.confirm.not_closed")
		}
		now := s.Clock.Now()
		for _, r := range list {
			m := ServiceMinutes(a.StartsAt, a.EndsAt, time.UnixMilli(r.in), time.UnixMilli(r.out))
			if _, err := tx.Exec(ctx, "UPDATE attendance SET state = 'confirmed', credited_minutes = ?, confirmed_by = ?, confirmed_at = ?, updated_at = ? WHERE id = ? AND state = 'closed'",
				m, p.UserID, now.UnixMilli(), now.UnixMilli(), r.id); err != nil {
				return 0, err
			}
			if err := addYear(ctx, tx, r.vid, a.TeamID, a.Day, m, 1); err != nil {
				return 0, err
			}
			if err := auditRecord(ctx, tx, p, now, "confirm_hours", "activity", a.ID, a.Title, nil, map[string]any{"attendance": r.id, "volunteer_id": r.vid, "minutes": m}); err != nil {
				return 0, err
			}
		}
		return len(list), nil
	})
}

// Change is a proposed late entry or correction.
type Change struct {
	ID          int64     `json:"id"`
	VolunteerID int64     `json:"volunteer_id"`
	Number      string    `json:"number"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	In, Out     time.Time `json:"-"`
	Minutes     int       `json:"minutes"`
	Reason      string    `json:"reason"`
	State       string    `json:"state"`
	ProposedBy  int64     `json:"proposed_by"`
	Proposer    string    `json:"proposer"`
}

// ProposeChange proposes a late entry (补录: no attendance yet) or a
// correction of one (new times), with a reason; a second person decides.
// In and out are HH:MM on the activity's day.
func (s *Service) ProposeChange(ctx context.Context, p *auth.Principal, activityID int64, number, in, out, reason string) error {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	checkText(&f, "reason", reason, MaxReasonLen, true)
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		ai := ActivityInput{Day: a.Day, Start: strings.TrimSpace(in), End: strings.TrimSpace(out)}
		var tf errs.Fields
		inT, outT, _ := ai.times(&tf)
		if tf.Has("start") {
			f.Add("checkin", "volunteer.bad_time")
		}
		if tf.Has("end") {
			f.Add("checkout", "volunteer.bad_time")
		}
		v, err := volunteerByNumber(ctx, tx, strings.ToUpper(strings.TrimSpace(number)))
		if errs.Is(err, errs.Invalid) {
			f.Add("number", "volunteer.no_such_number")
		} else if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		kind := "late_entry"
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM attendance WHERE activity_id = ? AND volunteer_id = ?", a.ID, v.ID); err != nil {
			return err
		} else if n > 0 {
			kind = "correction"
		}
		now := s.Clock.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO attendance_changes (activity_id, volunteer_id, kind, checkin_at, checkout_at, reason, state, proposed_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?, ?) RETURNING id`, a.ID, v.ID, kind, inT.UnixMilli(), outT.UnixMilli(), reason, p.UserID, now.UnixMilli())
		if err != nil {
			return err
		}
		return auditRecord(ctx, tx, p, now, "propose_"+kind, "activity", a.ID, a.Title+" · "+v.Name, nil,
			map[string]any{"change": id, "volunteer": v.Number, "in": in, "out": out, "reason": reason})
	})
}

// Changes lists an activity's proposed, approved and refused changes.
func (s *Service) Changes(ctx context.Context, p *auth.Principal, activityID int64) ([]Change, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	var out []Change
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.id, v.id, COALESCE(v.number, ''), v.name, c.kind, c.checkin_at, c.checkout_at, c.reason, c.state, c.proposed_by, u.display_name
			FROM attendance_changes c JOIN volunteers v ON v.id = c.volunteer_id JOIN users u ON u.id = c.proposed_by WHERE c.activity_id = ? ORDER BY c.id`, a.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Change
			var in, o int64
			if err := rows.Scan(&c.ID, &c.VolunteerID, &c.Number, &c.Name, &c.Kind, &in, &o, &c.Reason, &c.State, &c.ProposedBy, &c.Proposer); err != nil {
				return err
			}
			c.In, c.Out = time.UnixMilli(in), time.UnixMilli(o)
			c.Minutes = ServiceMinutes(a.StartsAt, a.EndsAt, c.In, c.Out)
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// DecideChange approves or refuses a proposed change; the one who proposed
// it may not decide it. An approved change writes the attendance as
// confirmed with its service time (the hours are credited by the approval).
func (s *Service) DecideChange(ctx context.Context, p *auth.Principal, activityID, changeID int64, approve bool) error {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		var vid, in, out, by int64
		var state, kind string
		if err := tx.Get(ctx, "entity.change", "SELECT volunteer_id, checkin_at, checkout_at, proposed_by, state, kind FROM attendance_changes WHERE id = ? AND activity_id = ?",
			[]any{changeID, a.ID}, &vid, &in, &out, &by, &state, &kind); err != nil {
			return err
		}
		if state != "proposed" {
			return errs.E(errs.Conflict, "volunteer.change.decided")
		}
		if by == p.UserID {
			return errs.E(errs.Conflict, "volunteer.change.second_person")
		}
		now := s.Clock.Now()
		next := "refused"
		if approve {
			next = "approved"
			m := ServiceMinutes(a.StartsAt, a.EndsAt, time.UnixMilli(in), time.UnixMilli(out))
			day := time.UnixMilli(in).In(clock.CST).Format(time.DateOnly)
			// What the record counted before (a correction replaces it).
			var oldState, oldDay string
			var oldMinutes int
			if err := tx.Get(ctx, "", "SELECT state, day, credited_minutes FROM attendance WHERE activity_id = ? AND volunteer_id = ?",
				[]any{a.ID, vid}, &oldState, &oldDay, &oldMinutes); err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
			if oldState == "confirmed" {
				if err := addYear(ctx, tx, vid, a.TeamID, oldDay, -oldMinutes, -1); err != nil {
					return err
				}
			}
			if oldDay != "" {
				day = oldDay
			}
			if err := addYear(ctx, tx, vid, a.TeamID, day, m, 1); err != nil {
				return err
			}
			n, err := tx.ExecN(ctx, `UPDATE attendance SET checkin_at = ?, checkout_at = ?, state = 'confirmed', credited_minutes = ?, confirmed_by = ?, confirmed_at = ?, updated_at = ?
				WHERE activity_id = ? AND volunteer_id = ?`, in, out, m, p.UserID, now.UnixMilli(), now.UnixMilli(), a.ID, vid)
			if err != nil {
				return err
			}
			if n == 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO attendance (activity_id, volunteer_id, day, checkin_at, checkout_at, method, state, credited_minutes, confirmed_by, confirmed_at, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, 'organiser', 'confirmed', ?, ?, ?, ?, ?)`, a.ID, vid, day, in, out, m, p.UserID, now.UnixMilli(), now.UnixMilli(), now.UnixMilli()); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE attendance_changes SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'proposed'", next, p.UserID, now.UnixMilli(), changeID); err != nil {
			return err
		}
		return auditRecord(ctx, tx, p, now, "decide_"+kind, "activity", a.ID, a.Title, map[string]any{"change": changeID, "state": state}, map[string]any{"state": next})
	})
}

// MyAttendance is the volunteer's own attendance at an activity (nil for none).
func (s *Service) MyAttendance(ctx context.Context, p *auth.Principal, activityID int64) (*Attendance, error) {
	v, err := s.Mine(ctx, p)
	if err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (*Attendance, error) {
		var x Attendance
		var in int64
		var outAt sql.NullInt64
		err := tx.Get(ctx, "entity.attendance", "SELECT id, checkin_at, checkout_at, method, state, credited_minutes FROM attendance WHERE activity_id = ? AND volunteer_id = ?",
			[]any{activityID, v.ID}, &x.ID, &in, &outAt, &x.Method, &x.State, &x.Minutes)
		if errs.Is(err, errs.NotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		x.In = time.UnixMilli(in)
		if outAt.Valid {
			t := time.UnixMilli(outAt.Int64)
			x.Out = &t
		}
		return &x, nil
	})
}

// DefaultStars are the cumulative hours of 1★ to 5★.
var DefaultStars = []int{100, 300, 600, 1000, 1500}

// Star is the star level of cumulative credited minutes under thresholds
// (hours, ascending): 0 below the first.
func Star(minutes int, thresholds []int) int {
	star := 0
	for i, h := range thresholds {
		if minutes >= h*60 {
			star = i + 1
		}
	}
	return star
}

// Record is a volunteer's credited service.
type Record struct {
	Minutes  int
	Sessions int
	Star     int
	Next     int // hours needed for the next star, 0 at the top
}

// Hours returns the volunteer's credited service time and star, read from
// the confirmed attendance, so it changes the moment hours are confirmed
// or corrected.
func (s *Service) Hours(ctx context.Context, volunteerID int64) (Record, error) {
	var r Record
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.volunteer", "SELECT COALESCE(SUM(credited_minutes), 0), COUNT(*) FROM attendance WHERE volunteer_id = ? AND state = 'confirmed'",
			[]any{volunteerID}, &r.Minutes, &r.Sessions)
	})
	th := s.Stars
	if len(th) == 0 {
		th = DefaultStars
	}
	r.Star = Star(r.Minutes, th)
	if r.Star < len(th) {
		r.Next = th[r.Star]
	}
	return r, err
}

// ServiceLine is one line of a volunteer's record (民政部令第67号: the
// activity, date, place, content, hours and the organising team or unit).
type ServiceLine struct {
	ActivityID  int64
	Day         string
	Title       string
	Place       string
	Content     string
	Organiser   string
	Minutes     int
	OrganiserEN string
}

// ServiceRecord lists a volunteer's confirmed service, newest first.
func (s *Service) ServiceRecord(ctx context.Context, p *auth.Principal, volunteerID int64) ([]ServiceLine, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []ServiceLine
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if _, err := get(ctx, tx, p, volunteerID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT a.id, a.day, a.title, COALESCE(pl.name, a.address), a.content, COALESCE(t.name, r.name), at.credited_minutes,
			CASE WHEN t.id IS NULL THEN r.name_en ELSE t.name_en END
			FROM attendance at JOIN activities a ON a.id = at.activity_id JOIN regions r ON r.id = a.region_id
			LEFT JOIN places pl ON pl.id = a.place_id LEFT JOIN teams t ON t.id = a.team_id
			WHERE at.volunteer_id = ? AND at.state = 'confirmed' ORDER BY a.day DESC, a.id DESC LIMIT 500`, volunteerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x ServiceLine
			if err := rows.Scan(&x.ActivityID, &x.Day, &x.Title, &x.Place, &x.Content, &x.Organiser, &x.Minutes, &x.OrganiserEN); err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

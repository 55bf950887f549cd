package volunteer

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/workorder"
)

// NoticeKind is the inbox kind of the volunteers' notices (a place freed
// for them, a request confirmed, tomorrow's activity).
const NoticeKind = "volunteer.activity"

func init() {
	inbox.Register(inbox.Kind{Name: NoticeKind, Perm: auth.PermVolunteerSelf, OpenKey: "volunteer.notice.open",
		Link: func(ref int64) string { return "/my/activities/" + strconv.FormatInt(ref, 10) }})
}

// Mode is how a sign-up is taken.
type Mode string

const (
	ModeInstant Mode = "instant" // a free place is the volunteer's at once; else the waiting list
	ModeConfirm Mode = "confirm" // the volunteer asks, the organiser confirms
)

// Modes in display order.
var Modes = []Mode{ModeInstant, ModeConfirm}

// SignupState is where one volunteer's sign-up for an activity stands.
type SignupState string

const (
	SignupRequested SignupState = "requested"
	SignupConfirmed SignupState = "confirmed"
	SignupWaiting   SignupState = "waiting"
	SignupCancelled SignupState = "cancelled"
	SignupDeclined  SignupState = "declined"
)

// Limits of an activity.
const (
	MaxCapacity    = 10000
	MaxCancelHours = 168
	RemindBefore   = 24 * time.Hour // reminders go out this long before the start
)

// Project is a repeated programme (e.g. 每月5日、15日、25日的"文明实践日").
type Project struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	RegionID   int64  `json:"region_id"`
	RegionName string `json:"region_name"`
	TeamID     int64  `json:"team_id"`
	TeamName   string `json:"team_name"`
	Intro      string `json:"intro"`
	Activities int    `json:"activities"`
	NameEN     string `json:"name_en"`
	RegionEN   string `json:"region_name_en"`
	TeamNameEN string `json:"team_name_en"`
}

// ProjectInput creates a project.
type ProjectInput struct {
	Name     string `json:"name"`
	RegionID int64  `json:"region_id"`
	TeamID   int64  `json:"team_id"`
	Intro    string `json:"intro"`
}

// Activity is one dated occurrence.
type Activity struct {
	ID           int64     `json:"id"`
	ProjectID    int64     `json:"project_id"`
	ProjectName  string    `json:"project_name"`
	TeamID       int64     `json:"team_id"`
	TeamName     string    `json:"team_name"`
	RegionID     int64     `json:"region_id"`
	RegionName   string    `json:"region_name"`
	PlaceID      int64     `json:"place_id"`
	PlaceName    string    `json:"place_name"`
	Title        string    `json:"title"`
	Content      string    `json:"content"`
	Address      string    `json:"address"`
	Lat          *float64  `json:"lat"`
	Lng          *float64  `json:"lng"`
	Day          string    `json:"day"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	Capacity     int       `json:"capacity"`
	Taken        int       `json:"taken"`
	Waiting      int       `json:"waiting"`
	Skills       []string  `json:"skills"`
	MinAge       int       `json:"min_age"`
	Mode         Mode      `json:"mode"`
	Deadline     time.Time `json:"signup_deadline"`
	CancelCutoff time.Time `json:"cancel_cutoff"`
	Status       string    `json:"status"`
	PairingID    int64     `json:"pairing_id"` // a pairing's unit runs it in its community (结对共建)
	RegionEN     string    `json:"region_name_en"`
	TeamNameEN   string    `json:"team_name_en"`
	ProjectEN    string    `json:"project_name_en"`
	PairingUnit  string    `json:"pairing_unit"`
	PairingEN    string    `json:"pairing_unit_en"`
	Problems     int       `json:"problems"`            // problems solved for the community, counted afterwards
	Mine         string    `json:"my_signup,omitempty"` // the viewing volunteer's sign-up state
	MySeq        int       `json:"my_place_in_line,omitempty"`
	regionPath   string
}

// Free is how many places are left.
func (a *Activity) Free() int { return a.Capacity - a.Taken }

// Signup is one volunteer's sign-up, as the organiser sees it.
type Signup struct {
	ID          int64       `json:"id"`
	VolunteerID int64       `json:"volunteer_id"`
	Number      string      `json:"number"`
	Name        string      `json:"name"`
	Phone       string      `json:"phone"`
	State       SignupState `json:"state"`
	Seq         int         `json:"seq"`
	At          time.Time   `json:"at"`
}

// ActivityInput creates an activity. Day, Start and End are China Standard
// Time (YYYY-MM-DD, HH:MM); Deadline is "YYYY-MM-DDTHH:MM" or "" for the
// start; cancellation is allowed until CancelHours before the start.
type ActivityInput struct {
	ProjectID   int64    `json:"project_id"`
	TeamID      int64    `json:"team_id"`
	RegionID    int64    `json:"region_id"` // 0: the place's station's region
	PlaceID     int64    `json:"place_id"`
	Title       string   `json:"title"`
	Content     string   `json:"content"`
	Address     string   `json:"address"`
	Day         string   `json:"day"`
	Start       string   `json:"start"`
	End         string   `json:"end"`
	Capacity    int      `json:"capacity"`
	Skills      []string `json:"skills"`
	MinAge      int      `json:"min_age"`
	Mode        string   `json:"mode"`
	Deadline    string   `json:"signup_deadline"`
	CancelHours int      `json:"cancel_hours"`
	PairingID   int64    `json:"pairing_id"` // 0: none; else in the pairing's community
}

// times parses the input's times; field errors go into f.
func (in *ActivityInput) times(f *errs.Fields) (start, end, deadline time.Time) {
	day, err := time.ParseInLocation(time.DateOnly, in.Day, clock.CST)
	if in.Day == "" {
		f.Add("day", "field.required")
	} else if err != nil {
		f.Add("day", "field.bad_date")
	}
	clockOf := func(field, s string) time.Time {
		t, err := time.Parse("15:04", s)
		if s == "" {
			f.Add(field, "field.required")
		} else if err != nil {
			f.Add(field, "volunteer.bad_time")
		}
		return day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
	}
	start, end = clockOf("start", in.Start), clockOf("end", in.End)
	if !f.Has("start") && !f.Has("end") && !end.After(start) {
		f.Add("end", "volunteer.end_before_start")
	}
	deadline = start
	if in.Deadline != "" {
		d, err := time.ParseInLocation("2006-01-02T15:04", in.Deadline, clock.CST)
		switch {
		case err != nil:
			f.Add("signup_deadline", "volunteer.bad_datetime")
		case d.After(start):
			f.Add("signup_deadline", "volunteer.deadline_after_start")
		default:
			deadline = d
		}
	}
	return start, end, deadline
}

// CreateProject adds a project in p's scope.
func (s *Service) CreateProject(ctx context.Context, p *auth.Principal, in ProjectInput) (int64, error) {
	if err := canOrganise(p); err != nil {
		return 0, err
	}
	in.Name, in.Intro = strings.TrimSpace(in.Name), strings.TrimSpace(in.Intro)
	var f errs.Fields
	checkText(&f, "name", in.Name, maxTextLen, true)
	checkText(&f, "intro", in.Intro, maxIntroLen, false)
	f.Check(in.RegionID > 0, "region_id", "field.required")
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return 0, err
		}
		if _, err := regionPath(ctx, tx, sc, in.RegionID, &f, "region_id"); err != nil {
			return 0, err
		}
		var team any
		if in.TeamID != 0 {
			if _, err := getTeam(ctx, tx, p, in.TeamID); errs.Is(err, errs.NotFound) {
				f.Add("team_id", "field.bad_choice")
			} else if err != nil {
				return 0, err
			}
			team = in.TeamID
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM projects WHERE name = ?", in.Name); err != nil {
			return 0, err
		} else {
			f.Check(n == 0, "name", "volunteer.project_exists")
		}
		if err := f.Err(); err != nil {
			return 0, err
		}
		now := s.Clock.Now()
		id, err := tx.InsertID(ctx, "INSERT INTO projects (name, region_id, team_id, intro, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			in.Name, in.RegionID, team, in.Intro, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return 0, err
		}
		return id, auditRecord(ctx, tx, p, now, audit.ActionCreate, "project", id, in.Name, nil, in)
	})
}

// Projects lists the projects in p's scope.
func (s *Service) Projects(ctx context.Context, p *auth.Principal) ([]Project, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	var out []Project
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		where, args := sc.where("r.path", "0")
		rows, err := tx.Query(ctx, `SELECT pj.id, pj.name, pj.region_id, r.name, COALESCE(pj.team_id, 0), COALESCE(t.name, ''), pj.intro,
			(SELECT COUNT(*) FROM activities a WHERE a.project_id = pj.id), pj.name_en, r.name_en, COALESCE(t.name_en, '')
			FROM projects pj JOIN regions r ON r.id = pj.region_id LEFT JOIN teams t ON t.id = pj.team_id WHERE `+where+` ORDER BY pj.name`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x Project
			if err := rows.Scan(&x.ID, &x.Name, &x.RegionID, &x.RegionName, &x.TeamID, &x.TeamName, &x.Intro, &x.Activities, &x.NameEN, &x.RegionEN, &x.TeamNameEN); err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

// CreateActivity adds an activity in p's scope.
func (s *Service) CreateActivity(ctx context.Context, p *auth.Principal, in ActivityInput) (int64, error) {
	if err := canOrganise(p); err != nil {
		return 0, err
	}
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return 0, err
		}
		return s.createActivity(ctx, tx, p, sc, in)
	})
}

// checkActivity normalises and checks what needs no database.
func checkActivity(in *ActivityInput, f *errs.Fields) (start, end, deadline time.Time) {
	in.Title, in.Content, in.Address = strings.TrimSpace(in.Title), strings.TrimSpace(in.Content), strings.TrimSpace(in.Address)
	in.Day, in.Start, in.End, in.Deadline = strings.TrimSpace(in.Day), strings.TrimSpace(in.Start), strings.TrimSpace(in.End), strings.TrimSpace(in.Deadline)
	in.Skills = codes(in.Skills)
	checkText(f, "title", in.Title, maxTextLen, true)
	checkText(f, "content", in.Content, maxIntroLen, false)
	checkText(f, "address", in.Address, maxTextLen, false)
	start, end, deadline = in.times(f)
	f.Check(in.Capacity >= 1 && in.Capacity <= MaxCapacity, "capacity", "field.out_of_range", 1, MaxCapacity)
	f.Check(in.MinAge >= 0 && in.MinAge <= maxAge, "min_age", "field.out_of_range", 0, maxAge)
	f.Check(in.CancelHours >= 0 && in.CancelHours <= MaxCancelHours, "cancel_hours", "field.out_of_range", 0, MaxCancelHours)
	if in.Mode == "" {
		f.Add("mode", "field.required")
	} else {
		f.Check(slices.Contains(Modes, Mode(in.Mode)), "mode", "field.bad_choice")
	}
	for _, sk := range in.Skills {
		if !slices.Contains(Skills, sk) {
			f.Add("skills", "field.bad_choice")
		}
	}
	f.Check(in.RegionID > 0 || in.PlaceID > 0, "region_id", "field.required")
	return start, end, deadline
}

// createActivity checks and writes one activity in the caller's transaction.
func (s *Service) createActivity(ctx context.Context, tx *db.Tx, p *auth.Principal, sc scope, in ActivityInput) (int64, error) {
	var f errs.Fields
	start, end, deadline := checkActivity(&in, &f)
	{
		var err error
		var place, lat, lng any
		if in.PlaceID != 0 {
			var stationRegion int64
			var path, pname, paddr string
			var plat, plng sql.NullFloat64
			err := tx.Get(ctx, "entity.place", `SELECT st.region_id, r.path, pl.name, pl.address, pl.lat, pl.lng FROM places pl
				JOIN stations st ON st.id = pl.station_id JOIN regions r ON r.id = st.region_id WHERE pl.id = ?`, []any{in.PlaceID},
				&stationRegion, &path, &pname, &paddr, &plat, &plng)
			switch {
			case errs.Is(err, errs.NotFound) || (err == nil && !sc.hasRegion(path)):
				f.Add("place_id", "field.bad_choice")
			case err != nil:
				return 0, err
			default:
				place = in.PlaceID
				if in.RegionID == 0 {
					in.RegionID = stationRegion
				}
				if in.Address == "" {
					in.Address = paddr
				}
				if plat.Valid && plng.Valid {
					lat, lng = plat.Float64, plng.Float64
				}
			}
		}
		if _, err := regionPath(ctx, tx, sc, in.RegionID, &f, "region_id"); err != nil {
			return 0, err
		}
		var project, team any
		if in.ProjectID != 0 {
			var tid sql.NullInt64
			var path string
			err := tx.Get(ctx, "entity.project", "SELECT pj.team_id, r.path FROM projects pj JOIN regions r ON r.id = pj.region_id WHERE pj.id = ?",
				[]any{in.ProjectID}, &tid, &path)
			if errs.Is(err, errs.NotFound) || (err == nil && !sc.hasRegion(path)) {
				f.Add("project_id", "field.bad_choice")
			} else if err != nil {
				return 0, err
			} else {
				project = in.ProjectID
				if in.TeamID == 0 && tid.Valid {
					in.TeamID = tid.Int64
				}
			}
		}
		if in.TeamID != 0 {
			if _, err := getTeam(ctx, tx, p, in.TeamID); errs.Is(err, errs.NotFound) {
				f.Add("team_id", "field.bad_choice")
			} else if err != nil {
				return 0, err
			}
			team = in.TeamID
		}
		var pairing any
		if in.PairingID != 0 {
			var cpath string
			err := tx.Get(ctx, "entity.pairing", "SELECT cr.path FROM pairings pr JOIN regions cr ON cr.id = pr.region_id WHERE pr.id = ?",
				[]any{in.PairingID}, &cpath)
			switch {
			case errs.Is(err, errs.NotFound) || (err == nil && !sc.hasRegion(cpath)):
				f.Add("pairing_id", "field.bad_choice")
			case err != nil:
				return 0, err
			default:
				var rpath string
				if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{in.RegionID}, &rpath); err != nil && !errs.Is(err, errs.NotFound) {
					return 0, err
				}
				if rpath != "" && !strings.HasPrefix(rpath, cpath) {
					f.Add("pairing_id", "volunteer.pairing_elsewhere")
				}
				pairing = in.PairingID
			}
		}
		if err := f.Err(); err != nil {
			return 0, err
		}
		now := s.Clock.Now()
		var by any
		if p != nil {
			by = p.UserID
		}
		cutoff := start.Add(-time.Duration(in.CancelHours) * time.Hour)
		id, err := tx.InsertID(ctx, `INSERT INTO activities (project_id, team_id, region_id, place_id, title, content, address, lat, lng, day,
			starts_at, ends_at, capacity, skills, min_age, mode, signup_deadline, cancel_cutoff, status, created_by, created_at, updated_at, pairing_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) RETURNING id`,
			project, team, in.RegionID, place, in.Title, in.Content, in.Address, lat, lng, in.Day, start.UnixMilli(), end.UnixMilli(),
			in.Capacity, strings.Join(in.Skills, " "), in.MinAge, in.Mode, deadline.UnixMilli(), cutoff.UnixMilli(), by, now.UnixMilli(), now.UnixMilli(), pairing)
		if err != nil {
			return 0, err
		}
		return id, auditRecord(ctx, tx, p, now, audit.ActionCreate, "activity", id, in.Day+" "+in.Title, nil, in)
	}
}

const activityCols = `a.id, COALESCE(a.project_id, 0), COALESCE(pj.name, ''), COALESCE(a.team_id, 0), COALESCE(t.name, ''), a.region_id, r.name, r.path,
	COALESCE(a.place_id, 0), COALESCE(pl.name, ''), a.title, a.content, a.address, a.lat, a.lng, a.day, a.starts_at, a.ends_at, a.capacity, a.taken,
	(SELECT COUNT(*) FROM signups w WHERE w.activity_id = a.id AND w.state = 'waiting'),
	a.skills, a.min_age, a.mode, a.signup_deadline, a.cancel_cutoff, a.status,
	COALESCE(a.pairing_id, 0), COALESCE(pu.name, ''), COALESCE(pu.name_en, ''), a.problems, r.name_en, COALESCE(t.name_en, ''), COALESCE(pj.name_en, '')`

const activityFrom = ` FROM activities a JOIN regions r ON r.id = a.region_id LEFT JOIN projects pj ON pj.id = a.project_id
	LEFT JOIN teams t ON t.id = a.team_id LEFT JOIN places pl ON pl.id = a.place_id
	LEFT JOIN pairings pa ON pa.id = a.pairing_id LEFT JOIN units pu ON pu.id = pa.unit_id`

func scanActivity(sc interface{ Scan(...any) error }, extra ...any) (Activity, error) {
	var a Activity
	var lat, lng sql.NullFloat64
	var starts, ends, deadline, cutoff int64
	var skills string
	err := sc.Scan(append([]any{&a.ID, &a.ProjectID, &a.ProjectName, &a.TeamID, &a.TeamName, &a.RegionID, &a.RegionName, &a.regionPath,
		&a.PlaceID, &a.PlaceName, &a.Title, &a.Content, &a.Address, &lat, &lng, &a.Day, &starts, &ends, &a.Capacity, &a.Taken, &a.Waiting,
		&skills, &a.MinAge, &a.Mode, &deadline, &cutoff, &a.Status, &a.PairingID, &a.PairingUnit, &a.PairingEN, &a.Problems, &a.RegionEN, &a.TeamNameEN, &a.ProjectEN}, extra...)...)
	if lat.Valid && lng.Valid {
		a.Lat, a.Lng = &lat.Float64, &lng.Float64
	}
	a.StartsAt, a.EndsAt, a.Deadline, a.CancelCutoff = time.UnixMilli(starts), time.UnixMilli(ends), time.UnixMilli(deadline), time.UnixMilli(cutoff)
	a.Skills = strings.Fields(skills)
	return a, err
}

// activityScope: organisers see their scope's activities; a volunteer
// sees every activity (they are open calls).
func activityScope(ctx context.Context, tx *db.Tx, p *auth.Principal) (string, []any, error) {
	if p == nil || p.Can(auth.PermVolunteerOrg) {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return "", nil, err
		}
		w, a := sc.where("r.path", "0")
		return w, a, nil
	}
	if p.Can(auth.PermVolunteerSelf) {
		return "1=1", nil, nil
	}
	return "1=0", nil, nil
}

func getActivity(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Activity, error) {
	where, args, err := activityScope(ctx, tx, p)
	if err != nil {
		return Activity{}, err
	}
	rows, err := tx.Query(ctx, "SELECT "+activityCols+activityFrom+" WHERE a.id = ? AND "+where, append([]any{id}, args...)...)
	if err != nil {
		return Activity{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Activity{}, err
		}
		return Activity{}, errs.NotFoundf("entity.activity")
	}
	return scanActivity(rows)
}

// ActivityFilter selects activities.
type ActivityFilter struct {
	From, To string // days, YYYY-MM-DD, inclusive; "" for open ends
	Q        string
	Page     int
	Size     int
}

// Activities lists the activities in p's scope, newest day first.
func (s *Service) Activities(ctx context.Context, p *auth.Principal, f ActivityFilter) ([]Activity, int, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, 0, err
	}
	var out []Activity
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		where, args, err := activityScope(ctx, tx, p)
		if err != nil {
			return err
		}
		conds := []string{where}
		if f.From != "" {
			conds, args = append(conds, "a.day >= ?"), append(args, f.From)
		}
		if f.To != "" {
			conds, args = append(conds, "a.day <= ?"), append(args, f.To)
		}
		if q := strings.TrimSpace(f.Q); q != "" {
			conds, args = append(conds, `a.title LIKE ? ESCAPE '\'`), append(args, db.Like(q))
		}
		cond := strings.Join(conds, " AND ")
		if total, err = tx.Count(ctx, "SELECT COUNT(*)"+activityFrom+" WHERE "+cond, args...); err != nil {
			return err
		}
		limit, offset := limits(f.Page, f.Size)
		rows, err := tx.Query(ctx, "SELECT "+activityCols+activityFrom+" WHERE "+cond+" ORDER BY a.starts_at DESC, a.id DESC LIMIT ? OFFSET ?",
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanActivity(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, int(total), err
}

// Activity returns one activity with its sign-ups (organisers: confirmed and
// requested by time, then the waiting list in order).
func (s *Service) Activity(ctx context.Context, p *auth.Principal, id int64) (Activity, []Signup, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return Activity{}, nil, err
	}
	var a Activity
	var out []Signup
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = getActivity(ctx, tx, p, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT sg.id, v.id, COALESCE(v.number, ''), v.name, v.phone, sg.state, sg.seq, sg.created_at
			FROM signups sg JOIN volunteers v ON v.id = sg.volunteer_id WHERE sg.activity_id = ?
			ORDER BY CASE sg.state WHEN 'confirmed' THEN 0 WHEN 'requested' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END, sg.seq, sg.created_at, sg.id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		waiting := 0
		for rows.Next() {
			var x Signup
			var at int64
			if err := rows.Scan(&x.ID, &x.VolunteerID, &x.Number, &x.Name, &x.Phone, &x.State, &x.Seq, &at); err != nil {
				return err
			}
			x.At = time.UnixMilli(at)
			if x.State == SignupWaiting {
				// seq is a ticket (rising, with gaps); shown as the place in line.
				waiting++
				x.Seq = waiting
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return a, out, err
}

// Upcoming lists the open activities not yet started, soonest first, each
// with the volunteer's own sign-up state, for the volunteer's phone.
func (s *Service) Upcoming(ctx context.Context, p *auth.Principal) ([]Activity, error) {
	v, err := s.Mine(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []Activity
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+activityCols+`, COALESCE(sg.state, ''), COALESCE(sg.seq, 0)`+activityFrom+`
			LEFT JOIN signups sg ON sg.activity_id = a.id AND sg.volunteer_id = ?
			WHERE a.status = 'open' AND a.ends_at > ? ORDER BY a.starts_at, a.id LIMIT 200`, v.ID, s.Clock.Now().UnixMilli())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var mine string
			var seq int
			a, err := scanActivity(rows, &mine, &seq)
			if err != nil {
				return err
			}
			a.Mine, a.MySeq = mine, seq
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// MyActivity is one activity as the volunteer sees it.
func (s *Service) MyActivity(ctx context.Context, p *auth.Principal, id int64) (Activity, error) {
	v, err := s.Mine(ctx, p)
	if err != nil {
		return Activity{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Activity, error) {
		a, err := getActivity(ctx, tx, p, id)
		if err != nil {
			return a, err
		}
		err = tx.Get(ctx, "entity.signup", "SELECT state, seq FROM signups WHERE activity_id = ? AND volunteer_id = ?", []any{id, v.ID}, &a.Mine, &a.MySeq)
		if errs.Is(err, errs.NotFound) {
			err = nil
		}
		if a.Mine == string(SignupWaiting) {
			var ahead int64
			if ahead, err = tx.Count(ctx, "SELECT COUNT(*) FROM signups WHERE activity_id = ? AND state = 'waiting' AND seq < ?", id, a.MySeq); err == nil {
				a.MySeq = int(ahead) + 1 // the place in the line now
			}
		}
		return a, err
	})
}

// SignUp signs the volunteer of p's account up for an activity.
func (s *Service) SignUp(ctx context.Context, p *auth.Principal, activityID int64) (SignupState, error) {
	v, err := s.Mine(ctx, p)
	if err != nil {
		return "", err
	}
	a, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Activity, error) { return getActivity(ctx, tx, p, activityID) })
	if err != nil {
		return "", err
	}
	return s.signUp(ctx, p, a, v)
}

// SignUpFor is an organiser signing a volunteer (by number) up, e.g. one
// without a phone; the same rules apply.
func (s *Service) SignUpFor(ctx context.Context, p *auth.Principal, activityID int64, number string) (SignupState, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return "", err
	}
	number = strings.ToUpper(strings.TrimSpace(number))
	var a Activity
	var v Volunteer
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if a, err = getActivity(ctx, tx, p, activityID); err != nil {
			return err
		}
		var id int64
		if err := tx.Get(ctx, "entity.volunteer", "SELECT id FROM volunteers WHERE number = ?", []any{number}, &id); errs.Is(err, errs.NotFound) {
			var f errs.Fields
			f.Add("number", "volunteer.no_such_number")
			return f.Err()
		} else if err != nil {
			return err
		}
		v, err = get(ctx, tx, nil, id)
		return err
	})
	if err != nil {
		return "", err
	}
	return s.signUp(ctx, p, a, v)
}

// CheckSignup is the rule of who may sign up for what, and when: an open
// activity before its deadline, an approved volunteer old enough with every
// skill asked for. It returns the refusal's message key, or "".
func CheckSignup(a *Activity, v *Volunteer, now time.Time) string {
	switch {
	case a.Status != "open":
		return "volunteer.signup.cancelled"
	case !now.Before(a.Deadline):
		return "volunteer.signup.closed"
	case v.Status != StatusApproved:
		return "volunteer.not_approved"
	case a.MinAge > 0 && v.Age(a.StartsAt) < a.MinAge:
		return "volunteer.signup.too_young"
	}
	for _, sk := range a.Skills {
		if !slices.Contains(v.Skills, sk) {
			return "volunteer.signup.skills"
		}
	}
	return ""
}

// signUp takes a place or a place in the line. The activity and the
// volunteer were read before, outside the write; the write transaction is
// short and touches the activity's row once, last: the sign-up's row is
// written first (its own row, no one else's lock), then one conditional
// UPDATE of the activity's count (taken < capacity) takes the place. On
// PostgreSQL that UPDATE locks the activity's row until the commit right
// after it, so concurrent sign-ups queue only for that statement, each sees
// the count the one before left and none overfills. A sign-up that finds
// no place does not lock the row at all (the UPDATE matched nothing): it
// draws its place in line from signup_tickets, whose ids rise in the order
// they are drawn.
func (s *Service) signUp(ctx context.Context, p *auth.Principal, a Activity, v Volunteer) (SignupState, error) {
	now := s.Clock.Now()
	if key := CheckSignup(&a, &v, now); key != "" {
		if key == "volunteer.signup.too_young" {
			return "", errs.E(errs.Conflict, key, a.MinAge)
		}
		return "", errs.E(errs.Conflict, key)
	}
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (SignupState, error) {
		state := SignupRequested
		if a.Mode == ModeInstant {
			state = SignupConfirmed
		}
		n, err := tx.ExecN(ctx, `INSERT INTO signups (activity_id, volunteer_id, state, seq, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)
			ON CONFLICT (activity_id, volunteer_id) DO NOTHING`, a.ID, v.ID, string(state), now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return "", err
		}
		if n == 0 {
			// Signed up before: taken up again only after a cancellation.
			var prev string
			if err := tx.Get(ctx, "entity.signup", "SELECT state FROM signups WHERE activity_id = ? AND volunteer_id = ?", []any{a.ID, v.ID}, &prev); err != nil {
				return "", err
			}
			if prev == string(SignupDeclined) {
				return "", errs.E(errs.Conflict, "volunteer.signup.declined")
			}
			if prev != string(SignupCancelled) {
				return "", errs.E(errs.Conflict, "volunteer.signup.already")
			}
			if n, err = tx.ExecN(ctx, `UPDATE signups SET state = ?, seq = 0, reminded_at = NULL, created_at = ?, updated_at = ?
				WHERE activity_id = ? AND volunteer_id = ? AND state = 'cancelled'`, string(state), now.UnixMilli(), now.UnixMilli(), a.ID, v.ID); err != nil {
				return "", err
			} else if n == 0 {
				return "", errs.E(errs.Conflict, "volunteer.signup.already")
			}
		}
		if a.Mode == ModeInstant {
			n, err := tx.ExecN(ctx, "UPDATE activities SET taken = taken + 1 WHERE id = ? AND taken < capacity", a.ID)
			if err != nil {
				return "", err
			}
			if n == 0 {
				state = SignupWaiting
				seq, err := tx.InsertID(ctx, "INSERT INTO signup_tickets (at) VALUES (?) RETURNING id", now.UnixMilli())
				if err != nil {
					return "", err
				}
				if _, err := tx.Exec(ctx, "DELETE FROM signup_tickets WHERE id = ?", seq); err != nil {
					return "", err
				}
				if _, err := tx.Exec(ctx, "UPDATE signups SET state = 'waiting', seq = ? WHERE activity_id = ? AND volunteer_id = ?", seq, a.ID, v.ID); err != nil {
					return "", err
				}
			}
		}
		return state, auditRecord(ctx, tx, p, now, "sign_up", "activity", a.ID, a.Title+" · "+v.Name, nil, map[string]any{"volunteer": v.Number, "state": state})
	})
}

// Cancel withdraws the volunteer's sign-up up to the activity's cut-off; a
// confirmed place freed goes to the first in the waiting list, who is told
// in the inbox.
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, activityID int64) error {
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
		if !now.Before(a.CancelCutoff) {
			return errs.E(errs.Conflict, "volunteer.signup.too_late")
		}
		var state string
		if err := tx.Get(ctx, "entity.signup", "SELECT state FROM signups WHERE activity_id = ? AND volunteer_id = ?", []any{a.ID, v.ID}, &state); err != nil {
			return err
		}
		if state != string(SignupConfirmed) && state != string(SignupWaiting) && state != string(SignupRequested) {
			return errs.E(errs.Conflict, "volunteer.signup.not_active")
		}
		if state == string(SignupConfirmed) {
			// Free the place first: the UPDATE locks the activity's row, so
			// two cancellations never promote the same person.
			if _, err := tx.Exec(ctx, "UPDATE activities SET taken = taken - 1 WHERE id = ?", a.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE signups SET state = 'cancelled', updated_at = ? WHERE activity_id = ? AND volunteer_id = ?", now.UnixMilli(), a.ID, v.ID); err != nil {
			return err
		}
		if err := auditRecord(ctx, tx, p, now, "cancel_signup", "activity", a.ID, a.Title+" · "+v.Name, map[string]any{"state": state}, nil); err != nil {
			return err
		}
		if state == string(SignupConfirmed) {
			return s.promote(ctx, tx, a, now)
		}
		return nil
	})
}

// promote gives free places to the waiting list in order.
func (s *Service) promote(ctx context.Context, tx *db.Tx, a Activity, now time.Time) error {
	for {
		var sid, uid int64
		err := tx.Get(ctx, "entity.signup", `SELECT sg.id, COALESCE(v.user_id, 0) FROM signups sg JOIN volunteers v ON v.id = sg.volunteer_id
			WHERE sg.activity_id = ? AND sg.state = 'waiting' ORDER BY sg.seq LIMIT 1`, []any{a.ID}, &sid, &uid)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := tx.ExecN(ctx, "UPDATE activities SET taken = taken + 1 WHERE id = ? AND taken < capacity", a.ID)
		if err != nil || n == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE signups SET state = 'confirmed', updated_at = ? WHERE id = ?", now.UnixMilli(), sid); err != nil {
			return err
		}
		if uid != 0 {
			if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticeKind, Ref: a.ID, Label: a.Title, Event: "promoted", ToUser: uid,
				Key: "volunteer.notice.promoted", Args: []any{a.Title, a.Day}, At: now}); err != nil {
				return err
			}
		}
	}
}

// Decide confirms or declines a requested sign-up (organisers); a
// confirmation needs a free place.
func (s *Service) Decide(ctx context.Context, p *auth.Principal, activityID, signupID int64, confirm bool) error {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getActivity(ctx, tx, p, activityID)
		if err != nil {
			return err
		}
		var state string
		var uid int64
		if err := tx.Get(ctx, "entity.signup", `SELECT sg.state, COALESCE(v.user_id, 0) FROM signups sg JOIN volunteers v ON v.id = sg.volunteer_id
			WHERE sg.id = ? AND sg.activity_id = ?`, []any{signupID, a.ID}, &state, &uid); err != nil {
			return err
		}
		if state != string(SignupRequested) {
			return errs.E(errs.Conflict, "volunteer.signup.not_requested")
		}
		now := s.Clock.Now()
		next, key := SignupDeclined, "volunteer.notice.declined"
		if confirm {
			n, err := tx.ExecN(ctx, "UPDATE activities SET taken = taken + 1 WHERE id = ? AND taken < capacity", a.ID)
			if err != nil {
				return err
			}
			if n == 0 {
				return errs.E(errs.Conflict, "volunteer.signup.full")
			}
			next, key = SignupConfirmed, "volunteer.notice.confirmed"
		}
		if _, err := tx.Exec(ctx, "UPDATE signups SET state = ?, updated_at = ? WHERE id = ? AND state = 'requested'", string(next), now.UnixMilli(), signupID); err != nil {
			return err
		}
		if uid != 0 {
			if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticeKind, Ref: a.ID, Label: a.Title, Event: string(next), ToUser: uid,
				Key: key, Args: []any{a.Title, a.Day}, At: now}); err != nil {
				return err
			}
		}
		return auditRecord(ctx, tx, p, now, "decide_signup", "activity", a.ID, a.Title, map[string]any{"signup": signupID, "state": state},
			map[string]any{"state": next})
	})
}

// Remind posts tomorrow's reminders: each confirmed volunteer with an
// account is told once (the reminded_at column is set by a conditional
// UPDATE in the notice's transaction, so two instances never both send).
func (s *Service) Remind(ctx context.Context) error {
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT sg.id, v.user_id, a.id, a.title, a.day, a.starts_at FROM signups sg
			JOIN activities a ON a.id = sg.activity_id JOIN volunteers v ON v.id = sg.volunteer_id
			WHERE sg.state = 'confirmed' AND sg.reminded_at IS NULL AND v.user_id IS NOT NULL AND a.status = 'open'
			AND a.starts_at > ? AND a.starts_at <= ? ORDER BY sg.id LIMIT 1000`, now.UnixMilli(), now.Add(RemindBefore).UnixMilli())
		if err != nil {
			return err
		}
		type due struct {
			sid, uid, aid int64
			title, day    string
			starts        int64
		}
		var list []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.sid, &d.uid, &d.aid, &d.title, &d.day, &d.starts); err != nil {
				rows.Close()
				return err
			}
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range list {
			n, err := tx.ExecN(ctx, "UPDATE signups SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL", now.UnixMilli(), d.sid)
			if err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			at := time.UnixMilli(d.starts).In(clock.CST).Format("01-02 15:04")
			if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticeKind, Ref: d.aid, Label: d.title, Event: "reminder", ToUser: d.uid,
				Key: "volunteer.notice.reminder", Args: []any{d.title, at}, At: now}); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemindJob runs Remind every 15 minutes, on one instance at a time.
func (s *Service) RemindJob() jobs.Job {
	return jobs.Job{Name: "volunteer_reminders", Every: 15 * time.Minute, Run: s.Remind}
}

// Generated is what a generation did.
type Generated struct {
	Created int      `json:"created"`
	Skipped []string `json:"skipped"` // days the project already had an activity on
}

// Generate creates a project's activities on the dates of its repeat rule
// from from to to (days, YYYY-MM-DD), each a copy of tmpl on its date, in
// one transaction: a bad template or date changes nothing. Days that
// already have an activity of the project are skipped, so generating again
// adds only what is missing. The rule is stored with the project.
func (s *Service) Generate(ctx context.Context, p *auth.Principal, projectID int64, rule Rule, from, to string, tmpl ActivityInput) (Generated, error) {
	var g Generated
	if err := canOrganise(p); err != nil {
		return g, err
	}
	var f errs.Fields
	rule.Validate(&f)
	fromT, err1 := time.ParseInLocation(time.DateOnly, strings.TrimSpace(from), clock.CST)
	toT, err2 := time.ParseInLocation(time.DateOnly, strings.TrimSpace(to), clock.CST)
	f.Check(err1 == nil, "from", "field.bad_date")
	f.Check(err2 == nil, "to", "field.bad_date")
	if err1 == nil && err2 == nil {
		f.Check(!toT.Before(fromT), "to", "volunteer.end_before_start")
		f.Check(toT.Sub(fromT) <= MaxRuleSpan, "to", "volunteer.span_too_long")
	}
	// The template is checked once on the first day, so its messages name
	// its own fields rather than repeating per date.
	probe := tmpl
	probe.Day = strings.TrimSpace(from)
	probe.ProjectID = projectID
	checkActivity(&probe, &f)
	if err := f.Err(); err != nil {
		return g, err
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		var path string
		if err := tx.Get(ctx, "entity.project", "SELECT r.path FROM projects pj JOIN regions r ON r.id = pj.region_id WHERE pj.id = ?", []any{projectID}, &path); err != nil {
			return err
		}
		if !sc.hasRegion(path) {
			return errs.NotFoundf("entity.project")
		}
		cal := workorder.Calendar{}
		rows, err := tx.Query(ctx, "SELECT day, kind FROM holidays WHERE day >= ? AND day <= ?", fromT.AddDate(0, -1, 0).Format(time.DateOnly), toT.AddDate(0, 1, 0).Format(time.DateOnly))
		if err != nil {
			return err
		}
		for rows.Next() {
			var d, k string
			if err := rows.Scan(&d, &k); err != nil {
				rows.Close()
				return err
			}
			cal[d] = workorder.DayKind(k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range rule.Dates(fromT, toT, cal) {
			n, err := tx.Count(ctx, "SELECT COUNT(*) FROM activities WHERE project_id = ? AND day = ?", projectID, d)
			if err != nil {
				return err
			}
			if n > 0 {
				g.Skipped = append(g.Skipped, d)
				continue
			}
			in := tmpl
			in.Day, in.ProjectID = d, projectID
			if in.Deadline != "" {
				in.Deadline = "" // a fixed deadline cannot repeat; each closes at its start
			}
			if _, err := s.createActivity(ctx, tx, p, sc, in); err != nil {
				return err
			}
			g.Created++
		}
		_, err = tx.Exec(ctx, "UPDATE projects SET rule = ?, updated_at = ? WHERE id = ?", rule.JSON(), s.Clock.Now().UnixMilli(), projectID)
		return err
	})
	if err != nil {
		return Generated{}, err
	}
	return g, nil
}

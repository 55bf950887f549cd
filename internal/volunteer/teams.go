package volunteer

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

// StationLevel is a level of the practice tree; each sits on one level of
// the region tree.
type StationLevel string

const (
	LevelCentre    StationLevel = "centre"    // 新时代文明实践中心, a district or county
	LevelInstitute StationLevel = "institute" // 新时代文明实践所, a street or township
	LevelStation   StationLevel = "station"   // 新时代文明实践站, a community or village
)

// StationLevels in tree order.
var StationLevels = []StationLevel{LevelCentre, LevelInstitute, LevelStation}

// regionLevel is the region level each station level sits on.
var regionLevel = map[StationLevel]string{LevelCentre: "district", LevelInstitute: "street", LevelStation: "community"}

// LevelOfRegion is the station level of a region level ("" for none).
func LevelOfRegion(level string) StationLevel {
	for k, v := range regionLevel {
		if v == level {
			return k
		}
	}
	return ""
}

const (
	maxTextLen  = 100
	maxIntroLen = 500
)

// Station is one centre, institute or station.
type Station struct {
	ID           int64        `json:"id"`
	ParentID     int64        `json:"parent_id"`
	Level        StationLevel `json:"level"`
	Name         string       `json:"name"`
	RegionID     int64        `json:"region_id"`
	RegionName   string       `json:"region_name"`
	RegionNameEN string       `json:"region_name_en"`
	NameEN       string       `json:"name_en"`
	Address      string       `json:"address"`
	ContactName  string       `json:"contact_name"`
	ContactPhone string       `json:"contact_phone"`
	Depth        int          `json:"depth"`
	Places       []Place      `json:"places,omitempty"`
	regionPath   string
}

// Place is where activities happen: a hall, a square, a school yard.
type Place struct {
	ID        int64    `json:"id"`
	StationID int64    `json:"station_id"`
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	Lat       *float64 `json:"lat"`
	Lng       *float64 `json:"lng"`
}

// StationInput creates a station on a region; its level follows from the
// region's and its parent is the station of the parent region.
type StationInput struct {
	RegionID     int64  `json:"region_id"`
	Name         string `json:"name"`
	Address      string `json:"address"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
}

// PlaceInput adds a place to a station.
type PlaceInput struct {
	Name    string   `json:"name"`
	Address string   `json:"address"`
	Lat     *float64 `json:"lat"`
	Lng     *float64 `json:"lng"`
}

func checkText(f *errs.Fields, field, s string, n int, required bool) {
	if required && s == "" {
		f.Add(field, "field.required")
	}
	if utf8.RuneCountInString(s) > n {
		f.Add(field, "field.too_long", n)
	}
}

func checkPoint(f *errs.Fields, lat, lng *float64) {
	if (lat == nil) != (lng == nil) {
		f.Add("lat", "volunteer.point_pair")
		return
	}
	if lat == nil {
		return
	}
	if math.IsNaN(*lat) || *lat < -90 || *lat > 90 {
		f.Add("lat", "field.out_of_range", -90, 90)
	}
	if math.IsNaN(*lng) || *lng < -180 || *lng > 180 {
		f.Add("lng", "field.out_of_range", -180, 180)
	}
}

func canOrganise(p *auth.Principal) error {
	if p == nil {
		return nil
	}
	return auth.Require(p, auth.PermVolunteerOrg)
}

// CreateStation adds the station of a region in p's scope.
func (s *Service) CreateStation(ctx context.Context, p *auth.Principal, in StationInput) (int64, error) {
	if err := canOrganise(p); err != nil {
		return 0, err
	}
	in.Name, in.Address, in.ContactName = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address), strings.TrimSpace(in.ContactName)
	in.ContactPhone = strings.TrimSpace(in.ContactPhone)
	if c, ok := pii.NormalisePhone(in.ContactPhone); ok {
		in.ContactPhone = c
	}
	var f errs.Fields
	checkText(&f, "name", in.Name, maxTextLen, true)
	checkText(&f, "address", in.Address, maxTextLen, false)
	checkText(&f, "contact_name", in.ContactName, 30, false)
	if in.ContactPhone != "" && !pii.ValidPhone(in.ContactPhone) {
		f.Add("contact_phone", "field.bad_phone")
	}
	f.Check(in.RegionID > 0, "region_id", "field.required")
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		var level, path string
		var parentRegion sql.NullInt64
		if in.RegionID > 0 {
			err := tx.Get(ctx, "entity.region", "SELECT level, path, parent_id FROM regions WHERE id = ?", []any{in.RegionID}, &level, &path, &parentRegion)
			switch {
			case errs.Is(err, errs.NotFound) || (err == nil && !sc.hasRegion(path)):
				f.Add("region_id", "field.bad_choice")
			case err != nil:
				return err
			case LevelOfRegion(level) == "":
				f.Add("region_id", "volunteer.station_level")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		sl := LevelOfRegion(level)
		var parent any
		if sl != LevelCentre {
			var pid int64
			err := tx.Get(ctx, "entity.station", "SELECT id FROM stations WHERE region_id = ?", []any{parentRegion.Int64}, &pid)
			if errs.Is(err, errs.NotFound) {
				f.Add("region_id", "volunteer.station_parent_missing")
				return f.Err()
			}
			if err != nil {
				return err
			}
			parent = pid
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM stations WHERE region_id = ?", in.RegionID); err != nil {
			return err
		} else if n > 0 {
			f.Add("region_id", "volunteer.station_exists")
			return f.Err()
		}
		now := s.Clock.Now()
		if id, err = tx.InsertID(ctx, `INSERT INTO stations (parent_id, level, name, region_id, address, contact_name, contact_phone, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, parent, string(sl), in.Name, in.RegionID, in.Address, in.ContactName,
			in.ContactPhone, now.UnixMilli(), now.UnixMilli()); err != nil {
			return err
		}
		return auditRecord(ctx, tx, p, now, audit.ActionCreate, "station", id, in.Name, nil,
			map[string]any{"region_id": in.RegionID, "name": in.Name, "address": in.Address, "contact_phone": pii.MaskPhone(in.ContactPhone)})
	})
	return id, err
}

func auditRecord(ctx context.Context, tx *db.Tx, p *auth.Principal, now time.Time, action, ent string, id int64, summary string, before, after any) error {
	e := audit.Entry{Action: action, Entity: ent, EntityID: audit.ID(id), Summary: summary}
	if p == nil {
		e.ActorName = "system"
	}
	return audit.Record(ctx, tx, p, now, e, before, after)
}

const stationCols = `st.id, COALESCE(st.parent_id, 0), st.level, st.name, st.region_id, r.name, r.path, st.address, st.contact_name, st.contact_phone,
	st.name_en, r.name_en`

func scanStation(sc interface{ Scan(...any) error }) (Station, error) {
	var x Station
	err := sc.Scan(&x.ID, &x.ParentID, &x.Level, &x.Name, &x.RegionID, &x.RegionName, &x.regionPath, &x.Address, &x.ContactName, &x.ContactPhone,
		&x.NameEN, &x.RegionNameEN)
	x.NameEN = StationNameEN(x.NameEN, x.RegionNameEN, x.Level)
	return x, err
}

// Stations lists the practice tree in p's scope in tree order (by region path).
func (s *Service) Stations(ctx context.Context, p *auth.Principal) ([]Station, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	var out []Station
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		where, args := sc.where("r.path", "0")
		rows, err := tx.Query(ctx, "SELECT "+stationCols+" FROM stations st JOIN regions r ON r.id = st.region_id WHERE "+where+" ORDER BY r.path", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scanStation(rows)
			if err != nil {
				return err
			}
			x.Depth = strings.Count(x.regionPath, "/") - 3 // a district's path has 3 slashes below the city
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

func getStation(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Station, error) {
	sc, err := scopeOf(ctx, tx, p)
	if err != nil {
		return Station{}, err
	}
	where, args := sc.where("r.path", "0")
	rows, err := tx.Query(ctx, "SELECT "+stationCols+" FROM stations st JOIN regions r ON r.id = st.region_id WHERE st.id = ? AND "+where,
		append([]any{id}, args...)...)
	if err != nil {
		return Station{}, err
	}
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return Station{}, err
		}
		return Station{}, errs.NotFoundf("entity.station")
	}
	x, err := scanStation(rows)
	rows.Close()
	if err != nil {
		return x, err
	}
	prow, err := tx.Query(ctx, "SELECT id, station_id, name, address, lat, lng FROM places WHERE station_id = ? ORDER BY id", id)
	if err != nil {
		return x, err
	}
	defer prow.Close()
	for prow.Next() {
		var pl Place
		var lat, lng sql.NullFloat64
		if err := prow.Scan(&pl.ID, &pl.StationID, &pl.Name, &pl.Address, &lat, &lng); err != nil {
			return x, err
		}
		if lat.Valid && lng.Valid {
			pl.Lat, pl.Lng = &lat.Float64, &lng.Float64
		}
		x.Places = append(x.Places, pl)
	}
	return x, prow.Err()
}

// Station returns one station in p's scope with its places.
func (s *Service) Station(ctx context.Context, p *auth.Principal, id int64) (Station, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return Station{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Station, error) { return getStation(ctx, tx, p, id) })
}

// AddPlace adds a place to a station in p's scope.
func (s *Service) AddPlace(ctx context.Context, p *auth.Principal, stationID int64, in PlaceInput) (int64, error) {
	if err := canOrganise(p); err != nil {
		return 0, err
	}
	in.Name, in.Address = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address)
	var f errs.Fields
	checkText(&f, "name", in.Name, maxTextLen, true)
	checkText(&f, "address", in.Address, maxTextLen, false)
	checkPoint(&f, in.Lat, in.Lng)
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		st, err := getStation(ctx, tx, p, stationID)
		if err != nil {
			return 0, err
		}
		for _, pl := range st.Places {
			f.Check(pl.Name != in.Name, "name", "volunteer.place_exists")
		}
		if err := f.Err(); err != nil {
			return 0, err
		}
		now := s.Clock.Now()
		id, err := tx.InsertID(ctx, "INSERT INTO places (station_id, name, address, lat, lng, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			stationID, in.Name, in.Address, in.Lat, in.Lng, now.UnixMilli())
		if err != nil {
			return 0, err
		}
		return id, auditRecord(ctx, tx, p, now, audit.ActionCreate, "place", id, st.Name+" · "+in.Name, nil, in)
	})
}

// Team is a volunteer team (志愿服务队).
type Team struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	NameEN      string       `json:"name_en"`
	RegionID    int64        `json:"region_id"`
	RegionName  string       `json:"region_name"`
	RegionEN    string       `json:"region_name_en"`
	StationID   int64        `json:"station_id"`
	StationName string       `json:"station_name"`
	StationEN   string       `json:"station_name_en"`
	Intro       string       `json:"intro"`
	Members     int          `json:"members"`
	Leaders     []string     `json:"leaders"`
	People      []TeamMember `json:"people,omitempty"`
}

// TeamMember is a volunteer in a team.
type TeamMember struct {
	VolunteerID int64  `json:"volunteer_id"`
	Number      string `json:"number"`
	Name        string `json:"name"`
	Leader      bool   `json:"leader"`
}

// TeamInput creates a team.
type TeamInput struct {
	Name      string `json:"name"`
	RegionID  int64  `json:"region_id"`
	StationID int64  `json:"station_id"` // 0: none
	Intro     string `json:"intro"`
	NameEN    string `json:"name_en"`    // for the English pages; may be empty
	PairingID int64  `json:"pairing_id"` // 0: none; a paired unit's staff team (结对共建)
}

// CreateTeam adds a team in a region of p's scope, optionally at a station.
func (s *Service) CreateTeam(ctx context.Context, p *auth.Principal, in TeamInput) (int64, error) {
	if err := canOrganise(p); err != nil {
		return 0, err
	}
	in.Name, in.Intro, in.NameEN = strings.TrimSpace(in.Name), strings.TrimSpace(in.Intro), strings.TrimSpace(in.NameEN)
	var f errs.Fields
	checkText(&f, "name", in.Name, maxTextLen, true)
	checkText(&f, "name_en", in.NameEN, maxTextLen, false)
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
		var station any
		if in.StationID != 0 {
			if _, err := getStation(ctx, tx, p, in.StationID); errs.Is(err, errs.NotFound) {
				f.Add("station_id", "field.bad_choice")
			} else if err != nil {
				return 0, err
			}
			station = in.StationID
		}
		var pairing any
		if in.PairingID != 0 {
			var cpath string
			err := tx.Get(ctx, "entity.pairing", "SELECT cr.path FROM pairings pr JOIN regions cr ON cr.id = pr.region_id WHERE pr.id = ?",
				[]any{in.PairingID}, &cpath)
			if errs.Is(err, errs.NotFound) || (err == nil && !sc.hasRegion(cpath)) {
				f.Add("pairing_id", "field.bad_choice")
			} else if err != nil {
				return 0, err
			}
			pairing = in.PairingID
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM teams WHERE name = ?", in.Name); err != nil {
			return 0, err
		} else {
			f.Check(n == 0, "name", "volunteer.team_exists")
		}
		if err := f.Err(); err != nil {
			return 0, err
		}
		now := s.Clock.Now()
		id, err := tx.InsertID(ctx, `INSERT INTO teams (name, name_en, region_id, station_id, intro, pairing_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Name, in.NameEN, in.RegionID, station, in.Intro, pairing, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return 0, err
		}
		return id, auditRecord(ctx, tx, p, now, audit.ActionCreate, "team", id, in.Name, nil, in)
	})
}

const teamCols = `t.id, t.name, t.region_id, r.name, COALESCE(t.station_id, 0), COALESCE(st.name, ''), t.intro,
	(SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id), t.name_en, r.name_en, COALESCE(st.name_en, ''), COALESCE(sr.name_en, ''),
	COALESCE(st.level, '')`

const teamFrom = ` FROM teams t JOIN regions r ON r.id = t.region_id LEFT JOIN stations st ON st.id = t.station_id
	LEFT JOIN regions sr ON sr.id = st.region_id`

// teamDest are the scan targets of teamCols; finish completes the row.
func teamDest(t *Team, stEN, srEN *string, level *StationLevel) []any {
	return []any{&t.ID, &t.Name, &t.RegionID, &t.RegionName, &t.StationID, &t.StationName, &t.Intro, &t.Members, &t.NameEN, &t.RegionEN, stEN, srEN, level}
}

// Teams lists the teams in p's scope by name, with their sizes and leaders.
func (s *Service) Teams(ctx context.Context, p *auth.Principal, q string) ([]Team, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	var out []Team
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		where, args := sc.where("r.path", "0")
		if q = strings.TrimSpace(q); q != "" {
			where += ` AND t.name LIKE ? ESCAPE '\'`
			args = append(args, db.Like(q))
		}
		rows, err := tx.Query(ctx, "SELECT "+teamCols+teamFrom+" WHERE "+where+" ORDER BY r.path, t.name", args...)
		if err != nil {
			return err
		}
		idx := map[int64]int{}
		for rows.Next() {
			var t Team
			var stEN, srEN string
			var level StationLevel
			if err := rows.Scan(teamDest(&t, &stEN, &srEN, &level)...); err != nil {
				rows.Close()
				return err
			}
			t.StationEN = StationNameEN(stEN, srEN, level)
			idx[t.ID] = len(out)
			out = append(out, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		lrows, err := tx.Query(ctx, "SELECT m.team_id, v.name FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id WHERE m.leader ORDER BY v.id")
		if err != nil {
			return err
		}
		defer lrows.Close()
		for lrows.Next() {
			var tid int64
			var name string
			if err := lrows.Scan(&tid, &name); err != nil {
				return err
			}
			if i, ok := idx[tid]; ok {
				out[i].Leaders = append(out[i].Leaders, name)
			}
		}
		return lrows.Err()
	})
	return out, err
}

func getTeam(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Team, error) {
	sc, err := scopeOf(ctx, tx, p)
	if err != nil {
		return Team{}, err
	}
	where, args := sc.where("r.path", "0")
	var t Team
	var stEN, srEN string
	var level StationLevel
	if err := tx.Get(ctx, "entity.team", "SELECT "+teamCols+teamFrom+" WHERE t.id = ? AND "+where, append([]any{id}, args...),
		teamDest(&t, &stEN, &srEN, &level)...); err != nil {
		return t, err
	}
	t.StationEN = StationNameEN(stEN, srEN, level)
	rows, err := tx.Query(ctx, `SELECT v.id, COALESCE(v.number, ''), v.name, m.leader FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id
		WHERE m.team_id = ? ORDER BY m.leader DESC, v.number`, id)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var m TeamMember
		if err := rows.Scan(&m.VolunteerID, &m.Number, &m.Name, &m.Leader); err != nil {
			return t, err
		}
		if m.Leader {
			t.Leaders = append(t.Leaders, m.Name)
		}
		t.People = append(t.People, m)
	}
	return t, rows.Err()
}

// Team returns one team in p's scope with its members.
func (s *Service) Team(ctx context.Context, p *auth.Principal, id int64) (Team, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return Team{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Team, error) { return getTeam(ctx, tx, p, id) })
}

// AddMember puts an approved volunteer (by volunteer number) in a team,
// as a leader or a member; one already in the team changes role.
func (s *Service) AddMember(ctx context.Context, p *auth.Principal, teamID int64, number string, leader bool) error {
	if err := canOrganise(p); err != nil {
		return err
	}
	number = strings.ToUpper(strings.TrimSpace(number))
	var f errs.Fields
	f.Check(number != "", "number", "field.required")
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		t, err := getTeam(ctx, tx, p, teamID)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		var vid int64
		var name string
		err = tx.Get(ctx, "entity.volunteer", "SELECT id, name FROM volunteers WHERE number = ? AND status = 'approved'", []any{number}, &vid, &name)
		if errs.Is(err, errs.NotFound) {
			f.Add("number", "volunteer.no_such_number")
			return f.Err()
		}
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		n, err := tx.ExecN(ctx, "UPDATE team_members SET leader = ? WHERE team_id = ? AND volunteer_id = ?", leader, teamID, vid)
		if err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.Exec(ctx, "INSERT INTO team_members (team_id, volunteer_id, leader, joined_at) VALUES (?, ?, ?, ?)", teamID, vid, leader, now.UnixMilli()); err != nil {
				return err
			}
		}
		return auditRecord(ctx, tx, p, now, audit.ActionUpdate, "team", teamID, t.Name+" + "+name, nil, map[string]any{"volunteer": number, "leader": leader})
	})
}

// RemoveMember takes a volunteer out of a team.
func (s *Service) RemoveMember(ctx context.Context, p *auth.Principal, teamID, volunteerID int64) error {
	if err := canOrganise(p); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		t, err := getTeam(ctx, tx, p, teamID)
		if err != nil {
			return err
		}
		n, err := tx.ExecN(ctx, "DELETE FROM team_members WHERE team_id = ? AND volunteer_id = ?", teamID, volunteerID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf("entity.volunteer")
		}
		return auditRecord(ctx, tx, p, s.Clock.Now(), audit.ActionUpdate, "team", teamID, t.Name, map[string]any{"volunteer_id": volunteerID}, nil)
	})
}

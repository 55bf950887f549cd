package volunteer

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/pii"
)

// Working Party members in their home community (在职党员到社区报到). The
// community registers a member (一单: the registration; 一卡: the service
// card, numbered DY2026000001), places them in a grid and a building,
// records the roles they hold there (楼栋长, 业委会成员) and the service posts
// they join; what they do is written on the service form (一表:
// party_services), and a member who is also a registered volunteer brings
// their confirmed volunteer hours too. Every quarter the community reports
// each member's service to the member's employer unit: one report per unit,
// a snapshot of each member's line, which a user of that unit signs for; the
// unit finds it in its inbox.

// PartyRoles are the community roles a member may hold.
var PartyRoles = []string{"building_leader", "owners_committee", "grid_helper"}

// PartyPosts are the service posts a member may join.
var PartyPosts = []string{"policy", "environment", "elderly", "safety", "civility", "dispute", "youth"}

// CardPrefix begins a service card's number.
const CardPrefix = "DY"

// NoticePartyKind is the inbox kind of the reports to employer units.
const NoticePartyKind = "volunteer.party_report"

func init() {
	inbox.Register(inbox.Kind{Name: NoticePartyKind, Perm: auth.PermOrgView, OpenKey: "volunteer.party.notice.open",
		Link: func(ref int64) string { return "/party-reports/" + strconv.FormatInt(ref, 10) }})
}

// PartyMember is one registration.
type PartyMember struct {
	ID                     int64     `json:"id"`
	CardNo                 string    `json:"card_no"`
	Name                   string    `json:"name"`
	Phone                  string    `json:"phone"`
	UnitID                 int64     `json:"unit_id"`
	UnitName, UnitNameEN   string    `json:"-"`
	RegionID               int64     `json:"region_id"`
	Community, CommunityEN string    `json:"-"`
	Grid                   string    `json:"grid"`
	Building               string    `json:"building"`
	Roles                  []string  `json:"roles"`
	Posts                  []string  `json:"posts"`
	VolunteerID            int64     `json:"volunteer_id"`
	RegisteredAt           time.Time `json:"registered_at"`
	regionPath             string
}

// PartyInput registers a member.
type PartyInput struct {
	Name     string   `json:"name"`
	Phone    string   `json:"phone"`
	UnitID   int64    `json:"unit_id"`   // the employer
	RegionID int64    `json:"region_id"` // the home community
	Grid     string   `json:"grid"`
	Building string   `json:"building"`
	Roles    []string `json:"roles"`
	Posts    []string `json:"posts"`
}

// Validate checks the fields that need no database.
func (in *PartyInput) Validate(f *errs.Fields) {
	in.Name, in.Grid, in.Building = strings.TrimSpace(in.Name), strings.TrimSpace(in.Grid), strings.TrimSpace(in.Building)
	checkText(f, "name", in.Name, 30, true)
	checkText(f, "grid", in.Grid, 50, false)
	checkText(f, "building", in.Building, 50, false)
	if in.Phone == "" {
		f.Add("phone", "field.required")
	} else if n, ok := pii.NormalisePhone(in.Phone); !ok || !pii.IsMobile(n) {
		f.Add("phone", "volunteer.bad_mobile")
	} else {
		in.Phone = n
	}
	f.Check(in.UnitID > 0, "unit_id", "field.required")
	f.Check(in.RegionID > 0, "region_id", "field.required")
	for _, r := range in.Roles {
		f.Check(slices.Contains(PartyRoles, r), "roles", "field.bad_choice")
	}
	for _, p := range in.Posts {
		f.Check(slices.Contains(PartyPosts, p), "posts", "field.bad_choice")
	}
	if slices.Contains(in.Roles, "building_leader") && in.Building == "" {
		f.Add("building", "volunteer.party.building_needed")
	}
}

func nextCard(ctx context.Context, tx *db.Tx, now time.Time) (string, error) {
	year := now.In(clock.CST).Year()
	if _, err := tx.Exec(ctx, "INSERT INTO party_card_counters (year, last) VALUES (?, 0) ON CONFLICT (year) DO NOTHING", year); err != nil {
		return "", err
	}
	var n int64
	if err := tx.Get(ctx, "", "UPDATE party_card_counters SET last = last + 1 WHERE year = ? RETURNING last", []any{year}, &n); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%d%06d", CardPrefix, year, n), nil
}

// RegisterPartyMember registers a member with a community in p's scope and
// gives the service card's number. A volunteer with the same mobile is
// linked, so their confirmed hours count as the member's service.
func (s *Service) RegisterPartyMember(ctx context.Context, p *auth.Principal, in PartyInput) (PartyMember, error) {
	if err := canOrganise(p); err != nil {
		return PartyMember{}, err
	}
	var f errs.Fields
	in.Validate(&f)
	now := s.Clock.Now()
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = insertParty(ctx, tx, p, in, &f, now)
		return err
	})
	if err != nil {
		return PartyMember{}, err
	}
	return s.PartyMember(ctx, p, id)
}

// checkPartyPlace checks the community (in p's scope, of level community)
// and the employer (an active unit) of a registration.
func checkPartyPlace(ctx context.Context, tx *db.Tx, p *auth.Principal, in PartyInput, f *errs.Fields) error {
	sc, err := scopeOf(ctx, tx, p)
	if err != nil {
		return err
	}
	if in.RegionID > 0 {
		var level, path string
		err := tx.Get(ctx, "entity.region", "SELECT level, path FROM regions WHERE id = ?", []any{in.RegionID}, &level, &path)
		switch {
		case errs.Is(err, errs.NotFound) || (err == nil && (!sc.hasRegion(path) || level != "community")):
			f.Add("region_id", "field.bad_choice")
		case err != nil:
			return err
		}
	}
	if in.UnitID > 0 {
		var active bool
		if err := tx.Get(ctx, "entity.unit", "SELECT active FROM units WHERE id = ?", []any{in.UnitID}, &active); errs.Is(err, errs.NotFound) || (err == nil && !active) {
			f.Add("unit_id", "field.bad_choice")
		} else if err != nil {
			return err
		}
	}
	return nil
}

// insertParty registers a member in the caller's transaction, with the
// card's number.
func insertParty(ctx context.Context, tx *db.Tx, p *auth.Principal, in PartyInput, f *errs.Fields, now time.Time) (int64, error) {
	var id int64
	err := func() error {
		if err := checkPartyPlace(ctx, tx, p, in, f); err != nil {
			return err
		}
		if in.Phone != "" {
			if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM party_members WHERE phone = ?", in.Phone); err != nil {
				return err
			} else {
				f.Check(n == 0, "phone", "volunteer.party.phone_taken")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		card, err := nextCard(ctx, tx, now)
		if err != nil {
			return err
		}
		var vol any
		var vid int64
		if err := tx.Get(ctx, "", "SELECT id FROM volunteers WHERE phone = ? AND status = 'approved'", []any{in.Phone}, &vid); err == nil {
			vol = vid
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		var by any
		if p != nil {
			by = p.UserID
		}
		id, err = tx.InsertID(ctx, `INSERT INTO party_members (card_no, name, phone, unit_id, region_id, grid, building, roles, posts, volunteer_id,
			registered_by, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			card, in.Name, in.Phone, in.UnitID, in.RegionID, in.Grid, in.Building, strings.Join(in.Roles, " "), strings.Join(in.Posts, " "),
			vol, by, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		audited := in
		audited.Phone = pii.MaskPhone(in.Phone)
		return auditRecord(ctx, tx, p, now, "register_party_member", "party_member", id, card+" "+in.Name, nil, audited)
	}()
	return id, err
}

const partyCols = `pm.id, pm.card_no, pm.name, pm.phone, pm.unit_id, u.name, u.name_en, pm.region_id, r.name, r.name_en, r.path,
	pm.grid, pm.building, pm.roles, pm.posts, COALESCE(pm.volunteer_id, 0), pm.registered_at`

const partyFrom = ` FROM party_members pm JOIN units u ON u.id = pm.unit_id JOIN regions r ON r.id = pm.region_id`

func scanParty(sc interface{ Scan(...any) error }) (PartyMember, error) {
	var x PartyMember
	var roles, posts string
	var at int64
	err := sc.Scan(&x.ID, &x.CardNo, &x.Name, &x.Phone, &x.UnitID, &x.UnitName, &x.UnitNameEN, &x.RegionID, &x.Community, &x.CommunityEN,
		&x.regionPath, &x.Grid, &x.Building, &roles, &posts, &x.VolunteerID, &at)
	x.Roles, x.Posts, x.RegisteredAt = strings.Fields(roles), strings.Fields(posts), time.UnixMilli(at)
	return x, err
}

// PartyFilter selects members for a list.
type PartyFilter struct {
	RegionID int64 // communities in this region's subtree
	UnitID   int64
	Q        string // part of the name, the card number or the whole phone
	Page     int
	Size     int
}

// PartyMembers lists the members registered in p's scope, by community.
func (s *Service) PartyMembers(ctx context.Context, p *auth.Principal, f PartyFilter) ([]PartyMember, int, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, 0, err
	}
	var out []PartyMember
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		cond, args := sc.where("r.path", "0")
		if f.RegionID != 0 {
			cond += " AND r.path LIKE (SELECT fr.path FROM regions fr WHERE fr.id = ?) || '%'"
			args = append(args, f.RegionID)
		}
		if f.UnitID != 0 {
			cond += " AND pm.unit_id = ?"
			args = append(args, f.UnitID)
		}
		if q := strings.TrimSpace(f.Q); q != "" {
			like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
			cond += ` AND (pm.name LIKE ? ESCAPE '\' OR pm.card_no LIKE ? ESCAPE '\' OR pm.phone = ?)`
			args = append(args, like, like, q)
		}
		if total, err = tx.Count(ctx, "SELECT COUNT(*)"+partyFrom+" WHERE "+cond, args...); err != nil {
			return err
		}
		limit, offset := limits(f.Page, f.Size)
		rows, err := tx.Query(ctx, "SELECT "+partyCols+partyFrom+" WHERE "+cond+" ORDER BY r.path, pm.building, pm.id LIMIT ? OFFSET ?",
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scanParty(rows)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, int(total), err
}

func getParty(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (PartyMember, error) {
	sc, err := scopeOf(ctx, tx, p)
	if err != nil {
		return PartyMember{}, err
	}
	cond, args := sc.where("r.path", "0")
	rows, err := tx.Query(ctx, "SELECT "+partyCols+partyFrom+" WHERE pm.id = ? AND "+cond, append([]any{id}, args...)...)
	if err != nil {
		return PartyMember{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return PartyMember{}, err
		}
		return PartyMember{}, errs.NotFoundf("entity.party_member")
	}
	return scanParty(rows)
}

// PartyMember returns one member registered in p's scope.
func (s *Service) PartyMember(ctx context.Context, p *auth.Principal, id int64) (PartyMember, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return PartyMember{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (PartyMember, error) { return getParty(ctx, tx, p, id) })
}

// PartyService is one line of the service form.
type PartyService struct {
	Day     string
	Content string
	Minutes int
	Source  string // "form": recorded by the community; "volunteer": a confirmed volunteer activity
}

// PartyServices is a member's service form, newest first: what the
// community recorded and, for a member who is a volunteer, their confirmed
// volunteer service.
func (s *Service) PartyServices(ctx context.Context, p *auth.Principal, id int64) ([]PartyService, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]PartyService, error) {
		m, err := getParty(ctx, tx, p, id)
		if err != nil {
			return nil, err
		}
		return serviceLines(ctx, tx, m.ID, m.VolunteerID, "0000-00-00", "9999-12-31")
	})
}

func serviceLines(ctx context.Context, tx *db.Tx, memberID, volunteerID int64, from, to string) ([]PartyService, error) {
	rows, err := tx.Query(ctx, `SELECT day, content, minutes, 'form' FROM party_services WHERE member_id = ? AND day >= ? AND day <= ?
		UNION ALL SELECT a.day, a.title, at.credited_minutes, 'volunteer' FROM attendance at JOIN activities a ON a.id = at.activity_id
		WHERE at.volunteer_id = ? AND at.state = 'confirmed' AND a.day >= ? AND a.day <= ?
		ORDER BY 1 DESC`, memberID, from, to, volunteerID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PartyService
	for rows.Next() {
		var x PartyService
		if err := rows.Scan(&x.Day, &x.Content, &x.Minutes, &x.Source); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// RecordPartyService writes one service on a member's form.
func (s *Service) RecordPartyService(ctx context.Context, p *auth.Principal, memberID int64, day, content string, minutes int) error {
	if err := canOrganise(p); err != nil {
		return err
	}
	now := s.Clock.Now()
	day, content = strings.TrimSpace(day), strings.TrimSpace(content)
	var f errs.Fields
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		f.Add("day", "field.bad_date")
	} else if day > now.In(clock.CST).Format(time.DateOnly) {
		f.Add("day", "volunteer.party.future_day")
	}
	checkText(&f, "content", content, maxIntroLen, true)
	f.Check(minutes >= 1 && minutes <= 24*60, "minutes", "field.out_of_range", 1, 24*60)
	if err := f.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		m, err := getParty(ctx, tx, p, memberID)
		if err != nil {
			return err
		}
		var by any
		if p != nil {
			by = p.UserID
		}
		if _, err := tx.Exec(ctx, "INSERT INTO party_services (member_id, day, content, minutes, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			m.ID, day, content, minutes, by, now.UnixMilli()); err != nil {
			return err
		}
		return auditRecord(ctx, tx, p, now, "record_party_service", "party_member", m.ID, m.CardNo+" "+day, nil,
			map[string]any{"day": day, "content": content, "minutes": minutes})
	})
}

// QuarterDays are a quarter's first and last day.
func QuarterDays(year, quarter int) (string, string) {
	first := time.Date(year, time.Month(3*quarter-2), 1, 0, 0, 0, 0, clock.CST)
	return first.Format(time.DateOnly), first.AddDate(0, 3, -1).Format(time.DateOnly)
}

// PartyReport is a community's quarterly report to one employer unit.
type PartyReport struct {
	ID                     int64
	RegionID               int64
	Community, CommunityEN string
	UnitID                 int64
	UnitName, UnitNameEN   string
	Year, Quarter          int
	Members, Services      int
	Minutes                int64
	CreatedAt              time.Time
	SignedName             string
	SignedAt               *time.Time
	Lines                  []PartyReportLine
	regionPath             string
}

// PartyReportLine is one member's service in the quarter.
type PartyReportLine struct {
	MemberID     int64
	CardNo, Name string
	Building     string
	Roles        []string
	Services     int
	Minutes      int64
}

// SendPartyReports makes the community's reports for a quarter that has
// ended: one per employer unit of the members registered there, each a
// snapshot of every member's services and minutes (the service form and
// confirmed volunteer hours), posted to the unit's inbox. A unit already
// reported for the quarter is left as it is; it returns how many were made.
func (s *Service) SendPartyReports(ctx context.Context, p *auth.Principal, regionID int64, year, quarter int) (int, error) {
	if err := canOrganise(p); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var f errs.Fields
	f.Check(quarter >= 1 && quarter <= 4, "quarter", "field.out_of_range", 1, 4)
	from, to := QuarterDays(year, max(min(quarter, 4), 1))
	if f.Err() == nil && to >= now.In(clock.CST).Format(time.DateOnly) {
		f.Add("quarter", "volunteer.party.quarter_open")
	}
	made := 0
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		var level, path, community string
		err = tx.Get(ctx, "entity.region", "SELECT level, path, name FROM regions WHERE id = ?", []any{regionID}, &level, &path, &community)
		if errs.Is(err, errs.NotFound) || (err == nil && (level != "community" || !sc.hasRegion(path))) {
			f.Add("region_id", "field.bad_choice")
		} else if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT pm.id, pm.unit_id, COALESCE(pm.volunteer_id, 0) FROM party_members pm
			WHERE pm.region_id = ? AND NOT EXISTS (SELECT 1 FROM party_reports pr
			WHERE pr.region_id = pm.region_id AND pr.unit_id = pm.unit_id AND pr.year = ? AND pr.quarter = ?) ORDER BY pm.unit_id, pm.id`,
			regionID, year, quarter)
		if err != nil {
			return err
		}
		type mem struct{ id, unit, vol int64 }
		var ms []mem
		for rows.Next() {
			var m mem
			if err := rows.Scan(&m.id, &m.unit, &m.vol); err != nil {
				rows.Close()
				return err
			}
			ms = append(ms, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var by any
		if p != nil {
			by = p.UserID
		}
		for i := 0; i < len(ms); {
			j := i
			for j < len(ms) && ms[j].unit == ms[i].unit {
				j++
			}
			type line struct {
				id       int64
				services int
				minutes  int64
			}
			var lines []line
			var services int
			var minutes int64
			for _, m := range ms[i:j] {
				ls, err := serviceLines(ctx, tx, m.id, m.vol, from, to)
				if err != nil {
					return err
				}
				l := line{id: m.id, services: len(ls)}
				for _, x := range ls {
					l.minutes += int64(x.Minutes)
				}
				services += l.services
				minutes += l.minutes
				lines = append(lines, l)
			}
			// ON CONFLICT: another instance's job (or an organiser) sending the
			// same unit's report at the same moment keeps its report; this one
			// makes nothing for the unit.
			var rid int64
			err := tx.Get(ctx, "", `INSERT INTO party_reports (region_id, unit_id, year, quarter, members, services, minutes, created_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (region_id, unit_id, year, quarter) DO NOTHING RETURNING id`,
				[]any{regionID, ms[i].unit, year, quarter, len(lines), services, minutes, by, now.UnixMilli()}, &rid)
			if errs.Is(err, errs.NotFound) {
				i = j
				continue
			}
			if err != nil {
				return err
			}
			for _, l := range lines {
				if _, err := tx.Exec(ctx, "INSERT INTO party_report_lines (report_id, member_id, services, minutes) VALUES (?, ?, ?, ?)",
					rid, l.id, l.services, l.minutes); err != nil {
					return err
				}
			}
			label := fmt.Sprintf("%s %dQ%d", community, year, quarter)
			if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticePartyKind, Ref: rid, Label: label, Event: "report", ToUnit: ms[i].unit,
				Key: "volunteer.party.notice.report", Args: []any{community, year, quarter, len(lines)}, At: now}); err != nil {
				return err
			}
			if err := auditRecord(ctx, tx, p, now, "send_party_report", "party_report", rid, label, nil,
				map[string]any{"unit_id": ms[i].unit, "members": len(lines), "services": services, "minutes": minutes}); err != nil {
				return err
			}
			made++
			i = j
		}
		return nil
	})
	return made, err
}

const reportCols = `pr.id, pr.region_id, r.name, r.name_en, r.path, pr.unit_id, u.name, u.name_en, pr.year, pr.quarter, pr.members, pr.services,
	pr.minutes, pr.created_at, pr.signed_name, pr.signed_at`

const reportFrom = ` FROM party_reports pr JOIN regions r ON r.id = pr.region_id JOIN units u ON u.id = pr.unit_id`

func scanReport(sc interface{ Scan(...any) error }) (PartyReport, error) {
	var x PartyReport
	var created int64
	var signed sql.NullInt64
	err := sc.Scan(&x.ID, &x.RegionID, &x.Community, &x.CommunityEN, &x.regionPath, &x.UnitID, &x.UnitName, &x.UnitNameEN, &x.Year, &x.Quarter,
		&x.Members, &x.Services, &x.Minutes, &created, &x.SignedName, &signed)
	x.CreatedAt = time.UnixMilli(created)
	if signed.Valid {
		t := time.UnixMilli(signed.Int64)
		x.SignedAt = &t
	}
	return x, err
}

// reportScope: the community's organisers (their region scope) and the
// users of the report's unit.
func reportScope(ctx context.Context, tx *db.Tx, p *auth.Principal) (string, []any, error) {
	var parts []string
	var args []any
	if p == nil || p.Can(auth.PermVolunteerOrg) {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return "", nil, err
		}
		w, a := sc.where("r.path", "0")
		parts, args = append(parts, w), append(args, a...)
	}
	if p != nil && p.UnitID != 0 && p.Can(auth.PermOrgView) {
		parts, args = append(parts, "pr.unit_id = ?"), append(args, p.UnitID)
	}
	if len(parts) == 0 {
		return "1=0", nil, nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, nil
}

// PartyReports lists the reports p may see (a community's sent ones, a
// unit's received ones), unsigned first, newest first.
func (s *Service) PartyReports(ctx context.Context, p *auth.Principal) ([]PartyReport, error) {
	if p == nil || (!p.Can(auth.PermVolunteerOrg) && !p.Can(auth.PermOrgView)) {
		return nil, auth.Require(p, auth.PermVolunteerOrg)
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]PartyReport, error) {
		cond, args, err := reportScope(ctx, tx, p)
		if err != nil {
			return nil, err
		}
		rows, err := tx.Query(ctx, "SELECT "+reportCols+reportFrom+" WHERE "+cond+
			" ORDER BY CASE WHEN pr.signed_at IS NULL THEN 0 ELSE 1 END, pr.year DESC, pr.quarter DESC, r.path, u.code LIMIT 500", args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []PartyReport
		for rows.Next() {
			x, err := scanReport(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, rows.Err()
	})
}

func getReport(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (PartyReport, error) {
	cond, args, err := reportScope(ctx, tx, p)
	if err != nil {
		return PartyReport{}, err
	}
	rows, err := tx.Query(ctx, "SELECT "+reportCols+reportFrom+" WHERE pr.id = ? AND "+cond, append([]any{id}, args...)...)
	if err != nil {
		return PartyReport{}, err
	}
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return PartyReport{}, err
		}
		return PartyReport{}, errs.NotFoundf("entity.party_report")
	}
	x, err := scanReport(rows)
	rows.Close()
	return x, err
}

// PartyReportOf returns one report with its lines, to its community's
// organisers and its unit's users.
func (s *Service) PartyReportOf(ctx context.Context, p *auth.Principal, id int64) (PartyReport, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (PartyReport, error) {
		x, err := getReport(ctx, tx, p, id)
		if err != nil {
			return x, err
		}
		rows, err := tx.Query(ctx, `SELECT l.member_id, pm.card_no, pm.name, pm.building, pm.roles, l.services, l.minutes
			FROM party_report_lines l JOIN party_members pm ON pm.id = l.member_id WHERE l.report_id = ? ORDER BY pm.building, pm.id`, id)
		if err != nil {
			return x, err
		}
		defer rows.Close()
		for rows.Next() {
			var l PartyReportLine
			var roles string
			if err := rows.Scan(&l.MemberID, &l.CardNo, &l.Name, &l.Building, &roles, &l.Services, &l.Minutes); err != nil {
				return x, err
			}
			l.Roles = strings.Fields(roles)
			x.Lines = append(x.Lines, l)
		}
		return x, rows.Err()
	})
}

// SignPartyReport records that the unit received the report: a user of the
// report's unit signs, once.
func (s *Service) SignPartyReport(ctx context.Context, p *auth.Principal, id int64) error {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		x, err := getReport(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if x.UnitID != p.UnitID {
			return errs.E(errs.Forbidden, "volunteer.party.not_your_unit")
		}
		n, err := tx.ExecN(ctx, "UPDATE party_reports SET signed_by = ?, signed_name = ?, signed_at = ? WHERE id = ? AND signed_at IS NULL",
			p.UserID, p.DisplayName, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "volunteer.party.signed")
		}
		return auditRecord(ctx, tx, p, now, "sign_party_report", "party_report", id,
			fmt.Sprintf("%s %dQ%d", x.Community, x.Year, x.Quarter), nil, map[string]any{"signed_by": p.DisplayName})
	})
}

// Employer is a unit a Party member may work at.
type Employer struct {
	ID           int64
	Name, NameEN string
}

// Employers lists the active units of the city (a member's employer may be
// any unit, not only those in the registering community's scope).
func (s *Service) Employers(ctx context.Context) ([]Employer, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Employer, error) {
		rows, err := tx.Query(ctx, "SELECT id, name, name_en FROM units WHERE active ORDER BY path")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Employer
		for rows.Next() {
			var x Employer
			if err := rows.Scan(&x.ID, &x.Name, &x.NameEN); err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, rows.Err()
	})
}

// LastEndedQuarter is the quarter before the one now falls in (China
// Standard Time): the one whose reports are due.
func LastEndedQuarter(now time.Time) (year, quarter int) {
	t := now.In(clock.CST)
	year, quarter = t.Year(), (int(t.Month())-1)/3
	if quarter == 0 {
		return year - 1, 4
	}
	return year, quarter
}

// SendDueReports is the job's part of the quarterly reports: for the
// quarter that has just ended, every community with members whose employer
// has no report yet sends them (SendPartyReports as the system, one
// community per transaction). A unit gets one report per community and
// quarter however many instances run the job at once: the report's row is
// inserted ON CONFLICT DO NOTHING on its unique key, and its lines and
// inbox notice follow only the insert that took. It returns how many
// reports it made.
func (s *Service) SendDueReports(ctx context.Context) (int, error) {
	year, quarter := LastEndedQuarter(s.Clock.Now())
	regions, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]int64, error) {
		return queryIDs(ctx, tx, `SELECT DISTINCT pm.region_id FROM party_members pm WHERE NOT EXISTS (SELECT 1 FROM party_reports pr
			WHERE pr.region_id = pm.region_id AND pr.unit_id = pm.unit_id AND pr.year = ? AND pr.quarter = ?) ORDER BY pm.region_id`, year, quarter)
	})
	if err != nil {
		return 0, err
	}
	made := 0
	for _, r := range regions {
		n, err := s.SendPartyReports(ctx, nil, r, year, quarter)
		made += n
		if err != nil {
			return made, fmt.Errorf("party reports of region %d: %w", r, err)
		}
	}
	return made, nil
}

// PartyReportJob sends the quarter's reports every six hours (internal/jobs):
// on the first run after a quarter ends, and again for a member registered
// with a new employer later.
func (s *Service) PartyReportJob() jobs.Job {
	return jobs.Job{Name: "volunteer_party_reports", Every: 6 * time.Hour, Run: func(ctx context.Context) error {
		_, err := s.SendDueReports(ctx)
		return err
	}}
}

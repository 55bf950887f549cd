package grassroots

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Checks are what a visit looks at, as data (三保障 is education, medical
// care and housing safety).
var Checks = []string{"income_change", "education", "medical", "housing_safety", "drinking_water", "employment", "health", "safety_hazard"}

// Limits of a visit.
const (
	MaxVisitorsLen  = 100
	MaxFindingsLen  = 1000
	MaxNeedsLen     = 1000
	MaxIdemKeyLen   = 64
	MaxPeopleVisits = 50
)

// Visit is one logged household visit.
type Visit struct {
	ID            int64     `json:"id"`
	HouseholdID   int64     `json:"household_id"`
	Household     string    `json:"household"` // address and head
	RegionPath    string    `json:"region_path"`
	RegionName    string    `json:"region_name"` // the household's grid
	RegionNameEN  string    `json:"region_name_en"`
	Community     string    `json:"community"` // the grid's community or village
	CommunityEN   string    `json:"community_en"`
	VisitedAt     time.Time `json:"visited_at"`
	Visitors      string    `json:"visitors"`
	Checks        []string  `json:"checks"`
	Findings      string    `json:"findings"`
	PeopleReached int       `json:"people_reached"`
	Needs         string    `json:"needs"`
	WorkOrderID   int64     `json:"workorder_id"`
	WorkOrderCode string    `json:"workorder_code"`
	WorkOrderSt   string    `json:"workorder_state"` // how the need ended (the order's state)
	PhotoID       int64     `json:"photo_id"`
	Lat           *float64  `json:"lat"`
	Lng           *float64  `json:"lng"`
	CreatedBy     int64     `json:"created_by"`
	Cadres        []Cadre   `json:"cadres,omitempty"` // the dispatched cadres who made it (GetVisit)
}

// VisitInput is a visit as the phone sends it. Key is the draft's
// idempotency key: a second send with the same key returns the first visit.
type VisitInput struct {
	HouseholdID   int64     `json:"household_id"`
	VisitedAt     time.Time `json:"visited_at"`
	Visitors      string    `json:"visitors"`
	Checks        []string  `json:"checks"`
	Findings      string    `json:"findings"`
	PeopleReached int       `json:"people_reached"`
	Needs         string    `json:"needs"`
	CategoryID    int64     `json:"category_id"` // with Needs: the work order's category
	Lat           *float64  `json:"lat"`
	Lng           *float64  `json:"lng"`
	Key           string    `json:"key"`
	CadreIDs      []int64   `json:"cadre_ids"` // the dispatched cadres among the visitors
	Photo         *photo.Prepared
}

func (in *VisitInput) validate(f *errs.Fields, now time.Time) {
	in.Visitors, in.Findings, in.Needs, in.Key = strings.TrimSpace(in.Visitors), strings.TrimSpace(in.Findings),
		strings.TrimSpace(in.Needs), strings.TrimSpace(in.Key)
	f.Check(in.HouseholdID > 0, "household_id", "field.required")
	checkLen(f, "visitors", in.Visitors, MaxVisitorsLen, true)
	checkLen(f, "findings", in.Findings, MaxFindingsLen, false)
	checkLen(f, "needs", in.Needs, MaxNeedsLen, false)
	if in.VisitedAt.IsZero() {
		f.Add("visited_at", "field.required")
	} else if in.VisitedAt.After(now.Add(10 * time.Minute)) {
		f.Add("visited_at", "grassroots.err.future")
	}
	for _, c := range in.Checks {
		if !slices.Contains(Checks, c) {
			f.Add("checks", "field.bad_choice")
		}
	}
	slices.Sort(in.Checks)
	in.Checks = slices.Compact(in.Checks)
	if in.PeopleReached < 0 || in.PeopleReached > MaxPeopleVisits {
		f.Add("people_reached", "field.out_of_range", 0, MaxPeopleVisits)
	}
	if in.Needs != "" {
		if utf8.RuneCountInString(in.Needs) < workorder.MinDescriptionLen {
			f.Add("needs", "grassroots.err.needs_short", workorder.MinDescriptionLen)
		}
		f.Check(in.CategoryID > 0, "category_id", "grassroots.err.need_category")
	}
	for _, c := range []struct {
		field string
		v     *float64
		lim   float64
	}{{"lat", in.Lat, 90}, {"lng", in.Lng, 180}} {
		if c.v != nil && (math.IsNaN(*c.v) || *c.v < -c.lim || *c.v > c.lim) {
			f.Add(c.field, "field.out_of_range", -int(c.lim), int(c.lim))
		}
	}
	if (in.Lat == nil) != (in.Lng == nil) {
		f.Add("lat", "grassroots.err.both_coords")
	}
	if in.Key == "" {
		f.Add("key", "field.required")
	} else if len(in.Key) > MaxIdemKeyLen {
		f.Add("key", "field.too_long", MaxIdemKeyLen)
	}
}

// LogVisit records a visit once per key: a re-send (a dropped connection,
// the phone's draft queue) gets the first visit back and writes nothing.
// A need with a category becomes a work order in the household's region
// (workorder.Service.Submit), whose id the visit keeps; should that fail
// after the visit was saved, the next send of the same key tries again.
func (s *Service) LogVisit(ctx context.Context, p *auth.Principal, in VisitInput) (Visit, bool, error) {
	if err := auth.Require(p, auth.PermGridVisit); err != nil {
		return Visit{}, false, err
	}
	var f errs.Fields
	in.validate(&f, s.Clock.Now())
	if err := f.Err(); err != nil {
		return Visit{}, false, err
	}
	if id, found, err := s.visitByKey(ctx, p, in.Key); err != nil || found {
		if err != nil {
			return Visit{}, false, err
		}
		v, err := s.ensureOrder(ctx, p, id)
		return v, true, err
	}
	if in.Needs != "" && s.Orders != nil {
		cat, err := s.Orders.Category(ctx, in.CategoryID)
		if err != nil || !cat.Pickable(false) {
			if err != nil && !errs.Is(err, errs.NotFound) {
				return Visit{}, false, err
			}
			return Visit{}, false, fieldErr("category_id", "field.bad_choice")
		}
	}
	var staged *photo.Staged
	if in.Photo != nil {
		if s.Photos == nil {
			return Visit{}, false, errs.E(errs.Internal, "err.internal")
		}
		var err error
		if staged, err = s.Photos.Stage(ctx, []*photo.Prepared{in.Photo}); err != nil {
			return Visit{}, false, err
		}
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		h, err := loadHousehold(ctx, tx, p, in.HouseholdID)
		if errs.Is(err, errs.NotFound) {
			return fieldErr("household_id", "field.bad_choice")
		} else if err != nil {
			return err
		}
		var cf errs.Fields
		cadres, err := checkCadres(ctx, tx, p, in.CadreIDs, "cadre_ids", &cf)
		if err != nil {
			return err
		}
		if err := cf.Err(); err != nil {
			return err
		}
		var photoID any
		if staged != nil {
			ids, err := staged.Commit(ctx, tx, p.UserID)
			if err != nil {
				return err
			}
			photoID = ids[0]
		}
		var cat any
		if in.Needs != "" {
			cat = in.CategoryID
		}
		now := s.Clock.Now()
		day := in.VisitedAt.In(clock.CST).Format(time.DateOnly)
		err = tx.Get(ctx, "", `INSERT INTO gr_visits (household_id, region_path, visited_at, visited_on, visitors, checks, findings, people_reached,
			needs, need_category_id, photo_id, lat, lng, idem_key, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (idem_key) DO NOTHING RETURNING id`,
			[]any{h.ID, h.RegionPath, in.VisitedAt.UnixMilli(), day, in.Visitors, strings.Join(in.Checks, " "), in.Findings, in.PeopleReached,
				in.Needs, cat, photoID, in.Lat, in.Lng, scopedKey(p, in.Key), p.UserID, now.UnixMilli()}, &id)
		if errs.Is(err, errs.NotFound) {
			return errKeyTaken
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE gr_plan_items SET visit_id = ? WHERE household_id = ? AND visit_id IS NULL AND due_from <= ? AND due_on >= ?`,
			id, h.ID, day, day); err != nil {
			return err
		}
		if err := refreshHousehold(ctx, tx, h.ID); err != nil {
			return err
		}
		if err := linkCadres(ctx, tx, "gr_visit_cadres", "visit_id", id, cadres); err != nil {
			return err
		}
		return record(ctx, tx, p, now, audit.ActionCreate, "visit", id, h.Address+" "+h.HeadName, nil,
			map[string]any{"household_id": h.ID, "visited_on": day, "checks": in.Checks, "needs": in.Needs})
	})
	if staged != nil {
		if ferr := staged.Finish(context.WithoutCancel(ctx), err == nil); ferr != nil && err == nil {
			err = ferr
		}
	}
	if err == errKeyTaken {
		// A twin of this send committed first: answer with its visit.
		vid, _, err := s.visitByKey(ctx, p, in.Key)
		if err != nil {
			return Visit{}, false, err
		}
		v, err := s.ensureOrder(ctx, p, vid)
		return v, true, err
	}
	if err != nil {
		return Visit{}, false, err
	}
	v, err := s.ensureOrder(ctx, p, id)
	return v, false, err
}

var errKeyTaken = errs.E(errs.Conflict, "grassroots.err.key_taken")

// scopedKey keeps one user's keys apart from another's.
func scopedKey(p *auth.Principal, key string) string { return audit.ID(p.UserID) + ":" + key }

func (s *Service) visitByKey(ctx context.Context, p *auth.Principal, key string) (int64, bool, error) {
	var id int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.visit", "SELECT id FROM gr_visits WHERE idem_key = ?", []any{scopedKey(p, key)}, &id)
	})
	if errs.Is(err, errs.NotFound) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// intake is the principal the work order of a need is filed with: the grid
// worker themselves, allowed to file it (only) because this service has
// checked grid.visit and the household's scope.
func intake(p *auth.Principal) *auth.Principal {
	q := *p
	q.Perms = map[auth.Perm]bool{auth.PermOrderIntake: true}
	return &q
}

// ensureOrder files the work order of a visit's need if it has none yet,
// and returns the visit.
func (s *Service) ensureOrder(ctx context.Context, p *auth.Principal, id int64) (Visit, error) {
	v, cat, err := s.getVisit(ctx, p, id)
	if err != nil || v.Needs == "" || v.WorkOrderID != 0 || cat == 0 || s.Orders == nil {
		return v, err
	}
	var regionID int64
	var address string
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.household", "SELECT region_id, address || ' ' || building || ' ' || door FROM gr_households WHERE id = ?",
			[]any{v.HouseholdID}, &regionID, &address)
	}); err != nil {
		return v, err
	}
	in := workorder.SubmitInput{Channel: workorder.ChannelWeb, CategoryID: cat, Description: v.Needs, Address: strings.TrimSpace(address),
		Lat: v.Lat, Lng: v.Lng, RegionID: regionID, Source: "grassroots.visit"}
	if v.PhotoID != 0 {
		in.PhotoIDs = []int64{v.PhotoID}
	}
	sub, err := s.Orders.Submit(ctx, intake(p), in)
	if err != nil {
		return v, err
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE gr_visits SET workorder_id = ? WHERE id = ? AND workorder_id IS NULL", sub.ID, id)
		return err
	}); err != nil {
		return v, err
	}
	v, _, err = s.getVisit(ctx, p, id)
	return v, err
}

const visitCols = `v.id, v.household_id, h.address || ' ' || h.building || ' ' || h.door || ' ' || h.head_name, v.region_path, g.name, g.name_en, COALESCE(gp.name, ''), COALESCE(gp.name_en, ''), v.visited_at,
	v.visitors, v.checks, v.findings, v.people_reached, v.needs, COALESCE(v.need_category_id, 0), COALESCE(v.workorder_id, 0),
	COALESCE(w.code, ''), COALESCE(w.state, ''), COALESCE(v.photo_id, 0), v.lat, v.lng, COALESCE(v.created_by, 0)`

const visitFrom = ` FROM gr_visits v JOIN gr_households h ON h.id = v.household_id JOIN regions g ON g.id = h.region_id LEFT JOIN regions gp ON gp.id = g.parent_id LEFT JOIN workorders w ON w.id = v.workorder_id`

func scanVisit(sc interface{ Scan(...any) error }) (Visit, int64, error) {
	var v Visit
	var at, cat int64
	var checks string
	err := sc.Scan(&v.ID, &v.HouseholdID, &v.Household, &v.RegionPath, &v.RegionName, &v.RegionNameEN, &v.Community, &v.CommunityEN, &at, &v.Visitors, &checks, &v.Findings, &v.PeopleReached, &v.Needs,
		&cat, &v.WorkOrderID, &v.WorkOrderCode, &v.WorkOrderSt, &v.PhotoID, &v.Lat, &v.Lng, &v.CreatedBy)
	v.VisitedAt, v.Checks = time.UnixMilli(at), strings.Fields(checks)
	return v, cat, err
}

func (s *Service) getVisit(ctx context.Context, p *auth.Principal, id int64) (Visit, int64, error) {
	var v Visit
	var cat int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "v.region_path")
		rows, err := tx.Query(ctx, "SELECT "+visitCols+visitFrom+" WHERE v.id = ? AND "+w, append([]any{id}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return errs.NotFoundf("entity.visit")
		}
		v, cat, err = scanVisit(rows)
		return err
	})
	return v, cat, err
}

// GetVisit returns a visit in the caller's scope.
func (s *Service) GetVisit(ctx context.Context, p *auth.Principal, id int64) (Visit, error) {
	if err := canRead(p); err != nil {
		return Visit{}, err
	}
	v, _, err := s.getVisit(ctx, p, id)
	if err != nil {
		return v, err
	}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.id, c.name, c.rank, c.unit_name FROM gr_visit_cadres x JOIN gr_cadres c ON c.id = x.cadre_id
			WHERE x.visit_id = ? ORDER BY c.rank, c.name, c.id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Cadre
			if err := rows.Scan(&c.ID, &c.Name, &c.Rank, &c.Unit); err != nil {
				return err
			}
			v.Cadres = append(v.Cadres, c)
		}
		return rows.Err()
	})
	return v, err
}

// VisitFilter selects visits.
type VisitFilter struct {
	HouseholdID int64
	CadreID     int64 // the visits this cadre made
	RegionID    int64
	From, To    string // days, inclusive
	Page, Size  int
}

// ListVisits lists visits in the caller's scope, newest first.
func (s *Service) ListVisits(ctx context.Context, p *auth.Principal, f VisitFilter) ([]Visit, int, error) {
	if err := canRead(p); err != nil {
		return nil, 0, err
	}
	var out []Visit
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "v.region_path")
		conds := []string{w}
		if f.HouseholdID > 0 {
			conds, args = append(conds, "v.household_id = ?"), append(args, f.HouseholdID)
		}
		if f.RegionID > 0 {
			_, path, _, err := regionOf(ctx, tx, p, f.RegionID)
			if err != nil {
				return err
			}
			u, ua := under("v.region_path", path)
			conds, args = append(conds, u), append(args, ua...)
		}
		if f.CadreID > 0 {
			conds, args = append(conds, "v.id IN (SELECT visit_id FROM gr_visit_cadres WHERE cadre_id = ?)"), append(args, f.CadreID)
		}
		if f.From != "" {
			conds, args = append(conds, "v.visited_on >= ?"), append(args, f.From)
		}
		if f.To != "" {
			conds, args = append(conds, "v.visited_on <= ?"), append(args, f.To)
		}
		where := " WHERE " + strings.Join(conds, " AND ")
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*) FROM gr_visits v"+where, args...); err != nil {
			return err
		}
		limit, offset := limits(f.Page, f.Size)
		rows, err := tx.Query(ctx, "SELECT "+visitCols+visitFrom+where+" ORDER BY v.visited_at DESC, v.id DESC LIMIT ? OFFSET ?",
			append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, _, err := scanVisit(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, int(total), err
}

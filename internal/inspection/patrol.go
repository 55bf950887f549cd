package inspection

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Patrols (巡查, "立查立改"): a team walks a route in a region and records
// what it found. A finding fixed on the spot carries its before and after
// photos and is closed at once; one it could not fix becomes a work order
// of kind rectification to the responsible unit, due as a normal finding
// is (RectifyDue), with the same life as an inspection's and a check by
// an inspector at the end. Patrols count in the patrol figures, by the
// region walked and the unit responsible.

// PatrolKind is what a patrol finding is about (the seed's Hailar teams' list).
type PatrolKind string

const (
	PatrolBackStreet PatrolKind = "back_street" // 背街小巷
	PatrolSchool     PatrolKind = "school"      // 校园周边
	PatrolStalls     PatrolKind = "stalls"      // 占道经营
	PatrolClutter    PatrolKind = "clutter"     // 乱堆杂物
	PatrolDogs       PatrolKind = "dogs"        // 不文明养犬
	PatrolPosters    PatrolKind = "posters"     // 小广告
	PatrolOther      PatrolKind = "other"
)

// PatrolKinds lists them in display order.
var PatrolKinds = []PatrolKind{PatrolBackStreet, PatrolSchool, PatrolStalls, PatrolClutter, PatrolDogs, PatrolPosters, PatrolOther}

// Key is the kind's message key.
func (k PatrolKind) Key() string { return "inspection.patrol_kind." + string(k) }

// Valid reports whether k is a known kind.
func (k PatrolKind) Valid() bool {
	for _, x := range PatrolKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Patrol is one walk of a route.
type Patrol struct {
	ID         int64           `json:"id"`
	TeamID     int64           `json:"team_id"`
	TeamName   string          `json:"team_name"`
	TeamEN     string          `json:"team_name_en"`
	Patroller  string          `json:"patroller_name"`
	ByID       int64           `json:"patroller_id"`
	RegionID   int64           `json:"region_id"`
	RegionName string          `json:"region_name"`
	RegionEN   string          `json:"region_name_en"`
	Route      string          `json:"route"`
	Note       string          `json:"note"`
	StartedAt  time.Time       `json:"started_at"`
	EndedAt    *time.Time      `json:"ended_at"`
	Findings   []PatrolFinding `json:"findings,omitempty"`
	Found      int             `json:"found"`
	Fixed      int             `json:"fixed"`
}

// PatrolFinding is one thing a patrol found.
type PatrolFinding struct {
	ID          int64      `json:"id"`
	Kind        PatrolKind `json:"kind"`
	Description string     `json:"description"`
	UnitID      int64      `json:"unit_id"`
	UnitName    string     `json:"unit_name"`
	UnitEN      string     `json:"unit_name_en"`
	Lat         *float64   `json:"lat"`
	Lng         *float64   `json:"lng"`
	Fixed       bool       `json:"fixed"` // on the spot: closed at once
	BeforePhoto int64      `json:"before_photo_id"`
	AfterPhoto  int64      `json:"after_photo_id"`
	OrderID     int64      `json:"order_id"` // the rectification of one not fixed
	OrderCode   string     `json:"order_code"`
	OrderState  string     `json:"order_state"`
	CreatedAt   time.Time  `json:"created_at"`
}

// PatrolInput starts a patrol.
type PatrolInput struct {
	RegionID    int64
	Route, Note string
}

// patrolVisible: the office and every reader with an all-data scope see
// every patrol; others their team's (their unit) and their own.
func patrolVisible(p *auth.Principal) (string, []any) {
	if p.Scope.All || p.Can(auth.PermInspectionManage) {
		return "1 = 1", nil
	}
	return "(pt.team_id = ? OR pt.patroller_id = ?)", []any{p.UnitID, p.UserID}
}

// StartPatrol begins a patrol of the caller's team (their unit).
func (s *Service) StartPatrol(ctx context.Context, p *auth.Principal, in PatrolInput) (Patrol, error) {
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return Patrol{}, err
	}
	in.Route, in.Note = strings.TrimSpace(in.Route), strings.TrimSpace(in.Note)
	var f errs.Fields
	f.Check(in.Route != "", "route", "field.required")
	f.Check(utf8.RuneCountInString(in.Route) <= 200, "route", "field.too_long", 200)
	f.Check(utf8.RuneCountInString(in.Note) <= 500, "note", "field.too_long", 500)
	f.Check(in.RegionID != 0, "region_id", "field.required")
	f.Check(p.UnitID != 0, "team", "inspection.patrol.no_team")
	if err := f.Err(); err != nil {
		return Patrol{}, err
	}
	now := s.now()
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM regions WHERE id = ?", in.RegionID); err != nil {
			return err
		} else if n == 0 {
			f.Add("region_id", "field.bad_choice")
			return f.Err()
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO inspection_patrols (team_id, patroller_id, region_id, route, note, started_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			p.UnitID, p.UserID, in.RegionID, in.Route, in.Note, now.UnixMilli())
		if err != nil {
			return err
		}
		return record(ctx, tx, p, now, "create", "inspection_patrol", id, in.Route, nil, map[string]any{"region_id": in.RegionID})
	})
	if err != nil {
		return Patrol{}, err
	}
	return s.GetPatrol(ctx, p, id)
}

// FindingInput is one finding of a patrol.
type FindingInput struct {
	Kind          PatrolKind
	Description   string
	UnitID        int64
	Lat, Lng      *float64
	Fixed         bool
	Before, After *photo.Prepared // before: always; after: when fixed
}

// AddPatrolFinding records a finding on the caller's open patrol: fixed on
// the spot (with the after photo) it is closed at once; otherwise a
// rectification order goes to the unit in the same transaction.
func (s *Service) AddPatrolFinding(ctx context.Context, p *auth.Principal, patrolID int64, in FindingInput) (PatrolFinding, error) {
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return PatrolFinding{}, err
	}
	in.Description = strings.TrimSpace(in.Description)
	var f errs.Fields
	f.Check(in.Kind.Valid(), "kind", "field.bad_choice")
	f.Check(in.Description != "", "description", "field.required")
	f.Check(utf8.RuneCountInString(in.Description) <= 500, "description", "field.too_long", 500)
	f.Check(in.UnitID != 0, "unit_id", "field.required")
	f.Check(in.Before != nil, "before", "inspection.patrol.before_required")
	f.Check(!in.Fixed || in.After != nil, "after", "inspection.patrol.after_required")
	if (in.Lat == nil) != (in.Lng == nil) || (in.Lat != nil && (*in.Lat < -90 || *in.Lat > 90 || *in.Lng < -180 || *in.Lng > 180)) {
		f.Add("lat", "inspection.submit.bad_position")
	}
	if err := f.Err(); err != nil {
		return PatrolFinding{}, err
	}
	pt, err := s.GetPatrol(ctx, p, patrolID)
	if err != nil {
		return PatrolFinding{}, err
	}
	if pt.ByID != p.UserID {
		return PatrolFinding{}, errs.E(errs.Forbidden, "inspection.patrol.not_yours")
	}
	if pt.EndedAt != nil {
		return PatrolFinding{}, errs.E(errs.Conflict, "inspection.patrol.ended")
	}
	if s.Photos == nil || s.Orders == nil {
		return PatrolFinding{}, errors.New("inspection: patrols need the photo and work-order services")
	}
	ps := []*photo.Prepared{in.Before}
	if in.Fixed {
		ps = append(ps, in.After)
	}
	staged, err := s.Photos.Stage(ctx, ps)
	if err != nil {
		return PatrolFinding{}, err
	}
	committed := false
	defer func() { staged.Finish(context.WithoutCancel(ctx), committed) }()
	now := s.now()
	var id int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var region *int64
		if err := tx.Get(ctx, "entity.unit", "SELECT region_id FROM units WHERE id = ? AND active = TRUE", []any{in.UnitID}, &region); err != nil {
			if errs.Is(err, errs.NotFound) {
				f.Add("unit_id", "field.bad_choice")
				return f.Err()
			}
			return err
		}
		ids, err := staged.Commit(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		var after, order any
		if in.Fixed {
			after = ids[1]
		} else {
			title := truncate("巡查发现："+in.Description, workorder.MaxTitleLen)
			desc := "巡查（" + pt.Route + "）发现问题：" + in.Description + "。"
			sub, err := s.Orders.SubmitInternalTx(ctx, tx, p, workorder.InternalOrder{Kind: workorder.KindRectification, Title: title,
				Description: truncate(desc, workorder.MaxDescriptionLen), Lat: in.Lat, Lng: in.Lng, RegionID: pt.RegionID, UnitID: in.UnitID,
				ResolveDue: RectifyDue(SeverityNormal, now), PhotoIDs: ids[:1], Source: "patrol " + strconv.FormatInt(pt.ID, 10), At: now})
			if err != nil {
				return err
			}
			order = sub.ID
		}
		id, err = tx.InsertID(ctx, `INSERT INTO inspection_patrol_findings (patrol_id, kind, description, unit_id, lat, lng, fixed, before_photo_id,
			after_photo_id, order_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			pt.ID, string(in.Kind), in.Description, in.UnitID, in.Lat, in.Lng, in.Fixed, ids[0], after, order, now.UnixMilli())
		if err != nil {
			return err
		}
		return record(ctx, tx, p, now, "create", "inspection_patrol_finding", id, in.Description, nil,
			map[string]any{"patrol_id": pt.ID, "fixed": in.Fixed, "unit_id": in.UnitID})
	})
	if err != nil {
		return PatrolFinding{}, err
	}
	committed = true
	pt, err = s.GetPatrol(ctx, p, patrolID)
	for _, x := range pt.Findings {
		if x.ID == id {
			return x, err
		}
	}
	return PatrolFinding{}, err
}

// EndPatrol closes the caller's patrol; a second end changes nothing.
func (s *Service) EndPatrol(ctx context.Context, p *auth.Principal, id int64) error {
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var by int64
		if err := tx.Get(ctx, "inspection.entity.patrol", "SELECT patroller_id FROM inspection_patrols WHERE id = ?", []any{id}, &by); err != nil {
			return err
		}
		if by != p.UserID {
			return errs.E(errs.Forbidden, "inspection.patrol.not_yours")
		}
		res, err := tx.Exec(ctx, "UPDATE inspection_patrols SET ended_at = ? WHERE id = ? AND ended_at IS NULL", now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "inspection.patrol.ended")
		}
		return record(ctx, tx, p, now, "end", "inspection_patrol", id, "", nil, nil)
	})
}

const patrolCols = `pt.id, pt.team_id, tm.name, tm.name_en, COALESCE(us.display_name, ''), pt.patroller_id, pt.region_id, r.name, r.name_en, pt.route, pt.note, pt.started_at, pt.ended_at,
	(SELECT COUNT(*) FROM inspection_patrol_findings x WHERE x.patrol_id = pt.id),
	(SELECT COUNT(*) FROM inspection_patrol_findings x WHERE x.patrol_id = pt.id AND x.fixed = TRUE)`

const patrolFrom = ` FROM inspection_patrols pt JOIN units tm ON tm.id = pt.team_id JOIN regions r ON r.id = pt.region_id
	LEFT JOIN users us ON us.id = pt.patroller_id`

func scanPatrol(scan func(...any) error) (Patrol, error) {
	var x Patrol
	var started int64
	var ended *int64
	err := scan(&x.ID, &x.TeamID, &x.TeamName, &x.TeamEN, &x.Patroller, &x.ByID, &x.RegionID, &x.RegionName, &x.RegionEN, &x.Route, &x.Note, &started, &ended, &x.Found, &x.Fixed)
	x.StartedAt = time.UnixMilli(started)
	if ended != nil {
		t := time.UnixMilli(*ended)
		x.EndedAt = &t
	}
	return x, err
}

// GetPatrol returns a patrol the caller sees, with its findings.
func (s *Service) GetPatrol(ctx context.Context, p *auth.Principal, id int64) (Patrol, error) {
	if err := canView(p); err != nil && !p.Can(auth.PermInspect) {
		return Patrol{}, err
	}
	where, args := patrolVisible(p)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Patrol, error) {
		x, err := scanPatrol(func(d ...any) error {
			return tx.Get(ctx, "inspection.entity.patrol", "SELECT "+patrolCols+patrolFrom+" WHERE pt.id = ? AND "+where, append([]any{id}, args...), d...)
		})
		if err != nil {
			return x, err
		}
		rows, err := tx.Query(ctx, `SELECT f.id, f.kind, f.description, f.unit_id, u.name, u.name_en, f.lat, f.lng, f.fixed, f.before_photo_id, COALESCE(f.after_photo_id, 0),
			COALESCE(f.order_id, 0), COALESCE(w.code, ''), COALESCE(w.state, ''), f.created_at
			FROM inspection_patrol_findings f JOIN units u ON u.id = f.unit_id LEFT JOIN workorders w ON w.id = f.order_id
			WHERE f.patrol_id = ? ORDER BY f.id`, id)
		if err != nil {
			return x, err
		}
		defer rows.Close()
		for rows.Next() {
			var y PatrolFinding
			var at int64
			if err := rows.Scan(&y.ID, &y.Kind, &y.Description, &y.UnitID, &y.UnitName, &y.UnitEN, &y.Lat, &y.Lng, &y.Fixed, &y.BeforePhoto, &y.AfterPhoto,
				&y.OrderID, &y.OrderCode, &y.OrderState, &at); err != nil {
				return x, err
			}
			y.CreatedAt = time.UnixMilli(at)
			x.Findings = append(x.Findings, y)
		}
		return x, rows.Err()
	})
}

// ListPatrols returns the latest patrols the caller sees (at most 200).
func (s *Service) ListPatrols(ctx context.Context, p *auth.Principal) ([]Patrol, error) {
	if err := canView(p); err != nil && !p.Can(auth.PermInspect) {
		return nil, err
	}
	where, args := patrolVisible(p)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Patrol, error) {
		rows, err := tx.Query(ctx, "SELECT "+patrolCols+patrolFrom+" WHERE "+where+" ORDER BY pt.started_at DESC, pt.id DESC LIMIT 200", args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Patrol
		for rows.Next() {
			x, err := scanPatrol(rows.Scan)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, rows.Err()
	})
}

// CheckPatrolFinding closes a resolved patrol finding's order (pass) or
// sends it back to the unit (fail), as a recheck does.
func (s *Service) CheckPatrolFinding(ctx context.Context, p *auth.Principal, id int64, pass bool) error {
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var order *int64
		if err := tx.Get(ctx, "inspection.entity.patrol_finding", "SELECT order_id FROM inspection_patrol_findings WHERE id = ?", []any{id}, &order); err != nil {
			return err
		}
		if order == nil {
			return errs.E(errs.Conflict, "inspection.patrol.fixed_already")
		}
		action, note := workorder.ActionRecheckPass, "巡查问题复查通过"
		if !pass {
			action, note = workorder.ActionRecheckFail, "巡查问题复查未通过"
		}
		if _, err := s.Orders.StepTx(ctx, tx, p, *order, workorder.ActionInput{Action: action, Note: note}, now); err != nil {
			return err
		}
		return record(ctx, tx, p, now, string(action), "inspection_patrol_finding", id, note, nil, nil)
	})
}

// PatrolTotals are the patrol figures' sums: patrols started in the
// period (by the region walked), their findings and those fixed on the
// spot (by the region walked or the unit responsible).
type PatrolTotals struct {
	Patrols, Findings, Fixed int64
}

// PatrolFigureTotals sums the patrols the caller sees in the scope.
func (s *Service) PatrolFigureTotals(ctx context.Context, p *auth.Principal, sc figures.Scope) (PatrolTotals, error) {
	if err := canView(p); err != nil {
		return PatrolTotals{}, err
	}
	where, args := patrolVisible(p)
	cond, cargs := "", []any{}
	if t, err := time.ParseInLocation(time.DateOnly, sc.From, clock.CST); err == nil {
		cond, cargs = cond+" AND pt.started_at >= ?", append(cargs, t.UnixMilli())
	}
	if t, err := time.ParseInLocation(time.DateOnly, sc.To, clock.CST); err == nil {
		cond, cargs = cond+" AND pt.started_at < ?", append(cargs, t.AddDate(0, 0, 1).UnixMilli())
	}
	if sc.RegionID != 0 {
		cond, cargs = cond+" AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'", append(cargs, sc.RegionID)
	}
	var t PatrolTotals
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if sc.UnitID == 0 {
			if err := tx.Get(ctx, "", "SELECT COUNT(*) FROM inspection_patrols pt JOIN regions r ON r.id = pt.region_id WHERE "+where+cond,
				append(append([]any{}, args...), cargs...), &t.Patrols); err != nil {
				return err
			}
		}
		q := `SELECT COUNT(*), COALESCE(SUM(CASE WHEN f.fixed THEN 1 ELSE 0 END), 0) FROM inspection_patrol_findings f
			JOIN inspection_patrols pt ON pt.id = f.patrol_id JOIN regions r ON r.id = pt.region_id JOIN units u ON u.id = f.unit_id WHERE ` + where + cond
		a := append(append([]any{}, args...), cargs...)
		if sc.UnitID != 0 {
			q, a = q+" AND u.path LIKE (SELECT path FROM units WHERE id = ?) || '%'", append(a, sc.UnitID)
		}
		return tx.Get(ctx, "", q, a, &t.Findings, &t.Fixed)
	})
	if sc.UnitID != 0 { // a unit's patrols are the ones that found something of it
		err = errors.Join(err, s.DB.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "", `SELECT COUNT(DISTINCT pt.id) FROM inspection_patrols pt JOIN regions r ON r.id = pt.region_id
				JOIN inspection_patrol_findings f ON f.patrol_id = pt.id JOIN units u ON u.id = f.unit_id
				WHERE `+where+cond+" AND u.path LIKE (SELECT path FROM units WHERE id = ?) || '%'",
				append(append(append([]any{}, args...), cargs...), sc.UnitID), &t.Patrols)
		}))
	}
	return t, err
}

// The patrol figures.
const (
	FigPatrols        = "patrols"
	FigPatrolFindings = "patrol_findings"
	FigPatrolFixed    = "patrol_fixed"
)

func init() {
	for _, name := range []string{FigPatrols, FigPatrolFindings, FigPatrolFixed} {
		figures.Register(figures.Figure{ID: "inspection." + name, LabelKey: "inspection.figure." + name, DefKey: "inspection.figure." + name + ".def",
			Compute: func(ctx context.Context, p *auth.Principal, sc figures.Scope) (figures.Value, error) {
				s, ok := ctx.Value(serviceKey{}).(*Service)
				if !ok {
					return figures.Value{}, errors.New("inspection: figures computed without a service (see Service.FiguresContext)")
				}
				t, err := s.PatrolFigureTotals(ctx, p, sc)
				switch name {
				case FigPatrols:
					return figures.Value{Count: t.Patrols}, err
				case FigPatrolFindings:
					return figures.Value{Count: t.Findings}, err
				default:
					r := figures.Of(t.Fixed, t.Findings)
					return figures.Value{Count: t.Fixed, Rate: &r}, err
				}
			}, Link: func(figures.Scope) string { return "/inspection/patrols" }, LinkPerm: auth.PermInspectionView})
	}
}

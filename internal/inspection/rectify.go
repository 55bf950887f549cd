package inspection

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Rectifications (整改). Submitting an inspection turns each failed item
// into a work order of kind rectification to the site's responsible unit
// (workorder.Service.SubmitInternalTx, in the inspection's transaction):
// the item's title and the rule broken, the count and the note, the photo,
// the site's place, and a resolve deadline by the item's severity
// (RectifyDays). From there it lives the life of every work order
// (acknowledge, return, extension, resolve with evidence) on the unit's
// work-order screens. When the unit has resolved it, an inspector rechecks
// it on the spot (Recheck): a pass closes it, a failure reopens it with the
// reason and counts against the unit (failed_rechecks). Inspection never
// writes the work-order tables; it reads an order's state and deadline
// beside its own rows for its lists (rectCols) and steps orders only
// through the work-order service.

// RectifyDays is how long a unit has to rectify a finding of each
// severity: to the end of the day (China Standard Time) that many days
// after the inspection was submitted. Serious findings (a missing fair
// scale, dust on a building site) by the end of tomorrow, ordinary ones
// within three days, minor ones within the week.
var RectifyDays = map[Severity]int{SeveritySerious: 1, SeverityNormal: 3, SeverityMinor: 7}

// RectifyDue is the resolve deadline of a finding of severity sev
// submitted at t: 23:59:59 CST of the RectifyDays'th day after t's day.
func RectifyDue(sev Severity, t time.Time) time.Time {
	n, ok := RectifyDays[sev]
	if !ok {
		n = RectifyDays[SeverityNormal]
	}
	d := t.In(clock.CST)
	return time.Date(d.Year(), d.Month(), d.Day()+n, 23, 59, 59, 0, clock.CST)
}

// RectState is where a rectification stands, from its order's state.
type RectState string

const (
	RectOpen      RectState = "open"      // with the unit: to be acknowledged or rectified
	RectReturned  RectState = "returned"  // the unit says it is not theirs: HQ reassigns it
	RectToRecheck RectState = "recheck"   // resolved by the unit, waiting for the inspector
	RectClosed    RectState = "closed"    // the recheck passed
	RectOther     RectState = "cancelled" // rejected or otherwise ended
)

// RectStates lists them in list order.
var RectStates = []RectState{RectOpen, RectReturned, RectToRecheck, RectClosed, RectOther}

// Key is the state's message key.
func (s RectState) Key() string { return "inspection.rect_state." + string(s) }

// rectStateOf maps the order's state.
func rectStateOf(st workorder.State) RectState {
	switch {
	case st == workorder.StateResolved:
		return RectToRecheck
	case st == workorder.StateClosed:
		return RectClosed
	case st == workorder.StateReturned:
		return RectReturned
	case st.WithUnit() || st == workorder.StateSubmitted || st == workorder.StateAccepted:
		return RectOpen
	}
	return RectOther
}

// orderStatesOf are the order states of a rectification state (for SQL).
func orderStatesOf(s RectState) []any {
	var out []any
	for _, st := range workorder.States {
		if rectStateOf(st) == s {
			out = append(out, string(st))
		}
	}
	return out
}

// Rectification is one finding being rectified.
type Rectification struct {
	ID             int64           `json:"id"`
	InspectionID   int64           `json:"inspection_id"`
	ResultID       int64           `json:"result_id"`
	SiteID         int64           `json:"site_id"`
	SiteCode       string          `json:"site_code"`
	SiteName       string          `json:"site_name"`
	Address        string          `json:"address"`
	UnitID         int64           `json:"unit_id"`
	UnitName       string          `json:"unit_name"`
	GroupID        int64           `json:"group_id"`
	GroupName      string          `json:"group_name"`
	OrderID        int64           `json:"order_id"`
	OrderCode      string          `json:"order_code"`
	OrderState     workorder.State `json:"order_state"`
	State          RectState       `json:"state"`
	IndicatorCode  string          `json:"indicator_code"`
	Title          string          `json:"title"`
	Rule           string          `json:"rule"`
	Severity       Severity        `json:"severity"`
	Count          int             `json:"count"`
	Note           string          `json:"note"`
	PhotoID        int64           `json:"photo_id"`
	DueAt          time.Time       `json:"due_at"` // the resolve deadline in force (an approved extension moves it)
	ResolvedAt     *time.Time      `json:"resolved_at"`
	ClosedAt       *time.Time      `json:"closed_at"`
	Overdue        bool            `json:"overdue"`
	Rechecks       int             `json:"rechecks"`
	FailedRechecks int             `json:"failed_rechecks"`
	CreatedAt      time.Time       `json:"created_at"`
	// Filled by GetRectification: the unit's resolution and its evidence
	// photos, and the rechecks so far.
	Resolution    string    `json:"resolution,omitempty"`
	EvidenceIDs   []int64   `json:"evidence_photo_ids,omitempty"`
	RecheckList   []Recheck `json:"recheck_list,omitempty"`
	CanRecheck    bool      `json:"can_recheck"`
	InspectedAt   time.Time `json:"inspected_at"`
	SiteLat       *float64  `json:"site_lat"`
	SiteLng       *float64  `json:"site_lng"`
	InspectorName string    `json:"inspector_name"`
	// The English names (empty: the page shows the Chinese ones).
	SiteEN    string `json:"site_name_en"`
	AddressEN string `json:"address_en"`
	UnitEN    string `json:"unit_name_en"`
	GroupEN   string `json:"group_name_en"`
	TitleEN   string `json:"title_en"`
	RuleEN    string `json:"rule_en"`
}

// DueText is the deadline as shown (CST).
func (x Rectification) DueText() string { return x.DueAt.In(clock.CST).Format("2006-01-02 15:04") }

// Recheck is one recheck of a rectification.
type Recheck struct {
	ID        int64     `json:"id"`
	Inspector string    `json:"inspector_name"`
	At        time.Time `json:"at"`
	Passed    bool      `json:"passed"`
	Note      string    `json:"note"`
	PhotoID   int64     `json:"photo_id"`
	Distance  *int      `json:"distance_m"`
	Far       bool      `json:"far"`
}

const rectCols = `x.id, x.inspection_id, x.result_id, x.site_id, s.code, s.name, s.address, x.unit_id, u.name, COALESCE(x.group_id, 0),
	COALESCE(g.name, ''), x.order_id, w.code, w.state, res.indicator_code, res.title, res.rule, res.severity, res.count, res.note,
	COALESCE(res.photo_id, 0), COALESCE(w.resolve_due_at, x.due_at), w.resolved_at, w.closed_at, w.resolve_overdue OR w.ack_overdue,
	x.rechecks, x.failed_rechecks, x.created_at, i.inspected_at, s.lat, s.lng, COALESCE(us.display_name, ''),
	s.name_en, s.address_en, u.name_en, COALESCE(g.name_en, ''), res.title_en, res.rule_en`

// rectFrom joins the rectification's inspection (its visibility is the
// inspection's) and reads its order's state and deadline.
const rectFrom = ` FROM inspection_rectifications x JOIN inspections i ON i.id = x.inspection_id
	JOIN inspection_results res ON res.id = x.result_id JOIN inspection_sites s ON s.id = x.site_id
	JOIN regions r ON r.id = s.region_id JOIN units u ON u.id = x.unit_id LEFT JOIN units g ON g.id = x.group_id
	JOIN workorders w ON w.id = x.order_id LEFT JOIN users us ON us.id = i.inspector_id`

func scanRect(dest func(...any) error) (Rectification, error) {
	var x Rectification
	var due, created, inspected int64
	var resolved, closed *int64
	var st string
	err := dest(&x.ID, &x.InspectionID, &x.ResultID, &x.SiteID, &x.SiteCode, &x.SiteName, &x.Address, &x.UnitID, &x.UnitName, &x.GroupID,
		&x.GroupName, &x.OrderID, &x.OrderCode, &st, &x.IndicatorCode, &x.Title, &x.Rule, &x.Severity, &x.Count, &x.Note,
		&x.PhotoID, &due, &resolved, &closed, &x.Overdue, &x.Rechecks, &x.FailedRechecks, &created, &inspected, &x.SiteLat, &x.SiteLng,
		&x.InspectorName, &x.SiteEN, &x.AddressEN, &x.UnitEN, &x.GroupEN, &x.TitleEN, &x.RuleEN)
	x.OrderState = workorder.State(st)
	x.State = rectStateOf(x.OrderState)
	x.DueAt, x.CreatedAt, x.InspectedAt = time.UnixMilli(due), time.UnixMilli(created), time.UnixMilli(inspected)
	if resolved != nil {
		t := time.UnixMilli(*resolved)
		x.ResolvedAt = &t
	}
	if closed != nil {
		t := time.UnixMilli(*closed)
		x.ClosedAt = &t
	}
	return x, err
}

// rectVisible: a rectification is seen by whoever sees its inspection.
func rectVisible(p *auth.Principal) (string, []any) { return inspectionVisible(p) }

// fileRectifications turns the failed results of a just-written inspection
// into rectifications, in its transaction. results carry their ids.
func (s *Service) fileRectifications(ctx context.Context, tx *db.Tx, p *auth.Principal, x Inspection, site Site, results []Result, ids []int64, now time.Time) error {
	if s.Orders == nil {
		return errors.New("inspection: no work-order service to file rectifications with")
	}
	lat, lng := site.Lat, site.Lng
	if lat == nil && x.Lat != nil { // a road: where the inspector stood
		lat, lng = x.Lat, x.Lng
	}
	for i, r := range results {
		if r.Outcome != OutcomeFail {
			continue
		}
		due := RectifyDue(r.Severity, now)
		title := truncate(site.Name+"："+r.Title, workorder.MaxTitleLen)
		desc := fmt.Sprintf("督查发现问题（%s，%s）：%s。标准：%s。发现 %d 处。", site.Code, site.SiteTypeName, r.Title, r.Rule, r.Count)
		if r.Note != "" {
			desc += "现场记录：" + r.Note + "。"
		}
		var photos []int64
		if r.PhotoID != 0 {
			photos = []int64{r.PhotoID}
		}
		sub, err := s.Orders.SubmitInternalTx(ctx, tx, p, workorder.InternalOrder{Kind: workorder.KindRectification, Title: title,
			Description: truncate(desc, workorder.MaxDescriptionLen), Address: truncate(site.Address, workorder.MaxAddressLen), Lat: lat, Lng: lng,
			RegionID: site.RegionID, UnitID: site.UnitID, ResolveDue: due, PhotoIDs: photos,
			Source: "inspection " + strconv.FormatInt(x.ID, 10), At: now})
		if err != nil {
			return err
		}
		var group any
		if x.GroupID != 0 {
			group = x.GroupID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inspection_rectifications (inspection_id, result_id, site_id, unit_id, group_id, order_id,
			severity, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			x.ID, ids[i], site.ID, site.UnitID, group, sub.ID, string(r.Severity), due.UnixMilli(), now.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// RectFilter selects rectifications.
type RectFilter struct {
	State        RectState
	UnitID       int64
	SiteID       int64
	InspectionID int64
	GroupID      int64
	Overdue      bool
	Page, Size   int
}

// ListRectifications returns a page of the rectifications the caller
// sees, the nearest deadline first.
func (s *Service) ListRectifications(ctx context.Context, p *auth.Principal, f RectFilter) ([]Rectification, int, error) {
	if err := canView(p); err != nil {
		return nil, 0, err
	}
	where, args := rectVisible(p)
	conds := []string{where}
	if f.State != "" {
		sts := orderStatesOf(f.State)
		if len(sts) == 0 {
			return nil, 0, errs.E(errs.Invalid, "field.bad_choice")
		}
		conds, args = append(conds, "w.state IN ("+db.Placeholders(len(sts))+")"), append(args, sts...)
	}
	for _, c := range []struct {
		v    int64
		cond string
	}{{f.UnitID, "x.unit_id = ?"}, {f.SiteID, "x.site_id = ?"}, {f.InspectionID, "x.inspection_id = ?"}, {f.GroupID, "x.group_id = ?"}} {
		if c.v != 0 {
			conds, args = append(conds, c.cond), append(args, c.v)
		}
	}
	if f.Overdue {
		conds = append(conds, "(w.resolve_overdue = TRUE OR w.ack_overdue = TRUE)")
	}
	w := " WHERE " + strings.Join(conds, " AND ")
	size, offset := pageOf(f.Page, f.Size)
	var out []Rectification
	var total int
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		n, err := tx.Count(ctx, "SELECT COUNT(*)"+rectFrom+w, args...)
		if err != nil {
			return err
		}
		total = int(n)
		rows, err := tx.Query(ctx, "SELECT "+rectCols+rectFrom+w+" ORDER BY COALESCE(w.resolve_due_at, x.due_at), x.id LIMIT "+
			strconv.Itoa(size)+" OFFSET "+strconv.Itoa(offset), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scanRect(rows.Scan)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, total, err
}

func getRect(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Rectification, error) {
	where, args := rectVisible(p)
	return scanRect(func(d ...any) error {
		return tx.Get(ctx, "inspection.entity.rectification", "SELECT "+rectCols+rectFrom+" WHERE x.id = ? AND "+where, append([]any{id}, args...), d...)
	})
}

// GetRectification returns one rectification the caller sees, with the
// unit's resolution and evidence (from its order, through the work-order
// service) and its rechecks.
func (s *Service) GetRectification(ctx context.Context, p *auth.Principal, id int64) (Rectification, error) {
	if err := canView(p); err != nil {
		return Rectification{}, err
	}
	x, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Rectification, error) {
		x, err := getRect(ctx, tx, p, id)
		if err != nil {
			return x, err
		}
		rows, err := tx.Query(ctx, `SELECT c.id, COALESCE(u.display_name, ''), c.at, c.passed, c.note, COALESCE(c.photo_id, 0), c.distance_m, c.far
			FROM inspection_rechecks c LEFT JOIN users u ON u.id = c.inspector_id WHERE c.rectification_id = ? ORDER BY c.id`, id)
		if err != nil {
			return x, err
		}
		defer rows.Close()
		for rows.Next() {
			var c Recheck
			var at int64
			if err := rows.Scan(&c.ID, &c.Inspector, &at, &c.Passed, &c.Note, &c.PhotoID, &c.Distance, &c.Far); err != nil {
				return x, err
			}
			c.At = time.UnixMilli(at)
			x.RecheckList = append(x.RecheckList, c)
		}
		return x, rows.Err()
	})
	if err != nil {
		return x, err
	}
	if s.Orders != nil {
		o, err := s.Orders.GetInternal(ctx, x.OrderID)
		if err != nil {
			return x, err
		}
		x.Resolution = o.Resolution
		for _, ev := range o.Events {
			if ev.Action == string(workorder.ActionResolve) {
				x.EvidenceIDs = append(x.EvidenceIDs, ev.PhotoIDs...)
			}
		}
	}
	x.CanRecheck = x.State == RectToRecheck && p.Can(auth.PermInspect)
	return x, nil
}

// HasPhoto reports whether a photo belongs to the rectification: the
// finding's, the unit's evidence or a recheck's.
func (x Rectification) HasPhoto(id int64) bool {
	if id == 0 {
		return false
	}
	if x.PhotoID == id {
		return true
	}
	for _, e := range x.EvidenceIDs {
		if e == id {
			return true
		}
	}
	for _, c := range x.RecheckList {
		if c.PhotoID == id {
			return true
		}
	}
	return false
}

// RecheckInput is an inspector's recheck from the phone.
type RecheckInput struct {
	Key      string // the phone's idempotency key
	Passed   bool
	Note     string // required when it fails
	Photo    *photo.Prepared
	Lat, Lng *float64
}

// Recheck records an inspector's recheck of a resolved rectification and
// takes its order's step in the same transaction: a pass closes it, a
// failure (with its reason and a photo) reopens it with a fresh deadline
// and counts against the unit. A re-send with a key already used answers
// with the rectification as it stands and changes nothing.
func (s *Service) Recheck(ctx context.Context, p *auth.Principal, id int64, in RecheckInput) (Rectification, error) {
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return Rectification{}, err
	}
	in.Key, in.Note = strings.TrimSpace(in.Key), strings.TrimSpace(in.Note)
	if !keyRe.MatchString(in.Key) {
		return Rectification{}, errs.E(errs.Invalid, "inspection.submit.bad_key")
	}
	if n, err := s.recheckByKey(ctx, p, in.Key); err != nil {
		return Rectification{}, err
	} else if n > 0 {
		return s.GetRectification(ctx, p, id)
	}
	x, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Rectification, error) { return getRect(ctx, tx, p, id) })
	if err != nil {
		return x, err
	}
	var f errs.Fields
	if !in.Passed {
		if in.Note == "" {
			f.Add("note", "inspection.recheck.reason_required")
		}
		if in.Photo == nil {
			f.Add("photo", "inspection.submit.photo_required")
		}
	}
	checkLen(&f, "note", in.Note, 500, false)
	if (in.Lat == nil) != (in.Lng == nil) || (in.Lat != nil && (*in.Lat < -90 || *in.Lat > 90 || *in.Lng < -180 || *in.Lng > 180)) {
		f.Add("lat", "inspection.submit.bad_position")
	}
	if err := f.Err(); err != nil {
		return x, err
	}
	if x.State != RectToRecheck {
		return x, errs.E(errs.Conflict, "inspection.recheck.not_resolved")
	}
	var dist any
	far := true
	if in.Lat != nil && x.SiteLat != nil && x.SiteLng != nil {
		d := Distance(*x.SiteLat, *x.SiteLng, *in.Lat, *in.Lng)
		dist, far = int(math.Round(d)), d > FarMetres
	}
	var staged *photo.Staged
	if in.Photo != nil {
		if s.Photos == nil {
			return x, errs.E(errs.Internal, "err.internal")
		}
		if staged, err = s.Photos.Stage(ctx, []*photo.Prepared{in.Photo}); err != nil {
			return x, err
		}
	}
	committed := false
	defer func() {
		if staged != nil {
			staged.Finish(context.WithoutCancel(ctx), committed)
		}
	}()
	now := s.now()
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var photoID any
		var photos []int64
		if staged != nil {
			ids, err := staged.Commit(ctx, tx, p.UserID)
			if err != nil {
				return err
			}
			photoID, photos = ids[0], ids
		}
		rows, err := tx.Query(ctx, `INSERT INTO inspection_rechecks (rectification_id, inspector_id, client_key, at, passed, note, photo_id,
			lat, lng, distance_m, far) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (inspector_id, client_key) DO NOTHING RETURNING id`,
			x.ID, p.UserID, in.Key, now.UnixMilli(), in.Passed, in.Note, photoID, in.Lat, in.Lng, dist, far)
		if err != nil {
			return err
		}
		got := rows.Next()
		rows.Close()
		if !got {
			return errReplay
		}
		action := workorder.ActionRecheckPass
		if !in.Passed {
			action = workorder.ActionRecheckFail
		}
		note := in.Note
		if note == "" {
			note = "复查合格"
		}
		if _, err := s.Orders.StepTx(ctx, tx, p, x.OrderID, workorder.ActionInput{Action: action, Note: note, PhotoIDs: photos}, now); err != nil {
			return err
		}
		failed := 0
		if !in.Passed {
			failed = 1
		}
		if _, err := tx.Exec(ctx, "UPDATE inspection_rectifications SET rechecks = rechecks + 1, failed_rechecks = failed_rechecks + ? WHERE id = ?",
			failed, x.ID); err != nil {
			return err
		}
		verdict := "pass"
		if !in.Passed {
			verdict = "fail"
		}
		return record(ctx, tx, p, now, "recheck", "inspection_rectification", x.ID, x.OrderCode+" "+verdict, nil, map[string]any{"passed": in.Passed, "note": in.Note})
	})
	if errors.Is(err, errReplay) {
		return s.GetRectification(ctx, p, id)
	}
	if err != nil {
		return x, err
	}
	committed = true
	return s.GetRectification(ctx, p, id)
}

func (s *Service) recheckByKey(ctx context.Context, p *auth.Principal, key string) (int64, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		return tx.Count(ctx, "SELECT COUNT(*) FROM inspection_rechecks WHERE inspector_id = ? AND client_key = ?", p.UserID, key)
	})
}

// RectTotals are a scope's rectification counts (the figures).
type RectTotals struct {
	Filed, Closed, ClosedOnTime, Open, Overdue, FailedRechecks int64
}

// RectificationTotals counts the rectifications the caller sees that were
// filed in [from, to) (zero: open), optionally of one unit's subtree.
func (s *Service) RectificationTotals(ctx context.Context, p *auth.Principal, from, to time.Time, unitID, regionID int64) (RectTotals, error) {
	if err := canView(p); err != nil {
		return RectTotals{}, err
	}
	where, args := rectVisible(p)
	q := `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN w.state = 'closed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN w.state = 'closed' AND w.resolved_at <= COALESCE(w.resolve_due_at, x.due_at) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN w.state NOT IN ('closed', 'rejected', 'answered_at_intake', 'merged') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN w.resolve_overdue OR w.ack_overdue THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(x.failed_rechecks), 0)` + rectFrom + " WHERE " + where
	if !from.IsZero() {
		q, args = q+" AND x.created_at >= ?", append(args, from.UnixMilli())
	}
	if !to.IsZero() {
		q, args = q+" AND x.created_at < ?", append(args, to.UnixMilli())
	}
	if unitID != 0 {
		q, args = q+" AND u.path LIKE (SELECT path FROM units WHERE id = ?) || '%'", append(args, unitID)
	}
	if regionID != 0 {
		q, args = q+" AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'", append(args, regionID)
	}
	var t RectTotals
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "inspection.entity.rectification", q, args, &t.Filed, &t.Closed, &t.ClosedOnTime, &t.Open, &t.Overdue, &t.FailedRechecks)
	})
	return t, err
}

package inspection

import (
	"context"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/photo"
)

// FarMetres is how far from its site an inspection may be submitted before
// it is flagged (GPS on a phone is good to tens of metres; a long road's
// position is its nearest vertex).
const FarMetres = 500

// MaxCount bounds the findings of one item.
const MaxCount = 999

// ClockSkew is how far in the future a phone's time stamp may lie; a
// stamp older than MaxDraftAge is refused (a draft kept offline that long
// is stale).
const (
	ClockSkew   = 10 * time.Minute
	MaxDraftAge = 14 * 24 * time.Hour
)

var keyRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// ResultInput is one item's result as the phone sends it.
type ResultInput struct {
	ItemID  int64
	Outcome Outcome
	Count   int
	Note    string
	Photo   *photo.Prepared // required for a failure
}

// SubmitInput is a completed checklist as the phone sends it.
type SubmitInput struct {
	SiteID      int64
	Key         string // the phone's idempotency key for this inspection
	InspectedAt time.Time
	Lat, Lng    *float64
	Accuracy    *int
	Note        string
	Results     []ResultInput
}

// Inspection is one inspection of a site.
type Inspection struct {
	ID          int64     `json:"id"`
	SiteID      int64     `json:"site_id"`
	SiteCode    string    `json:"site_code"`
	SiteName    string    `json:"site_name"`
	SiteType    string    `json:"site_type_name"`
	GroupID     int64     `json:"group_id"`
	GroupName   string    `json:"group_name"`
	UnitID      int64     `json:"unit_id"`
	UnitName    string    `json:"unit_name"`
	SiteEN      string    `json:"site_name_en"`
	SiteTypeEN  string    `json:"site_type_name_en"`
	GroupEN     string    `json:"group_name_en"`
	UnitEN      string    `json:"unit_name_en"`
	InspectorID int64     `json:"inspector_id"`
	Inspector   string    `json:"inspector_name"`
	PlanID      int64     `json:"plan_id"`
	Week        string    `json:"week"`
	InspectedAt time.Time `json:"inspected_at"`
	SubmittedAt time.Time `json:"submitted_at"`
	Lat         *float64  `json:"lat"`
	Lng         *float64  `json:"lng"`
	Accuracy    *int      `json:"accuracy_m"`
	Distance    *int      `json:"distance_m"`
	Far         bool      `json:"far"`
	Earned      Points    `json:"earned_centi"`
	Possible    Points    `json:"possible_centi"`
	Rate        int       `json:"rate"` // hundredths of a percent
	Rated       bool      `json:"rated"`
	Findings    int       `json:"findings"`
	Passed      bool      `json:"passed"`
	Note        string    `json:"note"`
	Results     []Result  `json:"results,omitempty"`
	// Replayed is true when the answer is to a re-send of an inspection
	// already stored (its idempotency key was known).
	Replayed bool `json:"replayed"`
}

// RateText is the rate as "92.5".
func (x Inspection) RateText() string { return Points(x.Rate).String() }

// Result is one item's stored result.
type Result struct {
	ItemID        int64    `json:"item_id"`
	IndicatorCode string   `json:"indicator_code"`
	Title         string   `json:"title"`
	Rule          string   `json:"rule"`
	Points        Points   `json:"points_centi"`
	Deduct        Points   `json:"deduct_centi"`
	Cap           Points   `json:"cap_centi"`
	Severity      Severity `json:"severity"`
	Outcome       Outcome  `json:"outcome"`
	Count         int      `json:"count"`
	Deduction     Points   `json:"deduction_centi"`
	Note          string   `json:"note"`
	PhotoID       int64    `json:"photo_id"`
	TitleEN       string   `json:"title_en"` // the item's, as it was (empty: the page shows Title)
	RuleEN        string   `json:"rule_en"`
}

// Distance is the great-circle distance in metres.
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lng2-lng1)*math.Pi/180
	a := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// siteDistance is how far a position is from a site: from its point, or
// from the nearest vertex of its line; ok is false when the site has no place.
func siteDistance(x Site, lat, lng float64) (float64, bool) {
	if x.Shape == ShapeLine && x.Line != "" {
		best := math.Inf(1)
		for _, pt := range strings.Split(x.Line, ";") {
			ll := strings.Split(pt, ",")
			if len(ll) != 2 {
				continue
			}
			a, err1 := strconv.ParseFloat(ll[0], 64)
			b, err2 := strconv.ParseFloat(ll[1], 64)
			if err1 == nil && err2 == nil {
				best = min(best, Distance(a, b, lat, lng))
			}
		}
		return best, !math.IsInf(best, 1)
	}
	if x.Lat == nil || x.Lng == nil {
		return 0, false
	}
	return Distance(*x.Lat, *x.Lng, lat, lng), true
}

// Submit stores a completed checklist: every item of the site's checklist
// answered once (a failure with its count and photo; N/A only where the
// item allows it), scored by ScoreOf, placed by GPS (far from the site, or
// without a position, is flagged, not refused) and stamped with the
// phone's time. A re-send with a key the inspector has used answers with
// the inspection already stored (Replayed) and stores nothing.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, in SubmitInput) (Inspection, error) {
	if err := auth.Require(p, auth.PermInspect); err != nil {
		return Inspection{}, err
	}
	in.Key = strings.TrimSpace(in.Key)
	if !keyRe.MatchString(in.Key) {
		return Inspection{}, errs.E(errs.Invalid, "inspection.submit.bad_key")
	}
	// A re-send is answered before anything else is looked at.
	if x, err := s.byKey(ctx, p, in.Key); err == nil {
		x.Replayed = true
		return x, nil
	} else if !errs.Is(err, errs.NotFound) {
		return x, err
	}
	site, err := s.GetSite(ctx, p, in.SiteID)
	if err != nil {
		return Inspection{}, err
	}
	items, err := s.CheckItems(ctx, p, site.SiteTypeID)
	if err != nil {
		return Inspection{}, err
	}
	now := s.now()
	var f errs.Fields
	if !site.Active {
		return Inspection{}, errs.E(errs.Conflict, "inspection.submit.site_inactive")
	}
	if in.InspectedAt.IsZero() || in.InspectedAt.After(now.Add(ClockSkew)) || in.InspectedAt.Before(now.Add(-MaxDraftAge)) {
		f.Add("inspected_at", "inspection.submit.bad_time")
	}
	if (in.Lat == nil) != (in.Lng == nil) || (in.Lat != nil && (*in.Lat < -90 || *in.Lat > 90 || *in.Lng < -180 || *in.Lng > 180)) {
		f.Add("lat", "inspection.submit.bad_position")
	}
	checkLen(&f, "note", strings.TrimSpace(in.Note), 1000, false)
	byItem := map[int64]ResultInput{}
	for _, r := range in.Results {
		if _, dup := byItem[r.ItemID]; dup {
			f.Add("item_"+strconv.FormatInt(r.ItemID, 10), "inspection.submit.duplicate_item")
		}
		byItem[r.ItemID] = r
	}
	var scored []Scored
	var results []Result
	var photos []*photo.Prepared
	for _, it := range items {
		field := "item_" + strconv.FormatInt(it.ID, 10)
		r, ok := byItem[it.ID]
		delete(byItem, it.ID)
		switch {
		case !ok || r.Outcome == "":
			f.Add(field, "inspection.submit.unanswered")
			continue
		case !r.Outcome.Valid():
			f.Add(field, "field.bad_choice")
			continue
		case r.Outcome == OutcomeNA && !it.AllowNA:
			f.Add(field, "inspection.submit.na_not_allowed")
			continue
		}
		count := 0
		if r.Outcome == OutcomeFail {
			count = r.Count
			if count < 1 || count > MaxCount {
				f.Add(field+"_count", "field.out_of_range", 1, MaxCount)
			}
			if r.Photo == nil {
				f.Add(field+"_photo", "inspection.submit.photo_required")
			}
		}
		note := strings.TrimSpace(r.Note)
		checkLen(&f, field+"_note", note, 500, false)
		sc := Scored{Points: it.Points, Deduct: it.Deduct, Cap: it.Cap, AllowNA: it.AllowNA, Outcome: r.Outcome, Count: count}
		scored = append(scored, sc)
		var ph *photo.Prepared
		if r.Outcome == OutcomeFail {
			ph = r.Photo
		}
		photos = append(photos, ph)
		results = append(results, Result{ItemID: it.ID, IndicatorCode: it.IndicatorCode, Title: it.Title, Rule: it.Rule, TitleEN: it.TitleEN, RuleEN: it.RuleEN, Points: it.Points,
			Deduct: it.Deduct, Cap: it.Cap, Severity: it.Severity, Outcome: r.Outcome, Count: count, Deduction: Deduction(sc), Note: note})
	}
	for id := range byItem {
		f.Add("item_"+strconv.FormatInt(id, 10), "inspection.submit.unknown_item")
	}
	if len(items) == 0 {
		return Inspection{}, errs.E(errs.Conflict, "inspection.submit.no_checklist")
	}
	if err := f.Err(); err != nil {
		return Inspection{}, err
	}
	score, _, _ := ScoreOf(scored)
	x := Inspection{SiteID: site.ID, UnitID: site.UnitID, GroupID: site.GroupID, InspectorID: p.UserID, Week: WeekOf(in.InspectedAt),
		InspectedAt: in.InspectedAt, SubmittedAt: now, Lat: in.Lat, Lng: in.Lng, Accuracy: in.Accuracy, Earned: score.Earned,
		Possible: score.Possible, Rate: score.Rate, Rated: score.Rated, Findings: score.Findings, Passed: score.Findings == 0,
		Note: strings.TrimSpace(in.Note)}
	x.Far = true
	if in.Lat != nil {
		if d, ok := siteDistance(site, *in.Lat, *in.Lng); ok {
			m := int(math.Round(d))
			x.Distance = &m
			x.Far = d > FarMetres
		}
	}
	// The photos' blobs are written before the transaction.
	var staged *photo.Staged
	var stagedIdx []int
	var toStage []*photo.Prepared
	for i, ph := range photos {
		if ph != nil {
			stagedIdx = append(stagedIdx, i)
			toStage = append(toStage, ph)
		}
	}
	if len(toStage) > 0 {
		if s.Photos == nil {
			return Inspection{}, errs.E(errs.Internal, "err.internal")
		}
		if staged, err = s.Photos.Stage(ctx, toStage); err != nil {
			return Inspection{}, err
		}
	}
	committed := false
	defer func() {
		if staged != nil {
			staged.Finish(context.WithoutCancel(ctx), committed)
		}
	}()
	var id int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var group any
		if x.GroupID != 0 {
			group = x.GroupID
			var planID int64
			if err := tx.Get(ctx, "inspection.entity.plan", "SELECT id FROM inspection_plans WHERE group_id = ? AND week = ?", []any{x.GroupID, x.Week}, &planID); err == nil {
				x.PlanID = planID
			} else if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		var plan any
		if x.PlanID != 0 {
			plan = x.PlanID
		}
		rows, err := tx.Query(ctx, `INSERT INTO inspections (site_id, group_id, unit_id, inspector_id, plan_id, week, client_key, inspected_at, submitted_at,
			lat, lng, accuracy_m, distance_m, far, earned, possible, rate, rated, findings, passed, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (inspector_id, client_key) DO NOTHING RETURNING id`,
			x.SiteID, group, x.UnitID, x.InspectorID, plan, x.Week, in.Key, x.InspectedAt.UnixMilli(), now.UnixMilli(),
			x.Lat, x.Lng, x.Accuracy, x.Distance, x.Far, int64(x.Earned), int64(x.Possible), x.Rate, x.Rated, x.Findings, x.Passed, x.Note)
		if err != nil {
			return err
		}
		got := rows.Next()
		if got {
			err = rows.Scan(&id)
		}
		rows.Close()
		if err != nil {
			return err
		}
		if !got {
			return errReplay // another request with the key committed first
		}
		var ids []int64
		if staged != nil {
			if ids, err = staged.Commit(ctx, tx, p.UserID); err != nil {
				return err
			}
		}
		for k, i := range stagedIdx {
			results[i].PhotoID = ids[k]
		}
		resultIDs := make([]int64, len(results))
		for i, r := range results {
			var ph any
			if r.PhotoID != 0 {
				ph = r.PhotoID
			}
			if resultIDs[i], err = tx.InsertID(ctx, `INSERT INTO inspection_results (inspection_id, item_id, indicator_code, title, rule, points, deduct, cap, severity,
				outcome, count, deduction, note, photo_id, sort, title_en, rule_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				id, r.ItemID, r.IndicatorCode, r.Title, r.Rule, int64(r.Points), int64(r.Deduct), int64(r.Cap), string(r.Severity),
				string(r.Outcome), r.Count, int64(r.Deduction), r.Note, ph, i+1, r.TitleEN, r.RuleEN); err != nil {
				return err
			}
		}
		// Each failure becomes a rectification to the site's unit (rectify.go).
		x.ID = id
		if err := s.fileRectifications(ctx, tx, p, x, site, results, resultIDs, now); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "inspect", "inspection", id, site.Code+" "+site.Name+" "+Points(x.Rate).String()+"%", nil, nil)
	})
	if errors.Is(err, errReplay) {
		out, err := s.byKey(ctx, p, in.Key)
		out.Replayed = true
		return out, err
	}
	if err != nil {
		return Inspection{}, err
	}
	committed = true
	return s.GetInspection(ctx, p, id)
}

var errReplay = errs.E(errs.Conflict, "inspection.submit.replay")

func (s *Service) byKey(ctx context.Context, p *auth.Principal, key string) (Inspection, error) {
	var id int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "inspection.entity.inspection", "SELECT id FROM inspections WHERE inspector_id = ? AND client_key = ?", []any{p.UserID, key}, &id)
	})
	if err != nil {
		return Inspection{}, err
	}
	return s.GetInspection(ctx, p, id)
}

const inspectionCols = `i.id, i.site_id, s.code, s.name, t.name, COALESCE(i.group_id, 0), COALESCE(g.name, ''), i.unit_id, u.name,
	i.inspector_id, COALESCE(us.display_name, ''), COALESCE(i.plan_id, 0), i.week, i.inspected_at, i.submitted_at, i.lat, i.lng, i.accuracy_m,
	i.distance_m, i.far, i.earned, i.possible, i.rate, i.rated, i.findings, i.passed, i.note,
	s.name_en, t.name_en, COALESCE(g.name_en, ''), u.name_en`

const inspectionFrom = ` FROM inspections i JOIN inspection_sites s ON s.id = i.site_id JOIN inspection_site_types t ON t.id = s.site_type_id
	JOIN regions r ON r.id = s.region_id JOIN units u ON u.id = i.unit_id LEFT JOIN units g ON g.id = i.group_id
	LEFT JOIN users us ON us.id = i.inspector_id`

func scanInspection(dest func(...any) error) (Inspection, error) {
	var x Inspection
	var at, sub int64
	err := dest(&x.ID, &x.SiteID, &x.SiteCode, &x.SiteName, &x.SiteType, &x.GroupID, &x.GroupName, &x.UnitID, &x.UnitName,
		&x.InspectorID, &x.Inspector, &x.PlanID, &x.Week, &at, &sub, &x.Lat, &x.Lng, &x.Accuracy, &x.Distance, &x.Far,
		&x.Earned, &x.Possible, &x.Rate, &x.Rated, &x.Findings, &x.Passed, &x.Note,
		&x.SiteEN, &x.SiteTypeEN, &x.GroupEN, &x.UnitEN)
	x.InspectedAt, x.SubmittedAt = time.UnixMilli(at), time.UnixMilli(sub)
	return x, err
}

// inspectionVisible: the site's visibility, plus the inspector's own.
func inspectionVisible(p *auth.Principal) (string, []any) {
	where, args := siteVisible(p)
	if p != nil && p.UserID != 0 {
		where = "(" + where + " OR i.inspector_id = ?)"
		args = append(args, p.UserID)
	}
	return where, args
}

// GetInspection returns one inspection the caller sees, with its results.
func (s *Service) GetInspection(ctx context.Context, p *auth.Principal, id int64) (Inspection, error) {
	if err := canView(p); err != nil {
		return Inspection{}, err
	}
	where, args := inspectionVisible(p)
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Inspection, error) {
		x, err := scanInspection(func(d ...any) error {
			return tx.Get(ctx, "inspection.entity.inspection", "SELECT "+inspectionCols+inspectionFrom+" WHERE i.id = ? AND "+where, append([]any{id}, args...), d...)
		})
		if err != nil {
			return x, err
		}
		rows, err := tx.Query(ctx, `SELECT item_id, indicator_code, title, rule, points, deduct, cap, severity, outcome, count, deduction, note, COALESCE(photo_id, 0), title_en, rule_en
			FROM inspection_results WHERE inspection_id = ? ORDER BY sort`, id)
		if err != nil {
			return x, err
		}
		defer rows.Close()
		for rows.Next() {
			var r Result
			if err := rows.Scan(&r.ItemID, &r.IndicatorCode, &r.Title, &r.Rule, &r.Points, &r.Deduct, &r.Cap, &r.Severity, &r.Outcome,
				&r.Count, &r.Deduction, &r.Note, &r.PhotoID, &r.TitleEN, &r.RuleEN); err != nil {
				return x, err
			}
			x.Results = append(x.Results, r)
		}
		return x, rows.Err()
	})
}

// InspectionFilter selects inspections.
type InspectionFilter struct {
	SiteID, GroupID int64
	Week            string
	Far             bool // only flagged ones
	Page, Size      int
}

// ListInspections returns a page of the inspections the caller sees, newest first.
func (s *Service) ListInspections(ctx context.Context, p *auth.Principal, f InspectionFilter) ([]Inspection, int, error) {
	if err := canView(p); err != nil {
		return nil, 0, err
	}
	where, args := inspectionVisible(p)
	conds := []string{where}
	if f.SiteID != 0 {
		conds, args = append(conds, "i.site_id = ?"), append(args, f.SiteID)
	}
	if f.GroupID != 0 {
		conds, args = append(conds, "i.group_id = ?"), append(args, f.GroupID)
	}
	if f.Week != "" {
		conds, args = append(conds, "i.week = ?"), append(args, f.Week)
	}
	if f.Far {
		conds = append(conds, "i.far = TRUE")
	}
	w := " WHERE " + strings.Join(conds, " AND ")
	size, offset := pageOf(f.Page, f.Size)
	var out []Inspection
	var total int
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		n, err := tx.Count(ctx, "SELECT COUNT(*)"+inspectionFrom+w, args...)
		if err != nil {
			return err
		}
		total = int(n)
		rows, err := tx.Query(ctx, "SELECT "+inspectionCols+inspectionFrom+w+" ORDER BY i.inspected_at DESC, i.id DESC LIMIT "+strconv.Itoa(size)+" OFFSET "+strconv.Itoa(offset), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scanInspection(rows.Scan)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, total, err
}

// pageOf is a list's page size (50 unless 1–500 is asked) and the offset
// of page (from 1), for every list of the package.
func pageOf(page, size int) (int, int) {
	if size <= 0 || size > 500 {
		size = 50
	}
	return size, (max(page, 1) - 1) * size
}

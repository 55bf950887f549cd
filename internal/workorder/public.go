package workorder

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/geo"
	"github.com/wenming-city/wenming/internal/photo"
)

// The citizen side: what a visitor without an account may do besides
// Submit and PublicView — file a report with its photos in one
// transaction under a per-address limit, look for open reports of the same
// kind nearby, rate the answer by tracking code, and see the city's
// districts to place a report on a map drawn without outside tiles.

// Citizen limits.
const (
	// PublicMaxPhotos is how many photos a citizen may attach to a report.
	PublicMaxPhotos = 6
	// NearbyRadius is how far, in metres, a new report looks for open
	// reports of the same category that the citizen may follow instead.
	NearbyRadius = 50.0
	// MaxNearby is how many nearby reports are returned, closest first.
	MaxNearby = 10
	// MaxCommentLen bounds the citizen's comment with a rating.
	MaxCommentLen = 500
	// regionMatchKM is how far from a region's centre a report may lie and
	// still be placed in that region by NearestRegion.
	regionMatchKM = 30.0
)

// ReportLimit bounds how many reports one address may file per window.
type ReportLimit struct {
	Reports int
	Window  time.Duration
}

// DefaultReportLimit lets one address file 20 reports an hour: enough for
// a family or an office behind one address (mobile carriers put many phones
// behind one), too few to flood the dispatchers' queue.
var DefaultReportLimit = ReportLimit{Reports: 20, Window: time.Hour}

// ratingGuard bounds wrong phone digits per client address: four digits
// must not be guessable by trying. It is kept per address, not per
// tracking code, so that a guesser locks out only itself and the citizen
// who knows the digits can still rate the order (codes are public: the
// nearby list shows them).
var ratingGuard = ReportLimit{Reports: 5, Window: time.Hour}

// reportLimit is the limit in force.
func (s *Service) reportLimit() ReportLimit {
	if s.ReportLimit == (ReportLimit{}) {
		return DefaultReportLimit
	}
	return s.ReportLimit
}

func (l ReportLimit) on() bool { return l.Reports > 0 && l.Window > 0 }

// windowStart is the start (unix ms) of the fixed window holding now.
func (l ReportLimit) windowStart(now time.Time) int64 {
	w := l.Window.Milliseconds()
	return now.UnixMilli() / w * w
}

func (l ReportLimit) refusal() error {
	return errs.Wait(l.Window, "pub.err.too_many_reports", l.Reports, max(int(l.Window/time.Minute), 1))
}

func reportKey(ip string) string { return "report:" + ip }

func ratingKey(ip string) string { return "rating:" + ip }

// PublicReport is a report from a citizen without an account.
type PublicReport struct {
	SubmitInput
	// PhotoCount is how many photos come with the report (checked against
	// PublicMaxPhotos with the other fields).
	PhotoCount int
	// Photos are the report's checked and re-encoded photos (at most
	// PublicMaxPhotos); SubmitPublic stores them through Service.Photos.
	Photos []*photo.Prepared
	// After writes what the caller keeps beside the order (the Open311
	// request row) in the order's transaction; nil when nothing.
	After func(ctx context.Context, tx *db.Tx, s Submitted) error
	// Idem is the report's idempotency key (SubmitPublicOnce); nil when none.
	Idem *Idem
}

// CheckReport validates a citizen's report without touching the database,
// adding field messages to f, so that a caller can report them together
// with its own (a bad photo) before it does anything costly.
func CheckReport(in PublicReport, f *errs.Fields) {
	in.normalise()
	in.validate(f, true)
	f.Check(in.PhotoCount <= PublicMaxPhotos, "photos", "workorder.field.too_many_photos", PublicMaxPhotos)
}

// ReportAllowed tells whether the address may file another report now
// (a TooMany error when not). It only reads, so callers ask it before
// costly work; SubmitPublic counts and checks again atomically.
func (s *Service) ReportAllowed(ctx context.Context, ip string) error {
	lim := s.reportLimit()
	if !lim.on() {
		return nil
	}
	var n int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		n, err = windowCount(ctx, tx, reportKey(ip), lim, s.Clock.Now())
		return err
	})
	if err != nil {
		return err
	}
	if n >= int64(lim.Reports) {
		return lim.refusal()
	}
	return nil
}

func windowCount(ctx context.Context, tx *db.Tx, key string, lim ReportLimit, now time.Time) (int64, error) {
	return tx.Count(ctx, "SELECT COALESCE(MAX(count), 0) FROM rate_counters WHERE key = ? AND window_start = ?",
		key, lim.windowStart(now))
}

// bump adds one to key's current window in tx and returns the new count.
// When it opens a new window it sweeps the ended windows of keys with the
// same prefix.
func bump(ctx context.Context, tx *db.Tx, key string, lim ReportLimit, now time.Time) (int64, error) {
	ws := lim.windowStart(now)
	var n int64
	if err := tx.Get(ctx, "", `INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
		count = CASE WHEN rate_counters.window_start = excluded.window_start THEN rate_counters.count + 1 ELSE 1 END,
		window_start = excluded.window_start
		RETURNING count`, []any{key, ws}, &n); err != nil {
		return 0, err
	}
	if n == 1 {
		prefix, _, _ := strings.Cut(key, ":")
		if _, err := tx.Exec(ctx, "DELETE FROM rate_counters WHERE key LIKE ? AND window_start < ?",
			prefix+":%", ws-lim.Window.Milliseconds()); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// countReport adds one report to the address's window in tx and refuses it
// when the window is full. A report refused later in its transaction is
// rolled back with its count, so SubmitPublic counts it again on its own
// (countRefused): a refused report costs as much as an accepted one.
func countReport(ctx context.Context, tx *db.Tx, ip string, lim ReportLimit, now time.Time) error {
	if !lim.on() {
		return nil
	}
	n, err := bump(ctx, tx, reportKey(ip), lim, now)
	if err != nil {
		return err
	}
	if n > int64(lim.Reports) {
		return lim.refusal()
	}
	return nil
}

// countRefused counts a report refused inside its transaction against the
// address, in a write of its own after the rollback.
func (s *Service) countRefused(ctx context.Context, ip string) error {
	lim := s.reportLimit()
	if !lim.on() {
		return nil
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := bump(ctx, tx, reportKey(ip), lim, s.Clock.Now())
		return err
	})
}

// refusedInside tells whether err, returned by a report's transaction,
// refused the report (a field message, a conflict) as opposed to a failure,
// the address's own limit (which is full already: another count would only
// cost a write), or a twin that got there first with the same idempotency
// key (its answer is the first one's: not a second report).
func refusedInside(err error) bool {
	if err == nil || errors.Is(err, errKeyTaken) {
		return false
	}
	e := errs.As(err)
	return e != nil && e.Code != errs.Internal && e.Code != errs.TooMany
}

// SubmitPublic takes in a citizen's report: its photos' blobs are written
// to the photo store first (so slow storage does not hold the writer), then
// one write transaction holds the per-address count, the category check, the
// photos' rows and the order with its submit event. It returns once
// everything is committed. A refusal or failure leaves no order, no photo
// row and no blob behind (a blob another photo row names stays), and a
// report refused inside its transaction still counts against the address.
// Without a region, a report with a place is put in the nearest region that
// has a centre (within 30 km).
func (s *Service) SubmitPublic(ctx context.Context, in PublicReport) (out Submitted, err error) {
	in.PhotoCount = max(in.PhotoCount, len(in.Photos))
	var f errs.Fields
	CheckReport(in, &f)
	// The answers are checked here, before the batch, so that a refusal
	// rarely happens inside it; submitTx checks them again.
	answers, err := s.CheckAnswersFor(ctx, in.CategoryID, in.Answers, &f)
	if err != nil {
		return Submitted{}, err
	}
	if err := f.Err(); err != nil {
		return Submitted{}, err
	}
	in.normalise()
	if !(s.SearchBehind && s.Batch != nil) {
		in.analyse()
	}
	in.Answers = answers
	var staged *photo.Staged
	if len(in.Photos) > 0 {
		if s.Photos == nil {
			return Submitted{}, errors.New("workorder: no photo store configured")
		}
		if staged, err = s.Photos.Stage(ctx, in.Photos); err != nil {
			return Submitted{}, err
		}
	}
	defer func() {
		// The cleanup and the count run even when the citizen has gone.
		bg := context.WithoutCancel(ctx)
		if ferr := staged.Finish(bg, err == nil); ferr != nil {
			// The sweeper removes what is left (photo.Service.Sweep).
			slog.WarnContext(bg, "photos of a report that was not stored are left for the sweeper", "err", ferr)
		}
		if refusedInside(err) {
			if cerr := s.countRefused(bg, in.IP); cerr != nil {
				err = cerr
			}
		}
	}()
	// The region is found before the report joins the writer's batch: it
	// needs only the cached centres.
	if in.RegionID == 0 && in.Lat != nil && in.Lng != nil {
		if in.RegionID, err = s.nearestRegion(ctx, *in.Lat, *in.Lng); err != nil {
			return Submitted{}, err
		}
	}
	err = s.writeReport(ctx, func(ctx context.Context, tx *db.Tx) error {
		now := s.Clock.Now()
		if in.Idem != nil {
			if err := s.keyTaken(ctx, tx, in.Idem, now); err != nil {
				return err
			}
		}
		cat, err := s.cachedCategory(ctx, tx, in.CategoryID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err != nil || !cat.Pickable(true) {
			f.Add("category_id", "field.bad_choice")
			return f.Err()
		}
		if err := countReport(ctx, tx, in.IP, s.reportLimit(), now); err != nil {
			return err
		}
		if staged != nil {
			if in.PhotoIDs, err = staged.Commit(ctx, tx, 0); err != nil {
				return err
			}
		}
		if out, err = s.submitTx(ctx, tx, nil, in.SubmitInput); err != nil {
			return err
		}
		if in.After != nil {
			if err := in.After(ctx, tx, out); err != nil {
				return err
			}
		}
		if in.Idem != nil {
			return s.putKey(ctx, tx, in.Idem, out, now)
		}
		return nil
	})
	return out, err
}

// Place is a region with a centre, for the citizens' map.
type Place struct {
	ID     int64   `json:"id"`
	Path   string  `json:"-"` // the region's materialised path
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	NameEN string  `json:"name_en"`
	Level  string  `json:"level"`
	Lat    float64 `json:"lat"`
	Lng    float64 `json:"lng"`
}

// LocalName is the name in the language ("en" or Chinese).
func (p Place) LocalName(lang string) string {
	if strings.HasPrefix(lang, "en") && p.NameEN != "" {
		return p.NameEN
	}
	return p.Name
}

// MapPlaces lists the city and its districts that have a centre, city
// first: what the report page draws. Region names are public knowledge.
func (s *Service) MapPlaces(ctx context.Context) ([]Place, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Place, error) { return places(ctx, tx, "level IN ('city', 'district')") })
}

func places(ctx context.Context, tx *db.Tx, where string) ([]Place, error) {
	rows, err := tx.Query(ctx, `SELECT id, path, code, name, name_en, level, lat, lng FROM regions
		WHERE lat IS NOT NULL AND lng IS NOT NULL AND `+where+`
		ORDER BY CASE level WHEN 'city' THEN 0 WHEN 'district' THEN 1 WHEN 'street' THEN 2 WHEN 'community' THEN 3 ELSE 4 END, sort, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Place
	for rows.Next() {
		var p Place
		if err := rows.Scan(&p.ID, &p.Path, &p.Code, &p.Name, &p.NameEN, &p.Level, &p.Lat, &p.Lng); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// nearestRegion places a point in the most precise region its place
// allows: the nearest district whose centre is within regionMatchKM, then
// within it the nearest street, community and grid whose centre is within
// that level's reach (regionReachM), as far down as centres go; 0 when no
// district is near. Regions only have centres, so this is an estimate that
// the dispatcher can see and correct. The centres come from the Service's
// cache (cache.go).
func (s *Service) nearestRegion(ctx context.Context, lat, lng float64) (int64, error) {
	ix, err := s.regionCentres(ctx)
	if err != nil {
		return 0, err
	}
	return ix.place(lat, lng), nil
}

// regionReachM is how far from the centre of a region of each level a
// point may lie to be placed in it (0: a level reports are not placed in).
func regionReachM(level string) float64 {
	switch level {
	case "district":
		return regionMatchKM * 1000
	case "street":
		return 4000
	case "community":
		return 1200
	case "grid":
		return 400
	}
	return 0
}

// regionIndex holds the regions with a centre by their parent's path (""
// for the districts), so placing a point looks at a few regions a level,
// and the boundaries of those whose division code has one (internal/geo).
type regionIndex struct {
	children map[string][]Place
	bounds   map[int64]*geo.Area
}

func indexPlaces(ps []Place, areas *geo.Set) regionIndex {
	ix := regionIndex{children: map[string][]Place{}, bounds: map[int64]*geo.Area{}}
	for _, p := range ps {
		if areas != nil && p.Code != "" {
			if a, ok := areas.Area(p.Code); ok {
				ix.bounds[p.ID] = a
			}
		}
		if regionReachM(p.Level) == 0 {
			continue
		}
		parent := parentPath(p.Path)
		if p.Level == "district" {
			parent = ""
		}
		ix.children[parent] = append(ix.children[parent], p)
	}
	return ix
}

// place descends from the districts to the deepest region near the point.
func (ix regionIndex) place(lat, lng float64) int64 {
	chain := ix.chain(lat, lng)
	if len(chain) == 0 {
		return 0
	}
	return chain[len(chain)-1].ID
}

// chain is the regions a point lies in, from its district down to the
// deepest one near it. A region with a boundary holds exactly the points
// inside it, whatever the distance to its centre; the others hold the
// points within their level's reach of their centre, the nearest winning.
func (ix regionIndex) chain(lat, lng float64) []Place {
	var out []Place
	parent := ""
	pt := geo.Point{Lat: lat, Lng: lng}
	for {
		var next *Place
		nextM := math.Inf(1)
		for i, p := range ix.children[parent] {
			if a, ok := ix.bounds[p.ID]; ok {
				if a.Contains(pt) {
					next = &ix.children[parent][i]
					break
				}
				continue
			}
			if d := DistanceM(lat, lng, p.Lat, p.Lng); d < regionReachM(p.Level) && d < nextM {
				next, nextM = &ix.children[parent][i], d
			}
		}
		if next == nil {
			return out
		}
		out, parent = append(out, *next), next.Path
	}
}

// Locate returns the regions a citizen's report at the point would be
// placed in, from the district down (none outside the city), as
// SubmitPublic places it. A bad point is a field error.
func (s *Service) Locate(ctx context.Context, lat, lng float64) ([]Place, error) {
	var f errs.Fields
	checkCoord(&f, "lat", &lat, 90)
	checkCoord(&f, "lng", &lng, 180)
	if err := f.Err(); err != nil {
		return nil, err
	}
	ix, err := s.regionCentres(ctx)
	if err != nil {
		return nil, err
	}
	return ix.chain(lat, lng), nil
}

// placeIn places a point among ps with the embedded boundaries
// (regionIndex.place).
func placeIn(ps []Place, lat, lng float64) int64 {
	return indexPlaces(ps, geo.Embedded()).place(lat, lng)
}

// parentPath is the materialised path of a region's parent ("/1/4/" of "/1/4/17/").
func parentPath(path string) string {
	t := strings.TrimSuffix(path, "/")
	if i := strings.LastIndexByte(t, '/'); i >= 0 {
		return t[:i+1]
	}
	return ""
}

// DistanceM is the great-circle distance in metres between two points.
func DistanceM(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// NearbyOrder is an open report close to a new one: only what a passer-by
// could see on the street, and the code to follow it by.
type NearbyOrder struct {
	Code           string    `json:"code"`
	Title          string    `json:"title"`
	CategoryName   string    `json:"category_name"`
	CategoryNameEN string    `json:"category_name_en"`
	State          State     `json:"state"`
	DistanceM      int       `json:"distance_m"`
	CreatedAt      time.Time `json:"created_at"`
}

// finalStates are the states of orders that no longer wait for anyone.
func finalStates() []any {
	var out []any
	for _, st := range States {
		if st.Final() {
			out = append(out, string(st))
		}
	}
	return out
}

// Nearby lists the open orders of the category within radius metres of
// the point (at most MaxNearby, closest first). A bad category or point is
// a field error.
func (s *Service) Nearby(ctx context.Context, categoryID int64, lat, lng, radius float64) ([]NearbyOrder, error) {
	var f errs.Fields
	f.Check(categoryID > 0, "category_id", "field.required")
	checkCoord(&f, "lat", &lat, 90)
	checkCoord(&f, "lng", &lng, 180)
	if err := f.Err(); err != nil {
		return nil, err
	}
	radius = math.Max(1, math.Min(radius, 1000))
	dLat := radius / 111_000 * 1.1
	dLng := dLat / math.Max(math.Cos(lat*math.Pi/180), 0.01)
	out := []NearbyOrder{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		final := finalStates()
		args := append([]any{categoryID}, final...)
		args = append(args, lat-dLat, lat+dLat, lng-dLng, lng+dLng)
		rows, err := tx.Query(ctx, `SELECT w.code, w.title, c.name, c.name_en, w.state, w.lat, w.lng, w.created_at
			FROM workorders w JOIN workorder_categories c ON c.id = w.category_id
			WHERE w.category_id = ? AND w.state NOT IN (`+db.Placeholders(len(final))+`)
			AND w.lat BETWEEN ? AND ? AND w.lng BETWEEN ? AND ?
			ORDER BY w.id DESC LIMIT 200`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n NearbyOrder
			var st string
			var olat, olng float64
			var created int64
			if err := rows.Scan(&n.Code, &n.Title, &n.CategoryName, &n.CategoryNameEN, &st, &olat, &olng, &created); err != nil {
				return err
			}
			d := DistanceM(lat, lng, olat, olng)
			if d > radius {
				continue
			}
			n.State, n.DistanceM, n.CreatedAt = State(st), int(math.Round(d)), time.UnixMilli(created)
			out = append(out, n)
		}
		return rows.Err()
	})
	slices.SortStableFunc(out, func(a, b NearbyOrder) int { return a.DistanceM - b.DistanceM })
	if len(out) > MaxNearby {
		out = out[:MaxNearby]
	}
	return out, err
}

// CitizenRatings are the answers a citizen may give on the tracking page
// (unreachable is only for the operator's callback).
var CitizenRatings = []Rating{RatingSatisfied, RatingBasicallySatisfied, RatingDissatisfied}

// CitizenRating is a citizen's answer to a resolved order, by its code.
type CitizenRating struct {
	Rating  Rating `json:"rating"`
	Comment string `json:"comment"`
	// PhoneTail is the last four digits of the phone given with the
	// report; asked only when the report has a phone, so that someone who
	// merely knows the code (the nearby list shows codes) cannot rate it.
	PhoneTail string `json:"phone_tail"`
	IP        string `json:"-"`
}

// CanRate reports whether a citizen may rate an order in the state: once
// the dispatcher has verified the unit's resolution and before anyone has
// made the callback.
func CanRate(st State) bool {
	r, _ := RuleFor(ActionCallback)
	return slices.Contains(r.From, st)
}

// NeedsPhoneTail tells the tracking page whether the rating form must ask
// for the last digits of the reporter's phone.
func (s *Service) NeedsPhoneTail(ctx context.Context, code string) (bool, error) {
	var phone string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "workorder.entity.order", "SELECT reporter_phone FROM workorders WHERE code = ?",
			[]any{NormaliseCode(code)}, &phone)
	})
	return phone != "", err
}

// RateByCode records the citizen's rating of a verified order as its
// callback, by the transition table: dissatisfied reopens the order with a
// new resolve deadline and counts against the unit. The callback can be
// made once per resolution (the order leaves the verified state); a second
// try is a Conflict. It returns the public view after the change.
func (s *Service) RateByCode(ctx context.Context, code string, in CitizenRating) (PublicOrder, error) {
	code = NormaliseCode(code)
	in.Comment = strings.TrimSpace(in.Comment)
	in.PhoneTail = strings.TrimSpace(in.PhoneTail)
	var f errs.Fields
	f.Check(slices.Contains(CitizenRatings, in.Rating), "rating", "field.bad_choice")
	f.Check(utf8.RuneCountInString(in.Comment) <= MaxCommentLen, "comment", "field.too_long", MaxCommentLen)
	if len(code) != CodeLen {
		return PublicOrder{}, errs.NotFoundf("workorder.entity.order")
	}
	if err := f.Err(); err != nil {
		return PublicOrder{}, err
	}
	wrongTail := false
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var id int64
		if err := tx.Get(ctx, "workorder.entity.order", "SELECT id FROM workorders WHERE code = ?", []any{code}, &id); err != nil {
			return err
		}
		if err := lockOrder(ctx, tx, id); err != nil {
			return err
		}
		o, err := loadOrder(ctx, tx, nil, id)
		if err != nil {
			return err
		}
		if o.ReporterPhone != "" {
			tries, err := windowCount(ctx, tx, ratingKey(in.IP), ratingGuard, s.Clock.Now())
			if err != nil {
				return err
			}
			if tries >= int64(ratingGuard.Reports) {
				return errs.Wait(ratingGuard.Window, "pub.err.too_many_tries")
			}
			digits := onlyDigits(o.ReporterPhone)
			tail := digits[max(0, len(digits)-4):]
			if in.PhoneTail == "" {
				f.Add("phone_tail", "field.required")
			} else if in.PhoneTail != tail {
				f.Add("phone_tail", "pub.err.phone_tail")
				wrongTail = true
			}
			if err := f.Err(); err != nil {
				return err
			}
		}
		if !CanRate(o.State) {
			if o.Satisfaction != "" && !o.State.WithUnit() {
				return errs.E(errs.Conflict, "pub.err.already_rated")
			}
			return errs.E(errs.Conflict, "pub.err.cannot_rate_now")
		}
		return s.citizenCallback(ctx, tx, &o, in, s.Clock.Now())
	})
	if wrongTail {
		// The refusal rolled back; the wrong guess is counted on its own.
		if berr := s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := bump(ctx, tx, ratingKey(in.IP), ratingGuard, s.Clock.Now())
			return err
		}); berr != nil {
			return PublicOrder{}, berr
		}
	}
	if err != nil {
		return PublicOrder{}, err
	}
	return s.PublicView(ctx, code)
}

// citizenCallback is the callback branch of act for a citizen without an
// account: the same result state, rollup, reopen rules and notification,
// with the citizen as the actor.
func (s *Service) citizenCallback(ctx context.Context, tx *db.Tx, o *Order, in CitizenRating, now time.Time) error {
	rule, _ := RuleFor(ActionCallback)
	was := *o // as loaded: restat moves its rollup counts from there
	cat, err := getCategory(ctx, tx, o.CategoryID)
	if err != nil {
		return err
	}
	st := Step{Action: ActionCallback, At: now, Note: in.Comment, Rating: in.Rating, Category: cat,
		Deadline: s.deadlineIn(ctx, tx), ByCitizen: true, IP: in.IP}
	fx, err := applyStep(o, rule, &st)
	if err != nil {
		return err
	}
	from, to := fx.From, fx.To
	if err := saveOrder(ctx, tx, o); err != nil {
		return err
	}
	ev := event{order: o.ID, at: now, action: string(ActionCallback), from: from, to: to, note: in.Comment,
		role: "citizen", deadline: deadlineInForce(o), unit: o.UnitID, data: jsonString(fx.Data)}
	if _, err := ev.insert(ctx, tx); err != nil {
		return err
	}
	if err := restat(ctx, tx, &was, o); err != nil {
		return err
	}
	if fx.NoticeUnit != 0 {
		if err := notify(ctx, tx, now, 0, fx.NoticeUnit, o.ID, string(ActionCallback), fx.NoticeKey, o.Code); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, nil, now, audit.Entry{Action: "workorder." + string(ActionCallback), Entity: "workorder",
		EntityID: audit.ID(o.ID), Summary: o.Code + " " + string(from) + " → " + string(to) + " (citizen)", IP: in.IP},
		map[string]any{"state": from}, map[string]any{"state": to, "rating": in.Rating})
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

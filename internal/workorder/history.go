package workorder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/search"
)

// Demo history: `wenming demo --orders N` fills the demo city with N
// orders over the past year, so that lists, the KPI table and rankings
// have life. Orders follow the seasons (noise and cooking fumes in summer,
// heating in winter, rubbish around the Spring Festival, flooding in the
// rainy season), units differ in speed and quality and a few are chronically
// late, callbacks are satisfied at about the seed's 99.41%, and the recent
// orders are still open, some overdue. Every order's life is simulated step
// by step through the same functions as Act and the overdue timer (the
// transition table and its effects, effects.go: guards, deadlines from the
// category and the holiday calendar, flags and escalation levels, event
// data); only which step comes when is the simulator's choice. So the
// timeline and the order row are what Act would have written
// (replay_test.go checks it), and the daily KPI rollup is each order's
// counts as it ends up (cohort.counts, the rule restat keeps for live
// orders), added up in memory and written once. Rows go in with multi-row INSERTs
// in large transactions; the search index is filled in the same
// transactions as the orders.

// HistoryConfig says what to generate.
type HistoryConfig struct {
	Orders   int
	Days     int       // length of the history (default 365)
	End      time.Time // its end (default: the service's clock)
	Seed     uint64    // 0: from the clock
	Progress io.Writer // progress lines; nil for none
}

// HistoryResult is what GenerateHistory wrote.
type HistoryResult struct {
	Orders, Events int
	StatRows       int // rollup rows written (a day's row written in two flushes counts twice)
	Open, Overdue  int
	Elapsed        time.Duration
}

var errNoCity = errors.New("no city to add orders to: load the demo city first (wenming demo)")

// genUnit is a unit that handles orders, with its temper.
type genUnit struct {
	id         int64
	path, name string
	speed      float64 // multiplies handling times (1: typical)
	late       bool    // chronically late
	refuse     float64 // share of resolutions refused at verification
	dissat     float64 // share of reached callbacks that are dissatisfied
}

type genCategory struct {
	Category
	unit   *genUnit
	weight float64
}

type genRegion struct {
	id       int64
	path     string
	name     string
	lat, lng float64
	has      bool     // lat, lng: the centre of the region or of the nearest region above it with one
	unit     *genUnit // the street or district government above it
}

// genEvent is a timeline row about to be written.
type genEvent struct {
	at       int64
	actor    string
	role     string
	action   string
	from, to State
	note     string
	public   bool
	deadline int64 // 0: none
	unit     int64
	data     string
}

// genOrder is an order being simulated: the order as Act would keep it,
// with the simulator's picks and the timeline about to be written.
type genOrder struct {
	Order
	cat    *genCategory
	region *genRegion
	unit   *genUnit // the unit it was last dispatched to, with its temper
	upd    int64    // the latest event's time
	events []genEvent
}

// history is one run of the generator.
type history struct {
	s      *Service
	cfg    HistoryConfig
	r      *rand.Rand
	now    time.Time
	cal    Calendar
	cats   []*genCategory
	units  map[int64]*genUnit
	region []*genRegion
	// fallback handles what has neither a unit nor a government.
	fallback *genUnit
	stats    map[statDayKey]*statDelta
	res      HistoryResult
}

// GenerateHistory adds cfg.Orders simulated orders to the city in the
// database (its regions, units and categories must exist: the demo city).
func (s *Service) GenerateHistory(ctx context.Context, cfg HistoryConfig) (HistoryResult, error) {
	start := time.Now()
	if cfg.Orders <= 0 {
		return HistoryResult{}, nil
	}
	if cfg.Days <= 0 {
		cfg.Days = 365
	}
	if cfg.End.IsZero() {
		cfg.End = s.Clock.Now()
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	h := &history{s: s, cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, 0x1e5a4)), now: cfg.End,
		units: map[int64]*genUnit{}, stats: map[statDayKey]*statDelta{}}
	if err := h.load(ctx); err != nil {
		return HistoryResult{}, err
	}
	times := h.arrivals()
	var nextOrder, nextEvent int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if err := tx.Get(ctx, "", "SELECT COALESCE(MAX(id), 0) FROM workorders", nil, &nextOrder); err != nil {
			return err
		}
		return tx.Get(ctx, "", "SELECT COALESCE(MAX(id), 0) FROM workorder_events", nil, &nextEvent)
	})
	if err != nil {
		return HistoryResult{}, err
	}
	// A bigger page cache while the history goes in: the orders' eleven
	// indexes (the random tracking code among them) are written all over.
	if d := h.s.DB; d.Engine == db.SQLite {
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "PRAGMA cache_size = -262144")
			return err
		}); err != nil {
			return HistoryResult{}, err
		}
		defer d.Write(context.WithoutCancel(ctx), func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "PRAGMA cache_size = -32000")
			return err
		})
	}
	codes := map[string]bool{}
	const chunk = 5000
	batch := make([]*genOrder, 0, chunk)
	for i, at := range times {
		nextOrder++
		o, err := h.simulate(nextOrder, at)
		if err != nil {
			return h.res, err
		}
		for codes[o.Code] {
			o.Code = NewCode()
		}
		codes[o.Code] = true
		batch = append(batch, o)
		if len(batch) == chunk || i == len(times)-1 {
			if err := h.write(ctx, batch, &nextEvent); err != nil {
				return h.res, err
			}
			batch = batch[:0]
			// The rollup is summed in memory and written every statsEvery
			// orders (adding to rows already there), which bounds memory.
			if h.res.Orders%statsEvery < chunk || i == len(times)-1 {
				if err := h.writeStats(ctx); err != nil {
					return h.res, err
				}
			}
			if cfg.Progress != nil && (h.res.Orders%100_000 < chunk || i == len(times)-1) {
				fmt.Fprintf(cfg.Progress, "  %d orders, %d timeline events (%s)\n", h.res.Orders, h.res.Events,
					time.Since(start).Round(time.Second))
			}
		}
	}
	h.res.Elapsed = time.Since(start)
	return h.res, nil
}

// load reads the city: categories with their units, units, regions, the
// holiday calendar.
func (h *history) load(ctx context.Context) error {
	return h.s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, path, name, code FROM units WHERE active = TRUE ORDER BY id")
		if err != nil {
			return err
		}
		byRegionGov := map[int64]*genUnit{}
		type unitRow struct {
			u    *genUnit
			code string
		}
		var all []unitRow
		for rows.Next() {
			u := &genUnit{}
			var code string
			if err := rows.Scan(&u.id, &u.path, &u.name, &code); err != nil {
				rows.Close()
				return err
			}
			all = append(all, unitRow{u, code})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(all) == 0 {
			return errNoCity
		}
		h.fallback = all[0].u
		for _, ur := range all {
			u := ur.u
			if ur.code == "DEPT-CG" {
				h.fallback = u
			}
			// Units differ: most are near the norm, some quick, some slow.
			u.speed = math.Exp(h.r.NormFloat64() * 0.35)
			u.refuse = 0.01 + h.r.Float64()*0.03
			u.dissat = 0.0030 + h.r.Float64()*0.005
			h.units[u.id] = u
		}
		// Governments of streets and districts, by their region.
		grows, err := tx.Query(ctx, `SELECT id, region_id FROM units WHERE active = TRUE AND (code LIKE 'ST-%' OR code LIKE 'DIST-%')`)
		if err != nil {
			return err
		}
		for grows.Next() {
			var id, region int64
			if err := grows.Scan(&id, &region); err != nil {
				grows.Close()
				return err
			}
			if u := h.units[id]; u != nil {
				byRegionGov[region] = u
			}
		}
		grows.Close()
		if err := grows.Err(); err != nil {
			return err
		}

		crows, err := tx.Query(ctx, "SELECT "+categoryCols+categoryFrom+" WHERE c.parent_id IS NOT NULL AND c.active = TRUE AND c.code <> ? ORDER BY c.id", RectificationCategory)
		if err != nil {
			return err
		}
		for crows.Next() {
			c, err := scanCategory(crows)
			if err != nil {
				crows.Close()
				return err
			}
			gc := &genCategory{Category: c, unit: h.units[c.UnitID], weight: baseWeight(c.Code)}
			h.cats = append(h.cats, gc)
		}
		crows.Close()
		if err := crows.Err(); err != nil {
			return err
		}
		if len(h.cats) == 0 {
			return errNoCity
		}

		rrows, err := tx.Query(ctx, "SELECT id, path, name, level, lat, lng FROM regions ORDER BY id")
		if err != nil {
			return err
		}
		type reg struct {
			genRegion
			level string
		}
		byID := map[int64]*reg{}
		var order []*reg
		for rrows.Next() {
			var g reg
			var lat, lng *float64
			if err := rrows.Scan(&g.id, &g.path, &g.name, &g.level, &lat, &lng); err != nil {
				rrows.Close()
				return err
			}
			if lat != nil && lng != nil {
				g.lat, g.lng, g.has = *lat, *lng, true
			}
			byID[g.id] = &g
			order = append(order, &g)
		}
		rrows.Close()
		if err := rrows.Err(); err != nil {
			return err
		}
		for _, g := range order {
			if g.level == "city" || g.level == "district" {
				continue
			}
			// Walk up the path for a centre and a government.
			ids := pathIDs(g.path)
			for i := len(ids) - 1; i >= 0; i-- {
				a := byID[ids[i]]
				if a == nil {
					continue
				}
				if !g.has && a.has {
					g.lat, g.lng, g.has = a.lat, a.lng, true
				}
				if g.unit == nil {
					g.unit = byRegionGov[a.id]
				}
			}
			r := g.genRegion
			h.region = append(h.region, &r)
		}
		if len(h.region) == 0 {
			return errNoCity
		}
		// A few chronically late units among those that get the most work.
		var busy []*genUnit
		for _, c := range h.cats {
			if c.unit != nil && c.weight >= 4 && !slices.Contains(busy, c.unit) {
				busy = append(busy, c.unit)
			}
		}
		h.r.Shuffle(len(busy), func(i, j int) { busy[i], busy[j] = busy[j], busy[i] })
		for _, u := range busy[:min(len(busy), 2)] {
			u.late, u.speed, u.dissat = true, 2.6, u.dissat*1.5
		}
		govs := make([]*genUnit, 0, len(byRegionGov))
		for _, u := range byRegionGov {
			govs = append(govs, u)
		}
		slices.SortFunc(govs, func(a, b *genUnit) int { return int(a.id - b.id) })
		if len(govs) > 0 {
			u := govs[h.r.IntN(len(govs))]
			u.late, u.speed, u.dissat = true, 2.8, u.dissat*1.5
		}

		hrows, err := tx.Query(ctx, "SELECT day, kind FROM holidays")
		if err != nil {
			return err
		}
		defer hrows.Close()
		h.cal = Calendar{}
		for hrows.Next() {
			var d, k string
			if err := hrows.Scan(&d, &k); err != nil {
				return err
			}
			h.cal[d] = DayKind(k)
		}
		return hrows.Err()
	})
}

func pathIDs(path string) []int64 {
	var out []int64
	for p := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// baseWeight is a category's share of a typical month (hotline figures of
// mid-sized cities: parking, vending, rubbish and noise lead).
func baseWeight(code string) float64 {
	switch code {
	case "PARKING", "STREET_VENDING", "RUBBISH", "NOISE":
		return 9
	case "COOKING_FUMES", "ROAD_DAMAGE", "STREET_LIGHT", "PROPERTY", "FLYERS":
		return 5
	case "WATER", "POWER", "UNCIVIL", "GREENERY", "NEIGHBOUR", "PETS":
		return 3.5
	case "POLICY_QUERY", "WAGE_ARREARS", "MARKET_ORDER", "BUS_SERVICE", "MANHOLE", "PUBLIC_TOILET", "FOOD_SAFETY":
		return 2.5
	case "HEATING":
		return 0.6
	}
	return 1.5
}

// springFestival is the first day of the lunar year around the history.
var springFestival = map[int]string{2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26"}

// daysFromFestival is the distance in days to the nearest Spring Festival.
func daysFromFestival(t time.Time) int {
	best := 1000
	for _, y := range []int{t.Year() - 1, t.Year(), t.Year() + 1} {
		d, ok := springFestival[y]
		if !ok {
			continue
		}
		f, _ := time.ParseInLocation(DateLayout, d, Zone)
		n := int(math.Abs(t.Sub(f).Hours() / 24))
		best = min(best, n)
	}
	return best
}

// seasonal is a category's weight multiplier on a date.
func seasonal(code string, t time.Time) float64 {
	m := t.Month()
	summer := m >= time.June && m <= time.August
	winter := m == time.December || m <= time.February || m == time.November
	fest := daysFromFestival(t) <= 12
	switch code {
	case "NOISE", "COOKING_FUMES":
		if summer {
			return 2.4
		}
		if winter {
			return 0.6
		}
	case "HEATING":
		if winter {
			return 9
		}
		return 0.15
	case "RUBBISH":
		if fest {
			return 3
		}
	case "WAGE_ARREARS":
		if fest || m == time.January || m == time.December {
			return 3.5
		}
	case "WATERLOGGING":
		if m >= time.June && m <= time.September {
			return 5
		}
		return 0.3
	case "STREET_VENDING", "PETS":
		if summer {
			return 1.5
		}
	case "SCHOOL_PLACES":
		if m == time.July || m == time.August {
			return 4
		}
	case "POWER", "WATER":
		if summer {
			return 1.6
		}
	case "FLYERS", "UNCIVIL":
		if fest {
			return 1.6
		}
	}
	return 1
}

// arrivals returns the orders' creation times, oldest first: more on
// weekdays and in summer, fewer on public holidays, by hour of day.
func (h *history) arrivals() []time.Time {
	days := h.cfg.Days
	first := time.Date(h.now.In(Zone).Year(), h.now.In(Zone).Month(), h.now.In(Zone).Day(), 0, 0, 0, 0, Zone).AddDate(0, 0, -days+1)
	w := make([]float64, days)
	sum := 0.0
	for i := range w {
		d := first.AddDate(0, 0, i)
		v := 1.0
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			v = 0.75
		}
		if h.cal[d.Format(DateLayout)] == Holiday {
			v = 0.6
		}
		if m := d.Month(); m >= time.June && m <= time.August {
			v *= 1.25
		}
		// A campaign that grows: the recent months get more reports.
		v *= 0.8 + 0.4*float64(i)/float64(days)
		sum += v
		w[i] = sum
	}
	hours := []float64{0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 1, 2.2, 4, 5, 5, 4.5, 3.5, 3.5, 4.5, 4.5, 4.2, 3.8, 3.5, 3.6, 3.8, 3, 1.6, 0.6}
	hsum := make([]float64, 24)
	acc := 0.0
	for i, x := range hours {
		acc += x
		hsum[i] = acc
	}
	out := make([]time.Time, 0, h.cfg.Orders)
	end := h.now.Add(-time.Minute)
	for len(out) < h.cfg.Orders {
		di, _ := slices.BinarySearch(w, h.r.Float64()*sum)
		hi, _ := slices.BinarySearch(hsum, h.r.Float64()*acc)
		t := first.AddDate(0, 0, min(di, days-1)).Add(time.Duration(hi)*time.Hour + time.Duration(h.r.Int64N(int64(time.Hour))))
		if t.After(end) {
			continue
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func (h *history) pickCategory(t time.Time) *genCategory {
	total := 0.0
	for _, c := range h.cats {
		total += c.weight * seasonal(c.Code, t)
	}
	x := h.r.Float64() * total
	for _, c := range h.cats {
		x -= c.weight * seasonal(c.Code, t)
		if x <= 0 {
			return c
		}
	}
	return h.cats[len(h.cats)-1]
}

// exp returns an exponentially distributed duration with the mean.
func (h *history) exp(mean time.Duration) time.Duration {
	return time.Duration(h.r.ExpFloat64() * float64(mean))
}

func (h *history) pickChannel(c *genCategory) Channel {
	if !c.Public {
		return ChannelHotline
	}
	x := h.r.Float64()
	switch {
	case x < 0.55:
		return ChannelHotline
	case x < 0.75:
		return ChannelSnap
	case x < 0.86:
		return ChannelWeb
	case x < 0.96:
		return ChannelAPI
	}
	return ChannelBoard
}

var operators = []string{"话务员 王丽", "话务员 陈静", "话务员 刘婷", "话务员 张晓燕"}
var dispatchers = []string{"调度员 李建华", "调度员 周明"}

func (h *history) pick(s []string) string { return s[h.r.IntN(len(s))] }

// simulate lives one order from its arrival to its end or to now. Which
// step happens when is the simulator's own choice; what each step does to
// the order and its timeline is the effects table's, as in Act (h.act), and
// the rollup counts the order as it ends up (h.stat, in write).
func (h *history) simulate(id int64, created time.Time) (*genOrder, error) {
	c := h.pickCategory(created)
	reg := h.region[h.r.IntN(len(h.region))]
	o := &genOrder{cat: c, region: reg}
	o.ID, o.Code, o.Channel, o.State, o.CreatedAt = id, NewCode(), h.pickChannel(c), StateSubmitted, created
	o.CategoryID, o.Urgency, o.RegionID, o.RegionPath = c.ID, c.Urgency, reg.id, reg.path
	if reg.has {
		lat, lng := reg.lat+(h.r.Float64()-0.5)*0.02, reg.lng+(h.r.Float64()-0.5)*0.02
		o.Lat, o.Lng = &lat, &lng
	}
	o.Description, o.Title, o.Address = h.text(c, reg)
	o.ReporterName = surnameList[h.r.IntN(len(surnameList))] + []string{"先生", "女士"}[h.r.IntN(2)]
	o.ReporterPhone = fmt.Sprintf("1%d%09d", []int{3, 5, 8, 9}[h.r.IntN(4)], h.r.IntN(1_000_000_000))
	o.add(genEvent{at: created.UnixMilli(), action: EventSubmit, to: StateSubmitted})
	now := h.now.UnixMilli()
	t := created
	step := func(d time.Duration) bool { // false: now is reached first
		t = t.Add(d)
		return t.UnixMilli() < now
	}

	// Questions answered at once; a few refused.
	if o.Channel == ChannelHotline && (c.Code == "POLICY_QUERY" || h.r.Float64() < 0.06) {
		if !step(2*time.Minute + h.exp(5*time.Minute)) {
			return o, nil
		}
		return o, h.act(o, t, h.pick(operators), "operator", Step{Action: ActionAnswer, Note: "已在受理时答复市民：" + answerText(c.Code)})
	}
	if !step(10*time.Minute + h.exp(50*time.Minute)) {
		return o, nil
	}
	if h.r.Float64() < 0.015 {
		return o, h.act(o, t, h.pick(dispatchers), "dispatcher", Step{Action: ActionReject, Note: "诉求不属于受理范围，已告知市民向相关渠道反映"})
	}
	if err := h.act(o, t, h.pick(dispatchers), "dispatcher", Step{Action: ActionAccept}); err != nil {
		return o, err
	}
	if !step(5*time.Minute + h.exp(40*time.Minute)) {
		return o, nil
	}
	unit := c.unit
	if unit == nil {
		unit = reg.unit
	}
	if unit == nil {
		unit = h.fallback
	}
	if h.r.Float64() < 0.03 && reg.unit != nil && reg.unit != unit {
		// Sent to the street first, which returns it.
		if err := h.dispatch(o, t, reg.unit); err != nil {
			return o, err
		}
		if !step(2*time.Hour + h.exp(6*time.Hour)) {
			h.timer(o, t.UnixMilli())
			return o, nil
		}
		h.timer(o, t.UnixMilli())
		if err := h.act(o, t, reg.unit.name+"经办人", "unit_handler", Step{Action: ActionReturn, Note: "该事项不属于本单位职责，请改派"}); err != nil {
			return o, err
		}
		if !step(10*time.Minute + h.exp(time.Hour)) {
			return o, nil
		}
	}
	if err := h.dispatch(o, t, unit); err != nil {
		return o, err
	}

	// The unit acknowledges: quick units well inside the limit, late ones
	// often after it.
	ackLimit := time.Duration(c.AckHours) * time.Hour
	ackAfter := time.Duration(float64(ackLimit) * 0.25 * unit.speed * h.r.ExpFloat64())
	if unit.late && h.r.Float64() < 0.35 {
		ackAfter = ackLimit + h.exp(ackLimit)
	}
	if !step(time.Minute + ackAfter) {
		h.timer(o, now)
		return o, nil
	}
	h.timer(o, t.UnixMilli())
	if err := h.act(o, t, unit.name+"经办人", "unit_handler", Step{Action: ActionAcknowledge}); err != nil {
		return o, err
	}
	for round := 0; ; round++ {
		if ok, err := h.resolve(o, &t, now); !ok || err != nil {
			return o, err
		}
		// Verification by the dispatcher.
		if !step(20*time.Minute + h.exp(3*time.Hour)) {
			return o, nil
		}
		if h.r.Float64() < unit.refuse && round < 2 {
			if err := h.act(o, t, h.pick(dispatchers), "dispatcher", Step{Action: ActionRefuse, Note: "现场核查问题仍未解决，请重新办理"}); err != nil {
				return o, err
			}
			continue
		}
		if err := h.act(o, t, h.pick(dispatchers), "dispatcher", Step{Action: ActionVerify}); err != nil {
			return o, err
		}
		// The callback, a day or two later.
		if !step(4*time.Hour + h.exp(30*time.Hour)) {
			return o, nil
		}
		rating := RatingSatisfied
		switch x := h.r.Float64(); {
		case x < 0.04:
			rating = RatingUnreachable
		case x < 0.04+0.96*unit.dissat && round == 0:
			rating = RatingDissatisfied
		case x < 0.16:
			rating = RatingBasicallySatisfied
		}
		if err := h.act(o, t, h.pick(operators), "operator", Step{Action: ActionCallback, Rating: rating, Note: callbackNote(rating)}); err != nil {
			return o, err
		}
		if o.State == StateReopened {
			continue
		}
		if !step(10*time.Minute + h.exp(2*time.Hour)) {
			return o, nil
		}
		return o, h.act(o, t, h.pick(operators), "operator", Step{Action: ActionClose})
	}
}

// act takes one step on the simulated order by the transition table and
// the effects table, as Service.act does: the table's state check, the
// action's guard, its changes to the order and its timeline event (the
// rollup counts the order once, as written: h.stat). A refusal is a bug of the simulator.
func (h *history) act(o *genOrder, t time.Time, actor, role string, st Step) error {
	t = time.UnixMilli(t.UnixMilli()) // the database keeps milliseconds, so Act's times have them
	st.At, st.Category, st.Deadline = t, o.cat.Category, h.deadline
	// The simulated resolutions carry no photos (the demo's board cases get
	// theirs drawn afterwards), so the evidence rule is not the simulator's.
	st.Category.EvidenceRequired = false
	fx, err := takeStep(&o.Order, &st)
	if err != nil {
		return fmt.Errorf("demo history: order %d: %s at %s: %w", o.ID, st.Action, t.Format(time.RFC3339), err)
	}
	rule, _ := RuleFor(st.Action)
	e := genEvent{at: t.UnixMilli(), actor: actor, role: role, action: string(st.Action), from: fx.From, to: fx.To,
		note: st.Note, public: rule.PublicNote, deadline: ms(deadlineInForce(&o.Order)), unit: o.UnitID}
	if fx.Data != nil {
		e.data = jsonString(fx.Data)
	}
	o.add(e)
	return nil
}

// resolve runs the unit's work from acknowledged or reopened to resolved
// (with an extension now and then); false when now comes first.
func (h *history) resolve(o *genOrder, t *time.Time, now int64) (bool, error) {
	c, unit := o.cat, o.unit
	window := max(o.ResolveDueAt.Sub(*t), time.Hour)
	frac := 0.35 * unit.speed * h.r.ExpFloat64()
	if unit.late && h.r.Float64() < 0.3 {
		frac = 1 + h.r.ExpFloat64()*0.6
	}
	if h.r.Float64() < 0.03 && o.State == StateAcknowledged {
		// Asks for more time, and gets it.
		at := t.Add(min(window/3, h.exp(window/4)))
		if at.UnixMilli() >= now {
			h.timer(o, now)
			return false, nil
		}
		h.timer(o, at.UnixMilli())
		// Half the limit in calendar days, at least three, within what an
		// extension may ask for.
		base := *o.ResolveDueAt
		if at.After(base) {
			base = at
		}
		until := Deadline(h.cal, base, max(3, c.ResolveValue/2), CalendarDays)
		latest, err := maxExtension(&o.Order, &Step{At: at, Category: c.Category, Deadline: h.deadline})
		if err != nil {
			return false, err
		}
		if until.After(latest) {
			until = latest
		}
		if err := h.act(o, at, unit.name+"经办人", "unit_handler", Step{Action: ActionRequestExtension,
			Note: "需协调多个部门，申请延期办理", ExtensionUntil: until}); err != nil {
			return false, err
		}
		*t = at.Add(30*time.Minute + h.exp(3*time.Hour))
		if t.UnixMilli() >= now {
			h.timer(o, now)
			return false, nil
		}
		h.timer(o, t.UnixMilli())
		if err := h.act(o, *t, h.pick(dispatchers), "dispatcher", Step{Action: ActionApproveExtension}); err != nil {
			return false, err
		}
		// (an approval that comes after the new deadline still leaves
		// the unit some work before it resolves)
		window = max(o.ResolveDueAt.Sub(*t), time.Hour)
		frac = min(frac, 0.9)
	}
	*t = t.Add(time.Duration(float64(window)*frac) + 10*time.Minute)
	if t.UnixMilli() >= now {
		h.timer(o, now)
		return false, nil
	}
	h.timer(o, t.UnixMilli())
	return true, h.act(o, *t, unit.name+"经办人", "unit_handler", Step{Action: ActionResolve, Note: resolutionText(c.Code)})
}

// dispatch sends the order to a unit with fresh deadlines.
func (h *history) dispatch(o *genOrder, t time.Time, u *genUnit) error {
	o.unit = u
	return h.act(o, t, h.pick(dispatchers), "dispatcher", Step{Action: ActionDispatch, UnitID: u.id, UnitPath: u.path})
}

// deadline is the simulator's DeadlineFunc: the loaded holiday calendar.
func (h *history) deadline(start time.Time, n int, unit LimitUnit) (time.Time, error) {
	return Deadline(h.cal, start, n, unit), nil
}

// timer plays the overdue timer (once a minute) up to until: marks the
// missed deadline of an order with its unit and escalates it, to level 2
// a day later if it is still there. When is the simulator's; what each
// step does is the timer's own (overdueEffect, level2Effect).
func (h *history) timer(o *genOrder, until int64) {
	if !o.State.WithUnit() {
		return
	}
	const tick = 60_000
	if o.State == StateDispatched && !o.AckOverdue && ms(o.AckDueAt)+tick < until {
		h.timerStep(o, overdueEffect(&o.Order, "ack", time.UnixMilli(ms(o.AckDueAt)+tick)))
	}
	if !o.ResolveOverdue && ms(o.ResolveDueAt)+tick < until {
		h.timerStep(o, overdueEffect(&o.Order, "resolve", time.UnixMilli(ms(o.ResolveDueAt)+tick)))
	}
	if o.EscalationLevel == 1 && o.Overdue() && ms(o.EscalatedAt)+DefaultLevel2After.Milliseconds()+tick < until {
		h.timerStep(o, level2Effect(&o.Order, time.UnixMilli(ms(o.EscalatedAt)+DefaultLevel2After.Milliseconds()+tick)))
	}
}

// timerStep records a timer step's events, as Service.timerEffect does.
func (h *history) timerStep(o *genOrder, fx TimerEffect) {
	for _, te := range fx.events {
		o.add(genEvent{at: o.UpdatedAt.UnixMilli(), actor: "system", action: te.action, from: o.State, to: o.State,
			deadline: ms(te.deadline), unit: o.UnitID, data: jsonString(te.data)})
	}
}

func (o *genOrder) add(e genEvent) {
	o.events = append(o.events, e)
	o.upd = max(o.upd, e.at)
}

// stat adds an order's rollup counts, as it is written, to the sums: the
// same cohort.counts as a step on a live order (stats.go restat), so the
// demo's figures are a recount of its orders and agree with their trace.
func (h *history) stat(o *Order) {
	c := cohortOf(o)
	k, d := c.counts()
	key := statDayKey{Day(time.UnixMilli(c.created)), k}
	if p := h.stats[key]; p != nil {
		p.add(d)
	} else {
		h.stats[key] = &d
	}
}

const orderInsertCols = `(id, code, channel, category_id, title, description, address, lat, lng, region_id, region_path,
	unit_id, unit_path, reporter_name, reporter_phone, state, urgency, dispatched_at, ack_due_at, resolve_due_at,
	acknowledged_at, resolved_at, closed_at, extension_until, ack_overdue, resolve_overdue, escalation_level, escalated_at,
	satisfaction, first_rating, reopen_count, resolution, created_at, updated_at)`

const orderInsertN = 34

const eventInsertCols = `(id, order_id, at, actor_id, actor_name, actor_role, action, from_state, to_state, note, public_note,
	deadline_at, unit_id, data)`

const eventInsertN = 14

// insertRows writes rows with multi-row INSERTs of at most per rows.
func insertRows(ctx context.Context, tx *db.Tx, table, cols string, n int, rows [][]any, per int) error {
	one := "(" + db.Placeholders(n) + ")"
	for len(rows) > 0 {
		k := min(per, len(rows))
		args := make([]any, 0, k*n)
		for _, r := range rows[:k] {
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+table+" "+cols+" VALUES "+db.Rows(one, k), args...); err != nil {
			return err
		}
		rows = rows[k:]
	}
	return nil
}

// floatArg is a coordinate for an INSERT, nil for none.
func floatArg(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func nz(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// write stores a chunk of orders with their events and search tokens in
// one transaction.
func (h *history) write(ctx context.Context, batch []*genOrder, nextEvent *int64) error {
	orders := make([][]any, 0, len(batch))
	var events [][]any
	ev := *nextEvent
	for _, o := range batch {
		created := o.CreatedAt.UnixMilli()
		orders = append(orders, []any{o.ID, o.Code, string(o.Channel), o.CategoryID, o.Title, o.Description, o.Address,
			floatArg(o.Lat), floatArg(o.Lng), o.RegionID, o.RegionPath, nullID(o.UnitID), o.UnitPath, o.ReporterName,
			o.ReporterPhone, string(o.State), o.Urgency, msp(o.DispatchedAt), msp(o.AckDueAt), msp(o.ResolveDueAt),
			msp(o.AcknowledgedAt), msp(o.ResolvedAt), msp(o.ClosedAt), msp(o.ExtensionUntil), o.AckOverdue,
			o.ResolveOverdue, o.EscalationLevel, msp(o.EscalatedAt), string(o.Satisfaction), string(o.FirstRating), o.ReopenCount, o.Resolution,
			created, max(o.upd, created)})
		h.stat(&o.Order)
		slices.SortStableFunc(o.events, func(a, b genEvent) int { return int(a.at - b.at) })
		for _, e := range o.events {
			ev++
			events = append(events, []any{ev, o.ID, e.at, nil, e.actor, e.role, e.action, string(e.from), string(e.to),
				e.note, e.public, nz(e.deadline), nz(e.unit), e.data})
		}
		h.res.Orders++
		if o.State.Open() {
			h.res.Open++
		}
		if o.State.WithUnit() && o.Overdue() {
			h.res.Overdue++
		}
	}
	err := h.s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := insertRows(ctx, tx, "workorders", orderInsertCols, orderInsertN, orders, 500); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, "workorder_events", eventInsertCols, eventInsertN, events, 1000); err != nil {
			return err
		}
		if err := indexBulk(ctx, tx, batch); err != nil {
			return err
		}
		if tx.Engine() == db.Postgres {
			for _, t := range []string{"workorders", "workorder_events"} {
				if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), (SELECT MAX(id) FROM "+t+"))"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.res.Events += int(ev - *nextEvent)
	*nextEvent = ev
	return nil
}

// indexBulk puts a chunk of new orders into the search index with one
// search.PutMany.
func indexBulk(ctx context.Context, tx *db.Tx, batch []*genOrder) error {
	docs := make([]search.Doc, len(batch))
	for i, o := range batch {
		docs[i] = search.Doc{Ref: o.ID, New: true, Texts: []string{o.Title, o.Description, o.Address, o.Resolution}}
	}
	return search.PutMany(ctx, tx, SearchKind, docs)
}

// statsEvery is how many orders' rollup is kept in memory before it is
// written.
const statsEvery = 100_000

// writeStats adds the rollup summed so far to both rollup tables (rows
// that exist, from orders already there or an earlier write, are added to)
// and starts a new sum.
func (h *history) writeStats(ctx context.Context) error {
	sums := h.stats
	h.res.StatRows += len(sums)
	h.stats = map[statDayKey]*statDelta{}
	return h.s.DB.Write(ctx, func(tx *db.Tx) error { return writeStats(ctx, tx, sums) })
}

var surnameList = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "罗", "何", "郭", "唐"}

var placeWords = []string{"小区门口", "菜市场旁", "学校附近", "公交站台", "十字路口", "人行道上", "小区院内", "商业街", "河边步道", "广场东侧"}

// problems are what citizens write, by category.
var problems = map[string][]string{
	"STREET_VENDING":   {"有流动摊贩占道经营，行人只能走机动车道", "早餐摊点占用人行道，油污满地"},
	"FLYERS":           {"电线杆和墙面贴满小广告，清理后又被贴上", "楼道里到处是办证小广告"},
	"RUBBISH":          {"垃圾堆了好几天没人清运，气味很大", "垃圾桶满溢，垃圾散落一地"},
	"COOKING_FUMES":    {"餐馆油烟直排，家里窗户都不敢开", "烧烤店油烟扰民，晚上烟雾很大"},
	"ILLEGAL_BUILDING": {"楼顶有人违章搭建彩钢棚", "一楼住户私自扩建占用公共绿地"},
	"GREENERY":         {"行道树枝条遮挡路灯和交通标志", "绿化带杂草丛生，无人养护"},
	"PUBLIC_TOILET":    {"公厕无人打扫，卫生状况很差", "公厕洗手池损坏，长期停水"},
	"NOISE":            {"深夜广场舞音响声音太大，影响休息", "工地夜间施工噪音扰民"},
	"PARKING":          {"车辆乱停放堵住消防通道", "人行道被机动车占满，无法通行"},
	"TRAFFIC_SIGNAL":   {"信号灯故障，一直闪黄灯，路口很乱", "红绿灯不亮，车辆抢行"},
	"BUS_SERVICE":      {"公交车间隔太长，早高峰等半小时", "公交司机不按站停车"},
	"ROAD_DAMAGE":      {"道路破损坑洼积水，电动车经过容易摔倒", "路面塌陷形成大坑"},
	"MANHOLE":          {"井盖缺失，旁边只放了一个锥桶，很危险", "井盖破损松动，车辆经过咣当作响"},
	"STREET_LIGHT":     {"路灯不亮已经一个星期了，晚上很不安全", "一整排路灯都不亮"},
	"WATERLOGGING":     {"暴雨后路面积水很深，车辆无法通行", "大风吹倒行道树压住道路"},
	"WATER":            {"小区停水一天了，没有任何通知", "自来水发黄有异味"},
	"POWER":            {"片区频繁停电，家电都受影响", "电线老化垂落，存在安全隐患"},
	"GAS":              {"楼道里闻到燃气味，担心泄漏", "燃气表故障无法充值"},
	"HEATING":          {"家里暖气不热，室温只有十几度", "集中供暖管道漏水"},
	"FOOD_SAFETY":      {"餐馆后厨卫生脏乱，食材随地堆放", "买到过期食品，商家拒绝退换"},
	"MARKET_ORDER":     {"农贸市场摊位占道，地面污水横流", "市场里缺斤少两，秤有问题"},
	"PROPERTY":         {"物业不作为，电梯坏了一个月没人修", "物业费上涨没有公示"},
	"WAGE_ARREARS":     {"工地拖欠农民工工资三个月", "公司拖欠工资，老板联系不上"},
	"SCHOOL_PLACES":    {"孩子入学划片有疑问，希望给予解答", "随迁子女入学手续不清楚"},
	"ELDERLY_CARE":     {"社区养老服务站长期不开门", "独居老人需要上门照护服务"},
	"PETS":             {"有人遛狗不牵绳，吓到小孩", "邻居家狗整夜狂叫"},
	"NEIGHBOUR":        {"楼上邻居装修噪音持续到深夜", "邻居在楼道堆放杂物，协商不成"},
	"UNCIVIL":          {"有人在景区乱刻乱画", "公共场所随地吐痰、乱扔烟头"},
	"POLICY_QUERY":     {"咨询医保异地报销政策", "咨询公积金提取办理流程"},
}

func (h *history) text(c *genCategory, reg *genRegion) (desc, title, address string) {
	ps := problems[c.Code]
	if len(ps) == 0 {
		ps = []string{c.Name + "问题，请相关部门尽快处理"}
	}
	place := placeWords[h.r.IntN(len(placeWords))]
	p := ps[h.r.IntN(len(ps))]
	desc = reg.name + place + p + "，希望尽快解决。"
	r := []rune(reg.name + place + p)
	title = string(r[:min(len(r), 30)])
	address = fmt.Sprintf("%s%s%d号附近", reg.name, []string{"中路", "北街", "南巷", "东路"}[h.r.IntN(4)], 1+h.r.IntN(200))
	return desc, title, address
}

func resolutionText(code string) string {
	switch code {
	case "RUBBISH", "FLYERS", "PUBLIC_TOILET":
		return "已安排环卫人员现场清理，并增加巡查频次，现场已整洁。"
	case "STREET_VENDING", "PARKING", "MARKET_ORDER":
		return "执法人员已到场劝离并教育，已纳入日常巡查。"
	case "NOISE", "COOKING_FUMES", "PETS":
		return "已联系当事方整改，并告知相关规定，经回访扰民情况已消除。"
	case "STREET_LIGHT", "ROAD_DAMAGE", "MANHOLE", "TRAFFIC_SIGNAL":
		return "已安排维修人员到场修复，设施恢复正常。"
	case "WATER", "POWER", "GAS", "HEATING":
		return "供应单位已派员检修，供应已恢复。"
	}
	return "承办单位已核实并处理，处理结果已告知市民。"
}

func answerText(code string) string {
	if code == "POLICY_QUERY" {
		return "已按现行政策解答办理条件和流程。"
	}
	return "已告知办理渠道和所需材料。"
}

func callbackNote(r Rating) string {
	switch r {
	case RatingUnreachable:
		return "电话回访三次均未接通"
	case RatingDissatisfied:
		return "市民表示问题仍未解决"
	}
	return "市民对办理结果表示认可"
}

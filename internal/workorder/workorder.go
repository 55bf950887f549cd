// Package workorder is the heart of wenming: citizen requests from every
// channel through their whole life (docs/GLOSSARY.md, "Citizen requests").
// Categories and the holiday calendar are data; the life of an order is one
// transition table (Rules) checked by plain functions (Next, Allowed); the
// Service stores orders, their timeline and evidence, posts their notices to the inbox,
// escalates overdue orders on a timer and keeps the daily KPI rollup in the
// same transaction as every change. There is no HTTP here.
package workorder

import (
	"context"
	"crypto/rand"
	"database/sql"
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
	"github.com/wenming-city/wenming/internal/inbox"
	outbox "github.com/wenming-city/wenming/internal/notify"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/refcache"
	"github.com/wenming-city/wenming/internal/search"
)

// DefaultLevel2After is how long after the first escalation an order that
// is still overdue is escalated again, when Service.Level2After is 0.
const DefaultLevel2After = 24 * time.Hour

// Limits on input.
const (
	MinDescriptionLen = 5
	MaxDescriptionLen = 2000
	MaxTitleLen       = 100
	MaxAddressLen     = 200
	MaxNameLen        = 50
	MaxNoteLen        = 2000
	MaxPhotos         = 9
	MaxAssistUnits    = 10
	DefaultPageSize   = 50
	MaxPageSize       = 500
)

// Limits on machine input.
const (
	// MaxAPIDescriptionLen bounds descriptions sent by Open311 clients
	// (channel api with a source): GeoReport v2 allows 4000 characters.
	MaxAPIDescriptionLen = 4000
	// MaxSourceLen bounds an order's source (an Open311 client's name).
	MaxSourceLen = 100
)

// Service is the work-order capability.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
	// Level2After: delay from escalation level 1 to level 2 (0: DefaultLevel2After).
	Level2After time.Duration
	// ReportLimit throttles citizens' reports per address (zero value:
	// DefaultReportLimit; Reports < 0: no limit, e.g. for a load test).
	ReportLimit ReportLimit
	// Batch, when set and started, writes citizens' reports (SubmitPublic)
	// in shared transactions (group commit; batch.go).
	Batch *Batcher
	// SearchBehind leaves the search tokens of the citizens' reports the
	// Batcher writes to the search indexer (IndexPending, RunSearchIndexer):
	// each batch commits one workorder_search_pending row per order instead,
	// and a search by tracking code finds the order meanwhile.
	SearchBehind bool
	// Photos stores the photos of citizens' reports (SubmitPublic); nil
	// when there is no photo store (reports with photos are then refused).
	Photos *photo.Service

	// codes draws tracking codes (nil: NewCode); tests make it clash.
	codes func() string
	// statsFromDaily makes Stats read workorder_stats_daily even where
	// workorder_stats_dim would do (tests compare the two).
	statsFromDaily bool

	regions    refcache.Value[regionIndex] // centres that place citizens' reports (cache.go)
	categories refcache.Value[categorySet] // categories by id and code (cache.go)
	questions  refcache.Value[questionSet] // extra questions by category (questions.go)
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

// Channel is where an order came from.
type Channel string

const (
	ChannelHotline Channel = "hotline" // 热线
	ChannelSnap    Channel = "snap"    // 随手拍
	ChannelBoard   Channel = "board"   // 曝光台
	ChannelWeb     Channel = "web"     // 网页
	ChannelAPI     Channel = "api"     // 接口
)

// Channels lists the channels.
var Channels = []Channel{ChannelHotline, ChannelSnap, ChannelBoard, ChannelWeb, ChannelAPI}

// citizenChannels are those a visitor without an account may use.
var citizenChannels = []Channel{ChannelSnap, ChannelWeb, ChannelAPI}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Key is the i18n key of the channel's name.
func (c Channel) Key() string { return "workorder.channel." + string(c) }

// Order is one work order. ReporterPhone is masked unless revealed with
// ReporterContact.
type Order struct {
	ID             int64    `json:"id"`
	Code           string   `json:"code"`
	Kind           Kind     `json:"kind"` // request, or an inspection's rectification (kind.go)
	Channel        Channel  `json:"channel"`
	Source         string   `json:"source"` // within the channel: the Open311 client's name, "" when none
	CategoryID     int64    `json:"category_id"`
	CategoryName   string   `json:"category_name"`
	CategoryNameEN string   `json:"category_name_en"`
	Title          string   `json:"title"`
	Description    string   `json:"description"`
	Address        string   `json:"address"`
	Lat            *float64 `json:"lat"`
	Lng            *float64 `json:"lng"`
	RegionID       int64    `json:"region_id"`
	RegionPath     string   `json:"region_path"`
	RegionName     string   `json:"region_name"`
	RegionNameEN   string   `json:"region_name_en"`
	// RegionParent is the region above the order's (its street above a
	// grid), which tells apart the many 第一网格 of a list.
	RegionParent    string     `json:"region_parent"`
	RegionParentEN  string     `json:"region_parent_en"`
	UnitID          int64      `json:"unit_id"`
	UnitPath        string     `json:"unit_path"`
	UnitName        string     `json:"unit_name"`
	UnitNameEN      string     `json:"unit_name_en"`
	AssistUnitIDs   []int64    `json:"assist_unit_ids"`
	ReporterName    string     `json:"reporter_name"`
	ReporterPhone   string     `json:"reporter_phone"`
	State           State      `json:"state"`
	Urgency         string     `json:"urgency"`
	DispatchedAt    *time.Time `json:"dispatched_at"`
	AckDueAt        *time.Time `json:"ack_due_at"`
	ResolveDueAt    *time.Time `json:"resolve_due_at"`
	AcknowledgedAt  *time.Time `json:"acknowledged_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	ExtensionUntil  *time.Time `json:"extension_until"`
	AckOverdue      bool       `json:"ack_overdue"`
	ResolveOverdue  bool       `json:"resolve_overdue"`
	EscalationLevel int        `json:"escalation_level"`
	EscalatedAt     *time.Time `json:"escalated_at"`
	ParentID        int64      `json:"parent_id"`
	Satisfaction    Rating     `json:"satisfaction"` // the latest callback's rating
	FirstRating     Rating     `json:"first_rating"` // the first reached (not unreachable) callback's, which the figures count; "" before one
	ReopenCount     int        `json:"reopen_count"`
	Resolution      string     `json:"resolution"`
	CreatedBy       int64      `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	Events          []Event    `json:"events,omitempty"`  // filled by Get
	Answers         []Answer   `json:"answers,omitempty"` // filled by Get
}

// Overdue reports whether a deadline was missed.
func (o *Order) Overdue() bool { return o.AckOverdue || o.ResolveOverdue }

// Event is one step on an order's timeline.
type Event struct {
	ID         int64      `json:"id"`
	OrderID    int64      `json:"order_id"`
	At         time.Time  `json:"at"`
	ActorID    int64      `json:"actor_id"`
	ActorName  string     `json:"actor_name"`
	ActorRole  string     `json:"actor_role"`
	Action     string     `json:"action"`
	FromState  State      `json:"from_state"`
	ToState    State      `json:"to_state"`
	Note       string     `json:"note"`
	PublicNote bool       `json:"public_note"`
	DeadlineAt *time.Time `json:"deadline_at"`
	UnitID     int64      `json:"unit_id"`
	UnitName   string     `json:"unit_name"`
	UnitNameEN string     `json:"unit_name_en"`
	Data       string     `json:"data"` // JSON, "" when none
	PhotoIDs   []int64    `json:"photo_ids"`
}

const orderCols = `w.id, w.code, w.channel, w.category_id, c.name, c.name_en, w.title, w.description, w.address, w.lat, w.lng,
	w.region_id, w.region_path, COALESCE(r.name, ''), w.unit_id, w.unit_path, COALESCE(u.name, ''),
	w.reporter_name, w.reporter_phone, w.state, w.urgency, w.dispatched_at, w.ack_due_at, w.resolve_due_at,
	w.acknowledged_at, w.resolved_at, w.closed_at, w.extension_until, w.ack_overdue, w.resolve_overdue,
	w.escalation_level, w.escalated_at, w.parent_id, w.satisfaction, w.first_rating, w.reopen_count, w.resolution, w.created_by,
	w.created_at, w.updated_at, w.source, COALESCE(r.name_en, ''), COALESCE(u.name_en, ''),
	COALESCE(rp.name, ''), COALESCE(rp.name_en, ''), w.kind`

const orderFrom = ` FROM workorders w
	JOIN workorder_categories c ON c.id = w.category_id
	LEFT JOIN regions r ON r.id = w.region_id
	LEFT JOIN regions rp ON rp.id = r.parent_id
	LEFT JOIN units u ON u.id = w.unit_id`

// ListColumns and ListFrom are what List selects and from where, for the
// load tool, which times the same statement without the service around it.
const (
	ListColumns = orderCols
	ListFrom    = orderFrom
)

type scanner interface{ Scan(...any) error }

func scanOrder(sc scanner) (Order, error) { return newOrderScan().scan(sc) }

// orderScan holds the columns of an order row while it is scanned. A list
// scans all its rows with one (a fresh set of temporaries per row, each
// escaping to the heap through Scan, was a third of List's own time).
type orderScan struct {
	o                                                                       Order
	lat, lng                                                                sql.NullFloat64
	region, unit, parent, createdBy                                         sql.NullInt64
	dispatched, ackDue, resolveDue, acked, resolved, closed, ext, escalated sql.NullInt64
	channel, state, sat, first, kind                                        string
	created, updated                                                        int64
	dest                                                                    []any
}

func newOrderScan() *orderScan {
	s := &orderScan{}
	o := &s.o
	s.dest = []any{&o.ID, &o.Code, &s.channel, &o.CategoryID, &o.CategoryName, &o.CategoryNameEN, &o.Title, &o.Description,
		&o.Address, &s.lat, &s.lng, &s.region, &o.RegionPath, &o.RegionName, &s.unit, &o.UnitPath, &o.UnitName,
		&o.ReporterName, &o.ReporterPhone, &s.state, &o.Urgency, &s.dispatched, &s.ackDue, &s.resolveDue,
		&s.acked, &s.resolved, &s.closed, &s.ext, &o.AckOverdue, &o.ResolveOverdue,
		&o.EscalationLevel, &s.escalated, &s.parent, &s.sat, &s.first, &o.ReopenCount, &o.Resolution, &s.createdBy,
		&s.created, &s.updated, &o.Source, &o.RegionNameEN, &o.UnitNameEN, &o.RegionParent, &o.RegionParentEN, &s.kind}
	return s
}

// scan reads one row (orderCols) into a new Order.
func (s *orderScan) scan(sc scanner) (Order, error) {
	s.o = Order{}
	if err := sc.Scan(s.dest...); err != nil {
		return Order{}, err
	}
	o := s.o
	o.Channel, o.State, o.Satisfaction, o.FirstRating = Channel(s.channel), State(s.state), Rating(s.sat), Rating(s.first)
	o.Kind = Kind(s.kind)
	if s.lat.Valid {
		lat := s.lat.Float64
		o.Lat = &lat
	}
	if s.lng.Valid {
		lng := s.lng.Float64
		o.Lng = &lng
	}
	o.RegionID, o.UnitID, o.ParentID, o.CreatedBy = s.region.Int64, s.unit.Int64, s.parent.Int64, s.createdBy.Int64
	o.DispatchedAt, o.AckDueAt, o.ResolveDueAt = tp(s.dispatched), tp(s.ackDue), tp(s.resolveDue)
	o.AcknowledgedAt, o.ResolvedAt, o.ClosedAt = tp(s.acked), tp(s.resolved), tp(s.closed)
	o.ExtensionUntil, o.EscalatedAt = tp(s.ext), tp(s.escalated)
	o.CreatedAt, o.UpdatedAt = time.UnixMilli(s.created), time.UnixMilli(s.updated)
	return o, nil
}

// visibleWhere is the read predicate, the one place that decides which
// orders staff see: the order's region, lead unit or creator lies in p's
// scope, or one of its assisting units does, or the lead or an assisting
// unit is p's own unit whatever p's scope kind (a handler scoped to a region
// still sees what is dispatched to their unit outside it).
func visibleWhere(p *auth.Principal) (string, []any) {
	if p.Scope.All {
		return "1=1", nil
	}
	w, args := p.Scope.Where("w.region_path", "w.unit_path", "w.created_by")
	var or []string
	if p.UnitID != 0 {
		or = append(or, "w.unit_id = ?")
		args = append(args, p.UnitID)
	}
	uw, uargs := auth.Scope{UnitPaths: p.Scope.UnitPaths, UnitExact: p.Scope.UnitExact}.Where("", "au.path", "")
	if uw != "1=0" {
		or = append(or, "EXISTS (SELECT 1 FROM workorder_units wu JOIN units au ON au.id = wu.unit_id WHERE wu.order_id = w.id AND "+uw+")")
		args = append(args, uargs...)
	}
	if p.UnitID != 0 {
		or = append(or, "EXISTS (SELECT 1 FROM workorder_units wo WHERE wo.order_id = w.id AND wo.unit_id = ?)")
		args = append(args, p.UnitID)
	}
	if len(or) > 0 {
		w = "(" + w + " OR " + strings.Join(or, " OR ") + ")"
	}
	return w, args
}

// canRead checks that p may read orders at all.
func canRead(p *auth.Principal) error {
	if p == nil {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	for _, perm := range []auth.Perm{auth.PermOrderView, auth.PermOrderIntake, auth.PermOrderDispatch, auth.PermOrderHandle} {
		if p.Can(perm) {
			return nil
		}
	}
	return errs.E(errs.Forbidden, "err.forbidden")
}

// loadOrder reads one order p may see (nil p: the system sees all).
func loadOrder(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Order, error) {
	q, args := "SELECT "+orderCols+orderFrom+" WHERE w.id = ?", []any{id}
	if p != nil {
		w, wargs := visibleWhere(p)
		q += " AND " + w
		args = append(args, wargs...)
	}
	o, err := scanOrder(txRow(ctx, tx, "workorder.entity.order", q, args...))
	if err != nil {
		return o, err
	}
	o.AssistUnitIDs, err = assistUnits(ctx, tx, id)
	return o, err
}

func assistUnits(ctx context.Context, tx *db.Tx, id int64) ([]int64, error) {
	rows, err := tx.Query(ctx, "SELECT unit_id FROM workorder_units WHERE order_id = ? ORDER BY unit_id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func loadEvents(ctx context.Context, tx *db.Tx, orderID int64) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT e.id, e.order_id, e.at, e.actor_id, e.actor_name, e.actor_role, e.action, e.from_state,
		e.to_state, e.note, e.public_note, e.deadline_at, e.unit_id, COALESCE(u.name, ''), e.data, COALESCE(u.name_en, '')
		FROM workorder_events e LEFT JOIN units u ON u.id = e.unit_id WHERE e.order_id = ? ORDER BY e.id`, orderID)
	if err != nil {
		return nil, err
	}
	var out []Event
	idx := map[int64]int{}
	for rows.Next() {
		var e Event
		var at int64
		var actor, deadline, unit sql.NullInt64
		var from, to string
		if err := rows.Scan(&e.ID, &e.OrderID, &at, &actor, &e.ActorName, &e.ActorRole, &e.Action, &from, &to, &e.Note,
			&e.PublicNote, &deadline, &unit, &e.UnitName, &e.Data, &e.UnitNameEN); err != nil {
			rows.Close()
			return nil, err
		}
		e.At, e.ActorID, e.DeadlineAt, e.UnitID = time.UnixMilli(at), actor.Int64, tp(deadline), unit.Int64
		e.FromState, e.ToState = State(from), State(to)
		idx[e.ID] = len(out)
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prow, err := tx.Query(ctx, "SELECT event_id, photo_id FROM workorder_attachments WHERE order_id = ? ORDER BY event_id, photo_id", orderID)
	if err != nil {
		return nil, err
	}
	defer prow.Close()
	for prow.Next() {
		var ev, ph int64
		if err := prow.Scan(&ev, &ph); err != nil {
			return nil, err
		}
		if i, ok := idx[ev]; ok {
			out[i].PhotoIDs = append(out[i].PhotoIDs, ph)
		}
	}
	return out, prow.Err()
}

// Get returns an order in p's scope with its timeline; outside the scope
// it does not exist. The reporter's phone is masked.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Order, error) {
	if err := canRead(p); err != nil {
		return Order{}, err
	}
	var o Order
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if o, err = loadOrder(ctx, tx, p, id); err != nil {
			return err
		}
		if o.Events, err = loadEvents(ctx, tx, id); err != nil {
			return err
		}
		o.Answers, err = loadAnswers(ctx, tx, id, o.CategoryID)
		return err
	})
	o.ReporterPhone = pii.MaskPhone(o.ReporterPhone)
	return o, err
}

// ReporterContact reveals the reporter's full phone number to staff who
// hold contact.view, and writes the view_contact audit entry.
func (s *Service) ReporterContact(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if err := auth.Require(p, auth.PermContactView); err != nil {
		return "", err
	}
	if err := canRead(p); err != nil {
		return "", err
	}
	var phone string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		o, err := loadOrder(ctx, tx, p, id)
		if err != nil {
			return err
		}
		phone = o.ReporterPhone
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionViewContact, Entity: "workorder",
			EntityID: audit.ID(id), Summary: o.Code}, nil, nil)
	})
	return phone, err
}

// SubmitInput is a new order from a citizen, an operator or a machine.
type SubmitInput struct {
	Channel       Channel  `json:"channel"`
	CategoryID    int64    `json:"category_id"`
	Title         string   `json:"title"`
	Description   string   `json:"description"`
	Address       string   `json:"address"`
	Lat           *float64 `json:"lat"`
	Lng           *float64 `json:"lng"`
	RegionID      int64    `json:"region_id"`
	ReporterName  string   `json:"name"`
	ReporterPhone string   `json:"phone"`
	PhotoIDs      []int64  `json:"photo_ids"`
	// Answers to the category's extra questions (questions.go), checked
	// again and stored in the order's transaction.
	Answers Answers `json:"answers"`
	// Source names where the order came from within its channel (the
	// Open311 client's name); set by the server, never by the reporter.
	Source string `json:"-"`
	IP     string `json:"-"` // the citizen's address, kept on the submit event

	// tokens are the search tokens of the order's texts, analysed by
	// analyse in the caller's goroutine rather than in the one writer's
	// transaction.
	tokens []string
}

func (in *SubmitInput) normalise() {
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	in.Address = strings.TrimSpace(in.Address)
	in.ReporterName = strings.TrimSpace(in.ReporterName)
	in.ReporterPhone = strings.TrimSpace(in.ReporterPhone)
	if c, ok := pii.NormalisePhone(in.ReporterPhone); ok {
		in.ReporterPhone = c // stored in the one canonical form: the points key
	}
	if in.Title == "" {
		r := []rune(strings.Join(strings.Fields(in.Description), " "))
		in.Title = string(r[:min(len(r), 30)])
	}
}

// analyse sets the search tokens of a normalised input, once, before the
// input goes to the writer.
func (in *SubmitInput) analyse() {
	in.tokens = search.Tokens(in.Title, in.Description, in.Address, "")
}

func (in *SubmitInput) validate(f *errs.Fields, citizen bool) {
	if !in.Channel.Valid() || (citizen && !slices.Contains(citizenChannels, in.Channel)) {
		f.Add("channel", "field.bad_choice")
	}
	f.Check(in.CategoryID > 0, "category_id", "field.required")
	n, maxLen := utf8.RuneCountInString(in.Description), MaxDescriptionLen
	if in.Channel == ChannelAPI && in.Source != "" {
		maxLen = MaxAPIDescriptionLen // an Open311 client
	}
	switch {
	case n == 0:
		f.Add("description", "field.required")
	case n < MinDescriptionLen:
		f.Add("description", "workorder.field.too_short", MinDescriptionLen)
	case n > maxLen:
		f.Add("description", "field.too_long", maxLen)
	}
	f.Check(utf8.RuneCountInString(in.Source) <= MaxSourceLen, "source", "field.too_long", MaxSourceLen)
	f.Check(utf8.RuneCountInString(in.Title) <= MaxTitleLen, "title", "field.too_long", MaxTitleLen)
	f.Check(utf8.RuneCountInString(in.Address) <= MaxAddressLen, "address", "field.too_long", MaxAddressLen)
	f.Check(utf8.RuneCountInString(in.ReporterName) <= MaxNameLen, "name", "field.too_long", MaxNameLen)
	if in.ReporterPhone != "" && !pii.ValidPhone(in.ReporterPhone) {
		f.Add("phone", "field.bad_phone")
	}
	checkCoord(f, "lat", in.Lat, 90)
	checkCoord(f, "lng", in.Lng, 180)
	if (in.Lat == nil) != (in.Lng == nil) {
		f.Add("lat", "workorder.field.need_both_coords")
	}
	f.Check(len(in.PhotoIDs) <= MaxPhotos, "photos", "workorder.field.too_many_photos", MaxPhotos)
}

func checkCoord(f *errs.Fields, field string, v *float64, limit float64) {
	if v == nil {
		return
	}
	if math.IsNaN(*v) || math.IsInf(*v, 0) {
		f.Add(field, "field.bad_number")
	} else if *v < -limit || *v > limit {
		f.Add(field, "field.out_of_range", -int(limit), int(limit))
	}
}

// Submitted is what a new order's reporter gets back.
type Submitted struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
}

// Submit takes in a new order. A nil p is a citizen without an account
// (channels snap, web and api; public categories only); staff need
// workorder.intake. It returns once the order is committed.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, in SubmitInput) (Submitted, error) {
	citizen := p == nil
	if !citizen {
		if err := auth.Require(p, auth.PermOrderIntake); err != nil {
			return Submitted{}, err
		}
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f, citizen)
	if err := f.Err(); err != nil {
		return Submitted{}, err
	}
	in.analyse()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Submitted, error) { return s.submitTx(ctx, tx, p, in) })
}

// submitTx writes a validated, normalised order in the caller's
// transaction: the category and region checks, the row, the submit event
// with its photos, the KPI rollup and, for staff, the audit entry.
func (s *Service) submitTx(ctx context.Context, tx *db.Tx, p *auth.Principal, in SubmitInput) (Submitted, error) {
	citizen := p == nil
	var f errs.Fields
	var out Submitted
	err := func() error {
		cat, err := s.cachedCategory(ctx, tx, in.CategoryID)
		if err != nil || !cat.Pickable(citizen) {
			if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
			f.Add("category_id", "field.bad_choice")
			return f.Err()
		}
		var regionPath string
		if in.RegionID != 0 {
			if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{in.RegionID}, &regionPath); err != nil {
				if errs.Is(err, errs.NotFound) {
					f.Add("region_id", "field.bad_choice")
					return f.Err()
				}
				return err
			}
		}
		now := s.Clock.Now()
		var createdBy any
		if p != nil {
			createdBy = p.UserID
		}
		// A new random tracking code each try; a code already taken (50
		// random bits: about one try in 10^9 at a million orders) inserts
		// nothing and is drawn again.
		var id int64
		var code string
		for try := 0; ; try++ {
			if try == 5 {
				return errs.E(errs.Conflict, "err.duplicate")
			}
			code = s.drawCode()
			err := tx.Get(ctx, "", `INSERT INTO workorders (code, channel, category_id, title, description, address, lat, lng,
				region_id, region_path, reporter_name, reporter_phone, state, urgency, created_by, created_at, updated_at, source)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING RETURNING id`,
				[]any{code, string(in.Channel), cat.ID, in.Title, in.Description, in.Address, in.Lat, in.Lng,
					nullID(in.RegionID), regionPath, in.ReporterName, in.ReporterPhone, string(StateSubmitted), cat.Urgency,
					createdBy, now.UnixMilli(), now.UnixMilli(), in.Source}, &id)
			if err == nil {
				break
			}
			if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		data := ""
		if in.IP != "" {
			data = jsonString(map[string]any{"ip": in.IP})
		}
		ev := event{order: id, at: now, action: EventSubmit, to: StateSubmitted, data: data, photos: in.PhotoIDs}
		if p != nil {
			ev.actor(p)
		}
		if _, err := ev.insert(ctx, tx); err != nil {
			return err
		}
		if err := s.saveAnswers(ctx, tx, id, cat.ID, in.Answers); err != nil {
			return err
		}
		if err := indexOrder(ctx, tx, search.Doc{Ref: id, New: true, Tokens: in.tokens, Texts: []string{in.Title, in.Description, in.Address, ""}}); err != nil {
			return err
		}
		if err := addStats(ctx, tx, now, statKey{regionID: in.RegionID, categoryID: cat.ID, channel: in.Channel},
			statDelta{received: 1}); err != nil {
			return err
		}
		if p != nil {
			if err := audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionCreate, Entity: "workorder",
				EntityID: audit.ID(id), Summary: code}, nil, map[string]any{"channel": in.Channel, "category": cat.Code,
				"title": in.Title, "phone": pii.MaskPhone(in.ReporterPhone)}); err != nil {
				return err
			}
		}
		out = Submitted{ID: id, Code: code}
		return nil
	}()
	return out, err
}

// codeAlphabet is base32 without 0, 1, I and O, which read alike.
const codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// CodeLen is the length of a tracking code (50 random bits).
const CodeLen = 10

func (s *Service) drawCode() string {
	if s.codes != nil {
		return s.codes()
	}
	return NewCode()
}

// NewCode returns a random tracking code.
func NewCode() string {
	var b [CodeLen]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b[:])
}

// NormaliseCode upper-cases a typed code and drops spaces and dashes.
func NormaliseCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

// event is a timeline row about to be written.
type event struct {
	order           int64
	at              time.Time
	actorID         int64
	actorName, role string
	action          string
	from, to        State
	note            string
	public          bool
	deadline        *time.Time
	unit            int64
	data            string
	photos          []int64
}

func (e *event) actor(p *auth.Principal) {
	e.actorID, e.actorName, e.role = p.UserID, p.DisplayName, strings.Join(p.Roles, ",")
	if e.actorName == "" {
		e.actorName = p.Username
	}
}

// actorOrSystem is actor, or the system's name for a nil p (StepTx).
func (e *event) actorOrSystem(p *auth.Principal) {
	if p == nil {
		e.actorName = "system"
		return
	}
	e.actor(p)
}

func (e *event) insert(ctx context.Context, tx *db.Tx) (int64, error) {
	var deadline any
	if e.deadline != nil {
		deadline = e.deadline.UnixMilli()
	}
	id, err := tx.InsertID(ctx, `INSERT INTO workorder_events (order_id, at, actor_id, actor_name, actor_role, action,
		from_state, to_state, note, public_note, deadline_at, unit_id, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.order, e.at.UnixMilli(), nullID(e.actorID), e.actorName, e.role, e.action, string(e.from), string(e.to),
		e.note, e.public, deadline, nullID(e.unit), e.data)
	if err != nil {
		return 0, err
	}
	for _, ph := range e.photos {
		if _, err := tx.Exec(ctx, `INSERT INTO workorder_attachments (event_id, order_id, photo_id, created_at)
			VALUES (?, ?, ?, ?)`, id, e.order, ph, e.at.UnixMilli()); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// notify posts an in-app notice about the order to a user or a unit
// (internal/inbox), and the outbox rows of the unit's or user's delivery
// channels (internal/notify).
func notify(ctx context.Context, tx *db.Tx, at time.Time, userID, unitID, orderID int64, kind, key string, args ...any) error {
	code, _ := firstString(args)
	id, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticeKind, Ref: orderID, Label: code, Event: kind,
		ToUser: userID, ToUnit: unitID, Key: key, Args: args, At: at})
	if err != nil || id == 0 {
		return err
	}
	// Units and users with a webhook or e-mail channel also get it there.
	return outbox.Bridge(ctx, tx, at, userID, unitID, code, kind, key, args...)
}

func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}

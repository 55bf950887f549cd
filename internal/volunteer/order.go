package volunteer

import (
	"context"
	"crypto/rand"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/pii"
)

// Services citizens order (群众点单 → 中心派单 → 志愿者接单 → 群众评单). A
// resident, without an account, asks their station for a service; the
// station's manager assigns a team (or refuses the order with a reason);
// the team's leader accepts it (or gives it back to the station), serves
// and marks it done; the resident rates it with the order's code.

// OrderState is where a service order stands.
type OrderState string

const (
	OrderOrdered   OrderState = "ordered"   // 待派单: asked, waiting for the station
	OrderAssigned  OrderState = "assigned"  // 已派单: a team is asked to take it
	OrderAccepted  OrderState = "accepted"  // 已接单: the team takes it
	OrderServed    OrderState = "served"    // 已服务: done, waiting for the resident's rating
	OrderRated     OrderState = "rated"     // 已评单
	OrderRefused   OrderState = "refused"   // 不予受理, with the station's reason
	OrderWithdrawn OrderState = "withdrawn" // 已撤单: the resident withdrew it before a team was assigned
)

// OrderStates in their usual order.
var OrderStates = []OrderState{OrderOrdered, OrderAssigned, OrderAccepted, OrderServed, OrderRated, OrderRefused, OrderWithdrawn}

// OrderAction is a move on a service order.
type OrderAction string

const (
	ActAssign   OrderAction = "assign"   // the station assigns (or re-assigns) a team
	ActRefuse   OrderAction = "refuse"   // the station refuses the order
	ActAccept   OrderAction = "accept"   // the team takes it
	ActGiveBck  OrderAction = "giveback" // the team cannot take it: back to the station
	ActDone     OrderAction = "done"     // the team has served
	ActRate     OrderAction = "rate"     // the resident rates the service
	ActWithdraw OrderAction = "withdraw" // the resident withdraws the order
)

// OrderActions are every action.
var OrderActions = []OrderAction{ActAssign, ActRefuse, ActAccept, ActGiveBck, ActDone, ActRate, ActWithdraw}

// OrderRole is who acts on an order.
type OrderRole string

const (
	RoleStation  OrderRole = "station"  // a manager whose scope holds the station
	RoleTeam     OrderRole = "team"     // a leader of the assigned team
	RoleResident OrderRole = "resident" // whoever holds the order's code
)

// OrderRoles are every role.
var OrderRoles = []OrderRole{RoleStation, RoleTeam, RoleResident}

// OrderStep is one allowed move.
type OrderStep struct {
	From   OrderState
	Action OrderAction
	By     OrderRole
	To     OrderState
}

// OrderSteps is the whole state machine; a move not listed is refused.
var OrderSteps = []OrderStep{
	{OrderOrdered, ActAssign, RoleStation, OrderAssigned},
	{OrderOrdered, ActRefuse, RoleStation, OrderRefused},
	{OrderAssigned, ActAssign, RoleStation, OrderAssigned}, // another team, before the first accepts
	{OrderAssigned, ActAccept, RoleTeam, OrderAccepted},
	{OrderAssigned, ActGiveBck, RoleTeam, OrderOrdered},
	{OrderAccepted, ActDone, RoleTeam, OrderServed},
	{OrderServed, ActRate, RoleResident, OrderRated},
	{OrderOrdered, ActWithdraw, RoleResident, OrderWithdrawn}, // only before a team is assigned
}

// NextOrderState is the state after by does a on an order in from, and
// whether the move is allowed.
func NextOrderState(from OrderState, a OrderAction, by OrderRole) (OrderState, bool) {
	for _, s := range OrderSteps {
		if s.From == from && s.Action == a && s.By == by {
			return s.To, true
		}
	}
	return "", false
}

// OrderKinds are the services a resident may ask for.
var OrderKinds = []string{"haircut", "repair", "tutoring", "elderly", "health", "legal", "cleaning", "other"}

// OrderLimit throttles residents' orders per client address: the public
// report's fixed window in rate_counters (key "svcorder:ADDRESS").
type OrderLimit struct {
	Orders int
	Window time.Duration
}

// DefaultOrderLimit lets one address place 10 orders an hour.
var DefaultOrderLimit = OrderLimit{Orders: 10, Window: time.Hour}

// ServiceOrder is one resident's request.
type ServiceOrder struct {
	ID            int64      `json:"id"`
	Code          string     `json:"code"`
	StationID     int64      `json:"station_id"`
	StationName   string     `json:"station_name"`
	StationNameEN string     `json:"station_name_en"`
	RegionName    string     `json:"region_name"`
	RegionEN      string     `json:"region_name_en"`
	Kind          string     `json:"kind"`
	Detail        string     `json:"detail"`
	Name          string     `json:"name"`
	Phone         string     `json:"phone"`
	Address       string     `json:"address"`
	WantedDay     string     `json:"wanted_day"`
	State         OrderState `json:"state"`
	TeamID        int64      `json:"team_id"`
	TeamName      string     `json:"team_name"`
	TeamNameEN    string     `json:"team_name_en"`
	Reason        string     `json:"reason"`
	Note          string     `json:"note"`
	Volunteers    int        `json:"volunteers"`
	Minutes       int        `json:"minutes"`
	Rating        int        `json:"rating"`
	Comment       string     `json:"comment"`
	CreatedAt     time.Time  `json:"created_at"`
	AssignedAt    *time.Time `json:"assigned_at"`
	AcceptedAt    *time.Time `json:"accepted_at"`
	ServedAt      *time.Time `json:"served_at"`
	RatedAt       *time.Time `json:"rated_at"`
	EscalatedAt   *time.Time `json:"escalated_at"` // left unassigned past the limit: the centre was told
	WithdrawnAt   *time.Time `json:"withdrawn_at"`
	regionPath    string
}

// OrderInput is what the resident fills in.
type OrderInput struct {
	StationID int64  `json:"station_id"`
	Kind      string `json:"kind"`
	Detail    string `json:"detail"`
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	Address   string `json:"address"`
	WantedDay string `json:"wanted_day"` // YYYY-MM-DD or ""
}

const maxDetailLen = 500

// Validate checks the order, field by field.
func (in *OrderInput) Validate(f *errs.Fields, today string) {
	in.Kind, in.Detail, in.Name = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Detail), strings.TrimSpace(in.Name)
	in.Phone, in.Address, in.WantedDay = strings.TrimSpace(in.Phone), strings.TrimSpace(in.Address), strings.TrimSpace(in.WantedDay)
	if in.StationID == 0 {
		f.Add("station_id", "field.required")
	}
	if in.Kind == "" {
		f.Add("kind", "field.required")
	} else {
		ok := false
		for _, k := range OrderKinds {
			ok = ok || k == in.Kind
		}
		f.Check(ok, "kind", "field.bad_choice")
	}
	checkText(f, "detail", in.Detail, maxDetailLen, true)
	checkText(f, "name", in.Name, 20, false)
	checkText(f, "address", in.Address, maxTextLen, false)
	if in.Phone == "" {
		f.Add("phone", "field.required")
	} else {
		n, ok := pii.NormalisePhone(in.Phone)
		f.Check(ok, "phone", "field.bad_phone")
		in.Phone = n
	}
	if in.WantedDay != "" {
		if _, err := time.Parse(time.DateOnly, in.WantedDay); err != nil {
			f.Add("wanted_day", "field.bad_date")
		} else if in.WantedDay < today {
			f.Add("wanted_day", "volunteer.order.past_day")
		}
	}
}

const orderCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newOrderCode is ten characters of an unambiguous alphabet (50 bits): the
// code is the resident's only key to their order, so it is not guessable.
func newOrderCode() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = orderCodeAlphabet[int(b[i])%len(orderCodeAlphabet)]
	}
	return string(b)
}

// NormaliseCode is a code as typed (spaces, lower case) in its stored form.
func NormaliseCode(code string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), " ", ""))
}

// OrderStation is a station residents may order from.
type OrderStation struct {
	ID                   int64
	Name, NameEN         string
	Region, RegionEN     string // the community
	Street, StreetEN     string
	District, DistrictEN string
}

// OrderStations lists the community stations, by district and street.
func (s *Service) OrderStations(ctx context.Context) ([]OrderStation, error) {
	var out []OrderStation
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT st.id, st.name, st.name_en, r.name, r.name_en, COALESCE(sr.name, ''), COALESCE(sr.name_en, ''),
			COALESCE(dr.name, ''), COALESCE(dr.name_en, '')
			FROM stations st JOIN regions r ON r.id = st.region_id LEFT JOIN regions sr ON sr.id = r.parent_id
			LEFT JOIN regions dr ON dr.id = sr.parent_id WHERE st.level = 'station' ORDER BY r.path`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x OrderStation
			if err := rows.Scan(&x.ID, &x.Name, &x.NameEN, &x.Region, &x.RegionEN, &x.Street, &x.StreetEN, &x.District, &x.DistrictEN); err != nil {
				return err
			}
			x.NameEN = StationNameEN(x.NameEN, x.RegionEN, LevelStation)
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

// stationSuffixEN names each level of the practice tree in English.
var stationSuffixEN = map[StationLevel]string{LevelCentre: "Civilisation Practice Centre",
	LevelInstitute: "Civilisation Practice Institute", LevelStation: "Civilisation Practice Station"}

// StationNameEN is a station's English name: its own, or one made of its
// region's English name and its level ("" when the region has none).
func StationNameEN(own, regionEN string, level StationLevel) string {
	if own != "" || regionEN == "" {
		return own
	}
	return regionEN + " " + stationSuffixEN[level]
}

func (l OrderLimit) on() bool { return l.Orders > 0 && l.Window > 0 }

// countOrder adds one to the address's window and refuses when it is full.
func countOrder(ctx context.Context, tx *db.Tx, ip string, lim OrderLimit, now time.Time) error {
	return countKey(ctx, tx, "svcorder:", ip, lim, now, "volunteer.order.too_many")
}

func (s *Service) orderLimit() OrderLimit {
	if s.OrderLimit == (OrderLimit{}) {
		return DefaultOrderLimit
	}
	return s.OrderLimit
}

// PlaceOrder records a resident's order from the client address ip and
// returns its code. The station's managers are told in the inbox.
func (s *Service) PlaceOrder(ctx context.Context, ip string, in OrderInput) (string, error) {
	now := s.Clock.Now()
	var f errs.Fields
	in.Validate(&f, now.In(cstZone()).Format(time.DateOnly))
	if err := f.Err(); err != nil {
		return "", err
	}
	// A refused order costs as much as an accepted one: the count is its
	// own transaction, before the order's.
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return countOrder(ctx, tx, ip, s.orderLimit(), now) }); err != nil {
		return "", err
	}
	code := newOrderCode()
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var level, name string
		if err := tx.Get(ctx, "entity.station", "SELECT level, name FROM stations WHERE id = ?", []any{in.StationID}, &level, &name); errs.Is(err, errs.NotFound) || (err == nil && level != string(LevelStation)) {
			f.Add("station_id", "field.bad_choice")
			return f.Err()
		} else if err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO service_orders (code, station_id, kind, detail, name, phone, address, wanted_day, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ordered', ?, ?) RETURNING id`,
			code, in.StationID, in.Kind, in.Detail, in.Name, in.Phone, in.Address, in.WantedDay, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		if err := queueText(ctx, tx, id, in.Phone, "placed", now, "volunteer.order.sms.placed", code, name); err != nil {
			return err
		}
		return auditRecord(ctx, tx, nil, now, "place_order", "service_order", id, code+" "+in.Kind, nil,
			map[string]any{"station_id": in.StationID, "kind": in.Kind, "phone": pii.MaskPhone(in.Phone)})
	})
	return code, err
}

const orderCols = `o.id, o.code, o.station_id, st.name, st.name_en, st.level, COALESCE(t.name_en, ''), r.name, r.name_en, r.path, o.kind, o.detail, o.name, o.phone, o.address, o.wanted_day,
	o.state, COALESCE(o.team_id, 0), COALESCE(t.name, ''), o.reason, o.note, o.volunteers, o.minutes, o.rating, o.comment,
	o.created_at, o.assigned_at, o.accepted_at, o.served_at, o.rated_at, o.escalated_at, o.withdrawn_at`

const orderFrom = ` FROM service_orders o JOIN stations st ON st.id = o.station_id JOIN regions r ON r.id = st.region_id
	LEFT JOIN teams t ON t.id = o.team_id`

func scanOrder(sc interface{ Scan(...any) error }) (ServiceOrder, error) {
	var o ServiceOrder
	var created int64
	var at [6]sql.NullInt64
	var stEN, teamEN string
	var level StationLevel
	err := sc.Scan(&o.ID, &o.Code, &o.StationID, &o.StationName, &stEN, &level, &teamEN, &o.RegionName, &o.RegionEN, &o.regionPath, &o.Kind, &o.Detail, &o.Name,
		&o.Phone, &o.Address, &o.WantedDay, &o.State, &o.TeamID, &o.TeamName, &o.Reason, &o.Note, &o.Volunteers, &o.Minutes,
		&o.Rating, &o.Comment, &created, &at[0], &at[1], &at[2], &at[3], &at[4], &at[5])
	o.CreatedAt = time.UnixMilli(created)
	o.StationNameEN, o.TeamNameEN = StationNameEN(stEN, o.RegionEN, level), teamEN
	ptrs := []**time.Time{&o.AssignedAt, &o.AcceptedAt, &o.ServedAt, &o.RatedAt, &o.EscalatedAt, &o.WithdrawnAt}
	for i, a := range at {
		if a.Valid {
			t := time.UnixMilli(a.Int64)
			*ptrs[i] = &t
		}
	}
	return o, err
}

func queryOrders(ctx context.Context, tx *db.Tx, cond string, args ...any) ([]ServiceOrder, error) {
	rows, err := tx.Query(ctx, "SELECT "+orderCols+orderFrom+" WHERE "+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ServiceOrder
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// PublicOrder is what the code's holder sees: no phone, no name.
type PublicOrder struct {
	Code, Kind, StationName, StationNameEN, RegionName, RegionEN, TeamName, TeamNameEN, WantedDay string
	State                                                                                         OrderState
	Rating                                                                                        int
	Comment                                                                                       string
	CreatedAt                                                                                     time.Time
	ServedAt                                                                                      *time.Time
	Texts                                                                                         []OrderText // the messages sent to the resident's phone, oldest first
}

// OrderByCode returns the order of a code, as its holder may see it.
func (s *Service) OrderByCode(ctx context.Context, code string) (PublicOrder, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (PublicOrder, error) {
		os, err := queryOrders(ctx, tx, "o.code = ?", NormaliseCode(code))
		if err != nil {
			return PublicOrder{}, err
		}
		if len(os) == 0 {
			return PublicOrder{}, errs.NotFoundf("entity.service_order")
		}
		o := os[0]
		texts, err := orderTexts(ctx, tx, o.ID)
		if err != nil {
			return PublicOrder{}, err
		}
		return PublicOrder{Code: o.Code, Kind: o.Kind, StationName: o.StationName, StationNameEN: o.StationNameEN, TeamNameEN: o.TeamNameEN, RegionName: o.RegionName, RegionEN: o.RegionEN,
			TeamName: o.TeamName, WantedDay: o.WantedDay, State: o.State, Rating: o.Rating, Comment: o.Comment,
			CreatedAt: o.CreatedAt, ServedAt: o.ServedAt, Texts: texts}, nil
	})
}

// Rate records the resident's rating (1–5) and comment for a served order.
func (s *Service) Rate(ctx context.Context, code string, stars int, comment string) error {
	comment = strings.TrimSpace(comment)
	var f errs.Fields
	f.Check(stars >= 1 && stars <= 5, "rating", "field.out_of_range", 1, 5)
	checkText(&f, "comment", comment, maxIntroLen, false)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var id int64
		var state OrderState
		if err := tx.Get(ctx, "entity.service_order", "SELECT id, state FROM service_orders WHERE code = ?", []any{NormaliseCode(code)}, &id, &state); err != nil {
			return err
		}
		if err := s.move(ctx, tx, id, state, ActRate, RoleResident, now,
			"rating = ?, comment = ?, rated_at = ?", stars, comment, now.UnixMilli()); err != nil {
			return err
		}
		return auditRecord(ctx, tx, nil, now, "rate_order", "service_order", id, NormaliseCode(code), nil,
			map[string]any{"rating": stars, "comment": comment})
	})
}

// move makes one step of the machine: a conditional UPDATE on the state it
// starts from, so of two at once only one succeeds.
func (s *Service) move(ctx context.Context, tx *db.Tx, id int64, from OrderState, a OrderAction, by OrderRole, now time.Time, set string, args ...any) error {
	to, ok := NextOrderState(from, a, by)
	if !ok {
		return errs.E(errs.Conflict, "volunteer.order.bad_move")
	}
	q := "UPDATE service_orders SET state = ?, updated_at = ?"
	if set != "" {
		q += ", " + set
	}
	n, err := tx.ExecN(ctx, q+" WHERE id = ? AND state = ?", append(append([]any{string(to), now.UnixMilli()}, args...), id, string(from))...)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.Conflict, "volunteer.order.bad_move")
	}
	return nil
}

// OrderFilter selects a station manager's orders.
type OrderFilter struct {
	State OrderState
	Page  int
	Size  int
}

// Orders lists the orders of the stations in p's scope, open ones first.
func (s *Service) Orders(ctx context.Context, p *auth.Principal, f OrderFilter) ([]ServiceOrder, int, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, 0, err
	}
	var out []ServiceOrder
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		cond, args := sc.where("r.path", "0")
		if f.State != "" {
			cond += " AND o.state = ?"
			args = append(args, string(f.State))
		}
		if total, err = tx.Count(ctx, "SELECT COUNT(*)"+orderFrom+" WHERE "+cond, args...); err != nil {
			return err
		}
		limit, offset := limits(f.Page, f.Size)
		out, err = queryOrders(ctx, tx, cond+` ORDER BY CASE o.state WHEN 'ordered' THEN 0 WHEN 'assigned' THEN 1 WHEN 'accepted' THEN 2
			WHEN 'served' THEN 3 ELSE 4 END, o.created_at DESC, o.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
		return err
	})
	return out, int(total), err
}

// OrderCounts are how many of the scope's orders are in each state.
func (s *Service) OrderCounts(ctx context.Context, p *auth.Principal) (map[OrderState]int, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	out := map[OrderState]int{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		cond, args := sc.where("r.path", "0")
		rows, err := tx.Query(ctx, "SELECT o.state, COUNT(*)"+orderFrom+" WHERE "+cond+" GROUP BY o.state", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st OrderState
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			out[st] = n
		}
		return rows.Err()
	})
	return out, err
}

// oneInScope is the row idCol = id that query finds among the regions of
// p's scope (the query's region is r), or not found.
func oneInScope[T any](ctx context.Context, tx *db.Tx, p *auth.Principal, idCol string, id int64, entity string,
	query func(ctx context.Context, tx *db.Tx, cond string, args ...any) ([]T, error)) (T, error) {
	var zero T
	sc, err := scopeOf(ctx, tx, p)
	if err != nil {
		return zero, err
	}
	cond, args := sc.where("r.path", "0")
	xs, err := query(ctx, tx, idCol+" = ? AND "+cond, append([]any{id}, args...)...)
	if err != nil {
		return zero, err
	}
	if len(xs) == 0 {
		return zero, errs.NotFoundf(entity)
	}
	return xs[0], nil
}

// queryIDs is the ids a query selects.
func queryIDs(ctx context.Context, tx *db.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func getOrder(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (ServiceOrder, error) {
	return oneInScope(ctx, tx, p, "o.id", id, "entity.service_order", queryOrders)
}

// Order returns one order of a station in p's scope.
func (s *Service) Order(ctx context.Context, p *auth.Principal, id int64) (ServiceOrder, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return ServiceOrder{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (ServiceOrder, error) { return getOrder(ctx, tx, p, id) })
}

// AssignableTeams are the teams a station may give an order to: those of
// the station and of the stations above it (a community's station, its
// street's institute, its district's centre).
func (s *Service) AssignableTeams(ctx context.Context, p *auth.Principal, orderID int64) ([]Team, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	var out []Team
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		o, err := getOrder(ctx, tx, p, orderID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT t.id, t.name, t.name_en FROM teams t JOIN regions tr ON tr.id = t.region_id
			WHERE ? LIKE tr.path || '%' ORDER BY LENGTH(tr.path) DESC, t.name`, o.regionPath)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Team
			if err := rows.Scan(&t.ID, &t.Name, &t.NameEN); err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// NoticeOrderKind is the inbox kind of the notices to team leaders.
const NoticeOrderKind = "volunteer.order"

func init() {
	inbox.Register(inbox.Kind{Name: NoticeOrderKind, Perm: auth.PermVolunteerSelf, OpenKey: "volunteer.order.notice.open",
		Link: func(ref int64) string { return "/my/service-orders/" + strconv.FormatInt(ref, 10) }})
}

// Assign gives an order to a team (a manager of the order's station).
// The team's leaders are told in the inbox.
func (s *Service) Assign(ctx context.Context, p *auth.Principal, orderID, teamID int64) error {
	if err := canOrganise(p); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrder(ctx, tx, p, orderID)
		if err != nil {
			return err
		}
		var f errs.Fields
		var tpath, tname string
		if teamID == 0 {
			f.Add("team_id", "field.required")
		} else if err := tx.Get(ctx, "entity.team", "SELECT r.path, t.name FROM teams t JOIN regions r ON r.id = t.region_id WHERE t.id = ?",
			[]any{teamID}, &tpath, &tname); errs.Is(err, errs.NotFound) || (err == nil && !strings.HasPrefix(o.regionPath, tpath)) {
			f.Add("team_id", "field.bad_choice")
		} else if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.move(ctx, tx, o.ID, o.State, ActAssign, RoleStation, now, "team_id = ?, assigned_at = ?, reason = ''", teamID, now.UnixMilli()); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT v.user_id FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id
			WHERE m.team_id = ? AND m.leader AND v.user_id IS NOT NULL ORDER BY v.id`, teamID)
		if err != nil {
			return err
		}
		var leaders []int64
		for rows.Next() {
			var uid int64
			if err := rows.Scan(&uid); err != nil {
				rows.Close()
				return err
			}
			leaders = append(leaders, uid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := queueText(ctx, tx, o.ID, o.Phone, "assigned:"+strconv.FormatInt(teamID, 10), now, "volunteer.order.sms.assigned", o.Code, tname); err != nil {
			return err
		}
		for _, uid := range leaders {
			if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticeOrderKind, Ref: o.ID, Label: o.Code, Event: "assigned", ToUser: uid,
				Key: "volunteer.order.notice.assigned", Args: []any{o.Code, o.StationName}, At: now}); err != nil {
				return err
			}
		}
		return auditRecord(ctx, tx, p, now, "assign_order", "service_order", o.ID, o.Code+" → "+tname,
			map[string]any{"state": o.State, "team_id": o.TeamID}, map[string]any{"state": OrderAssigned, "team_id": teamID})
	})
}

// Refuse refuses an order with a reason the resident sees.
func (s *Service) Refuse(ctx context.Context, p *auth.Principal, orderID int64, reason string) error {
	if err := canOrganise(p); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	checkText(&f, "reason", reason, maxIntroLen, true)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		o, err := getOrder(ctx, tx, p, orderID)
		if err != nil {
			return err
		}
		if err := s.move(ctx, tx, o.ID, o.State, ActRefuse, RoleStation, now, "reason = ?", reason); err != nil {
			return err
		}
		if err := queueText(ctx, tx, o.ID, o.Phone, "refused", now, "volunteer.order.sms.refused", o.Code, reason); err != nil {
			return err
		}
		return auditRecord(ctx, tx, p, now, "refuse_order", "service_order", o.ID, o.Code, map[string]any{"state": o.State},
			map[string]any{"state": OrderRefused, "reason": reason})
	})
}

// leaderOrder is an order of a team p leads.
func leaderOrder(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (ServiceOrder, error) {
	os, err := queryOrders(ctx, tx, `o.id = ? AND o.team_id IN (SELECT m.team_id FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id
		WHERE m.leader AND v.user_id = ?)`, id, p.UserID)
	if err != nil {
		return ServiceOrder{}, err
	}
	if len(os) == 0 {
		return ServiceOrder{}, errs.NotFoundf("entity.service_order")
	}
	return os[0], nil
}

// TeamOrders lists the orders given to the teams p leads, open ones first.
func (s *Service) TeamOrders(ctx context.Context, p *auth.Principal) ([]ServiceOrder, error) {
	if err := auth.Require(p, auth.PermVolunteerSelf); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]ServiceOrder, error) {
		return queryOrders(ctx, tx, `o.team_id IN (SELECT m.team_id FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id
			WHERE m.leader AND v.user_id = ?) ORDER BY CASE o.state WHEN 'assigned' THEN 0 WHEN 'accepted' THEN 1 ELSE 2 END,
			o.created_at DESC, o.id DESC LIMIT 200`, p.UserID)
	})
}

// TeamOrder returns one order of a team p leads.
func (s *Service) TeamOrder(ctx context.Context, p *auth.Principal, id int64) (ServiceOrder, error) {
	if err := auth.Require(p, auth.PermVolunteerSelf); err != nil {
		return ServiceOrder{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (ServiceOrder, error) { return leaderOrder(ctx, tx, p, id) })
}

// DoneInput is what the team reports when it has served.
type DoneInput struct {
	Note       string
	Volunteers int // how many served
	Minutes    int // how long, in all
}

// TeamAct is the team leader's move: accept, give back (with a reason) or
// done (with the report).
func (s *Service) TeamAct(ctx context.Context, p *auth.Principal, id int64, a OrderAction, reason string, done DoneInput) error {
	if err := auth.Require(p, auth.PermVolunteerSelf); err != nil {
		return err
	}
	reason, done.Note = strings.TrimSpace(reason), strings.TrimSpace(done.Note)
	var f errs.Fields
	switch a {
	case ActGiveBck:
		checkText(&f, "reason", reason, maxIntroLen, true)
	case ActDone:
		checkText(&f, "note", done.Note, maxIntroLen, true)
		f.Check(done.Volunteers >= 1 && done.Volunteers <= 100, "volunteers", "field.out_of_range", 1, 100)
		f.Check(done.Minutes >= 1 && done.Minutes <= 24*60, "minutes", "field.out_of_range", 1, 24*60)
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		o, err := leaderOrder(ctx, tx, p, id)
		if err != nil {
			return err
		}
		var set string
		var args []any
		switch a {
		case ActAccept:
			set, args = "accepted_at = ?", []any{now.UnixMilli()}
		case ActGiveBck:
			set, args = "team_id = NULL, assigned_at = NULL, reason = ?", []any{reason}
		case ActDone:
			set, args = "served_at = ?, note = ?, volunteers = ?, minutes = ?", []any{now.UnixMilli(), done.Note, done.Volunteers, done.Minutes}
		}
		if err := s.move(ctx, tx, o.ID, o.State, a, RoleTeam, now, set, args...); err != nil {
			return err
		}
		next, _ := NextOrderState(o.State, a, RoleTeam)
		if a == ActDone {
			if err := queueText(ctx, tx, o.ID, o.Phone, "served", now, "volunteer.order.sms.served", o.Code); err != nil {
				return err
			}
		}
		return auditRecord(ctx, tx, p, now, string(a)+"_order", "service_order", o.ID, o.Code, map[string]any{"state": o.State},
			map[string]any{"state": next, "reason": reason, "note": done.Note, "volunteers": done.Volunteers, "minutes": done.Minutes})
	})
}

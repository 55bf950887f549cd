// Package open311 serves wenming's work orders through the Open311
// GeoReport v2 standard (http://wiki.open311.org/GeoReport_v2) at
// /open311/v2/: discovery, services and their definitions (the categories'
// extra questions as attributes), POST and GET requests, tokens, and the
// widely used extensions (page/page_size, extensions=true, updated_after /
// updated_before, mySociety's servicerequestupdates). It owns the
// protocol: encoding (encode.go), parsing of parameters, the mapping of
// wenming's states to open/closed, the clients and their api_keys
// (clients.go). Requests are ordinary work orders: they go through
// workorder.Service.SubmitPublic (the same validation, per-address limit
// and group commit) with channel "api" and the client's name as source.
// internal/web only routes HTTP to it.
package open311

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inputtext"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Spec is the specification URL named in discovery.
const Spec = "http://wiki.open311.org/GeoReport_v2"

// Limits of the standard and of this server.
const (
	MaxDescription = workorder.MaxAPIDescriptionLen // 4000 characters
	MaxSpanDays    = 90                             // start_date … end_date
	MaxPageSize    = workorder.MaxFeed              // the standard's 1000
	MaxURLLen      = 2000
	MaxIDLen       = 100
)

// Service is the Open311 capability.
type Service struct {
	DB     *db.DB
	Clock  clock.Clock
	Orders *workorder.Service
}

// New returns the service.
func New(d *db.DB, c clock.Clock, orders *workorder.Service) *Service {
	return &Service{DB: d, Clock: c, Orders: orders}
}

// Site is what the answers need to know about where they are served.
type Site struct {
	Base string    // absolute URL of wenming, without the trailing slash
	Lang i18n.Lang // the request's language: names and messages
}

// Endpoint is the base URL of the GeoReport v2 endpoint.
func (s Site) Endpoint() string { return s.Base + "/open311/v2" }

func (s Site) t(key string, args ...any) string { return i18n.T(s.Lang, key, args...) }

func (s Site) en() bool { return s.Lang == i18n.EN }

func (s Site) name(zh, en string) string {
	if s.en() && en != "" {
		return en
	}
	return zh
}

// ---- states ----

// Status is Open311's state of a request.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Status maps a wenming state to open or closed. Closed: the unit has
// reported it resolved (resolved, verified, callback done, closed), it was
// answered at intake, rejected, or merged into another order. Open: every
// state in which someone still has to act (submitted, accepted,
// dispatched, acknowledged, returned, extension requested, reopened). A
// refused resolution or a dissatisfied callback reopens it: open again.
func Status(st workorder.State) string {
	switch st {
	case workorder.StateResolved, workorder.StateVerified, workorder.StateCallbackDone, workorder.StateClosed,
		workorder.StateAnsweredAtIntake, workorder.StateRejected, workorder.StateMerged:
		return StatusClosed
	}
	return StatusOpen
}

// StatesOf lists the wenming states behind an Open311 status.
func StatesOf(status string) []workorder.State {
	var out []workorder.State
	for _, st := range workorder.States {
		if Status(st) == status {
			out = append(out, st)
		}
	}
	return out
}

// ---- errors ----

// Problem is an Open311 error answer: its status and items.
type Problem struct {
	Status int
	Items  []ErrorItem
}

// ProblemOf turns an error into the standard's answer: 404 for an unknown
// service, request or token, 403 for the api_key, 400 for the rest (bad
// input, one item per field; too many reports; conflicts), 500 for an
// internal error (whose cause the caller logs). Messages are in the
// request's language.
func ProblemOf(err error, lang i18n.Lang) Problem {
	e := errs.As(err)
	if e == nil {
		return Problem{500, []ErrorItem{{500, i18n.T(lang, "err.internal")}}}
	}
	status := 400
	switch e.Code {
	case errs.NotFound:
		status = 404
	case errs.Forbidden, errs.Unauthorized:
		status = 403
	case errs.Conflict:
		if e.Key == "workorder.err.idempotency_mismatch" {
			status = 409 // the same key for another request
		}
	case errs.Internal:
		status = 500
	}
	if len(e.Fields) == 0 {
		key, args := e.Key, e.Args
		if status == 500 {
			key, args = "err.internal", nil
		}
		return Problem{status, []ErrorItem{{status, i18n.T(lang, key, args...)}}}
	}
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	slices.Sort(names)
	p := Problem{Status: status}
	for _, k := range names {
		fe := e.Fields[k]
		p.Items = append(p.Items, ErrorItem{status, k + ": " + i18n.T(lang, fe.Key, fe.Args...)})
	}
	return p
}

// paramNames maps the work-order service's field names to Open311's.
var paramNames = map[string]string{"category_id": "service_code", "lng": "long", "address": "address_string",
	"name": "first_name", "region_id": "lat", "channel": "api_key"}

func renameFields(err error) error {
	e := errs.As(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = map[string]errs.FieldError{}
	for k, v := range e.Fields {
		if n, ok := paramNames[k]; ok {
			k = n
		}
		out.Fields[k] = v
	}
	return &out
}

// ---- discovery and services ----

// Discovery is the discovery document.
func (s *Service) Discovery(ctx context.Context, site Site) (Obj, error) {
	cats, err := s.Orders.Categories(ctx, workorder.CategoryFilter{PublicOnly: true, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	var changed time.Time
	for _, c := range cats {
		if c.UpdatedAt.After(changed) {
			changed = c.UpdatedAt
		}
	}
	cs := Time(&changed)
	endpoint := Obj{{"specification", Spec}, {"url", site.Endpoint()}, {"changeset", cs}, {"type", "production"},
		{"formats", List{Item: "format", Items: []any{XML.ContentType(), JSON.ContentType()}}}}
	return Obj{{"changeset", cs}, {"contact", site.t("open311.discovery.contact", site.Base)},
		{"key_service", site.t("open311.discovery.key_service", site.Base+"/open311-clients")},
		{"endpoints", List{Item: "endpoint", Items: []any{endpoint}}}}, nil
}

// notice is a category's deadlines in words: what the standard calls the
// service notice.
func notice(site Site, c workorder.Category) string {
	return site.t("open311.notice."+string(c.ResolveUnit), c.AckHours, c.ResolveValue)
}

// Services lists every category citizens may choose as a service.
func (s *Service) Services(ctx context.Context, site Site) (List, error) {
	cats, err := s.Orders.Categories(ctx, workorder.CategoryFilter{PublicOnly: true, ActiveOnly: true})
	if err != nil {
		return List{}, err
	}
	qs, err := s.Orders.AllQuestions(ctx)
	if err != nil {
		return List{}, err
	}
	groups := map[int64]bool{}
	out := List{Item: "service"}
	for _, c := range cats {
		if c.IsGroup() {
			groups[c.ID] = true
			continue
		}
		if !groups[c.ParentID] {
			continue // its group is hidden
		}
		keywords := []string{c.Name}
		if c.NameEN != "" {
			keywords = append(keywords, c.NameEN)
		}
		out.Items = append(out.Items, Obj{{"service_code", c.Code}, {"service_name", site.name(c.Name, c.NameEN)},
			{"description", notice(site, c)}, {"metadata", len(qs[c.ID]) > 0}, {"type", "realtime"},
			{"keywords", strings.Join(keywords, ",")}, {"group", site.name(c.GroupName, c.GroupNameEN)}})
	}
	return out, nil
}

// service returns the public, active category with the code (NotFound
// otherwise).
func (s *Service) service(ctx context.Context, code string) (workorder.Category, error) {
	c, err := s.Orders.CategoryByCode(ctx, code)
	if err != nil || !c.Pickable(true) {
		if err != nil && !errs.Is(err, errs.NotFound) {
			return c, err
		}
		return c, errs.E(errs.NotFound, "open311.err.service", code)
	}
	return c, nil
}

// Definition is a service's definition: its extra questions as attributes.
func (s *Service) Definition(ctx context.Context, site Site, code string) (Obj, error) {
	c, err := s.service(ctx, code)
	if err != nil {
		return nil, err
	}
	qs, err := s.Orders.Questions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	attrs := List{Item: "attribute"}
	for _, q := range qs {
		vals := List{Item: "value"}
		for _, v := range q.Values {
			vals.Items = append(vals.Items, Obj{{"key", v.Key}, {"name", v.LocalName(string(site.Lang))}})
		}
		attrs.Items = append(attrs.Items, Obj{{"variable", q.Variable}, {"code", q.Code}, {"datatype", string(q.Datatype)},
			{"required", q.Required}, {"datatype_description", q.DatatypeDescription}, {"order", Int(int64(q.Order))},
			{"description", q.LocalDescription(string(site.Lang))}, {"values", vals}})
	}
	return Obj{{"service_code", c.Code}, {"attributes", attrs}}, nil
}

// ---- POST requests ----

// Posted is what a client gets back for a new request.
type Posted struct {
	ID, Token, Notice, AccountID string
}

// Doc is the answer document.
func (p Posted) Doc() List {
	return List{Item: "request", Items: []any{Obj{{"service_request_id", p.ID}, {"token", p.Token},
		{"service_notice", p.Notice}, {"account_id", p.AccountID}}}}
}

// personName joins first and last name: family name first, without a
// space, when either is Chinese.
func personName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	han := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	}
	if han(first) || han(last) {
		return last + first
	}
	return strings.TrimSpace(first + " " + last)
}

// Attributes reads attribute[code] and attribute[code][] parameters.
func Attributes(vals url.Values) workorder.Answers {
	out := workorder.Answers{}
	for k, vs := range vals {
		code, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		code = strings.TrimSuffix(code, "[]")
		if code, ok = strings.CutSuffix(code, "]"); ok {
			out[code] = append(out[code], vs...)
		}
	}
	return out
}

func checkURL(f *errs.Fields, field, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > MaxURLLen {
		f.Add(field, "open311.field.bad_url", MaxURLLen)
	}
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Submit files a request: the api_key first (403), then the service (404),
// then every parameter (400, one message per field), the per-address
// limit, and the order through the citizens' intake with the Open311 row
// in the same transaction. ip is the client's address.
func (s *Service) Submit(ctx context.Context, site Site, vals url.Values, ip string) (Posted, error) {
	client, err := s.authenticate(ctx, vals.Get("api_key"))
	if err != nil {
		return Posted{}, err
	}
	var idem *workorder.Idem
	if raw := vals.Get("idempotency_key"); raw != "" {
		if idem, err = requestKey(client, vals); err != nil {
			return Posted{}, err
		}
		a, found, err := s.Orders.Replay(ctx, *idem)
		if err != nil {
			return Posted{}, err
		}
		if found {
			var p Posted
			err := json.Unmarshal([]byte(a.Body), &p)
			return p, err
		}
	}
	code := strings.TrimSpace(vals.Get("service_code"))
	if code == "" {
		var f errs.Fields
		f.Add("service_code", "field.required")
		return Posted{}, f.Err()
	}
	cat, err := s.service(ctx, code)
	if err != nil {
		return Posted{}, err
	}
	var f errs.Fields
	in := workorder.PublicReport{SubmitInput: workorder.SubmitInput{Channel: workorder.ChannelAPI, CategoryID: cat.ID,
		Description: vals.Get("description"), Address: strings.TrimSpace(vals.Get("address_string")),
		ReporterName: personName(vals.Get("first_name"), vals.Get("last_name")), ReporterPhone: vals.Get("phone"),
		Answers: Attributes(vals), Source: client.Name, IP: ip}}
	in.Lat = parseCoord(&f, vals, "lat")
	in.Lng = parseCoord(&f, vals, "long")
	if (in.Lat == nil) != (in.Lng == nil) && !f.Has("lat") && !f.Has("long") {
		f.Add("lat", "workorder.field.need_both_coords")
	}
	addressID := strings.TrimSpace(vals.Get("address_id"))
	if in.Lat == nil && in.Lng == nil && in.Address == "" && addressID == "" && !f.Has("lat") && !f.Has("long") {
		f.Add("lat", "open311.field.location_required")
	}
	if in.Address == "" && addressID != "" {
		in.Address = addressID
	}
	email, device, account := strings.TrimSpace(vals.Get("email")), strings.TrimSpace(vals.Get("device_id")), strings.TrimSpace(vals.Get("account_id"))
	if email != "" && (!strings.Contains(email, "@") || utf8.RuneCountInString(email) > 200) {
		f.Add("email", "field.bad_email")
	}
	for name, v := range map[string]string{"device_id": device, "account_id": account, "address_id": addressID} {
		f.Check(utf8.RuneCountInString(v) <= MaxIDLen, name, "field.too_long", MaxIDLen)
	}
	media := strings.TrimSpace(vals.Get("media_url"))
	checkURL(&f, "media_url", media)
	// The order's own rules, with their messages named as Open311's parameters.
	var wf errs.Fields
	workorder.CheckReport(in, &wf)
	if e := errs.As(renameFields(wf.Err())); e != nil {
		for k, v := range e.Fields {
			f.Add(k, v.Key, v.Args...)
		}
	}
	if err := f.Err(); err != nil {
		return Posted{}, err
	}
	token := newToken()
	in.After = func(ctx context.Context, tx *db.Tx, sub workorder.Submitted) error {
		_, err := tx.Exec(ctx, `INSERT INTO open311_requests (order_id, client_id, token, media_url, address_id, email,
			device_id, account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sub.ID, client.ID, token, media,
			addressID, email, device, account, s.Clock.Now().UnixMilli())
		return err
	}
	posted := func(sub workorder.Submitted) Posted {
		return Posted{ID: sub.Code, Token: token, Notice: notice(site, cat), AccountID: account}
	}
	if idem != nil {
		idem.Answer = func(sub workorder.Submitted) (int, string) {
			b, _ := json.Marshal(posted(sub))
			return 201, string(b)
		}
		a, _, err := s.Orders.SubmitPublicOnce(ctx, in, *idem)
		if err != nil {
			return Posted{}, renameFields(err)
		}
		var p Posted
		err = json.Unmarshal([]byte(a.Body), &p)
		return p, err
	}
	sub, err := s.Orders.SubmitPublic(ctx, in)
	if err != nil {
		return Posted{}, renameFields(err)
	}
	return posted(sub), nil
}

// requestKey is the idempotency key of a POST requests (the
// Idempotency-Key header or the idempotency_key parameter), scoped to the
// client, with the parameters other than the keys as its fingerprint.
func requestKey(c Client, vals url.Values) (*workorder.Idem, error) {
	key := workorder.IdemKeyOf(vals.Get("idempotency_key"))
	var f errs.Fields
	workorder.CheckIdemKey(&f, "idempotency_key", key)
	if err := f.Err(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		if k != "api_key" && k != "idempotency_key" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	parts := make([]string, 0, 2*len(names))
	for _, k := range names {
		parts = append(parts, k, strings.Join(vals[k], "\x00"))
	}
	return &workorder.Idem{Scope: "open311:" + strconv.FormatInt(c.ID, 10), Key: key,
		Fingerprint: workorder.Fingerprint(parts...)}, nil
}

func parseCoord(f *errs.Fields, vals url.Values, name string) *float64 {
	s := strings.TrimSpace(vals.Get(name))
	if s == "" {
		return nil
	}
	v, err := inputtext.Decimal(s)
	if err != nil {
		f.Add(name, "field.bad_number")
		return nil
	}
	return &v
}

// ---- tokens ----

// Token answers which request a token stands for.
func (s *Service) Token(ctx context.Context, token string) (List, error) {
	var code string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "open311.entity.token", `SELECT w.code FROM open311_requests r JOIN workorders w ON w.id = r.order_id
			WHERE r.token = ?`, []any{strings.TrimSpace(token)}, &code)
	})
	if errs.Is(err, errs.NotFound) {
		return List{}, errs.E(errs.NotFound, "open311.err.token", token)
	}
	if err != nil {
		return List{}, err
	}
	return List{Item: "request", Items: []any{Obj{{"service_request_id", code}, {"token", token}}}}, nil
}

// ---- GET requests ----

// Query is GET requests' parameters.
type Query struct {
	IDs                         []string
	Services                    []string
	Start, End                  time.Time
	Status                      []string
	UpdatedAfter, UpdatedBefore time.Time
	Page, PageSize              int
	Extensions                  bool
}

func parseTime(f *errs.Fields, vals url.Values, name string) time.Time {
	s := strings.TrimSpace(vals.Get(name))
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.Add(name, "open311.field.bad_datetime")
	}
	return t
}

func parseInt(f *errs.Fields, vals url.Values, name string, def, lo, hi int) int {
	s := strings.TrimSpace(vals.Get(name))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		f.Add(name, "field.out_of_range", lo, hi)
		return def
	}
	return n
}

func commaList(vals url.Values, name string) []string {
	var out []string
	for _, v := range vals[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

// ParseQuery reads GET requests' parameters: service_request_id (a comma
// list that overrides every other filter), service_code (comma list),
// start_date / end_date (W3C; the last 90 days by default, at most 90
// days), status (open, closed or both), updated_after / updated_before,
// page / page_size (at most 1000) and extensions=true.
func ParseQuery(vals url.Values, now time.Time) (Query, error) {
	var f errs.Fields
	q := Query{IDs: commaList(vals, "service_request_id"), Services: commaList(vals, "service_code"),
		Status: commaList(vals, "status")}
	if len(q.IDs) > 0 {
		// The ids override every other argument, valid or not.
		ext := strings.ToLower(strings.TrimSpace(vals.Get("extensions")))
		q = Query{IDs: q.IDs, Page: 1, PageSize: MaxPageSize, Extensions: ext == "true" || ext == "1"}
		f.Check(len(q.IDs) <= MaxPageSize, "service_request_id", "open311.field.too_many_ids", MaxPageSize)
		return q, f.Err()
	}
	q.Start, q.End = parseTime(&f, vals, "start_date"), parseTime(&f, vals, "end_date")
	q.UpdatedAfter, q.UpdatedBefore = parseTime(&f, vals, "updated_after"), parseTime(&f, vals, "updated_before")
	q.Page = parseInt(&f, vals, "page", 1, 1, 1_000_000)
	q.PageSize = parseInt(&f, vals, "page_size", MaxPageSize, 1, MaxPageSize)
	switch strings.ToLower(strings.TrimSpace(vals.Get("extensions"))) {
	case "", "false", "0":
	case "true", "1":
		q.Extensions = true
	default:
		f.Add("extensions", "open311.field.bad_bool")
	}
	for _, st := range q.Status {
		if st != StatusOpen && st != StatusClosed {
			f.Add("status", "open311.field.bad_status")
		}
	}
	f.Check(len(q.IDs) <= MaxPageSize, "service_request_id", "open311.field.too_many_ids", MaxPageSize)
	if err := f.Err(); err != nil {
		return q, err
	}
	span := MaxSpanDays * 24 * time.Hour
	switch {
	case q.Start.IsZero() && q.End.IsZero():
		q.End, q.Start = now, now.Add(-span)
	case q.Start.IsZero():
		q.Start = q.End.Add(-span)
	case q.End.IsZero():
		q.End = q.Start.Add(span)
	}
	if q.End.Before(q.Start) {
		f.Add("end_date", "open311.field.end_before_start")
	} else if q.End.Sub(q.Start) > span {
		f.Add("end_date", "open311.field.span", MaxSpanDays)
	}
	return q, f.Err()
}

// extra is what an Open311 request added to its order.
type extra struct{ media, addressID string }

func (s *Service) extras(ctx context.Context, orders []workorder.FeedOrder) (map[int64]extra, error) {
	out := map[int64]extra{}
	if len(orders) == 0 {
		return out, nil
	}
	ids := make([]any, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT order_id, media_url, address_id FROM open311_requests WHERE order_id IN ("+
			db.Placeholders(len(ids))+")", ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var e extra
			if err := rows.Scan(&id, &e.media, &e.addressID); err != nil {
				return err
			}
			out[id] = e
		}
		return rows.Err()
	})
	return out, err
}

// Requests answers GET requests.
func (s *Service) Requests(ctx context.Context, site Site, q Query) (List, error) {
	f := workorder.FeedFilter{Codes: q.IDs, CategoryCodes: q.Services, From: q.Start, To: q.End,
		UpdatedAfter: q.UpdatedAfter, UpdatedBefore: q.UpdatedBefore, Limit: q.PageSize,
		Offset: (q.Page - 1) * q.PageSize, Events: q.Extensions}
	for _, st := range q.Status {
		f.States = append(f.States, StatesOf(st)...)
	}
	if len(q.IDs) > 0 {
		f.Limit, f.Offset = MaxPageSize, 0
	}
	return s.requests(ctx, site, f)
}

// Request answers GET requests/{id}: a list of one, or NotFound.
func (s *Service) Request(ctx context.Context, site Site, id string, extensions bool) (List, error) {
	l, err := s.requests(ctx, site, workorder.FeedFilter{Codes: []string{id}, Events: extensions})
	if err == nil && len(l.Items) == 0 {
		err = errs.E(errs.NotFound, "open311.err.request", id)
	}
	return l, err
}

func (s *Service) requests(ctx context.Context, site Site, f workorder.FeedFilter) (List, error) {
	out := List{Item: "request"}
	orders, err := s.Orders.Feed(ctx, f)
	if err != nil {
		return out, err
	}
	ex, err := s.extras(ctx, orders)
	if err != nil {
		return out, err
	}
	cats, err := s.Orders.Categories(ctx, workorder.CategoryFilter{PublicOnly: true})
	if err != nil {
		return out, err
	}
	byCode := map[string]workorder.Category{}
	for _, c := range cats {
		byCode[c.Code] = c
	}
	for _, o := range orders {
		out.Items = append(out.Items, s.request(site, o, ex[o.ID], byCode[o.CategoryCode], f.Events))
	}
	return out, nil
}

func (s *Service) photoURL(site Site, code string, id int64) string {
	return site.Base + "/track/" + url.PathEscape(code) + "/photos/" + strconv.FormatInt(id, 10)
}

// statusNotes is what the public is told about the state: the unit's
// resolution once there is one, else the latest public note.
func statusNotes(o workorder.FeedOrder) string {
	if o.Resolution != "" && Status(o.State) == StatusClosed {
		return o.Resolution
	}
	for i := len(o.Events) - 1; i >= 0; i-- {
		if o.Events[i].Note != "" {
			return o.Events[i].Note
		}
	}
	return o.Resolution
}

// request maps an order. No name, phone, e-mail or device leaves here;
// a rejected order's description is withheld (it was never taken in).
func (s *Service) request(site Site, o workorder.FeedOrder, e extra, c workorder.Category, ext bool) Obj {
	media := e.media
	if media == "" && o.FirstPhotoID != 0 {
		media = s.photoURL(site, o.Code, o.FirstPhotoID)
	}
	desc := o.Description
	if o.State == workorder.StateRejected {
		desc = ""
	}
	var svcNotice string
	if c.ID != 0 {
		svcNotice = notice(site, c)
	}
	upd := o.UpdatedAt
	obj := Obj{{"service_request_id", o.Code}, {"status", Status(o.State)}, {"status_notes", statusNotes(o)},
		{"service_name", site.name(o.CategoryName, o.CategoryNameEN)}, {"service_code", o.CategoryCode},
		{"description", desc}, {"agency_responsible", site.name(o.UnitName, o.UnitNameEN)}, {"service_notice", svcNotice},
		{"requested_datetime", Time(&o.CreatedAt)}, {"updated_datetime", Time(&upd)}, {"expected_datetime", Time(o.ResolveDueAt)},
		{"address", o.Address}, {"address_id", e.addressID}, {"zipcode", ""}, {"lat", Float(o.Lat)}, {"long", Float(o.Lng)},
		{"media_url", media}}
	if !ext {
		return obj
	}
	photos := List{Item: "photo"}
	updates := List{Item: "update"}
	for _, ev := range o.Events {
		var evMedia string
		for _, id := range ev.PhotoIDs {
			u := s.photoURL(site, o.Code, id)
			if evMedia == "" {
				evMedia = u
			}
			at := ev.At
			photos.Items = append(photos.Items, Obj{{"media_url", u}, {"datetime", Time(&at)}})
		}
		at := ev.At
		st := ev.ToState
		updates.Items = append(updates.Items, Obj{{"status", statusOrEmpty(st)}, {"state", string(st)},
			{"updated_datetime", Time(&at)}, {"description", updateText(site, ev.Action, ev.Note)}, {"media_url", evMedia}})
	}
	return append(obj, Field{"extended_attributes", Obj{{"channel", string(o.Channel)}, {"source", o.Source},
		{"photos", photos}, {"updates", updates}}})
}

func statusOrEmpty(st workorder.State) string {
	if st == "" {
		return ""
	}
	return Status(st)
}

// updateText is an update's text: the public note, else the step's name.
func updateText(site Site, action, note string) string {
	if note != "" {
		return note
	}
	if k := "workorder.action." + action; i18n.Has(k) {
		return site.t(k)
	}
	if k := "open311.event." + action; i18n.Has(k) {
		return site.t(k)
	}
	return action
}

// ---- servicerequestupdates ----

// UpdatesQuery is servicerequestupdates' parameters.
type UpdatesQuery struct {
	Start, End     time.Time
	Page, PageSize int
}

// ParseUpdatesQuery reads start_date / end_date (the last 90 days by
// default, at most 90 days) and page / page_size.
func ParseUpdatesQuery(vals url.Values, now time.Time) (UpdatesQuery, error) {
	q, err := ParseQuery(url.Values{"start_date": vals["start_date"], "end_date": vals["end_date"],
		"page": vals["page"], "page_size": vals["page_size"]}, now)
	return UpdatesQuery{Start: q.Start, End: q.End, Page: q.Page, PageSize: q.PageSize}, err
}

// Updates answers servicerequestupdates, oldest first.
func (s *Service) Updates(ctx context.Context, site Site, q UpdatesQuery) (List, error) {
	ups, err := s.Orders.FeedUpdates(ctx, q.Start, q.End, q.PageSize, (q.Page-1)*q.PageSize)
	out := List{Item: "request_update"}
	if err != nil {
		return out, err
	}
	for _, u := range ups {
		var media string
		if len(u.PhotoIDs) > 0 {
			media = s.photoURL(site, u.OrderCode, u.PhotoIDs[0])
		}
		at := u.At
		out.Items = append(out.Items, Obj{{"update_id", strconv.FormatInt(u.ID, 10)}, {"service_request_id", u.OrderCode},
			{"status", Status(u.State)}, {"updated_datetime", Time(&at)}, {"description", updateText(site, u.Action, u.Note)},
			{"media_url", media}})
	}
	return out, nil
}

// IsNotFound tells whether err is a 404 answer.
func IsNotFound(err error) bool { return errs.Is(err, errs.NotFound) }

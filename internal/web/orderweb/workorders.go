package orderweb

import (
	"context"
	"encoding/json"
	"github.com/wenming-city/wenming/internal/web"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The staff side of work orders: the dispatcher's and handlers' queue, the
// hotline operator's intake form, the order's detail page with one form per
// step the viewer may take, and merge. Every rule (transition table, role,
// own unit, data scope, input) is the workorder service's; these handlers
// only read forms and show results, so an order outside the viewer's scope
// is 404 on every route.

const orderEntity = "workorder.entity.order"

func orderPath(id int64) string { return "/orders/" + strconv.FormatInt(id, 10) }

// orderDeadline is the deadline the order is measured against now: the
// acknowledge limit until the unit signs for it, then the resolve limit;
// none when no unit holds it.
func orderDeadline(o *workorder.Order) *time.Time {
	switch o.State {
	case workorder.StateDispatched:
		return o.AckDueAt
	case workorder.StateAcknowledged, workorder.StateExtensionRequested, workorder.StateReopened:
		return o.ResolveDueAt
	}
	return nil
}

// excerpt shortens a text to n characters on one line.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// categoryGroups lists the active categories under their groups in the
// viewer's language.
func (s *Server) categoryGroups(ctx context.Context, v *web.View) ([]web.CatGroup, error) {
	cats, err := s.orders.Categories(ctx, workorder.CategoryFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	var out []web.CatGroup
	idx := map[int64]int{}
	for _, c := range cats {
		if c.IsGroup() {
			idx[c.ID] = len(out)
			out = append(out, web.CatGroup{Value: web.I64s(c.ID), Label: v.Name(c.Name, c.NameEN)})
			continue
		}
		if i, ok := idx[c.ParentID]; ok {
			out[i].Items = append(out[i].Items, web.Choice{Value: web.I64s(c.ID), Label: v.Name(c.Name, c.NameEN)})
		}
	}
	return out, nil
}

// ---- the queue ----

// orderRow is a queue row with its cells already in the viewer's
// language, so the template only places them (a template call per cell
// was most of the page's time at 50 rows).
type orderRow struct {
	workorder.Order
	Deadline                                  *time.Time
	Excerpt                                   string
	Created, Channel, Category, DeadlineText  string
	StateLabel, StateClass, Level, OverdueTag string
	// TimeLeft is the time to the deadline in force ("剩 3小时20分",
	// "超期 2天"), for the orders a unit holds; Late marks it past.
	TimeLeft string
	Late     bool
}

// heldStates are the states in which a deadline runs for the unit.
var heldStates = []workorder.State{workorder.StateDispatched, workorder.StateAcknowledged,
	workorder.StateExtensionRequested, workorder.StateReopened}

// span is a duration as people read a deadline: days and hours, hours
// and minutes, or minutes.
func span(v *web.View, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	mins := int(d.Minutes())
	switch {
	case mins >= 24*60:
		return v.T("woweb.span_dh", mins/(24*60), mins%(24*60)/60)
	case mins >= 60:
		return v.T("woweb.span_hm", mins/60, mins%60)
	}
	return v.T("woweb.span_m", mins)
}

// timeLeft sets the row's time to its deadline in force at now.
func (r *orderRow) timeLeft(v *web.View, now time.Time) {
	if r.Deadline == nil || !slices.Contains(heldStates, r.State) {
		return
	}
	d := r.Deadline.Sub(now)
	if d < 0 {
		r.TimeLeft, r.Late = v.T("woweb.time_over", span(v, d)), true
		return
	}
	r.TimeLeft = v.T("woweb.time_left", span(v, d))
}

// stateBadge is the badge class of a state: done, refused or back, or
// none; the queue's rows and the wo_state partial both use it.
func stateBadge(st workorder.State) string {
	switch st {
	case workorder.StateClosed, workorder.StateAnsweredAtIntake:
		return " badge-ok"
	case workorder.StateRejected, workorder.StateReopened, workorder.StateReturned:
		return " badge-off"
	}
	return ""
}

func newOrderRow(v *web.View, o workorder.Order) orderRow {
	row := orderRow{Order: o, Deadline: orderDeadline(&o), Excerpt: excerpt(o.Title, 40),
		Created: v.Time(o.CreatedAt), Channel: v.T(o.Channel.Key()), Category: v.Name(o.CategoryName, o.CategoryNameEN),
		StateLabel: v.T(o.State.Key()), StateClass: stateBadge(o.State)}
	if o.Kind == workorder.KindRectification { // an inspection's finding, not a channel's request
		row.Channel = v.T(o.Kind.Key())
	}
	// The queue shows units and regions by their names in the viewer's language.
	row.Order.RegionName, row.Order.UnitName = v.Name(o.RegionName, o.RegionNameEN), v.Name(o.UnitName, o.UnitNameEN)
	if o.RegionParent != "" && o.RegionName != "" {
		row.Order.RegionName = v.Name(o.RegionParent, o.RegionParentEN) + " › " + row.Order.RegionName
	}
	if row.Deadline != nil {
		row.DeadlineText = v.Time(*row.Deadline)
	}
	if o.Overdue() {
		row.OverdueTag = v.T("woweb.overdue")
	}
	if o.EscalationLevel > 0 {
		row.Level = v.T("woweb.level", o.EscalationLevel)
	}
	return row
}

// queueRows writes the queue's table rows. It is Go rather than template
// for the same reason as View.Options: html/template evaluates and escapes
// each of a row's dozen values through reflection, and at 50 rows that was
// half the page's time. Every text is escaped.
func queueRows(rows []orderRow) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 640)
	text := func(open, s, close string) {
		b.WriteString(open)
		b.WriteString(web.EscapeHTML(s))
		b.WriteString(close)
	}
	for _, r := range rows {
		b.WriteString(`<tr><td class="mono q-code"><a href="/orders/`)
		b.WriteString(strconv.FormatInt(r.Order.ID, 10))
		text(`">`, r.Code, "</a></td>")
		text(`<td class="nowrap q-created">`, r.Created, "</td>")
		text(`<td class="q-channel">`, r.Channel, "</td>")
		text(`<td class="q-category">`, r.Category, "</td>")
		b.WriteString(`<td class="q-title"><a href="/orders/`)
		b.WriteString(strconv.FormatInt(r.Order.ID, 10))
		text(`">`, r.Excerpt, "</a></td>")
		text(`<td class="q-region">`, r.RegionName, "</td>")
		text(`<td class="q-unit">`, r.UnitName, "</td>")
		text(`<td class="q-state"><span class="badge`+r.StateClass+`">`, r.StateLabel, "</span></td>")
		text(`<td class="nowrap q-deadline">`, r.DeadlineText, "")
		if r.TimeLeft != "" {
			cls := "left"
			if r.Late {
				cls = "left late"
			}
			text(` <span class="`+cls+`">`, r.TimeLeft, "</span>")
		}
		if r.OverdueTag != "" {
			text(` <span class="badge badge-off">`, r.OverdueTag, "</span>")
		}
		b.WriteString(`</td><td class="num q-level">`)
		if r.Level != "" {
			text(`<span class="badge badge-off">`, r.Level, "</span>")
		}
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String())
}

type orderListData struct {
	Rows             []orderRow
	Page             int
	More             bool
	Pager            web.Pager // only for its URLs
	States, Channels []web.Option
	Categories       []web.CatGroup
	Units, Regions   []web.Choice
	// KPI: the list is narrowed to the orders behind one figure of the KPI
	// screen; its parameters ride along with the filter form.
	KPI       string
	KPIParams []web.Option
	// Tab is the queue's tab: "" all, "todo" my to-do, "done" my done.
	Tab  string
	Tabs []queueTab
	// Narrowed counts the filters set besides the keyword: on a phone the
	// form folds them away (app.js) unless one is set.
	Narrowed int
}

// queueTab is one of the queue's tabs, keeping the other filters.
type queueTab struct {
	Label, Href string
	Current     bool
}

func queueTabs(v *web.View, q url.Values) []queueTab {
	var out []queueTab
	for _, t := range []struct{ tab, key string }{{"todo", "woweb.tab.todo"}, {"done", "woweb.tab.done"}, {"", "woweb.tab.all"}} {
		x := url.Values{}
		for k, vs := range q {
			if k != "tab" && k != "page" && k != "sort" {
				x[k] = vs
			}
		}
		if t.tab != "" {
			x.Set("tab", t.tab)
		}
		href := "/orders"
		if len(x) > 0 {
			href += "?" + x.Encode()
		}
		out = append(out, queueTab{Label: v.T(t.key), Href: href, Current: q.Get("tab") == t.tab})
	}
	return out
}

// kpiParams are the query parameters of a KPI screen link.
var kpiParams = []string{"kpi", "kpi_from", "kpi_to", "kpi_group", "kpi_id"}

// orderFilterOf reads the filters shared by the queue page, its export and
// the API: state (repeatable or comma-separated), category (a category or a
// whole group), unit, region (subtree), channel, overdue (1/0), from and to
// (YYYY-MM-DD, both inclusive), q (full-text search over title,
// description, address and resolution), the kpi* parameters of a link from
// the KPI screen (only the orders behind that figure), page and size.
func orderFilterOf(r *http.Request) (workorder.Filter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := workorder.Filter{Q: lq.Q, Page: lq.Page, Size: lq.Size}
	for _, v := range q["state"] {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimSpace(st); st == "" {
				continue
			}
			if !workorder.State(st).Valid() {
				fe.Add("state", "field.bad_choice")
				continue
			}
			f.States = append(f.States, workorder.State(st))
		}
	}
	f.CategoryID = web.FormInt64(&fe, q, "category")
	f.UnitID = web.FormInt64(&fe, q, "unit")
	f.RegionID = web.FormInt64(&fe, q, "region")
	if c := strings.TrimSpace(q.Get("channel")); c != "" {
		if ch := workorder.Channel(c); ch.Valid() {
			f.Channel = ch
		} else {
			fe.Add("channel", "field.bad_choice")
		}
	}
	f.KPI = kpiTraceOf(&fe, q)
	switch q.Get("tab") {
	case "":
	case "todo":
		f.Todo, f.ByDeadline = true, true
	case "done":
		f.Done = true
	default:
		fe.Add("tab", "field.bad_choice")
	}
	switch q.Get("due") {
	case "":
	case "soon":
		f.DueSoon = true
	default:
		fe.Add("due", "field.bad_choice")
	}
	switch q.Get("sort") {
	case "":
	case "deadline":
		f.ByDeadline = true
	case "newest":
		f.ByDeadline = false
	default:
		fe.Add("sort", "field.bad_choice")
	}
	f.Overdue = web.QueryBool(q, "overdue")
	if f.Overdue == nil && q.Get("overdue") != "" {
		fe.Add("overdue", "field.bad_choice")
	}
	f.From = web.QueryDate(&fe, q, "from")
	if to := web.QueryDate(&fe, q, "to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole last day
		if !f.From.IsZero() && to.Before(f.From) {
			fe.Add("to", "audit.to_before_from")
		}
	}
	return f, lq, fe.Err()
}

// listOrders runs the filter; a region that does not exist is a bad filter
// value, not a missing page.
func (s *Server) listOrders(ctx context.Context, p *auth.Principal, f workorder.Filter) ([]workorder.Order, bool, error) {
	rows, more, err := s.orders.List(ctx, p, f)
	if err != nil && f.RegionID != 0 && errs.Is(err, errs.NotFound) {
		var fe errs.Fields
		fe.Add("region", "field.bad_choice")
		return nil, false, fe.Err()
	}
	return rows, more, err
}

func (s *Server) orderListView(w http.ResponseWriter, r *http.Request) (*web.View, *orderListData, error) {
	p := web.Principal(r)
	ctx := r.Context()
	v := s.View(w, r, "woweb.list.title")
	v.Form = r.URL.Query()
	d := &orderListData{}
	for _, st := range workorder.States {
		d.States = append(d.States, web.Option{Value: string(st), Label: v.T(st.Key())})
	}
	for _, ch := range workorder.Channels {
		d.Channels = append(d.Channels, web.Option{Value: string(ch), Label: v.T(ch.Key())})
	}
	var err error
	if d.Categories, err = s.categoryGroups(ctx, v); err != nil {
		return nil, nil, err
	}
	units, err := s.org.UnitOptions(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	regions, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	d.Units, d.Regions = web.TreeChoices(v, units), web.TreeChoices(v, regions)
	q := r.URL.Query()
	for _, k := range []string{"state", "category", "unit", "region", "channel", "overdue", "from", "to"} {
		if q.Get(k) != "" {
			d.Narrowed++
		}
	}
	if fig := q.Get("kpi"); fig != "" {
		d.KPI = v.T("woweb.kpi_any")
		if k := "stats.col." + fig; i18n.Has(k) {
			d.KPI = v.T(k)
		}
		for _, name := range kpiParams {
			if val := q.Get(name); val != "" {
				d.KPIParams = append(d.KPIParams, web.Option{Value: name, Label: val})
			}
		}
	}
	v.Data = d
	return v, d, nil
}

func (s *Server) orderList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermOrderView); err != nil {
		return err
	}
	v, d, err := s.orderListView(w, r)
	if err != nil {
		return err
	}
	f, lq, err := orderFilterOf(r)
	d.Page, d.Pager = lq.Page, web.NewPager(r, lq, 0)
	if err != nil {
		return s.FormFailed(w, r, "wo_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.orderExport(w, r, f)
	}
	orders, more, err := s.listOrders(r.Context(), p, f)
	if err != nil {
		return s.FormFailed(w, r, "wo_list", v, err)
	}
	d.More = more
	now := s.Now()
	for _, o := range orders {
		row := newOrderRow(v, o)
		row.timeLeft(v, now)
		d.Rows = append(d.Rows, row)
	}
	d.Tab = r.URL.Query().Get("tab")
	d.Tabs = queueTabs(v, r.URL.Query())
	s.Render(w, r, http.StatusOK, "wo_list", v)
	return nil
}

// orderExport answers with every matching order (up to export.MaxRows) as
// a workbook, headers in the viewer's language (Chinese by default);
// phones stay masked.
func (s *Server) orderExport(w http.ResponseWriter, r *http.Request, f workorder.Filter) error {
	p := web.Principal(r)
	var all []workorder.Order
	f.Page, f.Size = 1, workorder.MaxPageSize
	for {
		rows, more, err := s.listOrders(r.Context(), p, f)
		if err != nil {
			return err
		}
		all = append(all, rows...)
		if !more || len(all) >= export.MaxRows {
			break
		}
		f.Page++
	}
	l := web.Lang(r)
	t := func(k string) string { return i18n.T(l, k) }
	cols := []export.Column{
		{Header: t("woweb.col.code"), Width: 14},
		{Header: t("woweb.col.created"), Width: 18},
		{Header: t("woweb.col.channel"), Width: 8},
		{Header: t("woweb.col.category"), Width: 14},
		{Header: t("woweb.col.title"), Width: 30},
		{Header: t("woweb.field.description"), Width: 50},
		{Header: t("woweb.field.address"), Width: 30},
		{Header: t("woweb.col.region"), Width: 14},
		{Header: t("woweb.col.unit"), Width: 20},
		{Header: t("woweb.col.state"), Width: 10},
		{Header: t("woweb.col.urgency"), Width: 12},
		{Header: t("woweb.col.deadline"), Width: 18},
		{Header: t("woweb.col.overdue"), Width: 8},
		{Header: t("woweb.col.escalation"), Width: 8},
		{Header: t("woweb.field.name"), Width: 10},
		{Header: t("woweb.field.phone"), Width: 14},
		{Header: t("woweb.col.satisfaction"), Width: 10},
		{Header: t("woweb.col.closed"), Width: 18},
	}
	rows := make([][]any, 0, len(all))
	for _, o := range all {
		cat := o.CategoryName
		if l == i18n.EN && o.CategoryNameEN != "" {
			cat = o.CategoryNameEN
		}
		sat := ""
		if o.Satisfaction != "" {
			sat = t(o.Satisfaction.Key())
		}
		rows = append(rows, []any{o.Code, o.CreatedAt, t(o.Channel.Key()), cat, o.Title, o.Description, o.Address,
			web.LocalName(l, o.RegionName, o.RegionNameEN), web.LocalName(l, o.UnitName, o.UnitNameEN), t(o.State.Key()), t("workorder.urgency." + o.Urgency), orderDeadline(&o),
			web.YesNo(l, o.Overdue()), o.EscalationLevel, o.ReporterName, o.ReporterPhone, sat, o.ClosedAt})
	}
	return export.ServeXLSX(w, t("woweb.export_name"), s.Now(), cols, rows)
}

// ---- intake ----

type orderNewData struct {
	Categories []web.CatGroup
	Regions    []web.Choice
	Questions  []questionBlock // extra questions by category id (questions.go)
}

func (s *Server) orderNewView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	ctx := r.Context()
	v := s.View(w, r, "woweb.new.title")
	d := &orderNewData{}
	var err error
	if d.Categories, err = s.categoryGroups(ctx, v); err != nil {
		return nil, err
	}
	regions, err := s.org.RegionOptions(ctx, web.Principal(r))
	if err != nil {
		return nil, err
	}
	d.Regions = web.TreeChoices(v, regions)
	cats, err := s.orders.Categories(ctx, workorder.CategoryFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	if d.Questions, err = s.questionBlocks(ctx, v, cats, func(c workorder.Category) string { return web.I64s(c.ID) }); err != nil {
		return nil, err
	}
	v.Data = d
	return v, nil
}

func (s *Server) orderNew(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermOrderIntake); err != nil {
		return err
	}
	return s.Show(w, r, "wo_new", func() (*web.View, error) { return s.orderNewView(w, r) })
}

// intake is a hotline call: the new order and, when the operator answered
// the question on the phone, the answer that closes it at once.
type intake struct {
	In       workorder.SubmitInput
	Answered bool
	Answer   string
}

// check refuses an answered call without its answer before anything is
// stored, so the order is not half-made.
func (it *intake) check(f *errs.Fields) {
	it.Answer = strings.TrimSpace(it.Answer)
	if !it.Answered {
		it.Answer = ""
		return
	}
	switch {
	case it.Answer == "":
		f.Add("answer", "woweb.field.answer_required")
	case utf8.RuneCountInString(it.Answer) > workorder.MaxNoteLen:
		f.Add("answer", "field.too_long", workorder.MaxNoteLen)
	}
}

func intakeOf(vals url.Values) (intake, error) {
	var fe errs.Fields
	it := intake{In: workorder.SubmitInput{
		Channel: workorder.ChannelHotline, CategoryID: web.FormInt64(&fe, vals, "category_id"),
		Description: vals.Get("description"), Address: vals.Get("address"), RegionID: web.FormInt64(&fe, vals, "region_id"),
		Lat: web.FormFloat(&fe, vals, "lat"), Lng: web.FormFloat(&fe, vals, "lng"),
		ReporterName: vals.Get("name"), ReporterPhone: vals.Get("phone"),
		Answers: answersFromForm(vals, vals.Get("category_id")),
	}, Answered: web.FormBool(vals, "answered"), Answer: vals.Get("answer")}
	it.check(&fe)
	return it, fe.Err()
}

// submitIntake stores the call and, when answered, closes it with the
// answer ("answered at intake").
func (s *Server) submitIntake(ctx context.Context, p *auth.Principal, it intake) (workorder.Submitted, error) {
	sub, err := s.orders.Submit(ctx, p, it.In)
	if err != nil || !it.Answered {
		return sub, err
	}
	_, err = s.orders.Act(ctx, p, sub.ID, workorder.ActionInput{Action: workorder.ActionAnswer, Note: it.Answer})
	return sub, err
}

func (s *Server) orderCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermOrderIntake); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	it, err := intakeOf(r.PostForm)
	var sub workorder.Submitted
	if err == nil {
		sub, err = s.submitIntake(r.Context(), p, it)
	}
	if err != nil && sub.ID == 0 {
		v, verr := s.orderNewView(w, r)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "wo_new", v, answerFieldsToForm(err, r.PostForm.Get("category_id")))
	}
	if err != nil { // stored, but the answer failed: the order waits on its page
		return err
	}
	flash := "woweb.flash.created"
	if it.Answered {
		flash = "woweb.flash.answered"
	}
	return s.Redirect(w, r, orderPath(sub.ID)+"?new=1", flash)
}

// ---- detail ----

// actionForm is the form of one step the viewer may take now, with the
// inputs that step needs.
type actionForm struct {
	Action                                          workorder.Action
	Heading                                         string // i18n key of its title and button
	Note, Unit, Category, Rating, Extension, Parent bool
	// Opinion: an optional note with the step (派单意见 with a dispatch).
	Opinion bool
	Danger  bool // a refusal or a step back
	// Secondary: a dispatcher's steering (merge into another order,
	// recategorise, reassign, escalate), folded away under the life's steps.
	Secondary bool
	// Photos: the form takes evidence photos (multipart, workorders_photos.go).
	Photos    bool
	MaxPhotos int
	// PhotosRequired: the order's category needs a photo of the result.
	PhotosRequired bool
}

type eventRow struct {
	workorder.Event
	Label  string
	Detail string
	Photos []staffPhoto
}

type orderDetailData struct {
	O           workorder.Order
	Category    string
	Deadline    *time.Time
	AssistNames []string
	Events      []eventRow
	Forms       []actionForm
	Failed      string // the action (or "merge") whose form failed
	Units       []web.Choice
	Categories  []web.CatGroup
	Ratings     []web.Option
	DefaultUnit string
	CanMerge    bool
	FullPhone   string
	Revealed    bool
	Created     bool // just entered: show the tracking code to read out
	Extras      orderExtras
}

// actionForms lists one form per action the viewer may take on the order
// now, straight from the transition table.
func actionForms(p *auth.Principal, o *workorder.Order) []actionForm {
	var out []actionForm
	for _, a := range workorder.Allowed(o.Kind, o.State, p, workorder.IsOwnUnit(p, o)) {
		rule, _ := workorder.RuleFor(a)
		needs := func(n workorder.Need) bool { return slices.Contains(rule.Needs, n) }
		f := actionForm{Action: a, Heading: a.Key(), Note: needs(workorder.NeedNote), Unit: needs(workorder.NeedUnit),
			Category: needs(workorder.NeedCategory), Rating: needs(workorder.NeedRating),
			Extension: needs(workorder.NeedExtension), Parent: needs(workorder.NeedParent),
			Danger: a == workorder.ActionReject || a == workorder.ActionReturn || a == workorder.ActionRefuse ||
				a == workorder.ActionRefuseExtension,
			Photos: stepPhotoForm(a), MaxPhotos: workorder.StepMaxPhotos}
		if !f.Note && (a == workorder.ActionDispatch || a == workorder.ActionReassign) {
			f.Opinion = true
		}
		switch a {
		case workorder.ActionMerge:
			f.Heading, f.Secondary = "woweb.step.merge", true
		case workorder.ActionRecategorise, workorder.ActionReassign, workorder.ActionEscalate:
			f.Secondary = true
		}
		out = append(out, f)
	}
	return out
}

// eventDetail describes what an event's data adds: the rating, the asked
// date, the merged order, the escalation level.
func eventDetail(v *web.View, e *workorder.Event) string {
	if e.Data == "" {
		return ""
	}
	var d struct {
		Rating         workorder.Rating `json:"rating"`
		ExtensionUntil int64            `json:"extension_until"`
		ParentCode     string           `json:"parent_code"`
		ChildCode      string           `json:"child_code"`
		Level          int              `json:"level"`
		Kind           string           `json:"kind"`
	}
	if json.Unmarshal([]byte(e.Data), &d) != nil {
		return ""
	}
	var parts []string
	if d.Rating != "" {
		parts = append(parts, v.T(d.Rating.Key()))
	}
	if d.ExtensionUntil != 0 {
		parts = append(parts, v.T("woweb.event.extension_until", v.Time(time.UnixMilli(d.ExtensionUntil))))
	}
	if d.ParentCode != "" {
		parts = append(parts, v.T("woweb.event.parent", d.ParentCode))
	}
	if d.ChildCode != "" {
		parts = append(parts, v.T("woweb.event.child", d.ChildCode))
	}
	if d.Kind == "ack" || d.Kind == "resolve" {
		parts = append(parts, v.T("woweb.event.overdue_"+d.Kind))
	}
	if d.Level > 0 {
		parts = append(parts, v.T("woweb.event.level", d.Level))
	}
	return strings.Join(parts, v.T("home.list_sep"))
}

// eventLabel names a timeline step: an action or a system event.
func eventLabel(v *web.View, action string) string {
	if k := "workorder.action." + action; i18n.Has(k) {
		return v.T(k)
	}
	return action
}

// orderDetailView loads an order in the viewer's scope (NotFound outside
// it) with everything its page shows.
func (s *Server) orderDetailView(w http.ResponseWriter, r *http.Request, id int64) (*web.View, *orderDetailData, error) {
	p := web.Principal(r)
	ctx := r.Context()
	o, err := s.orders.Get(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	v := s.View(w, r, "woweb.detail.title")
	d := &orderDetailData{O: o, Category: v.Name(o.CategoryName, o.CategoryNameEN), Deadline: orderDeadline(&o),
		Forms: actionForms(p, &o), CanMerge: p.Can(auth.PermOrderDispatch) && o.State.Open(),
		Created: r.URL.Query().Get("new") == "1"}
	for _, e := range o.Events {
		d.Events = append(d.Events, eventRow{Event: e, Label: eventLabel(v, e.Action), Detail: eventDetail(v, &e),
			Photos: eventPhotos(o.ID, e.PhotoIDs)})
	}
	for _, rt := range workorder.Ratings {
		d.Ratings = append(d.Ratings, web.Option{Value: string(rt), Label: v.T(rt.Key())})
	}
	var needUnits, needCats bool
	for i, f := range d.Forms {
		needUnits, needCats = needUnits || f.Unit, needCats || f.Category
		if f.Photos {
			cat, err := s.orders.Category(ctx, o.CategoryID)
			if err != nil {
				return nil, nil, err
			}
			d.Forms[i].PhotosRequired = cat.EvidenceRequired
		}
	}
	if needUnits || len(o.AssistUnitIDs) > 0 {
		units, err := s.org.UnitOptions(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		names := map[int64]string{}
		for _, u := range units {
			names[u.ID] = v.Name(u.Name, u.NameEN)
		}
		for _, id := range o.AssistUnitIDs {
			n, ok := names[id]
			if !ok {
				n = "#" + strconv.FormatInt(id, 10)
			}
			d.AssistNames = append(d.AssistNames, n)
		}
		acting, err := s.accounts.UnitsWithActiveHolders(ctx, auth.PermOrderHandle)
		if err != nil {
			return nil, nil, err
		}
		for i, c := range web.TreeChoices(v, units) {
			if c.Off {
				continue
			}
			if !acting[units[i].ID] {
				c.Label += " " + v.T("woweb.unit_no_handler")
			}
			d.Units = append(d.Units, c)
		}
	}
	if needUnits {
		cat, err := s.orders.Category(ctx, o.CategoryID)
		if err != nil {
			return nil, nil, err
		}
		d.DefaultUnit = web.I64s(cat.UnitID)
		if o.UnitID != 0 {
			d.DefaultUnit = web.I64s(o.UnitID)
		}
	}
	if needCats {
		if d.Categories, err = s.categoryGroups(ctx, v); err != nil {
			return nil, nil, err
		}
	}
	if err := s.orderExtrasOf(ctx, v, d); err != nil {
		return nil, nil, err
	}
	v.Data = d
	return v, d, nil
}

func (s *Server) orderDetail(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	v, _, err := s.orderDetailView(w, r, id)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "wo_detail", v)
	return nil
}

// ---- steps ----

// parseUntil reads an extension date: YYYY-MM-DD (to the end of that day)
// or an RFC 3339 instant (API).
func parseUntil(f *errs.Fields, s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	if t := web.ParseDay(f, "extension_until", s); t != nil {
		return *web.EndOfDay(*t) // the unit has all of that day
	}
	return time.Time{}
}

// orderIDByCode finds an order in p's scope by its tracking code. The
// service has no staff look-up by code, so its public view gives the
// order's creation instant, and the scoped list narrowed to that
// millisecond gives the id: outside p's scope the order is not found.
func (s *Server) orderIDByCode(ctx context.Context, p *auth.Principal, code string) (int64, error) {
	pv, err := s.orders.PublicView(ctx, code)
	if err != nil {
		return 0, err
	}
	f := workorder.Filter{From: pv.CreatedAt, To: pv.CreatedAt.Add(time.Millisecond), Size: workorder.MaxPageSize}
	for f.Page = 1; ; f.Page++ {
		rows, more, err := s.orders.List(ctx, p, f)
		if err != nil {
			return 0, err
		}
		for _, o := range rows {
			if o.Code == pv.Code {
				return o.ID, nil
			}
		}
		if !more {
			return 0, errs.NotFoundf(orderEntity)
		}
	}
}

// stepInput is the input of one step, from a form or a JSON body; only the
// fields the action needs are read.
type stepInput struct {
	Note           string
	UnitID         int64
	AssistUnitIDs  []int64
	CategoryID     int64
	Rating         string
	ExtensionUntil string
	ParentID       int64
	ParentCode     string
}

// actionInput turns a step's input into the service's, resolving a parent
// code. Field errors found here (a bad date, an unknown code) are returned
// without running the step.
func (s *Server) actionInput(ctx context.Context, p *auth.Principal, action workorder.Action, b stepInput, fe *errs.Fields) (workorder.ActionInput, error) {
	in := workorder.ActionInput{Action: action, Note: b.Note}
	rule, ok := workorder.RuleFor(action)
	if !ok {
		return in, nil // the service refuses the unknown action
	}
	needs := func(n workorder.Need) bool { return slices.Contains(rule.Needs, n) }
	if needs(workorder.NeedUnit) {
		in.UnitID, in.AssistUnitIDs = b.UnitID, b.AssistUnitIDs
	}
	if needs(workorder.NeedCategory) {
		in.CategoryID = b.CategoryID
	}
	if needs(workorder.NeedRating) {
		in.Rating = workorder.Rating(strings.TrimSpace(b.Rating))
	}
	if needs(workorder.NeedExtension) {
		in.ExtensionUntil = parseUntil(fe, b.ExtensionUntil)
	}
	if needs(workorder.NeedParent) {
		in.ParentID = b.ParentID
		if code := strings.TrimSpace(b.ParentCode); code != "" && in.ParentID == 0 {
			id, err := s.orderIDByCode(ctx, p, code)
			switch {
			case errs.Is(err, errs.NotFound):
				fe.Add("parent_code", "woweb.field.unknown_code", workorder.NormaliseCode(code))
			case err != nil:
				return in, err
			}
			in.ParentID = id
		}
	}
	return in, nil
}

func stepInputOf(fe *errs.Fields, vals url.Values) stepInput {
	return stepInput{Note: vals.Get("note"), UnitID: web.FormInt64(fe, vals, "unit_id"),
		AssistUnitIDs: web.FormInt64s(fe, vals, "assist_unit_ids"), CategoryID: web.FormInt64(fe, vals, "category_id"),
		Rating: vals.Get("rating"), ExtensionUntil: vals.Get("extension_until"), ParentCode: vals.Get("parent_code")}
}

// stepFailed re-renders the order's page with the failed form's messages
// (bad input, or a step the order's state no longer allows); any other
// error (no such order in scope, not the viewer's role) goes to fail.
func (s *Server) stepFailed(w http.ResponseWriter, r *http.Request, id int64, form string, err error) error {
	code := errs.CodeOf(err)
	if code != errs.Invalid && code != errs.Conflict {
		return err
	}
	v, d, verr := s.orderDetailView(w, r, id)
	if verr != nil {
		return verr
	}
	d.Failed = form
	return s.FormFailed(w, r, "wo_detail", v, err)
}

// orderAction runs one step from its form on the detail page.
func (s *Server) orderAction(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	action := workorder.Action(r.PathValue("action"))
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	in, err := s.actionInput(r.Context(), p, action, stepInputOf(&fe, r.PostForm), &fe)
	var photos []*photo.Prepared
	if err == nil {
		photos, err = s.stepPhotos(r, p, id, &fe)
	}
	if err == nil {
		err = fe.Err()
	}
	var o workorder.Order
	if err == nil {
		o, err = s.actWithPhotos(r.Context(), p, id, in, photos)
	}
	if err != nil {
		return s.stepFailed(w, r, id, string(action), err)
	}
	if warn, err := s.dispatchWarnings(r.Context(), in); err != nil {
		return err
	} else if len(warn) > 0 {
		return s.RedirectWith(w, r, orderPath(id), "woweb.flash.dispatched_no_handler", o.UnitName)
	}
	// The flash says what happened: "已派单至 市城市管理局", "已签收" …
	if k := "woweb.flash.did." + string(action); i18n.Has(k) {
		if action == workorder.ActionDispatch || action == workorder.ActionReassign {
			return s.RedirectWith(w, r, orderPath(id), k, o.UnitName)
		}
		return s.Redirect(w, r, orderPath(id), k)
	}
	return s.Redirect(w, r, orderPath(id), "woweb.flash.done")
}

// splitCodes reads tracking codes separated by commas, Chinese commas,
// semicolons or spaces.
func splitCodes(s string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == '；' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	}) {
		if c = workorder.NormaliseCode(c); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// mergeIDs resolves the children to merge: ids as given, codes looked up
// in p's scope; an unknown code is a field error on "codes".
func (s *Server) mergeIDs(ctx context.Context, p *auth.Principal, ids []int64, codes []string, fe *errs.Fields) ([]int64, error) {
	out := slices.Clone(ids)
	var unknown []string
	for _, c := range codes {
		id, err := s.orderIDByCode(ctx, p, c)
		if errs.Is(err, errs.NotFound) {
			unknown = append(unknown, c)
			continue
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(unknown) > 0 {
		fe.Add("codes", "woweb.field.unknown_code", strings.Join(unknown, ", "))
	}
	if len(out) == 0 && len(unknown) == 0 {
		fe.Add("codes", "field.required")
	}
	return out, nil
}

// orderMerge joins the orders with the typed codes under this one.
func (s *Server) orderMerge(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if err := auth.Require(p, auth.PermOrderDispatch); err != nil {
		return err
	}
	var fe errs.Fields
	ids, err := s.mergeIDs(r.Context(), p, nil, splitCodes(r.PostFormValue("codes")), &fe)
	if err == nil {
		err = fe.Err()
	}
	if err == nil {
		_, err = s.orders.Merge(r.Context(), p, id, ids, r.PostFormValue("note"))
	}
	if err != nil {
		return s.stepFailed(w, r, id, "merge", err)
	}
	return s.Redirect(w, r, orderPath(id), "woweb.flash.merged")
}

// orderPhone reveals the reporter's full phone number on the detail page;
// the service checks contact.view and writes the view_contact audit entry.
func (s *Server) orderPhone(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	phone, err := s.orders.ReporterContact(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	v, d, err := s.orderDetailView(w, r, id)
	if err != nil {
		return err
	}
	d.FullPhone, d.Revealed = phone, true
	s.Render(w, r, http.StatusOK, "wo_detail", v)
	return nil
}

// dispatchWarnings are what the dispatcher is told after a dispatch or
// reassignment that went through: "no_active_handler" when no active user
// of the chosen unit holds workorder.handle, so nobody there could
// acknowledge the order and it would go overdue unseen.
func (s *Server) dispatchWarnings(ctx context.Context, in workorder.ActionInput) ([]string, error) {
	if in.Action != workorder.ActionDispatch && in.Action != workorder.ActionReassign {
		return nil, nil
	}
	acting, err := s.accounts.UnitsWithActiveHolders(ctx, auth.PermOrderHandle)
	if err != nil || acting[in.UnitID] {
		return nil, err
	}
	return []string{"no_active_handler"}, nil
}

package orderweb

import (
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/workorder"
)

// workorderRoutes registers the staff side of work orders: the queue, the
// hotline intake form, the detail page with its steps and merge, and the
// /api/v1/workorders API. Handlers live in workorders.go; the citizen side
// (/report, /track, /api/v1/public) is registered elsewhere.
func (s *Server) workorderRoutes() {
	s.Page("GET /orders", s.orderList)
	s.Page("GET /orders/new", s.orderNew)
	s.Page("POST /orders", s.orderCreate)
	s.Page("GET /orders/{id}", s.orderDetail)
	s.Page("GET /orders/{id}/print", s.orderPrint)
	s.Page("POST /orders/{id}/actions/{action}", s.orderAction)
	s.Page("POST /orders/{id}/merge", s.orderMerge)
	s.Page("POST /orders/{id}/phone", s.orderPhone)
	s.Page("GET /orders/{id}/photos/{photoID}/{variant}", s.orderPhoto)
	s.workorderAPIRoutes()
	s.questionRoutes()
}

// ---- API ----

// orderJSON is the API view of an order: its fields (reporter_phone
// masked), whether a deadline was missed and the deadline in force.
type orderJSON struct {
	workorder.Order
	Overdue    bool       `json:"overdue"`
	DeadlineAt *time.Time `json:"deadline_at"`
}

// orderFullJSON is one order with its timeline and the steps the caller
// may take now.
type orderFullJSON struct {
	orderJSON
	AllowedActions []workorder.Action `json:"allowed_actions"`
	// Warnings of the step just taken: "no_active_handler" after a dispatch
	// to a unit with no active user who could act on the order.
	Warnings []string `json:"warnings,omitempty"`
}

func orderJSONOf(o workorder.Order) orderJSON {
	if o.AssistUnitIDs == nil {
		o.AssistUnitIDs = []int64{}
	}
	for i := range o.Events {
		if o.Events[i].PhotoIDs == nil {
			o.Events[i].PhotoIDs = []int64{}
		}
	}
	return orderJSON{Order: o, Overdue: o.Overdue(), DeadlineAt: orderDeadline(&o)}
}

// orderPage is a page of the queue: the service answers whether more rows
// follow rather than counting every match.
type orderPage struct {
	Items []orderJSON `json:"items"`
	Page  int         `json:"page"`
	Size  int         `json:"size"`
	More  bool        `json:"more"`
}

// intakeBody is a staff intake through the API.
type intakeBody struct {
	Channel          workorder.Channel `json:"channel"`
	CategoryID       int64             `json:"category_id"`
	Title            string            `json:"title"`
	Description      string            `json:"description"`
	Address          string            `json:"address"`
	Lat              *float64          `json:"lat"`
	Lng              *float64          `json:"lng"`
	RegionID         int64             `json:"region_id"`
	Name             string            `json:"name"`
	Phone            string            `json:"phone"`
	AnsweredAtIntake bool              `json:"answered_at_intake"`
	Answer           string            `json:"answer"`
	Answers          workorder.Answers `json:"answers"` // the category's extra questions (questions.go)
}

// stepBody is the JSON body of a step; which fields count depends on the
// action (see the transition table).
type stepBody struct {
	Note           string  `json:"note"`
	UnitID         int64   `json:"unit_id"`
	AssistUnitIDs  []int64 `json:"assist_unit_ids"`
	CategoryID     int64   `json:"category_id"`
	Rating         string  `json:"rating"`
	ExtensionUntil string  `json:"extension_until"`
	ParentID       int64   `json:"parent_id"`
	ParentCode     string  `json:"parent_code"`
}

type mergeBody struct {
	ChildIDs   []int64  `json:"child_ids"`
	ChildCodes []string `json:"child_codes"`
	Note       string   `json:"note"`
}

func enumOf[T ~string](vals []T) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

func (s *Server) workorderAPIRoutes() {
	nullable := func(m map[string]any) map[string]any { m["nullable"] = true; return m }
	desc := func(m map[string]any, d string) map[string]any { m["description"] = d; return m }
	state := map[string]any{"type": "string", "enum": enumOf(workorder.States)}
	event := web.Obj(map[string]any{
		"id": web.Integer(), "order_id": web.Integer(), "at": web.DateTime(), "actor_id": web.Integer(), "actor_name": web.Str(),
		"actor_role": desc(web.Str(), "the actor's role codes, comma-separated"),
		"action":     desc(web.Str(), "an action, or submit / overdue / auto_escalate / follow_parent"),
		"from_state": state, "to_state": state, "note": web.Str(),
		"public_note": desc(web.Boolean(), "the note is shown on the public tracking page"),
		"deadline_at": desc(nullable(web.DateTime()), "the deadline in force after the step"),
		"unit_id":     web.Integer(), "unit_name": web.Str(), "data": desc(web.Str(), "JSON with the step's details, \"\" when none"),
		"photo_ids": web.Arr(web.Integer()),
	})
	orderProps := map[string]any{
		"id": web.Integer(), "code": desc(web.Str(), "tracking code"), "channel": map[string]any{"type": "string", "enum": enumOf(workorder.Channels)},
		"source":      desc(web.Str(), "within the channel: the Open311 client's name, \"\" when none"),
		"category_id": web.Integer(), "category_name": web.Str(), "category_name_en": web.Str(), "title": web.Str(), "description": web.Str(),
		"address": web.Str(), "lat": nullable(web.Number()), "lng": nullable(web.Number()),
		"region_id": web.Integer(), "region_path": web.Str(), "region_name": web.Str(),
		"unit_id": desc(web.Integer(), "lead unit, 0 before dispatch"), "unit_path": web.Str(), "unit_name": web.Str(),
		"assist_unit_ids": web.Arr(web.Integer()), "reporter_name": web.Str(),
		"reporter_phone": desc(web.Str(), "masked (138****5678)"),
		"state":          state, "urgency": web.Str(),
		"dispatched_at": nullable(web.DateTime()), "ack_due_at": nullable(web.DateTime()), "resolve_due_at": nullable(web.DateTime()),
		"acknowledged_at": nullable(web.DateTime()), "resolved_at": nullable(web.DateTime()), "closed_at": nullable(web.DateTime()),
		"extension_until": desc(nullable(web.DateTime()), "the date a pending extension request asks for"),
		"ack_overdue":     web.Boolean(), "resolve_overdue": web.Boolean(),
		"overdue":          desc(web.Boolean(), "ack_overdue or resolve_overdue"),
		"deadline_at":      desc(nullable(web.DateTime()), "the deadline in force: acknowledge, then resolve"),
		"escalation_level": web.Integer(), "escalated_at": nullable(web.DateTime()),
		"parent_id":    desc(web.Integer(), "the order this one was merged into, 0 when none"),
		"satisfaction": map[string]any{"type": "string", "enum": append([]string{""}, enumOf(workorder.Ratings)...)},
		"first_rating": map[string]any{"type": "string", "enum": append([]string{""}, enumOf(workorder.Ratings)...),
			"description": "the first reached callback's rating: the one the satisfaction figures count"},
		"reopen_count": web.Integer(), "resolution": web.Str(), "created_by": web.Integer(), "created_at": web.DateTime(), "updated_at": web.DateTime(),
	}
	order := web.Obj(orderProps)
	fullProps := map[string]any{
		"events": web.Arr(event),
		"answers": desc(web.Arr(web.Obj(map[string]any{"code": web.Str(), "description": desc(web.Str(), "the question (Chinese)"),
			"description_en": web.Str(), "datatype": web.Str(), "values": web.Arr(web.Str()),
			"choices": desc(web.Arr(web.Obj(map[string]any{"key": web.Str(), "name": web.Str(), "name_en": web.Str()})), "the list values answered, with their names")})),
			"answers to the category's extra questions, in the questions' order"),
		"allowed_actions": desc(web.Arr(map[string]any{"type": "string", "enum": enumOf(workorder.Actions)}), "the steps the caller may take now"),
	}
	for k, v := range orderProps {
		fullProps[k] = v
	}
	full := web.Obj(fullProps)
	page := web.Obj(map[string]any{"items": web.Arr(order), "page": web.Integer(), "size": web.Integer(),
		"more": desc(web.Boolean(), "another page follows")})

	s.API("GET /api/v1/workorders", web.APIDoc{
		Summary: "Work orders in the caller's data scope, newest first; phones masked (needs a work-order permission)", Tag: "workorders",
		Params: []web.Param{
			{Name: "state", In: "query", Description: "one or more of " + strings.Join(enumOf(workorder.States), ", ") + " (repeat or comma-separate)"},
			{Name: "category", In: "query", Type: "integer", Description: "a category, or a group with all its categories (id)"},
			{Name: "unit", In: "query", Type: "integer", Description: "lead unit (id)"},
			{Name: "region", In: "query", Type: "integer", Description: "orders in this region's subtree (id)"},
			{Name: "channel", In: "query", Description: "one of " + strings.Join(enumOf(workorder.Channels), ", ")},
			{Name: "overdue", In: "query", Type: "boolean", Description: "only orders that missed a deadline (1) or none (0)"},
			{Name: "from", In: "query", Description: "created on or after this day, YYYY-MM-DD"},
			{Name: "to", In: "query", Description: "created on or before this day, YYYY-MM-DD (inclusive)"},
			{Name: "q", In: "query", Description: "full-text search over title, description, address and resolution (Chinese and English; every term must match)"},
			{Name: "kpi", In: "query", Description: "only the orders behind one figure of GET /api/v1/stats/workorders (its links set kpi, kpi_from, kpi_to, kpi_group, kpi_id)"},
			{Name: "kpi_from", In: "query", Description: "the figure's period: first day, YYYY-MM-DD"},
			{Name: "kpi_to", In: "query", Description: "the figure's period: last day, YYYY-MM-DD"},
			{Name: "kpi_group", In: "query", Description: "the figure's row kind: unit, region or category; absent for the totals row"},
			{Name: "kpi_id", In: "query", Type: "integer", Description: "the figure's row id (0: the \"none\" row)"},
			{Name: "page", In: "query", Type: "integer", Description: "page number, from 1"},
			{Name: "size", In: "query", Type: "integer", Description: "rows per page (default 50, at most 500)"},
		},
		Response: page, Extra: map[int]string{400: "a bad filter value", 403: "the role has no work-order permission"},
	}, s.apiOrderList)
	s.API("POST /api/v1/workorders", web.APIDoc{
		Summary: "Staff intake (hotline by default); with answered_at_intake the answer closes the order at once (needs workorder.intake)", Tag: "workorders",
		Body: web.Obj(map[string]any{
			"channel":     map[string]any{"type": "string", "enum": enumOf(workorder.Channels), "default": "hotline"},
			"category_id": web.Integer(), "title": desc(web.Str(), "default: the start of the description"), "description": web.Str(),
			"address": web.Str(), "lat": web.Number(), "lng": web.Number(), "region_id": web.Integer(),
			"name": desc(web.Str(), "the caller's name"), "phone": desc(web.Str(), "the caller's phone"),
			"answered_at_intake": web.Boolean(), "answer": desc(web.Str(), "the answer given on the phone; required with answered_at_intake"),
			"answers": map[string]any{"type": "object", "description": "answers to the category's extra questions: code → a string, " +
				"or an array of keys for a multi-value list (messages name the field attribute[code])",
				"additionalProperties": map[string]any{"oneOf": []any{web.Str(), web.Arr(web.Str())}}},
		}, "category_id", "description"),
		Response: full, Status: http.StatusCreated,
		Extra: map[int]string{400: "invalid input, with field messages; nothing is stored", 403: "the role lacks workorder.intake"},
	}, s.apiOrderCreate)
	s.API("GET /api/v1/workorders/{id}", web.APIDoc{
		Summary: "One work order with its timeline and the steps the caller may take now", Tag: "workorders", Response: full,
		Extra: map[int]string{403: "the role has no work-order permission", 404: "no such order in the caller's scope"},
	}, s.apiOrderGet)
	s.API("POST /api/v1/workorders/{id}/actions/{action}", web.APIDoc{
		Summary: "Take one step (" + strings.Join(enumOf(workorder.Actions), ", ") + "); the transition table decides the states, role and inputs; a refusal changes nothing. " +
			"Evidence photos: send multipart/form-data with the same fields and up to 6 image files in `photos` (a bad file refuses the step on the photos field)", Tag: "workorders",
		Body: web.Obj(map[string]any{
			"note":            desc(web.Str(), "reason, answer or resolution; required by reject, answer, return, request_extension, refuse_extension, resolve, refuse, reassign, escalate"),
			"unit_id":         desc(web.Integer(), "lead unit: dispatch, reassign"),
			"assist_unit_ids": desc(web.Arr(web.Integer()), "assisting units: dispatch, reassign"),
			"category_id":     desc(web.Integer(), "new category: recategorise"),
			"rating":          map[string]any{"type": "string", "enum": enumOf(workorder.Ratings), "description": "callback answer; dissatisfied reopens"},
			"extension_until": desc(web.Str(), "request_extension: YYYY-MM-DD (to the end of that day in China Standard Time) or an RFC 3339 time"),
			"parent_id":       desc(web.Integer(), "merge: the order to merge into"),
			"parent_code":     desc(web.Str(), "merge: the tracking code of the order to merge into (instead of parent_id)"),
		}),
		Response: full,
		Extra: map[int]string{400: "unknown action or invalid input, with field messages", 403: "the role may not take this step, or the order is not with the caller's unit",
			404: "no such order in the caller's scope", 409: "the order's state does not allow this step"},
	}, s.apiOrderAction)
	s.API("POST /api/v1/workorders/{id}/merge", web.APIDoc{
		Summary: "Merge duplicates into this order: the children follow it and close with it; all or nothing (needs workorder.dispatch)", Tag: "workorders",
		Body: web.Obj(map[string]any{"child_ids": web.Arr(web.Integer()), "child_codes": desc(web.Arr(web.Str()), "tracking codes, instead of or besides ids"),
			"note": web.Str()}),
		Response: full,
		Extra: map[int]string{400: "no children, an unknown code, or a child that cannot be merged", 403: "the role lacks workorder.dispatch",
			404: "no such order in the caller's scope", 409: "a child's state does not allow merging"},
	}, s.apiOrderMerge)
}

func (s *Server) apiOrderList(w http.ResponseWriter, r *http.Request) error {
	f, lq, err := orderFilterOf(r)
	if err != nil {
		return err
	}
	orders, more, err := s.listOrders(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	out := orderPage{Items: make([]orderJSON, 0, len(orders)), Page: lq.Page, Size: lq.Size, More: more}
	for _, o := range orders {
		out.Items = append(out.Items, orderJSONOf(o))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// writeOrder answers with one order, its timeline and the caller's steps.
func (s *Server) writeOrder(w http.ResponseWriter, r *http.Request, status int, id int64, warnings ...string) error {
	p := web.Principal(r)
	o, err := s.orders.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := orderFullJSON{orderJSON: orderJSONOf(o), AllowedActions: workorder.Allowed(o.Kind, o.State, p, workorder.IsOwnUnit(p, &o)), Warnings: warnings}
	if out.AllowedActions == nil {
		out.AllowedActions = []workorder.Action{}
	}
	if out.Events == nil {
		out.Events = []workorder.Event{}
	}
	web.WriteJSON(w, status, out)
	return nil
}

func (s *Server) apiOrderCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermOrderIntake); err != nil {
		return err
	}
	var b intakeBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Channel == "" {
		b.Channel = workorder.ChannelHotline
	}
	it := intake{In: workorder.SubmitInput{Channel: b.Channel, CategoryID: b.CategoryID, Title: b.Title,
		Description: b.Description, Address: b.Address, Lat: b.Lat, Lng: b.Lng, RegionID: b.RegionID,
		ReporterName: b.Name, ReporterPhone: b.Phone, Answers: b.Answers}, Answered: b.AnsweredAtIntake, Answer: b.Answer}
	var fe errs.Fields
	it.check(&fe)
	if err := fe.Err(); err != nil {
		return err
	}
	sub, err := s.submitIntake(r.Context(), p, it)
	if err != nil {
		return err
	}
	return s.writeOrder(w, r, http.StatusCreated, sub.ID)
}

func (s *Server) apiOrderGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	return s.writeOrder(w, r, http.StatusOK, id)
}

func (s *Server) apiOrderAction(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	var b stepBody
	var fe errs.Fields
	si := stepInput(b)
	if isMultipart(r) { // with evidence photos (workorders_photos.go)
		if err := web.ParseForm(r); err != nil {
			return err
		}
		si = stepInputOf(&fe, r.PostForm)
		si.ParentID = web.FormInt64(&fe, r.PostForm, "parent_id")
	} else if r.ContentLength != 0 {
		if err := web.DecodeJSON(r, &b); err != nil {
			return err
		}
		si = stepInput(b)
	}
	in, err := s.actionInput(r.Context(), p, workorder.Action(r.PathValue("action")), si, &fe)
	if err != nil {
		return err
	}
	photos, err := s.stepPhotos(r, p, id, &fe)
	if err != nil {
		return err
	}
	if err := fe.Err(); err != nil {
		// Outside the caller's scope the order does not exist, whatever the body says.
		if _, gerr := s.orders.Get(r.Context(), p, id); gerr != nil {
			return gerr
		}
		return err
	}
	if _, err := s.actWithPhotos(r.Context(), p, id, in, photos); err != nil {
		return err
	}
	warn, err := s.dispatchWarnings(r.Context(), in)
	if err != nil {
		return err
	}
	return s.writeOrder(w, r, http.StatusOK, id, warn...)
}

func (s *Server) apiOrderMerge(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermOrderDispatch); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	var b mergeBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	var codes []string
	for _, c := range b.ChildCodes {
		codes = append(codes, splitCodes(c)...)
	}
	var fe errs.Fields
	ids, err := s.mergeIDs(r.Context(), p, b.ChildIDs, codes, &fe)
	if err != nil {
		return err
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if _, err := s.orders.Merge(r.Context(), p, id, ids, b.Note); err != nil {
		return err
	}
	return s.writeOrder(w, r, http.StatusOK, id)
}

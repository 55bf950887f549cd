package web

import (
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
	s.page("GET /orders", s.orderList)
	s.page("GET /orders/new", s.orderNew)
	s.page("POST /orders", s.orderCreate)
	s.page("GET /orders/{id}", s.orderDetail)
	s.page("POST /orders/{id}/actions/{action}", s.orderAction)
	s.page("POST /orders/{id}/merge", s.orderMerge)
	s.page("POST /orders/{id}/phone", s.orderPhone)
	s.page("GET /orders/{id}/photos/{photoID}/{variant}", s.orderPhoto)
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
	event := obj(map[string]any{
		"id": integer(), "order_id": integer(), "at": dateTime(), "actor_id": integer(), "actor_name": str(),
		"actor_role": desc(str(), "the actor's role codes, comma-separated"),
		"action":     desc(str(), "an action, or submit / overdue / auto_escalate / follow_parent"),
		"from_state": state, "to_state": state, "note": str(),
		"public_note": desc(boolean(), "the note is shown on the public tracking page"),
		"deadline_at": desc(nullable(dateTime()), "the deadline in force after the step"),
		"unit_id":     integer(), "unit_name": str(), "data": desc(str(), "JSON with the step's details, \"\" when none"),
		"photo_ids": arr(integer()),
	})
	orderProps := map[string]any{
		"id": integer(), "code": desc(str(), "tracking code"), "channel": map[string]any{"type": "string", "enum": enumOf(workorder.Channels)},
		"source":      desc(str(), "within the channel: the Open311 client's name, \"\" when none"),
		"category_id": integer(), "category_name": str(), "category_name_en": str(), "title": str(), "description": str(),
		"address": str(), "lat": nullable(number()), "lng": nullable(number()),
		"region_id": integer(), "region_path": str(), "region_name": str(),
		"unit_id": desc(integer(), "lead unit, 0 before dispatch"), "unit_path": str(), "unit_name": str(),
		"assist_unit_ids": arr(integer()), "reporter_name": str(),
		"reporter_phone": desc(str(), "masked (138****5678)"),
		"state":          state, "urgency": str(),
		"dispatched_at": nullable(dateTime()), "ack_due_at": nullable(dateTime()), "resolve_due_at": nullable(dateTime()),
		"acknowledged_at": nullable(dateTime()), "resolved_at": nullable(dateTime()), "closed_at": nullable(dateTime()),
		"extension_until": desc(nullable(dateTime()), "the date a pending extension request asks for"),
		"ack_overdue":     boolean(), "resolve_overdue": boolean(),
		"overdue":          desc(boolean(), "ack_overdue or resolve_overdue"),
		"deadline_at":      desc(nullable(dateTime()), "the deadline in force: acknowledge, then resolve"),
		"escalation_level": integer(), "escalated_at": nullable(dateTime()),
		"parent_id":    desc(integer(), "the order this one was merged into, 0 when none"),
		"satisfaction": map[string]any{"type": "string", "enum": append([]string{""}, enumOf(workorder.Ratings)...)},
		"reopen_count": integer(), "resolution": str(), "created_by": integer(), "created_at": dateTime(), "updated_at": dateTime(),
	}
	order := obj(orderProps)
	fullProps := map[string]any{
		"events": arr(event),
		"answers": desc(arr(obj(map[string]any{"code": str(), "description": desc(str(), "the question (Chinese)"),
			"description_en": str(), "datatype": str(), "values": arr(str()),
			"choices": desc(arr(obj(map[string]any{"key": str(), "name": str(), "name_en": str()})), "the list values answered, with their names")})),
			"answers to the category's extra questions, in the questions' order"),
		"allowed_actions": desc(arr(map[string]any{"type": "string", "enum": enumOf(workorder.Actions)}), "the steps the caller may take now"),
	}
	for k, v := range orderProps {
		fullProps[k] = v
	}
	full := obj(fullProps)
	page := obj(map[string]any{"items": arr(order), "page": integer(), "size": integer(),
		"more": desc(boolean(), "another page follows")})

	s.api("GET /api/v1/workorders", APIDoc{
		Summary: "Work orders in the caller's data scope, newest first; phones masked (needs a work-order permission)", Tag: "workorders",
		Params: []Param{
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
	s.api("POST /api/v1/workorders", APIDoc{
		Summary: "Staff intake (hotline by default); with answered_at_intake the answer closes the order at once (needs workorder.intake)", Tag: "workorders",
		Body: obj(map[string]any{
			"channel":     map[string]any{"type": "string", "enum": enumOf(workorder.Channels), "default": "hotline"},
			"category_id": integer(), "title": desc(str(), "default: the start of the description"), "description": str(),
			"address": str(), "lat": number(), "lng": number(), "region_id": integer(),
			"name": desc(str(), "the caller's name"), "phone": desc(str(), "the caller's phone"),
			"answered_at_intake": boolean(), "answer": desc(str(), "the answer given on the phone; required with answered_at_intake"),
			"answers": map[string]any{"type": "object", "description": "answers to the category's extra questions: code → a string, " +
				"or an array of keys for a multi-value list (messages name the field attribute[code])",
				"additionalProperties": map[string]any{"oneOf": []any{str(), arr(str())}}},
		}, "category_id", "description"),
		Response: full, Status: http.StatusCreated,
		Extra: map[int]string{400: "invalid input, with field messages; nothing is stored", 403: "the role lacks workorder.intake"},
	}, s.apiOrderCreate)
	s.api("GET /api/v1/workorders/{id}", APIDoc{
		Summary: "One work order with its timeline and the steps the caller may take now", Tag: "workorders", Response: full,
		Extra: map[int]string{403: "the role has no work-order permission", 404: "no such order in the caller's scope"},
	}, s.apiOrderGet)
	s.api("POST /api/v1/workorders/{id}/actions/{action}", APIDoc{
		Summary: "Take one step (" + strings.Join(enumOf(workorder.Actions), ", ") + "); the transition table decides the states, role and inputs; a refusal changes nothing. " +
			"Evidence photos: send multipart/form-data with the same fields and up to 6 image files in `photos` (a bad file refuses the step on the photos field)", Tag: "workorders",
		Body: obj(map[string]any{
			"note":            desc(str(), "reason, answer or resolution; required by reject, answer, return, request_extension, refuse_extension, resolve, refuse, reassign, escalate"),
			"unit_id":         desc(integer(), "lead unit: dispatch, reassign"),
			"assist_unit_ids": desc(arr(integer()), "assisting units: dispatch, reassign"),
			"category_id":     desc(integer(), "new category: recategorise"),
			"rating":          map[string]any{"type": "string", "enum": enumOf(workorder.Ratings), "description": "callback answer; dissatisfied reopens"},
			"extension_until": desc(str(), "request_extension: YYYY-MM-DD (to the end of that day in China Standard Time) or an RFC 3339 time"),
			"parent_id":       desc(integer(), "merge: the order to merge into"),
			"parent_code":     desc(str(), "merge: the tracking code of the order to merge into (instead of parent_id)"),
		}),
		Response: full,
		Extra: map[int]string{400: "unknown action or invalid input, with field messages", 403: "the role may not take this step, or the order is not with the caller's unit",
			404: "no such order in the caller's scope", 409: "the order's state does not allow this step"},
	}, s.apiOrderAction)
	s.api("POST /api/v1/workorders/{id}/merge", APIDoc{
		Summary: "Merge duplicates into this order: the children follow it and close with it; all or nothing (needs workorder.dispatch)", Tag: "workorders",
		Body: obj(map[string]any{"child_ids": arr(integer()), "child_codes": desc(arr(str()), "tracking codes, instead of or besides ids"),
			"note": str()}),
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
	orders, more, err := s.listOrders(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	out := orderPage{Items: make([]orderJSON, 0, len(orders)), Page: lq.Page, Size: lq.Size, More: more}
	for _, o := range orders {
		out.Items = append(out.Items, orderJSONOf(o))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// writeOrder answers with one order, its timeline and the caller's steps.
func (s *Server) writeOrder(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	p := principal(r)
	o, err := s.orders.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := orderFullJSON{orderJSON: orderJSONOf(o), AllowedActions: workorder.Allowed(o.State, p, workorder.IsOwnUnit(p, &o))}
	if out.AllowedActions == nil {
		out.AllowedActions = []workorder.Action{}
	}
	if out.Events == nil {
		out.Events = []workorder.Event{}
	}
	writeJSON(w, status, out)
	return nil
}

func (s *Server) apiOrderCreate(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermOrderIntake); err != nil {
		return err
	}
	var b intakeBody
	if err := decodeJSON(r, &b); err != nil {
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
	id, err := pathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	return s.writeOrder(w, r, http.StatusOK, id)
}

func (s *Server) apiOrderAction(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id, err := pathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	var b stepBody
	var fe errs.Fields
	si := stepInput(b)
	if isMultipart(r) { // with evidence photos (workorders_photos.go)
		if err := parseForm(r); err != nil {
			return err
		}
		si = stepInputOf(&fe, r.PostForm)
		si.ParentID = formInt64(&fe, r.PostForm, "parent_id")
	} else if r.ContentLength != 0 {
		if err := decodeJSON(r, &b); err != nil {
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
	return s.writeOrder(w, r, http.StatusOK, id)
}

func (s *Server) apiOrderMerge(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if err := auth.Require(p, auth.PermOrderDispatch); err != nil {
		return err
	}
	id, err := pathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	var b mergeBody
	if err := decodeJSON(r, &b); err != nil {
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

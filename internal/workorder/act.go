package workorder

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/search"
)

// ActionInput is one step on an order; which fields an action needs is in
// its Rule.
type ActionInput struct {
	Action         Action    `json:"action"`
	Note           string    `json:"note"`
	UnitID         int64     `json:"unit_id"`
	AssistUnitIDs  []int64   `json:"assist_unit_ids"`
	CategoryID     int64     `json:"category_id"`
	Rating         Rating    `json:"rating"`
	ExtensionUntil time.Time `json:"extension_until"`
	ParentID       int64     `json:"parent_id"`
	PhotoIDs       []int64   `json:"photo_ids"`
}

// IsOwnUnit reports whether the order is with p's unit (or a unit below
// it in p's scope): the test for the unit's own actions.
func IsOwnUnit(p *auth.Principal, o *Order) bool {
	if p == nil || o.UnitID == 0 {
		return false
	}
	if p.UnitID == o.UnitID {
		return true
	}
	return auth.Scope{UnitPaths: p.Scope.UnitPaths, UnitExact: p.Scope.UnitExact}.Contains("", o.UnitPath, 0)
}

// Act takes one step on an order: it checks the transition table, the
// role, the data scope and the inputs, changes the order, writes the
// timeline event with its photos, the audit entry, notifications and the
// KPI rollup, all in one write transaction, and returns the order. A refusal
// changes nothing.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, in ActionInput) (Order, error) {
	if p == nil {
		return Order{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	var out Order
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		o, err := s.act(ctx, tx, p, id, in, s.Clock.Now())
		out = o
		return err
	})
	out.ReporterPhone = pii.MaskPhone(out.ReporterPhone)
	return out, err
}

// Merge joins duplicate orders under parent: each child moves to merged
// and follows the parent from then on (closing the parent closes them).
// All or nothing, in one transaction.
func (s *Service) Merge(ctx context.Context, p *auth.Principal, parentID int64, childIDs []int64, note string) (Order, error) {
	if p == nil {
		return Order{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if len(childIDs) == 0 {
		return Order{}, errs.E(errs.Invalid, "workorder.err.nothing_to_merge")
	}
	var out Order
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		now := s.Clock.Now()
		for _, c := range childIDs {
			if _, err := s.act(ctx, tx, p, c, ActionInput{Action: ActionMerge, ParentID: parentID, Note: note}, now); err != nil {
				return err
			}
		}
		var err error
		out, err = loadOrder(ctx, tx, p, parentID)
		return err
	})
	out.ReporterPhone = pii.MaskPhone(out.ReporterPhone)
	return out, err
}

// lockOrder takes the row lock on PostgreSQL (SQLite's write transaction
// already holds the database), so two steps on one order run one after the
// other and the second sees the first's result.
func lockOrder(ctx context.Context, tx *db.Tx, id int64) error {
	_, err := tx.Exec(ctx, "UPDATE workorders SET updated_at = updated_at WHERE id = ?", id)
	return err
}

func (s *Service) act(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, in ActionInput, now time.Time) (Order, error) {
	return s.step(ctx, tx, p, id, in, now, false)
}

// step is one step on an order. internal is StepTx's: the caller's own
// capability has decided p may see the order (so p needs no work-order
// permission to read it, and its scope is not applied), and a nil p is the
// system, which the table's permissions do not stop.
func (s *Service) step(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, in ActionInput, now time.Time, internal bool) (Order, error) {
	if !internal {
		if err := canRead(p); err != nil {
			return Order{}, err
		}
	}
	if err := lockOrder(ctx, tx, id); err != nil {
		return Order{}, err
	}
	reader := p
	if internal {
		reader = nil
	}
	o, err := loadOrder(ctx, tx, reader, id)
	if err != nil {
		return Order{}, err
	}
	var rule Rule
	if internal && p == nil {
		if _, err = NextFor(o.Kind, o.State, in.Action); err == nil {
			rule, _ = RuleFor(in.Action)
		}
	} else {
		rule, err = check(o.Kind, o.State, in.Action, p, IsOwnUnit(p, &o))
	}
	if err != nil {
		return Order{}, err
	}
	in.Note = strings.TrimSpace(in.Note)
	st := Step{Action: in.Action, At: now, Note: in.Note, Rating: in.Rating, ExtensionUntil: in.ExtensionUntil,
		UnitID: in.UnitID, AssistUnitIDs: in.AssistUnitIDs, PhotoIDs: in.PhotoIDs, Deadline: s.deadlineIn(ctx, tx)}
	// The inputs on their own, then what they name must exist, then the
	// action's own guard (effects.go).
	var f errs.Fields
	guardInputs(rule, &st, &f)
	if rule.needs(NeedUnit) {
		if st.UnitPath, err = activeUnitPath(ctx, tx, in.UnitID); err != nil {
			if !errs.Is(err, errs.NotFound) {
				return Order{}, err
			}
			f.Add("unit_id", "field.bad_choice")
		}
		for _, a := range in.AssistUnitIDs {
			if _, err := activeUnitPath(ctx, tx, a); err != nil || a == in.UnitID {
				if err != nil && !errs.Is(err, errs.NotFound) {
					return Order{}, err
				}
				f.Add("assist_unit_ids", "field.bad_choice")
			}
		}
	}
	if rule.needs(NeedCategory) {
		newCat, err := getCategory(ctx, tx, in.CategoryID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return Order{}, err
		}
		if err != nil || !newCat.Pickable(false) {
			f.Add("category_id", "field.bad_choice")
		}
		st.NewCategory = newCat
	}
	if rule.needs(NeedParent) {
		parent, err := loadOrder(ctx, tx, p, in.ParentID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return Order{}, err
		}
		if err == nil {
			st.Parent = &parent
		}
	}
	if st.Category, err = getCategory(ctx, tx, o.CategoryID); err != nil {
		return Order{}, err
	}
	if err := guardAction(&o, rule, &st, &f); err != nil {
		return Order{}, err
	}
	if err := f.Err(); err != nil {
		return Order{}, err
	}

	resolution := o.Resolution
	was := o // as loaded: restat moves its rollup counts from there
	fx, err := applyStep(&o, rule, &st)
	if err != nil {
		return Order{}, err
	}
	from, to := fx.From, fx.To
	if fx.Assist {
		if _, err := tx.Exec(ctx, "DELETE FROM workorder_units WHERE order_id = ?", o.ID); err != nil {
			return Order{}, err
		}
		for _, a := range o.AssistUnitIDs {
			if _, err := tx.Exec(ctx, "INSERT INTO workorder_units (order_id, unit_id) VALUES (?, ?)", o.ID, a); err != nil {
				return Order{}, err
			}
		}
	}
	if fx.ParentData != nil {
		pev := event{order: st.Parent.ID, at: now, action: string(in.Action), from: st.Parent.State, to: st.Parent.State,
			note: in.Note, data: jsonString(fx.ParentData)}
		pev.actorOrSystem(p)
		if _, err := pev.insert(ctx, tx); err != nil {
			return Order{}, err
		}
	}
	if err := saveOrder(ctx, tx, &o); err != nil {
		return Order{}, err
	}
	if o.Resolution != resolution { // searchable text changed (resolve, answer)
		if err := indexOrder(ctx, tx, search.Doc{Ref: o.ID, Texts: []string{o.Title, o.Description, o.Address, o.Resolution}}); err != nil {
			return Order{}, err
		}
	}
	ev := event{order: o.ID, at: now, action: string(in.Action), from: from, to: to, note: in.Note,
		public: rule.PublicNote, photos: in.PhotoIDs, deadline: deadlineInForce(&o), unit: o.UnitID}
	ev.actorOrSystem(p)
	if fx.Data != nil {
		ev.data = jsonString(fx.Data)
	}
	if _, err := ev.insert(ctx, tx); err != nil {
		return Order{}, err
	}
	// The order's rollup counts move from where they were to where they
	// are now (stats.go, cohort).
	if err := restat(ctx, tx, &was, &o); err != nil {
		return Order{}, err
	}
	if err := s.pointsOnAct(ctx, tx, p, &o, in.Action, now); err != nil { // points.go
		return Order{}, err
	}
	if fx.NoticeUnit != 0 {
		if err := notify(ctx, tx, now, 0, fx.NoticeUnit, o.ID, string(in.Action), fx.NoticeKey, o.Code); err != nil {
			return Order{}, err
		}
	}
	if fx.Follow {
		if err := followParent(ctx, tx, p, &o, now); err != nil {
			return Order{}, err
		}
	}
	entry := audit.Entry{Action: "workorder." + string(in.Action), Entity: "workorder",
		EntityID: audit.ID(o.ID), Summary: o.Code + " " + string(from) + " → " + string(to)}
	if p == nil {
		entry.ActorName = "system"
	}
	if err := audit.Record(ctx, tx, p, now, entry,
		map[string]any{"state": from}, map[string]any{"state": to, "note": in.Note, "unit_id": o.UnitID,
			"category_id": o.CategoryID}); err != nil {
		return Order{}, err
	}
	return loadOrder(ctx, tx, nil, o.ID)
}

// deadlineIn is deadline as a DeadlineFunc in the transaction.
func (s *Service) deadlineIn(ctx context.Context, tx *db.Tx) DeadlineFunc {
	return func(start time.Time, n int, unit LimitUnit) (time.Time, error) {
		return s.deadline(ctx, tx, start, n, unit)
	}
}

// deadline computes start + n units with the holiday calendar from the table.
func (s *Service) deadline(ctx context.Context, tx *db.Tx, start time.Time, n int, unit LimitUnit) (time.Time, error) {
	var cal Calendar
	if unit == WorkingDays {
		var err error
		if cal, err = calendarFrom(ctx, tx, start); err != nil {
			return time.Time{}, err
		}
	}
	return Deadline(cal, start, n, unit), nil
}

// deadlineInForce is the deadline the order is measured against now.
func deadlineInForce(o *Order) *time.Time {
	switch o.State {
	case StateDispatched:
		return o.AckDueAt
	case StateAcknowledged, StateExtensionRequested, StateReopened:
		return o.ResolveDueAt
	}
	return nil
}

func activeUnitPath(ctx context.Context, tx *db.Tx, id int64) (string, error) {
	var path string
	if id == 0 {
		return "", errs.NotFoundf("entity.unit")
	}
	err := tx.Get(ctx, "entity.unit", "SELECT path FROM units WHERE id = ? AND active = TRUE", []any{id}, &path)
	return path, err
}

// saveOrder writes the mutable columns of o.
func saveOrder(ctx context.Context, tx *db.Tx, o *Order) error {
	_, err := tx.Exec(ctx, `UPDATE workorders SET category_id = ?, urgency = ?, unit_id = ?, unit_path = ?, state = ?,
		dispatched_at = ?, ack_due_at = ?, resolve_due_at = ?, acknowledged_at = ?, resolved_at = ?, closed_at = ?,
		extension_until = ?, ack_overdue = ?, resolve_overdue = ?, escalation_level = ?, escalated_at = ?, parent_id = ?,
		satisfaction = ?, first_rating = ?, reopen_count = ?, resolution = ?, updated_at = ? WHERE id = ?`,
		o.CategoryID, o.Urgency, nullID(o.UnitID), o.UnitPath, string(o.State),
		msp(o.DispatchedAt), msp(o.AckDueAt), msp(o.ResolveDueAt), msp(o.AcknowledgedAt), msp(o.ResolvedAt), msp(o.ClosedAt),
		msp(o.ExtensionUntil), o.AckOverdue, o.ResolveOverdue, o.EscalationLevel, msp(o.EscalatedAt), nullID(o.ParentID),
		string(o.Satisfaction), string(o.FirstRating), o.ReopenCount, o.Resolution, o.UpdatedAt.UnixMilli(), o.ID)
	return err
}

// followParent closes the merged children of an order that has reached an
// end, with an event on each, so every reporter sees the outcome.
func followParent(ctx context.Context, tx *db.Tx, p *auth.Principal, parent *Order, now time.Time) error {
	rows, err := tx.Query(ctx, "SELECT id FROM workorders WHERE parent_id = ? AND state = ? ORDER BY id", parent.ID, string(StateMerged))
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		child, err := loadOrder(ctx, tx, nil, id)
		if err != nil {
			return err
		}
		was := child
		fx := followEffect(&child, parent, now)
		if err := saveOrder(ctx, tx, &child); err != nil {
			return err
		}
		if err := restat(ctx, tx, &was, &child); err != nil {
			return err
		}
		if err := reindexOrder(ctx, tx, id); err != nil {
			return err
		}
		ev := event{order: id, at: now, action: EventFollowParent, from: fx.From, to: fx.To,
			note: child.Resolution, public: true, data: jsonString(fx.Data)}
		if p != nil {
			ev.actor(p)
		}
		if _, err := ev.insert(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// Filter selects orders for a list.
type Filter struct {
	State      State
	States     []State
	CategoryID int64 // a category, or a group and all its categories
	UnitID     int64 // lead unit
	RegionID   int64 // the region's subtree
	Channel    Channel
	Kind       Kind // "": every kind
	Overdue    *bool
	From, To   time.Time // created_at range [From, To); zero: open
	// Q is a full-text search over title, description, address and
	// resolution (Chinese and English, every term must match; see
	// internal/search). A Q without any search term (empty, spaces or only
	// punctuation) is no text filter: the list is what the other filters give.
	Q string
	// KPI keeps only the orders behind one figure of Stats (kpitrace.go).
	KPI *KPITrace
	// Todo keeps the orders waiting for the viewer's step (TodoStates),
	// Done those on whose timeline the viewer acted (home.go).
	Todo, Done bool
	// DueSoon keeps the held orders whose deadline in force is within
	// DueSoonWindow and not yet past.
	DueSoon bool
	// SameCallerAs keeps the other orders whose reporter's phone is that of
	// the order with this id (the caller's earlier orders, 来电弹屏).
	SameCallerAs int64
	// ByDeadline sorts by the deadline in force, nearest first (orders
	// without one last), instead of newest first.
	ByDeadline bool
	Page       int // from 1
	Size       int // 0: DefaultPageSize
}

// List returns a page of orders in p's scope matching f, newest first,
// and whether another page follows. Phones are masked; events are not
// loaded.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Order, bool, error) {
	if err := canRead(p); err != nil {
		return nil, false, err
	}
	size, offset := pageLimits(f.Page, f.Size)
	var out []Order
	more := false
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		q, args, err := s.listQuery(ctx, tx, p, f, size, offset)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		sc := newOrderScan()
		for rows.Next() {
			o, err := sc.scan(rows)
			if err != nil {
				return err
			}
			o.ReporterPhone = pii.MaskPhone(o.ReporterPhone)
			if out == nil {
				out = make([]Order, 0, size+1)
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	if len(out) > size {
		out, more = out[:size], true
	}
	return out, more, err
}

// listQuery is List's query and its arguments (the page's size+1 rows
// from offset).
func (s *Service) listQuery(ctx context.Context, tx *db.Tx, p *auth.Principal, f Filter, size, offset int) (string, []any, error) {
	conds, args := []string{}, []any{}
	w, wargs := visibleWhere(p)
	conds, args = append(conds, w), append(args, wargs...)
	states := f.States
	if f.State != "" {
		states = append(slices.Clone(states), f.State)
	}
	// A filter on several values of one indexed column (several
	// states, a group's categories, a region's places) is a keyed
	// list: one of them is read as one newest-first arm per value
	// (newestArms), the others as an IN list.
	var keyed []keyList
	// single: some filter is one value of a column that leads an index
	// ending in id, which can drive the page by itself.
	single := false
	addKeyed := func(col string, vals []any) {
		if len(vals) == 1 {
			conds, args = append(conds, col+" = ?"), append(args, vals[0])
			single = true
			return
		}
		keyed = append(keyed, keyList{col, vals})
	}
	if len(states) > 0 {
		addKeyed("w.state", distinctStates(states))
	}
	if f.CategoryID != 0 {
		// A group and the categories below it, resolved here so each
		// reads the (category_id, id) index in order.
		ids, err := categoryAndChildren(ctx, tx, f.CategoryID)
		if err != nil {
			return "", nil, err
		}
		addKeyed("w.category_id", ids)
	}
	if f.UnitID != 0 {
		conds, args = append(conds, "w.unit_id = ?"), append(args, f.UnitID)
		single = true
	}
	if f.RegionID != 0 {
		var path string
		if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{f.RegionID}, &path); err != nil {
			return "", nil, err
		}
		paths, err := regionPathsUnder(ctx, tx, path)
		if err != nil {
			return "", nil, err
		}
		if paths == nil {
			conds, args = append(conds, "w.region_path LIKE ?"), append(args, path+"%")
		} else {
			addKeyed("w.region_path", paths)
		}
	}
	if f.Channel != "" {
		conds, args = append(conds, "w.channel = ?"), append(args, string(f.Channel))
		single = true
	}
	if f.Kind != "" {
		if !f.Kind.Valid() {
			var fe errs.Fields
			fe.Add("kind", "field.bad_choice")
			return "", nil, fe.Err()
		}
		// A literal, so the rectifications' partial index answers it
		// (migration 0073).
		conds = append(conds, "w.kind = '"+string(f.Kind)+"'")
	}
	if f.Overdue != nil {
		if *f.Overdue {
			conds = append(conds, "(w.ack_overdue = TRUE OR w.resolve_overdue = TRUE)")
			single = true
		} else {
			conds = append(conds, "w.ack_overdue = FALSE AND w.resolve_overdue = FALSE")
		}
	}
	if f.Todo {
		todo := TodoStates(p)
		if len(todo) == 0 {
			conds = append(conds, "1=0")
		} else {
			addKeyed("w.state", distinctStates(todo))
		}
	}
	if f.Done {
		conds, args = append(conds, "EXISTS (SELECT 1 FROM workorder_events de WHERE de.order_id = w.id AND de.actor_id = ?)"), append(args, p.UserID)
	}
	if f.DueSoon {
		now := s.Clock.Now()
		conds = append(conds, deadlineExpr+" >= ? AND "+deadlineExpr+" < ?")
		args = append(args, now.UnixMilli(), now.Add(DueSoonWindow).UnixMilli())
	}
	if f.SameCallerAs != 0 {
		conds = append(conds, "w.reporter_phone <> '' AND w.reporter_phone = (SELECT o2.reporter_phone FROM workorders o2 WHERE o2.id = ?) AND w.id <> ?")
		args = append(args, f.SameCallerAs, f.SameCallerAs)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "w.created_at >= ?"), append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "w.created_at < ?"), append(args, f.To.UnixMilli())
	}
	// A text search reads the index's newest matches first (search.Newest).
	from, order := orderFrom, "w.id DESC"
	// A search for an order's tracking code is that order, indexed or not
	// (SearchBehind).
	byCode := false
	if code, ok := codeQuery(f.Q); ok {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM workorders WHERE code = ?", code)
		if err != nil {
			return "", nil, err
		}
		if n > 0 {
			conds, args, byCode = append(conds, "w.code = ?"), append(args, code), true
		}
	}
	if plan, ok := search.Newest(tx.Engine(), SearchKind, f.Q, "w.id"); ok && !byCode {
		from, order = " FROM "+plan.From+strings.TrimPrefix(orderFrom, " FROM "), plan.Order
		conds, args = append(conds, plan.Where), append(args, plan.Args...)
	}
	if f.ByDeadline {
		order = "CASE WHEN " + deadlineExpr + " IS NULL THEN 1 ELSE 0 END, " + deadlineExpr + ", w.id DESC"
	}
	if f.KPI != nil {
		pred, kargs, err := f.KPI.where(p, s.Clock.Now())
		if err != nil {
			return "", nil, err
		}
		conds, args = append(conds, pred), append(args, kargs...)
	}
	// Newest first on workorders alone (no search, deadline order or
	// KPI joins), one keyed list drives the page as arms: a region's
	// places (a region is the narrowest of the lists), else, when no
	// single-value filter can drive it, a group's categories, else the
	// states; on SQLite the overdue filter drives before any list. The
	// other lists filter the rows the driver reads and are written so
	// that no engine reads them by index (an IN list read by index must
	// sort every match). Other orders (a search, the deadline, a KPI's
	// joins) keep the lists as plain IN lists.
	drive := -1
	// On SQLite the overdue flag, when asked for, drives: its partial
	// index holds only the overdue orders, few in any city that works.
	// (PostgreSQL reads a street's arms faster than the overdue orders'
	// heap rows: 2.0 against 20 ms at 1M orders, docs/PERFORMANCE.md.)
	overdue := f.Overdue != nil && *f.Overdue && tx.Engine() == db.SQLite
	newest := order == "w.id DESC" && from == orderFrom && f.KPI == nil
	if newest && !overdue {
		for _, col := range []string{"w.region_path", "w.category_id", "w.state"} {
			i := slices.IndexFunc(keyed, func(k keyList) bool { return k.col == col })
			if i >= 0 && (col == "w.region_path" || !single) {
				drive = i
				break
			}
		}
	}
	for i, k := range keyed {
		if i == drive {
			continue
		}
		col := k.col
		if newest { // another filter drives the newest-first page
			col = unindexed(col)
		}
		conds, args = append(conds, col+" IN ("+db.Placeholders(len(k.vals))+")"), append(args, k.vals...)
	}
	if drive >= 0 {
		in, inArgs := newestArms(tx.Engine(), keyed[drive], conds, args, offset+size+1)
		conds, args = []string{in}, inArgs
	}
	q := "SELECT " + orderCols + from + " WHERE " + strings.Join(conds, " AND ") +
		" ORDER BY " + order + " LIMIT ? OFFSET ?"
	return q, append(args, size+1, offset), nil
}

// keyList is a filter on several values of one column.
type keyList struct {
	col  string
	vals []any
}

// maxArms bounds the arms of newestArms: each reads up to a page of
// index entries, so a region with more places below it (a district) is
// filtered by prefix while the primary key is read newest first, which
// stops after a page of matches (a region that large holds a large share
// of the orders; see docs/PERFORMANCE.md).
const maxArms = 24

// newestArms is the predicate "w.id is among the n newest orders matching
// conds with k.col equal to one of k.vals", read as one arm per value
// from the (k.col, id) index, newest first and at most n each, so the
// list of several categories, places or states costs len(k.vals) index
// seeks and at most n entries each, never a sort of every match. The
// outer query then reads the primary key in order: on SQLite by the IN
// list (an index it walks newest first), on PostgreSQL by id = ANY of the
// newest n ids of the arms as an array (an IN subquery there becomes a
// merge join that walks the primary key down to the oldest id of any arm,
// and an array of every arm's ids is joined to the names in full before
// the page is cut).
func newestArms(engine db.Engine, k keyList, conds []string, args []any, n int) (string, []any) {
	var sb strings.Builder
	var out []any
	where := ""
	if len(conds) > 0 {
		where = " AND " + strings.Join(conds, " AND ")
	}
	open, closing := "w.id IN (", ")"
	if engine == db.Postgres {
		// The newest n of the arms only, so the joins read n rows.
		open, closing = "w.id = ANY(ARRAY(SELECT id FROM (", ") u ORDER BY id DESC LIMIT ?))"
	}
	sb.WriteString(open)
	for i, v := range k.vals {
		if i > 0 {
			sb.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&sb, "SELECT id FROM (SELECT w.id FROM workorders w WHERE %s = ?%s ORDER BY w.id DESC LIMIT ?) a%d", k.col, where, i)
		out = append(out, v)
		out = append(out, args...)
		out = append(out, n)
	}
	sb.WriteString(closing)
	if engine == db.Postgres {
		out = append(out, n)
	}
	return sb.String(), out
}

// unindexed is col as an expression of the same value no engine reads
// by index.
func unindexed(col string) string {
	if col == "w.category_id" {
		return "(" + col + " + 0)"
	}
	return "(" + col + " || '')"
}

func distinctStates(states []State) []any {
	out := make([]any, 0, len(states))
	seen := map[State]bool{}
	for _, st := range states {
		if !seen[st] {
			seen[st] = true
			out = append(out, string(st))
		}
	}
	return out
}

// categoryAndChildren is id and the categories below it (a group's).
func categoryAndChildren(ctx context.Context, tx *db.Tx, id int64) ([]any, error) {
	out := []any{id}
	rows, err := tx.Query(ctx, "SELECT id FROM workorder_categories WHERE parent_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// regionPathsUnder is the path of every region at or below path, or nil
// when there are more than maxArms of them.
func regionPathsUnder(ctx context.Context, tx *db.Tx, path string) ([]any, error) {
	if path == "" {
		return nil, nil
	}
	hi := path[:len(path)-1] + string(rune(path[len(path)-1]+1))
	rows, err := tx.Query(ctx, "SELECT path FROM regions WHERE path >= ? AND path < ? ORDER BY path LIMIT ?", path, hi, maxArms+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) > maxArms {
		return nil, rows.Err()
	}
	return out, rows.Err()
}

// PublicOrder is what anyone holding the tracking code sees: no names,
// phones, exact place or staff, and only the notes meant for the public.
type PublicOrder struct {
	Code           string        `json:"code"`
	CategoryName   string        `json:"category_name"`
	CategoryNameEN string        `json:"category_name_en"`
	Title          string        `json:"title"`
	Description    string        `json:"description"`
	RegionName     string        `json:"region_name"`
	RegionNameEN   string        `json:"region_name_en"`
	State          State         `json:"state"`
	UnitName       string        `json:"unit_name"`
	UnitNameEN     string        `json:"unit_name_en"`
	ResolveDueAt   *time.Time    `json:"resolve_due_at"`
	Resolution     string        `json:"resolution"`
	Satisfaction   Rating        `json:"satisfaction"`
	ParentCode     string        `json:"parent_code"`
	CreatedAt      time.Time     `json:"created_at"`
	ClosedAt       *time.Time    `json:"closed_at"`
	Events         []PublicEvent `json:"events"`
}

// PublicEvent is one step of the public timeline.
type PublicEvent struct {
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	ToState    State     `json:"to_state"`
	Note       string    `json:"note"`
	UnitName   string    `json:"unit_name"`
	UnitNameEN string    `json:"unit_name_en"`
	PhotoIDs   []int64   `json:"photo_ids"`
}

// PublicView returns the tracking page of an order by its code.
func (s *Service) PublicView(ctx context.Context, code string) (PublicOrder, error) {
	code = NormaliseCode(code)
	var out PublicOrder
	if len(code) != CodeLen {
		return out, errs.NotFoundf("workorder.entity.order")
	}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		o, err := scanOrder(txRow(ctx, tx, "workorder.entity.order", "SELECT "+orderCols+orderFrom+" WHERE w.code = ? AND w.kind = 'request'", code))
		if err != nil {
			return err
		}
		out = PublicOrder{Code: o.Code, CategoryName: o.CategoryName, CategoryNameEN: o.CategoryNameEN, Title: o.Title,
			Description: o.Description, RegionName: o.RegionName, State: o.State, UnitName: o.UnitName,
			ResolveDueAt: o.ResolveDueAt, Resolution: o.Resolution, Satisfaction: o.Satisfaction,
			CreatedAt: o.CreatedAt, ClosedAt: o.ClosedAt, Events: []PublicEvent{}}
		out.UnitNameEN = o.UnitNameEN
		if out.RegionName, out.RegionNameEN, err = regionTrails(ctx, tx, o.RegionPath); err != nil {
			return err
		}
		if o.ParentID != 0 {
			if err := tx.Get(ctx, "workorder.entity.order", "SELECT code FROM workorders WHERE id = ?", []any{o.ParentID}, &out.ParentCode); err != nil {
				return err
			}
		}
		evs, err := loadEvents(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		for _, e := range evs {
			pe := PublicEvent{At: e.At, Action: e.Action, ToState: e.ToState, UnitName: e.UnitName, UnitNameEN: e.UnitNameEN, PhotoIDs: e.PhotoIDs}
			if e.PublicNote {
				pe.Note = e.Note
			}
			out.Events = append(out.Events, pe)
		}
		return nil
	})
	return out, err
}

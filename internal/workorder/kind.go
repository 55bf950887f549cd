package workorder

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/search"
)

// Kind is what an order is. A citizen's request (every channel, the
// default) is what the campaign's figures count; a rectification (督查整改)
// is an inspection's finding sent to the site's responsible unit by the
// inspection capability. Both go through the one transition table; the
// rules of one kind only (Rule.Kinds) are the request's verification and
// callback and the rectification's recheck on the spot.
//
// Rectifications are not citizens' requests: Open311, the public board,
// the tracking page by code and the work-order KPI rollups (stats.go, the
// KPI trace, the figures, the cockpit) leave them out, so those figures
// keep meaning what the seed means by them. The inspection capability
// counts them in its own figures (rectifications, rectified on time,
// failed rechecks). They do appear in the queue of the unit that holds
// them, with their kind, because they are that unit's work.
type Kind string

const (
	KindRequest       Kind = "request"       // 诉求: a citizen's request
	KindRectification Kind = "rectification" // 督查整改: an inspection's finding
)

// Kinds lists the kinds.
var Kinds = []Kind{KindRequest, KindRectification}

// Valid reports whether k is known.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Key is the i18n key of the kind's name.
func (k Kind) Key() string { return "workorder.kind." + string(k) }

// RectificationCategory is the code of the category every rectification is
// filed under (seeded with the others, not public, not offered at intake):
// its acknowledge limit is the rectifications' (an admin may change it),
// while each rectification's resolve deadline is given by the inspection's
// item (its severity).
const RectificationCategory = "RECTIFICATION"

// InternalOrder is an order another capability files (SubmitInternalTx):
// already assigned to its unit with its resolve deadline.
type InternalOrder struct {
	Kind        Kind
	Title       string
	Description string
	Address     string
	Lat, Lng    *float64
	RegionID    int64
	UnitID      int64     // the lead unit it is dispatched to at once
	ResolveDue  time.Time // the deadline of the resolution
	PhotoIDs    []int64   // the evidence (the finding's photo)
	Source      string    // what it comes from, e.g. "inspection 123" (shown on the order)
	At          time.Time // when it was filed (zero: now); the demo files in the past
}

// SubmitInternalTx files an internal order in the caller's transaction,
// so the record it comes from and the order commit together: the order
// row (state dispatched, to the unit, with the category's acknowledge
// limit and the given resolve deadline), its submit and dispatch events
// with the photos, its search tokens, the unit's notice and the audit
// entry. p is the person the finding is from (needs inspection.inspect);
// nil is the system (the demo loader). A kind of order is not counted in
// the KPI rollups unless it is a request, and requests are never filed
// this way.
func (s *Service) SubmitInternalTx(ctx context.Context, tx *db.Tx, p *auth.Principal, in InternalOrder) (Submitted, error) {
	if p != nil {
		if err := auth.Require(p, auth.PermInspect); err != nil {
			return Submitted{}, err
		}
	}
	in.Title, in.Description, in.Address = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.Address)
	var f errs.Fields
	f.Check(in.Kind == KindRectification, "kind", "field.bad_choice")
	f.Check(in.Title != "", "title", "field.required")
	f.Check(utf8.RuneCountInString(in.Title) <= MaxTitleLen, "title", "field.too_long", MaxTitleLen)
	f.Check(in.Description != "", "description", "field.required")
	f.Check(utf8.RuneCountInString(in.Description) <= MaxDescriptionLen, "description", "field.too_long", MaxDescriptionLen)
	f.Check(utf8.RuneCountInString(in.Address) <= MaxAddressLen, "address", "field.too_long", MaxAddressLen)
	f.Check(len(in.PhotoIDs) <= MaxPhotos, "photos", "workorder.field.too_many_photos", MaxPhotos)
	f.Check(in.UnitID != 0, "unit_id", "field.required")
	checkCoord(&f, "lat", in.Lat, 90)
	checkCoord(&f, "lng", in.Lng, 180)
	now := in.At
	if now.IsZero() {
		now = s.Clock.Now()
	}
	f.Check(in.ResolveDue.After(now), "resolve_due_at", "workorder.field.extension_in_past")
	if err := f.Err(); err != nil {
		return Submitted{}, err
	}
	cat, err := scanCategory(txRow(ctx, tx, "workorder.entity.category", "SELECT "+categoryCols+categoryFrom+" WHERE c.code = ?", RectificationCategory))
	if err != nil {
		return Submitted{}, err
	}
	unitPath, err := activeUnitPath(ctx, tx, in.UnitID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			f.Add("unit_id", "field.bad_choice")
			return Submitted{}, f.Err()
		}
		return Submitted{}, err
	}
	var regionPath string
	if in.RegionID != 0 {
		if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{in.RegionID}, &regionPath); err != nil {
			return Submitted{}, err
		}
	}
	var createdBy any
	if p != nil {
		createdBy = p.UserID
	}
	ackDue := Deadline(nil, now, cat.AckHours, Hours)
	var id int64
	var code string
	for try := 0; ; try++ {
		if try == 5 {
			return Submitted{}, errs.E(errs.Conflict, "err.duplicate")
		}
		code = s.drawCode()
		err := tx.Get(ctx, "", `INSERT INTO workorders (code, channel, category_id, title, description, address, lat, lng,
			region_id, region_path, unit_id, unit_path, state, urgency, dispatched_at, ack_due_at, resolve_due_at,
			created_by, created_at, updated_at, source, kind)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING RETURNING id`,
			[]any{code, string(ChannelWeb), cat.ID, in.Title, in.Description, in.Address, in.Lat, in.Lng,
				nullID(in.RegionID), regionPath, in.UnitID, unitPath, string(StateDispatched), cat.Urgency, now.UnixMilli(),
				ackDue.UnixMilli(), in.ResolveDue.UnixMilli(), createdBy, now.UnixMilli(), now.UnixMilli(), in.Source, string(in.Kind)}, &id)
		if err == nil {
			break
		}
		if !errs.Is(err, errs.NotFound) {
			return Submitted{}, err
		}
	}
	sub := event{order: id, at: now, action: EventSubmit, to: StateSubmitted, photos: in.PhotoIDs,
		data: jsonString(map[string]any{"kind": in.Kind, "source": in.Source})}
	dis := event{order: id, at: now, action: string(ActionDispatch), from: StateSubmitted, to: StateDispatched,
		deadline: &ackDue, unit: in.UnitID,
		data: jsonString(map[string]any{"ack_due_at": ackDue.UnixMilli(), "resolve_due_at": in.ResolveDue.UnixMilli()})}
	if p != nil {
		sub.actor(p)
		dis.actor(p)
	} else {
		sub.actorName, dis.actorName = "system", "system"
	}
	for _, ev := range []*event{&sub, &dis} {
		if _, err := ev.insert(ctx, tx); err != nil {
			return Submitted{}, err
		}
	}
	if err := indexOrder(ctx, tx, search.Doc{Ref: id, New: true, Texts: []string{in.Title, in.Description, in.Address, ""}}); err != nil {
		return Submitted{}, err
	}
	if err := notify(ctx, tx, now, 0, in.UnitID, id, string(ActionDispatch), "workorder.notify.rectification", code); err != nil {
		return Submitted{}, err
	}
	e := audit.Entry{Action: audit.ActionCreate, Entity: "workorder", EntityID: audit.ID(id), Summary: code}
	if p == nil {
		e.ActorName = "system"
	}
	if err := audit.Record(ctx, tx, p, now, e, nil, map[string]any{"kind": in.Kind, "unit_id": in.UnitID,
		"title": in.Title, "source": in.Source}); err != nil {
		return Submitted{}, err
	}
	return Submitted{ID: id, Code: code}, nil
}

// StepTx takes one step on an internal order in the caller's transaction
// (the inspector's recheck, written with the recheck's own record). The
// caller has checked that p may see the order in its own capability (the
// inspection it comes from); the transition table, the kind, the
// permission and the inputs are checked here as in Act. A nil p is the
// system (the demo loader), which the table's permissions do not stop; at
// zero is now.
func (s *Service) StepTx(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, in ActionInput, at time.Time) (Order, error) {
	if at.IsZero() {
		at = s.Clock.Now()
	}
	var kind Kind
	if err := tx.Get(ctx, "workorder.entity.order", "SELECT kind FROM workorders WHERE id = ?", []any{id}, &kind); err != nil {
		return Order{}, err
	}
	if kind == KindRequest {
		return Order{}, errs.NotFoundf("workorder.entity.order") // requests take their steps through Act
	}
	return s.step(ctx, tx, p, id, in, at, true)
}

// GetInternal returns an internal order (not a request) with its timeline,
// for the capability that filed it; that capability has checked the
// caller may see the record the order comes from.
func (s *Service) GetInternal(ctx context.Context, id int64) (Order, error) {
	var o Order
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if o, err = loadOrder(ctx, tx, nil, id); err != nil {
			return err
		}
		if o.Kind == KindRequest {
			return errs.NotFoundf("workorder.entity.order")
		}
		o.Events, err = loadEvents(ctx, tx, id)
		return err
	})
	o.ReporterPhone = ""
	return o, err
}

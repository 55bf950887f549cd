package workorder

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
)

// The public feed: orders of the categories citizens may choose, read
// without a principal, with only what the public may see (no name, phone,
// staff or private notes). internal/open311 serves it as GeoReport v2
// GET requests and servicerequestupdates.

// MaxFeed is the most orders or updates one feed read returns.
const MaxFeed = 1000

// FeedFilter selects orders of the feed. Codes, when given, overrides
// every other condition. Times are inclusive bounds; zero is no bound.
type FeedFilter struct {
	Codes         []string
	CategoryCodes []string
	From, To      time.Time // created
	UpdatedAfter  time.Time
	UpdatedBefore time.Time
	States        []State
	Limit, Offset int  // Limit 0 or above MaxFeed: MaxFeed
	Events        bool // also load the public timeline
}

// FeedOrder is an order as the public feed shows it.
type FeedOrder struct {
	ID             int64
	Code           string
	Channel        Channel
	Source         string
	CategoryCode   string
	CategoryName   string
	CategoryNameEN string
	Description    string
	State          State
	UnitName       string
	UnitNameEN     string
	Resolution     string
	Address        string
	Lat, Lng       *float64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ResolveDueAt   *time.Time
	// FirstPhotoID is the first photo sent with the report, 0 when none.
	FirstPhotoID int64
	// Events is the public timeline (with Events in the filter): public
	// notes only.
	Events []PublicEvent
}

const feedCols = `w.id, w.code, w.channel, w.source, c.code, c.name, c.name_en, w.description, w.state,
	COALESCE(u.name, ''), COALESCE(u.name_en, ''), w.resolution, w.address, w.lat, w.lng, w.created_at, w.updated_at, w.resolve_due_at`

const feedFrom = ` FROM workorders w
	JOIN workorder_categories c ON c.id = w.category_id
	LEFT JOIN units u ON u.id = w.unit_id`

func scanFeed(sc scanner) (FeedOrder, error) {
	var o FeedOrder
	var ch, st string
	var lat, lng sql.NullFloat64
	var created, updated int64
	var due sql.NullInt64
	err := sc.Scan(&o.ID, &o.Code, &ch, &o.Source, &o.CategoryCode, &o.CategoryName, &o.CategoryNameEN, &o.Description, &st,
		&o.UnitName, &o.UnitNameEN, &o.Resolution, &o.Address, &lat, &lng, &created, &updated, &due)
	o.Channel, o.State = Channel(ch), State(st)
	if lat.Valid {
		o.Lat = &lat.Float64
	}
	if lng.Valid {
		o.Lng = &lng.Float64
	}
	o.CreatedAt, o.UpdatedAt, o.ResolveDueAt = time.UnixMilli(created), time.UnixMilli(updated), tp(due)
	return o, err
}

func feedLimit(n int) int {
	if n <= 0 || n > MaxFeed {
		return MaxFeed
	}
	return n
}

// Feed lists orders of public categories matching f, newest first.
func (s *Service) Feed(ctx context.Context, f FeedFilter) ([]FeedOrder, error) {
	out := []FeedOrder{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		conds, args := []string{"c.public = TRUE", "w.kind = 'request'"}, []any{}
		if len(f.Codes) > 0 {
			conds = append(conds, "w.code IN ("+db.Placeholders(len(f.Codes))+")")
			for _, c := range f.Codes {
				args = append(args, NormaliseCode(c))
			}
		} else {
			if len(f.CategoryCodes) > 0 {
				conds = append(conds, "c.code IN ("+db.Placeholders(len(f.CategoryCodes))+")")
				for _, c := range f.CategoryCodes {
					args = append(args, c)
				}
			}
			if len(f.States) > 0 {
				conds = append(conds, "w.state IN ("+db.Placeholders(len(f.States))+")")
				for _, st := range f.States {
					args = append(args, string(st))
				}
			}
			for _, b := range []struct {
				t    time.Time
				cond string
			}{{f.From, "w.created_at >= ?"}, {f.To, "w.created_at <= ?"},
				{f.UpdatedAfter, "w.updated_at >= ?"}, {f.UpdatedBefore, "w.updated_at <= ?"}} {
				if !b.t.IsZero() {
					conds, args = append(conds, b.cond), append(args, b.t.UnixMilli())
				}
			}
		}
		q := "SELECT " + feedCols + feedFrom + " WHERE " + strings.Join(conds, " AND ") +
			" ORDER BY w.created_at DESC, w.id DESC LIMIT ? OFFSET ?"
		rows, err := tx.Query(ctx, q, append(args, feedLimit(f.Limit), max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		idx := map[int64]int{}
		for rows.Next() {
			o, err := scanFeed(rows)
			if err != nil {
				rows.Close()
				return err
			}
			idx[o.ID] = len(out)
			out = append(out, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(out) == 0 {
			return err
		}
		ids := make([]any, 0, len(out))
		for _, o := range out {
			ids = append(ids, o.ID)
		}
		prow, err := tx.Query(ctx, `SELECT a.order_id, MIN(a.photo_id) FROM workorder_attachments a
			JOIN workorder_events e ON e.id = a.event_id
			WHERE e.action = ? AND a.order_id IN (`+db.Placeholders(len(ids))+`) GROUP BY a.order_id`,
			append([]any{EventSubmit}, ids...)...)
		if err != nil {
			return err
		}
		for prow.Next() {
			var id, ph int64
			if err := prow.Scan(&id, &ph); err != nil {
				prow.Close()
				return err
			}
			out[idx[id]].FirstPhotoID = ph
		}
		prow.Close()
		if err := prow.Err(); err != nil {
			return err
		}
		if !f.Events {
			return nil
		}
		for i := range out {
			evs, err := loadEvents(ctx, tx, out[i].ID)
			if err != nil {
				return err
			}
			out[i].Events = publicEvents(evs)
		}
		return nil
	})
	return out, err
}

// publicEvents keeps what the public sees of a timeline: the steps, the
// units, the photos, and only the notes meant for the public.
func publicEvents(evs []Event) []PublicEvent {
	out := make([]PublicEvent, 0, len(evs))
	for _, e := range evs {
		pe := PublicEvent{At: e.At, Action: e.Action, ToState: e.ToState, UnitName: e.UnitName, PhotoIDs: e.PhotoIDs}
		if e.PublicNote {
			pe.Note = e.Note
		}
		out = append(out, pe)
	}
	return out
}

// FeedUpdate is one step of a public order's timeline, as the feed of
// changes shows it.
type FeedUpdate struct {
	ID        int64
	OrderCode string
	At        time.Time
	Action    string
	State     State // the order's state after the step
	Note      string
	PhotoIDs  []int64
}

// FeedUpdates lists the steps taken between from and to (inclusive; zero
// is no bound) on orders of public categories, oldest first.
func (s *Service) FeedUpdates(ctx context.Context, from, to time.Time, limit, offset int) ([]FeedUpdate, error) {
	out := []FeedUpdate{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		conds, args := []string{"c.public = TRUE", "w.kind = 'request'"}, []any{}
		if !from.IsZero() {
			conds, args = append(conds, "e.at >= ?"), append(args, from.UnixMilli())
		}
		if !to.IsZero() {
			conds, args = append(conds, "e.at <= ?"), append(args, to.UnixMilli())
		}
		rows, err := tx.Query(ctx, `SELECT e.id, w.code, e.at, e.action, e.from_state, e.to_state, e.note, e.public_note
			FROM workorder_events e JOIN workorders w ON w.id = e.order_id
			JOIN workorder_categories c ON c.id = w.category_id
			WHERE `+strings.Join(conds, " AND ")+` ORDER BY e.at, e.id LIMIT ? OFFSET ?`,
			append(args, feedLimit(limit), max(offset, 0))...)
		if err != nil {
			return err
		}
		idx := map[int64]int{}
		for rows.Next() {
			var u FeedUpdate
			var at int64
			var from, to string
			var public bool
			if err := rows.Scan(&u.ID, &u.OrderCode, &at, &u.Action, &from, &to, &u.Note, &public); err != nil {
				rows.Close()
				return err
			}
			u.At, u.State = time.UnixMilli(at), State(to)
			if to == "" {
				u.State = State(from)
			}
			if !public {
				u.Note = ""
			}
			idx[u.ID] = len(out)
			out = append(out, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(out) == 0 {
			return err
		}
		ids := make([]any, 0, len(out))
		for _, u := range out {
			ids = append(ids, u.ID)
		}
		prow, err := tx.Query(ctx, "SELECT event_id, photo_id FROM workorder_attachments WHERE event_id IN ("+
			db.Placeholders(len(ids))+") ORDER BY event_id, photo_id", ids...)
		if err != nil {
			return err
		}
		defer prow.Close()
		for prow.Next() {
			var ev, ph int64
			if err := prow.Scan(&ev, &ph); err != nil {
				return err
			}
			out[idx[ev]].PhotoIDs = append(out[idx[ev]].PhotoIDs, ph)
		}
		return prow.Err()
	})
	return out, err
}

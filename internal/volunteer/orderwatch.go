package volunteer

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/jobs"
)

// What a resident's order does besides its steps: the text messages to the
// resident's phone, the resident's withdrawal, and the timer that tells the
// station's centre about an order nobody assigned in time.

// OrderText is one text message (短信) sent to the resident about an order.
type OrderText struct {
	Event string
	Body  string
	At    time.Time
}

// queueText writes the resident's text for an event of the order in the
// step's transaction, once per (order, event): a step retried or run twice
// never texts twice. The text is in Chinese (the residents' language); no
// gateway is called here (service_order_texts, state queued).
func queueText(ctx context.Context, tx *db.Tx, orderID int64, phone, event string, now time.Time, key string, args ...any) error {
	_, err := tx.Exec(ctx, `INSERT INTO service_order_texts (order_id, event, phone, body, state, created_at) VALUES (?, ?, ?, ?, 'queued', ?)
		ON CONFLICT (order_id, event) DO NOTHING`, orderID, event, phone, i18n.T(i18n.ZH, key, args...), now.UnixMilli())
	return err
}

func orderTexts(ctx context.Context, tx *db.Tx, orderID int64) ([]OrderText, error) {
	rows, err := tx.Query(ctx, "SELECT event, body, created_at FROM service_order_texts WHERE order_id = ? ORDER BY created_at, id", orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OrderText
	for rows.Next() {
		var x OrderText
		var at int64
		if err := rows.Scan(&x.Event, &x.Body, &at); err != nil {
			return nil, err
		}
		x.At = time.UnixMilli(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

// OrderTexts are the texts sent about an order of a station in p's scope.
func (s *Service) OrderTexts(ctx context.Context, p *auth.Principal, id int64) ([]OrderText, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]OrderText, error) {
		o, err := getOrder(ctx, tx, p, id)
		if err != nil {
			return nil, err
		}
		return orderTexts(ctx, tx, o.ID)
	})
}

// Withdraw is the resident, holding the code, withdrawing an order no team
// has been given yet (one conditional UPDATE on state ordered: a station
// assigning it at the same moment wins or loses whole).
func (s *Service) Withdraw(ctx context.Context, code, reason string) error {
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	checkText(&f, "reason", reason, maxIntroLen, false)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	code = NormaliseCode(code)
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var id int64
		var state OrderState
		var phone string
		if err := tx.Get(ctx, "entity.service_order", "SELECT id, state, phone FROM service_orders WHERE code = ?", []any{code}, &id, &state, &phone); err != nil {
			return err
		}
		if state != OrderOrdered {
			return errs.E(errs.Conflict, "volunteer.order.withdraw_late")
		}
		if err := s.move(ctx, tx, id, state, ActWithdraw, RoleResident, now, "withdrawn_at = ?, reason = ?", now.UnixMilli(), reason); err != nil {
			return err
		}
		if err := queueText(ctx, tx, id, phone, "withdrawn", now, "volunteer.order.sms.withdrawn", code); err != nil {
			return err
		}
		return auditRecord(ctx, tx, nil, now, "withdraw_order", "service_order", id, code, map[string]any{"state": state},
			map[string]any{"state": OrderWithdrawn, "reason": reason})
	})
}

// DefaultOrderEscalation is how long an order may wait for the station
// before its centre is told.
const DefaultOrderEscalation = 24 * time.Hour

// NoticeOrderLateKind is the inbox kind of the notices to a centre about
// orders its stations left unassigned.
const NoticeOrderLateKind = "volunteer.order_late"

func init() {
	inbox.Register(inbox.Kind{Name: NoticeOrderLateKind, Perm: auth.PermVolunteerOrg, OpenKey: "volunteer.order.notice.open",
		Link: func(ref int64) string { return "/service-orders/" + strconv.FormatInt(ref, 10) }})
}

func (s *Service) orderEscalation() time.Duration {
	if s.OrderEscalation > 0 {
		return s.OrderEscalation
	}
	return DefaultOrderEscalation
}

// OrderLate says whether an order placed at created has waited for the
// station past the limit at now (the rule the timer applies).
func OrderLate(state OrderState, created, now time.Time, limit time.Duration) bool {
	return state == OrderOrdered && !now.Before(created.Add(limit))
}

// EscalateLateOrders marks every order left unassigned past the limit as
// escalated and tells the units at the region of the station's centre (the
// county's 新时代文明实践中心; the station's own region when it has no
// centre above it) in the inbox. Each order is escalated once, whichever
// instance runs the job and however often: the mark is a conditional UPDATE
// (escalated_at IS NULL) in the notice's transaction. It returns how many
// it escalated.
func (s *Service) EscalateLateOrders(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	cut := now.Add(-s.orderEscalation()).UnixMilli()
	ids, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]int64, error) {
		return queryIDs(ctx, tx, `SELECT id FROM service_orders WHERE state = 'ordered' AND escalated_at IS NULL AND created_at <= ?
			ORDER BY created_at, id LIMIT 500`, cut)
	})
	if err != nil {
		return 0, err
	}
	done := 0
	for _, id := range ids {
		took := false
		err := s.DB.Write(ctx, func(tx *db.Tx) error {
			n, err := tx.ExecN(ctx, `UPDATE service_orders SET escalated_at = ? WHERE id = ? AND state = 'ordered' AND escalated_at IS NULL AND created_at <= ?`,
				now.UnixMilli(), id, cut)
			if err != nil || n == 0 {
				return err
			}
			took = true
			var code, stName string
			var stID, created int64
			if err := tx.Get(ctx, "entity.service_order", `SELECT o.code, o.station_id, st.name, o.created_at FROM service_orders o
				JOIN stations st ON st.id = o.station_id WHERE o.id = ?`, []any{id}, &code, &stID, &stName, &created); err != nil {
				return err
			}
			units, err := centreUnits(ctx, tx, stID)
			if err != nil {
				return err
			}
			hours := int(s.orderEscalation() / time.Hour)
			for _, u := range units {
				if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticeOrderLateKind, Ref: id, Label: code, Event: "late", ToUnit: u,
					Key: "volunteer.order.notice.late", Args: []any{code, stName, hours}, At: now}); err != nil {
					return err
				}
			}
			return auditRecord(ctx, tx, nil, now, "escalate_order", "service_order", id, code+" "+stName, nil,
				map[string]any{"escalated_to_units": units, "waited_hours": int(now.Sub(time.UnixMilli(created)) / time.Hour)})
		})
		if err != nil {
			return done, err
		}
		if took {
			done++
		}
	}
	return done, nil
}

// centreUnits are the units at the region of the station's centre: up the
// practice tree from the station to the first centre (or the top station
// when there is none), then the active units placed at that region.
func centreUnits(ctx context.Context, tx *db.Tx, stationID int64) ([]int64, error) {
	id := stationID
	var region int64
	for range 6 {
		var parent int64
		var level string
		if err := tx.Get(ctx, "entity.station", "SELECT COALESCE(parent_id, 0), level, region_id FROM stations WHERE id = ?", []any{id}, &parent, &level, &region); err != nil {
			return nil, err
		}
		if level == string(LevelCentre) || parent == 0 {
			break
		}
		id = parent
	}
	return queryIDs(ctx, tx, "SELECT id FROM units WHERE region_id = ? AND active ORDER BY path", region)
}

// OrderEscalationJob runs EscalateLateOrders every ten minutes (internal/jobs).
func (s *Service) OrderEscalationJob() jobs.Job {
	return jobs.Job{Name: "volunteer_orders_late", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
		_, err := s.EscalateLateOrders(ctx)
		return err
	}}
}

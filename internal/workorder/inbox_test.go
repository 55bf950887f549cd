package workorder_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/inbox"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

func init() {
	inbox.Register(inbox.Kind{Name: "test.thing", Perm: auth.PermOrderView, OpenKey: "notif.open",
		Link: func(ref int64) string { return "/things/" + strings.Repeat("x", int(ref)) }})
}

// TestInboxUnitNoticeIsNotListedToAMemberWithoutThePermission dispatches an
// order to a unit: a member who holds workorder.view sees its notice, a
// member of the same unit without it neither sees nor counts it.
func TestInboxUnitNoticeIsNotListedToAMemberWithoutThePermission(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ib := inbox.New(d, f.clk)
		grid := f.user(t, "gridA", f.unitA, auth.Scope{UnitPaths: []string{f.unitPath(t, f.unitA)}}, auth.PermOrgView)
		o := f.submit(t, "RUBBISH")
		f.act(t, f.disp, o.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		if n, err := ib.Unread(f.ctx, f.handA); err != nil || n != 1 {
			t.Fatalf("handA unread %d %v", n, err)
		}
		items, _, err := ib.List(f.ctx, grid, inbox.Filter{})
		must(t, err)
		n, err := ib.Unread(f.ctx, grid)
		must(t, err)
		if len(items) != 0 || n != 0 {
			t.Fatalf("a member without workorder.view sees %d notices, %d unread", len(items), n)
		}
		if m, err := ib.MarkRead(f.ctx, grid, nil); err != nil || m != 0 {
			t.Fatalf("a member without the permission marked %d: %v", m, err)
		}
	})
}

// TestInboxLinkComesFromTheKindsRegistration posts a notice of a test kind
// and finds the link that kind registered, and the same through Link.
func TestInboxLinkComesFromTheKindsRegistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ib := inbox.New(d, f.clk)
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			_, err := inbox.Post(f.ctx, tx, inbox.Notice{Kind: "test.thing", Ref: 3, Label: "T3", Event: "made",
				ToUnit: f.unitA, Key: "workorder.notify.reopened", Args: []any{"T3"}, At: f.clk.Now()})
			return err
		}))
		items, _, err := ib.List(f.ctx, f.handA, inbox.Filter{})
		must(t, err)
		if len(items) != 1 || items[0].Link != "/things/xxx" || items[0].Kind != "test.thing" || items[0].Event != "made" {
			t.Fatalf("items: %+v", items)
		}
		link, err := ib.Link(f.ctx, f.handA, items[0].ID)
		if err != nil || link != "/things/xxx" {
			t.Fatalf("link %q %v", link, err)
		}
		if _, err := ib.Link(f.ctx, f.handB, items[0].ID); err == nil {
			t.Fatal("another unit's handler got the link")
		}
	})
}

// TestInboxNoticeInARolledBackTransactionDoesNotExist posts a notice in a
// transaction that then fails: no notice is left.
func TestInboxNoticeInARolledBackTransactionDoesNotExist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ib := inbox.New(d, f.clk)
		boom := errors.New("the step failed")
		err := d.Write(f.ctx, func(tx *db.Tx) error {
			if _, err := inbox.Post(f.ctx, tx, inbox.Notice{Kind: wo.NoticeKind, Ref: 1, Event: "dispatch",
				ToUnit: f.unitA, Key: "workorder.notify.reopened", At: f.clk.Now()}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("write: %v", err)
		}
		if n, err := ib.Unread(f.ctx, f.handA); err != nil || n != 0 || f.count(t, "SELECT COUNT(*) FROM notifications") != 0 {
			t.Fatalf("a rolled-back notice exists: unread %d %v", n, err)
		}
	})
}

// TestInboxMigrationBackfillsKindRefAndLabelOfExistingRows writes a row as
// before migration 0016 (kind = what happened, order_id) and runs the
// migration's UPDATE: it becomes kind workorder, ref = the order, label =
// its code, event = the old kind, and the reader sees it with its link.
func TestInboxMigrationBackfillsKindRefAndLabelOfExistingRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ms, err := db.Migrations(d.Engine)
		must(t, err)
		var backfill string
		for _, m := range ms {
			if strings.HasSuffix(m.Name, "_inbox") {
				i := strings.Index(m.SQL, "UPDATE notifications")
				backfill = m.SQL[i : i+strings.Index(m.SQL[i:], ";")]
			}
		}
		if backfill == "" {
			t.Fatal("no inbox migration with an UPDATE")
		}
		o := f.submit(t, "RUBBISH")
		must(t, d.Write(context.Background(), func(tx *db.Tx) error {
			if _, err := tx.Exec(f.ctx, `INSERT INTO notifications (unit_id, order_id, kind, text_key, args, created_at)
				VALUES (?, ?, 'dispatch', 'workorder.notify.dispatched', ?, ?)`, f.unitA, o.ID, `["`+o.Code+`"]`, f.clk.Now().UnixMilli()); err != nil {
				return err
			}
			_, err := tx.Exec(f.ctx, backfill)
			return err
		}))
		items, _, err := inbox.New(d, f.clk).List(f.ctx, f.handA, inbox.Filter{})
		must(t, err)
		if len(items) != 1 || items[0].Kind != wo.NoticeKind || items[0].Ref != o.ID || items[0].Label != o.Code ||
			items[0].Event != "dispatch" || !strings.HasSuffix(items[0].Link, "/orders/"+strconv.FormatInt(o.ID, 10)) {
			t.Fatalf("backfilled: %+v", items)
		}
	})
}

// TestInboxPostSkipsAUserWithoutTheKindsPermission posts a work-order
// notice to two users: the one whose role holds workorder.view gets it, the
// one without is skipped (id 0, no row, no error).
func TestInboxPostSkipsAUserWithoutTheKindsPermission(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		grid := f.user(t, "gridA", f.unitA, auth.Scope{}, auth.PermOrgView)
		var posted, skipped int64
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			role, err := tx.InsertID(f.ctx, `INSERT INTO roles (code, name, permissions, created_at, updated_at)
				VALUES ('viewer', 'viewer', 'org.view workorder.view', 0, 0) RETURNING id`)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(f.ctx, `INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)`, f.handA.UserID, role); err != nil {
				return err
			}
			n := inbox.Notice{Kind: wo.NoticeKind, Ref: 1, Event: "dispatch", Key: "workorder.notify.reopened", At: f.clk.Now()}
			n.ToUser = f.handA.UserID
			if posted, err = inbox.Post(f.ctx, tx, n); err != nil {
				return err
			}
			n.ToUser = grid.UserID
			skipped, err = inbox.Post(f.ctx, tx, n)
			return err
		}))
		if posted == 0 || skipped != 0 || f.count(t, "SELECT COUNT(*) FROM notifications WHERE user_id = ?", grid.UserID) != 0 {
			t.Fatalf("posted %d, skipped %d", posted, skipped)
		}
	})
}

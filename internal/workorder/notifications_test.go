package workorder_test

import (
	"fmt"
	"testing"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/inbox"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// TestUnitNoticesAreReadByEachPersonForThemselves dispatches an order to a
// unit with two staff: each sees the unit's notice, one marking it read
// leaves it unread for the other, and a user of another unit never sees it
// nor can mark it.
func TestUnitNoticesAreReadByEachPersonForThemselves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ib := inbox.New(d, f.clk)
		colleague := f.user(t, "handA2", f.unitA, auth.Scope{UnitPaths: []string{f.unitPath(t, f.unitA)}}, auth.PermOrderView)
		o := f.submit(t, "RUBBISH")
		f.act(t, f.disp, o.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		unread := func(p *auth.Principal) int64 {
			n, err := ib.Unread(f.ctx, p)
			must(t, err)
			return n
		}
		if unread(f.handA) != 1 || unread(colleague) != 1 || unread(f.handB) != 0 {
			t.Fatalf("unread: A %d, colleague %d, B %d", unread(f.handA), unread(colleague), unread(f.handB))
		}
		items, more, err := ib.List(f.ctx, f.handA, inbox.Filter{})
		must(t, err)
		if len(items) != 1 || more || items[0].Kind != wo.NoticeKind || items[0].Ref != o.ID || items[0].Label != o.Code || items[0].Link != fmt.Sprintf("/orders/%d", o.ID) || !items[0].ToUnit || items[0].Read {
			t.Fatalf("handA's notices: %+v", items)
		}
		// B cannot mark A's notice, even by id.
		n, err := ib.MarkRead(f.ctx, f.handB, []int64{items[0].ID})
		must(t, err)
		if n != 0 || unread(f.handA) != 1 {
			t.Fatalf("B marked %d of A's notices", n)
		}
		n, err = ib.MarkRead(f.ctx, f.handA, nil)
		must(t, err)
		if n != 1 || unread(f.handA) != 0 || unread(colleague) != 1 {
			t.Fatalf("after A marks all: marked %d, A %d, colleague %d", n, unread(f.handA), unread(colleague))
		}
		// Marking again is harmless.
		if n, err := ib.MarkRead(f.ctx, f.handA, nil); err != nil || n != 0 {
			t.Fatalf("second mark: %d %v", n, err)
		}
		items, _, err = ib.List(f.ctx, colleague, inbox.Filter{UnreadOnly: true})
		must(t, err)
		if len(items) != 1 || items[0].Read {
			t.Fatalf("colleague's unread notices: %+v", items)
		}
		if _, _, err := ib.List(f.ctx, nil, inbox.Filter{}); err == nil {
			t.Fatal("no principal: no error")
		}
	})
}

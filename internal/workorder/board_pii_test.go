package workorder_test

import (
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// The public board's draft comes from the citizen's description: the
// reporter's name and phone are removed, and so is every other phone or ID
// number in it (a neighbour's, the citizen's own ID), whatever its digits;
// the rest of the text, dates and house numbers included, is kept.
func TestBoardDraftMasksEveryPhoneAndIDNumberInTheCitizensDescription(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s, err := f.svc.Submit(f.ctx, nil, wo.SubmitInput{Channel: wo.ChannelSnap, CategoryID: f.cats["STREET_VENDING"],
			Description: "我是王女士，电话１３８ ００１３ ８０００，身份证511102199003071526。邻居李先生0833-2123456也看到了，" +
				"2026-02-11 起嘉定北路 12 号门口一直有流动摊贩占道",
			RegionID: f.street, ReporterName: "王女士", ReporterPhone: "+86 138 0013 8000"})
		must(t, err)
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionAccept})
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionAcknowledge})
		f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionResolve, Note: "已劝离，回访电话 13800138000"})
		draft, err := f.svc.BoardDraft(f.ctx, f.disp, s.ID)
		must(t, err)
		want := "我是***，电话***，身份证***。邻居李先生***也看到了，2026-02-11 起嘉定北路 12 号门口一直有流动摊贩占道"
		if draft.Input.Summary != want {
			t.Fatalf("draft summary\n%q\nwant\n%q", draft.Input.Summary, want)
		}
		if draft.Input.Response != "已劝离，回访电话 ***" {
			t.Fatalf("draft response %q", draft.Input.Response)
		}
		// What staff type in afterwards is refused, not silently changed.
		_, err = f.svc.Publish(f.ctx, f.disp, s.ID, wo.BoardInput{Title: "占道经营已整改", Summary: draft.Input.Summary,
			Response: "邻居身份证 511102 19900307 1526 已登记"})
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Fields["response"].Key != "board.field.phone_like" {
			t.Fatalf("a post with an ID number: %v", err)
		}
		if f.count(t, "SELECT COUNT(*) FROM board_posts") != 0 {
			t.Fatal("the refused post was stored")
		}
		// The reporter's phone was stored in its canonical form.
		if f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND reporter_phone = '13800138000'", s.ID) != 1 {
			t.Fatal("the reporter's +86 phone was not stored as its 11 digits")
		}
	})
}

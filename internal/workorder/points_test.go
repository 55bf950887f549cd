package workorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

const citizenPhone = "13800138000"

func (f *fixture) balance(t *testing.T, phone string) int64 {
	t.Helper()
	return f.count(t, "SELECT COALESCE(MAX(balance), 0) FROM points_balances WHERE phone = ?", phone)
}

func TestAcceptedSnapReportsEarnPointsUpToTheDailyCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin := f.user(t, "admin", 0, auth.Scope{All: true}, auth.PermSettingsManage)
		_, err := f.svc.SetPointsRule(f.ctx, admin, wo.PointsRule{PerReport: 10, DailyCap: 25})
		must(t, err)
		var got []int64
		for range 4 {
			s := f.submit(t, "RUBBISH")
			f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionAccept})
			got = append(got, f.balance(t, citizenPhone))
		}
		if want := []int64{10, 20, 25, 25}; !equal(got, want) {
			t.Fatalf("balances %v, want %v (cap 25 a day)", got, want)
		}
		// A hotline order earns nothing; neither does a snap report that is only submitted.
		h, err := f.svc.Submit(f.ctx, f.oper, wo.SubmitInput{Channel: wo.ChannelHotline, CategoryID: f.cats["RUBBISH"],
			Description: "小区门口垃圾堆放多日无人清运", ReporterPhone: "13900139000"})
		must(t, err)
		f.act(t, f.disp, h.ID, wo.ActionInput{Action: wo.ActionAccept})
		if n := f.count(t, "SELECT COUNT(*) FROM points_ledger WHERE phone = '13900139000'"); n != 0 {
			t.Fatalf("hotline order earned %d ledger rows", n)
		}
		f.submit(t, "RUBBISH")
		// The next day (Beijing time) the cap starts again.
		f.clk.Advance(24 * time.Hour)
		s := f.submit(t, "RUBBISH")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionAccept})
		if b := f.balance(t, citizenPhone); b != 35 {
			t.Fatalf("next day balance %d, want 35", b)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM points_ledger WHERE reason = 'report'"); n != 4 {
			t.Fatalf("%d report rows, want 4 (the capped-out report writes none)", n)
		}
		// Turning points off.
		_, err = f.svc.SetPointsRule(f.ctx, admin, wo.PointsRule{PerReport: 0, DailyCap: 25})
		must(t, err)
		s = f.submit(t, "RUBBISH")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionAccept})
		if b := f.balance(t, citizenPhone); b != 35 {
			t.Fatalf("with 0 points per report the balance moved to %d", b)
		}
		_, err = f.svc.SetPointsRule(f.ctx, f.disp, wo.PointsRule{PerReport: 5, DailyCap: 5})
		wantCode(t, err, errs.Forbidden)
	})
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMergingAnAcceptedReportAsADuplicateReversesItsPoints(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		parent, child := f.submit(t, "RUBBISH"), f.submit(t, "RUBBISH")
		f.act(t, f.disp, parent.ID, wo.ActionInput{Action: wo.ActionAccept})
		f.act(t, f.disp, child.ID, wo.ActionInput{Action: wo.ActionAccept})
		if b := f.balance(t, citizenPhone); b != 20 {
			t.Fatalf("balance %d", b)
		}
		_, err := f.svc.Merge(f.ctx, f.disp, parent.ID, []int64{child.ID}, "重复")
		must(t, err)
		if b := f.balance(t, citizenPhone); b != 10 {
			t.Fatalf("after the merge: balance %d, want 10", b)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM points_ledger WHERE order_id = ? AND reason = 'reversal' AND delta = -10 AND balance_after = 10", child.ID); n != 1 {
			t.Fatal("no reversal row")
		}
		// A duplicate merged before it was accepted never earned anything.
		other := f.submit(t, "RUBBISH")
		_, err = f.svc.Merge(f.ctx, f.disp, parent.ID, []int64{other.ID}, "")
		must(t, err)
		if n := f.count(t, "SELECT COUNT(*) FROM points_ledger WHERE order_id = ?", other.ID); n != 0 {
			t.Fatalf("%d rows for a report merged before acceptance", n)
		}
	})
}

func TestCitizensSeeTheirPointsByPhoneAndCodeAndGuessingIsThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := f.submit(t, "RUBBISH")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionAccept})
		acc, err := f.svc.PointsByCode(f.ctx, " "+citizenPhone+" ", strings.ToLower(s.Code), "203.0.113.9")
		must(t, err)
		if acc.Balance != 10 || len(acc.Entries) != 1 || acc.Entries[0].OrderCode != s.Code || acc.Phone != "138****8000" {
			t.Fatalf("account %+v", acc)
		}
		_, wrongPhone := f.svc.PointsByCode(f.ctx, "13900139000", s.Code, "203.0.113.9")
		_, wrongCode := f.svc.PointsByCode(f.ctx, citizenPhone, "ZZZZZZZZZZ", "203.0.113.9")
		for _, err := range []error{wrongPhone, wrongCode} {
			if e := errs.As(err); e == nil || e.Code != errs.NotFound || e.Key != "points.err.not_found" {
				t.Fatalf("wrong phone or code: %v", err)
			}
		}
		for range 8 {
			f.svc.PointsByCode(f.ctx, "13900139000", s.Code, "203.0.113.9")
		}
		_, err = f.svc.PointsByCode(f.ctx, citizenPhone, s.Code, "203.0.113.9")
		wantCode(t, err, errs.TooMany)
		// Another address is not affected.
		_, err = f.svc.PointsByCode(f.ctx, citizenPhone, s.Code, "198.51.100.1")
		must(t, err)
	})
}

func TestRedeemNeverGoesBelowZeroAndIsAuditedWithTheMaskedPhone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin := f.user(t, "admin", 0, auth.Scope{All: true}, auth.PermSettingsManage)
		s := f.submit(t, "RUBBISH")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionAccept})
		_, err := f.svc.RedeemPoints(f.ctx, admin, wo.RedeemInput{Phone: citizenPhone, Amount: 11})
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Fields["amount"].Key != "points.err.insufficient" {
			t.Fatalf("redeem beyond the balance: %v", err)
		}
		_, err = f.svc.RedeemPoints(f.ctx, f.disp, wo.RedeemInput{Phone: citizenPhone, Amount: 1})
		wantCode(t, err, errs.Forbidden)
		if f.balance(t, citizenPhone) != 10 || f.count(t, "SELECT COUNT(*) FROM points_ledger WHERE reason = 'redeem'") != 0 {
			t.Fatal("a refused redeem changed something")
		}
		e, err := f.svc.RedeemPoints(f.ctx, admin, wo.RedeemInput{Phone: citizenPhone, Amount: 8, Note: "兑换环保袋"})
		must(t, err)
		if e.BalanceAfter != 2 || e.Delta != -8 || e.Phone != "138****8000" {
			t.Fatalf("entry %+v", e)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'points.redeem' AND entity_id = '138****8000' AND after LIKE '%138****8000%' AND after NOT LIKE '%13800138000%'"); n != 1 {
			t.Fatal("no audit entry with the masked phone")
		}
		// Merged after the points were spent: the reversal takes what is left.
		p := f.submit(t, "RUBBISH")
		_, err = f.svc.Merge(f.ctx, f.disp, p.ID, []int64{s.ID}, "")
		must(t, err)
		if b := f.balance(t, citizenPhone); b != 0 {
			t.Fatalf("balance %d after the reversal, want 0", b)
		}
		list, total, bal, err := f.svc.PointsLedger(f.ctx, admin, wo.PointsFilter{Phone: citizenPhone})
		must(t, err)
		if total != 3 || bal != 0 || list[0].Reason != wo.PointsReversal || list[0].Delta != -2 || list[0].Phone != "138****8000" {
			t.Fatalf("ledger %d %d %+v", total, bal, list)
		}
	})
}

// Phones are now stored digits only (pii.NormalisePhone). A landline kept
// with its dash before keeps its order and its points: migration 0020
// rewrites the stored forms and merges balances one number had under two
// forms, and the citizen then finds them typing either form.
func TestLandlinePointsStoredWithADashAreFoundAfterTheCanonicalForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin := f.user(t, "admin", 0, auth.Scope{All: true}, auth.PermSettingsManage)
		s := f.submit(t, "RUBBISH")
		// As an older version stored them: the order's phone and a balance under the dashed form,
		// and a second balance under the bare digits (typed the other way on another report).
		exec := func(q string, args ...any) {
			t.Helper()
			must(t, d.Write(f.ctx, func(tx *db.Tx) error { _, err := tx.Exec(f.ctx, q, args...); return err }))
		}
		exec("UPDATE workorders SET reporter_phone = '0833-2123456' WHERE id = ?", s.ID)
		exec(`INSERT INTO points_balances (phone, balance, updated_at) VALUES ('0833-2123456', 5, 1), ('08332123456', 3, 2), ('010-12345678', 4, 3)`)
		exec(`INSERT INTO points_ledger (phone, order_id, delta, reason, balance_after, day, note, actor_name, created_at)
			VALUES ('0833-2123456', ?, 5, 'report', 5, '2026-01-05', '', 'system', 1)`, s.ID)
		ms, err := db.Migrations(d.Engine)
		must(t, err)
		var step string
		for _, m := range ms {
			if m.Name == "0020_phone_digits" {
				step = m.SQL
			}
		}
		if step == "" {
			t.Fatal("no migration 0020_phone_digits")
		}
		exec(step)
		if n := f.count(t, "SELECT COUNT(*) FROM points_balances WHERE phone LIKE '%-%'") +
			f.count(t, "SELECT COUNT(*) FROM points_ledger WHERE phone LIKE '%-%'") +
			f.count(t, "SELECT COUNT(*) FROM workorders WHERE reporter_phone LIKE '%-%'"); n != 0 {
			t.Fatalf("%d rows still hold a dashed phone", n)
		}
		if b, b2 := f.balance(t, "08332123456"), f.balance(t, "01012345678"); b != 8 || b2 != 4 {
			t.Fatalf("balances %d and %d, want 5+3 merged and 4 moved", b, b2)
		}
		for _, typed := range []string{"0833-2123456", "08332123456", "(0833) 212 3456", "+86 833 2123456"} {
			acc, err := f.svc.PointsByCode(f.ctx, typed, s.Code, "203.0.113.9")
			if err != nil || acc.Balance != 8 || len(acc.Entries) != 1 || acc.Phone != "083****3456" {
				t.Fatalf("citizen typing %q: %+v, %v", typed, acc, err)
			}
		}
		e, err := f.svc.RedeemPoints(f.ctx, admin, wo.RedeemInput{Phone: "0833-2123456", Amount: 8})
		if err != nil || e.BalanceAfter != 0 {
			t.Fatalf("redeem under the dashed form: %+v, %v", e, err)
		}
		// New orders store the canonical form, so their points land on the same balance.
		n, err := f.svc.Submit(f.ctx, nil, wo.SubmitInput{Channel: wo.ChannelSnap, CategoryID: f.cats["RUBBISH"],
			Description: "人行道上有流动摊贩占道经营，行人无法通过", RegionID: f.street, ReporterPhone: "0833 212 3456"})
		must(t, err)
		if got := f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND reporter_phone = '08332123456'", n.ID); got != 1 {
			t.Fatal("a new report's phone is not stored in the canonical form")
		}
		f.act(t, f.disp, n.ID, wo.ActionInput{Action: wo.ActionAccept})
		if b := f.balance(t, "08332123456"); b != 10 {
			t.Fatalf("balance %d after a new landline report, want 10 on the one key", b)
		}
	})
}

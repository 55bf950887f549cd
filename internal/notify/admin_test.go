package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/notify"
)

func TestChannelInputIsAnHTTPURLWithAHostOrOneBareEmailAddress(t *testing.T) {
	long := "https://h.example.cn/" + strings.Repeat("a", notify.MaxTargetLen)
	for _, c := range []struct {
		kind, target string
		field, key   string
	}{
		{"webhook", "https://hooks.example.gov.cn/wenming?k=1", "", ""},
		{"webhook", "http://10.0.0.8:8080/notify", "", ""},
		{"webhook", "ftp://hooks.example.gov.cn/x", "target", "notify.bad_url"},
		{"webhook", "https:///path-only", "target", "notify.bad_url"},
		{"webhook", "hooks.example.gov.cn/x", "target", "notify.bad_url"},
		{"webhook", "https://user:pw@hooks.example.gov.cn/", "target", "notify.bad_url"},
		{"webhook", "javascript:alert(1)", "target", "notify.bad_url"},
		{"webhook", long, "target", "field.too_long"},
		{"email", "zhang.san@leshan.gov.cn", "", ""},
		{"email", "张三 <zhang@leshan.gov.cn>", "target", "notify.bad_email"},
		{"email", "not-an-address", "target", "notify.bad_email"},
		{"email", "a@b@c", "target", "notify.bad_email"},
		{"email", "", "target", "field.required"},
		{"sms", "13800138000", "kind", "field.bad_choice"},
		{"", "x", "kind", "field.required"},
	} {
		t.Run(c.kind+" "+c.target[:min(len(c.target), 40)], func(t *testing.T) {
			var f errs.Fields
			notify.ChannelInput{Kind: c.kind, Target: c.target}.Validate(&f)
			e := errs.As(f.Err())
			switch {
			case c.key == "" && e != nil:
				t.Fatalf("refused: %v", e.Fields)
			case c.key != "" && (e == nil || e.Fields[c.field].Key != c.key):
				t.Fatalf("want %s %s, got %v", c.field, c.key, f.Err())
			}
		})
	}
}

// adminWorld is a city with districts A and B, a unit in each, and a user.
type adminWorld struct {
	ctx          context.Context
	d            *db.DB
	clk          *clock.Fake
	a            *notify.Admin
	unitA, unitB int64
	user         int64
	pathA        string
}

func newAdminWorld(t *testing.T, d *db.DB) *adminWorld {
	t.Helper()
	w := &adminWorld{ctx: context.Background(), d: d, clk: clock.NewFake(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))}
	w.a = notify.NewAdmin(d, w.clk)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Write(w.ctx, func(tx *db.Tx) error {
		ins := func(q string, args ...any) int64 {
			id, err := tx.InsertID(w.ctx, q, args...)
			must(err)
			return id
		}
		city := ins("INSERT INTO regions (level, code, name, path, created_at, updated_at) VALUES ('city', 'C', 'C', '/1/', 0, 0) RETURNING id")
		ra := ins("INSERT INTO regions (parent_id, level, code, name, path, created_at, updated_at) VALUES (?, 'district', 'A', 'A', '/1/2/', 0, 0) RETURNING id", city)
		rb := ins("INSERT INTO regions (parent_id, level, code, name, path, created_at, updated_at) VALUES (?, 'district', 'B', 'B', '/1/3/', 0, 0) RETURNING id", city)
		w.unitA = ins("INSERT INTO units (kind, code, name, region_id, path, created_at, updated_at) VALUES ('district_gov', 'GA', 'A区政府', ?, '/1/', 0, 0) RETURNING id", ra)
		w.unitB = ins("INSERT INTO units (kind, code, name, region_id, path, created_at, updated_at) VALUES ('district_gov', 'GB', 'B区政府', ?, '/2/', 0, 0) RETURNING id", rb)
		w.user = ins("INSERT INTO users (username, display_name, created_at, updated_at) VALUES ('zhang', '张三', 0, 0) RETURNING id")
		return nil
	}))
	w.pathA = "/1/2/"
	return w
}

func person(id int64, scope auth.Scope, perms ...auth.Perm) *auth.Principal {
	p := &auth.Principal{UserID: id, Username: "p" + strings.Repeat("x", int(id%3)), Perms: map[auth.Perm]bool{}, Scope: scope}
	for _, x := range perms {
		p.Perms[x] = true
	}
	return p
}

func (w *adminWorld) count(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := w.d.Read(w.ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(w.ctx, q, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUnitChannelsAreAddedSwitchedAndDeletedInScopeWithAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newAdminWorld(t, d)
		admin := person(w.user, auth.Scope{All: true}, auth.PermOrgView, auth.PermOrgManage)
		distA := person(w.user, auth.Scope{RegionPaths: []string{w.pathA}}, auth.PermOrgView, auth.PermOrgManage)
		reader := person(w.user, auth.Scope{All: true}, auth.PermOrgView)

		c, err := w.a.AddUnitChannel(w.ctx, admin, w.unitA, notify.ChannelInput{Kind: " webhook ", Target: " https://hooks.example.gov.cn/a "})
		if err != nil || !c.Active || c.Target != "https://hooks.example.gov.cn/a" {
			t.Fatalf("add: %+v %v", c, err)
		}
		_, err = w.a.AddUnitChannel(w.ctx, admin, w.unitA, notify.ChannelInput{Kind: "webhook", Target: "https://HOOKS.example.gov.cn/a"})
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("a second channel with the same address: %v", err)
		}
		_, err = w.a.AddUnitChannel(w.ctx, admin, w.unitA, notify.ChannelInput{Kind: "email", Target: "bad"})
		if e := errs.As(err); e == nil || e.Fields["target"].Key != "notify.bad_email" {
			t.Fatalf("bad e-mail: %v", err)
		}
		_, err = w.a.AddUnitChannel(w.ctx, reader, w.unitA, notify.ChannelInput{Kind: "email", Target: "a@leshan.gov.cn"})
		if !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a reader adds: %v", err)
		}
		// District A's admin cannot see B's unit: not found, whether reading or writing.
		if _, err := w.a.UnitChannels(w.ctx, distA, w.unitB); !errs.Is(err, errs.NotFound) {
			t.Fatalf("out of scope read: %v", err)
		}
		if _, err := w.a.AddUnitChannel(w.ctx, distA, w.unitB, notify.ChannelInput{Kind: "email", Target: "b@leshan.gov.cn"}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("out of scope add: %v", err)
		}
		// Inactive channels get no messages.
		if _, err := w.a.SetUnitChannelActive(w.ctx, distA, w.unitA, c.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := d.Write(w.ctx, func(tx *db.Tx) error {
			return notify.Bridge(w.ctx, tx, w.clk.Now(), 0, w.unitA, "AB12", "dispatched", "workorder.notify.dispatched", "AB12")
		}); err != nil {
			t.Fatal(err)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM notify_outbox"); n != 0 {
			t.Fatalf("%d messages for an inactive channel", n)
		}
		// The channel of another unit cannot be reached through A's address.
		cb, err := w.a.AddUnitChannel(w.ctx, admin, w.unitB, notify.ChannelInput{Kind: "email", Target: "b@leshan.gov.cn"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.a.DeleteUnitChannel(w.ctx, admin, w.unitA, cb.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("delete B's channel through A: %v", err)
		}
		if err := w.a.DeleteUnitChannel(w.ctx, distA, w.unitA, c.ID); err != nil {
			t.Fatal(err)
		}
		list, err := w.a.UnitChannels(w.ctx, reader, w.unitA)
		if err != nil || len(list) != 0 {
			t.Fatalf("after delete: %+v %v", list, err)
		}
		for _, a := range []string{"create", "update", "delete"} {
			if n := w.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'notify_channel' AND action = ? AND entity_id = ?", a, fmt.Sprint(c.ID)); n != 1 {
				t.Errorf("%d %s audit entries", n, a)
			}
		}
	})
}

func TestAUserSetsAndRemovesTheirOwnEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newAdminWorld(t, d)
		me := person(w.user, auth.Scope{UserID: w.user})
		if _, err := w.a.SetMyEmail(w.ctx, me, "张三 <z@x.cn>"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad address: %v", err)
		}
		if _, err := w.a.SetMyEmail(w.ctx, me, " zhang@leshan.gov.cn "); err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.SetMyEmail(w.ctx, me, "zhang.san@leshan.gov.cn"); err != nil {
			t.Fatal(err)
		}
		got, err := w.a.MyEmail(w.ctx, me)
		if err != nil || got != "zhang.san@leshan.gov.cn" || w.count(t, "SELECT COUNT(*) FROM notify_channels WHERE user_id = ?", w.user) != 1 {
			t.Fatalf("own e-mail %q %v", got, err)
		}
		if _, err := w.a.SetMyEmail(w.ctx, me, ""); err != nil {
			t.Fatal(err)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM notify_channels WHERE user_id = ?", w.user); n != 0 {
			t.Fatalf("%d channels after removal", n)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'notify_channel'"); n != 4 {
			t.Fatalf("%d audit entries for add, change (delete + add) and removal", n)
		}
		if _, err := w.a.SetMyEmail(w.ctx, &auth.Principal{Perms: map[auth.Perm]bool{}}, "x@y.cn"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a token without a user: %v", err)
		}
	})
}

func TestTheOutboxListsByStateAndAFailedMessageIsRetriedOnceNow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newAdminWorld(t, d)
		admin := person(w.user, auth.Scope{All: true}, auth.PermSettingsManage)
		ids := enqueue(t, d, w.clk.Now(), 3, notify.KindWebhook)
		snd := &recorder{fail: errors.New("502 bad gateway")}
		o := notify.New(d, w.clk, quiet, map[string]notify.Sender{notify.KindWebhook: snd})
		o.MaxAttempts = 1
		if _, err := o.Deliver(w.ctx); err != nil {
			t.Fatal(err)
		}
		enqueue(t, d, w.clk.Now(), 1, notify.KindWebhook) // one still pending
		failed, n, err := w.a.ListOutbox(w.ctx, admin, notify.OutboxFilter{State: "failed"})
		if err != nil || n != 3 || len(failed) != 3 || failed[0].ID != ids[2] || failed[0].Attempts != 1 || failed[0].LastError != "502 bad gateway" {
			t.Fatalf("failed list: %d %+v %v", n, failed, err)
		}
		if _, n, _ := w.a.ListOutbox(w.ctx, admin, notify.OutboxFilter{}); n != 4 {
			t.Fatalf("all: %d", n)
		}
		if _, _, err := w.a.ListOutbox(w.ctx, admin, notify.OutboxFilter{State: "lost"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad state: %v", err)
		}
		if _, _, err := w.a.ListOutbox(w.ctx, person(w.user, auth.Scope{All: true}, auth.PermOrgManage), notify.OutboxFilter{}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("without settings.manage: %v", err)
		}
		// Retry now: due at once, one more attempt; this time it goes through.
		w.clk.Advance(time.Hour)
		if err := w.a.RetryNow(w.ctx, admin, ids[0]); err != nil {
			t.Fatal(err)
		}
		if err := w.a.RetryNow(w.ctx, admin, ids[0]); !errs.Is(err, errs.Conflict) {
			t.Fatalf("retrying a pending message: %v", err)
		}
		if err := w.a.RetryNow(w.ctx, admin, 999999); !errs.Is(err, errs.NotFound) {
			t.Fatalf("retrying a missing message: %v", err)
		}
		snd.fail = nil
		res, err := o.Deliver(w.ctx)
		if err != nil || res.Sent != 2 { // the retried one and the pending one
			t.Fatalf("deliver after retry: %+v %v", res, err)
		}
		if r := row(t, d, ids[0]); r.state != "sent" || r.attempts != 2 {
			t.Fatalf("retried message: %+v", r)
		}
		if r := row(t, d, ids[1]); r.state != "failed" {
			t.Fatalf("the message not retried: %+v", r)
		}
		if n := w.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'notify_outbox' AND entity_id = ?", fmt.Sprint(ids[0])); n != 1 {
			t.Fatalf("%d audit entries for the retry", n)
		}
	})
}

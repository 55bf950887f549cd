package orderweb_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/notify"
	"github.com/wenming-city/wenming/internal/workorder"
)

const pointsPhone = "13800138000"

// pointsSnap files a snap report (photo and place from a phone) as a
// citizen would, with the phone.
func pointsSnap(t *testing.T, e *apptest.Env, phone string) workorder.Submitted {
	t.Helper()
	lat, lng := 29.5646, 103.7626
	s, err := e.App.Orders.SubmitPublic(context.Background(), workorder.PublicReport{SubmitInput: workorder.SubmitInput{
		Channel: workorder.ChannelSnap, CategoryID: e.ID(t, "workorder_categories", "code", "STREET_VENDING"),
		Description: "人行道上有流动摊贩占道经营，行人只能走到机动车道上", Lat: &lat, Lng: &lng, Address: "嘉定北路 12 号门口",
		ReporterPhone: phone, IP: "198.51.100.20"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pointsAccept(t *testing.T, e *apptest.Env, disp *apptest.Client, id int64) {
	t.Helper()
	if res := disp.JSON("POST", "/api/v1/workorders/"+strconv.FormatInt(id, 10)+"/actions/accept", map[string]any{}); res.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
}

func pointsBalanceAPI(t *testing.T, c *apptest.Client, phone, code string) (int, workorder.PointsAccount) {
	t.Helper()
	res := c.Get("/api/v1/public/points?" + url.Values{"phone": {phone}, "code": {code}}.Encode())
	var acc workorder.PointsAccount
	if res.Status == http.StatusOK {
		res.Decode(&acc)
	}
	return res.Status, acc
}

func TestPointsASnapReportAcceptedEarnsAndADuplicateMergedReverses(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		disp, anon := e.API(t, "dispatcher"), e.Anonymous(t)
		parent, child := pointsSnap(t, e, pointsPhone), pointsSnap(t, e, pointsPhone)
		if st, acc := pointsBalanceAPI(t, anon, pointsPhone, parent.Code); st != http.StatusOK || acc.Balance != 0 || len(acc.Entries) != 0 {
			t.Fatalf("before acceptance: %d %+v", st, acc)
		}
		pointsAccept(t, e, disp, parent.ID)
		pointsAccept(t, e, disp, child.ID)
		st, acc := pointsBalanceAPI(t, anon, pointsPhone, child.Code)
		if st != http.StatusOK || acc.Balance != 20 || len(acc.Entries) != 2 || acc.Phone != "138****8000" {
			t.Fatalf("after two accepted reports: %d %+v", st, acc)
		}
		res := disp.JSON("POST", "/api/v1/workorders/"+strconv.FormatInt(parent.ID, 10)+"/merge",
			map[string]any{"child_ids": []int64{child.ID}, "note": "同一摊位重复反映"})
		if res.Status != http.StatusOK {
			t.Fatalf("merge: %d %s", res.Status, res.Body)
		}
		_, acc = pointsBalanceAPI(t, anon, pointsPhone, parent.Code)
		if acc.Balance != 10 || acc.Entries[0].Reason != workorder.PointsReversal || acc.Entries[0].Delta != -10 || acc.Entries[0].OrderCode != child.Code {
			t.Fatalf("after the merge: %+v", acc)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM points_ledger WHERE order_id = ? AND reason = 'reversal' AND balance_after = 10", child.ID); n != 1 {
			t.Fatalf("%d reversal rows", n)
		}
	})
}

func TestPointsCitizenSeesTheBalanceWithTheRightPhoneAndCodeAndNotFoundOtherwise(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := pointsSnap(t, e, pointsPhone)
		pointsAccept(t, e, e.API(t, "dispatcher"), s.ID)
		c := e.Anonymous(t)
		page := c.Get("/points")
		if page.Status != http.StatusOK || !page.Contains(`action="/points"`, `name="phone"`, `name="code"`, `for="f-phone"`) {
			t.Fatalf("GET /points: %d %s", page.Status, page.Body)
		}
		res := c.PostForm("/points", url.Values{"phone": {pointsPhone}, "code": {strings.ToLower(s.Code)}})
		if res.Status != http.StatusOK || !res.Contains(`id="points-balance">10<`, "138****8000", s.Code, "有效随手拍") || strings.Contains(res.Body, pointsPhone) {
			t.Fatalf("right phone and code: %d %s", res.Status, res.Body)
		}
		for _, bad := range []url.Values{
			{"phone": {"13900139000"}, "code": {s.Code}},
			{"phone": {pointsPhone}, "code": {"ZZZZZZZZZZ"}},
		} {
			res := c.PostForm("/points", bad)
			if res.Status != http.StatusNotFound || !res.Contains("未找到积分：请核对手机号码和查询码。") || res.Contains(`id="points-balance"`) {
				t.Fatalf("wrong %v: %d %s", bad, res.Status, res.Body)
			}
			st, _ := pointsBalanceAPI(t, c, bad.Get("phone"), bad.Get("code"))
			if st != http.StatusNotFound {
				t.Fatalf("API with wrong %v: %d", bad, st)
			}
		}
		c.Lang = "en"
		res = c.Get("/api/v1/public/points?phone=13900139000&code=" + s.Code)
		var body struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(res.Raw, &body)
		if body.Error.Code != "not_found" || body.Error.Message != "No points found: check the phone number and the tracking code." {
			t.Fatalf("API not found in English: %s", res.Body)
		}
	})
}

func TestPointsAdminRedeemWorksAndIsAuditedWithTheMaskedPhone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := pointsSnap(t, e, pointsPhone)
		pointsAccept(t, e, e.API(t, "dispatcher"), s.ID)
		admin := e.Login(t, "admin")
		page := admin.Get("/points/admin")
		if page.Status != http.StatusOK || !page.Contains(`action="/points/redeem"`, "138****8000", s.Code) || page.Contains(pointsPhone) {
			t.Fatalf("admin page: %d %s", page.Status, page.Body)
		}
		res := admin.PostForm("/points/redeem", url.Values{"phone": {pointsPhone}, "amount": {"4"}, "note": {"兑换环保购物袋"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("redeem: %d %s", res.Status, res.Body)
		}
		page = admin.Get(res.Header.Get("Location"))
		if !page.Contains("积分已兑换。", "该手机号当前积分：6", "兑换环保购物袋", "-4") {
			t.Fatalf("after redeem: %s", page.Body)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'points.redeem' AND actor_name = 'admin'
			AND entity_id = '138****8000' AND after LIKE '%"amount":4%' AND after NOT LIKE '%13800138000%' AND summary NOT LIKE '%13800138000%'`); n != 1 {
			t.Fatalf("%d audit entries with the masked phone", n)
		}
		if _, acc := pointsBalanceAPI(t, e.Anonymous(t), pointsPhone, s.Code); acc.Balance != 6 {
			t.Fatalf("citizen sees %d", acc.Balance)
		}
		// Staff without settings.manage cannot redeem nor see the page.
		h := e.Login(t, "handler_zgq")
		if res := h.PostForm("/points/redeem", url.Values{"phone": {pointsPhone}, "amount": {"1"}}); res.Status != http.StatusForbidden {
			t.Fatalf("handler redeem: %d", res.Status)
		}
		if res := h.Get("/points/admin"); res.Status != http.StatusForbidden {
			t.Fatalf("handler page: %d", res.Status)
		}
		// The ledger exports with masked phones.
		if x := admin.Get("/points/admin?format=xlsx"); x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", x.Status, x.Header)
		}
	})
}

func TestPointsRedeemBeyondTheBalanceIsRefusedInZhAndEnAndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		s := pointsSnap(t, e, pointsPhone)
		pointsAccept(t, e, e.API(t, "dispatcher"), s.ID)
		auditBefore := e.Count(t, "SELECT COUNT(*) FROM audit_log")
		admin := e.Login(t, "admin")
		res := admin.PostForm("/points/redeem", url.Values{"phone": {pointsPhone}, "amount": {"11"}, "note": {"超额"}})
		if res.Status != http.StatusBadRequest || !res.Contains("积分不足：当前余额 10 分，未作任何更改。", `value="11"`, `aria-invalid="true"`) {
			t.Fatalf("zh refusal: %d %s", res.Status, res.Body)
		}
		admin.Lang = "en"
		res = admin.PostForm("/points/redeem", url.Values{"phone": {pointsPhone}, "amount": {"11"}})
		if res.Status != http.StatusBadRequest || !res.Contains("Not enough points: the balance is 10; nothing was changed.") {
			t.Fatalf("en refusal: %d %s", res.Status, res.Body)
		}
		res = admin.PostForm("/points/redeem", url.Values{"phone": {"12345"}, "amount": {"x"}})
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-phone"`, `id="e-amount"`) {
			t.Fatalf("bad input: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM points_ledger WHERE reason = 'redeem'"); n != 0 {
			t.Fatalf("%d redeem rows", n)
		}
		if b := e.Count(t, "SELECT balance FROM points_balances WHERE phone = ?", pointsPhone); b != 10 {
			t.Fatalf("balance %d", b)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'points.redeem'"); n != 0 {
			t.Fatalf("%d redeem audit entries (of %d)", n, auditBefore)
		}
	})
}

func TestPointsRuleIsSetByTheAdminAndApplies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		if res := admin.PostForm("/points/rule", url.Values{"per_report": {"-1"}, "daily_cap": {"5"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("bad rule: %d", res.Status)
		}
		if res := admin.PostForm("/points/rule", url.Values{"per_report": {"3"}, "daily_cap": {"5"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("rule: %d %s", res.Status, res.Body)
		}
		disp := e.API(t, "dispatcher")
		var code string
		for range 2 {
			s := pointsSnap(t, e, pointsPhone)
			pointsAccept(t, e, disp, s.ID)
			code = s.Code
		}
		if _, acc := pointsBalanceAPI(t, e.Anonymous(t), pointsPhone, code); acc.Balance != 5 {
			t.Fatalf("balance %d, want 3 + 2 (cap 5)", acc.Balance)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'points_rule'"); n != 1 {
			t.Fatalf("%d rule audit entries", n)
		}
	})
}

func TestNotifyDispatchToAUnitWithAWebhookDeliversOneSignedMessage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		secret := []byte("共享密钥")
		var mu sync.Mutex
		var got []notify.Message
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if !notify.Verify(secret, b, r.Header.Get(notify.SignatureHeader)) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			var m notify.Message
			json.Unmarshal(b, &m)
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
		}))
		defer hook.Close()
		unit := e.ID(t, "units", "code", "ST-ZGQ")
		if err := e.App.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := notify.AddChannel(ctx, tx, e.Clock.Now(), notify.Channel{UnitID: unit, Kind: notify.KindWebhook, Target: hook.URL, Active: true})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s := pointsSnap(t, e, pointsPhone)
		disp := e.API(t, "dispatcher")
		pointsAccept(t, e, disp, s.ID)
		if res := disp.JSON("POST", "/api/v1/workorders/"+strconv.FormatInt(s.ID, 10)+"/actions/dispatch", map[string]any{"unit_id": unit}); res.Status != http.StatusOK {
			t.Fatalf("dispatch: %d %s", res.Status, res.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM notify_outbox WHERE unit_id = ? AND order_code = ? AND state = 'pending'", unit, s.Code); n != 1 {
			t.Fatalf("%d outbox rows for the dispatch", n)
		}
		o := notify.New(e.App.DB, e.Clock, nil, map[string]notify.Sender{notify.KindWebhook: &notify.WebhookSender{Secret: secret, Timeout: 5 * time.Second}})
		res, err := o.Deliver(ctx)
		if err != nil || res.Sent != 1 {
			t.Fatalf("deliver: %+v %v", res, err)
		}
		if res, _ := o.Deliver(ctx); res.Sent != 0 {
			t.Fatal("delivered twice")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0].OrderCode != s.Code || got[0].UnitID != unit || !strings.Contains(got[0].Subject, "已派至本单位") {
			t.Fatalf("received %+v", got)
		}
	})
}

package orderweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// TestTheOrderPageShowsThePlaceTheTimeLeftAndTheCallersOtherOrders: a
// dispatched order's page shows its acknowledge deadline's time left, the
// district map with a pin where it was reported, and the same caller's
// other orders (only those the viewer may see, never the order itself);
// a caller with one order has none listed.
func TestTheOrderPageShowsThePlaceTheTimeLeftAndTheCallersOtherOrders(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op := e.Login(t, "operator")
		first := woIntake(t, e, op, "RUBBISH", "张公桥菜市场门口垃圾成堆", url.Values{"lat": {"29.5805"}, "lng": {"103.7485"}})
		second := woIntake(t, e, op, "NOISE", "白马路夜宵摊深夜噪音扰民", url.Values{"region_id": {idStr(e.ID(t, "regions", "code", "511102-BS"))}})
		other := woIntake(t, e, op, "PARKING", "消防通道被私家车长期占用", url.Values{"phone": {"13911112222"}})
		if res := woStep(e.Login(t, "dispatcher"), first, "dispatch", url.Values{"unit_id": {idStr(e.ID(t, "units", "code", "ST-ZGQ"))}}); res.Status != http.StatusSeeOther {
			t.Fatalf("dispatch: %d", res.Status)
		}
		disp := e.Login(t, "dispatcher")
		page := disp.Get("/orders/" + idStr(first))
		if page.Status != http.StatusOK || !page.Contains(`id="ack-left">剩 `, `class="geo-map place-map"`, "<circle", "该来电人的其他工单",
			`href="/orders/`+idStr(second)+`"`, `href="/orders/`+idStr(first)+`/print"`) {
			t.Fatalf("the order page: %d %s", page.Status, page.Body)
		}
		if page.Contains(`<li><a href="/orders/`+idStr(first)+`"`) || page.Contains(`href="/orders/`+idStr(other)+`"`) {
			t.Error("the caller's other orders list the order itself or another caller's")
		}
		if p := disp.Get("/orders/" + idStr(other)); !p.Contains("该号码没有其他工单") {
			t.Errorf("a caller with one order: %s", p.Body)
		}
		// The street office's handler sees only the caller's orders in its
		// scope (the second is in another street).
		zgq := e.Login(t, "handler_zgq").Get("/orders/" + idStr(first))
		if zgq.Status != http.StatusOK || zgq.Contains(`href="/orders/`+idStr(second)+`"`) {
			t.Errorf("the handler sees the caller's order outside their scope: %d", zgq.Status)
		}
		// The printout: the facts, the timeline and the signature lines.
		pr := disp.Get("/orders/" + idStr(first) + "/print")
		if pr.Status != http.StatusOK || !pr.Contains("乐山市 12345 政务服务便民热线工单", "张公桥菜市场门口垃圾成堆", "承办单位（盖章）", "print-sheet") {
			t.Fatalf("the printout: %d %s", pr.Status, pr.Body)
		}
		disp.Lang = "en"
		if p := disp.Get("/orders/" + idStr(first)); !p.Contains("This caller&#39;s other orders", " left</span>") {
			t.Errorf("the English order page lacks its aids")
		}
		if r := e.Anonymous(t).Get("/orders/" + idStr(first) + "/print"); r.Status == http.StatusOK {
			t.Error("an anonymous visitor prints an order")
		}
	})
}

// TestTheOperatorCallingBackReadsAScriptWithTheOrdersFacts: on a verified
// order the operator's callback form carries the script with the date,
// the title, the unit and its resolution.
func TestTheOperatorCallingBackReadsAScriptWithTheOrdersFacts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woAcknowledged(t, e, "张公桥菜市场门口垃圾成堆")
		if res := woStep(e.Login(t, "handler_zgq"), id, "resolve", url.Values{"note": {"垃圾已清运，增设垃圾桶两个"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", res.Status, res.Body)
		}
		if res := woStep(e.Login(t, "dispatcher"), id, "verify", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("verify: %d %s", res.Status, res.Body)
		}
		page := e.Login(t, "operator").Get("/orders/" + idStr(id))
		i := strings.Index(page.Body, `id="callback-script"`)
		if i < 0 {
			t.Fatalf("no callback script: %s", page.Body)
		}
		script := page.Body[i:min(len(page.Body), i+1200)]
		for _, want := range []string{"回访话术", "张公桥菜市场门口垃圾成堆", "张公桥街道办事处", "垃圾已清运，增设垃圾桶两个", "是否满意"} {
			if !strings.Contains(script, want) {
				t.Errorf("the script lacks %q: %s", want, script)
			}
		}
	})
}

package grassrootsweb_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
)

func register(t *testing.T, c *apptest.Client, grid, title string) string {
	t.Helper()
	res := c.PostForm("/grassroots/disputes", url.Values{"region_id": {grid}, "title": {title}, "kind": {"neighbours"}, "source": {"visit"},
		"description": {"两户因排水沟堵塞发生争吵"}, "party_name": {"王建华", "李志强"}, "party_side": {"applicant", "respondent"},
		"party_address": {"白燕路 3 号", "白燕路 5 号"}})
	apptest.Want(t, "register "+title, res, http.StatusSeeOther)
	return res.Header.Get("Location")
}

func TestADisputeIsMediatedToAnAgreementPrintedAsHTMLAndPDF(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		g := e.Login(t, "grid")
		grid := apptest.Itoa(e.ID(t, "regions", "code", ownGrid))
		before := e.Count(t, "SELECT COUNT(*) FROM gr_disputes")
		apptest.Want(t, "one side only", g.PostForm("/grassroots/disputes", url.Values{"region_id": {grid}, "title": {"x"}, "kind": {"land"},
			"source": {"walk_in"}, "description": {"y"}, "party_name": {"甲"}, "party_side": {"applicant"}}), http.StatusBadRequest, "至少填写一名申请人和一名被申请人")
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_disputes"); n != before {
			t.Fatal("a refused dispute was saved")
		}
		d := register(t, g, grid, "排水沟纠纷")
		step := func(vals url.Values, status int, want ...string) {
			t.Helper()
			apptest.Want(t, "step "+vals.Get("action"), g.PostForm(d+"/step", vals), status, want...)
		}
		step(url.Values{"action": {"check"}}, http.StatusConflict, "当前状态下不能办理这一步")
		step(url.Values{"action": {"assign"}, "mediator": {"村人民调解委员会 张德明"}}, http.StatusSeeOther)
		step(url.Values{"action": {"session"}, "note": {"双方到场，陈述各自意见"}}, http.StatusSeeOther)
		step(url.Values{"action": {"agree"}, "facts": {"排水沟被杂物堵塞，雨水漫入王家院内。"}, "duties": {"李志强：清理排水沟杂物。\n王建华：承担一半清理费用 200 元。"},
			"how": {"李志强清理，王建华现金支付"}, "due_on": {"2026-12-15"}}, http.StatusSeeOther)
		page := g.Get(d)
		apptest.Want(t, "agreed", page, http.StatusOK, "达成协议", "双方到场")
		print := g.Get(d + "/agreement")
		apptest.Want(t, "print", print, http.StatusOK, "人民调解协议书", "申请人：王建华", "清理排水沟杂物", "2026-12-15")
		res := g.Get(d + "/agreement.pdf")
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		pdftext.Keep(t, "grassroots-agreement", res.Raw)
		text := strings.Join(strings.Fields(pdftext.Text(t, res.Raw)), "")
		for _, want := range []string{"人民调解协议书", "申请人：王建华", "被申请人：李志强", "排水沟被杂物堵塞", "承担一半清理费用200元", "2026-12-15", "人民调解委员会"} {
			if !strings.Contains(text, want) {
				t.Errorf("pdftotext lacks %q:\n%s", want, text)
			}
		}
		step(url.Values{"action": {"check"}, "note": {"已清理，费用已付"}}, http.StatusSeeOther)
		step(url.Values{"action": {"follow_up"}, "note": {"回访：双方满意"}}, http.StatusSeeOther)
		apptest.Want(t, "closed", g.Get(d), http.StatusOK, `id="d-state">已结案<`)
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_disputes WHERE settled_level = 'village' AND state = 'closed' AND title = '排水沟纠纷'"); n != 1 {
			t.Fatal("not settled in the village")
		}
		// Another scope's dispute is 404 by every route.
		e.Exec(t, "UPDATE gr_disputes SET region_path = '/0/' WHERE title = '排水沟纠纷'")
		for _, path := range []string{d, d + "/agreement", d + "/agreement.pdf"} {
			apptest.Want(t, "other "+path, g.Get(path), http.StatusNotFound)
		}
		apptest.Want(t, "other step", g.PostForm(d+"/step", url.Values{"action": {"close"}}), http.StatusNotFound)
	})
}

func TestADisputePastItsLimitEscalatesOnceEvenWithTwoRunners(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		g := e.Login(t, "grid")
		grid := apptest.Itoa(e.ID(t, "regions", "code", ownGrid))
		d := register(t, g, grid, "测试宅基地纠纷")
		fresh := register(t, g, grid, "测试新纠纷")
		ctx := context.Background()
		run := func() {
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := e.App.Grass.EscalateOverdue(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		e.Clock.Advance(29 * 24 * time.Hour)
		run()
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_disputes WHERE level <> 'village' AND title LIKE '测试%'"); n != 0 {
			t.Fatal("escalated before the limit")
		}
		// An extension (once, with a reason) moves the first one's limit a month on.
		g = e.Login(t, "grid") // the session did not outlive the month
		apptest.Want(t, "extend without a reason", g.PostForm(fresh+"/step", url.Values{"action": {"extend"}}), http.StatusBadRequest)
		apptest.Want(t, "extend", g.PostForm(fresh+"/step", url.Values{"action": {"extend"}, "note": {"当事人外出务工"}}), http.StatusSeeOther)
		apptest.Want(t, "extend twice", g.PostForm(fresh+"/step", url.Values{"action": {"extend"}, "note": {"again"}}), http.StatusConflict)
		e.Clock.Advance(3 * 24 * time.Hour)
		run()
		apptest.Want(t, "escalated to the street", e.Login(t, "admin").Get(d), http.StatusOK, `id="d-level">乡镇（街道）`, "已上报")
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_dispute_events e JOIN gr_disputes d ON d.id = e.dispute_id WHERE e.action = 'escalate' AND d.title LIKE '测试%'"); n != 1 {
			t.Fatalf("escalate events: %d, want 1 (two runners, one escalation)", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_disputes WHERE title = '测试新纠纷' AND level = 'village'"); n != 1 {
			t.Fatal("the extended dispute escalated")
		}
		e.Clock.Advance(32 * 24 * time.Hour)
		run()
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_disputes WHERE title = '测试宅基地纠纷' AND level = 'county'"); n != 1 {
			t.Fatal("not escalated to the county")
		}
		e.Clock.Advance(32 * 24 * time.Hour)
		run()
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_dispute_events e JOIN gr_disputes d ON d.id = e.dispute_id WHERE e.action = 'escalate' AND d.title LIKE '测试%'"); n != 4 {
			t.Fatalf("escalate events: %d, want 4 (street and county for each; none above the county)", n)
		}
	})
}

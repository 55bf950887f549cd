package notifyweb_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

func TestAdminManagesAUnitsNotificationChannelsOnItsPageWithAuditAndScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		cg := e.ID(t, "units", "code", "DEPT-CG")
		base := "/units/" + apptest.Itoa(cg) + "/channels"

		apptest.Want(t, "unit page links the channels", admin.Get("/units/"+apptest.Itoa(cg)+"/edit"), http.StatusOK, `href="`+base+`"`)
		apptest.Want(t, "empty", admin.Get(base), http.StatusOK, "通知渠道", "尚未配置通知渠道", `action="`+base+`"`)

		// Bad addresses are refused with the reason and change nothing.
		res := admin.PostForm(base, url.Values{"kind": {"webhook"}, "target": {"ftp://hooks.leshan.gov.cn/cg"}})
		apptest.Want(t, "ftp webhook", res, http.StatusBadRequest, "请填写以 http:// 或 https:// 开头", `value="ftp://hooks.leshan.gov.cn/cg"`)
		res = admin.PostForm(base, url.Values{"kind": {"email"}, "target": {"城管 <cg@leshan.gov.cn>"}})
		apptest.Want(t, "named e-mail", res, http.StatusBadRequest, "请填写一个有效的邮箱地址")
		if n := e.Count(t, "SELECT COUNT(*) FROM notify_channels WHERE unit_id = ?", cg); n != 0 {
			t.Fatalf("%d channels after refusals", n)
		}

		apptest.Want(t, "add webhook", admin.PostForm(base, url.Values{"kind": {"webhook"}, "target": {"https://hooks.leshan.gov.cn/cg"}}), http.StatusSeeOther)
		apptest.Want(t, "add e-mail", admin.PostForm(base, url.Values{"kind": {"email"}, "target": {"cg@leshan.gov.cn"}}), http.StatusSeeOther)
		apptest.Want(t, "same again", admin.PostForm(base, url.Values{"kind": {"email"}, "target": {"CG@leshan.gov.cn"}}), http.StatusConflict, "该地址已配置过")
		hook := e.ID(t, "notify_channels", "target", "https://hooks.leshan.gov.cn/cg")
		apptest.Want(t, "listed", admin.Get(base), http.StatusOK, "https://hooks.leshan.gov.cn/cg", "cg@leshan.gov.cn", "停用")

		apptest.Want(t, "deactivate", admin.PostForm(base+"/"+apptest.Itoa(hook), url.Values{}), http.StatusSeeOther)
		if n := e.Count(t, "SELECT COUNT(*) FROM notify_channels WHERE id = ? AND active = FALSE", hook); n != 1 {
			t.Fatal("the webhook is still active")
		}
		apptest.Want(t, "activate", admin.PostForm(base+"/"+apptest.Itoa(hook), url.Values{"active": {"1"}}), http.StatusSeeOther)
		apptest.Want(t, "delete", admin.PostForm(base+"/"+apptest.Itoa(hook)+"/delete", nil), http.StatusSeeOther)
		if n := e.Count(t, "SELECT COUNT(*) FROM notify_channels WHERE unit_id = ?", cg); n != 1 {
			t.Fatalf("%d channels left, want the e-mail", n)
		}
		for _, a := range []struct {
			action string
			n      int64
		}{{"create", 1}, {"update", 2}, {"delete", 1}} {
			if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'notify_channel' AND entity_id = ? AND action = ? AND actor_name = 'admin'",
				apptest.Itoa(hook), a.action); n != a.n {
				t.Errorf("%d %s audit entries for the webhook, want %d", n, a.action, a.n)
			}
		}

		// A reader sees the list without the forms and cannot post; a handler of
		// another district does not see the unit at all.
		leader := e.Login(t, "leader")
		res = leader.Get(base)
		if res.Status != http.StatusOK || !res.Contains("cg@leshan.gov.cn") || res.Contains(`action="`+base+`"`) {
			t.Fatalf("leader's page: %d", res.Status)
		}
		apptest.Want(t, "leader adds", leader.PostForm(base, url.Values{"kind": {"email"}, "target": {"x@leshan.gov.cn"}}), http.StatusForbidden)
		apptest.Want(t, "out of scope", e.Login(t, "handler_swq").Get(base), http.StatusNotFound)

		// The API does the same.
		api := e.API(t, "admin")
		res = api.JSON("POST", "/api/v1/units/"+apptest.Itoa(cg)+"/channels", map[string]string{"kind": "webhook", "target": "http://10.1.2.3:8080/hook"})
		var ch struct {
			ID     int64 `json:"id"`
			Active bool  `json:"active"`
		}
		res.Decode(&ch)
		if res.Status != http.StatusCreated || !ch.Active {
			t.Fatalf("API add: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "API bad", api.JSON("POST", "/api/v1/units/"+apptest.Itoa(cg)+"/channels", map[string]string{"kind": "webhook", "target": "https://"}),
			http.StatusBadRequest, `"target"`)
		apptest.Want(t, "API off", api.JSON("PUT", "/api/v1/units/"+apptest.Itoa(cg)+"/channels/"+apptest.Itoa(ch.ID), map[string]bool{"active": false}),
			http.StatusOK, `"active":false`)
		apptest.Want(t, "API list", api.JSON("GET", "/api/v1/units/"+apptest.Itoa(cg)+"/channels", nil), http.StatusOK, "http://10.1.2.3:8080/hook", "cg@leshan.gov.cn")
		apptest.Want(t, "API delete", api.JSON("DELETE", "/api/v1/units/"+apptest.Itoa(cg)+"/channels/"+apptest.Itoa(ch.ID), nil), http.StatusNoContent)
		apptest.Want(t, "API delete again", api.JSON("DELETE", "/api/v1/units/"+apptest.Itoa(cg)+"/channels/"+apptest.Itoa(ch.ID), nil), http.StatusNotFound)
	})
}

func TestAUserSetsTheirOwnNotificationEmailFromTheirAccountPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "handler_cg")
		apptest.Want(t, "password page links it", c.Get("/account/password"), http.StatusOK, `href="/account/email"`)
		apptest.Want(t, "page", c.Get("/account/email"), http.StatusOK, "通知邮箱", `name="email"`)
		res := c.PostForm("/account/email", url.Values{"email": {"not an address"}})
		apptest.Want(t, "bad", res, http.StatusBadRequest, "请填写一个有效的邮箱地址", `value="not an address"`)
		apptest.Want(t, "good", c.PostForm("/account/email", url.Values{"email": {"liu.deyong@leshan.gov.cn"}}), http.StatusSeeOther)
		user := e.ID(t, "users", "username", "handler_cg")
		if n := e.Count(t, "SELECT COUNT(*) FROM notify_channels WHERE user_id = ? AND kind = 'email' AND target = 'liu.deyong@leshan.gov.cn' AND active = TRUE", user); n != 1 {
			t.Fatal("the address was not stored")
		}
		apptest.Want(t, "shown", c.Get("/account/email"), http.StatusOK, `value="liu.deyong@leshan.gov.cn"`, "删除邮箱")

		api := e.API(t, "handler_cg")
		apptest.Want(t, "API get", api.JSON("GET", "/api/v1/me/email", nil), http.StatusOK, `"email":"liu.deyong@leshan.gov.cn"`)
		apptest.Want(t, "API bad", api.JSON("PUT", "/api/v1/me/email", map[string]string{"email": "x@"}), http.StatusBadRequest, `"email"`)
		apptest.Want(t, "API remove", api.JSON("PUT", "/api/v1/me/email", map[string]string{"email": ""}), http.StatusOK, `"email":""`)
		if n := e.Count(t, "SELECT COUNT(*) FROM notify_channels WHERE user_id = ?", user); n != 0 {
			t.Fatalf("%d channels after removal", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'notify_channel' AND actor_name = 'handler_cg'"); n != 2 {
			t.Fatalf("%d audit entries (add, remove)", n)
		}
	})
}

func TestAdminSeesTheOutboxByStateAndRetriesAFailedMessage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		cg := e.ID(t, "units", "code", "DEPT-CG")
		now := e.Clock.Now().UnixMilli()
		var failed int64
		err := e.App.DB.Write(context.Background(), func(tx *db.Tx) error {
			ins := func(state string, attempts int, lastErr string) (int64, error) {
				return tx.InsertID(context.Background(), `INSERT INTO notify_outbox (channel, target, unit_id, kind, order_code, subject, body,
					state, attempts, next_at, last_error, created_at) VALUES ('webhook', 'https://hooks.leshan.gov.cn/cg', ?, 'dispatched', 'AB12CD34',
					'【文明城市】新工单', '正文', ?, ?, ?, ?, ?) RETURNING id`, cg, state, attempts, now, lastErr, now)
			}
			var err error
			if failed, err = ins("failed", 8, "webhook: 502 Bad Gateway"); err != nil {
				return err
			}
			if _, err = ins("sent", 1, ""); err != nil {
				return err
			}
			_, err = ins("pending", 2, "dial tcp: connection refused")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		admin := e.Login(t, "admin")
		apptest.Want(t, "menu", admin.Get("/"), http.StatusOK, `href="/notify/outbox"`)
		res := admin.Get("/notify/outbox?state=failed")
		apptest.Want(t, "failed", res, http.StatusOK, "webhook: 502 Bad Gateway", "市城市管理局", "立即重试", "共 1 条")
		if res.Contains("connection refused") {
			t.Fatal("the filter shows a pending message")
		}
		apptest.Want(t, "all", admin.Get("/notify/outbox"), http.StatusOK, "共 3 条", "connection refused")
		apptest.Want(t, "bad state", admin.Get("/notify/outbox?state=lost"), http.StatusBadRequest)

		res = admin.PostForm("/notify/outbox/"+apptest.Itoa(failed)+"/retry?state=failed", nil)
		apptest.Want(t, "retry", res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/notify/outbox?state=failed" {
			t.Fatalf("after retry: %q", loc)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM notify_outbox WHERE id = ? AND state = 'pending' AND next_at <= ? AND attempts = 8", failed, e.Clock.Now().UnixMilli()); n != 1 {
			t.Fatal("the message is not due again")
		}
		apptest.Want(t, "retry a pending one", admin.PostForm("/notify/outbox/"+apptest.Itoa(failed)+"/retry", nil), http.StatusConflict, "只有发送失败的通知可以重试")
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'notify_outbox' AND entity_id = ? AND actor_name = 'admin'", apptest.Itoa(failed)); n != 1 {
			t.Fatalf("%d audit entries for the retry", n)
		}

		apptest.Want(t, "leader", e.Login(t, "leader").Get("/notify/outbox"), http.StatusForbidden)
		api := e.API(t, "admin")
		apptest.Want(t, "API list", api.JSON("GET", "/api/v1/notify/outbox?state=pending", nil), http.StatusOK, `"total":2`, `"attempts":8`)
		apptest.Want(t, "API retry", api.JSON("POST", "/api/v1/notify/outbox/"+apptest.Itoa(failed)+"/retry", nil), http.StatusConflict)
	})
}

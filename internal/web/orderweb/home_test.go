package orderweb_test

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
)

var homeTileRe = regexp.MustCompile(`<a class="tile[^"]*" href="([^"]*)"><span class="n">([^<]*)</span><span class="l">([^<]*)</span>(?:<span class="note">([^<]*)</span>)?`)

type homeTile struct{ href, n, note string }

func homeTiles(t *testing.T, c *apptest.Client) map[string]homeTile {
	t.Helper()
	res := c.Get("/")
	if res.Status != 200 {
		t.Fatalf("home: %d", res.Status)
	}
	out := map[string]homeTile{}
	for _, m := range homeTileRe.FindAllStringSubmatch(res.Body, -1) {
		out[html.UnescapeString(m[3])] = homeTile{html.UnescapeString(m[1]), m[2], html.UnescapeString(m[4])}
	}
	return out
}

// listed counts the orders of a queue link through the API, every page.
func listed(t *testing.T, api *apptest.Client, href string) (int, []string) {
	t.Helper()
	u, _ := url.Parse(href)
	n, states := 0, []string{}
	for page := 1; page < 40; page++ {
		res := api.Get("/api/v1/workorders?" + u.RawQuery + "&size=100&page=" + strconv.Itoa(page))
		if res.Status != 200 {
			t.Fatalf("%s: %d %s", href, res.Status, res.Body)
		}
		var l struct {
			Items []struct{ State string }
			More  bool
		}
		if err := json.Unmarshal(res.Raw, &l); err != nil {
			t.Fatal(err)
		}
		n += len(l.Items)
		for _, it := range l.Items {
			states = append(states, it.State)
		}
		if !l.More {
			break
		}
	}
	return n, states
}

// TestEachRoleLandsOnItsWorkAndEveryCountIsItsList: the dispatcher's,
// handler's and operator's homes show their own counts, each equal to the
// queue it links to; the leader's the cockpit's figures; the inspector an
// honest note of what will be there; the queue's "my to-do" holds the
// orders waiting for the viewer, nearest deadline first, and "my done"
// those the viewer acted on.
func TestEachRoleLandsOnItsWorkAndEveryCountIsItsList(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		op, disp, zgq := e.Login(t, "operator"), e.Login(t, "dispatcher"), e.Login(t, "handler_zgq")
		zgqUnit := idStr(e.ID(t, "units", "code", "ST-ZGQ"))
		var ids []int64
		for i := range 4 {
			ids = append(ids, woIntake(t, e, op, "STREET_VENDING", "好吃街门口流动摊贩占道经营第"+strconv.Itoa(i)+"处", nil))
		}
		for _, id := range ids[:3] {
			woStep(disp, id, "accept", nil)
			woStep(disp, id, "dispatch", url.Values{"unit_id": {zgqUnit}})
		}
		// The flash says where the order went.
		if page := disp.Get("/orders/" + idStr(ids[2])); !page.Contains(`<div class="flash" role="status">已派单至 市中区张公桥街道办事处。</div>`) {
			t.Errorf("dispatch flash: %s", page.Body)
		}
		woStep(zgq, ids[0], "acknowledge", nil)
		woStep(zgq, ids[1], "acknowledge", nil)
		woStep(zgq, ids[1], "resolve", url.Values{"note": {"已清理"}})

		for _, c := range []struct {
			user   string
			labels []string
		}{
			{"dispatcher", []string{"待受理", "待派单", "待审核", "超期督办", "延期申请"}},
			{"handler_zgq", []string{"待签收", "办理中", "即将超期", "已超期", "被退回/重办"}},
			{"operator", []string{"今日来电", "待回访"}},
		} {
			tiles := homeTiles(t, e.Login(t, c.user))
			api := e.API(t, c.user)
			for _, l := range c.labels {
				tl, ok := tiles[l]
				if !ok {
					t.Errorf("%s: no tile %s in %v", c.user, l, tiles)
					continue
				}
				n, _ := listed(t, api, tl.href)
				if strconv.Itoa(n) != tl.n {
					t.Errorf("%s %s: tile %s, its list %d (%s)", c.user, l, tl.n, n, tl.href)
				}
			}
		}
		tiles := homeTiles(t, zgq)
		if tiles["待签收"].n != "1" || tiles["办理中"].n != "1" {
			t.Errorf("handler: %+v", tiles)
		}
		if tl := homeTiles(t, disp)["待受理"]; tl.n != "1" {
			t.Errorf("dispatcher 待受理 = %s", tl.n)
		}
		if tl := homeTiles(t, op)["今日来电"]; tl.n != "4" {
			t.Errorf("operator calls today = %s", tl.n)
		}
		// Due soon: an acknowledge deadline within a day shows the time left.
		e.Clock.Advance(2 * time.Hour)
		if soon := homeTiles(t, zgq)["即将超期"]; !strings.Contains(soon.note, "剩") && !strings.Contains(soon.note, "24 小时内") {
			t.Errorf("due soon note %q", soon.note)
		}
		// The leader sees the cockpit's figures, the inspector this week's round.
		leader := e.Login(t, "leader").Get("/")
		if !leader.Contains("本季度全市数据", "受理量", "满意率", `href="/dashboard"`) || leader.Contains("待签收") {
			t.Errorf("leader's home: %s", leader.Body)
		}
		insp := e.Login(t, "inspector").Get("/")
		if !insp.Contains("我的工作", "本周待督查点位", `href="/inspection/my"`) || insp.Contains("督查功能上线后") {
			t.Errorf("inspector's home: %s", insp.Body)
		}
		enInsp := e.Login(t, "inspector")
		enInsp.Lang = "en"
		if r := enInsp.Get("/"); r.Contains("Your work will show here") {
			t.Errorf("English inspector's home still says its work will come")
		}
		// My to-do: the handler's three, nearest deadline first; my done: two.
		zapi := e.API(t, "handler_zgq")
		n, states := listed(t, zapi, "/orders?tab=todo")
		if n != 2 {
			t.Errorf("handler's to-do: %d %v", n, states)
		}
		for _, st := range states {
			if st != "dispatched" && st != "acknowledged" && st != "reopened" {
				t.Errorf("to-do holds a %s order", st)
			}
		}
		if n, _ := listed(t, zapi, "/orders?tab=done"); n != 2 {
			t.Errorf("handler's done: %d", n)
		}
		if n, _ := listed(t, e.API(t, "dispatcher"), "/orders?tab=todo"); n < 2 {
			t.Errorf("dispatcher's to-do: %d", n)
		}
		page := zgq.Get("/orders?tab=todo")
		if !page.Contains(`aria-current="page">我的待办`, "剩 ") {
			t.Errorf("to-do tab page: %s", page.Body)
		}
		if r := zgq.Get("/orders?tab=mine"); r.Status != 400 {
			t.Errorf("bad tab: %d", r.Status)
		}
	})
}

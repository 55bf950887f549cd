package grassrootsweb_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/grassroots"
)

// Each demo cadre's visits, meetings and audience are counted from the
// rows tying them to the cadre: every visit and meeting names the two
// cadres of its village, so the cadres' counts add up to twice the
// seed's figures, and a county-level cadre's visits are the visits of the
// village they were sent to, counted by hand; the cadre list and page
// show them, and the campaign page its tasks.
func TestEachCadresWorkIsCountedFromRowsAndAddsUpToTheCampaign(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ws, err := e.App.Grass.CadresWork(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var visits, households, meetings, audience int64
		for _, w := range ws {
			visits += w.Visits
			households += w.Households
			meetings += w.Meetings
			audience += w.Audience
		}
		if visits != 2*4017 || households != 2*4017 || meetings != 2*159 || audience != 2*13418 {
			t.Errorf("cadres' sums: %d visits, %d households, %d meetings, %d audience", visits, households, meetings, audience)
		}
		if n := e.Count(t, `SELECT COUNT(*) FROM gr_visits v WHERE v.idem_key LIKE 'demo-%' AND v.idem_key NOT LIKE 'demo-street-%'
			AND (SELECT COUNT(*) FROM gr_visit_cadres x WHERE x.visit_id = v.id) <> 2`); n != 0 {
			t.Errorf("%d demo county visits without their two cadres", n)
		}
		cadre := e.Count(t, "SELECT MIN(c.id) FROM gr_cadres c JOIN gr_dispatches x ON x.cadre_id = c.id WHERE c.rank = 'county'")
		village := e.Count(t, "SELECT region_id FROM gr_dispatches WHERE cadre_id = ?", cadre)
		byHand := e.Count(t, `SELECT COUNT(*) FROM gr_visits v JOIN regions g ON g.path = v.region_path WHERE g.parent_id = ?`, village)
		var mine grassroots.CadreWork
		for _, w := range ws {
			if w.ID == cadre {
				mine = w
			}
		}
		if byHand == 0 || mine.Visits != byHand {
			t.Errorf("cadre %d: %d visits, %d by hand in village %d", cadre, mine.Visits, byHand, village)
		}
		admin := e.Login(t, "admin")
		apptest.Want(t, "cadre list", admin.Get("/grassroots/cadres"), http.StatusOK, `id="cadre-list"`,
			fmt.Sprintf(`href="/grassroots/cadres/%d"`, cadre))
		apptest.Want(t, "cadre page", admin.Get("/grassroots/cadres/"+apptest.Itoa(cadre)), http.StatusOK,
			fmt.Sprintf(`id="w-visits">%d<`, byHand), fmt.Sprintf(`id="w-meetings">%d<`, mine.Meetings), `id="w-villages">1<`)
		apptest.Want(t, "another grid's worker", e.Login(t, "grid").Get("/grassroots/cadres/"+apptest.Itoa(cadre)), http.StatusNotFound)
		id := e.Count(t, "SELECT id FROM gr_campaigns WHERE name = ?", grassroots.DemoCampaignName)
		apptest.Want(t, "campaign tasks", admin.Get("/grassroots/campaigns/"+apptest.Itoa(id)), http.StatusOK,
			`id="c-tasks">已完成 4 项，共 8 项<`, "制定一学三促活动实施方案", "已逾期")
	})
}

// A task is refused with a message on each bad field and nothing saved;
// a good one is saved and shown, moves only as the rule allows, and
// counts on its owner's page.
func TestCampaignTasksAreValidatedMoveByTheRuleAndShowOnTheCampaignAndCadrePages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		id := apptest.Itoa(e.Count(t, "SELECT id FROM gr_campaigns WHERE name = ?", grassroots.DemoCampaignName))
		owner := e.Count(t, "SELECT MAX(id) FROM gr_cadres WHERE rank = 'section'")
		before := e.Count(t, "SELECT COUNT(*) FROM gr_campaign_tasks")
		res := admin.PostForm("/grassroots/campaigns/"+id+"/tasks", url.Values{"title": {""}, "owner_id": {"999999"}, "due_on": {"2027-01-10"}})
		apptest.Want(t, "bad task", res, http.StatusBadRequest, "必填", "须在活动期间 2026-09-01 至 2026-11-30 内")
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_campaign_tasks"); n != before {
			t.Fatal("a refused task was saved")
		}
		apptest.Want(t, "task", admin.PostForm("/grassroots/campaigns/"+id+"/tasks", url.Values{"title": {"整理走访台账"},
			"owner_id": {apptest.Itoa(owner)}, "due_on": {"2026-11-28"}, "note": {"按村汇总"}}), http.StatusSeeOther)
		task := apptest.Itoa(e.Count(t, "SELECT MAX(id) FROM gr_campaign_tasks"))
		apptest.Want(t, "shown", admin.Get("/grassroots/campaigns/"+id), http.StatusOK, "整理走访台账", "按村汇总", `id="c-tasks">已完成 4 项，共 9 项<`)
		apptest.Want(t, "to done", admin.PostForm("/grassroots/campaigns/"+id+"/tasks/"+task+"/state", url.Values{"state": {"done"}}), http.StatusSeeOther)
		if st := e.Count(t, "SELECT COUNT(*) FROM gr_campaign_tasks WHERE id = ? AND state = 'done' AND done_on IS NOT NULL", task); st != 1 {
			t.Fatal("the task is not done")
		}
		res = admin.PostForm("/grassroots/campaigns/"+id+"/tasks/"+task+"/state", url.Values{"state": {"open"}})
		if res.Status < 400 {
			t.Fatalf("done → open allowed: %d", res.Status)
		}
		if st := e.Count(t, "SELECT COUNT(*) FROM gr_campaign_tasks WHERE id = ? AND state = 'done'", task); st != 1 {
			t.Fatal("a refused move changed the task")
		}
		apptest.Want(t, "owner's page", admin.Get("/grassroots/cadres/"+apptest.Itoa(owner)), http.StatusOK, "整理走访台账", `id="w-tasks">已完成 1 项，共 1 项<`)
	})
}

// A visit and a meeting that name dispatched cadres count on those
// cadres' rows; a cadre that does not exist is refused on its field.
func TestAVisitAndAMeetingNamingCadresCountForThem(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		cadre := e.Count(t, "SELECT MIN(cadre_id) FROM gr_dispatches")
		ws := func() grassroots.CadreWork {
			t.Helper()
			all, err := e.App.Grass.CadresWork(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range all {
				if w.ID == cadre {
					return w
				}
			}
			t.Fatalf("cadre %d not listed", cadre)
			return grassroots.CadreWork{}
		}
		was := ws()
		hid := e.Count(t, "SELECT MIN(h.id) FROM gr_households h WHERE h.region_path LIKE ?", "%/"+apptest.Itoa(e.ID(t, "regions", "code", grassroots.DemoCountyCode))+"/%")
		vals := url.Values{"household_id": {apptest.Itoa(hid)}, "visitors": {"驻村干部"}, "visited_at": {"2026-11-29T08:30"},
			"people_reached": {"3"}, "key": {"cadre-visit-1"}, "cadre_ids": {"999999"}}
		if st, out := postVisit(t, e, admin, vals, nil); st != http.StatusBadRequest || fmt.Sprint(out) == "" {
			t.Fatalf("unknown cadre: %d %v", st, out)
		}
		vals.Set("cadre_ids", apptest.Itoa(cadre))
		st, out := postVisit(t, e, admin, vals, nil)
		if st >= 300 {
			t.Fatalf("visit: %d %v", st, out)
		}
		visit := e.Count(t, "SELECT id FROM gr_visits WHERE idem_key LIKE ?", "%:cadre-visit-1")
		apptest.Want(t, "the visit names its cadre", admin.Get("/grassroots/visits/"+apptest.Itoa(visit)), http.StatusOK,
			`id="visit-cadres"`, fmt.Sprintf(`href="/grassroots/cadres/%d"`, cadre))
		campaign := apptest.Itoa(e.Count(t, "SELECT id FROM gr_campaigns WHERE name = ?", grassroots.DemoCampaignName))
		venue := e.Count(t, "SELECT MIN(id) FROM gr_venues")
		mv := url.Values{"csrf": {admin.CSRF()}, "venue_id": {apptest.Itoa(venue)}, "topic": {"乡村振兴政策宣讲"}, "speakers": {"驻村干部"},
			"held_on": {"2026-11-20"}, "audience": {"40"}, "speaker_ids": {apptest.Itoa(cadre)}}
		apptest.Want(t, "meeting", e.PostMultipart(t, admin, "/grassroots/campaigns/"+campaign+"/meetings", mv), http.StatusSeeOther)
		now := ws()
		if now.Visits != was.Visits+1 || now.Meetings != was.Meetings+1 || now.Audience != was.Audience+40 {
			t.Errorf("cadre work %+v → %+v", was, now)
		}
		apptest.Want(t, "visit form lists the cadres", admin.Get("/grassroots/visits/new"), http.StatusOK, `id="visit-cadres"`, `name="cadre_ids"`)
	})
}

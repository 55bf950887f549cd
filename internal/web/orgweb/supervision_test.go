package orgweb_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

type areasBody struct {
	UnitID int64 `json:"unit_id"`
	Items  []struct {
		RegionID   int64  `json:"region_id"`
		RegionCode string `json:"region_code"`
	} `json:"items"`
}

func TestTheDemoCityHasEveryRegionCoveredByASupervisionGroup(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		if n := e.Count(t, `SELECT COUNT(*) FROM regions r WHERE NOT EXISTS (SELECT 1 FROM supervision_areas sa
			JOIN regions ar ON ar.id = sa.region_id WHERE r.path LIKE ar.path || '%')`); n != 0 {
			t.Fatalf("%d regions no supervision group covers", n)
		}
		if n := e.Count(t, "SELECT COUNT(DISTINCT unit_id) FROM supervision_areas"); n != 17 {
			t.Fatalf("%d groups have areas, want all 17", n)
		}
		admin := e.Login(t, "admin")
		// A grid of 市中区's first street: the first group through the city; a
		// community of 泊水街道: the second; a town of 沙湾区: the ninth, through the district.
		for _, c := range []struct{ code, group, via string }{
			{"511102-ZGQ-01-G1", "第一督导组", "乐山市"},
			{"511102-BS-01", "第二督导组", "泊水街道"},
			{"511111-SWZ", "第九督导组", "沙湾区"},
			{"511132", "第十一督导组", ""},
			{"511102", "第一督导组", "乐山市"},
			{"511100", "第一督导组", ""},
		} {
			res := admin.Get("/regions/" + apptest.Itoa(e.ID(t, "regions", "code", c.code)) + "/edit")
			frags := []string{"覆盖本区域的督导组", c.group}
			if c.via != "" {
				frags = append(frags, "通过上级区域“"+c.via+"”")
			}
			apptest.Want(t, c.code, res, http.StatusOK, frags...)
		}
		// A handler of a 沙湾区 town sees which city group supervises it.
		swq := e.Login(t, "handler_swq")
		res := swq.Get("/regions/" + apptest.Itoa(e.ID(t, "regions", "code", "511111-SWZ-01")) + "/edit")
		apptest.Want(t, "handler's region page", res, http.StatusOK, "第九督导组")
	})
}

func TestAdminSetsASupervisionGroupsAreasOnItsPageAndTheAPIWithAuditAndScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		sg2 := e.ID(t, "units", "code", "SG02")
		bs := e.ID(t, "regions", "code", "511102-BS")
		bs1 := e.ID(t, "regions", "code", "511102-BS-01")
		ht := e.ID(t, "regions", "code", "511102-HT")

		res := admin.Get("/units/" + apptest.Itoa(sg2) + "/edit")
		apptest.Want(t, "group page", res, http.StatusOK, "责任片区", "泊水街道", `name="region_ids" multiple`,
			`<option value="`+apptest.Itoa(bs)+`" selected>`)
		// Another kind of unit has no areas section.
		res = admin.Get("/units/" + apptest.Itoa(e.ID(t, "units", "code", "DEPT-CG")) + "/edit")
		if res.Status != http.StatusOK || res.Contains("责任片区") {
			t.Fatalf("department page: %d, areas section shown", res.Status)
		}

		// A street and its own community: refused with the reason, nothing changed.
		res = admin.PostForm("/units/"+apptest.Itoa(sg2)+"/areas", url.Values{"region_ids": {apptest.Itoa(bs), apptest.Itoa(bs1)}})
		apptest.Want(t, "nested", res, http.StatusBadRequest, "上级区域已包含其全部下级", `value="第二督导组"`,
			`<option value="`+apptest.Itoa(bs1)+`" selected>`)
		if n := e.Count(t, "SELECT COUNT(*) FROM supervision_areas WHERE unit_id = ?", sg2); n != 1 {
			t.Fatalf("%d areas after a refused change", n)
		}
		res = admin.PostForm("/units/"+apptest.Itoa(sg2)+"/areas", url.Values{"region_ids": {apptest.Itoa(bs), apptest.Itoa(ht)}})
		apptest.Want(t, "save", res, http.StatusSeeOther)
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'supervision_areas' AND entity_id = ? AND actor_name = 'admin' AND summary LIKE ?",
			apptest.Itoa(sg2), "%+511102-HT%"); n != 1 {
			t.Fatalf("%d audit entries for the change", n)
		}
		// 海棠街道 now has two groups (SG02 and SG03): both are shown.
		res = admin.Get("/regions/" + apptest.Itoa(ht) + "/edit")
		apptest.Want(t, "shared street", res, http.StatusOK, "第二督导组", "第三督导组")

		// The API reads and replaces them.
		api := e.API(t, "admin")
		res = api.JSON("GET", "/api/v1/units/"+apptest.Itoa(sg2)+"/areas", nil)
		var got areasBody
		res.Decode(&got)
		if res.Status != http.StatusOK || got.UnitID != sg2 || len(got.Items) != 2 || got.Items[0].RegionCode != "511102-BS" {
			t.Fatalf("GET areas: %d %s", res.Status, res.Body)
		}
		res = api.JSON("PUT", "/api/v1/units/"+apptest.Itoa(sg2)+"/areas", map[string]any{"region_ids": []int64{bs}})
		res.Decode(&got)
		if res.Status != http.StatusOK || len(got.Items) != 1 {
			t.Fatalf("PUT areas: %d %s", res.Status, res.Body)
		}
		res = api.JSON("PUT", "/api/v1/units/"+apptest.Itoa(e.ID(t, "units", "code", "DEPT-CG"))+"/areas", map[string]any{"region_ids": []int64{bs}})
		apptest.Want(t, "PUT on a department", res, http.StatusBadRequest, "只有督导组可以划分责任片区")
		// A reader may look but not change; a district handler does not see a city group at all.
		leader := e.API(t, "leader")
		apptest.Want(t, "leader GET", leader.JSON("GET", "/api/v1/units/"+apptest.Itoa(sg2)+"/areas", nil), http.StatusOK)
		apptest.Want(t, "leader PUT", leader.JSON("PUT", "/api/v1/units/"+apptest.Itoa(sg2)+"/areas", map[string]any{"region_ids": []int64{}}), http.StatusForbidden)
		swq := e.API(t, "handler_swq")
		apptest.Want(t, "out of scope", swq.JSON("GET", "/api/v1/units/"+apptest.Itoa(sg2)+"/areas", nil), http.StatusNotFound)
		if n := e.Count(t, "SELECT COUNT(*) FROM supervision_areas WHERE unit_id = ?", sg2); n != 1 {
			t.Fatalf("%d areas after refused calls", n)
		}
	})
}

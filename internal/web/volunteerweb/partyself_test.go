package volunteerweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
)

// TestAPartyMemberRegistersOnThePhoneAndGetsTheCard, on both engines: the
// public menu links the registration; a bad one names the fields in both
// languages and saves nothing; a good one waits for the community, whose
// organiser approves it; the member's card is a page and a PDF that reads
// back in Chinese; a unit's handler (no organiser) sees none of it.
func TestAPartyMemberRegistersOnThePhoneAndGetsTheCard(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		anon := e.Anonymous(t)
		apptest.Want(t, "public menu", anon.Get("/serve"), http.StatusOK, `href="/party/register"`)
		unit := e.ID(t, "units", "code", "DEPT-CG")
		community := e.Count(t, "SELECT MAX(id) FROM regions WHERE level = 'community'")
		before := e.Count(t, "SELECT COUNT(*) FROM party_applications") // the demo's waiting ones
		apptest.Want(t, "form", anon.Get("/party/register"), http.StatusOK, "在职党员到社区报到", `name="region_id"`, `name="unit_id"`)
		bad := url.Values{"name": {""}, "phone": {"12"}, "unit_id": {apptest.Itoa(unit)}, "region_id": {apptest.Itoa(community)}, "roles": {"building_leader"}}
		apptest.Want(t, "bad", anon.PostForm("/party/register", bad), http.StatusBadRequest, "必填", "请填写有效的手机号码", "楼栋长须填写所在楼栋")
		en := e.Anonymous(t)
		en.Lang = "en"
		apptest.Want(t, "bad in English", en.PostForm("/party/register", bad), http.StatusBadRequest, "Name", "mobile")
		if n := e.Count(t, "SELECT COUNT(*) FROM party_applications"); n != before {
			t.Fatalf("%d bad registrations saved", n)
		}
		good := url.Values{"name": {"韩立新"}, "phone": {"13977770001"}, "unit_id": {apptest.Itoa(unit)}, "region_id": {apptest.Itoa(community)},
			"building": {"8栋"}, "roles": {"building_leader"}, "posts": {"safety"}}
		res := anon.PostForm("/party/register", good)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/party/registered" {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "thanks", anon.Get("/party/registered"), http.StatusOK, "社区审核")
		apptest.Want(t, "twice", anon.PostForm("/party/register", good), http.StatusBadRequest, "等待社区审核")
		h := e.Login(t, "handler_zgq")
		apptest.Want(t, "handler: no review", h.Get("/party-applications"), http.StatusForbidden)
		o := e.Login(t, "organiser")
		apptest.Want(t, "list links the review", o.Get("/party-members"), http.StatusOK, `href="/party-applications"`)
		apptest.Want(t, "review", o.Get("/party-applications"), http.StatusOK, "韩立新", "待审核", "高建华")
		app := e.ID(t, "party_applications", "phone", "13977770001")
		res = o.PostForm("/party-applications/"+apptest.Itoa(app)+"/approve", nil)
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/party-members/") {
			t.Fatalf("approve: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "approve twice", o.PostForm("/party-applications/"+apptest.Itoa(app)+"/approve", nil), http.StatusConflict, "已审核")
		loc := res.Header.Get("Location")
		card := e.Count(t, "SELECT id FROM party_members WHERE phone = '13977770001'")
		if loc != "/party-members/"+apptest.Itoa(card) {
			t.Fatalf("went to %s", loc)
		}
		apptest.Want(t, "member links the card", o.Get(loc), http.StatusOK, `href="`+loc+`/card"`, `href="`+loc+`/edit"`)
		apptest.Want(t, "card page", o.Get(loc+"/card"), http.StatusOK, "在职党员进社区服务卡", "DY", "韩立新", "8栋", "楼栋长", "平安巡逻岗")
		pdf := o.Get(loc + "/card.pdf")
		if pdf.Status != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %s", pdf.Status, pdf.Header.Get("Content-Type"))
		}
		pdftext.Keep(t, "party-card", pdf.Raw)
		text := pdftext.Text(t, pdf.Raw)
		for _, want := range []string{"在职党员进社区服务卡", "韩立新", "8栋", "楼栋长", "平安巡逻岗", "DY"} {
			if !strings.Contains(text, want) {
				t.Errorf("the card's PDF does not read back %q:\n%s", want, text)
			}
		}
		apptest.Want(t, "handler: no card", h.Get(loc+"/card.pdf"), http.StatusForbidden)
	})
}

// TestOrganisersEditAndMoveRegistrations, on both engines: the organiser
// moves a volunteer and a Party member to another community through the
// pages; a bad phone names the field in both languages and changes
// nothing; a unit's handler may not open the forms.
func TestOrganisersEditAndMoveRegistrations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		vid := e.Count(t, "SELECT MIN(id) FROM volunteers WHERE status = 'approved'")
		from := e.Count(t, "SELECT region_id FROM volunteers WHERE id = ?", vid)
		to := e.Count(t, "SELECT MAX(id) FROM regions WHERE level = 'community' AND id <> ?", from)
		path := "/volunteers/" + apptest.Itoa(vid)
		apptest.Want(t, "detail links the edit", o.Get(path), http.StatusOK, `href="/volunteers/edit/`+apptest.Itoa(vid)+`"`)
		apptest.Want(t, "form", o.Get("/volunteers/edit/"+apptest.Itoa(vid)), http.StatusOK, `name="phone"`, `name="region_id"`, `action="`+path+`/edit"`)
		bad := url.Values{"phone": {"12"}, "region_id": {apptest.Itoa(to)}}
		apptest.Want(t, "bad phone", o.PostForm(path+"/edit", bad), http.StatusBadRequest, "请填写有效的手机号码")
		en := e.Login(t, "organiser")
		en.Lang = "en"
		apptest.Want(t, "bad phone in English", en.PostForm(path+"/edit", bad), http.StatusBadRequest, "mobile")
		if e.Count(t, "SELECT region_id FROM volunteers WHERE id = ?", vid) != from {
			t.Fatal("a bad edit moved the volunteer")
		}
		if res := o.PostForm(path+"/edit", url.Values{"phone": {"13977770002"}, "region_id": {apptest.Itoa(to)}, "skills": {"first_aid"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT region_id FROM volunteers WHERE id = ?", vid) != to {
			t.Fatal("not moved")
		}
		mid := e.Count(t, "SELECT MIN(id) FROM party_members")
		card := "/party-members/" + apptest.Itoa(mid)
		unit := e.Count(t, "SELECT unit_id FROM party_members WHERE id = ?", mid)
		apptest.Want(t, "member form", o.Get(card+"/edit"), http.StatusOK, `action="`+card+`/edit"`)
		if res := o.PostForm(card+"/edit", url.Values{"name": {"改名党员"}, "phone": {"13977770003"}, "unit_id": {apptest.Itoa(unit)}, "region_id": {apptest.Itoa(to)}}); res.Status != http.StatusSeeOther {
			t.Fatalf("member edit: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT region_id FROM party_members WHERE id = ?", mid) != to {
			t.Fatal("member not moved")
		}
		apptest.Want(t, "audited", o.Get(card), http.StatusOK, "改名党员")
		h := e.Login(t, "handler_zgq")
		apptest.Want(t, "handler: no volunteer edit", h.Get("/volunteers/edit/"+apptest.Itoa(vid)), http.StatusForbidden)
		apptest.Want(t, "handler: no member edit", h.PostForm(card+"/edit", url.Values{"name": {"x"}}), http.StatusForbidden)
	})
}

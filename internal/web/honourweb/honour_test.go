package honourweb_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/honour"
)

func count(t *testing.T, e *apptest.Env, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(context.Background(), q, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// nominate sends a public nomination with a photo and returns its id.
func nominate(t *testing.T, e *apptest.Env, nominee string) int64 {
	t.Helper()
	pub := e.Anonymous(t)
	vals := url.Values{"csrf": {pub.CSRF()}, "kind": {"good_people"}, "category": {"helping"}, "nominee": {nominee},
		"story": {"每天清晨在公交站义务为乘客指路，坚持了整整八年，风雨无阻。"}, "nominator": {"王女士"}, "phone": {"13800138000"}, "consent": {"1"}, "publish_name": {"full"}, "publish_photos": {"1"},
		"region_id": {fmt.Sprint(e.Count(t, "SELECT MIN(id) FROM regions WHERE level = 'district'"))}}
	res := e.PostMultipart(t, pub, "/public/honours/nominate", vals, apptest.Upload{Name: "story.jpg", Data: apptest.SmallJPEG(t)})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("nominate: %d %s", res.Status, res.Body)
	}
	var id int64
	if err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		return tx.Get(context.Background(), "entity.nomination", "SELECT id FROM honour_nominations WHERE nominee = ?", []any{nominee}, &id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func act(t *testing.T, c *apptest.Client, id int64, action, reason string, want int) *apptest.Response {
	t.Helper()
	res := c.PostForm(fmt.Sprintf("/honours/%d/act", id), url.Values{"action": {action}, "reason": {reason}})
	if res.Status != want {
		t.Fatalf("%s: %d, want %d: %s", action, res.Status, want, res.Body)
	}
	return res
}

func state(t *testing.T, e *apptest.Env, id int64) honour.State {
	t.Helper()
	n, err := e.App.Honours.Get(context.Background(), nil, id)
	if err != nil {
		t.Fatal(err)
	}
	return n.State
}

func TestANominationGoesThroughEveryStepToAwardAndTheNoticeCannotBeShortened(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := nominate(t, e, "赵志愿")
		if n := count(t, e, "SELECT COUNT(*) FROM honour_photos WHERE nomination_id = ?", id); n != 1 {
			t.Fatalf("photos %d", n)
		}
		office := e.Login(t, "appraiser")
		act(t, office, id, "review", "", http.StatusSeeOther)
		// Not before public security has answered.
		act(t, office, id, "shortlist", "", http.StatusConflict)
		// The discipline office cannot answer for public security.
		if res := e.Login(t, honour.DemoSignoffJW).PostForm(fmt.Sprintf("/honours/%d/signoff", id),
			url.Values{"department": {"public_security"}, "decision": {"approve"}}); res.Status != http.StatusNotFound && res.Status != http.StatusForbidden {
			t.Fatalf("another department: %d", res.Status)
		}
		if res := e.Login(t, honour.DemoSignoffGA).PostForm(fmt.Sprintf("/honours/%d/signoff", id),
			url.Values{"department": {"public_security"}, "decision": {"approve"}, "note": {"无违法犯罪记录"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("sign-off: %d %s", res.Status, res.Body)
		}
		act(t, office, id, "shortlist", "", http.StatusSeeOther)
		act(t, office, id, "open_vote", "", http.StatusSeeOther)
		pub := e.Anonymous(t)
		for _, phone := range []string{"13900000001", "13900000002", "13900000003"} {
			if res := pub.PostForm(fmt.Sprintf("/public/honours/%d/vote", id), url.Values{"phone": {phone}}); res.Status != http.StatusSeeOther {
				t.Fatalf("vote: %d %s", res.Status, res.Body)
			}
		}
		act(t, office, id, "to_jury", "", http.StatusSeeOther)
		act(t, office, id, "open_notice", "", http.StatusConflict) // the jury has not scored
		for _, juror := range []string{"appraiser", "admin"} {
			res := e.Login(t, juror).PostForm(fmt.Sprintf("/honours/%d/jury", id), url.Values{"j.deeds": {"36"}, "j.influence": {"27"}, "j.recognition": {"28"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("jury %s: %d %s", juror, res.Status, res.Body)
			}
		}
		act(t, office, id, "open_notice", "", http.StatusSeeOther)
		n, _ := e.App.Honours.Get(context.Background(), nil, id)
		if n.Votes != 3 || n.JuryTotal != 9100 {
			t.Fatalf("votes %d jury %d", n.Votes, n.JuryTotal)
		}
		// An objection during the notice must be answered.
		if res := pub.PostForm(fmt.Sprintf("/public/honours/%d/objection", id), url.Values{"text": {"此人事迹是否属实，请核实"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("objection: %d %s", res.Status, res.Body)
		}
		// Day six: the notice cannot be shortened.
		e.Clock.Advance(6*24*time.Hour + 23*time.Hour)
		office = e.Login(t, "appraiser")
		if res := act(t, office, id, "award", "", http.StatusConflict); !res.Contains("不少于 7 天") {
			t.Fatalf("early award message: %s", res.Body)
		}
		e.Clock.Advance(2 * time.Hour)
		act(t, office, id, "award", "", http.StatusConflict) // the objection is open
		n, _ = e.App.Honours.Get(context.Background(), nil, id)
		if res := office.PostForm(fmt.Sprintf("/honours/%d/objections/%d", id, n.Objections[0].ID), url.Values{"answer": {"经走访核实，事迹属实"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("answer: %d %s", res.Status, res.Body)
		}
		act(t, office, id, "award", "", http.StatusSeeOther)
		if state(t, e, id) != honour.StateAwarded {
			t.Fatal("not awarded")
		}
		wall := e.Anonymous(t).Get("/public/honours")
		if !wall.Contains("赵志愿", fmt.Sprintf("/public/honours/photos/%d", n.Photos[0])) {
			t.Fatalf("the wall lacks the award: %s", wall.Body)
		}
		if res := e.Anonymous(t).Get(fmt.Sprintf("/public/honours/photos/%d", n.Photos[0])); res.Status != 200 {
			t.Fatalf("public photo: %d", res.Status)
		}
	})
}

func TestADepartmentsRefusalStopsANomination(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := nominate(t, e, "钱某")
		office := e.Login(t, "appraiser")
		act(t, office, id, "review", "", http.StatusSeeOther)
		ga := e.Login(t, honour.DemoSignoffGA)
		if res := ga.PostForm(fmt.Sprintf("/honours/%d/signoff", id), url.Values{"department": {"public_security"}, "decision": {"refuse"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("refusal without reason: %d", res.Status)
		}
		if res := ga.PostForm(fmt.Sprintf("/honours/%d/signoff", id), url.Values{"department": {"public_security"}, "decision": {"refuse"},
			"note": {"有治安处罚记录"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("refusal: %d %s", res.Status, res.Body)
		}
		if state(t, e, id) != honour.StateRefused {
			t.Fatal("not refused")
		}
		act(t, office, id, "shortlist", "", http.StatusConflict)
		if page := office.Get(fmt.Sprintf("/honours/%d", id)); !page.Contains("有治安处罚记录", "未通过") {
			t.Fatalf("the reason is not shown: %s", page.Body)
		}
	})
}

func TestAVoteRushIsHeldBackAndDuplicatesAreRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		voting, err := e.App.Honours.Public(context.Background(), honour.PublicFilter{State: honour.StateVoting})
		if err != nil || len(voting) == 0 {
			t.Fatalf("no demo nomination in the vote: %v", err)
		}
		id := voting[0].ID
		before := voting[0].Votes
		pub := e.Anonymous(t)
		path := fmt.Sprintf("/public/honours/%d/vote", id)
		if res := pub.PostForm(path, url.Values{"phone": {"13700000000"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("first vote: %d %s", res.Status, res.Body)
		}
		if res := pub.PostForm(path, url.Values{"phone": {"137-0000-0000"}}); res.Status != http.StatusConflict || !res.Contains("今天已为此人投过票") {
			t.Fatalf("duplicate: %d", res.Status)
		}
		if res := pub.PostForm(path, url.Values{"phone": {"12345"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("bad phone: %d", res.Status)
		}
		counted := 1
		limited := 0
		for i := range 30 {
			res := pub.PostForm(path, url.Values{"phone": {fmt.Sprintf("1370000%04d", i+1)}})
			switch res.Status {
			case http.StatusSeeOther:
				counted++
			case http.StatusTooManyRequests:
				limited++
			default:
				t.Fatalf("vote %d: %d", i, res.Status)
			}
		}
		if counted != honour.VotesPerAddressPerHour || limited != 31-honour.VotesPerAddressPerHour {
			t.Fatalf("counted %d limited %d", counted, limited)
		}
		n, _ := e.App.Honours.Get(context.Background(), nil, id)
		if n.Votes != before+counted || count(t, e, "SELECT COUNT(*) FROM honour_votes WHERE nomination_id = ?", id) != int64(counted) {
			t.Fatalf("votes %d, want %d", n.Votes, before+counted)
		}
		// The next day the same phone may vote again, after the hour.
		e.Clock.Advance(25 * time.Hour)
		if res := pub.PostForm(path, url.Values{"phone": {"13700000000"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("next day: %d", res.Status)
		}
	})
}

func TestARevocationNeedsAReasonAndIsAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		awarded, err := e.App.Honours.Public(context.Background(), honour.PublicFilter{State: honour.StateAwarded, Kind: "civilised_unit"})
		if err != nil || len(awarded) < 3 {
			t.Fatalf("demo civilised units %d %v", len(awarded), err)
		}
		office := e.Login(t, "appraiser")
		if list := office.Get("/honours"); !list.Contains("到期复核提醒", "市城市管理局") {
			t.Fatalf("no review reminder: %s", list.Body)
		}
		var id int64
		for _, n := range awarded {
			if n.Nominee == "乐山供电公司" {
				id = n.ID
			}
		}
		act(t, office, id, "revoke", "", http.StatusBadRequest)
		act(t, office, id, "revoke", "发生重大安全生产事故，列入负面清单", http.StatusSeeOther)
		if state(t, e, id) != honour.StateRevoked {
			t.Fatal("not revoked")
		}
		if count(t, e, "SELECT COUNT(*) FROM audit_log WHERE entity = 'honour_nomination' AND action = 'revoke' AND entity_id = ?", fmt.Sprint(id)) != 1 {
			t.Fatal("no audit row")
		}
		if wall := e.Anonymous(t).Get("/public/honours?kind=civilised_unit"); wall.Contains("乐山供电公司") {
			t.Fatal("a revoked title is on the wall")
		}
		if res := e.Login(t, "lili").Get(fmt.Sprintf("/honours/%d", id)); res.Status != http.StatusForbidden {
			t.Fatalf("a rated worker without honour.manage: %d", res.Status)
		}
	})
}

func TestTheHonourFiguresCountTheDemo(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := e.App.Honours.FiguresContext(context.Background())
		sc := figures.Scope{From: "2026-01-01", To: "2026-12-31"}
		for id, want := range map[string]int64{"honour.awarded.good_people": 15, "honour.awarded.civilised_unit": 0, "honour.revoked": 0} {
			f, ok := figures.Get(id)
			if !ok {
				t.Fatalf("%s not registered", id)
			}
			if v, err := f.Compute(ctx, nil, sc); err != nil || v.Count != want {
				t.Errorf("%s = %d (%v), want %d", id, v.Count, err, want)
			}
		}
		f, _ := figures.Get("honour.awarded")
		if v, _ := f.Compute(ctx, nil, figures.Scope{From: "2024-01-01", To: "2026-12-31"}); v.Count != 23 {
			t.Errorf("awarded since 2024: %d, want 23 (15 good people, 3 units, 3 families, 2 villages)", v.Count)
		}
	})
}

func TestTheOfficeEntersAUnitsNominationAndBadInputChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		office := e.Login(t, "appraiser")
		before := count(t, e, "SELECT COUNT(*) FROM honour_nominations")
		vals := url.Values{"csrf": {office.CSRF()}, "kind": {"good_people"}, "source": {"unit"}, "nominee": {"孙红"}, "story": {"太短"}, "nominator": {"市商务局"}}
		res := e.PostMultipart(t, office, "/honours/new", vals)
		if res.Status != http.StatusBadRequest || !res.Contains("事迹请至少写 20 个字", "请选择一个有效的选项") {
			t.Fatalf("bad nomination: %d %s", res.Status, res.Body)
		}
		if count(t, e, "SELECT COUNT(*) FROM honour_nominations") != before {
			t.Fatal("a refused nomination was stored")
		}
		vals.Set("category", "dedication")
		vals.Set("story", "在商务系统工作二十年，主动帮扶困难商户渡过难关，口碑极好。")
		if res := e.PostMultipart(t, office, "/honours/new", vals); res.Status != http.StatusSeeOther {
			t.Fatalf("nomination: %d %s", res.Status, res.Body)
		}
		if count(t, e, "SELECT COUNT(*) FROM honour_nominations WHERE nominee = '孙红' AND source = 'unit' AND state = 'nominated'") != 1 {
			t.Fatal("not stored")
		}
	})
}

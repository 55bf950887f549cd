package honourweb_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/honour"
)

// postNomination sends a multipart nomination form with story photos
// (field photos) and evidence images (field evidence).
func postNomination(t *testing.T, e *apptest.Env, c *apptest.Client, path string, vals url.Values, photos, evidence int) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, n := range map[string]int{"photos": photos, "evidence": evidence} {
		for i := range n {
			w, err := mw.CreateFormFile(field, fmt.Sprintf("%s-%d.jpg", field, i))
			if err != nil {
				t.Fatal(err)
			}
			w.Write(apptest.SmallJPEG(t))
		}
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func publicForm(e *apptest.Env, t *testing.T, c *apptest.Client, kind, nominee, note string) url.Values {
	return url.Values{"csrf": {c.CSRF()}, "kind": {kind}, "category": {"bravery"}, "nominee": {nominee},
		"story": {"驾车途经车祸现场，第一时间施救并报警，救出两名伤者后悄然离开。"}, "nominator": {"李先生"}, "phone": {"13800138001"},
		"consent": {"1"}, "publish_name": {"full"}, "publish_photos": {"1"}, "evidence_note": {note},
		"region_id": {fmt.Sprint(e.Count(t, "SELECT MIN(id) FROM regions WHERE level = 'district'"))}}
}

// A public nomination keeps its evidence (a certificate's scan and a note
// of what it is) apart from the story's photo: the office and the
// department asked to sign off see it on the nomination's page, while the
// wall and the public photo route never show it, even though the honoree
// agreed to publish photos and the nomination is in the public vote.
func TestANominationsEvidenceIsSeenByTheOfficeAndNeverByThePublic(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		pub := e.Anonymous(t)
		note := "2025年见义勇为奖励证书、乐山日报报道"
		res := postNomination(t, e, pub, "/public/honours/nominate", publicForm(e, t, pub, "good_people", "周见义", note), 1, 1)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("nominate: %d %s", res.Status, res.Body)
		}
		id := e.Count(t, "SELECT id FROM honour_nominations WHERE nominee = '周见义'")
		story := e.Count(t, "SELECT photo_id FROM honour_photos WHERE nomination_id = ? AND kind = 'story'", id)
		evidence := e.Count(t, "SELECT photo_id FROM honour_photos WHERE nomination_id = ? AND kind = 'evidence'", id)
		if story == 0 || evidence == 0 || story == evidence || e.Count(t, "SELECT COUNT(*) FROM honour_photos WHERE nomination_id = ?", id) != 2 {
			t.Fatalf("story photo %d, evidence %d", story, evidence)
		}
		if e.Count(t, "SELECT COUNT(*) FROM honour_nominations WHERE id = ? AND evidence_note = ?", id, note) != 1 {
			t.Fatal("the evidence note is not stored")
		}
		evidenceSrc := fmt.Sprintf("/honours/%d/photos/%d", id, evidence)
		office := e.Login(t, "appraiser")
		apptest.Want(t, "the office's page", office.Get(fmt.Sprintf("/honours/%d", id)), http.StatusOK, note, evidenceSrc, "证明材料")
		apptest.Want(t, "the office's evidence image", office.Get(evidenceSrc), http.StatusOK)

		act(t, office, id, "review", "", http.StatusSeeOther)
		ga := e.Login(t, honour.DemoSignoffGA)
		apptest.Want(t, "the department's page", ga.Get(fmt.Sprintf("/honours/%d", id)), http.StatusOK, note, evidenceSrc)
		apptest.Want(t, "the department's evidence image", ga.Get(evidenceSrc), http.StatusOK)
		if res := ga.PostForm(fmt.Sprintf("/honours/%d/signoff", id), url.Values{"department": {"public_security"}, "decision": {"approve"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("sign-off: %d %s", res.Status, res.Body)
		}
		act(t, office, id, "shortlist", "", http.StatusSeeOther)
		act(t, office, id, "open_vote", "", http.StatusSeeOther)

		anon := e.Anonymous(t)
		wall := anon.Get("/public/honours")
		if wall.Status != http.StatusOK || !wall.Contains("周见义", fmt.Sprintf("/public/honours/photos/%d", story)) {
			t.Fatalf("the wall lacks the nomination or its story photo: %s", wall.Body)
		}
		if strings.Contains(wall.Body, fmt.Sprintf("/photos/%d\"", evidence)) || strings.Contains(wall.Body, note) {
			t.Fatal("the wall shows the evidence")
		}
		apptest.Want(t, "the public story photo", anon.Get(fmt.Sprintf("/public/honours/photos/%d", story)), http.StatusOK)
		apptest.Want(t, "the public evidence photo", anon.Get(fmt.Sprintf("/public/honours/photos/%d", evidence)), http.StatusNotFound)
		if res := anon.Get(evidenceSrc); res.Status == http.StatusOK {
			t.Fatal("the staff route serves the evidence to the public")
		}
		list, err := e.App.Honours.Public(t.Context(), honour.PublicFilter{State: honour.StateVoting})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range list {
			if len(n.Evidence) != 0 || n.EvidenceNote != "" {
				t.Fatalf("%s: the public list carries evidence", n.Nominee)
			}
		}
	})
}

// A too-long evidence note is refused naming the field, in Chinese and in
// English, and stores neither the nomination nor its images; a moral
// model's nomination (a kind that asks for evidence) without any is
// refused too.
func TestAnEvidenceNoteTooLongOrMissingEvidenceIsRefusedAndStoresNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		noms, photos := e.Count(t, "SELECT COUNT(*) FROM honour_nominations"), e.Count(t, "SELECT COUNT(*) FROM photos")
		long := strings.Repeat("证", honour.MaxEvidenceNote+1)
		pub := e.Anonymous(t)
		apptest.Want(t, "zh-CN", postNomination(t, e, pub, "/public/honours/nominate", publicForm(e, t, pub, "good_people", "长说明", long), 1, 1),
			http.StatusBadRequest, "证明材料说明不能超过 500 个字", `id="e-evidence_note"`)
		en := e.Anonymous(t)
		en.Lang = "en"
		apptest.Want(t, "en", postNomination(t, e, en, "/public/honours/nominate", publicForm(e, t, en, "good_people", "长说明", long), 0, 1),
			http.StatusBadRequest, "The evidence note must be at most 500 characters", `id="e-evidence_note"`)
		office := e.Login(t, "appraiser")
		staff := publicForm(e, t, office, "good_people", "长说明", long)
		staff.Set("source", "unit")
		apptest.Want(t, "the office's form", postNomination(t, e, office, "/honours/new", staff, 0, 1),
			http.StatusBadRequest, "证明材料说明不能超过 500 个字")
		// A moral model needs evidence: an image or a note of what it is.
		apptest.Want(t, "no evidence", postNomination(t, e, pub, "/public/honours/nominate", publicForm(e, t, pub, "model_individual", "无材料", ""), 1, 0),
			http.StatusBadRequest, "须提交证明材料", `id="e-evidence"`)
		if n, p := e.Count(t, "SELECT COUNT(*) FROM honour_nominations"), e.Count(t, "SELECT COUNT(*) FROM photos"); n != noms || p != photos {
			t.Fatalf("nominations %d→%d, photos %d→%d", noms, n, photos, p)
		}
		// With the evidence image it is taken.
		apptest.Want(t, "with evidence", postNomination(t, e, pub, "/public/honours/nominate", publicForm(e, t, pub, "model_individual", "有材料", ""), 0, 1),
			http.StatusSeeOther)
		if e.Count(t, "SELECT COUNT(*) FROM honour_photos hp JOIN honour_nominations n ON n.id = hp.nomination_id WHERE n.nominee = '有材料' AND hp.kind = 'evidence'") != 1 {
			t.Fatal("the moral model's evidence is not stored")
		}
	})
}

package inspectionweb_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
)

// findingsAt submits an inspection of the inspector's back street, now the
// city management bureau's (handler_cg), with failures on its first n
// items, and returns the bureau's id and the rectifications' ids.
func findingsAt(t *testing.T, e *apptest.Env, key string, n int) (int64, []int64) {
	t.Helper()
	insp := e.Login(t, "inspector")
	site, lat, lng, items := mySite(t, e)
	cg := e.ID(t, "units", "code", "DEPT-CG")
	e.Exec(t, "UPDATE inspection_sites SET unit_id = ? WHERE id = ?", cg, site)
	vals := url.Values{"key": {key}, "lat": {fmt.Sprint(lat)}, "lng": {fmt.Sprint(lng)}}
	photos := map[string][]byte{}
	for i, it := range items {
		f := "item_" + strconv.FormatInt(it.ID, 10)
		vals.Set(f, "pass")
		if i < n {
			vals.Set(f, "fail")
			vals.Set(f+"_count", "1")
			photos[f+"_photo"] = apptest.SmallJPEG(t)
		}
	}
	res := submit(t, e, insp, site, vals, photos)
	if res.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.Status, res.Body)
	}
	var a answer
	res.Decode(&a)
	var ids []int64
	e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT id FROM inspection_rectifications WHERE inspection_id = ? ORDER BY id", a.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		return nil
	})
	if len(ids) != n {
		t.Fatalf("%d rectifications, want %d", len(ids), n)
	}
	return cg, ids
}

func replyForm(t *testing.T, e *apptest.Env, c *apptest.Client, id int64, vals url.Values, files map[string][]byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	vals.Set("csrf", c.CSRF())
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile(name, name+".jpg")
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/inspection/notices/"+apptest.Itoa(id)+"/actions/reply", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func TestARectificationNoticeIsNumberedPrintedSignedForRepliedAndClosed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		cg, rects := findingsAt(t, e, "k-notice-0123456789", 2)
		office := e.Login(t, "dispatcher")
		year := e.Clock.Now().In(clock.CST).Year()
		before := e.Count(t, "SELECT COUNT(*) FROM inspection_notices WHERE kind = 'rectification' AND year = ?", year)
		replyBy := e.Clock.Now().In(clock.CST).AddDate(0, 0, 5).Format(time.DateOnly)
		// A deadline in the past and a unit without findings are refused, and take no number.
		res := office.PostForm("/inspection/notices", url.Values{"kind": {"rectification"}, "unit_id": {apptest.Itoa(cg)}, "reply_by": {"2020-01-01"}})
		apptest.Want(t, "past deadline", res, http.StatusBadRequest, "回复期限须晚于今天")
		res = office.PostForm("/inspection/notices", url.Values{"kind": {"rectification"}, "unit_id": {apptest.Itoa(e.ID(t, "units", "code", "DEPT-JJ"))}, "reply_by": {replyBy}})
		apptest.Want(t, "no findings", res, http.StatusBadRequest, "没有待整改的问题")
		res = office.PostForm("/inspection/notices", url.Values{"kind": {"rectification"}, "unit_id": {apptest.Itoa(cg)}, "reply_by": {replyBy},
			"cc": {"市人民政府办公室、市中区人民政府"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("issue: %d %s", res.Status, res.Body)
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(res.Header.Get("Location"), "/inspection/notices/"), 10, 64)
		number := pdfdoc.DocNumber("乐文创整改", year, int(before)+1)
		n, err := e.App.Inspection.GetNotice(ctx, principal(t, e, "dispatcher"), id)
		if err != nil {
			t.Fatal(err)
		}
		if n.Number != number || len(n.Items) != 2 || n.State != inspection.NoticeIssued {
			t.Fatalf("notice %s with %d findings (%s), want %s with 2", n.Number, len(n.Items), n.State, number)
		}

		// The PDF reads back its number, addressee and every finding.
		pdf := office.Get("/inspection/notices/" + apptest.Itoa(id) + "/pdf")
		if pdf.Status != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf: %d %s", pdf.Status, pdf.Header.Get("Content-Type"))
		}
		pdftext.Keep(t, "inspection-notice", pdf.Raw)
		text := pdftext.Text(t, pdf.Raw)
		want := []string{number, n.UnitName + "：", n.Title, "抄送：市人民政府办公室，市中区人民政府。"}
		for _, it := range n.Items {
			want = append(want, it.SiteName, strings.ReplaceAll(it.Title, " ", ""))
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("pdftotext does not read back %q", w)
			}
		}
		apptest.Want(t, "print page", office.Get("/inspection/notices/"+apptest.Itoa(id)+"/print"), http.StatusOK, `id="notice-doc"`, number, n.UnitName+"：")

		// The unit finds it in its inbox and on its page; another unit does not see it.
		unit := e.Login(t, "handler_cg")
		apptest.Want(t, "the unit's inbox", unit.Get("/notifications"), http.StatusOK, number)
		apptest.Want(t, "the unit's page", unit.Get("/inspection/notices/"+apptest.Itoa(id)), http.StatusOK, number, `id="notice-receive"`)
		apptest.Want(t, "another unit", e.Login(t, "handler_zgq").Get("/inspection/notices/"+apptest.Itoa(id)), http.StatusNotFound)
		apptest.Want(t, "the office cannot sign for it", office.PostForm("/inspection/notices/"+apptest.Itoa(id)+"/actions/receive", url.Values{}), http.StatusForbidden)
		if r := unit.PostForm("/inspection/notices/"+apptest.Itoa(id)+"/actions/receive", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("receive: %d %s", r.Status, r.Body)
		}
		apptest.Want(t, "twice", unit.PostForm("/inspection/notices/"+apptest.Itoa(id)+"/actions/receive", url.Values{}), http.StatusConflict)

		// The reply answers every finding with a photo; a missing one is named.
		vals := url.Values{"note": {"已按通知要求全部整改到位"}}
		files := map[string][]byte{}
		for _, r := range rects {
			f := "reply_" + apptest.Itoa(r)
			vals.Set(f, "已清理")
			files[f+"_photo"] = apptest.SmallJPEG(t)
		}
		delete(files, "reply_"+apptest.Itoa(rects[1])+"_photo")
		apptest.Want(t, "a finding without its photo", replyForm(t, e, unit, id, vals, files), http.StatusBadRequest, "须拍照")
		files["reply_"+apptest.Itoa(rects[1])+"_photo"] = apptest.SmallJPEG(t)
		if r := replyForm(t, e, unit, id, vals, files); r.Status != http.StatusSeeOther {
			t.Fatalf("reply: %d %s", r.Status, r.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_notice_items WHERE notice_id = ? AND reply = '已清理' AND reply_photo_id IS NOT NULL", id); n != 2 {
			t.Fatalf("%d findings answered with a photo", n)
		}
		apptest.Want(t, "the issuer is told", office.Get("/notifications"), http.StatusOK, number)
		if r := office.PostForm("/inspection/notices/"+apptest.Itoa(id)+"/actions/close", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("close: %d %s", r.Status, r.Body)
		}
		n, _ = e.App.Inspection.GetNotice(ctx, principal(t, e, "dispatcher"), id)
		if n.State != inspection.NoticeClosed || n.ClosedAt == nil || len(n.Events) != 4 {
			t.Fatalf("closed? %s, %d events", n.State, len(n.Events))
		}
		apptest.Want(t, "list", office.Get("/inspection/notices?state=closed"), http.StatusOK, number)
	})
}

func TestANoticeUnansweredPastItsDeadlineIsEscalatedOnceAtEachLevel(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		cg := e.ID(t, "units", "code", "DEPT-CG")
		office := principal(t, e, "dispatcher")
		n, err := e.App.Inspection.Issue(ctx, office, inspection.IssueInput{Kind: inspection.KindReminder, UnitID: cg,
			ReplyBy: e.Clock.Now().In(clock.CST).AddDate(0, 0, 1).Format(time.DateOnly), Title: "关于做好第四季度测评迎检工作的提示函",
			Body: "第四季度测评将于12月中旬开展。\n请对照测评体系逐项自查。"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(n.Number, "乐文创函〔") {
			t.Fatalf("number %s", n.Number)
		}
		// Before the deadline nothing happens.
		if k, err := e.App.Inspection.EscalateNotices(ctx); err != nil || k != 0 {
			t.Fatalf("before the deadline: %d %v", k, err)
		}
		e.Clock.Advance(3 * 24 * time.Hour)
		// Two instances run the timer at once: one overdue step.
		d2, err := db.Open(ctx, e.App.Config.DB)
		if err != nil {
			t.Fatal(err)
		}
		defer d2.Close()
		other := inspection.New(d2, e.Clock)
		var wg sync.WaitGroup
		steps := make([]int, 2)
		for i, s := range []*inspection.Service{e.App.Inspection, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := s.EscalateNotices(ctx)
				if err != nil {
					t.Error(err)
				}
				steps[i] = k
			}()
		}
		wg.Wait()
		if steps[0]+steps[1] != 1 {
			t.Fatalf("steps %v, want one in all", steps)
		}
		got, _ := e.App.Inspection.GetNotice(ctx, office, n.ID)
		if !got.Overdue || got.EscalationLevel != 1 || got.State != inspection.NoticeIssued {
			t.Fatalf("after the deadline: overdue %v level %d %s", got.Overdue, got.EscalationLevel, got.State)
		}
		if k := e.Count(t, "SELECT COUNT(*) FROM notifications WHERE kind = 'inspection.notice' AND ref = ? AND event = 'overdue' AND unit_id = ?", n.ID, cg); k != 1 {
			t.Fatalf("%d overdue notices to the unit", k)
		}
		if k, _ := e.App.Inspection.EscalateNotices(ctx); k != 0 {
			t.Fatalf("overdue again the same day: %d", k)
		}
		e.Clock.Advance(25 * time.Hour)
		if k, _ := e.App.Inspection.EscalateNotices(ctx); k != 1 {
			t.Fatalf("level 2: %d steps", k)
		}
		got, _ = e.App.Inspection.GetNotice(ctx, office, n.ID)
		if got.EscalationLevel != 2 || len(got.Events) != 3 {
			t.Fatalf("level %d, %d events", got.EscalationLevel, len(got.Events))
		}
		// The letter's PDF is in the letter format with its number and text.
		c := e.Login(t, "dispatcher")
		pdf := c.Get("/inspection/notices/" + apptest.Itoa(n.ID) + "/pdf")
		text := pdftext.Text(t, pdf.Raw)
		for _, w := range []string{n.Number, "市城市管理局：", "第四季度测评将于12月中旬开展。", "请对照测评体系逐项自查。"} {
			if !strings.Contains(text, w) {
				t.Errorf("the letter's PDF lacks %q", w)
			}
		}
	})
}

func TestNoticeNumbersHaveNoGapsOrDuplicatesWhenTwoInstancesIssueAtOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		cg := e.ID(t, "units", "code", "DEPT-CG")
		office := principal(t, e, "dispatcher")
		year := e.Clock.Now().In(clock.CST).Year()
		before := int(e.Count(t, "SELECT COUNT(*) FROM inspection_notices WHERE kind = 'reminder' AND year = ?", year))
		d2, err := db.Open(ctx, e.App.Config.DB)
		if err != nil {
			t.Fatal(err)
		}
		defer d2.Close()
		other := inspection.New(d2, e.Clock)
		const each = 8
		replyBy := e.Clock.Now().In(clock.CST).AddDate(0, 0, 3).Format(time.DateOnly)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var numbers []string
		for _, s := range []*inspection.Service{e.App.Inspection, other} {
			for i := range each {
				wg.Add(1)
				go func() {
					defer wg.Done()
					in := inspection.IssueInput{Kind: inspection.KindReminder, UnitID: cg, ReplyBy: replyBy, Title: "提示函", Body: "正文"}
					if i%4 == 3 {
						in.Body = strings.Repeat("长", inspection.MaxNoticeBody+1) // refused: takes no number
					}
					n, err := s.Issue(ctx, office, in)
					if i%4 == 3 {
						if err == nil {
							t.Error("an over-long letter was issued")
						}
						return
					}
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					numbers = append(numbers, n.Number)
					mu.Unlock()
				}()
			}
		}
		wg.Wait()
		issued := 2 * (each - each/4)
		if len(numbers) != issued {
			t.Fatalf("%d issued, want %d", len(numbers), issued)
		}
		var want []string
		for seq := before + 1; seq <= before+issued; seq++ {
			want = append(want, pdfdoc.DocNumber("乐文创函", year, seq))
		}
		slices.Sort(numbers)
		slices.Sort(want)
		if !slices.Equal(numbers, want) {
			t.Fatalf("numbers %v, want exactly %v", numbers, want)
		}
	})
}

package volunteerweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
)

func TestCertificateIssuePrintPDFAndVerify(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o := e.Login(t, "organiser")
		vid := e.Count(t, "SELECT MIN(volunteer_id) FROM attendance WHERE state = 'confirmed'")
		path := "/volunteers/" + apptest.Itoa(vid)
		apptest.Want(t, "form", o.Get(path), http.StatusOK, "出具志愿服务证明")
		vals := url.Values{"from": {"2026-01-01"}, "to": {"2026-11-29"}, "issuer": {"市文明办"}, "person_in_charge": {"赵国强"}, "handler": {"何静"}, "contact": {"0833-2123456"}}
		bad := url.Values{"from": {"2026-01-01"}, "to": {"2026-11-29"}}
		apptest.Want(t, "bad", o.PostForm(path+"/certificates", bad), http.StatusBadRequest, "必填")
		res := o.PostForm(path+"/certificates", vals)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("issue: %d %s", res.Status, res.Body)
		}
		cert := res.Header.Get("Location")
		page := o.Get(cert)
		apptest.Want(t, "print page", page, http.StatusOK, "志愿服务证明", "ZYZM2026", "赵国强")
		number := e.Count(t, "SELECT COUNT(*) FROM certificates")
		if number != 1 {
			t.Fatalf("%d certificates", number)
		}
		var num string
		if i := strings.Index(page.Body, "ZYZM2026"); i >= 0 {
			num = page.Body[i : i+14]
		}
		pdf := o.Get(cert + "/pdf")
		if pdf.Status != http.StatusOK || !strings.HasPrefix(pdf.Body, "%PDF") {
			t.Fatalf("pdf %d", pdf.Status)
		}
		if text := pdftext.Text(t, []byte(pdf.Body)); !strings.Contains(text, num) || !strings.Contains(text, "志愿服务证明") {
			t.Fatalf("pdf text %s", text)
		}
		// Public verification: what the certificate shows and no more.
		anon := e.Anonymous(t)
		v := anon.Get("/verify/certificates?number=" + num)
		apptest.Want(t, "verify", v, http.StatusOK, "该证明真实有效", num, "市文明办")
		if strings.Contains(v.Body, "137") && strings.Contains(v.Body, "手机") {
			t.Fatal("the verification page shows a phone")
		}
		apptest.Want(t, "unknown", anon.Get("/verify/certificates?number=ZYZM2026999999"), http.StatusNotFound, "没有该编号")
		apptest.Want(t, "anonymous print page", anon.Get(cert), http.StatusSeeOther)
		apptest.Want(t, "other staff", e.Login(t, "handler_zgq").Get(cert), http.StatusForbidden)
	})
}

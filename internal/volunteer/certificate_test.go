package volunteer_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
	"github.com/wenming-city/wenming/internal/volunteer"
)

var certIn = volunteer.CertificateInput{From: "2026-01-01", To: "2026-12-31", Issuer: "市中区新时代文明实践中心", PersonInCharge: "王主任",
	Handler: "何静", Contact: "0833-2123456"}

func TestCertificatesNumbersPDFAndVerification(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		if _, err := fx.svc.SeedDemo(ctx, ""); err != nil {
			t.Fatal(err)
		}
		rows, _, _ := fx.svc.List(ctx, fx.org, volunteer.Filter{Status: volunteer.StatusApproved, Size: 20})
		bad := certIn
		bad.Issuer = ""
		if _, err := fx.svc.IssueCertificate(ctx, fx.org, rows[0].ID, bad); errs.As(err) == nil || errs.As(err).Fields["issuer"].Key != "field.required" {
			t.Fatalf("no issuer: %v", err)
		}
		if _, err := fx.svc.IssueCertificate(ctx, fx.org, rows[0].ID, volunteer.CertificateInput{From: "2020-01-01", To: "2020-12-31",
			Issuer: "x", PersonInCharge: "x", Handler: "x", Contact: "x"}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("no hours: %v", err)
		}
		// Issued concurrently, every number is different.
		var wg sync.WaitGroup
		nums := make([]string, len(rows))
		var mu sync.Mutex
		var issued []volunteer.Certificate
		for i, v := range rows {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := fx.svc.IssueCertificate(ctx, fx.org, v.ID, certIn)
				if err != nil && !errs.Is(err, errs.Conflict) {
					t.Error(err)
					return
				}
				nums[i] = c.Number
				mu.Lock()
				if c.Number != "" {
					issued = append(issued, c)
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, c := range issued {
			if seen[c.Number] || !strings.HasPrefix(c.Number, "ZYZM2026") {
				t.Fatalf("number %s twice or malformed", c.Number)
			}
			seen[c.Number] = true
		}
		if len(issued) < 10 {
			t.Fatalf("only %d issued", len(issued))
		}
		c := issued[0]
		got, err := fx.svc.VerifyCertificate(ctx, strings.ToLower(c.Number))
		if err != nil || got.Name != c.Name || got.IDMasked == "" || strings.Contains(got.IDMasked, "19") && len(got.IDMasked) == 18 && !strings.Contains(got.IDMasked, "*") {
			t.Fatalf("verify %+v %v", got, err)
		}
		if _, err := fx.svc.VerifyCertificate(ctx, "ZYZM2026999999"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown number: %v", err)
		}
		pdf, err := c.PDF("居民身份证", "https://wenming.example/verify")
		if err != nil {
			t.Fatal(err)
		}
		text := pdftext.Text(t, pdf)
		for _, want := range []string{"志愿服务证明", c.Number, c.Name, c.VolunteerNumber, "服务时长", c.Hours() + "小时", "市中区新时代文明实践中心", "经办人", "何静"} {
			if !strings.Contains(text, strings.ReplaceAll(want, " ", "")) {
				t.Errorf("the PDF does not read back %q:\n%s", want, text)
			}
		}
	})
}

package orderweb_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
)

func postKeyed(t *testing.T, e *apptest.Env, c *apptest.Client, key string, body map[string]any) *apptest.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/public/reports", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	return c.Do(req)
}

func manhole(desc string) map[string]any {
	lat, lng := north(120)
	return map[string]any{"category": "MANHOLE", "description": desc, "lat": lat, "lng": lng}
}

func TestPublicReportRetryWithTheSameIdempotencyKeyGetsTheFirstAnswerAndMakesOneOrder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		first := postKeyed(t, e, c, "key-1", manhole("井盖缺失，已有行人踩空"))
		if first.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		again := postKeyed(t, e, c, `"key-1"`, manhole("井盖缺失，已有行人踩空"))
		if again.Status != http.StatusCreated || again.Body != first.Body || again.Header.Get("Location") != first.Header.Get("Location") ||
			again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %s %v, first %s", again.Status, again.Body, again.Header, first.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+1 {
			t.Fatalf("orders: %d, want %d", n, orders+1)
		}
		if e.Count(t, "SELECT COUNT(*) FROM idempotency_keys") != 1 {
			t.Fatal("the key is not stored once")
		}

		c.Lang = "en"
		other := postKeyed(t, e, c, "key-1", manhole("另一个井盖也缺失了，在路口"))
		if other.Status != http.StatusConflict || !other.Contains("Idempotency-Key was already used") {
			t.Fatalf("same key, other body: %d %s", other.Status, other.Body)
		}
		bad := postKeyed(t, e, c, strings.Repeat("x", 256), manhole("井盖缺失，已有行人踩空"))
		if bad.Status != http.StatusBadRequest || !bad.Contains(`"Idempotency-Key"`) {
			t.Fatalf("bad key: %d %s", bad.Status, bad.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+1 {
			t.Fatalf("orders after refusals: %d", n)
		}

		// A day later the key is free again: a new order.
		e.Clock.Advance(24*time.Hour + time.Minute)
		later := postKeyed(t, e, c, "key-1", manhole("井盖缺失，已有行人踩空"))
		if later.Status != http.StatusCreated || later.Body == first.Body || later.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("after 24 h: %d %s", later.Status, later.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+2 {
			t.Fatalf("orders after 24 h: %d", n)
		}
		e.Clock.Advance(24*time.Hour + time.Minute)
		if err := e.App.Orders.PurgeIdemKeys(t.Context()); err != nil {
			t.Fatal(err)
		}
		if e.Count(t, "SELECT COUNT(*) FROM idempotency_keys") != 0 {
			t.Fatal("expired keys are not purged")
		}
	})
}

func TestPublicReportConcurrentRequestsWithOneIdempotencyKeyMakeOneOrderAndGetOneAnswer(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		const n = 8
		res := make([]*apptest.Response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = postKeyed(t, e, c, "same-key", manhole("井盖缺失，已有行人踩空"))
			}()
		}
		wg.Wait()
		for i, r := range res {
			if r.Status != http.StatusCreated || r.Body != res[0].Body {
				t.Fatalf("request %d: %d %s, first %s", i, r.Status, r.Body, res[0].Body)
			}
		}
		if got := e.Count(t, "SELECT COUNT(*) FROM workorders"); got != orders+1 {
			t.Fatalf("orders: %d, want %d", got, orders+1)
		}
	})
}

var draftRe = regexp.MustCompile(`name="draft" value="([0-9a-f]{32})"`)

func TestReportFormDoubleSubmitWithTheSameDraftIDMakesOneOrder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		page := c.Get("/report")
		m := draftRe.FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatalf("no draft id on the form: %s", page.Body)
		}
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		vals := reportForm(north(40))
		vals.Set("csrf", c.CSRF())
		vals.Set("draft", m[1])
		photo := apptest.Upload{Name: "street.jpg", Data: apptest.SmallJPEG(t)}
		first := e.PostMultipart(t, c, "/report", vals, photo)
		second := e.PostMultipart(t, c, "/report", vals, photo)
		if first.Status != http.StatusSeeOther || !sentRe.MatchString(first.Header.Get("Location")) ||
			second.Status != http.StatusSeeOther || second.Header.Get("Location") != first.Header.Get("Location") {
			t.Fatalf("double submit: %d %q, %d %q", first.Status, first.Header.Get("Location"), second.Status, second.Header.Get("Location"))
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+1 {
			t.Fatalf("orders: %d, want %d", n, orders+1)
		}
		vals.Set("description", "人行道上又来了一个流动摊贩，占道经营")
		other := e.PostMultipart(t, c, "/report", vals, photo)
		if other.Status != http.StatusConflict || !other.Contains("这份表单已经提交过") || other.Contains(`value="`+m[1]+`"`) {
			t.Fatalf("edited resend: %d %s", other.Status, other.Body)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders+1 {
			t.Fatalf("orders after the edited resend: %d", n)
		}
	})
}

package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/metrics"
)

// TestAnswersCarryTheServersTimeBeforeTheirHeaders proves every answer,
// whether the handler sets a status or only writes, tells the client in
// Server-Timing how long the server worked before the headers went out.
func TestAnswersCarryTheServersTimeBeforeTheirHeaders(t *testing.T) {
	s := &Server{Mux: http.NewServeMux(), metrics: metrics.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s.Mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	s.Mux.HandleFunc("GET /write", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	for _, path := range []string{"/status", "/write"} {
		rec := httptest.NewRecorder()
		s.observe(s.Mux).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		h := rec.Header().Get("Server-Timing")
		dur, ok := strings.CutPrefix(h, "app;dur=")
		if !ok {
			t.Fatalf("%s: Server-Timing %q", path, h)
		}
		ms, err := strconv.ParseFloat(dur, 64)
		if err != nil || ms < 0 {
			t.Fatalf("%s: Server-Timing %q is not a duration in ms", path, h)
		}
	}
}

// TestOptionsRenderLikeTheTemplateAndEscape proves View.Options writes the
// markup the template wrote per option, marks every submitted value
// selected, and escapes values and labels.
func TestOptionsRenderLikeTheTemplateAndEscape(t *testing.T) {
	v := &View{Form: map[string][]string{"unit": {"2", "3"}}}
	got := string(v.Options("unit", []Choice{{Value: "1", Label: "市城管局"}, {Value: "2", Label: `A&B "<x>"`}, {Value: "3", Label: "三"}}))
	want := `<option value="1">市城管局</option><option value="2" selected>A&amp;B &#34;&lt;x&gt;&#34;</option><option value="3" selected>三</option>`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := string(v.Options("state", []Option{{`"><script>`, "x"}})); got != `<option value="&#34;&gt;&lt;script&gt;">x</option>` {
		t.Fatalf("value not escaped: %s", got)
	}
}

// TestGroupOptionsOfferWholeGroupsOnlyWhenAsked proves the grouped options
// escape labels, mark the submitted values and offer the group itself only
// for a filter.
func TestGroupOptionsOfferWholeGroupsOnlyWhenAsked(t *testing.T) {
	v := &View{Lang: "zh-CN", Form: map[string][]string{"category": {"3"}}}
	groups := []CatGroup{{Value: "1", Label: "市容<环境>", Items: []Choice{{Value: "2", Label: "占道经营"}, {Value: "3", Label: "乱贴小广告"}}}}
	got := string(v.GroupOptions("category", groups, false))
	want := `<optgroup label="市容&lt;环境&gt;"><option value="2">占道经营</option><option value="3" selected>乱贴小广告</option></optgroup>`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	whole := string(v.GroupOptions("category", groups, true))
	if !strings.HasPrefix(whole, `<optgroup label="市容&lt;环境&gt;"><option value="1">`) || !strings.HasSuffix(whole, want[len(`<optgroup label="市容&lt;环境&gt;">`):]) {
		t.Fatalf("whole group not offered first: %s", whole)
	}
}

// TestMenuMarksTheCurrentPageAndHeadsEachGroupOnce proves the menu, which
// is written in Go, puts a group's heading before its first item only,
// marks the current page for assistive technology, and escapes labels.
func TestMenuMarksTheCurrentPageAndHeadsEachGroupOnce(t *testing.T) {
	v := &View{Nav: []NavItem{
		{Label: "首页", Href: "/"},
		{Label: "工单", Href: "/orders", Active: true},
		{Label: "区域", Href: "/regions", Group: "系统<管理>"},
		{Label: "单位", Href: "/units", Group: "系统<管理>"},
	}}
	want := `<li><a href="/">首页</a></li>` + "\n" +
		`<li><a href="/orders" aria-current="page" class="active">工单</a></li>` + "\n" +
		`<li class="nav-group">系统&lt;管理&gt;</li><li><a href="/regions">区域</a></li>` + "\n" +
		`<li><a href="/units">单位</a></li>` + "\n"
	if got := string(v.Menu()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestMenuKeepsEachGroupTogetherAfterTheUngroupedEntries: an ungrouped
// entry whose order falls among a group's entries is listed with the
// other ungrouped ones, before every group, and each group's entries stay
// together under its heading.
func TestMenuKeepsEachGroupTogetherAfterTheUngroupedEntries(t *testing.T) {
	got := sortMenu([]MenuEntry{
		{Key: "home", Order: 0}, {Key: "insp.a", Group: "insp", Order: 36}, {Key: "insp.b", Group: "insp", Order: 42},
		{Key: "stats", Order: 40}, {Key: "admin.a", Group: "admin", Order: 60}, {Key: "vol.a", Group: "vol", Order: 39},
		{Key: "board", Order: 50}, {Key: "vol.b", Group: "vol", Order: 45}, {Key: "admin.b", Group: "admin", Order: 30},
	})
	var keys []string
	for _, e := range got {
		keys = append(keys, e.Key)
	}
	want := "home stats board admin.b admin.a insp.a insp.b vol.a vol.b"
	if strings.Join(keys, " ") != want {
		t.Errorf("menu %v, want %s", keys, want)
	}
}

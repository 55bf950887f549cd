package orderweb

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/workorder"
)

// BenchmarkQueuePageRender renders the dispatcher's queue page (layout,
// menu, filters with 90 units, 177 regions and 30 categories, 50 rows)
// without the database: the page's own share of its server time.
func BenchmarkQueuePageRender(b *testing.B) {
	s, err := web.New(web.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, New(nil, nil, nil, nil))
	if err != nil {
		b.Fatal(err)
	}
	p := &auth.Principal{UserID: 1, DisplayName: "调度员", Perms: map[auth.Perm]bool{}}
	for _, perm := range auth.AllPerms {
		p.Perms[perm] = true
	}
	r := httptest.NewRequest("GET", "/orders?state=dispatched", nil)
	v := &web.View{Lang: "zh-CN", P: p, CSRF: "x", Path: "/orders", Query: r.URL.Query(), Form: url.Values{"state": {"dispatched"}}}
	v.Title = v.T("woweb.list.title")
	v.Nav = s.Nav(v)
	d := &orderListData{Page: 1}
	for _, st := range workorder.States {
		d.States = append(d.States, web.Option{Value: string(st), Label: v.T(st.Key())})
	}
	for _, ch := range workorder.Channels {
		d.Channels = append(d.Channels, web.Option{Value: string(ch), Label: v.T(ch.Key())})
	}
	for g := range 6 {
		cg := web.CatGroup{Value: strconv.Itoa(100 + g), Label: fmt.Sprintf("分组%d", g)}
		for c := range 5 {
			cg.Items = append(cg.Items, web.Choice{Value: strconv.Itoa(g*10 + c), Label: fmt.Sprintf("类别%d-%d", g, c)})
		}
		d.Categories = append(d.Categories, cg)
	}
	for i := range 90 {
		d.Units = append(d.Units, web.Choice{Value: strconv.Itoa(i), Label: fmt.Sprintf("市中区第%d街道办事处", i)})
	}
	for i := range 177 {
		d.Regions = append(d.Regions, web.Choice{Value: strconv.Itoa(i), Label: fmt.Sprintf("　　张公桥第%d社区", i)})
	}
	now := time.Now()
	for i := range 50 {
		o := workorder.Order{ID: int64(1000 + i), Code: "ABCDEFGHJK", Channel: workorder.Channel("snap"), State: workorder.StateDispatched,
			Title: "菜市场门口摊贩占道经营，影响通行，请尽快处理", CategoryName: "占道经营", RegionName: "张公桥社区", UnitName: "市中区张公桥街道",
			CreatedAt: now}
		d.Rows = append(d.Rows, newOrderRow(v, o))
	}
	d.Pager = web.NewPager(r, web.ListQuery{Page: 1, Size: 50}, 0)
	v.Data = d
	b.ReportAllocs()
	for b.Loop() {
		s.Render(httptest.NewRecorder(), r, 200, "wo_list", v)
	}
}

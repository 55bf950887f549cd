package workorder_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/search"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// searchDoc is one order of the search corpus.
type searchDoc struct {
	cat, title, desc, addr string
}

// searchCorpus holds near misses on purpose: 路边灯光 has 路 and 灯 but
// not 路灯, 井口盖子 has 井 and 盖 but not 井盖, 拉圾 is a common misspelling.
var searchCorpus = []searchDoc{
	{"STREET_LIGHT", "路灯不亮", "嘉定北路的路灯晚上一直不亮", "嘉定北路 12 号"},                     // 0
	{"MANHOLE", "井盖缺失", "人行道上井盖缺失，很危险", "柏杨中路与东大街路口"},                          // 1
	{"RUBBISH", "", "小区门口垃圾堆放多日无人清运", "海棠小区"},                                  // 2
	{"STREET_LIGHT", "", "路边灯光昏暗，晚上看不清", "滨河路"},                                // 3
	{"MANHOLE", "", "井口盖子松动，车过有响声", "白塔街"},                                     // 4
	{"RUBBISH", "", "有人乱扔拉圾，请处理一下", "县街"},                                      // 5
	{"STREET_LIGHT", "", "Street light broken near the school gate", "路灯管理所旁"}, // 6: 路灯 only in the address
	{"RUBBISH", "垃圾桶满了", "垃圾桶满了溢出来了，井盖旁边也有", "茶坊路"},                            // 7: 垃圾 and 井盖
}

// TestSearchFindsTwoCharacterWordsAlikeOnBothEngines submits a corpus of
// orders and checks that 路灯, 井盖 and 垃圾 find exactly the orders that
// contain them (title, text or address), newest first, with the same
// orders on SQLite and PostgreSQL.
func TestSearchFindsTwoCharacterWordsAlikeOnBothEngines(t *testing.T) {
	want := map[string][]int{ // corpus positions, newest first
		"路灯":           {6, 0},
		"井盖":           {7, 1},
		"垃圾":           {7, 2},
		"垃圾 井盖":        {7},
		"street":       {6},
		"STREET LIGH*": {6},
		"晚上":           {3, 0},
		"拉圾":           {5},
		"路灯不亮":         {0},
		"井盖丢失":         {},
	}
	var mu sync.Mutex
	got := map[db.Engine]map[string][]int{}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ids := make([]int64, len(searchCorpus))
		for i, doc := range searchCorpus {
			ids[i] = f.submitText(t, doc)
		}
		pos := map[int64]int{}
		for i, id := range ids {
			pos[id] = i
		}
		res := map[string][]int{}
		for q, w := range want {
			orders, more, err := f.svc.List(f.ctx, f.disp, wo.Filter{Q: q})
			must(t, err)
			var p []int
			for _, o := range orders {
				p = append(p, pos[o.ID])
			}
			if more || !slices.Equal(p, w) {
				t.Errorf("%s: got %v (more %v), want %v", q, p, more, w)
			}
			res[q] = p
		}
		mu.Lock()
		got[d.Engine] = res
		mu.Unlock()
	})
	if a, b := got[db.SQLite], got[db.Postgres]; a != nil && b != nil {
		for q := range want {
			if !slices.Equal(a[q], b[q]) {
				t.Errorf("%s: SQLite %v, PostgreSQL %v", q, a[q], b[q])
			}
		}
	}
}

// TestSearchFollowsTheResolutionTextOnly: an order becomes findable by a
// word of its resolution when it is resolved, of the answer when answered
// at intake, and a merged child by its parent's resolution when it closes
// with it; steps that change no text (dispatch, recategorise) keep it.
func TestSearchFollowsTheResolutionTextOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		find := func(q string) []int64 {
			t.Helper()
			orders, _, err := f.svc.List(f.ctx, f.disp, wo.Filter{Q: q})
			must(t, err)
			var ids []int64
			for _, o := range orders {
				ids = append(ids, o.ID)
			}
			return ids
		}
		a := f.submitText(t, searchCorpus[1]) // 井盖缺失
		b := f.submitText(t, searchCorpus[1]) // a duplicate, merged into a
		c := f.submitText(t, searchDoc{"POLICY_QUERY", "", "请问办理居住证需要什么材料", ""})
		if got := find("加固"); len(got) != 0 {
			t.Fatalf("before resolving: %v", got)
		}
		f.act(t, f.disp, a, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.disp, b, wo.ActionInput{Action: wo.ActionMerge, ParentID: a})
		f.act(t, f.disp, a, wo.ActionInput{Action: wo.ActionRecategorise, CategoryID: f.cats["ROAD_DAMAGE"]})
		if got := find("井盖"); !slices.Equal(got, []int64{b, a}) {
			t.Fatalf("after dispatch, merge and recategorise: %v", got)
		}
		f.act(t, f.handA, a, wo.ActionInput{Action: wo.ActionAcknowledge})
		f.act(t, f.handA, a, wo.ActionInput{Action: wo.ActionResolve, Note: "已更换新井盖并加固底座"})
		if got := find("加固"); !slices.Equal(got, []int64{a}) {
			t.Fatalf("resolved order by its resolution: %v", got)
		}
		if got := find("底座 井盖"); !slices.Equal(got, []int64{a}) {
			t.Fatalf("resolution and description together: %v", got)
		}
		f.act(t, f.disp, a, wo.ActionInput{Action: wo.ActionVerify})
		f.act(t, f.oper, a, wo.ActionInput{Action: wo.ActionClose})
		if got := find("加固"); !slices.Equal(got, []int64{b, a}) {
			t.Fatalf("the merged child closes with the parent's resolution: %v", got)
		}
		f.act(t, f.oper, c, wo.ActionInput{Action: wo.ActionAnswer, Note: "需要身份证和租房合同"})
		if got := find("租房"); !slices.Equal(got, []int64{c}) {
			t.Fatalf("answered at intake, by the answer: %v", got)
		}
	})
}

// TestSearchKeepsScopeFiltersAndPaging: q narrows what the other filters
// and the viewer's scope give, newest first, page by page; a query without
// any term is no text filter.
func TestSearchKeepsScopeFiltersAndPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var lights []int64
		for range 5 {
			lights = append(lights, f.submitText(t, searchCorpus[0]))
		}
		other := f.submitText(t, searchCorpus[2])
		f.act(t, f.disp, lights[0], wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.disp, lights[1], wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitB})
		f.act(t, f.disp, other, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})

		ids := func(p []wo.Order) []int64 {
			var out []int64
			for _, o := range p {
				out = append(out, o.ID)
			}
			return out
		}
		rows, _, err := f.svc.List(f.ctx, f.handA, wo.Filter{Q: "路灯"})
		must(t, err)
		if !slices.Equal(ids(rows), []int64{lights[0]}) {
			t.Fatalf("unit A's handler: %v", ids(rows))
		}
		rows, _, err = f.svc.List(f.ctx, f.handB, wo.Filter{Q: "垃圾"})
		must(t, err)
		if len(rows) != 0 {
			t.Fatalf("unit B's handler finds another unit's order: %v", ids(rows))
		}
		rows, _, err = f.svc.List(f.ctx, f.disp, wo.Filter{Q: "路灯", States: []wo.State{wo.StateDispatched}})
		must(t, err)
		if !slices.Equal(ids(rows), []int64{lights[1], lights[0]}) {
			t.Fatalf("with a state filter: %v", ids(rows))
		}
		p1, more1, err := f.svc.List(f.ctx, f.disp, wo.Filter{Q: "路灯", Size: 2, Page: 1})
		must(t, err)
		p3, more3, err := f.svc.List(f.ctx, f.disp, wo.Filter{Q: "路灯", Size: 2, Page: 3})
		must(t, err)
		if !slices.Equal(ids(p1), []int64{lights[4], lights[3]}) || !more1 || !slices.Equal(ids(p3), []int64{lights[0]}) || more3 {
			t.Fatalf("paging: %v %v / %v %v", ids(p1), more1, ids(p3), more3)
		}
		all, _, err := f.svc.List(f.ctx, f.disp, wo.Filter{})
		must(t, err)
		for _, q := range []string{"", "   ", "！？…", "*"} {
			rows, _, err := f.svc.List(f.ctx, f.disp, wo.Filter{Q: q})
			must(t, err)
			if !slices.Equal(ids(rows), ids(all)) {
				t.Fatalf("q %q without terms filtered: %v", q, ids(rows))
			}
		}
	})
}

// submitText files a citizen report with the document's text in district
// A's street and returns its id.
func (f *fixture) submitText(t *testing.T, doc searchDoc) int64 {
	t.Helper()
	var p = f.oper
	in := wo.SubmitInput{Channel: wo.ChannelHotline, CategoryID: f.cats[doc.cat], Title: doc.title,
		Description: doc.desc, Address: doc.addr, RegionID: f.street}
	s, err := f.svc.Submit(f.ctx, p, in)
	must(t, err)
	return s.ID
}

// TestRebuildSearchIndexesEveryOrderOnceWhenAnUpgradeAsks empties the index
// as migration 0014 does on an upgraded SQLite database, lists the kind in
// search_rebuild, and proves RebuildSearch indexes every order again,
// clears the request, and does nothing the next time.
func TestRebuildSearchIndexesEveryOrderOnceWhenAnUpgradeAsks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, b := f.submit(t, "RUBBISH"), f.submit(t, "FLYERS")
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			if err := search.Delete(f.ctx, tx, wo.SearchKind, a.ID); err != nil {
				return err
			}
			if err := search.Delete(f.ctx, tx, wo.SearchKind, b.ID); err != nil {
				return err
			}
			_, err := tx.Exec(f.ctx, "INSERT INTO search_rebuild (kind) VALUES (?)", wo.SearchKind)
			return err
		}))
		found := func() []int64 {
			var refs []int64
			must(t, d.Read(f.ctx, func(tx *db.Tx) error {
				var err error
				refs, err = search.Refs(f.ctx, tx, wo.SearchKind, "摊贩")
				return err
			}))
			return refs
		}
		if got := found(); len(got) != 0 {
			t.Fatalf("emptied index still finds %v", got)
		}
		n, err := f.svc.RebuildSearch(f.ctx)
		must(t, err)
		if n != 2 || !slices.Equal(found(), []int64{a.ID, b.ID}) {
			t.Fatalf("rebuild indexed %d orders; search finds %v", n, found())
		}
		if n, err := f.svc.RebuildSearch(f.ctx); err != nil || n != 0 {
			t.Fatalf("second rebuild: %d, %v", n, err)
		}
	})
}

package inspection

import (
	"testing"
)

func TestCheckTree(t *testing.T) {
	ok := func() []TreeNode {
		return []TreeNode{
			{Code: "B", Level: LevelPart, Points: 1000},
			{Code: "B01", Parent: "B", Level: LevelSection, Points: 1000},
			{Code: "B0101", Parent: "B01", Level: LevelIndicator, Points: 600, Method: MethodField},
			{Code: "B010101", Parent: "B0101", Level: LevelContent, Points: 600, Method: MethodField},
			{Code: "B0102", Parent: "B01", Level: LevelIndicator, Points: 400, Method: MethodDocument},
		}
	}
	type want struct {
		node  int
		field string
		key   string
	}
	cases := []struct {
		name   string
		change func([]TreeNode) []TreeNode
		want   []want
	}{
		{"a sound tree", func(n []TreeNode) []TreeNode { return n }, nil},
		{"duplicate code", func(n []TreeNode) []TreeNode {
			return append(n, TreeNode{Code: "B0102", Parent: "B01", Level: LevelIndicator, Points: 100, Method: MethodField})
		}, []want{{1, "points", "inspection.tree.sum_mismatch"}, {5, "code", "inspection.tree.duplicate_code"}}},
		{"a part with a parent", func(n []TreeNode) []TreeNode { n[0].Parent = "B01"; return n },
			[]want{{0, "parent", "inspection.tree.part_has_parent"}}},
		{"a section without parent", func(n []TreeNode) []TreeNode { n[1].Parent = ""; return n },
			[]want{{0, "code", "inspection.tree.needs_children"}, {1, "parent", "inspection.tree.parent_required"}}},
		{"unknown parent", func(n []TreeNode) []TreeNode { n[4].Parent = "X9"; return n },
			[]want{{1, "points", "inspection.tree.sum_mismatch"}, {4, "parent", "inspection.tree.parent_unknown"}}},
		{"skipping a level", func(n []TreeNode) []TreeNode { n[3].Parent = "B01"; return n },
			[]want{{3, "level", "inspection.tree.level_below"}}},
		{"children do not add up", func(n []TreeNode) []TreeNode { n[3].Points = 500; return n },
			[]want{{2, "points", "inspection.tree.sum_mismatch"}}},
		{"zero points", func(n []TreeNode) []TreeNode { n[4].Points = 0; return n },
			[]want{{1, "points", "inspection.tree.sum_mismatch"}, {4, "points", "inspection.tree.points_positive"}}},
		{"content without method", func(n []TreeNode) []TreeNode { n[3].Method = ""; return n },
			[]want{{3, "method", "inspection.tree.method_required"}}},
		{"section with method", func(n []TreeNode) []TreeNode { n[1].Method = MethodField; return n },
			[]want{{1, "method", "inspection.tree.method_not_here"}}},
		{"empty section", func(n []TreeNode) []TreeNode {
			return append(n, TreeNode{Code: "B02", Parent: "B", Level: LevelSection, Points: 100})
		}, []want{{0, "points", "inspection.tree.sum_mismatch"}, {5, "code", "inspection.tree.needs_children"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CheckTree(c.change(ok()))
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for i, w := range c.want {
				if got[i].Node != w.node || got[i].Field != w.field || got[i].Key != w.key {
					t.Fatalf("problem %d: got %+v, want %+v", i, got[i], w)
				}
			}
		})
	}
}

func TestTheDemoIndexKeepsEveryRuleAndHasTheNationalShape(t *testing.T) {
	ns := demoIndexNodes()
	if probs := CheckTree(treeNodes(ns)); len(probs) > 0 {
		t.Fatalf("demo index breaks the rules: %+v (first node %+v)", probs, ns[probs[0].Node])
	}
	parts := map[string]Points{}
	sections := map[string]bool{}
	for _, n := range ns {
		if n.Level == LevelPart {
			parts[n.Name] = n.Points
		}
		if n.Level == LevelSection {
			sections[n.Name] = true
		}
	}
	if parts["基本指标"] != 10000 || parts["特色指标"] != 2000 {
		t.Fatalf("parts %v", parts)
	}
	for _, s := range []string{"政务环境", "法治环境", "市场环境", "人文环境", "生活环境", "生态环境", "创建活动"} {
		if !sections[s] {
			t.Errorf("section %s missing", s)
		}
	}
	codes := map[string]bool{}
	for _, n := range ns {
		codes[n.Code] = n.Level == LevelContent || n.Level == LevelIndicator
	}
	for _, ty := range demoTypes {
		var in []Scored
		for _, k := range ty.items {
			it, ok := demoItems[k]
			if !ok || !codes[it.indicator] {
				t.Fatalf("%s: item %s ties to %q, not in the index", ty.code, k, it.indicator)
			}
			c := CheckItemInput{IndicatorCode: it.indicator, Title: it.title, Rule: it.rule, Points: it.points * 100, Deduct: it.deduct * 100,
				Cap: it.cap * 100, Severity: it.severity, AllowNA: it.na}
			if err := CheckItemRules(&c, codes); err != nil {
				t.Fatalf("%s %s: %v", ty.code, k, err)
			}
			in = append(in, Scored{Points: c.Points, Outcome: OutcomePass})
		}
		if s, _, _ := ScoreOf(in); s.Rate != 10000 {
			t.Fatalf("%s: all pass scores %d", ty.code, s.Rate)
		}
	}
	if len(demoTypes) < 20 {
		t.Fatalf("%d site types", len(demoTypes))
	}
}

func TestCheckItemRules(t *testing.T) {
	known := map[string]bool{"B050101": true}
	base := func() CheckItemInput {
		return CheckItemInput{IndicatorCode: "B050101", Title: "环境卫生", Rule: "每发现一处扣1分", Points: 1000, Deduct: 100, Cap: 1000, Severity: SeverityNormal}
	}
	cases := []struct {
		name   string
		change func(*CheckItemInput)
		field  string
	}{
		{"sound", func(*CheckItemInput) {}, ""},
		{"no indicator", func(c *CheckItemInput) { c.IndicatorCode = "" }, "indicator_code"},
		{"unknown indicator", func(c *CheckItemInput) { c.IndicatorCode = "X1" }, "indicator_code"},
		{"no rule", func(c *CheckItemInput) { c.Rule = "  " }, "rule"},
		{"no title", func(c *CheckItemInput) { c.Title = "" }, "title"},
		{"zero points", func(c *CheckItemInput) { c.Points = 0 }, "points"},
		{"zero deduction", func(c *CheckItemInput) { c.Deduct = 0 }, "deduct"},
		{"cap over points", func(c *CheckItemInput) { c.Cap = 1100 }, "cap"},
		{"deduction over cap", func(c *CheckItemInput) { c.Cap = 500; c.Deduct = 600 }, "deduct"},
		{"bad severity", func(c *CheckItemInput) { c.Severity = "huge" }, "severity"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base()
			c.change(&in)
			err := CheckItemRules(&in, known)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := errsAs(err); e == nil || e[c.field] == "" {
				t.Fatalf("want a message on %s, got %v", c.field, err)
			}
		})
	}
}

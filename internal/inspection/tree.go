package inspection

import (
	"github.com/wenming-city/wenming/internal/i18n"
	"slices"
	"strings"
)

// Level is a node's place in the index tree: part (基本指标 / 特色指标) →
// section (政务环境 …) → indicator → content (测评内容).
type Level string

const (
	LevelPart      Level = "part"
	LevelSection   Level = "section"
	LevelIndicator Level = "indicator"
	LevelContent   Level = "content"
)

// Levels lists the levels from the top.
var Levels = []Level{LevelPart, LevelSection, LevelIndicator, LevelContent}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return slices.Contains(Levels, l) }

// Depth is 0 for a part, 3 for a content.
func (l Level) Depth() int { return slices.Index(Levels, l) }

// Key is the level's message key.
func (l Level) Key() string { return "inspection.level." + string(l) }

// Method is how an indicator or content is collected.
type Method string

const (
	MethodField         Method = "field"         // 实地考察
	MethodQuestionnaire Method = "questionnaire" // 问卷调查
	MethodDocument      Method = "document"      // 材料审核
	MethodReport        Method = "report"        // 听取汇报 / 整体观察
)

// Methods lists the collection methods.
var Methods = []Method{MethodField, MethodQuestionnaire, MethodDocument, MethodReport}

// Valid reports whether m is a known method.
func (m Method) Valid() bool { return slices.Contains(Methods, m) }

// Key is the method's message key.
func (m Method) Key() string { return "inspection.method." + string(m) }

// TreeNode is what the tree rules look at: a node's code, its parent's
// code ("" for a part), level, points and method.
type TreeNode struct {
	Code, Parent string
	Level        Level
	Points       Points
	Method       Method
}

// TreeProblem is one rule a tree breaks: the node (its index in the list),
// the field concerned and the message.
type TreeProblem struct {
	Node  int
	Field string // "code", "parent", "level", "points", "method"
	Key   string
	Args  []any
}

// CheckTree applies the index's structural rules to a whole tree (an
// import, or a draft about to be activated):
//   - codes are unique; a parent code names another node;
//   - a part has no parent, every other level's parent is the level above;
//   - points are positive; a node with children has exactly the sum of
//     its children's points;
//   - indicators and contents name a collection method, parts and
//     sections do not; a part or section must have children.
//
// Problems are returned in node order, one per node and field at most.
func CheckTree(nodes []TreeNode) []TreeProblem {
	var out []TreeProblem
	add := func(i int, field, key string, args ...any) {
		out = append(out, TreeProblem{Node: i, Field: field, Key: key, Args: args})
	}
	byCode := map[string]int{}
	for i, n := range nodes {
		if j, ok := byCode[n.Code]; ok && n.Code != "" {
			_ = j
			add(i, "code", "inspection.tree.duplicate_code")
			continue
		}
		byCode[n.Code] = i
	}
	sums := map[string]Points{}
	kids := map[string]int{}
	for i, n := range nodes {
		if !n.Level.Valid() {
			continue
		}
		switch {
		case n.Level == LevelPart && n.Parent != "":
			add(i, "parent", "inspection.tree.part_has_parent")
		case n.Level != LevelPart && n.Parent == "":
			add(i, "parent", "inspection.tree.parent_required")
		case n.Parent != "":
			j, ok := byCode[n.Parent]
			if !ok || j == i {
				add(i, "parent", "inspection.tree.parent_unknown", n.Parent)
			} else if nodes[j].Level.Valid() && nodes[j].Level.Depth() != n.Level.Depth()-1 {
				add(i, "level", "inspection.tree.level_below", i18n.Key(nodes[j].Level.Key()))
			} else {
				sums[n.Parent] += n.Points
				kids[n.Parent]++
			}
		}
		if n.Points <= 0 {
			add(i, "points", "inspection.tree.points_positive")
		}
		leafish := n.Level == LevelIndicator || n.Level == LevelContent
		if leafish && !n.Method.Valid() {
			add(i, "method", "inspection.tree.method_required")
		} else if !leafish && n.Method != "" {
			add(i, "method", "inspection.tree.method_not_here")
		}
	}
	for i, n := range nodes {
		if !n.Level.Valid() || byCode[n.Code] != i {
			continue
		}
		k := kids[n.Code]
		if k == 0 && (n.Level == LevelPart || n.Level == LevelSection) {
			add(i, "code", "inspection.tree.needs_children")
		}
		if k > 0 && sums[n.Code] != n.Points && n.Points > 0 {
			add(i, "points", "inspection.tree.sum_mismatch", sums[n.Code].String(), n.Points.String())
		}
	}
	slices.SortStableFunc(out, func(a, b TreeProblem) int {
		if a.Node != b.Node {
			return a.Node - b.Node
		}
		return strings.Compare(fieldOrder(a.Field), fieldOrder(b.Field))
	})
	return out
}

func fieldOrder(f string) string {
	switch f {
	case "code":
		return "0"
	case "parent":
		return "1"
	case "level":
		return "2"
	case "points":
		return "4"
	case "method":
		return "5"
	}
	return "9" + f
}

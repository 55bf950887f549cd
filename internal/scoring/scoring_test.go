package scoring

import (
	"slices"
	"testing"
)

// mine is the fixture scheme: two judged criteria and one test, weights
// leader 50 / peer 30 / office 20.
func mine(missing Missing, tie TieBreak) Scheme {
	return Scheme{Code: "mine-driver", Version: 1, Missing: missing, TieBreak: tie,
		Criteria: []Criterion{
			{Code: "safety", Points: Points(100), Method: MethodJudgement},
			{Code: "skill", Points: Points(60), Method: MethodJudgement},
			{Code: "exam", Points: Points(40), Method: MethodTest},
		},
		Weights: []ScorerWeight{{"leader", 50}, {"peer", 30}, {"office", 20}},
	}
}

func marks(crit string, kv ...any) []Mark {
	var out []Mark
	for i := 0; i < len(kv); i += 2 {
		out = append(out, Mark{Criterion: crit, Kind: kv[i].(string), Value: Points(int64(kv[i+1].(int)))})
	}
	return out
}

func TestScoreWeightsMissingScorersAndAdjustmentsAsComputedByHand(t *testing.T) {
	full := append(marks("safety", "leader", 90, "peer", 80, "peer", 70, "office", 100), marks("skill", "leader", 50, "peer", 60, "office", 40)...)
	noOffice := append(marks("safety", "leader", 90, "peer", 80, "peer", 70), marks("skill", "leader", 50, "peer", 60)...)
	exam := map[string]Cents{"exam": Points(36)}
	cases := []struct {
		name     string
		missing  Missing
		sub      Subject
		total    Cents
		complete bool
		byCrit   map[string]Cents
	}{
		// safety: leader 90, peer avg (80+70)/2 = 75, office 100 → (90×50 + 75×30 + 100×20)/100 = 87.50
		// skill: (50×50 + 60×30 + 40×20)/100 = 51; exam 36 → 174.50
		{"every scorer", MissingRenormalise, Subject{Code: "a", Marks: full, Objective: exam}, 17450, true,
			map[string]Cents{"safety": 8750, "skill": 5100, "exam": 3600}},
		// no office: renormalised over 80: safety (4500 + 2250)/80 = 84.375 → 84.38; skill (2500 + 1800)/80 = 53.75; +36 = 174.13
		{"office missing, renormalised", MissingRenormalise, Subject{Code: "a", Marks: noOffice, Objective: exam}, 17413, true,
			map[string]Cents{"safety": 8438, "skill": 5375, "exam": 3600}},
		// no office counted 0: safety 6750/100 = 67.50; skill 4300/100 = 43; +36 = 146.50
		{"office missing, counted zero", MissingZero, Subject{Code: "a", Marks: noOffice, Objective: exam}, 14650, true,
			map[string]Cents{"safety": 6750, "skill": 4300, "exam": 3600}},
		// incomplete: no rank, criteria scored from who did score are still shown
		{"office missing, incomplete", MissingIncomplete, Subject{Code: "a", Marks: noOffice, Objective: exam}, 17413, false,
			map[string]Cents{"safety": 8438, "skill": 5375, "exam": 3600}},
		{"exam missing", MissingRenormalise, Subject{Code: "a", Marks: full}, 13850, false,
			map[string]Cents{"safety": 8750, "skill": 5100}},
		{"exam capped", MissingRenormalise, Subject{Code: "a", Marks: full, Objective: map[string]Cents{"exam": Points(55)}}, 17850, true,
			map[string]Cents{"safety": 8750, "skill": 5100, "exam": 4000}},
		// +5 approved, −3 pending (not counted), +2 approved by the proposer (not counted)
		{"adjustments", MissingRenormalise, Subject{Code: "a", Marks: full, Objective: exam, Adjustments: []Adjustment{
			{Value: Points(5), Reason: "rescue", Evidence: "doc", ProposedBy: "u1", ApprovedBy: "u2"},
			{Value: Points(-3), Reason: "late", Evidence: "doc", ProposedBy: "u1"},
			{Value: Points(2), Reason: "self", Evidence: "doc", ProposedBy: "u1", ApprovedBy: "u1"},
		}}, 17950, true, map[string]Cents{"safety": 8750, "skill": 5100, "exam": 3600}},
		{"never below zero", MissingRenormalise, Subject{Code: "a", Objective: map[string]Cents{"exam": 100}, Marks: marks("safety", "leader", 0, "peer", 0, "office", 0),
			Adjustments: []Adjustment{{Value: Points(-50), Reason: "x", Evidence: "y", ProposedBy: "u1", ApprovedBy: "u2"}}}, 0, false,
			map[string]Cents{"safety": 0, "exam": 100}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mine(c.missing, TieBreak{Then: TieShared}).Score(c.sub)
			if r.Total != c.total || r.Complete != c.complete {
				t.Fatalf("total %v complete %v, want %v %v (parts %+v)", r.Total, r.Complete, c.total, c.complete, r.Parts)
			}
			for k, v := range c.byCrit {
				if r.ByCrit[k] != v {
					t.Errorf("%s = %v, want %v", k, r.ByCrit[k], v)
				}
			}
		})
	}
}

func TestTheTraceNamesEveryPartOfATotal(t *testing.T) {
	sub := Subject{Code: "a", Objective: map[string]Cents{"exam": Points(36)},
		Marks:       append(marks("safety", "leader", 90, "peer", 80, "peer", 70), marks("skill", "leader", 50, "peer", 60)...),
		Adjustments: []Adjustment{{Value: Points(5), Reason: "rescue", Evidence: "e", ProposedBy: "u1", ApprovedBy: "u2"}}}
	r := mine(MissingRenormalise, TieBreak{Then: TieShared}).Score(sub)
	want := []Part{
		{Criterion: "safety", Kind: "leader", Value: 9000, Marks: 1, Weight: 50},
		{Criterion: "safety", Kind: "peer", Value: 7500, Marks: 2, Weight: 30},
		{Criterion: "safety", Kind: "office", Note: "missing"},
		{Criterion: "skill", Kind: "leader", Value: 5000, Marks: 1, Weight: 50},
		{Criterion: "skill", Kind: "peer", Value: 6000, Marks: 1, Weight: 30},
		{Criterion: "skill", Kind: "office", Note: "missing"},
		{Criterion: "exam", Value: 3600},
		{Value: 500, Weight: 1, Note: "adjustment: rescue"},
	}
	if !slices.Equal(r.Parts, want) {
		t.Fatalf("parts\n%+v\nwant\n%+v", r.Parts, want)
	}
	if !slices.Equal(r.Missing, []string{"safety/office", "skill/office"}) {
		t.Fatalf("missing %v", r.Missing)
	}
}

func TestRanksWithinGroupsAndTheStatedTieBreak(t *testing.T) {
	sub := func(code, group string, safety, skill, exam int) Subject {
		return Subject{Code: code, Group: group, Objective: map[string]Cents{"exam": Points(int64(exam))},
			Marks: append(marks("safety", "leader", safety, "peer", safety, "office", safety), marks("skill", "leader", skill, "peer", skill, "office", skill)...)}
	}
	subs := []Subject{
		sub("d", "driver", 80, 50, 30), // 160
		sub("b", "driver", 90, 40, 30), // 160, better safety
		sub("c", "driver", 95, 55, 40), // 190
		sub("a", "driver", 80, 50, 30), // 160, same as d everywhere
		sub("x", "fitter", 50, 50, 20), // 120
		{Code: "z", Group: "fitter"},   // no marks: incomplete
		sub("y", "fitter", 60, 50, 20), // 130
	}
	type rk struct {
		code string
		rank int
	}
	cases := []struct {
		name string
		tie  TieBreak
		want []rk
	}{
		{"shared ranks", TieBreak{Then: TieShared}, []rk{{"c", 1}, {"a", 2}, {"b", 2}, {"d", 2}, {"y", 1}, {"x", 2}, {"z", 0}}},
		{"safety then shared", TieBreak{Criteria: []string{"safety"}, Then: TieShared}, []rk{{"c", 1}, {"b", 2}, {"a", 3}, {"d", 3}, {"y", 1}, {"x", 2}, {"z", 0}}},
		{"safety then code", TieBreak{Criteria: []string{"safety"}, Then: TieCode}, []rk{{"c", 1}, {"b", 2}, {"a", 3}, {"d", 4}, {"y", 1}, {"x", 2}, {"z", 0}}},
		{"code only", TieBreak{Then: TieCode}, []rk{{"c", 1}, {"a", 2}, {"b", 3}, {"d", 4}, {"y", 1}, {"x", 2}, {"z", 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := mine(MissingRenormalise, c.tie).Rank(subs)
			var got []rk
			for _, r := range rs {
				got = append(got, rk{r.Code, r.Rank})
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			if rs[0].GroupSize != 4 || rs[4].GroupSize != 2 {
				t.Fatalf("group sizes %d %d", rs[0].GroupSize, rs[4].GroupSize)
			}
		})
	}
}

func TestSchemeValidation(t *testing.T) {
	good := mine(MissingRenormalise, TieBreak{Criteria: []string{"safety"}, Then: TieShared})
	if ps := good.Validate(); ps != nil {
		t.Fatalf("good scheme refused: %v", ps)
	}
	if good.Max() != Points(200) {
		t.Fatalf("max %v", good.Max())
	}
	cases := []struct {
		name  string
		edit  func(*Scheme)
		field string
		key   string
	}{
		{"no criteria", func(s *Scheme) { s.Criteria = nil }, "criteria", "scoring.err.no_criteria"},
		{"empty code", func(s *Scheme) { s.Criteria[0].Code = " " }, "criteria.0", "scoring.err.criterion_code"},
		{"twice", func(s *Scheme) { s.Criteria[1].Code = "safety" }, "criteria.1", "scoring.err.criterion_twice"},
		{"no points", func(s *Scheme) { s.Criteria[2].Points = 0 }, "criteria.2", "scoring.err.criterion_points"},
		{"bad method", func(s *Scheme) { s.Criteria[2].Method = "guess" }, "criteria.2", "scoring.err.criterion_method"},
		{"figure without id", func(s *Scheme) { s.Criteria[2].Method = MethodFigure }, "criteria.2", "scoring.err.criterion_figure"},
		{"kind twice", func(s *Scheme) { s.Weights[1].Kind = "leader" }, "weights.1", "scoring.err.weight_kind"},
		{"zero weight", func(s *Scheme) { s.Weights[2].Weight = 0 }, "weights.2", "scoring.err.weight_positive"},
		{"judged, no weights", func(s *Scheme) { s.Weights = nil }, "weights", "scoring.err.no_weights"},
		{"bad missing rule", func(s *Scheme) { s.Missing = "" }, "missing", "scoring.err.missing_rule"},
		{"unknown tie criterion", func(s *Scheme) { s.TieBreak.Criteria = []string{"luck"} }, "tie_break", "scoring.err.tie_criterion"},
		{"bad tie", func(s *Scheme) { s.TieBreak.Then = "" }, "tie_break", "scoring.err.tie_then"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mine(MissingRenormalise, TieBreak{Criteria: []string{"safety"}, Then: TieShared})
			c.edit(&s)
			ps := s.Validate()
			if !slices.Contains(ps, Problem{c.field, c.key}) {
				t.Fatalf("problems %v, want %s %s", ps, c.field, c.key)
			}
		})
	}
}

func TestMarksAndAdjustmentsAreChecked(t *testing.T) {
	s := mine(MissingRenormalise, TieBreak{Then: TieShared})
	cases := []struct {
		m   Mark
		key string
	}{
		{Mark{Criterion: "safety", Kind: "leader", Value: Points(100)}, ""},
		{Mark{Criterion: "safety", Kind: "leader", Value: 0}, ""},
		{Mark{Criterion: "exam", Value: Points(40)}, ""},
		{Mark{Criterion: "safety", Kind: "leader", Value: Points(100) + 1}, "scoring.err.mark_range"},
		{Mark{Criterion: "safety", Kind: "leader", Value: -1}, "scoring.err.mark_range"},
		{Mark{Criterion: "safety", Kind: "self", Value: 1}, "scoring.err.mark_kind"},
		{Mark{Criterion: "luck", Kind: "leader", Value: 1}, "scoring.err.mark_criterion"},
	}
	for _, c := range cases {
		ps := s.CheckMark(c.m)
		if (c.key == "" && ps != nil) || (c.key != "" && (len(ps) != 1 || ps[0].Key != c.key)) {
			t.Errorf("%+v: %v, want %q", c.m, ps, c.key)
		}
	}
	ok := Adjustment{Value: 100, Reason: "r", Evidence: "e", ProposedBy: "u1", ApprovedBy: "u2"}
	acases := []struct {
		edit     func(*Adjustment)
		approved bool
		key      string
	}{
		{func(*Adjustment) {}, true, ""},
		{func(a *Adjustment) { a.ApprovedBy = "" }, false, ""},
		{func(a *Adjustment) { a.Value = 0 }, false, "scoring.err.adjust_zero"},
		{func(a *Adjustment) { a.Reason = " " }, false, "scoring.err.adjust_reason"},
		{func(a *Adjustment) { a.Evidence = "" }, false, "scoring.err.adjust_evidence"},
		{func(a *Adjustment) { a.ProposedBy = "" }, false, "scoring.err.adjust_proposer"},
		{func(a *Adjustment) { a.ApprovedBy = "u1" }, true, "scoring.err.adjust_second_person"},
		{func(a *Adjustment) { a.ApprovedBy = "" }, true, "scoring.err.adjust_second_person"},
	}
	for i, c := range acases {
		a := ok
		c.edit(&a)
		ps := CheckAdjustment(a, c.approved)
		if (c.key == "" && ps != nil) || (c.key != "" && (len(ps) != 1 || ps[0].Key != c.key)) {
			t.Errorf("case %d: %v, want %q", i, ps, c.key)
		}
	}
}

func TestCentsText(t *testing.T) {
	for c, want := range map[Cents]string{19200: "192", 1250: "12.5", -325: "-3.25", 1: "0.01", 0: "0"} {
		if c.String() != want {
			t.Errorf("%d: %q, want %q", c, c.String(), want)
		}
	}
}

package inspection

import "testing"

func TestScoreOfLeavesNAOutAndCapsDeductions(t *testing.T) {
	item := func(points, deduct, cap Points, na bool, o Outcome, n int) Scored {
		return Scored{Points: points * 100, Deduct: deduct * 100, Cap: cap * 100, AllowNA: na, Outcome: o, Count: n}
	}
	cases := []struct {
		name             string
		items            []Scored
		earned, possible Points
		rate, findings   int
		rated            bool
	}{
		{"all pass", []Scored{item(10, 1, 10, false, OutcomePass, 0), item(5, 1, 5, false, OutcomePass, 0)}, 1500, 1500, 10000, 0, true},
		{"one finding deducts once", []Scored{item(10, 2, 10, false, OutcomeFail, 1), item(10, 1, 10, false, OutcomePass, 0)}, 1800, 2000, 9000, 1, true},
		{"three findings deduct three times", []Scored{item(10, 2, 10, false, OutcomeFail, 3)}, 400, 1000, 4000, 3, true},
		{"deductions stop at the cap", []Scored{item(10, 2, 6, false, OutcomeFail, 9)}, 400, 1000, 4000, 9, true},
		{"a cap above the points stops at the points", []Scored{item(4, 3, 10, false, OutcomeFail, 5)}, 0, 400, 0, 5, true},
		{"a failure with no count is one finding", []Scored{item(10, 2, 10, false, OutcomeFail, 0)}, 800, 1000, 8000, 1, true},
		{"N/A leaves the denominator", []Scored{item(10, 1, 10, true, OutcomeNA, 0), item(10, 5, 10, false, OutcomeFail, 1)}, 500, 1000, 5000, 1, true},
		{"all N/A is not rated", []Scored{item(10, 1, 10, true, OutcomeNA, 0)}, 0, 0, 0, 0, false},
		{"empty is not rated", nil, 0, 0, 0, 0, false},
		{"rate rounds half up", []Scored{item(3, 1, 3, false, OutcomeFail, 1)}, 200, 300, 6667, 1, true},
		{"half points", []Scored{{Points: 250, Deduct: 50, Cap: 250, Outcome: OutcomeFail, Count: 2}, {Points: 250, Outcome: OutcomePass}}, 400, 500, 8000, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _, ok := ScoreOf(c.items)
			if !ok {
				t.Fatal("refused")
			}
			if s.Earned != c.earned || s.Possible != c.possible || s.Rate != c.rate || s.Rated != c.rated || s.Findings != c.findings {
				t.Fatalf("got %+v, want earned %d possible %d rate %d rated %v findings %d", s, c.earned, c.possible, c.rate, c.rated, c.findings)
			}
		})
	}
}

func TestScoreOfRefusesNAWhereNotAllowedAndUnknownOutcomes(t *testing.T) {
	for _, items := range [][]Scored{
		{{Points: 100, Outcome: OutcomePass}, {Points: 100, Outcome: OutcomeNA}},
		{{Points: 100, Outcome: OutcomePass}, {Points: 100, Outcome: "skip"}},
		{{Points: 100, Outcome: OutcomePass}, {Points: 100}},
	} {
		if _, bad, ok := ScoreOf(items); ok || bad != 1 {
			t.Fatalf("%+v: ok %v bad %d, want refused at 1", items, ok, bad)
		}
	}
}

func TestPointsParseAndFormat(t *testing.T) {
	good := map[string]Points{"2": 200, "2.5": 250, "0.25": 25, "100": 10000, " 3 ": 300, "0": 0, "1.50": 150}
	for s, want := range good {
		if got, ok := ParsePoints(s); !ok || got != want {
			t.Errorf("ParsePoints(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-1", "1.234", "abc", "1e3", "0x10", "NaN", "Inf", "1,5", "+2", "1001", "999999"} {
		if _, ok := ParsePoints(s); ok {
			t.Errorf("ParsePoints(%q) accepted", s)
		}
	}
	for p, want := range map[Points]string{200: "2", 250: "2.5", 25: "0.25", 5: "0.05", 0: "0", -150: "-1.5", 12000: "120"} {
		if got := p.String(); got != want {
			t.Errorf("Points(%d).String() = %q, want %q", p, got, want)
		}
	}
}

package scoring

import (
	"slices"
	"testing"
)

// ladder: top 20 % (start 4★), bottom = score under 120 (start 2★), else middle (3★);
// up one after two rounds in the top band, down one after one round at the bottom.
func ladder() Ladder {
	return Ladder{Min: 1, Max: 5,
		Bands: []Band{{Code: "top", TopPercent: 20, Stars: 4}, {Code: "middle", MinScore: Points(120), Stars: 3}, {Code: "bottom", Stars: 2}},
		Moves: []Move{{Band: "top", Rounds: 2, Delta: 1}, {Band: "bottom", Rounds: 1, Delta: -1}},
	}
}

func TestBandsByRankAndScore(t *testing.T) {
	l := ladder()
	cases := []struct {
		rank, size int
		total      Cents
		want       string
	}{
		{1, 10, Points(100), "top"},    // rank first
		{2, 10, Points(100), "top"},    // ceil(10×20/100) = 2
		{3, 10, Points(150), "middle"}, // not top, ≥ 120
		{3, 10, Points(120), "middle"}, // the bound itself
		{3, 10, Points(119), "bottom"},
		{1, 3, Points(50), "top"},    // ceil(0.6) = 1
		{2, 3, Points(50), "bottom"}, // only one top in three
		{1, 1, Points(10), "top"},    // a group of one
		{3, 11, Points(130), "top"},  // ceil(2.2) = 3
		{0, 10, Points(200), ""},     // not ranked
		{4, 11, Points(121), "middle"},
	}
	for _, c := range cases {
		if got := l.BandOf(c.rank, c.size, c.total); got != c.want {
			t.Errorf("rank %d/%d total %v: %q, want %q", c.rank, c.size, c.total, got, c.want)
		}
	}
}

func TestStarsMoveUpAfterTwoTopRoundsAndDownAfterOneBottomRound(t *testing.T) {
	l := ladder()
	cases := []struct {
		name   string
		bands  []string
		stars  []int
		deltas []int
	}{
		{"first round sets the band's stars", []string{"middle"}, []int{3}, []int{0}},
		{"two tops up one, then two more for the next", []string{"top", "top", "top", "top", "top"}, []int{4, 5, 5, 5, 5}, []int{0, 1, 0, 0, 0}},
		{"middle then two tops", []string{"middle", "top", "top"}, []int{3, 3, 4}, []int{0, 0, 1}},
		{"a middle breaks the run", []string{"middle", "top", "middle", "top", "top"}, []int{3, 3, 3, 3, 4}, []int{0, 0, 0, 0, 1}},
		{"bottom drops at once each round", []string{"middle", "bottom", "bottom"}, []int{3, 2, 1}, []int{0, -1, -1}},
		{"never below the minimum", []string{"bottom", "bottom", "bottom"}, []int{2, 1, 1}, []int{0, -1, 0}},
		{"a round not rated keeps the state", []string{"middle", "top", "", "top"}, []int{3, 3, 3, 4}, []int{0, 0, 0, 1}},
		{"up then down then up again", []string{"top", "top", "bottom", "top", "top"}, []int{4, 5, 4, 4, 5}, []int{0, 1, -1, 0, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st StarState
			var stars, deltas []int
			for _, b := range c.bands {
				step := l.Next(st, b)
				st = step.State
				stars, deltas = append(stars, st.Stars), append(deltas, step.Delta)
				if step.Delta != 0 && step.Rule == nil {
					t.Fatal("moved without a rule")
				}
			}
			if !slices.Equal(stars, c.stars) || !slices.Equal(deltas, c.deltas) {
				t.Fatalf("stars %v deltas %v, want %v %v", stars, deltas, c.stars, c.deltas)
			}
		})
	}
	// Five stars in the top band twice: the rule fires but the stars stay at the maximum.
	step := l.Next(StarState{Stars: 5, Band: "top", Run: 1, Rated: true}, "top")
	if step.State.Stars != 5 || step.Delta != 0 || step.Rule == nil || step.State.Run != 0 {
		t.Fatalf("at the top: %+v", step)
	}
}

func TestLadderValidation(t *testing.T) {
	if ps := ladder().Validate(); ps != nil {
		t.Fatalf("good ladder refused: %v", ps)
	}
	cases := []struct {
		edit func(*Ladder)
		key  string
	}{
		{func(l *Ladder) { l.Max = 0 }, "scoring.err.ladder_bounds"},
		{func(l *Ladder) { l.Min = -1 }, "scoring.err.ladder_bounds"},
		{func(l *Ladder) { l.Bands = nil }, "scoring.err.no_bands"},
		{func(l *Ladder) { l.Bands[1].Code = "top" }, "scoring.err.band_code"},
		{func(l *Ladder) { l.Bands[0].TopPercent = 101 }, "scoring.err.band_bound"},
		{func(l *Ladder) { l.Bands[0].MinScore = 5 }, "scoring.err.band_bound"},
		{func(l *Ladder) { l.Bands[0].Stars = 6 }, "scoring.err.band_stars"},
		{func(l *Ladder) { l.Bands[2].MinScore = 5 }, "scoring.err.band_catch_all"},
		{func(l *Ladder) { l.Moves[0].Band = "gold" }, "scoring.err.move_rule"},
		{func(l *Ladder) { l.Moves[0].Rounds = 0 }, "scoring.err.move_rule"},
		{func(l *Ladder) { l.Moves[1].Delta = 0 }, "scoring.err.move_rule"},
	}
	for i, c := range cases {
		l := ladder()
		l.Bands = slices.Clone(l.Bands)
		l.Moves = slices.Clone(l.Moves)
		c.edit(&l)
		if !slices.ContainsFunc(l.Validate(), func(p Problem) bool { return p.Key == c.key }) {
			t.Errorf("case %d: %v, want %s", i, l.Validate(), c.key)
		}
	}
}

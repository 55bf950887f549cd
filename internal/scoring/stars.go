package scoring

import "fmt"

// Band is one band of a round's results ("top", "middle", "bottom"): a
// subject is in the first band whose bound it meets. A band bounded by
// rank holds the first TopPercent of the group's complete subjects (at
// least one when TopPercent > 0); a band bounded by score holds totals of at
// least MinScore. The last band should have neither (it catches the rest).
type Band struct {
	Code       string
	TopPercent int64 // by rank: rank <= ceil(size × pct / 100)
	MinScore   Cents // by score
	Stars      int   // the stars a subject rated for the first time gets in this band
}

func (b Band) holds(rank, size int, total Cents) bool {
	switch {
	case b.TopPercent > 0:
		limit := int(divCeil(int64(size)*b.TopPercent, 100))
		return rank >= 1 && rank <= max(limit, 1)
	case b.MinScore > 0:
		return total >= b.MinScore
	default:
		return true
	}
}

func divCeil(a, b int64) int64 { return (a + b - 1) / b }

// Move is a star movement rule: after Rounds consecutive rounds in Band
// (counted since the last move), stars change by Delta.
type Move struct {
	Band   string
	Rounds int
	Delta  int
}

// Ladder is the star rule of a template: bands (by rank or by score),
// movement rules and the bounds.
type Ladder struct {
	Min, Max int
	Bands    []Band
	Moves    []Move
}

// Validate lists what is wrong with a ladder.
func (l Ladder) Validate() []Problem {
	var ps []Problem
	add := func(field, key string) { ps = append(ps, Problem{field, "scoring.err." + key}) }
	if l.Min < 0 || l.Max < l.Min || l.Max > 10 {
		add("stars", "ladder_bounds")
	}
	if len(l.Bands) == 0 {
		add("bands", "no_bands")
	}
	codes := map[string]bool{}
	for i, b := range l.Bands {
		f := fmt.Sprintf("bands.%d", i)
		if b.Code == "" || codes[b.Code] {
			add(f, "band_code")
		}
		codes[b.Code] = true
		if b.TopPercent < 0 || b.TopPercent > 100 || b.MinScore < 0 || (b.TopPercent > 0 && b.MinScore > 0) {
			add(f, "band_bound")
		}
		if b.Stars < l.Min || b.Stars > l.Max {
			add(f, "band_stars")
		}
	}
	if n := len(l.Bands); n > 0 && (l.Bands[n-1].TopPercent != 0 || l.Bands[n-1].MinScore != 0) {
		add("bands", "band_catch_all")
	}
	for i, m := range l.Moves {
		if !codes[m.Band] || m.Rounds < 1 || m.Delta == 0 {
			add(fmt.Sprintf("moves.%d", i), "move_rule")
		}
	}
	return ps
}

// BandOf returns the band of a result (rank within a group of size, and
// total); "" for an incomplete result (rank 0).
func (l Ladder) BandOf(rank, size int, total Cents) string {
	if rank <= 0 {
		return ""
	}
	for _, b := range l.Bands {
		if b.holds(rank, size, total) {
			return b.Code
		}
	}
	return ""
}

// StarState is where a subject stands after a round: its stars, the band of
// its last round and how many consecutive rounds it has been in that band
// since its stars last moved.
type StarState struct {
	Stars int
	Band  string
	Run   int
	Rated bool // false before the first round
}

// Step is the outcome of one round for one subject.
type Step struct {
	State StarState
	Delta int   // the stars' change this round
	Rule  *Move // the rule that moved them; nil when no rule fired
}

// Next applies one round's band to a subject's state. The first round
// gives the band's starting stars. Later rounds count the run in the same
// band; when a movement rule's band and rounds are met the stars move by
// its delta (within Min..Max) and the run starts again, so "up one after
// two rounds in the top band" needs two more top rounds for the next star.
// An empty band (the subject was not rated this round) leaves the state as
// it is.
func (l Ladder) Next(prev StarState, band string) Step {
	if band == "" {
		return Step{State: prev}
	}
	if !prev.Rated {
		stars := l.Min
		for _, b := range l.Bands {
			if b.Code == band {
				stars = b.Stars
			}
		}
		return Step{State: StarState{Stars: stars, Band: band, Run: 1, Rated: true}}
	}
	st := StarState{Stars: prev.Stars, Band: band, Run: 1, Rated: true}
	if prev.Band == band {
		st.Run = prev.Run + 1
	}
	for i := range l.Moves {
		m := l.Moves[i]
		if m.Band != band || st.Run < m.Rounds {
			continue
		}
		to := min(max(st.Stars+m.Delta, l.Min), l.Max)
		d := to - st.Stars
		st.Stars, st.Run = to, 0
		return Step{State: st, Delta: d, Rule: &l.Moves[i]}
	}
	return Step{State: st}
}

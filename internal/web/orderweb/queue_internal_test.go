package orderweb

import (
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/workorder"
)

// TestStateBadgesMarkDoneAndSentBackStates covers every state: done states
// are green, refused or sent-back ones red, the rest plain.
func TestStateBadgesMarkDoneAndSentBackStates(t *testing.T) {
	want := map[workorder.State]string{
		workorder.StateClosed: " badge-ok", workorder.StateAnsweredAtIntake: " badge-ok",
		workorder.StateRejected: " badge-off", workorder.StateReopened: " badge-off", workorder.StateReturned: " badge-off",
	}
	for _, st := range workorder.States {
		if got := stateBadge(st); got != want[st] {
			t.Errorf("%s: %q, want %q", st, got, want[st])
		}
	}
}

// TestQueueRowsEscapeEveryCellAndMarkState proves the queue's rows, which
// are written in Go, escape every text a citizen or an admin could have
// typed, link the order, and carry the state's badge and the overdue and
// escalation tags only when they apply.
func TestQueueRowsEscapeEveryCellAndMarkState(t *testing.T) {
	bad := `<script>"&'`
	row := orderRow{Order: workorder.Order{ID: 42, Code: bad, RegionName: bad, UnitName: bad},
		Created: bad, Channel: bad, Category: bad, Excerpt: bad, DeadlineText: bad,
		StateLabel: bad, StateClass: " badge-off", OverdueTag: bad, Level: bad}
	got := string(queueRows([]orderRow{row}))
	if strings.Contains(got, "<script") || strings.Contains(got, `"&'`) {
		t.Fatalf("unescaped text in %s", got)
	}
	if n := strings.Count(got, "&lt;script&gt;&#34;&amp;&#39;"); n != 11 {
		t.Fatalf("%d escaped cells, want 11: %s", n, got)
	}
	for _, want := range []string{`<a href="/orders/42">`, `<span class="badge badge-off">&lt;script`, "</td></tr>\n"} {
		if !strings.Contains(got, want) {
			t.Fatalf("no %q in %s", want, got)
		}
	}
	plain := string(queueRows([]orderRow{{Order: workorder.Order{ID: 7, Code: "ABCDEFGHJK"}, StateLabel: "已派单"}}))
	want := `<tr><td class="mono q-code"><a href="/orders/7">ABCDEFGHJK</a></td><td class="nowrap q-created"></td><td class="q-channel"></td>` +
		`<td class="q-category"></td><td class="q-title"><a href="/orders/7"></a></td><td class="q-region"></td><td class="q-unit"></td>` +
		`<td class="q-state"><span class="badge">已派单</span></td><td class="nowrap q-deadline"></td><td class="num q-level"></td></tr>` + "\n"
	if plain != want {
		t.Fatalf("got  %s\nwant %s", plain, want)
	}
}

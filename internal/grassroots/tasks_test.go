package grassroots

import "testing"

// Every pair of task states, by hand: a task starts, finishes, can be
// finished at once, can go back from under way, and a done task can only
// be reopened as under way; staying put is no move.
func TestTaskMovesFollowTheRuleForEveryPairOfStates(t *testing.T) {
	want := map[[2]string]bool{
		{"open", "open"}: false, {"open", "doing"}: true, {"open", "done"}: true,
		{"doing", "open"}: true, {"doing", "doing"}: false, {"doing", "done"}: true,
		{"done", "open"}: false, {"done", "doing"}: true, {"done", "done"}: false,
	}
	if len(want) != len(TaskStates)*len(TaskStates) {
		t.Fatalf("the table covers %d of %d pairs", len(want), len(TaskStates)*len(TaskStates))
	}
	for _, from := range TaskStates {
		for _, to := range TaskStates {
			if got := CanMoveTask(from, to); got != want[[2]string{from, to}] {
				t.Errorf("%s → %s: %v", from, to, got)
			}
		}
	}
	if CanMoveTask("lost", "done") || CanMoveTask("open", "lost") {
		t.Error("an unknown state moves")
	}
}

//go:build !race

package demo_test

import "time"

// DESIGN asks for the demo city in under five seconds on SQLite.
func loadLimit() time.Duration { return 5 * time.Second }

//go:build race

package demo_test

import "time"

// The race detector slows password hashing and SQLite many times over.
func loadLimit() time.Duration { return 60 * time.Second }

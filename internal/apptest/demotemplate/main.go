// Command demotemplate builds the demo city's test templates once for a
// whole test run (scripts/test runs it without the race detector, which makes
// loading the demo several times slower) and prints the environment that
// points the scenario tests at them:
//
//	WENMING_TEST_DEMO_SQLITE=<file>
//	WENMING_TEST_DEMO_PG=<template database>   (when WENMING_TEST_PG is set)
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/wenming-city/wenming/internal/apptest"
)

func main() {
	dir := flag.String("dir", "", "folder for the SQLite template (required)")
	flag.Parse()
	// The migrations' progress is not news in a test run; warnings are.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "demotemplate: -dir is required")
		os.Exit(2)
	}
	pg := os.Getenv("WENMING_TEST_PG")
	if pg == "off" {
		pg = ""
	}
	sqlite, name, err := apptest.BuildTemplates(*dir, pg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demotemplate:", err)
		os.Exit(1)
	}
	fmt.Printf("WENMING_TEST_DEMO_SQLITE=%s\n", sqlite)
	if name != "" {
		fmt.Printf("WENMING_TEST_DEMO_PG=%s\n", name)
	}
}

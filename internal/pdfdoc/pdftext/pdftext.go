// Package pdftext reads a PDF's text back with poppler's pdftotext, for the
// tests that check what a generated PDF says.
package pdftext

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// Text returns the text pdftotext reads from pdf without the page numbers
// ("— 2 —" lines) and with every space and line break removed, so the
// lines a paragraph was broken into, also across a page, join up again
// (Chinese has no spaces to lose). Without pdftotext the test is skipped,
// or fails in CI (CI=true), where scripts/test installs poppler-utils.
func Text(tb testing.TB, pdf []byte) string {
	tb.Helper()
	var b strings.Builder
	for _, ln := range strings.Split(Raw(tb, pdf), "\n") {
		if pageNumber.MatchString(strings.TrimSpace(strings.Trim(ln, "\f"))) {
			continue
		}
		b.WriteString(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, ln))
	}
	return b.String()
}

var pageNumber = regexp.MustCompile(`^—\s*\d+\s*—$`)

// Raw is pdftotext's output as it is (lines and form feeds between pages).
func Raw(tb testing.TB, pdf []byte) string {
	tb.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("pdftotext is required in CI (Debian package poppler-utils)")
		}
		tb.Skip("pdftotext not installed (Debian package poppler-utils)")
	}
	f := filepath.Join(tb.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, "-enc", "UTF-8", f, "-")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("pdftotext: %v: %s", err, errb.String())
	}
	return out.String()
}

// Keep saves pdf as a test artefact, name.pdf in $WENMING_ARTEFACTS or the
// repository's artefacts folder, where the browser tests keep their
// screenshots.
func Keep(tb testing.TB, name string, pdf []byte) {
	tb.Helper()
	dir := os.Getenv("WENMING_ARTEFACTS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			tb.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "artefacts")
				break
			}
			if filepath.Dir(d) == d {
				dir = filepath.Join(wd, "artefacts")
				break
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".pdf"), pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
}

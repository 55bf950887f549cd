package web_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoCapabilityWebPackageImportsAnother keeps the rooms apart: a
// capability's web package (web/<name>web) imports the core and domain
// packages, never another capability's web package, and the core imports
// no capability's web package nor the work orders' domain.
func TestNoCapabilityWebPackageImportsAnother(t *testing.T) {
	const mod = "github.com/wenming-city/wenming/internal/"
	dirs, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	check := func(dir string, bad func(path string) bool) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range af.Imports {
				path, _ := strconv.Unquote(im.Path.Value)
				if bad(path) {
					t.Errorf("%s imports %s", f, path)
				}
			}
		}
	}
	modules := 0
	for _, d := range dirs {
		if !d.IsDir() || !strings.HasSuffix(d.Name(), "web") {
			continue
		}
		modules++
		own := mod + "web/" + d.Name()
		check(d.Name(), func(path string) bool {
			return strings.HasPrefix(path, mod+"web/") && path != own
		})
	}
	if modules < 8 {
		t.Fatalf("found %d capability web packages, want at least 8", modules)
	}
	check(".", func(path string) bool {
		return strings.HasPrefix(path, mod+"web/") || path == mod+"workorder"
	})
}

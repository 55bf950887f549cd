package account_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/i18n"
)

func TestEveryPermissionScopeKindAndSettingHasALabelInBothLanguages(t *testing.T) {
	var keys []string
	for _, p := range auth.AllPerms {
		keys = append(keys, "perm."+string(p))
	}
	for _, k := range auth.ScopeKinds {
		keys = append(keys, "scope.kind."+string(k))
	}
	for _, s := range account.PolicySettings {
		keys = append(keys, "setting."+s.Key)
	}
	for _, k := range keys {
		for _, l := range i18n.Langs {
			if got := i18n.T(l, k); got == k || got == "" {
				t.Errorf("%s: no %s label", k, l)
			}
		}
	}
}

// Message keys this package passes to errs are all in the catalogue, so no
// user ever sees a raw key. (field.* keys shared with other capabilities are
// checked where they are defined.)
func TestEveryMessageKeyTheAccountCodeUsesExists(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRe := regexp.MustCompile(`^(login|password|token|user|role|settings|err|entity)\.[a-z_]+$`)
	settingKeys := map[string]bool{}
	for _, s := range account.PolicySettings {
		settingKeys[s.Key] = true // field names, not message keys
	}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !keyRe.MatchString(s) || settingKeys[s] || auth.ValidPerm(auth.Perm(s)) {
				return true
			}
			found++
			if !i18n.Has(s) {
				t.Errorf("%s: key %q is not in the catalogue", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	if found < 30 {
		t.Fatalf("only %d keys found; the scan is broken", found)
	}
}

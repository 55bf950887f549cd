package inspection_test

import "github.com/wenming-city/wenming/internal/auth"

func admin() *auth.Principal {
	return &auth.Principal{UserID: 1, Username: "admin", Perms: map[auth.Perm]bool{auth.PermInspectionView: true, auth.PermInspectionManage: true},
		ScopeKind: auth.ScopeAll, Scope: auth.Scope{All: true}}
}

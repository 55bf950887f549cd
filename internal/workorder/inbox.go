package workorder

import (
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/inbox"
)

// NoticeKind is the inbox kind of notices about a work order (ref = its id).
const NoticeKind = "workorder"

func init() {
	inbox.Register(inbox.Kind{Name: NoticeKind, Perm: auth.PermOrderView, OpenKey: "notif.open",
		Link: func(ref int64) string { return "/orders/" + strconv.FormatInt(ref, 10) }})
}

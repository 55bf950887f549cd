package inboxweb

import (
	"embed"
	"net/http"

	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

// Server is the inbox's web package: the staff's notices, read and unread.
type Server struct {
	*web.Server
	inbox *inbox.Service
}

// New returns the module; app passes it to web.New.
func New(inbox *inbox.Service) web.Module {
	s := &Server{inbox: inbox}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.notificationRoutes()
		},
		Menu:  []web.MenuEntry{{Key: "nav.notifications", Href: "/notifications", Order: 10}},
		Tiles: s.homeTiles,
	}
}

// homeTiles count the viewer's unread notices.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	unread, err := s.inbox.Unread(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	return []web.Tile{{Label: v.T("notif.unread_tile"), N: int(unread), Href: "/notifications?unread=1"}}, nil
}

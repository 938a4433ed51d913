package portal

import (
	"bytes"
	"html/template"
	"net/http"
)

// pages are the templates, each with the layout.
var pageNames = []string{"error", "home", "form", "list", "request", "official", "register"}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// pageData is what every page gets; each page fills its own part.
type pageData struct {
	Lang      language
	Title     string
	User      *userView
	Abilities *abilities
	Message   string
	Flash     string

	Form     *formView
	List     *listView
	Request  *requestView
	Official *officialView
	Register *registerView
}

// userView is the logged-in user, for the header and the forms.
type userView struct {
	Name        string
	DisplayName string
	CSRF        string
	Until       string
	Roles       []string
}

func (s *Server) userView(sess *session, a *abilities) *userView {
	if sess == nil {
		return nil
	}
	u := &userView{Name: sess.user, DisplayName: sess.displayName, CSRF: sess.csrf,
		Until: sess.expires.In(s.cfg.Location).Format("2006-01-02 15:04 MST")}
	if a != nil {
		for _, r := range a.Roles {
			u.Roles = append(u.Roles, roleTitle(r))
		}
	}
	return u
}

// render writes a page; a template error is logged and answered with a plain 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data *pageData) {
	var buf bytes.Buffer
	if err := s.pages[page].Execute(&buf, data); err != nil {
		s.log.Error("rendering a page failed", "page", page, "path", r.URL.Path, "error", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

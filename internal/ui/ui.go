// Package ui serves certsum's dashboard under /ui: pages rendered on the server with
// html/template from the embedded web/ folder, usable without JavaScript, each a shareable
// URL. A browser signs in with the same clients (or an access token) as the API; what it
// sees follows the API's rules: ORG_ADMIN, CERT_ADMIN and REPORT_ADMIN see every campaign,
// a reviewer their own certifications.
package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/web"
)

// Options configures the dashboard.
type Options struct {
	Store certsum.Store
	Auth  *auth.Service
	// Now is the clock (deadline countdowns, session expiry); time.Now when nil.
	Now func() time.Time
	// Logger receives what fails; nil discards it.
	Logger *slog.Logger
	// SecureCookies marks the session cookie Secure even for requests that did not arrive
	// over TLS (certsum behind a proxy that terminates TLS). Requests over TLS always get it.
	SecureCookies bool
	// IdleTimeout ends a session left unused this long (30 minutes when zero).
	IdleTimeout time.Duration
	// Decided, when set, sees the decisions made on the dashboard (internal/metrics).
	Decided func(ds []certsum.ReviewDecision)
}

// Paths and cookies.
const (
	sessionCookie = "certsum_session"
	signinCookie  = "certsum_signin" // the CSRF token of the sign-in form, before any session
	pageSize      = 50
)

type handler struct {
	o        Options
	now      func() time.Time
	log      *slog.Logger
	pages    map[string]*template.Template
	sessions *sessions
	mux      *http.ServeMux
}

// New returns the dashboard's handler for the paths under /ui/. Errors: a template that
// does not parse.
func New(o Options) (http.Handler, error) {
	h := &handler{o: o, now: o.Now, log: o.Logger, pages: map[string]*template.Template{}}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	idle := o.IdleTimeout
	if idle <= 0 {
		idle = 30 * time.Minute
	}
	h.sessions = newSessions(o.Store, idle, h.now)
	for _, p := range []string{"signin", "error", "campaigns", "campaign", "evidence", "certification", "identity"} {
		t, err := template.New("layout").Funcs(template.FuncMap{"day": day}).ParseFS(web.FS, "templates/layout.html", "templates/chart.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("ui: template %s: %w", p, err)
		}
		h.pages[p] = t
	}
	static, err := fs.Sub(web.FS, "static")
	if err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/campaigns", http.StatusSeeOther)
	})
	m.HandleFunc("GET /ui/signin", h.signinForm)
	m.HandleFunc("POST /ui/signin", h.signin)
	m.HandleFunc("POST /ui/signout", h.signout)
	m.Handle("GET /ui/campaigns", h.page(h.campaigns))
	m.Handle("GET /ui/campaigns/{id}", h.page(h.campaign))
	m.Handle("GET /ui/certifications/{id}", h.page(h.certification))
	m.Handle("GET /ui/certifications/{id}/identities/{sid}", h.page(h.identity))
	m.Handle("POST /ui/certifications/{id}/decide", h.page(h.decide))
	m.Handle("POST /ui/certifications/{id}/sign-off", h.page(h.signOff))
	m.Handle("GET /ui/evidence", h.page(h.evidence))
	m.Handle("GET /ui/evidence/download", h.page(h.evidenceDownload))
	m.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", staticFiles(http.FileServerFS(static))))
	m.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, http.StatusNotFound, "error", nil, "Not found", errorPage{"Not found", "There is no such page."})
	})
	h.mux = m
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// staticFiles serves the stylesheet with a short cache lifetime.
func staticFiles(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		next.ServeHTTP(w, r)
	})
}

// viewer is who is looking at a page.
type viewer struct {
	Name      string
	Levels    string
	principal *auth.Principal
	session   *session
}

// reader reports whether the viewer sees every campaign.
func (v *viewer) reader() bool {
	return slices.ContainsFunc(certsum.CampaignReaders, func(l string) bool { return slices.Contains(v.principal.Levels, l) })
}

// page wraps a page handler: no session, or one whose token no longer verifies, goes to the
// sign-in form (and comes back after it).
func (h *handler) page(fn func(http.ResponseWriter, *http.Request, *viewer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := h.viewer(r)
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		if !ok {
			http.Redirect(w, r, "/ui/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		fn(w, r, v)
	})
}

// viewer returns the request's signed-in viewer; the error is the store's, when it could
// not tell.
func (h *handler) viewer(r *http.Request) (*viewer, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false, nil
	}
	s, err := h.sessions.get(r.Context(), c.Value)
	if err != nil || s == nil {
		return nil, false, err
	}
	p, err := h.o.Auth.Verify(r.Context(), s.token)
	if err != nil || !p.HasUser() {
		return nil, false, h.sessions.end(r.Context(), s.id)
	}
	v := &viewer{Name: p.IdentityID, Levels: strings.Join(p.Levels, ", "), principal: p, session: s}
	if id, err := h.o.Store.FindIdentity(r.Context(), p.IdentityID); err == nil {
		v.Name = id.Name
	}
	return v, true, nil
}

// pageData is what every page template gets.
type pageData struct {
	Title  string
	Nav    string
	Viewer *viewer
	CSRF   string
	Now    string
	Data   any
}

type errorPage struct{ Heading, Message string }

// render writes a page, or a plain 500 when the template fails (before anything is sent).
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *viewer, title string, data any) {
	d := pageData{Title: title, Nav: page, Viewer: v, Now: certsum.NewTime(h.now()).String(), Data: data}
	if v != nil {
		d.CSRF = v.session.csrf
	}
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, "layout", d); err != nil {
		h.log.Error("render a page", "page", page, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the page for a store error: 404, 403, 400, or 500 (logged).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	status, heading := http.StatusInternalServerError, "Something went wrong"
	msg := "certsum could not answer; the error is in its log."
	switch certsum.ErrorCode(err) {
	case certsum.CodeNotFound:
		status, heading, msg = http.StatusNotFound, "Not found", certsum.ErrorText(err)
	case certsum.CodeForbidden:
		status, heading, msg = http.StatusForbidden, "Not yours to see", certsum.ErrorText(err)
	case certsum.CodeInvalid, certsum.CodeReference:
		status, heading, msg = http.StatusBadRequest, "Bad request", certsum.ErrorText(err)
	case certsum.CodeConflict:
		status, heading, msg = http.StatusConflict, "Not possible now", certsum.ErrorText(err)
	default:
		if !errors.Is(err, context.Canceled) {
			h.log.Error("dashboard page", "path", r.URL.Path, "err", err)
		}
	}
	h.render(w, r, status, "error", v, heading, errorPage{heading, msg})
}

// secure reports whether the session cookie gets the Secure attribute.
func (h *handler) secure(r *http.Request) bool { return h.o.SecureCookies || r.TLS != nil }

// signinPage is the sign-in form's data.
type signinPage struct {
	Error, Next string
	// CSRF is the form's token, bound to the sign-in cookie (there is no session yet).
	CSRF string
}

// safeNext keeps a post-sign-in target only when it is a dashboard path.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/ui/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/ui/campaigns"
}

// signinToken gives the browser a fresh CSRF token for the sign-in form, in a cookie of its
// own (there is no session yet), and returns it for the form.
func (h *handler) signinToken(w http.ResponseWriter, r *http.Request) string {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: token, Path: "/ui/signin", HttpOnly: true,
		Secure: h.secure(r), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	return token
}

func (h *handler) signinForm(w http.ResponseWriter, r *http.Request) {
	token := h.signinToken(w, r)
	h.render(w, r, http.StatusOK, "signin", nil, "Sign in", signinPage{Next: safeNext(r.URL.Query().Get("next")), CSRF: token})
}

func (h *handler) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "error", nil, "Bad request", errorPage{"Bad request", "The form could not be read."})
		return
	}
	c, err := r.Cookie(signinCookie)
	if err != nil || !sameToken(c.Value, r.PostForm.Get("csrf")) {
		h.render(w, r, http.StatusForbidden, "error", nil, "Expired form",
			errorPage{"Expired form", "The sign-in form was not the one certsum gave this browser. Open the sign-in page again."})
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	again := func(msg string) {
		token := h.signinToken(w, r)
		h.render(w, r, http.StatusUnauthorized, "signin", nil, "Sign in", signinPage{Error: msg, Next: next, CSRF: token})
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if token == "" {
		id, secret := strings.TrimSpace(r.PostForm.Get("client_id")), r.PostForm.Get("client_secret")
		if id == "" || secret == "" {
			again("Give a client id and secret, or an access token.")
			return
		}
		if token, _, err = h.o.Auth.Issue(r.Context(), id, secret, nil); err != nil {
			again("That client id and secret were not accepted.")
			return
		}
	}
	p, err := h.o.Auth.Verify(r.Context(), token)
	if err != nil {
		again("That access token was not accepted.")
		return
	}
	if !p.HasUser() {
		again("This client acts for no identity; the dashboard needs a client of a person (certsum clients create --identity …).")
		return
	}
	s, err := h.sessions.create(r.Context(), token, p.Expires)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: "", Path: "/ui/signin", MaxAge: -1})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.id, Path: "/ui/", HttpOnly: true, Secure: h.secure(r),
		SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *handler) signout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	v, ok, err := h.viewer(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if ok {
		if err := r.ParseForm(); err != nil || !sameToken(v.session.csrf, r.PostForm.Get("csrf")) {
			h.render(w, r, http.StatusForbidden, "error", v, "Expired form",
				errorPage{"Expired form", "The sign-out form was not the one certsum gave this page. Reload it and try again."})
			return
		}
		if err := h.sessions.end(r.Context(), v.session.id); err != nil {
			h.fail(w, r, v, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/ui/", MaxAge: -1})
	http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
}

// countdown describes a deadline: "3 days left", "due within a day", "overdue by 2 days",
// and its urgency class (warning within 10 days, urgent within 3, overdue past it).
func countdown(deadline, now time.Time) (string, string) {
	left := deadline.Sub(now)
	if left < 0 {
		over := int(math.Ceil(-left.Hours() / 24))
		return fmt.Sprintf("overdue by %d %s", over, plural(over, "day")), "overdue"
	}
	if left < 24*time.Hour {
		return "due within a day", "urgent"
	}
	days := int(math.Ceil(left.Hours() / 24))
	text := fmt.Sprintf("%d %s left", days, plural(days, "day"))
	switch {
	case days <= 3:
		return text, "urgent"
	case days <= 10:
		return text, "warning"
	}
	return text, ""
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func day(t *certsum.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

func percent(made, total int) string {
	return strconv.FormatFloat(certsum.PercentDone(made, total), 'f', 1, 64)
}

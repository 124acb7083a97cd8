package ui_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/clienttest"
	"github.com/certsum/certsum/internal/evidence"
	"github.com/certsum/certsum/internal/ui"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata/")

// browser is a cookie-keeping HTTP client of one test server.
type browser struct {
	t    *testing.T
	srv  *clienttest.Server
	c    *http.Client
	last *http.Response
}

func newBrowser(t *testing.T, srv *clienttest.Server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, srv: srv, c: &http.Client{Jar: jar}}
}

// get fetches a page (following redirects) and returns its status and body.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	res, err := b.c.Get(b.srv.URL + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.last = res
	return res.StatusCode, string(body)
}

// post submits a form and returns the final status and body.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	res, err := b.c.PostForm(b.srv.URL+path, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.last = res
	return res.StatusCode, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of a page's form.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%.2000s", page)
	}
	return m[1]
}

// signIn signs the browser in with a client and returns the page it lands on.
func (b *browser) signIn(id, secret string) string {
	b.t.Helper()
	_, form := b.get("/ui/signin")
	status, page := b.post("/ui/signin", url.Values{"csrf": {csrf(b.t, form)}, "client_id": {id}, "client_secret": {secret},
		"next": {"/ui/campaigns"}})
	if status != http.StatusOK || b.last.Request.URL.Path != "/ui/campaigns" {
		b.t.Fatalf("sign-in ended at %s with %d:\n%.2000s", b.last.Request.URL, status, page)
	}
	return page
}

// figures reads the data-figure cells of the part of a page that a marker attribute starts
// (the whole page when marker is empty), in order.
var figureCell = regexp.MustCompile(`data-figure="([^"]+)">([^<]*)`)

func figures(page, marker string) map[string]string {
	if marker != "" {
		i := strings.Index(page, marker)
		if i < 0 {
			return nil
		}
		page = page[i:]
		if j := strings.Index(page[1:], "<tr "); j >= 0 {
			page = page[:j+1]
		}
	}
	out := map[string]string{}
	for _, m := range figureCell.FindAllStringSubmatch(page, -1) {
		if _, seen := out[m[1]]; !seen {
			out[m[1]] = strings.TrimSpace(m[2])
		}
	}
	return out
}

func start(t *testing.T) *clienttest.Server {
	return clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
}

// TestEveryFigureIsWhatTheAPISays: the campaigns page and a campaign's page show exactly the
// roll-up the API answers, and the chart says in words what it draws.
func TestEveryFigureIsWhatTheAPISays(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	b := newBrowser(t, srv)
	page := b.signIn(srv.ClientID, srv.Secret)
	ks, err := srv.Store.ListCampaigns(ctx, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil || len(ks.Items) == 0 {
		t.Fatalf("campaigns: %v", err)
	}
	for _, k := range ks.Items {
		ru, err := srv.Store.CampaignRollup(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := figures(page, `data-campaign="`+k.ID+`"`)
		want := map[string]string{
			"certifications.signed": fmt.Sprintf("%d of %d", ru.Certifications.Signed, ru.Certifications.Total),
			"decisions.made":        fmt.Sprintf("%d of %d", ru.Decisions.Made, ru.Decisions.Total),
			"decisions.pending":     fmt.Sprint(ru.Decisions.Pending),
		}
		for f, w := range want {
			if got[f] != w {
				t.Errorf("campaigns page, %s, %s = %q; the API says %q", k.Name, f, got[f], w)
			}
		}

		status, cp := b.get("/ui/campaigns/" + k.ID)
		if status != http.StatusOK {
			t.Fatalf("campaign page: %d", status)
		}
		head := figures(cp, "")
		for f, w := range map[string]string{
			"decisions.approved":    fmt.Sprint(ru.Decisions.Approved),
			"decisions.revoked":     fmt.Sprint(ru.Decisions.Revoked),
			"identities.completed":  fmt.Sprintf("%d of %d", ru.Identities.Completed, ru.Identities.Total),
			"remediation.pending":   fmt.Sprintf("%d of %d", ru.Remediation.Pending, ru.Remediation.Total),
			"certifications.staged": fmt.Sprint(ru.Certifications.Staged),
			"certifications.active": fmt.Sprint(ru.Certifications.Active),
			"certifications.total":  fmt.Sprint(ru.Certifications.Total),
			"certifications.signed": fmt.Sprintf("%d of %d", ru.Certifications.Signed, ru.Certifications.Total),
		} {
			if head[f] != w {
				t.Errorf("campaign page of %s, %s = %q; the API says %q", k.Name, f, head[f], w)
			}
		}
		for _, bt := range ru.Decisions.ByType {
			row := figures(cp, `data-type="`+string(bt.Type)+`"`)
			if row["approved"] != fmt.Sprint(bt.Approved) || row["revoked"] != fmt.Sprint(bt.Revoked) ||
				row["pending"] != fmt.Sprint(bt.Pending) || row["total"] != fmt.Sprint(bt.Total) {
				t.Errorf("campaign page of %s, %s row %v; the API says %+v", k.Name, bt.Type, row, bt)
			}
			words := fmt.Sprintf("%s: %d approved, %d revoked, %d pending of %d", bt.Type, bt.Approved, bt.Revoked, bt.Pending, bt.Total)
			if !strings.Contains(cp, words) {
				t.Errorf("the chart's description lacks %q", words)
			}
		}
		if !strings.Contains(cp, `role="img"`) || !strings.Contains(cp, `<title id="chart-title">`) {
			t.Errorf("the chart is not an image with a title")
		}
		rows, err := srv.Store.ListReviewerProgress(ctx, k.ID, certsum.ListQuery{Limit: certsum.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows.Items {
			got := figures(cp, `data-certification="`+r.CertificationID+`"`)
			if got["remaining"] != fmt.Sprint(r.Remaining) || got["decisionsMade"] != fmt.Sprintf("%d of %d", r.DecisionsMade, r.DecisionsTotal) {
				t.Errorf("reviewer %s: %v; the API says %+v", r.Reviewer.Name, got, r)
			}
		}
	}
}

// TestWhatAViewerSeesFollowsTheAPIRules: without a session every page leads to the sign-in
// form; a reviewer sees their certifications and no campaign's figures.
func TestWhatAViewerSeesFollowsTheAPIRules(t *testing.T) {
	srv := start(t)
	anon := newBrowser(t, srv)
	status, page := anon.get("/ui/campaigns/" + clienttest.ID('k', 1))
	if status != http.StatusOK || anon.last.Request.URL.Path != "/ui/signin" ||
		anon.last.Request.URL.Query().Get("next") != "/ui/campaigns/"+clienttest.ID('k', 1) || !strings.Contains(page, "Sign in") {
		t.Errorf("without a session: %d at %s", status, anon.last.Request.URL)
	}

	id, secret := srv.NewClient(t, clienttest.ReviewerID, certsum.LevelUser)
	mia := newBrowser(t, srv)
	page = mia.signIn(id, secret)
	if !strings.Contains(page, "Your certifications") || !strings.Contains(page, clienttest.ReviewCert) {
		t.Errorf("Mia's campaigns page:\n%.3000s", page)
	}
	certs, err := srv.Store.ListCertifications(context.Background(), certsum.CertificationFilter{}, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs.Items {
		mine := c.Reviewer.ID == clienttest.ReviewerID
		if strings.Contains(page, `data-certification="`+c.ID+`"`) != mine {
			t.Errorf("certification %s of %s: shown to Mia %v", c.ID, c.Reviewer.Name, !mine)
		}
	}
	if status, page := mia.get("/ui/campaigns/" + clienttest.ID('k', 1)); status != http.StatusForbidden || strings.Contains(page, "data-figure") {
		t.Errorf("Mia on a campaign's page: %d", status)
	}
	if status, _ := mia.get("/ui/campaigns/nope"); status != http.StatusForbidden {
		t.Errorf("Mia on an unknown campaign: %d, want 403 before anything is looked up", status)
	}
	// An auditor sees every campaign's figures, not the certifications themselves.
	aid, asecret := srv.NewClient(t, clienttest.AdminID, certsum.LevelReportAdmin)
	auditor := newBrowser(t, srv)
	auditor.signIn(aid, asecret)
	if status, page := auditor.get("/ui/campaigns/" + clienttest.ID('k', 1)); status != http.StatusOK ||
		!strings.Contains(page, "data-figure") || strings.Contains(page, "/ui/certifications/") {
		t.Errorf("an auditor on a campaign's page: %d", status)
	}
	if status, _ := auditor.get("/ui/certifications/" + clienttest.ReviewCert); status != http.StatusForbidden {
		t.Errorf("an auditor on a certification's page: %d", status)
	}
	admin := newBrowser(t, srv)
	admin.signIn(srv.ClientID, srv.Secret)
	if status, _ := admin.get("/ui/campaigns/nope"); status != http.StatusNotFound {
		t.Errorf("an unknown campaign: %d", status)
	}
	if status, _ := admin.get("/ui/campaigns/" + clienttest.ID('k', 1) + "?offset=-5"); status != http.StatusBadRequest {
		t.Errorf("a negative offset: %d", status)
	}
	if status, _ := admin.get("/ui/nowhere"); status != http.StatusNotFound {
		t.Errorf("an unknown page: %d", status)
	}
}

// TestSignInAndOutNeedTheirFormsTokens: a sign-in form not served to this browser, bad
// credentials, a client without a person, and a sign-out without the page's token are all
// refused; sign-out ends the session.
func TestSignInAndOutNeedTheirFormsTokens(t *testing.T) {
	srv := start(t)
	b := newBrowser(t, srv)
	if status, _ := b.post("/ui/signin", url.Values{"csrf": {"forged"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret}}); status != http.StatusForbidden {
		t.Errorf("a forged sign-in: %d", status)
	}
	_, form := b.get("/ui/signin")
	if status, page := b.post("/ui/signin", url.Values{"csrf": {csrf(t, form)}, "client_id": {srv.ClientID}, "client_secret": {"wrong"}}); status != http.StatusUnauthorized ||
		!strings.Contains(page, "not accepted") {
		t.Errorf("a wrong secret: %d", status)
	}
	api, apiSecret, err := srv.Auth.CreateClient(context.Background(), auth.ClientSpec{Name: "a job"})
	if err != nil {
		t.Fatal(err)
	}
	_, form = b.get("/ui/signin")
	if status, page := b.post("/ui/signin", url.Values{"csrf": {csrf(t, form)}, "client_id": {api.ID}, "client_secret": {apiSecret}}); status != http.StatusUnauthorized ||
		!strings.Contains(page, "acts for no identity") {
		t.Errorf("a client without a person: %d", status)
	}
	page := b.signIn(srv.ClientID, srv.Secret)
	if status, _ := b.post("/ui/signout", url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("a forged sign-out: %d", status)
	}
	if status, _ := b.get("/ui/campaigns"); status != http.StatusOK || b.last.Request.URL.Path != "/ui/campaigns" {
		t.Errorf("the session did not survive a forged sign-out")
	}
	if status, _ := b.post("/ui/signout", url.Values{"csrf": {csrf(t, page)}}); status != http.StatusOK || b.last.Request.URL.Path != "/ui/signin" {
		t.Errorf("sign-out: %d at %s", status, b.last.Request.URL)
	}
	if _, _ = b.get("/ui/campaigns"); b.last.Request.URL.Path != "/ui/signin" {
		t.Errorf("after sign-out the campaigns page is still served")
	}
	for _, c := range b.c.Jar.Cookies(mustURL(t, srv.URL+"/ui/")) {
		if c.Name == "certsum_session" {
			t.Errorf("the session cookie outlived sign-out")
		}
	}
}

// TestNothingAViewerTypesReachesThePageUnescaped: names with markup are shown as text.
func TestNothingAViewerTypesReachesThePageUnescaped(t *testing.T) {
	srv := start(t)
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	desc := "x"
	k := &certsum.Campaign{Name: evil, Description: &desc, Type: certsum.CampaignManager}
	if err := srv.Store.CreateCampaign(context.Background(), k, clienttest.AdminID); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv)
	page := b.signIn(srv.ClientID, srv.Secret)
	_, cp := b.get("/ui/campaigns/" + k.ID)
	for _, p := range []string{page, cp} {
		if strings.Contains(p, "<script>") || strings.Contains(p, "<img src=x") || !strings.Contains(p, "&lt;script&gt;") {
			t.Errorf("the campaign's name reached the page unescaped")
		}
	}
	if h := b.last.Header.Get("Content-Security-Policy"); !strings.Contains(h, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", h)
	}
}

// TestGoldenPages compares each page with its golden copy in testdata (go test -update
// rewrites them), the CSRF token masked.
func TestGoldenPages(t *testing.T) {
	srv := start(t)
	b := newBrowser(t, srv)
	b.signIn(srv.ClientID, srv.Secret)
	id, secret := srv.NewClient(t, clienttest.ReviewerID, certsum.LevelUser)
	mia := newBrowser(t, srv)
	mia.signIn(id, secret)
	for name, fetch := range map[string]func() (int, string){
		"campaigns":       func() (int, string) { return b.get("/ui/campaigns") },
		"campaign":        func() (int, string) { return b.get("/ui/campaigns/" + clienttest.ID('k', 1)) },
		"campaign-sorted": func() (int, string) { return b.get("/ui/campaigns/" + clienttest.ID('k', 1) + "?sort=percent") },
		"reviewer":        func() (int, string) { return mia.get("/ui/campaigns") },
		"signin":          func() (int, string) { return newBrowser(t, srv).get("/ui/signin") },
		"evidence":        func() (int, string) { return b.get("/ui/evidence?campaignId=" + clienttest.ID('k', 1)) },
		"certification":   func() (int, string) { return mia.get("/ui/certifications/" + clienttest.ReviewCert) },
		"certification-entitlements": func() (int, string) {
			return b.get("/ui/certifications/" + clienttest.ReviewCert + "?tab=entitlements&sorters=-access.name")
		},
		"identity": func() (int, string) {
			return mia.get("/ui/certifications/" + clienttest.ReviewCert + "/identities/" + clienttest.ReviewSumSam)
		},
	} {
		_, page := fetch()
		page = csrfField.ReplaceAllString(page, `name="csrf" value="CSRF"`)
		path := filepath.Join("testdata", name+".golden.html")
		if *update {
			if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to write it)", err)
		}
		if string(want) != page {
			t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, path, firstDiff(string(want), page))
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y)
		}
	}
	return ""
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestEvidencePagePreviewsAndDownloadsWhatTheViewerMayExport: the preview shows the counts
// the ZIP's manifest then holds; a reviewer chooses among their own certifications only.
func TestEvidencePagePreviewsAndDownloadsWhatTheViewerMayExport(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	campaign := clienttest.ID('k', 1)
	admin := newBrowser(t, srv)
	admin.signIn(srv.ClientID, srv.Secret)
	status, page := admin.get("/ui/evidence?campaignId=" + campaign)
	if status != http.StatusOK {
		t.Fatalf("evidence page: %d", status)
	}
	ru, err := srv.Store.CampaignRollup(ctx, campaign)
	if err != nil {
		t.Fatal(err)
	}
	got := figures(page, "")
	if got["certifications"] != fmt.Sprint(ru.Certifications.Total) || got["items"] != fmt.Sprint(ru.Decisions.Total) ||
		got["decided"] != fmt.Sprint(ru.Decisions.Made) || got["signed"] != fmt.Sprint(ru.Certifications.Signed) {
		t.Errorf("preview %v; the API says %+v", got, ru)
	}
	link := regexp.MustCompile(`href="(/ui/evidence/download\?[^"]+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatalf("no download link")
	}
	status, zipBody := admin.get(strings.ReplaceAll(link[1], "&amp;", "&"))
	if status != http.StatusOK || admin.last.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s", status, admin.last.Header.Get("Content-Type"))
	}
	m := manifestOf(t, zipBody)
	if m.Counts.Items != ru.Decisions.Total || m.Counts.Decided != ru.Decisions.Made || !m.ChecksPass {
		t.Errorf("the ZIP's manifest %+v; the preview said %v", m.Counts, got)
	}

	id, secret := srv.NewClient(t, clienttest.ReviewerID, certsum.LevelUser)
	mia := newBrowser(t, srv)
	mia.signIn(id, secret)
	_, page = mia.get("/ui/evidence")
	if strings.Contains(page, `name="campaignId"`) || !strings.Contains(page, clienttest.ReviewCert) {
		t.Errorf("Mia's evidence page offers campaigns, or not her certification")
	}
	certs, err := srv.Store.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs.Items {
		mine := c.Reviewer.ID == clienttest.ReviewerID
		if strings.Contains(page, `value="`+c.ID+`"`) != mine {
			t.Errorf("certification %s (%s) offered to Mia: %v", c.ID, c.Reviewer.Name, !mine)
		}
		if !mine {
			if status, _ := mia.get("/ui/evidence?certificationId=" + c.ID); status != http.StatusForbidden {
				t.Errorf("Mia previews %s's certification: %d", c.Reviewer.Name, status)
			}
			if status, _ := mia.get("/ui/evidence/download?certificationId=" + c.ID); status != http.StatusForbidden {
				t.Errorf("Mia downloads %s's certification: %d", c.Reviewer.Name, status)
			}
		}
	}
	if status, _ := mia.get("/ui/evidence/download?campaignId=" + campaign); status != http.StatusForbidden {
		t.Errorf("Mia downloads a campaign: %d", status)
	}
	if status, body := mia.get("/ui/evidence/download?certificationId=" + clienttest.ReviewCert); status != http.StatusOK ||
		manifestOf(t, body).Counts.Certifications != 1 {
		t.Errorf("Mia downloads her certification: %d", status)
	}
	if status, _ := admin.get("/ui/evidence/download?campaignId=nope"); status != http.StatusNotFound {
		t.Errorf("an unknown campaign's download: %d", status)
	}
}

func manifestOf(t *testing.T, body string) evidence.Manifest {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	for _, f := range zr.File {
		if f.Name == evidence.ManifestJSON {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var m evidence.Manifest
			if err := json.NewDecoder(rc).Decode(&m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatal("no manifest in the ZIP")
	return evidence.Manifest{}
}

var itemRowID = regexp.MustCompile(`<tr data-item="([^"]+)">`)

// TestAReviewerDecidesAndSignsOffThroughTheForms: the certification and identity pages show
// what the API says; the forms decide (recorded as the viewer, with the API's rules) and sign
// off; a forged form and another reviewer's certification are refused and change nothing.
func TestAReviewerDecidesAndSignsOffThroughTheForms(t *testing.T) {
	srv := start(t)
	ctx := context.Background()
	cert := clienttest.ReviewCert
	id, secret := srv.NewClient(t, clienttest.ReviewerID, certsum.LevelUser)
	mia := newBrowser(t, srv)
	mia.signIn(id, secret)

	status, page := mia.get("/ui/certifications/" + cert)
	if status != http.StatusOK {
		t.Fatalf("certification page: %d\n%.2000s", status, page)
	}
	c, err := srv.Store.GetCertification(ctx, cert)
	if err != nil {
		t.Fatal(err)
	}
	got := figures(page, "")
	if got["decisions.made"] != fmt.Sprintf("%d of %d (%s %%)", c.DecisionsMade, c.DecisionsTotal, strconv.FormatFloat(certsum.PercentDone(c.DecisionsMade, c.DecisionsTotal), 'f', 1, 64)) ||
		got["identities.completed"] != fmt.Sprintf("%d of %d", c.IdentitiesCompleted, c.IdentitiesTotal) {
		t.Errorf("certification figures %v; the API says %+v", got, c)
	}
	if strings.Contains(page, "/sign-off") || !strings.Contains(page, "decisions are left before it can be signed off") {
		t.Errorf("a certification with open items offers sign-off")
	}
	sums, err := srv.Store.ListIdentitySummaries(ctx, cert, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums.Items {
		if !strings.Contains(page, "/ui/certifications/"+cert+"/identities/"+s.ID) {
			t.Errorf("the identities tab lacks %s", s.Name)
		}
	}
	// A bad filter in a tab is the grammar's message, as a 400 page.
	if status, page := mia.get("/ui/certifications/" + cert + "?tab=entitlements&filters=" + url.QueryEscape(`access.name xx "a"`)); status != http.StatusBadRequest ||
		!strings.Contains(page, "xx") {
		t.Errorf("a bad filter: %d", status)
	}
	if status, page := mia.get("/ui/certifications/" + cert + "?tab=entitlements&sorters=access.name"); status != http.StatusOK ||
		!strings.Contains(page, "of ") {
		t.Errorf("the entitlements tab: %d", status)
	}

	// A forged decide form changes nothing.
	sid := sums.Items[0].ID
	_, ipage := mia.get("/ui/certifications/" + cert + "/identities/" + sid)
	items := itemRowID.FindAllStringSubmatch(ipage, -1)
	if len(items) == 0 {
		t.Fatalf("no items on %s's page", sums.Items[0].Name)
	}
	form := url.Values{"csrf": {"forged"}, "identity": {sid}, "d-" + items[0][1]: {"REVOKE"}, "c-" + items[0][1]: {"gone"}}
	if status, _ := mia.post("/ui/certifications/"+cert+"/decide", form); status != http.StatusForbidden {
		t.Errorf("a forged decide form: %d", status)
	}
	if again, _ := srv.Store.GetCertification(ctx, cert); again.DecisionsMade != c.DecisionsMade {
		t.Errorf("a forged form decided something")
	}
	// Forms the store refuses whole, as 400 pages, deciding nothing: a decision that is no
	// decision, an item of no certification of Mia's, an end date that is no date.
	for name, bad := range map[string]url.Values{
		"a decision MAYBE": {"d-" + items[0][1]: {"MAYBE"}},
		"an unknown item":  {"d-nope": {"APPROVE"}},
		"a bad end date":   {"d-" + items[0][1]: {"REVOKE"}, "c-" + items[0][1]: {"x"}, "e-" + items[0][1]: {"next week"}},
	} {
		bad.Set("csrf", csrf(t, ipage))
		bad.Set("identity", sid)
		if status, _ := mia.post("/ui/certifications/"+cert+"/decide", bad); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, status)
		}
	}
	if again, _ := srv.Store.GetCertification(ctx, cert); again.DecisionsMade != c.DecisionsMade {
		t.Errorf("a refused form decided something")
	}
	// Every item of every identity, through the forms.
	for _, s := range sums.Items {
		_, ipage := mia.get("/ui/certifications/" + cert + "/identities/" + s.ID)
		form := url.Values{"csrf": {csrf(t, ipage)}, "identity": {s.ID}}
		for _, m := range itemRowID.FindAllStringSubmatch(ipage, -1) {
			form.Set("d-"+m[1], "APPROVE")
			form.Set("c-"+m[1], "still needed")
		}
		status, after := mia.post("/ui/certifications/"+cert+"/decide", form)
		if status != http.StatusOK || !strings.Contains(after, "Your decisions were saved.") || strings.Contains(after, "undecided") {
			t.Fatalf("deciding %s: %d\n%.3000s", s.Name, status, after)
		}
		if !strings.Contains(after, "Mia Manager") || !strings.Contains(after, "still needed") {
			t.Errorf("the decided items do not show who decided and the comments")
		}
	}
	hist, err := srv.Store.DecisionHistory(ctx, cert, "")
	if err != nil {
		t.Fatal(err)
	}
	if last := hist[len(hist)-1]; last.DecidedBy != clienttest.ReviewerID || !last.Bulk {
		t.Errorf("the form's decisions were recorded as %+v", last)
	}
	_, page = mia.get("/ui/certifications/" + cert)
	status, page = mia.post("/ui/certifications/"+cert+"/sign-off", url.Values{"csrf": {csrf(t, page)}})
	if status != http.StatusOK || !strings.Contains(page, "The certification is signed off.") {
		t.Fatalf("sign-off: %d\n%.2000s", status, page)
	}
	if c, _ := srv.Store.GetCertification(ctx, cert); c.Phase != certsum.PhaseSigned {
		t.Errorf("after the sign-off form the certification is %s", c.Phase)
	}
	// Deciding a signed certification is the store's conflict, as a page.
	_, ipage = mia.get("/ui/certifications/" + cert + "/identities/" + sid)
	if status, _ := mia.post("/ui/certifications/"+cert+"/decide", url.Values{"csrf": {csrf(t, ipage)}, "identity": {sid},
		"d-" + items[0][1]: {"REVOKE"}, "c-" + items[0][1]: {"x"}}); status != http.StatusConflict {
		t.Errorf("deciding a signed certification: %d", status)
	}

	// Another reviewer's certification: neither its pages nor its forms.
	certs, err := srv.Store.ListCertifications(ctx, certsum.CertificationFilter{}, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range certs.Items {
		if other.Reviewer.ID == clienttest.ReviewerID {
			continue
		}
		if status, _ := mia.get("/ui/certifications/" + other.ID); status != http.StatusForbidden {
			t.Errorf("Mia on %s's certification: %d", other.Reviewer.Name, status)
		}
		if status, _ := mia.post("/ui/certifications/"+other.ID+"/sign-off", url.Values{"csrf": {csrf(t, ipage)}}); status != http.StatusForbidden {
			t.Errorf("Mia signs off %s's certification: %d", other.Reviewer.Name, status)
		}
	}
	if status, _ := mia.get("/ui/certifications/nope"); status != http.StatusNotFound {
		t.Errorf("an unknown certification: %d", status)
	}
}

// TestAnIdleOrExpiredSessionEnds: a session unused for 30 minutes, or whose token expired,
// leads back to the sign-in form.
func TestAnIdleOrExpiredSessionEnds(t *testing.T) {
	srv := start(t)
	b := newBrowser(t, srv)
	b.signIn(srv.ClientID, srv.Secret)
	srv.Clock.Advance(29 * time.Minute)
	if _, _ = b.get("/ui/campaigns"); b.last.Request.URL.Path != "/ui/campaigns" {
		t.Fatalf("a session used within 30 minutes ended")
	}
	srv.Clock.Advance(31 * time.Minute)
	if _, page := b.get("/ui/campaigns"); b.last.Request.URL.Path != "/ui/signin" || !strings.Contains(page, "Sign in") {
		t.Errorf("a session idle for 31 minutes still serves %s", b.last.Request.URL)
	}
	// Kept busy, a session still ends with its token.
	b.signIn(srv.ClientID, srv.Secret)
	for i := 0; i < 48; i++ { // a day, a request every half hour less a minute
		srv.Clock.Advance(29 * time.Minute)
		if _, _ = b.get("/ui/campaigns"); b.last.Request.URL.Path == "/ui/signin" {
			return
		}
	}
	t.Errorf("a session outlived its token by a day")
}

// TestAnotherReplicaServesTheSameSession: the session is in the database, so a second
// dashboard over the same store (another replica) serves the browser, and a sign-out on one
// ends it on both.
func TestAnotherReplicaServesTheSameSession(t *testing.T) {
	srv := start(t)
	b := newBrowser(t, srv)
	page := b.signIn(srv.ClientID, srv.Secret)
	replica, err := ui.New(ui.Options{Store: srv.Store, Auth: srv.Auth, Now: srv.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cookies := b.c.Jar.Cookies(mustURL(t, srv.URL+"/ui/campaigns"))
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/ui/campaigns", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		replica.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ada Admin") {
		t.Fatalf("the other replica: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	b.post("/ui/signout", url.Values{"csrf": {csrf(t, page)}})
	if rec := get(); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/ui/signin") {
		t.Errorf("after sign-out on one replica the other answers %d", rec.Code)
	}
}

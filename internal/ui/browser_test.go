package ui_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/clienttest"
	"github.com/certsum/certsum/internal/demo"
	"github.com/certsum/certsum/internal/evidence"
	"github.com/certsum/certsum/query"
)

// chromium finds the browser, or skips (fails where CERTSUM_TEST_REQUIRE_SERVICES is set,
// as in CI, which installs Debian's chromium).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CERTSUM_TEST_REQUIRE_SERVICES") != "" {
		t.Fatal("no chromium on PATH, and CERTSUM_TEST_REQUIRE_SERVICES is set (apt-get install -y chromium)")
	}
	t.Skip("no chromium on PATH (apt-get install -y chromium)")
	return ""
}

// axeResult is what axe.run reports that the test looks at.
type axeResult struct {
	TestEngine struct {
		Name string `json:"name"`
	} `json:"testEngine"`
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

// TestTheDashboardInAReadBrowser drives headless Chromium through the dashboard: sign-in, every
// page at desktop and phone widths with a screenshot and an axe-core check (no serious or
// critical violation), deciding and signing off through the forms, downloading the evidence
// ZIP, and a page with JavaScript disabled.
func TestTheDashboardInARealBrowser(t *testing.T) {
	exe := chromium(t)
	srv := start(t)
	axe, err := os.ReadFile(filepath.Join("testdata", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	shots := t.TempDir()
	downloads := t.TempDir()
	t.Logf("screenshots in %s", shots)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // start the browser before any timeout
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(what, sel string) string {
		t.Helper()
		return must(t, what, ctx, chromedp.Text(chromedp.CSS(sel)))
	}
	checkPage := func(name string) {
		t.Helper()
		for _, width := range []int64{1280, 390} {
			do(name+" at "+fmt.Sprint(width), chromedp.EmulateViewport(width, 900), chromedp.Sleep(50*time.Millisecond))
			png := must(t, "screenshot "+name, ctx, chromedp.FullScreenshot(90))
			if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-%d.jpg", name, width)), png, 0o644); err != nil {
				t.Fatal(err)
			}
			must(t, "load axe-core", ctx, chromedp.Evaluate[chromedp.Void](string(axe)))
			res := must(t, "axe on "+name, ctx, chromedp.Evaluate[axeResult](`axe.run(document, {resultTypes: ["violations"]})`,
				chromedp.EvalAwaitPromise))
			if res.TestEngine.Name != "axe-core" {
				t.Fatalf("axe-core did not run on %s: %+v", name, res)
			}
			for _, v := range res.Violations {
				t.Logf("%s at %d px: axe %s (%s): %s", name, width, v.ID, v.Impact, v.Help)
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("%s at %d px: axe %s (%s): %s, at %v", name, width, v.ID, v.Impact, v.Help, v.Nodes)
				}
			}
		}
		do("back to the desktop width", chromedp.ResetViewport())
	}
	signIn := func(id, secret, lands string) {
		t.Helper()
		do("sign in",
			chromedp.Navigate(srv.URL+"/ui/campaigns"),
			chromedp.WaitVisible(chromedp.CSS(`#client_id`)),
			chromedp.SendKeys(chromedp.CSS(`#client_id`), id),
			chromedp.SendKeys(chromedp.CSS(`#client_secret`), secret),
			chromedp.Submit(chromedp.CSS(`#client_secret`)),
			chromedp.WaitVisible(chromedp.CSS(`form.signout`)),
		)
		if h := text("heading", "h1"); h != lands {
			t.Fatalf("signed in to %q, want %q", h, lands)
		}
	}

	// The sign-in page itself.
	do("the sign-in page", chromedp.Navigate(srv.URL+"/ui/signin"), chromedp.WaitVisible(chromedp.CSS(`#client_id`)))
	checkPage("signin")

	// A reviewer: their certifications, decided and signed off through the forms.
	id, secret := srv.NewClient(t, clienttest.ReviewerID, certsum.LevelUser)
	signIn(id, secret, "Your certifications")
	checkPage("reviewer-certifications")
	cert := clienttest.ReviewCert
	do("the certification page", chromedp.Navigate(srv.URL+"/ui/certifications/"+cert), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	checkPage("certification")
	sums, err := srv.Store.ListIdentitySummaries(context.Background(), cert, certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sums.Items {
		do("open "+s.Name, chromedp.Navigate(srv.URL+"/ui/certifications/"+cert+"/identities/"+s.ID),
			chromedp.WaitVisible(chromedp.CSS(`h1`)))
		radios := must(t, "the radios", ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('input[type=radio][value=APPROVE]')).map(e => e.name)`))
		if i == 0 {
			checkPage("identity")
		}
		for _, name := range radios {
			item := strings.TrimPrefix(name, "d-")
			do("approve "+item,
				chromedp.Click(chromedp.CSS(`input[name="`+name+`"][value=APPROVE]`)),
				chromedp.SendKeys(chromedp.CSS(`#c-`+item), "confirmed in the browser"))
		}
		do("save "+s.Name, chromedp.Click(chromedp.CSS(`form[action$="/decide"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
		if n := text("notice", "p.notice"); n != "Your decisions were saved." {
			t.Errorf("after saving %s's decisions: %q", s.Name, n)
		}
	}
	do("sign off", chromedp.Navigate(srv.URL+"/ui/certifications/"+cert),
		chromedp.Click(chromedp.CSS(`form[action$="/sign-off"] button`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	if c, _ := srv.Store.GetCertification(context.Background(), cert); c.Phase != certsum.PhaseSigned {
		t.Errorf("after the browser's sign-off the certification is %s", c.Phase)
	}
	do("sign out", chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.CSS(`#client_id`)))

	// An administrator: the campaigns, a campaign, the evidence download.
	signIn(srv.ClientID, srv.Secret, "Campaigns")
	checkPage("campaigns")
	campaign := clienttest.ID('k', 1)
	do("a campaign", chromedp.Navigate(srv.URL+"/ui/campaigns/"+campaign), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	checkPage("campaign")
	do("the evidence page", chromedp.Navigate(srv.URL+"/ui/evidence?campaignId="+campaign), chromedp.WaitVisible(chromedp.CSS(`a[download]`)))
	checkPage("evidence")
	yes := true
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: &yes}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	do("download the evidence", chromedp.Click(chromedp.CSS(`a[download]`)))
	var zipPath string
	for deadline := time.Now().Add(30 * time.Second); zipPath == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		entries, _ := os.ReadDir(downloads)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".zip") {
				if zr, err := zip.OpenReader(filepath.Join(downloads, e.Name())); err == nil {
					zr.Close()
					zipPath = filepath.Join(downloads, e.Name())
				}
			}
		}
	}
	if zipPath == "" {
		t.Fatalf("no evidence ZIP was downloaded to %s", downloads)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var m evidence.Manifest
	for _, f := range zr.File {
		if f.Name == evidence.ManifestJSON {
			rc, _ := f.Open()
			if err := json.NewDecoder(rc).Decode(&m); err != nil {
				t.Fatal(err)
			}
		}
	}
	ru, err := srv.Store.CampaignRollup(context.Background(), campaign)
	if err != nil {
		t.Fatal(err)
	}
	if !m.ChecksPass || m.Counts.Items != ru.Decisions.Total || m.Counts.Decided != ru.Decisions.Made {
		t.Errorf("the downloaded manifest %+v; the campaign has %d items, %d decided", m.Counts, ru.Decisions.Total, ru.Decisions.Made)
	}

	// Without JavaScript the pages are whole.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disable JavaScript: %v", err)
	}
	do("no JavaScript", chromedp.Navigate(srv.URL+"/ui/campaigns/"+campaign), chromedp.WaitVisible(chromedp.CSS(`table.list`)))
	if h := text("heading without JavaScript", "h1"); h != "Q1 2030 Manager Review" {
		t.Errorf("without JavaScript the campaign page shows %q", h)
	}
}

// must runs an action that returns a value, or fails the test.
func must[T any](t *testing.T, what string, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// TestScreenshotsForTheREADME writes the README's screenshots of the campaign and
// certification pages, over a small demo organisation, to the folder CERTSUM_UI_SCREENSHOTS
// names: CERTSUM_UI_SCREENSHOTS=$PWD/docs go test -run ScreenshotsForTheREADME ./internal/ui/
// Without it there is nothing to write, and the test says so.
func TestScreenshotsForTheREADME(t *testing.T) {
	dir := os.Getenv("CERTSUM_UI_SCREENSHOTS")
	if dir == "" {
		t.Skip("CERTSUM_UI_SCREENSHOTS names no folder to write the README's screenshots to")
	}
	exe := chromium(t)
	srv := clienttest.Start(t, clienttest.Options{Dataset: demo.Generate(demo.Options{Identities: 300, Seed: 1, Now: clienttest.Epoch})})
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ks, err := srv.Store.ListCampaigns(context.Background(), certsum.ListQuery{Limit: 250})
	if err != nil {
		t.Fatal(err)
	}
	var manager certsum.Campaign
	for _, k := range ks.Items {
		if k.Type == certsum.CampaignManager {
			manager = k
		}
	}
	certs, err := srv.Store.ListReviewerProgress(context.Background(), manager.ID,
		certsum.ListQuery{Limit: 1, Sort: []query.SortKey{{Field: "decisionsTotal", Desc: true}}})
	if err != nil || len(certs.Items) == 0 {
		t.Fatalf("the manager review's certifications: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/ui/signin"),
		chromedp.SendKeys(chromedp.CSS(`#client_id`), srv.ClientID),
		chromedp.SendKeys(chromedp.CSS(`#client_secret`), srv.Secret),
		chromedp.Submit(chromedp.CSS(`#client_secret`)),
		chromedp.WaitVisible(chromedp.CSS(`form.signout`))); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"dashboard-campaign.png":      "/ui/campaigns/" + manager.ID,
		"dashboard-certification.png": "/ui/certifications/" + certs.Items[0].CertificationID,
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
			t.Fatal(err)
		}
		png := must(t, name, ctx, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", filepath.Join(dir, name))
	}
}

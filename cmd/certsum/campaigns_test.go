package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/clienttest"
	"github.com/certsum/certsum/internal/evidence"
)

func TestCampaignCommandsRunACampaign(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	sam, engineer := clienttest.ID('i', 4), clienttest.ID('r', 1)
	in := &certsum.InventoryInput{FormatVersion: 1, Mode: certsum.ImportMerge,
		Assignments: []certsum.InputAssignment{{IdentityID: sam, AccessType: certsum.TypeRole, AccessID: engineer}}}
	in.Cover(certsum.KindAssignment)
	if _, err := srv.Store.ImportInventory(context.Background(), in, certsum.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t, srv)
	deadline := clienttest.Epoch.Add(48 * time.Hour).Format(time.RFC3339)

	out, _ := c.mustRun("campaigns", "create", "--name", "Managers", "--type", "manager", "--deadline", deadline, "-o", "json")
	var k certsum.Campaign
	if err := json.Unmarshal([]byte(out), &k); err != nil {
		t.Fatalf("create -o json: %v\n%s", err, out)
	}
	if k.Status != certsum.StatusStaged || k.TotalCertifications != 1 {
		t.Fatalf("created and generated: %s with %d certifications", k.Status, k.TotalCertifications)
	}
	out, _ = c.mustRun("campaigns", "list", "--filter", `status eq "STAGED"`, "-o", "table")
	if !strings.Contains(out, k.ID) || !strings.Contains(out, "STAGED") || !strings.Contains(out, "0/1") {
		t.Errorf("list:\n%s", out)
	}
	out, _ = c.mustRun("campaigns", "activate", k.ID, "--time-zone", "+02:00", "-o", "csv")
	if !strings.Contains(out, ",ACTIVE,") {
		t.Errorf("activate:\n%s", out)
	}
	if _, _, err := c.run("campaigns", "activate", k.ID); err == nil || !strings.Contains(err.Error(), "only a STAGED campaign") {
		t.Errorf("a second activate: %v", err)
	}
	if _, _, err := c.run("campaigns", "complete", k.ID); err == nil || !strings.Contains(err.Error(), "not past due") {
		t.Errorf("complete before the deadline: %v", err)
	}
	srv.Clock.Advance(72 * time.Hour)
	c = newCLI(t, srv) // a fresh token: the first one has expired with the clock
	out, _ = c.mustRun("campaigns", "complete", k.ID, "-o", "json")
	if err := json.Unmarshal([]byte(out), &k); err != nil || k.Status != certsum.StatusCompleted {
		t.Errorf("complete: %v %s", err, out)
	}
	out, _ = c.mustRun("campaigns", "delete", k.ID)
	if strings.TrimSpace(out) != "deleted 1 campaign(s)" {
		t.Errorf("delete: %q", out)
	}
	if _, _, err := c.run("campaigns", "get", k.ID); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("get after delete: %v", err)
	}
	if _, _, err := c.run("campaigns", "create", "--name", "x", "--type", "SEARCH"); err == nil || !strings.Contains(err.Error(), "identityIds") {
		t.Errorf("a SEARCH campaign without identities: %v", err)
	}
}

func TestRemediationAndExportCommands(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	sam, engineer := clienttest.ID('i', 4), clienttest.ID('r', 1)
	in := &certsum.InventoryInput{FormatVersion: 1, Mode: certsum.ImportMerge,
		Assignments: []certsum.InputAssignment{{IdentityID: sam, AccessType: certsum.TypeRole, AccessID: engineer, ExternalID: "grant-1"}}}
	in.Cover(certsum.KindAssignment)
	if _, err := srv.Store.ImportInventory(context.Background(), in, certsum.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t, srv)
	out, _ := c.mustRun("campaigns", "create", "--name", "Managers", "--deadline",
		clienttest.Epoch.Add(time.Hour).Format(time.RFC3339), "--auto-revoke", "-o", "json")
	var k certsum.Campaign
	if err := json.Unmarshal([]byte(out), &k); err != nil {
		t.Fatal(err)
	}
	c.mustRun("campaigns", "activate", k.ID)
	srv.Clock.Advance(2 * time.Hour)
	c = newCLI(t, srv)
	c.mustRun("campaigns", "complete", k.ID, "--revoke")

	out, _ = c.mustRun("export", "revocations", "--campaign", k.ID, "-o", "csv")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != strings.Join(revocationColumns, ",") {
		t.Fatalf("export:\n%s", out)
	}
	for _, want := range []string{k.ID, "Managers", sam, "Sam Staff", "ROLE", engineer, "Engineer", "REVOKE", "true", "PENDING", "grant-1"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("export row lacks %q: %s", want, lines[1])
		}
	}
	out, _ = c.mustRun("remediation", "list", "--status", "PENDING", "-o", "json")
	var items []certsum.RemediationItem
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != 1 {
		t.Fatalf("remediation list: %v %s", err, out)
	}
	out, _ = c.mustRun("remediation", "done", items[0].ID)
	if !strings.Contains(out, "marked 1 of 1") {
		t.Errorf("done: %s", out)
	}
	out, _ = c.mustRun("remediation", "status", "--campaign", k.ID, "-o", "csv")
	if strings.TrimSpace(out) != "total,pending,completed,verified\n1,0,1,0" {
		t.Errorf("status:\n%s", out)
	}
	if _, _, err := c.run("remediation", "done", "nope"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("done of an unknown item: %v", err)
	}
	if _, _, err := c.run("remediation", "list", "--status", "DONE"); err == nil {
		t.Errorf("an unknown status was accepted")
	}
}

func TestCampaignRollupCommands(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	ctx := context.Background()
	ks, err := srv.Store.ListCampaigns(ctx, certsum.ListQuery{Limit: certsum.MaxLimit})
	if err != nil || len(ks.Items) == 0 {
		t.Fatalf("campaigns: %v %v", ks, err)
	}
	k := ks.Items[0]
	want, err := srv.Store.CampaignRollup(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := newCLI(t, srv)
	out, _ := c.mustRun("campaigns", "rollup", k.ID, "-o", "json")
	var got certsum.CampaignRollup
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("rollup -o json: %v\n%s", err, out)
	}
	if got.Decisions.DecisionFigures != want.Decisions.DecisionFigures || got.Certifications != want.Certifications ||
		got.Identities != want.Identities {
		t.Errorf("rollup -o json = %+v, the store says %+v", got, want)
	}
	out, _ = c.mustRun("campaigns", "rollup", k.ID, "-o", "table")
	for _, s := range []string{"decisions", "ENTITLEMENT", "certifications signed", "identities completed"} {
		if !strings.Contains(out, s) {
			t.Errorf("rollup table lacks %q:\n%s", s, out)
		}
	}
	out, _ = c.mustRun("campaigns", "reviewers", k.ID, "--sort", "-remaining", "-o", "csv")
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows)-1 != want.Certifications.Total || !strings.HasPrefix(rows[0], "reviewer_id,reviewer_name") {
		t.Errorf("reviewers -o csv: %d rows for %d certifications:\n%s", len(rows)-1, want.Certifications.Total, out)
	}
	if _, _, err := c.run("campaigns", "reviewers", k.ID, "--filter", `comments eq "x"`); err == nil ||
		!strings.Contains(err.Error(), "comments") {
		t.Errorf("a filter on a field the list does not have: %v", err)
	}
	if _, _, err := c.run("campaigns", "rollup", "no-such-campaign"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("rollup of an unknown campaign: %v", err)
	}
}

func TestExportEvidenceCommand(t *testing.T) {
	srv := clienttest.Start(t, clienttest.Options{Dataset: clienttest.Review()})
	c := newCLI(t, srv)
	campaign := clienttest.ID('k', 1)
	path := filepath.Join(t.TempDir(), "evidence.zip")
	out, _ := c.mustRun("export", "evidence", "--campaign", campaign, "--file", path, "-o", "json")
	var m evidence.Manifest
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("-o json: %v\n%s", err, out)
	}
	want, err := srv.Store.CampaignRollup(context.Background(), campaign)
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts.Items != want.Decisions.Total || m.Counts.Decided != want.Decisions.Made || !m.ChecksPass || m.Scope.ID != campaign {
		t.Errorf("manifest %+v; the campaign has %d items, %d decided", m, want.Decisions.Total, want.Decisions.Made)
	}
	if zr, err := zip.OpenReader(path); err != nil || len(zr.File) != 4 {
		t.Errorf("%s: %v", path, err)
	} else {
		zr.Close()
	}
	raw, _ := c.mustRun("export", "evidence", "--certification", clienttest.ReviewCert, "--file", "-")
	if _, err := zip.NewReader(strings.NewReader(raw), int64(len(raw))); err != nil {
		t.Errorf("--file - did not write a ZIP to stdout: %v", err)
	}
	if _, _, err := c.run("export", "evidence"); err == nil || !strings.Contains(err.Error(), "--campaign or --certification") {
		t.Errorf("no scope: %v", err)
	}
	if _, _, err := c.run("export", "evidence", "--campaign", "nope", "--file", filepath.Join(t.TempDir(), "x.zip")); err == nil ||
		!strings.Contains(err.Error(), "not found") {
		t.Errorf("an unknown campaign: %v", err)
	}
}

package storetest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/evidence"
)

// unzip reads an evidence ZIP: every file's bytes, and the manifest.
func unzip(t *testing.T, b []byte) (map[string][]byte, evidence.Manifest) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the evidence is not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		if f.Modified.Year() < 2000 {
			t.Errorf("%s carries no modification time: %v", f.Name, f.Modified)
		}
		rc, err := f.Open()
		mustOK(t, err, "open "+f.Name)
		data, err := io.ReadAll(rc)
		mustOK(t, err, "read "+f.Name)
		files[f.Name] = data
		names = append(names, f.Name)
	}
	want := []string{evidence.SignOffsCSV, evidence.ItemsCSV, evidence.ItemsJSONL, evidence.ManifestJSON}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("files %v, want %v", names, want)
	}
	var m evidence.Manifest
	dec := json.NewDecoder(bytes.NewReader(files[evidence.ManifestJSON]))
	dec.DisallowUnknownFields()
	mustOK(t, dec.Decode(&m), "decode the manifest")
	for _, f := range m.Files {
		sum := sha256.Sum256(files[f.Name])
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(files[f.Name])) != f.Bytes {
			t.Errorf("%s: manifest says %d bytes, SHA-256 %s; the file has %d bytes, %x", f.Name, f.Bytes, f.SHA256,
				len(files[f.Name]), sum)
		}
	}
	if len(m.Files) != 3 {
		t.Errorf("the manifest lists %d files, want the 3 others", len(m.Files))
	}
	return files, m
}

// testEvidence covers the evidence export over a store: every review item once in CSV and in
// JSON Lines, undecided ones included, who actually decided (also after a reassignment), one
// sign-off row per certification, counts checked against the certifications, and no cell a
// spreadsheet would run.
func testEvidence(t *testing.T, newStore func(testing.TB) certsum.Store) {
	ctx := context.Background()
	desc := "evidence"
	bulk := true
	formula := `=HYPERLINK("http://evil.example","click")`
	at := `@SUM(1+1)`
	st := newStore(t)
	in := importInput()
	in.Identities[3].Name = "+dave" // dave's name would be a formula in a spreadsheet
	mustImport(t, st, in, certsum.ImportOptions{})
	// ceo (carla) reviews ann's ad-admins and dave's ap-ad; mgr (mario) reviews dave's gh-org.
	k := staged(t, st, certsum.Campaign{Name: "=Owners", Description: &desc, Type: certsum.CampaignSourceOwner}, "ceo")
	mustOK(t, st.ActivateCampaign(ctx, k.ID, certsum.NewTime(time.Now().Add(time.Hour))), "ActivateCampaign")
	certs, err := st.ListCertifications(ctx, certsum.CertificationFilter{ReviewerID: "ceo"}, all())
	mustOK(t, err, "ListCertifications")
	ceoCert := certs.Items[0].ID
	var ds []certsum.ReviewDecision
	for _, it := range allItems(t, st, ceoCert) {
		d := certsum.ReviewDecision{ID: it.ID, Decision: certsum.Approve, Bulk: &bulk, Comments: &at}
		if it.AccessSummary.Access.Type == certsum.TypeAccessProfile {
			d.Decision, d.Comments = certsum.Revoke, &formula
		}
		ds = append(ds, d)
	}
	_, err = st.Decide(ctx, ceoCert, "ceo", ds)
	mustOK(t, err, "Decide")
	// carla hands dave, decided by her, over to ann: the decisions keep their decider.
	var dave string
	for _, s := range allSummaries(t, st, ceoCert) {
		if s.IdentityID == "dave" {
			dave = s.ID
		}
	}
	_, err = st.Reassign(ctx, ceoCert, "ceo", certsum.ReviewReassign{Reassign: []certsum.ReassignReference{
		{ID: dave, Type: certsum.ReassignIdentitySummary}}, ReassignTo: "ann", Reason: "holiday"})
	mustOK(t, err, "Reassign")
	_, err = st.SignOff(ctx, ceoCert, "ceo")
	mustOK(t, err, "SignOff")

	var buf bytes.Buffer
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	m, err := evidence.Write(ctx, &buf, st, certsum.EvidenceScope{CampaignID: k.ID}, now)
	mustOK(t, err, "evidence.Write")
	files, got := unzip(t, buf.Bytes())
	if got.Counts != m.Counts || got.Scope != (evidence.Scope{Kind: "campaign", ID: k.ID, Name: "=Owners"}) ||
		!got.GeneratedAt.Equal(now) || got.Format != evidence.Format {
		t.Errorf("manifest %+v; Write returned %+v", got, m)
	}
	// What the certifications say.
	var wantItems, wantDecided int
	p, err := st.ListReviewerProgress(ctx, k.ID, all())
	mustOK(t, err, "ListReviewerProgress")
	for _, r := range p.Items {
		wantItems += r.DecisionsTotal
		wantDecided += r.DecisionsMade
	}
	if got.Counts != (evidence.Counts{Certifications: 3, Signed: 1, Items: wantItems, Decided: wantDecided}) ||
		wantItems != 3 || wantDecided != 2 || !got.ChecksPass || len(got.Checks) != 3 {
		t.Errorf("counts %+v, checks pass %v (%d); the certifications say %d items, %d decided", got.Counts,
			got.ChecksPass, len(got.Checks), wantItems, wantDecided)
	}

	rows, err := csv.NewReader(bytes.NewReader(files[evidence.ItemsCSV])).ReadAll()
	mustOK(t, err, "items.csv with encoding/csv")
	if len(rows) != wantItems+1 || strings.Join(rows[0], ",") != strings.Join(evidence.ItemColumns, ",") {
		t.Fatalf("items.csv has %d rows, header %v", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	var sawDave bool
	for _, r := range rows[1:] {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r\x00", rune(cell[0])) {
				t.Errorf("cell %q of items.csv would run in a spreadsheet", cell)
			}
		}
		if r[col["campaign_name"]] != "'=Owners" {
			t.Errorf("campaign_name %q, want '=Owners", r[col["campaign_name"]])
		}
		if r[col["identity_id"]] == "dave" && r[col["access_type"]] == "ACCESS_PROFILE" {
			sawDave = true
			if r[col["identity_name"]] != "'+dave" || r[col["decision"]] != "REVOKE" || r[col["decided_by_id"]] != "ceo" ||
				r[col["decided_by_name"]] != "carla" || r[col["reviewer_id"]] != "ann" || r[col["comments"]] != "'"+formula ||
				r[col["bulk"]] != "true" || r[col["decided_at"]] == "" {
				t.Errorf("dave's reassigned, decided item = %v", r)
			}
		}
		if r[col["identity_id"]] == "dave" && r[col["access_type"]] == "ENTITLEMENT" &&
			(r[col["decision"]] != "" || r[col["decided_by_id"]] != "" || r[col["decided_at"]] != "") {
			t.Errorf("dave's undecided item = %v", r)
		}
	}
	if !sawDave {
		t.Errorf("no row for dave's access profile")
	}

	// items.jsonl: the same rows, with their JSON types and without the apostrophes.
	var lines []evidence.JSONItem
	sc := bufio.NewScanner(bytes.NewReader(files[evidence.ItemsJSONL]))
	for sc.Scan() {
		var it evidence.JSONItem
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		mustOK(t, dec.Decode(&it), "decode a line of items.jsonl")
		lines = append(lines, it)
	}
	if len(lines) != wantItems {
		t.Fatalf("items.jsonl has %d lines, want %d", len(lines), wantItems)
	}
	for i, it := range lines {
		r := rows[i+1]
		if it.ItemID != r[col["item_id"]] || it.CampaignName != "=Owners" || (it.Decision == nil) != (r[col["decision"]] == "") {
			t.Errorf("line %d = %+v; CSV row %v", i+1, it, r)
		}
	}

	signoffs, err := csv.NewReader(bytes.NewReader(files[evidence.SignOffsCSV])).ReadAll()
	mustOK(t, err, "signoffs.csv")
	if len(signoffs) != 4 {
		t.Errorf("signoffs.csv has %d rows, want a header and 3", len(signoffs))
	}

	// One certification's evidence, and scopes that are not.
	buf.Reset()
	m, err = evidence.Write(ctx, &buf, st, certsum.EvidenceScope{CertificationID: ceoCert}, now)
	mustOK(t, err, "evidence.Write of one certification")
	if m.Counts.Certifications != 1 || m.Scope.Kind != "certification" || !m.ChecksPass {
		t.Errorf("one certification's manifest = %+v", m)
	}
	for _, tc := range []struct {
		scope certsum.EvidenceScope
		code  certsum.Code
	}{
		{certsum.EvidenceScope{}, certsum.CodeInvalid},
		{certsum.EvidenceScope{CampaignID: k.ID, CertificationID: ceoCert}, certsum.CodeInvalid},
		{certsum.EvidenceScope{CampaignID: "nope"}, certsum.CodeNotFound},
		{certsum.EvidenceScope{CertificationID: "nope"}, certsum.CodeNotFound},
	} {
		buf.Reset()
		_, err := evidence.Write(ctx, &buf, st, tc.scope, now)
		mustCode(t, err, tc.code)
		if buf.Len() != 0 {
			t.Errorf("scope %+v: %d bytes written before the error", tc.scope, buf.Len())
		}
	}
}

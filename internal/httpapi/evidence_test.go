package httpapi

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/evidence"
)

// TestEvidenceRouteServesTheZIPToWhoMaySeeIt: the evidence download is a ZIP whose manifest
// agrees with what the v2024 API says of the certifications; admins and auditors may export
// a campaign, a reviewer only their own certification; every answer matches the document.
func TestEvidenceRouteServesTheZIPToWhoMaySeeIt(t *testing.T) {
	e := mustEnv(t, fixtureDataset(), envOptions{})
	admin := e.mustToken(idAdmin, []string{certsum.LevelOrgAdmin})
	auditor := e.mustToken(idAdmin, []string{certsum.LevelReportAdmin})
	mia := e.mustToken(idMia, []string{certsum.LevelUser})
	get := func(target, token string, status int) *response {
		t.Helper()
		res := e.do("GET", target, token, nil).mustStatus(t, status)
		checkRollup(t, target, res)
		return res
	}
	base := AdminPrefix + "/evidence"
	manifest := func(res *response) evidence.Manifest {
		t.Helper()
		if res.header.Get("Content-Type") != "application/zip" || res.header.Get("Content-Disposition") == "" {
			t.Errorf("headers %v", res.header)
		}
		zr, err := zip.NewReader(bytes.NewReader(res.body), int64(len(res.body)))
		if err != nil {
			t.Fatalf("not a ZIP: %v", err)
		}
		var m evidence.Manifest
		for _, f := range zr.File {
			if f.Name == evidence.ManifestJSON {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
			}
		}
		return m
	}

	res := get(base+"?campaignId="+idCampA, admin, 200)
	if res.header.Get("Content-Disposition") != `attachment; filename="certsum-evidence-campaign-`+idCampA+`.zip"` {
		t.Errorf("Content-Disposition %q", res.header.Get("Content-Disposition"))
	}
	m := manifest(res)
	var certs []certsum.Certification
	e.do("GET", Prefix+"/certifications?filters=campaign.id%20eq%20%22"+idCampA+"%22", admin, nil).mustStatus(t, 200).decode(t, &certs)
	items, decided := 0, 0
	for _, c := range certs {
		items += c.DecisionsTotal
		decided += c.DecisionsMade
	}
	if m.Counts.Certifications != len(certs) || m.Counts.Items != items || m.Counts.Decided != decided || !m.ChecksPass {
		t.Errorf("manifest counts %+v (checks pass %v); the API says %d certifications, %d items, %d decided",
			m.Counts, m.ChecksPass, len(certs), items, decided)
	}
	get(base+"?campaignId="+idCampA, auditor, 200)
	if m := manifest(get(base+"?certificationId="+idCertA, mia, 200)); m.Counts.Certifications != 1 || m.Scope.ID != idCertA {
		t.Errorf("Mia's own certification: %+v", m)
	}

	for _, tc := range []struct {
		query, token string
		status       int
	}{
		{"", admin, http.StatusBadRequest},
		{"?campaignId=" + idCampA + "&certificationId=" + idCertA, admin, http.StatusBadRequest},
		{"?campaignId=nope", admin, http.StatusNotFound},
		{"?certificationId=nope", admin, http.StatusNotFound},
		{"?certificationId=nope", mia, http.StatusNotFound},
		{"?certificationId=" + idCertB, mia, http.StatusForbidden}, // Olaf's
		{"?campaignId=" + idCampA, mia, http.StatusForbidden},
		{"?campaignId=" + idCampA, "", http.StatusUnauthorized},
	} {
		get(base+tc.query, tc.token, tc.status)
	}
}

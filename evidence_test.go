package certsum

import "testing"

func TestNeutralizeCellDisarmsWhatASpreadsheetWouldRun(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"Alice":              "Alice",
		"=1+1":               "'=1+1",
		"+49 30 1234":        "'+49 30 1234",
		"-2":                 "'-2",
		"@SUM(A1)":           "'@SUM(A1)",
		"\tx":                "'\tx",
		"\rx":                "'\rx",
		"\x00x":              "'\x00x",
		"a=b":                "a=b",
		"'already quoted":    "'already quoted",
		"Zugriff prüfen ✓":   "Zugriff prüfen ✓",
		" =leading space":    " =leading space",
		"==":                 "'==",
		"2024-01-01T00:00Z":  "2024-01-01T00:00Z",
		"-":                  "'-",
		"\u2028 separator":   "\u2028 separator",
		"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
	} {
		if got := NeutralizeCell(in); got != want {
			t.Errorf("NeutralizeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEvidenceScopeNamesOneCampaignOrOneCertification(t *testing.T) {
	for _, tc := range []struct {
		s    EvidenceScope
		ok   bool
		kind string
	}{
		{EvidenceScope{}, false, ""},
		{EvidenceScope{CampaignID: "k", CertificationID: "c"}, false, ""},
		{EvidenceScope{CampaignID: "k"}, true, "campaign"},
		{EvidenceScope{CertificationID: "c"}, true, "certification"},
	} {
		err := tc.s.Check()
		if (err == nil) != tc.ok || (!tc.ok && ErrorCode(err) != CodeInvalid) {
			t.Errorf("%+v: Check = %v", tc.s, err)
		}
		if tc.ok && (tc.s.Kind() != tc.kind || tc.s.ID() == "") {
			t.Errorf("%+v: kind %q id %q", tc.s, tc.s.Kind(), tc.s.ID())
		}
	}
}

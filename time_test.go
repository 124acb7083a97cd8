package certsum_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/certsum/certsum"
)

func TestTimeMarshalsUTCWithMilliseconds(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	v := certsum.NewTime(time.Date(2030, 1, 2, 4, 4, 5, 123456789, loc))
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `"2030-01-02T03:04:05.123Z"` {
		t.Fatalf("got %s", b)
	}
}

func TestTimeAcceptsEveryFormTheSDKsSend(t *testing.T) {
	want := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, in := range []string{
		`"2030-01-02T03:04:05Z"`,           // Go SDK without fraction
		`"2030-01-02T03:04:05.000Z"`,       // certsum's own output
		`"2030-01-02T03:04:05+00:00"`,      // Python aware datetime
		`"2030-01-02T05:04:05+02:00"`,      // an offset
		`"2030-01-02T03:04:05"`,            // Python naive datetime: read as UTC
		`"2030-01-02T03:04:05.000000"`,     // naive with microseconds
		`"2030-01-02T03:04:05.000000000Z"`, // nanoseconds
	} {
		var got certsum.Time
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !got.Time.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: got %v", in, got.Time)
		}
	}
	var short certsum.Time
	if err := json.Unmarshal([]byte(`"2030-01-02T03:04Z"`), &short); err != nil || !short.Equal(want.Add(-5*time.Second)) {
		t.Errorf("minute precision: %v %v", short.Time, err)
	}
}

func TestTimeRejectsNonsense(t *testing.T) {
	for _, in := range []string{`"yesterday"`, `12345`, `"2030-13-02T03:04:05Z"`, `""`} {
		var got certsum.Time
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s: accepted as %v", in, got.Time)
		}
	}
}

func TestIDsAre32LowercaseHex(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := certsum.NewID()
		if !certsum.ValidID(id) {
			t.Fatalf("NewID gave %q", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "ABCDEF0123456789abcdef0123456789", "abc", "g0000000000000000000000000000000"} {
		if certsum.ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func TestDecisionSummaryAddKeepsMadeEqualApprovedPlusRevoked(t *testing.T) {
	var s certsum.DecisionSummary
	s.Add(certsum.TypeEntitlement, certsum.Approve, 3)
	s.Add(certsum.TypeEntitlement, certsum.Revoke, 2)
	s.Add(certsum.TypeEntitlement, "", 4)
	s.Add(certsum.TypeRole, certsum.Revoke, 1)
	s.Add(certsum.TypeAccount, "", 1)
	if s.EntitlementDecisionsTotal != 9 || s.EntitlementDecisionsMade != 5 || s.EntitlementsApproved != 3 || s.EntitlementsRevoked != 2 {
		t.Fatalf("entitlements: %+v", s)
	}
	if s.RoleDecisionsTotal != 1 || s.RolesRevoked != 1 || s.RoleDecisionsMade != 1 || s.AccountDecisionsTotal != 1 || s.AccountDecisionsMade != 0 {
		t.Fatalf("roles/accounts: %+v", s)
	}
}

package auth

import (
	"context"
	"testing"
)

func TestHasScope(t *testing.T) {
	cases := []struct {
		name    string
		granted []string
		want    []string
		ok      bool
	}{
		{"an exact scope is granted", []string{"idn:campaign:read"}, []string{"idn:campaign:read"}, true},
		{"manage implies read", []string{"idn:campaign:manage"}, []string{"idn:campaign:read"}, true},
		{"read does not imply manage", []string{"idn:campaign:read"}, []string{"idn:campaign:manage"}, false},
		{"manage of another resource does not imply read", []string{"idn:campaign-report:manage"}, []string{"idn:campaign:read"}, false},
		{"sp:scopes:all implies any scope", []string{"sp:scopes:all"}, []string{"idn:campaign:manage"}, true},
		{"legacy read and write together mean all", []string{"read", "write"}, []string{"idn:campaign:manage"}, true},
		{"legacy read alone is not all", []string{"read"}, []string{"idn:campaign:read"}, false},
		{"legacy write alone is not all", []string{"write"}, []string{"idn:campaign:manage"}, false},
		{"any one of several listed scopes is enough", []string{"idn:campaign-report:read"},
			[]string{"idn:campaign:read", "idn:campaign:manage", "idn:campaign-report:read"}, true},
		{"none of several listed scopes", []string{"idn:role:read"},
			[]string{"idn:campaign:read", "idn:campaign:manage"}, false},
		{"the default scope is granted to every token", []string{"idn:role:read"}, []string{"sp:scopes:default"}, true},
		{"sp:scopes:default does not imply other scopes", []string{"sp:scopes:default"}, []string{"idn:campaign:read"}, false},
		{"nothing listed is nothing granted", []string{"sp:scopes:all"}, nil, false},
		{"an empty scope is never granted", []string{"sp:scopes:all"}, []string{""}, false},
		{"no granted scopes", nil, []string{"idn:campaign:read"}, false},
		{"a bare :read is not implied by a bare :manage", []string{":manage"}, []string{":read"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &Principal{Scopes: c.granted}
			if got := p.HasScope(c.want...); got != c.ok {
				t.Errorf("%v.HasScope(%v) = %t, want %t", c.granted, c.want, got, c.ok)
			}
		})
	}
	var nilP *Principal
	if nilP.HasScope("sp:scopes:default") || nilP.HasUser() || nilP.IsAdmin() {
		t.Error("a nil principal has scopes, a user or admin rights")
	}
}

func TestUserAndAdmin(t *testing.T) {
	cases := []struct {
		name       string
		p          Principal
		user, isAd bool
	}{
		{"an org admin with a user", Principal{IdentityID: "x", Levels: []string{"ORG_ADMIN"}}, true, true},
		{"a cert admin with a user", Principal{IdentityID: "x", Levels: []string{"USER", "CERT_ADMIN"}}, true, true},
		{"a report admin is not an admin here", Principal{IdentityID: "x", Levels: []string{"REPORT_ADMIN"}}, true, false},
		{"a plain user", Principal{IdentityID: "x", Levels: []string{"USER"}}, true, false},
		{"admin levels without a user are not admin", Principal{Levels: []string{"ORG_ADMIN"}}, false, false},
		{"an API client", Principal{Levels: []string{"API"}}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.HasUser(); got != c.user {
				t.Errorf("HasUser = %t, want %t", got, c.user)
			}
			if got := c.p.IsAdmin(); got != c.isAd {
				t.Errorf("IsAdmin = %t, want %t", got, c.isAd)
			}
		})
	}
}

func TestPrincipalTravelsInTheContext(t *testing.T) {
	if _, ok := PrincipalFrom(context.Background()); ok {
		t.Fatal("a bare context has a principal")
	}
	p := &Principal{ClientID: "c", IdentityID: "i"}
	got, ok := PrincipalFrom(WithPrincipal(context.Background(), p))
	if !ok || got != p {
		t.Fatalf("PrincipalFrom = %v, %t; want the stored principal", got, ok)
	}
	if _, ok := PrincipalFrom(WithPrincipal(context.Background(), nil)); ok {
		t.Error("a nil principal reads back as present")
	}
	if _, ok := PrincipalFrom(context.WithValue(context.Background(), struct{}{}, p)); ok {
		t.Error("a principal under a foreign key is found")
	}
}

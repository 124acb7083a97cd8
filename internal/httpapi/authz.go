package httpapi

import (
	"context"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

// principal returns the verified caller. requireAccess guarantees one with user context on
// every route; the error covers a handler reached some other way.
func principal(ctx context.Context) (*auth.Principal, error) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || !p.HasUser() {
		return nil, certsum.Errorf(certsum.CodeForbidden, "this operation needs a token with user context")
	}
	return p, nil
}

// access says what an operation needs from the certification it names.
type access int

const (
	// readAccess: the certification must exist and the caller may see it.
	readAccess access = iota
	// reviewAccess: as readAccess, and the operation does not support certifications reviewed
	// by a governance group (listIdentityAccessReviewItems, decide, reassign, sign-off;
	// docs/api.md, "Who sees what").
	reviewAccess
)

// authorize applies the per-certification rule (docs/api.md, "Who sees what"): an unknown
// certification is 404 for everyone; ORG_ADMIN and CERT_ADMIN may act on any certification;
// anyone else must be its reviewer (the identity, or a member of the reviewing governance
// group), else 403. With reviewAccess a governance-group certification is a 400. It returns
// the caller and, with reviewAccess, the certification.
func (s *server) authorize(ctx context.Context, certID string, need access) (*auth.Principal, *certsum.Certification, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, nil, err
	}
	var cert *certsum.Certification
	if need != readAccess {
		if cert, err = s.store.GetCertification(ctx, certID); err != nil {
			return nil, nil, err
		}
	}
	if err := auth.MayActOnCertification(ctx, s.store, p, certID); err != nil {
		return nil, nil, err
	}
	if need == reviewAccess && cert.Reviewer.Type == certsum.TypeGovernanceGroup {
		return nil, nil, certsum.Conflictf(
			"certification %s is reviewed by a governance group; this operation does not support such certifications", certID)
	}
	return p, cert, nil
}

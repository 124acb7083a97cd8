package certsum

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/certsum/certsum/query"
)

// This file holds the optional interfaces of the summary read path: RawPager, which a Store
// may offer so that the HTTP layer writes pre-encoded JSON instead of encoding structs, and
// SnapshotReader with ChangeMark, which a backend may offer so that an in-memory read model
// (internal/readmodel) can load whole certifications in bulk and tell cheaply whether
// anything was committed since it last looked. Neither is part of Store: every Store works
// without them, only slower.

// RawPager is an optional fast path of a Store. Each method appends to dst the JSON body of
// the matching Store method's result, byte for byte what encoding/json's Marshal produces
// for that result (a list as a JSON array, never null), and returns the extended slice. The
// list methods also return the collection's total when q.Count is set, -1 otherwise. Errors
// are those of the matching Store method; on error the returned slice is dst unchanged.
type RawPager interface {
	// AppendIdentitySummaries is ListIdentitySummaries as JSON.
	AppendIdentitySummaries(ctx context.Context, dst []byte, certID string, q ListQuery) ([]byte, int, error)
	// AppendAccessSummaries is ListAccessSummaries as JSON.
	AppendAccessSummaries(ctx context.Context, dst []byte, certID string, t DtoType, q ListQuery) ([]byte, int, error)
	// AppendReviewItems is ListReviewItems as JSON.
	AppendReviewItems(ctx context.Context, dst []byte, certID string, f ReviewItemFilter, q ListQuery) ([]byte, int, error)
	// AppendCertifications is ListCertifications as JSON.
	AppendCertifications(ctx context.Context, dst []byte, f CertificationFilter, q ListQuery) ([]byte, int, error)
	// AppendIdentitySummary is GetIdentitySummary as JSON.
	AppendIdentitySummary(ctx context.Context, dst []byte, certID, id string) ([]byte, error)
	// AppendDecisionSummary is DecisionSummary as JSON.
	AppendDecisionSummary(ctx context.Context, dst []byte, certID string, filter query.Expr) ([]byte, error)
	// AppendCertification is GetCertification as JSON.
	AppendCertification(ctx context.Context, dst []byte, id string) ([]byte, error)
}

// SummaryRecord is one identity summary with its decision counters (the per-type totals,
// approvals and revocations of that identity's review items in the certification).
type SummaryRecord struct {
	Summary IdentitySummary
	Counts  DecisionSummary
}

// AccessRecord is one distinct access item (access.type + access.id) of a certification:
// its AccessSummary as ListAccessSummaries returns it (no account), the source names that
// the entitlement.sourceName and accessProfile.sourceName filters read (nil when not an
// entitlement, respectively not an access profile; the access profile's is not in the body,
// Decision 3), and how many of the certification's review items target it (Total) and are
// decided (Decided). Its completed flag is Decided == Total. Records of ACCOUNT items are
// included too: they describe the access of ACCOUNT review items.
type AccessRecord struct {
	Summary                 AccessSummary
	EntitlementSourceName   *string
	AccessProfileSourceName *string
	Total                   int
	Decided                 int
}

// ItemRecord is one review item in the compact form a bulk read delivers: the identity
// summary and access item it joins are named by id (see SummaryRecord and AccessRecord), the
// account by id ("" when none; its details are in CertificationSnapshot.Accounts).
type ItemRecord struct {
	ID                string
	IdentitySummaryID string
	AccessType        DtoType
	AccessID          string
	AccountID         string
	NewAccess         bool
	Decision          Decision // "" when undecided
	Comments          *string
}

// CertificationSnapshot is one certification read from one consistent snapshot of the
// database: everything ListIdentitySummaries, GetIdentitySummary, DecisionSummary,
// ListAccessSummaries, ListReviewItems, GetCertification and IsReviewer answer for it, at
// CertificationVersion Version.
type CertificationSnapshot struct {
	// Version is the certification's CertificationVersion in this snapshot.
	Version int64
	// Certification is the certification as GetCertification returns it.
	Certification Certification
	// ReviewerMembers lists the identity ids of the reviewing governance group's members;
	// nil when the reviewer is an identity.
	ReviewerMembers []string
	// Summaries are the certification's identity summaries, in any order.
	Summaries []SummaryRecord
	// Access are the certification's distinct access items of every type, in any order.
	Access []AccessRecord
	// Accounts holds the details of every account that a streamed item names, by id. It is
	// filled only when items were asked for.
	Accounts map[string]EntitlementAccount
}

// CertificationChanges is what one write changed in a certification, read from one
// snapshot: the version, the certification row, the named review items, and the identity
// summaries and access items those items belong to. Its AccessRecords carry only
// Summary.Access (type, id, name) and the counters; their details do not change.
type CertificationChanges struct {
	Version       int64
	Certification Certification
	Items         []ItemRecord
	Summaries     []SummaryRecord
	Access        []AccessRecord
}

// IndexedCertification is one certification of a CertificationIndex.
type IndexedCertification struct {
	Certification Certification
	Version       int64
	// ReviewerMembers lists the members of the reviewing governance group (nil for an
	// identity reviewer).
	ReviewerMembers []string
}

// SnapshotReader is an optional interface of a Store: bulk reads for an in-memory read
// model. Each method reads from one consistent snapshot (one read transaction).
type SnapshotReader interface {
	// ReadCertification reads a certification's snapshot. When items is not nil it also
	// calls items once for every review item of the certification, in any order, inside the
	// same snapshot, and fills Accounts; an error from items aborts the read and is returned.
	// Errors: not_found.
	ReadCertification(ctx context.Context, certID string, items func(ItemRecord) error) (*CertificationSnapshot, error)
	// ReadChanges reads the certification's version and row, the review items with the given
	// ids that are still in it, and their identity summaries and access items. Errors:
	// not_found (certification).
	ReadChanges(ctx context.Context, certID string, itemIDs []string) (*CertificationChanges, error)
	// ReadCertificationIndex reads every certification with its version.
	ReadCertificationIndex(ctx context.Context) ([]IndexedCertification, error)
	// OpenChangeMark returns a ChangeMark on the database, or nil (and no error) when the
	// backend cannot offer one.
	OpenChangeMark(ctx context.Context) (ChangeMark, error)
}

// ChangeMark tells cheaply whether anything was committed to the database: Mark returns a
// value that is equal between two calls only if no transaction committed in between, by
// this process or any other. A ChangeMark is safe for concurrent use.
type ChangeMark interface {
	// Mark returns the current change mark.
	Mark(ctx context.Context) (uint64, error)
	// Close releases the mark's resources.
	Close() error
}

// AppendJSON appends the JSON of v as encoding/json's Marshal writes it: the one encoding of
// every RawPager body.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("encode %T: %w", v, err)
	}
	return append(dst, b...), nil
}

// AppendPage appends a page as RawPager's list methods do: a JSON array, never null, and the
// total when q asked for a count (-1 otherwise). On error dst is returned unchanged.
func AppendPage[T any](dst []byte, p Page[T], q ListQuery) ([]byte, int, error) {
	items := p.Items
	if items == nil {
		items = []T{}
	}
	out, err := AppendJSON(dst, items)
	if err != nil {
		return dst, 0, err
	}
	if !q.Count {
		return out, -1, nil
	}
	return out, p.Total, nil
}

package sqlstore

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
)

// Backend is what the shared store needs of a backend besides its dialect: its transactions,
// its clock and its logger.
type Backend interface {
	Dialect
	// Read runs single statements outside a transaction (a pool).
	Read() Querier
	// ReadTx runs fn in one read-only transaction that sees one snapshot; WriteTx runs it in
	// one write transaction, retried where the backend retries. Both translate the errors
	// of the driver into certsum codes.
	ReadTx(ctx context.Context, fn func(Querier) error) error
	WriteTx(ctx context.Context, fn func(Querier) error) error
	// Analyze refreshes the planner's statistics of tables after a bulk write changed many
	// of their rows, outside any transaction; failures are only logged.
	Analyze(ctx context.Context, tables ...string)
	// BulkTx is WriteTx for a write of many rows whose references the writer guarantees
	// (campaign generation): SQLite skips its per-row foreign-key lookups.
	BulkTx(ctx context.Context, fn func(Querier) error) error
	// Translate turns an error of the driver into a certsum code.
	Translate(err error) error
	// Now is the time a write stamps.
	Now() certsum.Time
	// Log is the store's logger.
	Log() *slog.Logger
	// PermissionSource is the rows behind alias p of certsum.PermissionSchema: the
	// permissions of the entitlement whose id is the %s parameter, in stored order, with an
	// id column that sorts in that order.
	PermissionSource() string
	// Fetch runs a query in the write transaction tx and hands its rows to scan in batches
	// of about n; after each batch, with no result set open, it calls flush, which may write
	// through tx. It is how a long read feeds writes in one transaction.
	Fetch(ctx context.Context, tx Querier, stmt string, args []any, n int, scan func(Rows) error, flush func() error) error
	ItemStreamer
}

// Writes is a backend's SQL for the writes whose rows it batches its own way.
type Writes[K Key] interface {
	LedgerWriter[K]
	// WriteDecisions updates the changed review items and appends their audit records, in
	// the order of changes.
	WriteDecisions(ctx context.Context, cert *CertState[K], by string, now certsum.Time, changes []Change[K]) error
}

// Core implements the certsum.Store methods whose logic and SQL are the same on both
// backends, over the dialect's key type K. Each backend embeds it, so these methods are
// written once; the backends keep what is truly theirs.
type Core[K Key] struct {
	B Backend
	// W returns the backend's writes inside the write transaction tx.
	W func(tx Querier) Writes[K]
}

// AnalyzeAfter is how many written rows make a bulk write refresh the planner's
// statistics.
const AnalyzeAfter = 10000

// Args returns an empty argument list of the dialect.
func Args(dl Dialect) *sqlq.Args { return &sqlq.Args{Dialect: dl.SQLQ()} }

// CertSelect reads certifications with their campaign reference and reviewer. The reviewer
// is an identity or a governance group, joined by type.
const CertSelect = `SELECT c.id, c.name, c.completed, c.identities_completed, c.identities_total,
	c.created, c.modified, c.decisions_made, c.decisions_total, c.due, c.signed,
	c.reviewer_id, c.reviewer_type, COALESCE(ri.name, rg.name, ''), ri.email,
	c.reassignment, c.has_errors, c.error_message, c.phase,
	k.id, k.name, k.type, k.description, k.correlated_status, k.mandatory_comment_requirement
FROM certifications c
JOIN campaigns k ON k.id = c.campaign_id
LEFT JOIN identities ri ON c.reviewer_type = 'IDENTITY' AND ri.id = c.reviewer_id
LEFT JOIN governance_groups rg ON c.reviewer_type = 'GOVERNANCE_GROUP' AND rg.id = c.reviewer_id`

// Scanner is a row to scan: Rows, or either driver's single row.
type Scanner interface{ Scan(dest ...any) error }

// ScanCertification reads a row of CertSelect.
func ScanCertification(dl Dialect, r Scanner) (*certsum.Certification, error) {
	var c certsum.Certification
	var reassignment *certsum.Reassignment
	err := r.Scan(&c.ID, &c.Name, &c.Completed, &c.IdentitiesCompleted, &c.IdentitiesTotal,
		dl.Time(&c.Created), dl.Time(&c.Modified), &c.DecisionsMade, &c.DecisionsTotal,
		dl.NullTime(&c.Due), dl.NullTime(&c.Signed),
		&c.Reviewer.ID, &c.Reviewer.Type, &c.Reviewer.Name, &c.Reviewer.Email,
		dl.JSON(&reassignment), &c.HasErrors, &c.ErrorMessage, &c.Phase,
		&c.Campaign.ID, &c.Campaign.Name, &c.Campaign.CampaignType, &c.Campaign.Description,
		&c.Campaign.CorrelatedStatus, &c.Campaign.MandatoryCommentRequirement)
	if err != nil {
		return nil, err
	}
	c.Reassignment = reassignment
	c.Campaign.Type = certsum.TypeCampaign
	return &c, nil
}

// GetCertificationIn reads one certification through q. Errors: not_found.
func GetCertificationIn(ctx context.Context, q Querier, dl Dialect, id string) (*certsum.Certification, error) {
	rows, err := q.Query(ctx, CertSelect+` WHERE c.id = `+dl.Param(1), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, certsum.NotFoundf("certification %q not found", id)
	}
	c, err := ScanCertification(dl, rows)
	if err != nil {
		return nil, err
	}
	return c, rows.Err()
}

// GetCertification returns one certification with its live counters. Errors: not_found.
func (c *Core[K]) GetCertification(ctx context.Context, id string) (*certsum.Certification, error) {
	cert, err := GetCertificationIn(ctx, c.B.Read(), c.B, id)
	if err != nil {
		return nil, fmt.Errorf("get certification: %w", c.B.Translate(err))
	}
	return cert, nil
}

// ListCertifications lists certifications (certsum.CertificationSchema), optionally only
// those that f.ReviewerID reviews directly or through a governance group.
func (c *Core[K]) ListCertifications(ctx context.Context, f certsum.CertificationFilter, q certsum.ListQuery) (certsum.Page[certsum.Certification], error) {
	var page certsum.Page[certsum.Certification]
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		page = certsum.Page[certsum.Certification]{Items: []certsum.Certification{}}
		l := List{
			Schema:    certsum.CertificationSchema,
			SelectSQL: CertSelect,
			CountSQL:  `SELECT COUNT(*) FROM certifications c`,
			Args:      Args(c.B),
		}
		if f.ReviewerID != "" {
			// Each use binds its own argument: SQLite's placeholders are positional.
			l.Where = append(l.Where, fmt.Sprintf(`((c.reviewer_type = 'IDENTITY' AND c.reviewer_id = %s)
				OR (c.reviewer_type = 'GOVERNANCE_GROUP' AND c.reviewer_id IN
					(SELECT group_id FROM governance_group_members WHERE identity_id = %s)))`,
				l.Args.Add(f.ReviewerID), l.Args.Add(f.ReviewerID)))
		}
		total, err := l.Run(ctx, tx, c.B.SQLQ(), q, func(rows Rows) error {
			cert, err := ScanCertification(c.B, rows)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, *cert)
			return nil
		})
		page.Total = total
		return err
	})
	if err != nil {
		return certsum.Page[certsum.Certification]{Items: []certsum.Certification{}}, fmt.Errorf("list certifications: %w", err)
	}
	return page, nil
}

// CertState is what the write paths need to know about a certification before they change it.
type CertState[K Key] struct {
	Key          K
	ID           string
	Name         string
	CampaignID   string
	Phase        certsum.Phase
	ReviewerID   string
	ReviewerType certsum.DtoType
	Due          *certsum.Time
	Completed    bool
	Requirement  certsum.CommentRequirement
}

// LockCertification locks a certification's row for the rest of the write transaction and
// reads its state. Every write to a certification's items, summaries and counters happens
// under this lock, so concurrent writers on one certification run one after the other, each
// seeing the previous one's committed counters. The caller must hold the campaign's lock
// first when it takes one at all. Errors: not_found.
func LockCertification[K Key](ctx context.Context, tx Querier, dl Dialect, id string) (*CertState[K], error) {
	var c CertState[K]
	found, err := QueryRow(ctx, tx, `SELECT c.`+dl.Keys().Cert+`, c.id, c.name, c.campaign_id, c.phase, c.reviewer_id,
			c.reviewer_type, c.due, c.completed, k.mandatory_comment_requirement
		FROM certifications c JOIN campaigns k ON k.id = c.campaign_id WHERE c.id = `+dl.Param(1)+dl.ForUpdate("c"),
		[]any{id}, &c.Key, &c.ID, &c.Name, &c.CampaignID, &c.Phase, &c.ReviewerID, &c.ReviewerType,
		dl.NullTime(&c.Due), &c.Completed, &c.Requirement)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, certsum.NotFoundf("certification %q not found", id)
	}
	return &c, nil
}

// LockCampaignOf locks the campaign of a certification and returns its id. Sign-off and
// reassignment take this lock before any certification's, which gives every writer the same
// lock order (campaign, then certifications) and so no deadlocks; it also serialises the
// creation of reassignment targets within a campaign. Errors: not_found.
func LockCampaignOf(ctx context.Context, tx Querier, dl Dialect, certID string) (string, error) {
	var campaignID string
	found, err := QueryRow(ctx, tx, `SELECT k.id FROM campaigns k
		WHERE k.id = (SELECT campaign_id FROM certifications WHERE id = `+dl.Param(1)+`)`+dl.ForUpdate("k"),
		[]any{certID}, &campaignID)
	if err == nil && !found {
		err = certsum.NotFoundf("certification %q not found", certID)
	}
	return campaignID, err
}

// certWrite runs one write to a certification in a write transaction: it locks the
// certification (after its campaign when campaign is set: the writers' lock order), runs fn
// with the locked state, and returns the certification as the write left it. Errors are
// wrapped with op.
func (c *Core[K]) certWrite(ctx context.Context, op, certID string, campaign bool,
	fn func(tx Querier, st *CertState[K]) error) (*certsum.Certification, error) {
	var out *certsum.Certification
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		if campaign {
			if _, err := LockCampaignOf(ctx, tx, c.B, certID); err != nil {
				return err
			}
		}
		st, err := LockCertification[K](ctx, tx, c.B, certID)
		if err != nil {
			return err
		}
		if err := fn(tx, st); err != nil {
			return err
		}
		out, err = GetCertificationIn(ctx, tx, c.B, certID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// SignOff signs the certification off when every item is decided; when it is the last
// certification of its campaign to be signed, the campaign becomes COMPLETED. Errors:
// not_found, conflict (open items, already signed, not active).
func (c *Core[K]) SignOff(ctx context.Context, certID, by string) (*certsum.Certification, error) {
	dl := c.B
	return c.certWrite(ctx, "sign off", certID, true, func(tx Querier, st *CertState[K]) error {
		switch {
		case st.Phase == certsum.PhaseSigned:
			return certsum.Conflictf("certification %q is already signed", certID)
		case st.Phase != certsum.PhaseActive:
			return certsum.Conflictf("certification %q is %s; only an ACTIVE certification can be signed off", certID, st.Phase)
		case !st.Completed:
			return certsum.Conflictf("all decisions must be made before sign-off")
		}
		now := dl.TimeArg(c.now(ctx))
		if _, err := tx.Exec(ctx, `UPDATE certifications SET phase = 'SIGNED', signed = `+dl.Param(1)+`, modified = `+dl.Param(1)+`,
			version = version + 1 WHERE `+dl.Keys().Cert+` = `+dl.Param(2), now, st.Key); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET completed_certifications = completed_certifications + 1,
			modified = `+dl.Param(1)+`,
			status = CASE WHEN completed_certifications + 1 >= total_certifications THEN 'COMPLETED' ELSE status END
			WHERE id = `+dl.Param(2), now, st.CampaignID); err != nil {
			return err
		}
		// Every revocation of the certification is now to be carried out.
		if err := remediateRevoked(ctx, tx, dl, c.now(ctx), `c.`+dl.Keys().Cert+` = `+dl.Param(2), st.Key); err != nil {
			return err
		}
		c.B.Log().Debug("certification signed off", "certification", certID, "by", by)
		return nil
	})
}

// reviewerSource returns the rows behind alias r of certsum.ReviewerSchema for a
// certification: its reviewer identity, or the members of its reviewing governance group.
const reviewerSource = `(SELECT i.id AS id, i.name AS name, i.email AS email
	FROM certifications c JOIN identities i ON c.reviewer_type = 'IDENTITY' AND i.id = c.reviewer_id
	WHERE c.id = %[1]s
	UNION ALL
	SELECT i.id, i.name, i.email
	FROM certifications c
	JOIN governance_group_members m ON c.reviewer_type = 'GOVERNANCE_GROUP' AND m.group_id = c.reviewer_id
	JOIN identities i ON i.id = m.identity_id
	WHERE c.id = %[2]s) r`

// ListReviewers lists the identities who review a certification (certsum.ReviewerSchema).
// Errors: not_found, invalid.
func (c *Core[K]) ListReviewers(ctx context.Context, certID string, q certsum.ListQuery) (certsum.Page[certsum.IdentityReference], error) {
	var page certsum.Page[certsum.IdentityReference]
	err := c.B.ReadTx(ctx, func(tx Querier) error {
		page = certsum.Page[certsum.IdentityReference]{Items: []certsum.IdentityReference{}}
		if _, err := CertKey[K](ctx, tx, c.B, certID); err != nil {
			return err
		}
		l := List{Schema: certsum.ReviewerSchema, Args: Args(c.B)}
		src := fmt.Sprintf(reviewerSource, l.Args.Add(certID), l.Args.Add(certID))
		l.SelectSQL = `SELECT r.id, r.name, r.email FROM ` + src
		l.CountSQL = `SELECT COUNT(*) FROM ` + src
		total, err := l.Run(ctx, tx, c.B.SQLQ(), q, func(rows Rows) error {
			ref := certsum.IdentityReference{Type: certsum.TypeIdentity}
			if err := rows.Scan(&ref.ID, &ref.Name, &ref.Email); err != nil {
				return err
			}
			page.Items = append(page.Items, ref)
			return nil
		})
		page.Total = total
		return err
	})
	if err != nil {
		return certsum.Page[certsum.IdentityReference]{Items: []certsum.IdentityReference{}}, fmt.Errorf("list reviewers: %w", err)
	}
	return page, nil
}

// CertKey returns the key of a certification, or not_found.
func CertKey[K Key](ctx context.Context, q Querier, dl Dialect, certID string) (K, error) {
	var key K
	found, err := QueryRow(ctx, q, `SELECT `+dl.Keys().Cert+` FROM certifications WHERE id = `+dl.Param(1), []any{certID}, &key)
	if err == nil && !found {
		err = certsum.NotFoundf("certification %q not found", certID)
	}
	return key, err
}

// IsReviewer reports whether identityID reviews the certification, directly or as a member
// of its governance group. Errors: not_found.
func (c *Core[K]) IsReviewer(ctx context.Context, certID, identityID string) (bool, error) {
	var ok bool
	p := c.B.Param
	found, err := QueryRow(ctx, c.B.Read(), `SELECT
			(c.reviewer_type = 'IDENTITY' AND c.reviewer_id = `+p(1)+`)
			OR (c.reviewer_type = 'GOVERNANCE_GROUP' AND EXISTS (
				SELECT 1 FROM governance_group_members m WHERE m.group_id = c.reviewer_id AND m.identity_id = `+p(1)+`))
		FROM certifications c WHERE c.id = `+p(2), []any{identityID, certID}, &ok)
	if err != nil {
		return false, fmt.Errorf("is reviewer: %w", c.B.Translate(err))
	}
	if !found {
		return false, certsum.NotFoundf("certification %q not found", certID)
	}
	return ok, nil
}

// CertificationVersion returns a number that grows with every committed change to the
// certification. Errors: not_found.
func (c *Core[K]) CertificationVersion(ctx context.Context, certID string) (int64, error) {
	var v int64
	found, err := QueryRow(ctx, c.B.Read(), `SELECT version FROM certifications WHERE id = `+c.B.Param(1), []any{certID}, &v)
	if err != nil {
		return 0, fmt.Errorf("certification version: %w", c.B.Translate(err))
	}
	if !found {
		return 0, certsum.NotFoundf("certification %q not found", certID)
	}
	return v, nil
}

// now is the time a write under ctx stamps: the time certsum.AsOf set on ctx, else the
// backend's clock.
func (c *Core[K]) now(ctx context.Context) certsum.Time {
	if t, ok := certsum.StampOf(ctx); ok {
		return t
	}
	return c.B.Now()
}

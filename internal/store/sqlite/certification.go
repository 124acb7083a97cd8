package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/store/sqlq"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// certSelect reads certifications with their campaign reference and reviewer. The reviewer
// is an identity or a governance group, joined by type.
const certSelect = `SELECT c.id, c.name, c.completed, c.identities_completed, c.identities_total,
	c.created, c.modified, c.decisions_made, c.decisions_total, c.due, c.signed,
	c.reviewer_id, c.reviewer_type, COALESCE(ri.name, rg.name, ''), ri.email,
	c.reassignment, c.has_errors, c.error_message, c.phase,
	k.id, k.name, k.type, k.description, k.correlated_status, k.mandatory_comment_requirement
FROM certifications c
JOIN campaigns k ON k.id = c.campaign_id
LEFT JOIN identities ri ON c.reviewer_type = 'IDENTITY' AND ri.id = c.reviewer_id
LEFT JOIN governance_groups rg ON c.reviewer_type = 'GOVERNANCE_GROUP' AND rg.id = c.reviewer_id`

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

func scanCertification(r rowScanner) (*certsum.Certification, error) {
	var c certsum.Certification
	var reassignment *certsum.Reassignment
	err := r.Scan(&c.ID, &c.Name, &c.Completed, &c.IdentitiesCompleted, &c.IdentitiesTotal,
		timeCol{&c.Created}, timeCol{&c.Modified}, &c.DecisionsMade, &c.DecisionsTotal,
		nullTimeCol{&c.Due}, nullTimeCol{&c.Signed},
		&c.Reviewer.ID, &c.Reviewer.Type, &c.Reviewer.Name, &c.Reviewer.Email,
		jsonCol{&reassignment}, &c.HasErrors, &c.ErrorMessage, &c.Phase,
		&c.Campaign.ID, &c.Campaign.Name, &c.Campaign.CampaignType, &c.Campaign.Description,
		&c.Campaign.CorrelatedStatus, &c.Campaign.MandatoryCommentRequirement)
	if err != nil {
		return nil, err
	}
	c.Reassignment = reassignment
	c.Campaign.Type = certsum.TypeCampaign
	return &c, nil
}

// getCertification reads one certification through q.
func getCertification(ctx context.Context, q querier, id string) (*certsum.Certification, error) {
	c, err := scanCertification(q.QueryRowContext(ctx, certSelect+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, certsum.NotFoundf("certification %q not found", id)
	}
	return c, err
}

// GetCertification returns one certification with its live counters. Errors: not_found.
func (s *Store) GetCertification(ctx context.Context, id string) (*certsum.Certification, error) {
	c, err := getCertification(ctx, s.read, id)
	if err != nil {
		return nil, fmt.Errorf("get certification: %w", s.translate(err))
	}
	return c, nil
}

// ListCertifications lists certifications (certsum.CertificationSchema), optionally only
// those that f.ReviewerID reviews directly or through a governance group.
func (s *Store) ListCertifications(ctx context.Context, f certsum.CertificationFilter, q certsum.ListQuery) (certsum.Page[certsum.Certification], error) {
	page := certsum.Page[certsum.Certification]{Items: []certsum.Certification{}}
	l := listQuery{
		Schema:    certsum.CertificationSchema,
		SelectSQL: certSelect,
		CountSQL:  `SELECT COUNT(*) FROM certifications c`,
		Args:      newArgs(),
	}
	if f.ReviewerID != "" {
		l.Where = append(l.Where, fmt.Sprintf(`((c.reviewer_type = 'IDENTITY' AND c.reviewer_id = %s)
			OR (c.reviewer_type = 'GOVERNANCE_GROUP' AND c.reviewer_id IN
				(SELECT group_id FROM governance_group_members WHERE identity_id = %s)))`,
			l.Args.Add(f.ReviewerID), l.Args.Add(f.ReviewerID)))
	}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		total, err := l.Run(ctx, sqlQuerier{tx}, sqlq.SQLite, q, func(rows sqlstore.Rows) error {
			c, err := scanCertification(rows)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, *c)
			return nil
		})
		page.Total = total
		return err
	})
	if err != nil {
		return page, fmt.Errorf("list certifications: %w", err)
	}
	return page, nil
}

// certState is what the write paths need to know about a certification before they change it.
type certState struct {
	key          int64
	id           string
	name         string
	campaignID   string
	phase        certsum.Phase
	reviewerID   string
	reviewerType certsum.DtoType
	due          *certsum.Time
	completed    bool
	requirement  certsum.CommentRequirement
}

// lockCertification reads a certification's state inside a write transaction.
func lockCertification(ctx context.Context, tx *sql.Tx, id string) (*certState, error) {
	var c certState
	err := tx.QueryRowContext(ctx, `SELECT c.key, c.id, c.name, c.campaign_id, c.phase, c.reviewer_id, c.reviewer_type,
			c.due, c.completed, k.mandatory_comment_requirement
		FROM certifications c JOIN campaigns k ON k.id = c.campaign_id WHERE c.id = ?`, id).
		Scan(&c.key, &c.id, &c.name, &c.campaignID, &c.phase, &c.reviewerID, &c.reviewerType,
			nullTimeCol{&c.due}, &c.completed, &c.requirement)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, certsum.NotFoundf("certification %q not found", id)
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// SignOff signs the certification off when every item is decided; when it is the last
// certification of its campaign to be signed, the campaign becomes COMPLETED. Errors:
// not_found, conflict (open items, already signed, not active).
func (s *Store) SignOff(ctx context.Context, certID, by string) (*certsum.Certification, error) {
	var out *certsum.Certification
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := lockCertification(ctx, tx, certID)
		if err != nil {
			return err
		}
		switch {
		case c.phase == certsum.PhaseSigned:
			return certsum.Conflictf("certification %q is already signed", certID)
		case c.phase != certsum.PhaseActive:
			return certsum.Conflictf("certification %q is %s; only an ACTIVE certification can be signed off", certID, c.phase)
		case !c.completed:
			return certsum.Conflictf("all decisions must be made before sign-off")
		}
		now := timeText(s.stamp())
		if _, err := tx.ExecContext(ctx, `UPDATE certifications SET phase = 'SIGNED', signed = ?, modified = ?,
			version = version + 1 WHERE key = ?`, now, now, c.key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET completed_certifications = completed_certifications + 1,
			modified = ? WHERE id = ?`, now, c.campaignID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = 'COMPLETED'
			WHERE id = ? AND completed_certifications >= total_certifications AND status != 'COMPLETED'`, c.campaignID); err != nil {
			return err
		}
		s.log.Debug("certification signed off", "certification", certID, "by", by)
		out, err = getCertification(ctx, tx, certID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sign off: %w", err)
	}
	return out, nil
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
// Errors: not_found.
func (s *Store) ListReviewers(ctx context.Context, certID string, q certsum.ListQuery) (certsum.Page[certsum.IdentityReference], error) {
	page := certsum.Page[certsum.IdentityReference]{Items: []certsum.IdentityReference{}}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		if _, err := certKey(ctx, tx, certID); err != nil {
			return err
		}
		l := listQuery{Schema: certsum.ReviewerSchema, Args: newArgs()}
		src := fmt.Sprintf(reviewerSource, l.Args.Add(certID), l.Args.Add(certID))
		l.SelectSQL = `SELECT r.id, r.name, r.email FROM ` + src
		l.CountSQL = `SELECT COUNT(*) FROM ` + src
		total, err := l.Run(ctx, sqlQuerier{tx}, sqlq.SQLite, q, func(rows sqlstore.Rows) error {
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
		return page, fmt.Errorf("list reviewers: %w", err)
	}
	return page, nil
}

// certKey returns the integer key of a certification, or not_found.
func certKey(ctx context.Context, q querier, certID string) (int64, error) {
	var key int64
	err := q.QueryRowContext(ctx, `SELECT key FROM certifications WHERE id = ?`, certID).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, certsum.NotFoundf("certification %q not found", certID)
	}
	return key, err
}

// IsReviewer reports whether identityID reviews the certification, directly or as a member
// of its governance group. Errors: not_found.
func (s *Store) IsReviewer(ctx context.Context, certID, identityID string) (bool, error) {
	var ok bool
	err := s.read.QueryRowContext(ctx, `SELECT
			(c.reviewer_type = 'IDENTITY' AND c.reviewer_id = ?1)
			OR (c.reviewer_type = 'GOVERNANCE_GROUP' AND EXISTS (
				SELECT 1 FROM governance_group_members m WHERE m.group_id = c.reviewer_id AND m.identity_id = ?1))
		FROM certifications c WHERE c.id = ?2`, identityID, certID).Scan(&ok)
	if errors.Is(err, sql.ErrNoRows) {
		return false, certsum.NotFoundf("certification %q not found", certID)
	}
	if err != nil {
		return false, fmt.Errorf("is reviewer: %w", s.translate(err))
	}
	return ok, nil
}

// CertificationVersion returns a number that grows with every committed change to the
// certification. Errors: not_found.
func (s *Store) CertificationVersion(ctx context.Context, certID string) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, `SELECT version FROM certifications WHERE id = ?`, certID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, certsum.NotFoundf("certification %q not found", certID)
	}
	if err != nil {
		return 0, fmt.Errorf("certification version: %w", s.translate(err))
	}
	return v, nil
}

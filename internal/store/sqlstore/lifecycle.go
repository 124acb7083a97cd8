package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/certsum/certsum"
)

// The campaign lifecycle (API.md §5.7): create (PENDING), generate (STAGED or ERROR),
// activate (ACTIVE), complete (COMPLETED) and delete. Each step is one write transaction that
// locks the campaign row first, the writers' lock order.

// lockCampaign locks a campaign's row for the rest of the write transaction and returns its
// status. Errors: not_found.
func lockCampaign(ctx context.Context, tx Querier, dl Dialect, id string) (certsum.CampaignStatus, error) {
	var status certsum.CampaignStatus
	found, err := QueryRow(ctx, tx, `SELECT k.status FROM campaigns k WHERE k.id = `+dl.Param(1)+dl.ForUpdate("k"), []any{id}, &status)
	if err == nil && !found {
		err = certsum.NotFoundf("campaign %q not found", id)
	}
	return status, err
}

// CreateCampaign stores a new campaign, PENDING, owned by the identity owner, after
// checking what it names against the live inventory: a SEARCH campaign's identities and
// reviewer, a SOURCE_OWNER campaign's sources. It sets the campaign's id, status and times.
// Errors: invalid (certsum.Campaign.CheckNew), reference (an unknown identity, source or
// reviewer).
func (c *Core[K]) CreateCampaign(ctx context.Context, k *certsum.Campaign, owner string) error {
	dl := c.B
	now := c.now(ctx)
	if err := k.CheckNew(now); err != nil {
		return err
	}
	k.ID, k.Status, k.Created, k.Modified, k.OwnerID = certsum.NewID(), certsum.StatusPending, now, now, owner
	k.TotalCertifications, k.CompletedCertifications, k.Alerts = 0, 0, []certsum.CampaignAlert{}
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		missing := func(table, what string, ids []string) error {
			id, err := Missing(ctx, tx, dl, func(ph string) string {
				return `SELECT id FROM ` + table + ` WHERE deleted_at IS NULL AND ` + dl.AnyOf("id", ph)
			}, ids)
			if err == nil && id != "" {
				err = &certsum.Error{Code: certsum.CodeReference, Message: fmt.Sprintf("%s %q does not exist", what, id)}
			}
			return err
		}
		if err := missing("identities", "campaign owner", []string{owner}); err != nil {
			return err
		}
		if k.SourceOwnerCampaignInfo != nil {
			if err := missing("sources", "source", k.SourceOwnerCampaignInfo.SourceIDs); err != nil {
				return err
			}
		}
		if s := k.SearchCampaignInfo; s != nil {
			if err := missing("identities", "identity", s.IdentityIDs); err != nil {
				return err
			}
			if r := s.Reviewer; r != nil {
				table := "identities"
				if r.Type == certsum.TypeGovernanceGroup {
					table = "governance_groups"
				}
				if err := missing(table, "reviewer", []string{r.ID}); err != nil {
					return err
				}
				var name string
				if _, err := QueryRow(ctx, tx, `SELECT name FROM `+table+` WHERE id = `+dl.Param(1), []any{r.ID}, &name); err != nil {
					return err
				}
				r.Name = &name
			}
			for _, a := range s.AccessConstraints {
				table := map[certsum.DtoType]string{certsum.TypeRole: "roles", certsum.TypeAccessProfile: "access_profiles",
					certsum.TypeEntitlement: "entitlements"}[a.Type]
				if err := missing(table, strings.ToLower(strings.ReplaceAll(string(a.Type), "_", " ")), a.IDs); err != nil {
					return err
				}
			}
		}
		var snapshot any
		if k.Filter != nil {
			f, err := getFilterIn(ctx, tx, dl, k.Filter.ID)
			if certsum.ErrorCode(err) == certsum.CodeNotFound {
				return &certsum.Error{Code: certsum.CodeReference, Message: fmt.Sprintf("campaign filter %q does not exist", k.Filter.ID)}
			}
			if err != nil {
				return err
			}
			k.Filter.Name, k.FilterSnapshot = f.Name, f
			if snapshot, err = JSONText(f); err != nil {
				return err
			}
		}
		row, err := CampaignRow(dl, *k, now)
		if err != nil {
			return err
		}
		var search any
		if k.SearchCampaignInfo != nil {
			if search, err = JSONText(k.SearchCampaignInfo); err != nil {
				return err
			}
		}
		cols := append(slices.Clone(CampaignColumns), "owner_id", "search_campaign_info", "filter_snapshot")
		row = append(row, owner, search, snapshot)
		_, err = tx.Exec(ctx, `INSERT INTO campaigns (`+strings.Join(cols, ", ")+`) VALUES (`+Params(dl, 1, len(cols))+`)`, row...)
		return err
	})
	if err != nil {
		return fmt.Errorf("create campaign: %w", err)
	}
	return nil
}

// GenerateCampaign generates a PENDING campaign's certifications from the live inventory in
// one transaction and leaves it STAGED (or ERROR, with an alert, when it has nothing to
// review). progress, when set, is called with the identities read so far and their
// estimated total. A campaign that is no longer PENDING is left alone. Errors: not_found.
func (c *Core[K]) GenerateCampaign(ctx context.Context, id string, progress func(done, total int)) (*certsum.Campaign, error) {
	// Every reference generation writes is to a row it just wrote or read live in the same
	// transaction, so the bulk transaction's skipped foreign-key checks lose nothing.
	items := 0
	err := c.B.BulkTx(ctx, func(tx Querier) error {
		status, err := lockCampaign(ctx, tx, c.B, id)
		if err != nil || status != certsum.StatusPending {
			return err
		}
		k, err := getCampaignIn(ctx, tx, c.B, id)
		if err != nil {
			return err
		}
		if k.InventoryVersion, err = inventoryVersion(ctx, tx); err != nil {
			return err
		}
		cat, err := loadGenCatalog(ctx, tx)
		if err != nil {
			return err
		}
		g := &generator[K]{c: c, tx: tx, dl: c.B, camp: k, cat: cat, now: c.now(ctx), certs: map[string]*genCert{},
			progress: progress, w: &importWriter{dl: c.B, tx: tx}}
		if _, err := QueryRow(ctx, tx, `SELECT COUNT(*) FROM identities WHERE deleted_at IS NULL`, nil, &g.total); err != nil {
			return err
		}
		if err := g.startKeys(ctx); err != nil {
			return err
		}
		switch k.Type {
		case certsum.CampaignManager:
			err = g.manager(ctx)
		case certsum.CampaignSourceOwner:
			err = g.sourceOwner(ctx)
		case certsum.CampaignSearch:
			err = g.search(ctx)
		default:
			g.alert("ERROR", fmt.Sprintf("certsum does not generate %s campaigns", k.Type))
		}
		if err != nil {
			return err
		}
		if progress != nil {
			progress(g.total, g.total) // every identity read; what is left is the counters
		}
		items = int(g.seq)
		return g.finish(ctx)
	})
	if err == nil && items >= AnalyzeAfter {
		c.B.Analyze(ctx, "certifications", "identity_summaries", "review_items", "access_summaries")
	}
	if err != nil && ctx.Err() == nil && certsum.ErrorCode(err) != certsum.CodeNotFound {
		// Nothing of the generation was kept; the campaign records why in an ERROR alert.
		if ferr := c.failCampaign(ctx, id, certsum.ErrorText(c.B.Translate(err))); ferr != nil {
			c.B.Log().Error("record a failed generation", "campaign", id, "err", ferr)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("generate campaign %s: %w", id, err)
	}
	return c.GetCampaign(ctx, id)
}

// failCampaign marks a PENDING campaign ERROR with an alert saying why its generation
// failed.
func (c *Core[K]) failCampaign(ctx context.Context, id, why string) error {
	dl := c.B
	return c.B.WriteTx(ctx, func(tx Querier) error {
		status, err := lockCampaign(ctx, tx, dl, id)
		if err != nil || status != certsum.StatusPending {
			return err
		}
		g := &generator[K]{}
		g.alert("ERROR", "generation failed: "+why)
		alerts, err := JSONText(g.alerts)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE campaigns SET status = 'ERROR', alerts = `+dl.Param(1)+`, modified = `+dl.Param(2)+
			` WHERE id = `+dl.Param(3), alerts, dl.TimeArg(c.now(ctx)), id)
		return err
	})
}

// PendingCampaigns returns the ids of the campaigns still PENDING (whose generation has not
// run or did not finish), oldest first.
func (c *Core[K]) PendingCampaigns(ctx context.Context) ([]string, error) {
	ids, err := Strings(ctx, c.B.Read(), `SELECT id FROM campaigns WHERE status = 'PENDING' ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("pending campaigns: %w", c.B.Translate(err))
	}
	return ids, nil
}

// OverdueCampaigns returns the ids of the ACTIVE campaigns whose deadline has passed,
// earliest deadline first.
func (c *Core[K]) OverdueCampaigns(ctx context.Context) ([]string, error) {
	ids, err := Strings(ctx, c.B.Read(), `SELECT id FROM campaigns WHERE status = 'ACTIVE' AND deadline < `+c.B.Param(1)+
		` ORDER BY deadline, id`, c.B.TimeArg(c.now(ctx)))
	if err != nil {
		return nil, fmt.Errorf("overdue campaigns: %w", c.B.Translate(err))
	}
	return ids, nil
}

// Strings returns the one text column of a query's rows.
func Strings(ctx context.Context, q Querier, stmt string, args ...any) ([]string, error) {
	var out []string
	err := Each(ctx, q, stmt, args, func(rows Rows) error {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// Missing returns the first of ids that the query (which selects the ids it finds, given
// them through the dialect's IDs) does not return, or "".
func Missing(ctx context.Context, q Querier, dl Dialect, stmt func(ph string) string, ids []string) (string, error) {
	if len(ids) == 0 {
		return "", nil
	}
	args := Args(dl)
	found, err := Strings(ctx, q, stmt(args.Add(dl.IDs(ids))), args.Values...)
	if err != nil {
		return "", err
	}
	seen := make(map[string]bool, len(found))
	for _, id := range found {
		seen[id] = true
	}
	for _, id := range ids {
		if !seen[id] {
			return id, nil
		}
	}
	return "", nil
}

// ActivateCampaign activates a STAGED campaign: it becomes ACTIVE with the deadline, and
// its certifications ACTIVE, due then. Errors: not_found, conflict (not STAGED), invalid
// (the deadline is not in the future).
func (c *Core[K]) ActivateCampaign(ctx context.Context, id string, deadline certsum.Time) error {
	dl := c.B
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		status, err := lockCampaign(ctx, tx, dl, id)
		if err != nil {
			return err
		}
		if status != certsum.StatusStaged {
			return certsum.Conflictf("campaign %s is %s; only a STAGED campaign can be activated", id, status)
		}
		now := c.now(ctx)
		if !deadline.After(now.Time) {
			return certsum.Conflictf("the campaign's deadline %s is not in the future", deadline)
		}
		if _, err := tx.Exec(ctx, `UPDATE certifications SET phase = 'ACTIVE', due = `+dl.Param(1)+`, modified = `+dl.Param(2)+
			`, version = version + 1 WHERE campaign_id = `+dl.Param(3), dl.TimeArg(deadline), dl.TimeArg(now), id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE campaigns SET status = 'ACTIVE', deadline = `+dl.Param(1)+`, modified = `+dl.Param(2)+
			` WHERE id = `+dl.Param(3), dl.TimeArg(deadline), dl.TimeArg(now), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("activate campaign: %w", err)
	}
	return nil
}

// DeleteCampaigns deletes campaigns with their certifications, identity summaries, review
// items and access summaries, all or none; the decision audit trail stays. Errors:
// not_found (an unknown id), invalid (no ids, or a repeated one).
func (c *Core[K]) DeleteCampaigns(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return certsum.Invalidf("ids", "ids must name at least one campaign")
	}
	if d := certsum.FirstRepeat(ids); d != "" {
		return certsum.Invalidf("ids", "campaign %q is listed twice", d)
	}
	dl, keys := c.B, c.B.Keys()
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		for _, id := range ids {
			if _, err := lockCampaign(ctx, tx, dl, id); err != nil {
				return err
			}
		}
		args := Args(dl)
		ph := args.Add(dl.IDs(ids))
		certs := `(SELECT ` + keys.Cert + ` FROM certifications WHERE ` + dl.AnyOf("campaign_id", ph) + `)`
		for _, st := range []string{
			`DELETE FROM access_summaries WHERE ` + keys.AccessCert + ` IN ` + certs,
			`DELETE FROM review_items WHERE ` + keys.ItemCert + ` IN ` + certs,
			`DELETE FROM identity_summaries WHERE ` + keys.SummaryCert + ` IN ` + certs,
			`DELETE FROM certifications WHERE ` + dl.AnyOf("campaign_id", ph),
			`DELETE FROM campaign_counters WHERE ` + dl.AnyOf("campaign_id", ph),
			`DELETE FROM campaigns WHERE ` + dl.AnyOf("id", ph),
		} {
			if _, err := tx.Exec(ctx, st, args.Values...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete campaigns: %w", err)
	}
	return nil
}

// autoComment is the comment of the decisions completeCampaign makes.
const autoComment = "Decided automatically when the campaign was completed"

// CompleteCampaign completes an ACTIVE campaign that is past its deadline: every undecided
// review item of its unsigned certifications gets action (APPROVE, or REVOKE when the
// campaign allows automatic revocation), made by identity by and recorded in the audit
// trail; those certifications are signed; the campaign becomes COMPLETED. Errors: not_found,
// conflict (not ACTIVE, not past due, REVOKE not allowed).
func (c *Core[K]) CompleteCampaign(ctx context.Context, id string, action certsum.Decision, by string) error {
	dl, keys := c.B, c.B.Keys()
	err := c.B.WriteTx(ctx, func(tx Querier) error {
		status, err := lockCampaign(ctx, tx, dl, id)
		if err != nil {
			return err
		}
		k, err := getCampaignIn(ctx, tx, dl, id)
		if err != nil {
			return err
		}
		now := c.now(ctx)
		switch {
		case status != certsum.StatusActive:
			return certsum.Conflictf("campaign %s is %s; only an ACTIVE campaign can be completed", id, status)
		case k.Deadline == nil || k.Deadline.After(now.Time):
			return certsum.Conflictf("campaign %s is not past due (deadline %s); it can be completed only after its deadline", id, k.Deadline)
		case action == certsum.Revoke && !k.AutoRevokeAllowed:
			return certsum.Conflictf("campaign %s does not allow automatic revocation (autoRevokeAllowed is false); complete it with APPROVE", id)
		case action != certsum.Approve && action != certsum.Revoke:
			return certsum.Invalidf("autoCompleteAction", "autoCompleteAction %q is not APPROVE or REVOKE", action)
		}
		nowArg := dl.TimeArg(now)
		open := `(SELECT ` + keys.Cert + ` FROM certifications WHERE campaign_id = ` + dl.Param(1) + ` AND phase <> 'SIGNED')`
		// The revocations of the certifications this signs are to be carried out: those the
		// reviewers made, and with REVOKE those made now.
		if err := remediateRevoked(ctx, tx, dl, now, `c.campaign_id = `+dl.Param(2)+` AND c.phase <> 'SIGNED'`, id); err != nil {
			return err
		}
		if action == certsum.Revoke {
			if err := remediateUndecided(ctx, tx, dl, now, by, autoComment,
				`c.campaign_id = `+dl.Param(4)+` AND c.phase <> 'SIGNED'`, id); err != nil {
				return err
			}
		}
		// The audit trail first, while the undecided items are still undecided.
		if _, err := tx.Exec(ctx, `INSERT INTO decisions (id, cert_id, item_id, decided_by, decided_at, decision,
				previous_decision, bulk, comments, proposed_end_date, recommendation)
			SELECT `+dl.NewIDExpr()+`, c.id, i.id, `+dl.Param(2)+`, `+dl.Param(3)+`, `+dl.Param(4)+`, NULL, `+dl.Param(5)+`, `+
			dl.Param(6)+`, NULL, NULL
			FROM review_items i JOIN certifications c ON c.`+keys.Cert+` = i.`+keys.ItemCert+`
			WHERE c.campaign_id = `+dl.Param(1)+` AND c.phase <> 'SIGNED' AND i.decision IS NULL
			ORDER BY c.id, i.id`, id, by, nowArg, string(action), true, autoComment); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE review_items SET decision = `+dl.Param(2)+`, comments = `+dl.Param(3)+`, bulk = `+
			dl.Param(4)+` WHERE decision IS NULL AND `+keys.ItemCert+` IN `+open, id, string(action), autoComment, true); err != nil {
			return err
		}
		// Every item of those certifications is now decided: each counter of the decided
		// kind is the total less the other kind.
		var set []string
		for _, p := range []string{"ent", "ap", "role", "acct"} {
			if action == certsum.Approve {
				set = append(set, p+"_approved = "+p+"_total - "+p+"_revoked")
			} else {
				set = append(set, p+"_revoked = "+p+"_total - "+p+"_approved")
			}
		}
		counters := strings.Join(set, ", ")
		for _, st := range []string{
			`UPDATE identity_summaries SET ` + counters + ` WHERE ` + keys.SummaryCert + ` IN ` + open,
			`UPDATE access_summaries SET items_decided = items_total WHERE ` + keys.AccessCert + ` IN ` + open,
		} {
			if _, err := tx.Exec(ctx, st, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE certifications SET `+counters+`, identities_completed = identities_total,
			phase = 'SIGNED', signed = `+dl.Param(2)+`, modified = `+dl.Param(2)+`, version = version + 1
			WHERE campaign_id = `+dl.Param(1)+` AND phase <> 'SIGNED'`, id, nowArg); err != nil {
			return err
		}
		if err := recountCampaignCounters(ctx, tx, dl, `k.id = `+dl.Param(1), id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE campaigns SET status = 'COMPLETED', completed_certifications = total_certifications,
			modified = `+dl.Param(2)+` WHERE id = `+dl.Param(1), id, nowArg)
		return err
	})
	if err != nil {
		return fmt.Errorf("complete campaign: %w", err)
	}
	return nil
}

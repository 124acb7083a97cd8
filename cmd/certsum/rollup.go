package main

import (
	"fmt"
	"iter"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
)

// rollupView prints a campaign's figures: a row per item type and one for all, the
// certifications by phase, identities and remediation below as rows of their own.
func rollupView(r *certsum.CampaignRollup) view {
	v := view{
		headers:    []string{"FIGURE", "MADE", "TOTAL", "APPROVED", "REVOKED", "PENDING", "DONE"},
		csvHeaders: []string{"figure", "made", "total", "approved", "revoked", "pending"},
		rows:       [][]string{}, csvRows: [][]string{}, json: r,
	}
	add := func(name string, f certsum.DecisionFigures) {
		v.rows = append(v.rows, []string{name, strconv.Itoa(f.Made), strconv.Itoa(f.Total), strconv.Itoa(f.Approved),
			strconv.Itoa(f.Revoked), strconv.Itoa(f.Pending), fmt.Sprintf("%.1f %%", certsum.PercentDone(f.Made, f.Total))})
		v.csvRows = append(v.csvRows, []string{name, strconv.Itoa(f.Made), strconv.Itoa(f.Total), strconv.Itoa(f.Approved),
			strconv.Itoa(f.Revoked), strconv.Itoa(f.Pending)})
	}
	add("decisions", r.Decisions.DecisionFigures)
	for _, t := range r.Decisions.ByType {
		add("  "+string(t.Type), t.DecisionFigures)
	}
	c := r.Certifications
	add("certifications signed", certsum.DecisionFigures{Made: c.Signed, Total: c.Total, Pending: c.Total - c.Signed})
	add("identities completed", certsum.DecisionFigures{Made: r.Identities.Completed, Total: r.Identities.Total,
		Pending: r.Identities.Total - r.Identities.Completed})
	m := r.Remediation
	add("remediation done", certsum.DecisionFigures{Made: m.Completed + m.Verified, Total: m.Total, Pending: m.Pending})
	return v
}

// reviewersView prints a campaign's reviewers' progress, a row each.
func reviewersView(ps []certsum.ReviewerProgress) view {
	v := view{
		headers: []string{"REVIEWER", "TYPE", "PHASE", "DECIDED", "REMAINING", "DONE", "IDENTITIES", "DUE", "SIGNED", "CERTIFICATION"},
		csvHeaders: []string{"reviewer_id", "reviewer_name", "reviewer_type", "phase", "decisions_made", "decisions_total",
			"remaining", "percent", "identities_completed", "identities_total", "due", "signed", "certification_id",
			"reassigned_from", "reassigned_to"},
		rows: [][]string{}, csvRows: [][]string{}, json: ps,
	}
	for _, p := range ps {
		from, to := "", ""
		if p.ReassignedFrom != nil {
			from = p.ReassignedFrom.CertificationID
		}
		for i, x := range p.ReassignedTo {
			if i > 0 {
				to += ";"
			}
			to += x.CertificationID
		}
		v.rows = append(v.rows, []string{p.Reviewer.Name, string(p.Reviewer.Type), string(p.Phase),
			ratio(p.DecisionsMade, p.DecisionsTotal), strconv.Itoa(p.Remaining), fmt.Sprintf("%.1f %%", p.Percent),
			ratio(p.IdentitiesCompleted, p.IdentitiesTotal), timeCell(p.Due), timeCell(p.Signed), p.CertificationID})
		v.csvRows = append(v.csvRows, []string{p.Reviewer.ID, p.Reviewer.Name, string(p.Reviewer.Type), string(p.Phase),
			strconv.Itoa(p.DecisionsMade), strconv.Itoa(p.DecisionsTotal), strconv.Itoa(p.Remaining),
			strconv.FormatFloat(p.Percent, 'f', 1, 64), strconv.Itoa(p.IdentitiesCompleted), strconv.Itoa(p.IdentitiesTotal),
			timeCSV(p.Due), timeCSV(p.Signed), p.CertificationID, from, to})
	}
	return v
}

func newCampaignsRollupCmd(e *cliEnv) *cobra.Command {
	var out outputFlag
	cmd := &cobra.Command{
		Use:     "rollup CAMPAIGN_ID",
		Short:   "Show a campaign's figures in one call: decisions per item type, certifications, identities, remediation",
		Example: `  certsum campaigns rollup 2c9180835d2e5168015d32f890ca1581 -o json`,
		Args:    cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			r, err := c.CampaignRollup(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, rollupView(r))
		}),
	}
	out.register(cmd)
	return cmd
}

func newCampaignsReviewersCmd(e *cliEnv) *cobra.Command {
	var (
		out outputFlag
		lf  listFlags
	)
	cmd := &cobra.Command{
		Use:     "reviewers CAMPAIGN_ID",
		Short:   "List a campaign's reviewers' progress, one row per certification",
		Example: `  certsum campaigns reviewers 2c9180835d2e5168015d32f890ca1581 --filter 'remaining gt 0' --sort -remaining`,
		Args:    cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ps, err := collect(cmd, e, &lf,
				func(o client.ListOptions) (certsum.Page[certsum.ReviewerProgress], error) {
					return c.ListCampaignReviewers(ctx, args[0], o)
				},
				func(o client.ListOptions) iter.Seq2[certsum.ReviewerProgress, error] {
					return c.AllCampaignReviewers(ctx, args[0], o)
				})
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, reviewersView(ps))
		}),
	}
	out.register(cmd)
	lf.register(cmd, certsum.ReviewerProgressSchema, `phase eq "ACTIVE" and remaining gt 0`)
	return cmd
}

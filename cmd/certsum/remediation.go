package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
)

// newRemediationCmd is `certsum remediation`: the revocations to carry out in the sources.
func newRemediationCmd(e *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remediation",
		Short: "Track the revocations to carry out in the sources, and mark them done",
		Long: `Every REVOKE of a signed certification becomes a remediation item: PENDING until an
operator marks it done (COMPLETED), or VERIFIED once an import no longer shows the access.`,
	}
	cmd.AddCommand(newRemediationListCmd(e), newRemediationStatusCmd(e), newRemediationDoneCmd(e))
	return cmd
}

// str renders a nullable string for a cell.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func newRemediationListCmd(e *cliEnv) *cobra.Command {
	var (
		out              outputFlag
		campaign, status string
	)
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List remediation items",
		Example: `  certsum remediation list --campaign 5f1c… --status PENDING`,
		Args:    cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			items, err := c.ListRemediations(cmd.Context(), certsum.RemediationFilter{CampaignID: campaign,
				Status: certsum.RemediationStatus(status)})
			if err != nil {
				return err
			}
			v := revocationsView(items)
			v.headers = []string{"ID", "STATUS", "IDENTITY", "ACCESS", "TYPE", "SOURCE", "ACCOUNT", "DECIDED BY", "DECIDED", "AUTO"}
			v.rows = [][]string{}
			for _, r := range items {
				decided := r.DecidedAt
				v.rows = append(v.rows, []string{r.ID, string(r.Status), r.IdentityName, r.AccessName, string(r.AccessType),
					str(r.SourceName), str(r.NativeIdentity), r.DecidedBy, timeCell(&decided), strconv.FormatBool(r.AutoDecided)})
			}
			return render(cmd.OutOrStdout(), format, v)
		}),
	}
	out.register(cmd)
	cmd.Flags().StringVar(&campaign, "campaign", "", "only this campaign's items")
	cmd.Flags().StringVar(&status, "status", "", "only items in this status: PENDING, COMPLETED or VERIFIED")
	return cmd
}

func newRemediationStatusCmd(e *cliEnv) *cobra.Command {
	var (
		out      outputFlag
		campaign string
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Count remediation items by status, of one campaign or all",
		Args:  cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			n, err := c.CountRemediations(cmd.Context(), campaign)
			if err != nil {
				return err
			}
			row := []string{strconv.Itoa(n.Total), strconv.Itoa(n.Pending), strconv.Itoa(n.Completed), strconv.Itoa(n.Verified)}
			return render(cmd.OutOrStdout(), format, view{headers: []string{"TOTAL", "PENDING", "COMPLETED", "VERIFIED"},
				csvHeaders: []string{"total", "pending", "completed", "verified"}, rows: [][]string{row},
				csvRows: [][]string{row}, json: n})
		}),
	}
	out.register(cmd)
	cmd.Flags().StringVar(&campaign, "campaign", "", "count this campaign's items only")
	return cmd
}

func newRemediationDoneCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "done ITEM...",
		Short: "Mark remediation items as carried out (COMPLETED)",
		Args:  cobra.MinimumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			var out outputFlag
			c, _, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			n, err := c.CompleteRemediations(cmd.Context(), args)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "marked %d of %d item(s) COMPLETED; the others were already done\n", n, len(args))
			return nil
		}),
	}
}

// newExportCmd is `certsum export`: data out of certsum for the tools that act on it.
func newExportCmd(e *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export what the reviews decided",
	}
	var (
		out      outputFlag
		campaign string
	)
	rev := &cobra.Command{
		Use:   "revocations",
		Short: "Export the revocations to carry out, as CSV or JSON",
		Long: `Export every revocation of a signed certification (the remediation items) with the
campaign, reviewer, identity, source, account, access, decision and status, and for access that
came from a baton .c1z file the grant id its connector's --revoke-grant takes.`,
		Example: `  certsum export revocations --campaign 5f1c… -o csv > revocations.csv`,
		Args:    cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			items, err := c.ListRemediations(cmd.Context(), certsum.RemediationFilter{CampaignID: campaign})
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, revocationsView(items))
		}),
	}
	out.register(rev)
	rev.Flags().StringVar(&campaign, "campaign", "", "only this campaign's revocations")
	cmd.AddCommand(rev, newExportEvidenceCmd(e))
	return cmd
}

// revocationColumns are the columns of a revocation export (INVENTORY.md §4.2).
var revocationColumns = []string{"campaign_id", "campaign_name", "certification_id", "reviewer_id", "reviewer_name",
	"identity_id", "identity_name", "source_id", "source_name", "account_native_identity", "access_type", "access_id",
	"access_name", "attribute", "value", "decision", "auto_decided", "decided_by", "decided_at", "comments",
	"proposed_end_date", "status", "baton_grant_id"}

// revocationsView prints remediation items as the revocation export: every column in CSV
// and in the table, the items themselves as JSON.
func revocationsView(items []certsum.RemediationItem) view {
	v := view{headers: revocationColumns, csvHeaders: revocationColumns, rows: [][]string{}, csvRows: [][]string{}, json: items}
	for _, r := range items {
		decided := r.DecidedAt
		row := []string{r.CampaignID, r.CampaignName, r.CertificationID, r.ReviewerID, r.ReviewerName, r.IdentityID,
			r.IdentityName, str(r.SourceID), str(r.SourceName), str(r.NativeIdentity), string(r.AccessType), r.AccessID,
			r.AccessName, str(r.Attribute), str(r.Value), string(certsum.Revoke), strconv.FormatBool(r.AutoDecided),
			r.DecidedBy, timeCSV(&decided), str(r.Comments), timeCSV(r.ProposedEndDate), string(r.Status), str(r.BatonGrantID)}
		v.rows = append(v.rows, row)
		v.csvRows = append(v.csvRows, row)
	}
	return v
}

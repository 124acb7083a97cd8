package main

import (
	"iter"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
)

// newCertsCmd is `certsum certs`: list and show certifications.
func newCertsCmd(e *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "List and show certifications",
	}
	cmd.AddCommand(newCertsListCmd(e), newCertsGetCmd(e))
	return cmd
}

func newCertsListCmd(e *cliEnv) *cobra.Command {
	var (
		out      outputFlag
		lf       listFlags
		reviewer string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List certifications (listIdentityCertifications)",
		Long: `List certifications: every certification for an administrator, your own otherwise.
--reviewer me keeps those you review; --reviewer ID those another identity reviews.`,
		Example: `  certsum certs list --reviewer me --filter 'completed eq false' --sort due
  certsum certs list --all -o csv > certifications.csv`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			certs, err := collect(cmd, e, &lf,
				func(o client.ListOptions) (certsum.Page[certsum.Certification], error) {
					return c.ListIdentityCertifications(ctx, client.CertificationListOptions{ListOptions: o, ReviewerIdentity: reviewer})
				},
				func(o client.ListOptions) iter.Seq2[certsum.Certification, error] {
					return c.AllIdentityCertifications(ctx, client.CertificationListOptions{ListOptions: o, ReviewerIdentity: reviewer})
				})
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, certificationsView(certs))
		}),
	}
	out.register(cmd)
	lf.register(cmd, certsum.CertificationSchema, `completed eq false and phase eq "ACTIVE"`)
	cmd.Flags().StringVar(&reviewer, "reviewer", "", `only certifications this identity reviews ("me" for yourself)`)
	return cmd
}

func newCertsGetCmd(e *cliEnv) *cobra.Command {
	var out outputFlag
	cmd := &cobra.Command{
		Use:   "get CERT",
		Short: "Show one certification with its progress (getIdentityCertification)",
		Args:  cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			cert, err := c.GetIdentityCertification(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, certificationView(cert))
		}),
	}
	out.register(cmd)
	return cmd
}

// certificationsView prints certifications one per row, with their progress.
func certificationsView(certs []certsum.Certification) view {
	v := view{
		headers: []string{"ID", "NAME", "CAMPAIGN", "PHASE", "REVIEWER", "IDENTITIES", "DECISIONS", "DONE", "DUE", "SIGNED"},
		csvHeaders: []string{"id", "name", "campaign_id", "campaign", "phase", "reviewer_id", "reviewer",
			"identities_completed", "identities_total", "decisions_made", "decisions_total", "completed", "due", "signed"},
		rows:    [][]string{},
		csvRows: [][]string{},
		json:    certs,
	}
	for _, c := range certs {
		v.rows = append(v.rows, []string{c.ID, c.Name, c.Campaign.Name, string(c.Phase), c.Reviewer.Name,
			ratio(c.IdentitiesCompleted, c.IdentitiesTotal), ratio(c.DecisionsMade, c.DecisionsTotal),
			percent(c.DecisionsMade, c.DecisionsTotal), timeCell(c.Due), timeCell(c.Signed)})
		v.csvRows = append(v.csvRows, []string{c.ID, c.Name, c.Campaign.ID, c.Campaign.Name, string(c.Phase),
			c.Reviewer.ID, c.Reviewer.Name, strconv.Itoa(c.IdentitiesCompleted), strconv.Itoa(c.IdentitiesTotal),
			strconv.Itoa(c.DecisionsMade), strconv.Itoa(c.DecisionsTotal), strconv.FormatBool(c.Completed),
			timeCSV(c.Due), timeCSV(c.Signed)})
	}
	return v
}

// certificationView prints one certification: the row of certificationsView, and the object
// itself as JSON.
func certificationView(c *certsum.Certification) view {
	v := certificationsView([]certsum.Certification{*c})
	v.json = c
	return v
}

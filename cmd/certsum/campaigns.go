package main

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
)

// newCampaignsCmd is `certsum campaigns`: the Certification Campaigns operations, for
// ORG_ADMIN and CERT_ADMIN logins.
func newCampaignsCmd(e *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "campaigns",
		Short: "Create, activate, complete, list and delete certification campaigns",
	}
	cmd.AddCommand(newCampaignsListCmd(e), newCampaignsGetCmd(e), newCampaignsCreateCmd(e),
		newCampaignsActivateCmd(e), newCampaignsCompleteCmd(e), newCampaignsDeleteCmd(e), newCampaignsRollupCmd(e),
		newCampaignsReviewersCmd(e))
	return cmd
}

// campaignsView prints campaigns: a row each, and the FULL objects as JSON.
func campaignsView(ks []certsum.Campaign) view {
	v := view{
		headers: []string{"ID", "NAME", "TYPE", "STATUS", "CERTIFICATIONS", "DEADLINE", "CREATED", "ALERTS"},
		csvHeaders: []string{"id", "name", "type", "status", "completed_certifications", "total_certifications",
			"deadline", "created", "alerts"},
		rows: [][]string{}, csvRows: [][]string{}, json: ks,
	}
	for _, k := range ks {
		var alerts []string
		for _, a := range k.Alerts {
			for _, l := range a.Localizations {
				alerts = append(alerts, a.Level+": "+l.Text)
			}
		}
		created := k.Created
		v.rows = append(v.rows, []string{k.ID, k.Name, string(k.Type), string(k.Status),
			ratio(k.CompletedCertifications, k.TotalCertifications), timeCell(k.Deadline), timeCell(&created),
			strconv.Itoa(len(alerts))})
		v.csvRows = append(v.csvRows, []string{k.ID, k.Name, string(k.Type), string(k.Status),
			strconv.Itoa(k.CompletedCertifications), strconv.Itoa(k.TotalCertifications), timeCSV(k.Deadline),
			timeCSV(&created), strings.Join(alerts, "; ")})
	}
	return v
}

func newCampaignsListCmd(e *cliEnv) *cobra.Command {
	var (
		out outputFlag
		lf  listFlags
	)
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List campaigns (getActiveCampaigns)",
		Example: `  certsum campaigns list --filter 'status in ("STAGED", "ACTIVE")' --sort -created`,
		Args:    cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ks, err := collect(cmd, e, &lf,
				func(o client.ListOptions) (certsum.Page[certsum.Campaign], error) { return c.ListCampaigns(ctx, o) },
				func(o client.ListOptions) iter.Seq2[certsum.Campaign, error] { return c.AllCampaigns(ctx, o) })
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, campaignsView(ks))
		}),
	}
	out.register(cmd)
	lf.register(cmd, certsum.CampaignSchema, `status eq "ACTIVE"`)
	return cmd
}

func newCampaignsGetCmd(e *cliEnv) *cobra.Command {
	return campaignStep(e, "get", "Show one campaign with its alerts (getCampaign)", "", nil)
}

// campaignView is one campaign: its row, its alerts below the table, the object as JSON.
func campaignView(k *certsum.Campaign) view {
	v := campaignsView([]certsum.Campaign{*k})
	v.json = k
	return v
}

// waitSettled polls a campaign until generation leaves it PENDING.
func waitSettled(ctx context.Context, c *client.Client, id string) (*certsum.Campaign, error) {
	for {
		k, err := c.GetCampaign(ctx, id)
		if err != nil || k.Status != certsum.StatusPending {
			return k, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func newCampaignsCreateCmd(e *cliEnv) *cobra.Command {
	var (
		out                 outputFlag
		name, desc, typ     string
		deadline, reviewer  string
		sources, identities []string
		autoRevoke, noWait  bool
		comments            string
		constraintType      string
		constraintIDs       []string
		reviewerIsGroup     bool
		query               string
		filter              string
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a campaign and wait until it is generated (createCampaign)",
		Long: `Create a campaign. certsum generates its certifications from the inventory as it is now
and the campaign becomes STAGED (ERROR, with an alert, when it has nothing to review);
the command waits for that unless --no-wait. Activate it with 'certsum campaigns activate'.

Types: MANAGER (each manager reviews their direct reports' access), SOURCE_OWNER (each
source owner reviews the access on their sources; --source limits the sources), SEARCH
(--identity or --query selects the identities; --reviewer reviews them all, else each one's
manager). A query is field:value terms on id, name, email, attributes.<name>, source.id and
access.id, joined with AND, OR and NOT, with "quoted values" and * wildcards.`,
		Example: `  certsum campaigns create --name "Q3 manager review" --type MANAGER --deadline 2026-12-31T17:00:00Z
  certsum campaigns create --name "AD owners" --type SOURCE_OWNER --source ad --auto-revoke
  certsum campaigns create --name "Admins" --type SEARCH --identity ann --identity bob \
      --access-type ENTITLEMENT --access ad:domain-admins --reviewer security --reviewer-group`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			k := certsum.Campaign{Name: name, Type: certsum.CampaignType(strings.ToUpper(typ)), AutoRevokeAllowed: autoRevoke,
				SunsetCommentsRequired: true, MandatoryCommentRequirement: certsum.CommentRequirement(comments)}
			if desc != "" {
				k.Description = &desc
			}
			if deadline != "" {
				t, err := certsum.ParseTime(deadline)
				if err != nil {
					return fmt.Errorf("--deadline: %v", err)
				}
				k.Deadline = certsum.TimePtr(t)
			}
			if len(sources) > 0 {
				k.SourceOwnerCampaignInfo = &certsum.SourceOwnerCampaignInfo{SourceIDs: sources}
			}
			if filter != "" {
				k.Filter = &certsum.CampaignFilterRef{ID: filter, Type: "CAMPAIGN_FILTER"}
			}
			if k.Type == certsum.CampaignSearch {
				info := &certsum.SearchCampaignInfo{Type: certsum.SearchIdentity, IdentityIDs: identities,
					AccessConstraints: []certsum.AccessConstraint{}}
				if query != "" {
					info.Query = &query
				}
				if constraintType != "" {
					a := certsum.AccessConstraint{Type: certsum.DtoType(strings.ToUpper(constraintType)), Operator: certsum.ConstraintAll}
					if len(constraintIDs) > 0 {
						a.Operator, a.IDs = certsum.ConstraintSelected, constraintIDs
					}
					info.Type, info.AccessConstraints = certsum.SearchAccess, []certsum.AccessConstraint{a}
				}
				if reviewer != "" {
					rt := certsum.TypeIdentity
					if reviewerIsGroup {
						rt = certsum.TypeGovernanceGroup
					}
					info.Reviewer = &certsum.SearchReviewer{Type: rt, ID: reviewer}
				}
				k.SearchCampaignInfo = info
			} else if len(identities) > 0 || reviewer != "" || constraintType != "" || query != "" {
				return fmt.Errorf("--identity, --query, --reviewer and --access-type are for SEARCH campaigns")
			}
			created, err := c.CreateCampaign(cmd.Context(), k)
			if err != nil {
				return err
			}
			if !noWait {
				if created, err = waitSettled(cmd.Context(), c, created.ID); err != nil {
					return err
				}
			}
			return render(cmd.OutOrStdout(), format, campaignView(created))
		}),
	}
	out.register(cmd)
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "the campaign's name (required)")
	f.StringVar(&desc, "description", "", "the campaign's description")
	f.StringVar(&typ, "type", "MANAGER", "MANAGER, SOURCE_OWNER or SEARCH")
	f.StringVar(&deadline, "deadline", "", "when the reviews are due, RFC 3339 (needed to activate)")
	f.StringSliceVar(&sources, "source", nil, "SOURCE_OWNER: a source to review (repeatable; default all)")
	f.StringSliceVar(&identities, "identity", nil, "SEARCH: an identity to review (repeatable)")
	f.StringVar(&query, "query", "", `SEARCH: the identities to review, e.g. 'attributes.department:Engineering AND NOT source.id:hr'`)
	f.StringVar(&reviewer, "reviewer", "", "SEARCH: the one reviewer of every certification (identity id)")
	f.BoolVar(&reviewerIsGroup, "reviewer-group", false, "SEARCH: --reviewer names a governance group")
	f.StringVar(&constraintType, "access-type", "", "SEARCH: review only access of this type (ROLE, ACCESS_PROFILE, ENTITLEMENT)")
	f.StringSliceVar(&constraintIDs, "access", nil, "SEARCH: with --access-type, review only these ids (repeatable)")
	f.BoolVar(&autoRevoke, "auto-revoke", false, "allow completing the campaign with REVOKE")
	f.StringVar(&filter, "campaign-filter", "", "the id of a campaign filter (POST /certsum/v1/campaign-filters) to apply")
	f.StringVar(&comments, "comments", "", "comments required on ALL_DECISIONS, REVOKE_ONLY_DECISIONS or NO_DECISIONS (default)")
	f.BoolVar(&noWait, "no-wait", false, "return as soon as the campaign is created (PENDING)")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

// campaignStep is a command that changes one campaign (with step; nil only shows it) and
// prints it as it then is.
func campaignStep(e *cliEnv, use, short, long string, step func(cmd *cobra.Command, c *client.Client, id string) error) *cobra.Command {
	var out outputFlag
	cmd := &cobra.Command{
		Use:   use + " CAMPAIGN",
		Short: short,
		Long:  long,
		Args:  cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			if step != nil {
				if err := step(cmd, c, args[0]); err != nil {
					return err
				}
			}
			k, err := c.GetCampaign(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, campaignView(k))
		}),
	}
	out.register(cmd)
	return cmd
}

func newCampaignsActivateCmd(e *cliEnv) *cobra.Command {
	var tz string
	cmd := campaignStep(e, "activate", "Activate a STAGED campaign: its reviewers can decide (startCampaign)", "",
		func(cmd *cobra.Command, c *client.Client, id string) error {
			return c.StartCampaign(cmd.Context(), id, tz)
		})
	cmd.Flags().StringVar(&tz, "time-zone", "", "your time zone: Z, ±hh:mm, ±hhmm or ±hh")
	return cmd
}

func newCampaignsCompleteCmd(e *cliEnv) *cobra.Command {
	var revoke bool
	cmd := campaignStep(e, "complete", "Complete a campaign past its deadline, deciding what is left (completeCampaign)",
		`Complete an ACTIVE campaign whose deadline has passed: every undecided item is approved
(or revoked with --revoke, where the campaign allows it), every open certification is signed,
and the campaign is COMPLETED.`,
		func(cmd *cobra.Command, c *client.Client, id string) error {
			action := certsum.Approve
			if revoke {
				action = certsum.Revoke
			}
			return c.CompleteCampaign(cmd.Context(), id, action)
		})
	cmd.Flags().BoolVar(&revoke, "revoke", false, "revoke what is undecided instead of approving it")
	return cmd
}

func newCampaignsDeleteCmd(e *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete CAMPAIGN...",
		Short: "Delete campaigns with their certifications (deleteCampaigns)",
		Long: `Delete campaigns with their certifications, all or none. The decision audit trail is
kept.`,
		Args: cobra.MinimumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			var out outputFlag
			c, _, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			if err := c.DeleteCampaigns(cmd.Context(), args); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted %d campaign(s)\n", len(args))
			return nil
		}),
	}
	return cmd
}

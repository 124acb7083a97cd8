package main

import (
	"iter"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
)

// newSummaryCmd is `certsum summary`: the certification summaries.
func newSummaryCmd(e *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "summary",
		Short: "Show a certification's decision, identity and access summaries",
	}
	cmd.AddCommand(newSummaryDecisionsCmd(e), newSummaryIdentitiesCmd(e), newSummaryAccessCmd(e))
	return cmd
}

func newSummaryDecisionsCmd(e *cliEnv) *cobra.Command {
	var (
		out        outputFlag
		identities []string
	)
	cmd := &cobra.Command{
		Use:   "decisions CERT",
		Short: "Decisions made and left, by access type (getIdentityDecisionSummary)",
		Long: `Count a certification's decisions by access type, with completion bars.
--identity (repeatable, or comma-separated) counts only those identity summaries.`,
		Example: `  certsum summary decisions 2c9180835d2e5168015d32f890ca1581
  certsum summary decisions CERT --identity SUMMARY1,SUMMARY2 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			s, err := c.GetIdentityDecisionSummary(cmd.Context(), args[0],
				client.DecisionSummaryOptions{Filters: client.In("identitySummary.id", identities...)})
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, decisionSummaryView(s))
		}),
	}
	out.register(cmd)
	cmd.Flags().StringSliceVar(&identities, "identity", nil, "identity summary id to count (repeatable)")
	return cmd
}

// decisionSummaryView prints one row per access type and a total row, each with a bar and a
// completion percentage.
func decisionSummaryView(s *certsum.DecisionSummary) view {
	type row struct {
		name                           string
		made, total, approved, revoked int
	}
	rows := []row{
		{"Entitlements", s.EntitlementDecisionsMade, s.EntitlementDecisionsTotal, s.EntitlementsApproved, s.EntitlementsRevoked},
		{"Access profiles", s.AccessProfileDecisionsMade, s.AccessProfileDecisionsTotal, s.AccessProfilesApproved, s.AccessProfilesRevoked},
		{"Roles", s.RoleDecisionsMade, s.RoleDecisionsTotal, s.RolesApproved, s.RolesRevoked},
		{"Accounts", s.AccountDecisionsMade, s.AccountDecisionsTotal, s.AccountsApproved, s.AccountsRevoked},
	}
	all := row{name: "All"}
	for _, r := range rows {
		all.made += r.made
		all.total += r.total
		all.approved += r.approved
		all.revoked += r.revoked
	}
	rows = append(rows, all)
	v := view{
		headers:    []string{"ACCESS", "MADE", "TOTAL", "APPROVED", "REVOKED", "PROGRESS", "DONE"},
		csvHeaders: []string{"access", "made", "total", "approved", "revoked", "percent_done"},
		json:       s,
	}
	for _, r := range rows {
		v.rows = append(v.rows, []string{r.name, strconv.Itoa(r.made), strconv.Itoa(r.total),
			strconv.Itoa(r.approved), strconv.Itoa(r.revoked), bar(r.made, r.total), percent(r.made, r.total)})
		pct := ""
		if r.total > 0 {
			pct = strconv.Itoa(r.made * 100 / r.total)
		}
		v.csvRows = append(v.csvRows, []string{r.name, strconv.Itoa(r.made), strconv.Itoa(r.total),
			strconv.Itoa(r.approved), strconv.Itoa(r.revoked), pct})
	}
	return v
}

func newSummaryIdentitiesCmd(e *cliEnv) *cobra.Command {
	var (
		out outputFlag
		lf  listFlags
	)
	cmd := &cobra.Command{
		Use:     "identities CERT",
		Short:   "The identities under review and whether each is done (getIdentitySummaries)",
		Long:    `List the identities under review in a certification.`,
		Example: `  certsum summary identities CERT --filter 'completed eq false' --sort name`,
		Args:    cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			ctx, cert := cmd.Context(), args[0]
			sums, err := collect(cmd, e, &lf,
				func(o client.ListOptions) (certsum.Page[certsum.IdentitySummary], error) {
					return c.GetIdentitySummaries(ctx, cert, o)
				},
				func(o client.ListOptions) iter.Seq2[certsum.IdentitySummary, error] {
					return c.AllIdentitySummaries(ctx, cert, o)
				})
			if err != nil {
				return err
			}
			v := view{
				headers:    []string{"ID", "NAME", "IDENTITY", "COMPLETED"},
				csvHeaders: []string{"id", "name", "identity_id", "completed"},
				rows:       [][]string{},
				csvRows:    [][]string{},
				json:       sums,
			}
			for _, s := range sums {
				v.rows = append(v.rows, []string{s.ID, s.Name, s.IdentityID, yesNo(s.Completed)})
				v.csvRows = append(v.csvRows, []string{s.ID, s.Name, s.IdentityID, strconv.FormatBool(s.Completed)})
			}
			return render(cmd.OutOrStdout(), format, v)
		}),
	}
	out.register(cmd)
	lf.register(cmd, certsum.IdentitySummarySchema, `completed eq false and name sw "A"`)
	return cmd
}

func newSummaryAccessCmd(e *cliEnv) *cobra.Command {
	var (
		out outputFlag
		lf  listFlags
	)
	cmd := &cobra.Command{
		Use:   "access CERT TYPE",
		Short: "The distinct access items of one type under review (getIdentityAccessSummaries)",
		Long: `List the distinct roles, access profiles or entitlements under review in a certification.
TYPE is ROLE, ACCESS_PROFILE or ENTITLEMENT (any case; access-profile works too).`,
		Example: `  certsum summary access CERT entitlement --filter 'completed eq false'
  certsum summary access CERT ROLE --all -o csv`,
		Args: cobra.ExactArgs(2),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			ctx, cert := cmd.Context(), args[0]
			t := certsum.DtoType(strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(args[1])), "-", "_"))
			sums, err := collect(cmd, e, &lf,
				func(o client.ListOptions) (certsum.Page[certsum.AccessSummary], error) {
					return c.GetIdentityAccessSummaries(ctx, cert, t, o)
				},
				func(o client.ListOptions) iter.Seq2[certsum.AccessSummary, error] {
					return c.AllIdentityAccessSummaries(ctx, cert, t, o)
				})
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, accessSummariesView(sums))
		}),
	}
	out.register(cmd)
	lf.register(cmd, certsum.AccessSummarySchema, `completed eq false and access.name sw "A"`)
	return cmd
}

// accessSummariesView prints one access item per row.
func accessSummariesView(sums []certsum.AccessSummary) view {
	v := view{
		headers:    []string{"ID", "TYPE", "NAME", "SOURCE", "PRIVILEGED", "OWNER"},
		csvHeaders: []string{"id", "type", "name", "source", "privileged", "owner_id", "owner"},
		rows:       [][]string{},
		csvRows:    [][]string{},
		json:       sums,
	}
	for _, s := range sums {
		var source string
		var privileged bool
		var owner *certsum.IdentityReference
		switch {
		case s.Entitlement != nil:
			source, privileged, owner = s.Entitlement.SourceName, s.Entitlement.Privileged, s.Entitlement.Owner
		case s.AccessProfile != nil:
			privileged, owner = s.AccessProfile.Privileged, s.AccessProfile.Owner
		case s.Role != nil:
			privileged, owner = s.Role.Privileged, s.Role.Owner
		}
		var ownerID, ownerName string
		if owner != nil {
			ownerID, ownerName = owner.ID, owner.Name
		}
		v.rows = append(v.rows, []string{s.Access.ID, string(s.Access.Type), s.Access.Name, source, yesNo(privileged), ownerName})
		v.csvRows = append(v.csvRows, []string{s.Access.ID, string(s.Access.Type), s.Access.Name, source,
			strconv.FormatBool(privileged), ownerID, ownerName})
	}
	return v
}

package main

import (
	"iter"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
)

// newItemsCmd is `certsum items`: a certification's access review items.
func newItemsCmd(e *cliEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "items",
		Short: "List a certification's access review items",
	}
	cmd.AddCommand(newItemsListCmd(e))
	return cmd
}

func newItemsListCmd(e *cliEnv) *cobra.Command {
	var (
		out                                 outputFlag
		lf                                  listFlags
		entitlements, accessProfiles, roles []string
	)
	cmd := &cobra.Command{
		Use:   "list CERT",
		Short: "List review items: one identity × one access item each (listIdentityAccessReviewItems)",
		Long: `List the review items of a certification, the ids that certsum decide takes.
--entitlements, --access-profiles and --roles keep the items granting one of the listed
access ids; use at most one of them.`,
		Example: `  certsum items list CERT --filter 'completed eq false' --all
  certsum items list CERT --roles ROLE_ID -o csv`,
		Args: cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			ctx, cert := cmd.Context(), args[0]
			opts := func(o client.ListOptions) client.ReviewItemListOptions {
				return client.ReviewItemListOptions{ListOptions: o, Entitlements: entitlements,
					AccessProfiles: accessProfiles, Roles: roles}
			}
			items, err := collect(cmd, e, &lf,
				func(o client.ListOptions) (certsum.Page[certsum.AccessReviewItem], error) {
					return c.ListIdentityAccessReviewItems(ctx, cert, opts(o))
				},
				func(o client.ListOptions) iter.Seq2[certsum.AccessReviewItem, error] {
					return c.AllIdentityAccessReviewItems(ctx, cert, opts(o))
				})
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, reviewItemsView(items))
		}),
	}
	out.register(cmd)
	lf.register(cmd, certsum.ReviewItemSchema, `completed eq false and identitySummary.name sw "A"`)
	f := cmd.Flags()
	f.StringSliceVar(&entitlements, "entitlements", nil, "only items for these entitlement ids")
	f.StringSliceVar(&accessProfiles, "access-profiles", nil, "only items for these access profile ids")
	f.StringSliceVar(&roles, "roles", nil, "only items for these role ids")
	return cmd
}

// reviewItemsView prints one review item per row.
func reviewItemsView(items []certsum.AccessReviewItem) view {
	v := view{
		headers: []string{"ID", "IDENTITY", "TYPE", "ACCESS", "SOURCE", "NEW", "DECISION"},
		csvHeaders: []string{"id", "identity_summary_id", "identity_id", "identity", "access_type", "access_id",
			"access", "source", "new_access", "completed", "decision", "comments"},
		rows:    [][]string{},
		csvRows: [][]string{},
		json:    items,
	}
	for _, it := range items {
		source := ""
		if it.AccessSummary.Entitlement != nil {
			source = it.AccessSummary.Entitlement.SourceName
		}
		comments := ""
		if it.Comments != nil {
			comments = *it.Comments
		}
		a := it.AccessSummary.Access
		v.rows = append(v.rows, []string{it.ID, it.IdentitySummary.Name, string(a.Type), a.Name, source,
			yesNo(it.NewAccess), string(it.Decision)})
		v.csvRows = append(v.csvRows, []string{it.ID, it.IdentitySummary.ID, it.IdentitySummary.IdentityID,
			it.IdentitySummary.Name, string(a.Type), a.ID, a.Name, source, strconv.FormatBool(it.NewAccess),
			strconv.FormatBool(it.Completed), string(it.Decision), comments})
	}
	return v
}

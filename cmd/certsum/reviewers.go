package main

import (
	"iter"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
)

func newReviewersCmd(e *cliEnv) *cobra.Command {
	var (
		out outputFlag
		lf  listFlags
	)
	cmd := &cobra.Command{
		Use:   "reviewers CERT",
		Short: "List who reviews a certification (listCertificationReviewers)",
		Long: `List the identities who review a certification: its reviewer, or every member of the
governance group that reviews it.`,
		Example: `  certsum reviewers CERT
  certsum reviewers CERT --filter 'name sw "R"' -o csv`,
		Args: cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			ctx, cert := cmd.Context(), args[0]
			refs, err := collect(cmd, e, &lf,
				func(o client.ListOptions) (certsum.Page[certsum.IdentityReference], error) {
					return c.ListCertificationReviewers(ctx, cert, o)
				},
				func(o client.ListOptions) iter.Seq2[certsum.IdentityReference, error] {
					return c.AllCertificationReviewers(ctx, cert, o)
				})
			if err != nil {
				return err
			}
			v := view{headers: []string{"ID", "NAME", "EMAIL"}, csvHeaders: []string{"id", "type", "name", "email"},
				rows: [][]string{}, csvRows: [][]string{}, json: refs}
			for _, r := range refs {
				email := ""
				if r.Email != nil {
					email = *r.Email
				}
				v.rows = append(v.rows, []string{r.ID, r.Name, email})
				v.csvRows = append(v.csvRows, []string{r.ID, string(r.Type), r.Name, email})
			}
			return render(cmd.OutOrStdout(), format, v)
		}),
	}
	out.register(cmd)
	lf.register(cmd, certsum.ReviewerSchema, `name sw "R"`)
	return cmd
}

func newPermissionsCmd(e *cliEnv) *cobra.Command {
	var (
		out outputFlag
		lf  listFlags
	)
	cmd := &cobra.Command{
		Use:   "permissions CERT ITEM",
		Short: "List the permissions behind an entitlement review item (getIdentityCertificationItemPermissions)",
		Long: `List the permissions (rights on a target) of the entitlement a review item grants; other
items have none.`,
		Example: `  certsum permissions CERT ITEM
  certsum permissions CERT ITEM --filter 'target eq "orders"' -o json`,
		Args: cobra.ExactArgs(2),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			ctx, cert, item := cmd.Context(), args[0], args[1]
			perms, err := collect(cmd, e, &lf,
				func(o client.ListOptions) (certsum.Page[certsum.Permission], error) {
					return c.GetIdentityCertificationItemPermissions(ctx, cert, item, o)
				},
				func(o client.ListOptions) iter.Seq2[certsum.Permission, error] {
					return c.AllIdentityCertificationItemPermissions(ctx, cert, item, o)
				})
			if err != nil {
				return err
			}
			v := view{headers: []string{"TARGET", "RIGHTS"}, csvHeaders: []string{"target", "rights"},
				rows: [][]string{}, csvRows: [][]string{}, json: perms}
			for _, p := range perms {
				v.rows = append(v.rows, []string{p.Target, strings.Join(p.Rights, ", ")})
				v.csvRows = append(v.csvRows, []string{p.Target, strings.Join(p.Rights, ";")})
			}
			return render(cmd.OutOrStdout(), format, v)
		}),
	}
	out.register(cmd)
	lf.register(cmd, certsum.PermissionSchema, `target eq "orders"`)
	return cmd
}

package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
)

func newReassignCmd(e *cliEnv) *cobra.Command {
	var (
		out                outputFlag
		items, summaries   []string
		targets            []string
		reassignTo, reason string
	)
	cmd := &cobra.Command{
		Use:   "reassign CERT --to IDENTITY --reason TEXT (--item ID… | --identity-summary ID… | --target-summary ID…)",
		Short: "Move review items or identities to another reviewer (reassignIdentityCertifications)",
		Long: fmt.Sprintf(`Move review items (--item), or identity summaries with all their items (--identity-summary,
--target-summary), of a certification to another reviewer's certification in the same campaign,
created when it does not exist yet. Decisions move with the items. Up to %d references go in
one request. Prints the certification the items left.`, certsum.MaxReassignReferences),
		Example: `  certsum reassign CERT --to 2c9180835d2e5168015d32f890ca1581 --reason "on leave" --identity-summary SUMMARY_ID
  certsum reassign CERT --to "Rita Reviewer" --reason "knows the system" --item ITEM1 --item ITEM2`,
		Args: cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			format, err := out.resolve(e, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			r := certsum.ReviewReassign{ReassignTo: strings.TrimSpace(reassignTo), Reason: reason}
			for _, ref := range []struct {
				ids []string
				t   certsum.ReassignType
			}{{items, certsum.ReassignItem}, {summaries, certsum.ReassignIdentitySummary}, {targets, certsum.ReassignTargetSummary}} {
				for _, id := range ref.ids {
					r.Reassign = append(r.Reassign, certsum.ReassignReference{ID: id, Type: ref.t})
				}
			}
			// The same rules the server applies, so a bad command fails before any request.
			if err := certsum.ValidateReassign(r); err != nil {
				return flagError(err)
			}
			c, err := e.newClient()
			if err != nil {
				return err
			}
			cert, err := c.ReassignIdentityCertifications(cmd.Context(), args[0], r)
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, certificationView(cert))
		}),
	}
	out.register(cmd)
	f := cmd.Flags()
	f.StringVar(&reassignTo, "to", "", "the identity (id) to reassign to")
	f.StringVar(&reason, "reason", "", fmt.Sprintf("why (required, at most %d characters)", certsum.MaxTextLength))
	f.StringSliceVar(&items, "item", nil, "a review item to move (repeatable)")
	f.StringSliceVar(&summaries, "identity-summary", nil, "an identity summary to move with all its items (repeatable)")
	f.StringSliceVar(&targets, "target-summary", nil, "a target summary to move with all its items (repeatable)")
	return cmd
}

// flagError words a request rule broken by the command line in terms of its flags.
func flagError(err error) error {
	msg := certsum.ErrorText(err)
	for field, flag := range map[string]string{"reassignTo": "--to", "reason": "--reason", "reassign": "--item/--identity-summary/--target-summary"} {
		msg = strings.ReplaceAll(msg, field+" ", flag+" ")
	}
	return fmt.Errorf("%s", msg)
}

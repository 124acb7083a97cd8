package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
)

// maxDecisions is how many decisions one decide request may carry.
const maxDecisions = certsum.MaxDecisions

func newDecideCmd(e *cliEnv) *cobra.Command {
	var (
		out             outputFlag
		approve, revoke []string
		comment         string
	)
	cmd := &cobra.Command{
		Use:   "decide CERT --approve ITEM... --revoke ITEM...",
		Short: "Approve or revoke review items (makeIdentityDecision)",
		Long: `Record decisions on review items of a certification (ids from certsum items list), then
print the certification with its new progress. Both flags repeat and take comma-separated
lists. Decisions may be changed until the certification is signed off. --comment is stored
on every decision of the command (campaigns may require comments on revocations or on all
decisions).

Up to 250 decisions go in one all-or-nothing request; more are sent in batches of 250, and
if a batch fails the earlier ones stay recorded (the error says how many). Sending the same
decisions again is harmless.`,
		Example: `  certsum decide CERT --approve ITEM1,ITEM2 --revoke ITEM3 --comment "left the team"`,
		Args:    cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			format, err := out.resolve(e, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			decisions, err := buildDecisions(approve, revoke, comment)
			if err != nil {
				return err
			}
			c, err := e.newClient()
			if err != nil {
				return err
			}
			var cert *certsum.Certification
			for start := 0; start < len(decisions); start += maxDecisions {
				batch := decisions[start:min(start+maxDecisions, len(decisions))]
				cert, err = c.MakeIdentityDecision(cmd.Context(), args[0], batch)
				if err != nil {
					if start > 0 {
						return fmt.Errorf("%d of %d decisions were recorded before this failure: %w", start, len(decisions), err)
					}
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "recorded %d decision(s)\n", len(decisions))
			return render(cmd.OutOrStdout(), format, certificationView(cert))
		}),
	}
	out.register(cmd)
	f := cmd.Flags()
	f.StringSliceVar(&approve, "approve", nil, "review item ids to approve")
	f.StringSliceVar(&revoke, "revoke", nil, "review item ids to revoke")
	f.StringVar(&comment, "comment", "", "comment stored with every decision")
	return cmd
}

// buildDecisions turns the flags into the request body: each id once, none both approved and
// revoked, bulk set when there is more than one decision (the spec's "part of a bulk action").
func buildDecisions(approve, revoke []string, comment string) ([]certsum.ReviewDecision, error) {
	var out []certsum.ReviewDecision
	seen := map[string]certsum.Decision{}
	var both []string
	add := func(ids []string, d certsum.Decision) {
		for _, id := range ids {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			if prev, ok := seen[id]; ok {
				if prev != d {
					both = append(both, id)
				}
				continue
			}
			seen[id] = d
			out = append(out, certsum.ReviewDecision{ID: id, Decision: d})
		}
	}
	add(approve, certsum.Approve)
	add(revoke, certsum.Revoke)
	if len(both) > 0 {
		return nil, fmt.Errorf("cannot both approve and revoke %s", strings.Join(both, ", "))
	}
	if len(out) == 0 {
		return nil, errors.New("nothing to decide: give review item ids with --approve and/or --revoke")
	}
	bulk := len(out) > 1
	for i := range out {
		out[i].Bulk = &bulk
		if comment != "" {
			c := comment
			out[i].Comments = &c
		}
	}
	return out, nil
}

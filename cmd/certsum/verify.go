package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
)

// newVerifyCmd is `certsum verify`: recount every summary counter from the review items and
// report (with --fix, repair) the ones that differ. It exits with status 1 when drift was
// found and not repaired.
func newVerifyCmd(open storeOpener) *cobra.Command {
	cfg := defaultConfig()
	var fix bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every stored summary counter against a recount of the review items",
		Long: `Recount every counter that the summary endpoints answer from (certification, identity
summary, access summary and campaign counters) from the review items, and print each one
that differs from its stored value. With --fix the recounted values are written in the same
transaction. The exit status is 1 when drift was found and not repaired, 0 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, cfg, open, func(ctx context.Context, _ Config, st certsum.Store, _ *slog.Logger) error {
				return runVerify(ctx, cmd, st, fix)
			})
		},
	}
	f := cmd.Flags()
	addDBFlags(f, &cfg, "")
	f.BoolVar(&fix, "fix", false, "write the recounted values")
	return cmd
}

// runVerify recounts, prints the drift, and fails with status 1 on unrepaired drift.
func runVerify(ctx context.Context, cmd *cobra.Command, st certsum.Store, fix bool) error {
	drifts, err := st.Verify(ctx, fix)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, d := range drifts {
		fmt.Fprintf(out, "%s %s: %s stored %d, actual %d\n", d.Kind, d.ID, d.Counter, d.Stored, d.Actual)
	}
	switch {
	case len(drifts) == 0:
		fmt.Fprintln(out, "every counter agrees with the review items")
	case fix:
		fmt.Fprintf(out, "repaired %d counters\n", len(drifts))
	default:
		return exitError{code: 1, msg: fmt.Sprintf("%d counters differ from the review items; run with --fix to repair them", len(drifts))}
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
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
			if err := cfg.applyEnv(os.Getenv, cmd.Flags().Changed); err != nil {
				return err
			}
			if cfg.Database == "" {
				return fmt.Errorf("--db must not be empty")
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			st, err := open(ctx, cfg, logger)
			if err != nil {
				return err
			}
			defer st.Close()
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
		},
	}
	f := cmd.Flags()
	addDBFlags(f, &cfg, "")
	f.BoolVar(&fix, "fix", false, "write the recounted values")
	return cmd
}

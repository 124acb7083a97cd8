package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

// newKeysCmd is `certsum keys`: the token-signing keys every replica shares.
func newKeysCmd(open storeOpener) *cobra.Command {
	d := &dbFlags{open: open}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Rotate and list the token-signing keys in the database",
		Long: `Rotate and list the ES256 keys that sign access tokens. They live in the database (--db, as
serve), so every replica verifies every other's tokens; /.well-known/jwks.json publishes the
public halves.`,
	}
	d.register(cmd)
	cmd.AddCommand(newKeysRotateCmd(d), newKeysListCmd(d))
	return cmd
}

func newKeysRotateCmd(d *dbFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "rotate",
		Short: "Add a signing key; older keys keep verifying until their tokens have expired",
		Long: `Add a new signing key that every replica signs with within a minute. The previous keys are
retired: they keep verifying until every token they may have signed has expired (now + the
--token-ttl the servers run with + a minute of caching + 30 s of leeway), and keys past that
point are deleted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return d.withAuth(cmd, func(ctx context.Context, _ Config, s *auth.Service, st certsum.Store) error {
				k, err := s.RotateKey(ctx)
				if err != nil {
					return cliError(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "new signing key %s (%s)\n", k.ID, k.Algorithm)
				keys, err := st.ListSigningKeys(ctx)
				if err != nil {
					return cliError(err)
				}
				for _, o := range keys {
					if o.ID != k.ID && o.NotAfter != nil {
						fmt.Fprintf(cmd.OutOrStdout(), "retired key %s verifies until %s\n", o.ID, o.NotAfter)
					}
				}
				return nil
			})
		},
	}
}

func newKeysListCmd(d *dbFlags) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the signing keys, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" {
				return fmt.Errorf("-o must be table or json, not %q", output)
			}
			return d.withAuth(cmd, func(ctx context.Context, _ Config, _ *auth.Service, st certsum.Store) error {
				keys, err := st.ListSigningKeys(ctx)
				if err != nil {
					return cliError(err)
				}
				out := cmd.OutOrStdout()
				if output == "json" {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(keys)
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tRETIRED\tNOT AFTER")
				for _, k := range keys {
					state, retired, notAfter := "active", "-", "-"
					if k.Retired != nil {
						state, retired = "retired", k.Retired.String()
					}
					if k.NotAfter != nil {
						notAfter = k.NotAfter.String()
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, state, k.Created, retired, notAfter)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

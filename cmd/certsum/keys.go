package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
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
public halves. Their private halves are sealed (AES-256-GCM) with a key-encryption key from
the key file (--key-file, CERTSUM_KEY_FILE; by default <db>.key beside a SQLite database), so
the database alone cannot sign a token.`,
	}
	d.register(cmd)
	cmd.AddCommand(newKeysRotateCmd(d), newKeysListCmd(d), newKeysRewrapCmd(d), newKeysNewKeyFileCmd())
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

func newKeysRewrapCmd(d *dbFlags) *cobra.Command {
	var newFile string
	cmd := &cobra.Command{
		Use:   "rewrap --new-key-file PATH",
		Short: "Seal every signing key with a new key-encryption key",
		Long: `Create a new key file (mode 0600) holding a fresh key-encryption key followed by the keys of
the current one (--key-file), and re-seal the private half of every signing key in the database
with the fresh key. Then point every server at the new file (--key-file or CERTSUM_KEY_FILE) and
restart it; servers still running on the old file keep signing with the keys they hold in
memory. Once every server runs on the new file, delete the old file, and the old key lines
from the new one, to retire the old key-encryption key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if newFile == "" {
				return fmt.Errorf("--new-key-file is required")
			}
			return d.withAuth(cmd, func(ctx context.Context, cfg Config, s *auth.Service, _ certsum.Store) error {
				current := cfg.KeyFile
				if current == "" {
					current = cfg.Database + ".key"
				}
				old, err := os.ReadFile(current)
				if err != nil {
					return fmt.Errorf("read the current key file: %w", err)
				}
				created, err := createKeyFile(newFile, old)
				if err != nil {
					return err
				}
				if !created {
					return fmt.Errorf("%s exists already; name a new file", newFile)
				}
				text, err := os.ReadFile(newFile)
				if err != nil {
					return err
				}
				to, err := auth.ParseKeyFile(text)
				if err != nil {
					return err
				}
				n, err := s.RewrapKeys(ctx, to)
				if err != nil {
					return cliError(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "sealed %d signing keys with key-encryption key %s; run every server with --key-file %s\n",
					n, to.Fingerprint(), newFile)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&newFile, "new-key-file", "", "the key file to create")
	return cmd
}

func newKeysNewKeyFileCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "new-key-file PATH",
		Short: "Create a key file with a fresh key-encryption key (mode 0600)",
		Long: `Create a key file holding a fresh key-encryption key, for servers on PostgreSQL (give every
replica the same file with --key-file or CERTSUM_KEY_FILE) or to choose where a SQLite
deployment keeps its key. An existing file is never overwritten.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			created, err := createKeyFile(args[0], nil)
			if err != nil {
				return err
			}
			if !created {
				return fmt.Errorf("%s exists already; it is never overwritten", args[0])
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created %s\n", args[0])
			return nil
		},
	}
}

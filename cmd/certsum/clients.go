package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

// storeOpener opens the database a maintenance command works on; openStore in production,
// a temporary SQLite file in tests.
type storeOpener func(ctx context.Context, cfg Config, logger *slog.Logger) (certsum.Store, error)

// dbFlags are the settings of a command that works on the database directly, like serve:
// --db (CERTSUM_DATABASE_URL) and --token-ttl (CERTSUM_TOKEN_TTL), the lifetime that key
// rotation keeps retired keys valid for; `clients` adds --addr (CERTSUM_ADDR) for the
// SAIL_BASE_URL it prints.
type dbFlags struct {
	cfg  Config
	open storeOpener
}

func (d *dbFlags) register(cmd *cobra.Command) {
	d.cfg = defaultConfig()
	f := cmd.PersistentFlags()
	addDBFlags(f, &d.cfg, "")
	addKeyFileFlag(f, &d.cfg)
	f.DurationVar(&d.cfg.TokenTTL, "token-ttl", d.cfg.TokenTTL, "access token lifetime the server runs with (env CERTSUM_TOKEN_TTL)")
}

// withStore resolves the settings of a command that works on the database directly (flags,
// then the environment), opens the store with a logger of warnings on stderr, runs fn and
// closes the store.
func withStore(cmd *cobra.Command, cfg Config, open storeOpener, fn func(ctx context.Context, cfg Config, st certsum.Store, logger *slog.Logger) error) error {
	if err := cfg.applyEnv(os.Getenv, cmd.Flags().Changed); err != nil {
		return err
	}
	if cfg.Database == "" {
		return fmt.Errorf("--db must not be empty")
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	st, err := open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(ctx, cfg, st, logger)
}

// withAuth is withStore with an auth service over the store.
func (d *dbFlags) withAuth(cmd *cobra.Command, fn func(ctx context.Context, cfg Config, s *auth.Service, st certsum.Store) error) error {
	return withStore(cmd, d.cfg, d.open, func(ctx context.Context, cfg Config, st certsum.Store, logger *slog.Logger) error {
		sealer, err := loadSealer(cfg, logger)
		if err != nil {
			return err
		}
		s, err := auth.New(auth.Options{Store: st, TokenTTL: cfg.TokenTTL, Logger: logger, Sealer: sealer})
		if err != nil {
			return err
		}
		return fn(ctx, cfg, s, st)
	})
}

// newClientsCmd is `certsum clients`: OAuth clients managed directly in the database.
func newClientsCmd(open storeOpener) *cobra.Command {
	d := &dbFlags{open: open}
	cmd := &cobra.Command{
		Use:   "clients",
		Short: "Manage OAuth clients (personal access tokens and API clients) in the database",
		Long: `Manage the OAuth clients that get access tokens from POST /oauth/token, working on the
database directly (--db, as serve). A personal access token acts for an identity and carries
user levels; an API client has no identity and no user context.`,
	}
	d.register(cmd)
	cmd.PersistentFlags().StringVar(&d.cfg.Addr, "addr", d.cfg.Addr,
		"the server's listen address, for the SAIL_BASE_URL line (env CERTSUM_ADDR)")
	cmd.AddCommand(newClientsCreateCmd(d), newClientsListCmd(d), newClientsDeleteCmd(d))
	return cmd
}

func newClientsCreateCmd(d *dbFlags) *cobra.Command {
	var spec auth.ClientSpec
	var baseURL string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Register a client and print its secret, once",
		Long: `Register a client and print its credentials as SAIL_CLIENT_ID / SAIL_CLIENT_SECRET lines that
the SailPoint SDKs and the certsum CLI read. The secret is shown only this once; the database
keeps a hash.

  certsum clients create --identity alice --level CERT_ADMIN
  certsum clients create --level ORG_ADMIN          # fresh install: the built-in administrator
  certsum clients create --name ci                  # an API client without user context`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return d.withAuth(cmd, func(ctx context.Context, cfg Config, s *auth.Service, st certsum.Store) error {
				identityName := ""
				if spec.Identity == "" && slices.ContainsFunc(spec.Levels, func(l string) bool {
					return strings.EqualFold(strings.TrimSpace(l), certsum.LevelOrgAdmin)
				}) {
					admin, err := s.EnsureAdminIdentity(ctx)
					if err != nil {
						return err
					}
					spec.Identity, identityName = admin.ID, admin.Name
				}
				c, secret, err := s.CreateClient(ctx, spec)
				if err != nil {
					return cliError(err)
				}
				if identityName == "" && c.IdentityID != "" {
					if id, err := st.FindIdentity(ctx, c.IdentityID); err == nil {
						identityName = id.Name
					}
				}
				stderr := cmd.ErrOrStderr()
				if c.IdentityID != "" {
					fmt.Fprintf(stderr, "Created personal access token %s (%s) for %s (%s), levels %s, scopes %s.\n",
						c.ID, c.Name, identityName, c.IdentityID, strings.Join(c.Levels, " "), strings.Join(c.Scopes, " "))
				} else {
					fmt.Fprintf(stderr, "Created API client %s (%s) without user context, scopes %s.\n",
						c.ID, c.Name, strings.Join(c.Scopes, " "))
				}
				fmt.Fprintln(stderr, "The secret is shown only this once. Put these lines in the environment of an SDK or the certsum CLI:")
				url := baseURL
				if url == "" {
					url = baseURLOf(cfg.Addr)
				}
				creds := auth.Credentials{Client: c, Secret: secret, IdentityName: identityName}
				_, err = io.WriteString(cmd.OutOrStdout(), creds.Env(url))
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Identity, "identity", "", "id or exact name of the identity the token acts for (none: an API client)")
	f.StringSliceVar(&spec.Levels, "level", nil, "user level, e.g. ORG_ADMIN, CERT_ADMIN, USER (repeatable; default USER, or API without --identity)")
	f.StringSliceVar(&spec.Scopes, "scope", nil, "scope the client may be granted, e.g. idn:campaign:read (repeatable; default sp:scopes:all)")
	f.StringVar(&spec.Name, "name", "", "label shown by `clients list`")
	f.StringVar(&baseURL, "base-url", "", "SAIL_BASE_URL to print (default: http:// and the server's --addr)")
	return cmd
}

// baseURLOf turns a listen address into the URL a client on this machine reaches it at.
func baseURLOf(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func newClientsListCmd(d *dbFlags) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the registered clients, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" {
				return fmt.Errorf("-o must be table or json, not %q", output)
			}
			return d.withAuth(cmd, func(ctx context.Context, _ Config, _ *auth.Service, st certsum.Store) error {
				clients, err := st.ListClients(ctx)
				if err != nil {
					return cliError(err)
				}
				out := cmd.OutOrStdout()
				if output == "json" {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(clients)
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tIDENTITY\tLEVELS\tSCOPES\tCREATED")
				names := map[string]string{}
				for _, c := range clients {
					who := "-"
					if c.IdentityID != "" {
						name, ok := names[c.IdentityID]
						if !ok {
							if id, err := st.FindIdentity(ctx, c.IdentityID); err == nil {
								name = id.Name
							}
							names[c.IdentityID] = name
						}
						who = name
						if who == "" {
							who = c.IdentityID
						}
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, who,
						strings.Join(c.Levels, ","), strings.Join(c.Scopes, ","), c.Created)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func newClientsDeleteCmd(d *dbFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete CLIENT_ID...",
		Short: "Delete clients; their tokens stop working within 30 seconds",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return d.withAuth(cmd, func(ctx context.Context, _ Config, s *auth.Service, _ certsum.Store) error {
				for _, id := range args {
					if err := s.DeleteClient(ctx, id); err != nil {
						return cliError(err)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "deleted client %s\n", id)
				}
				return nil
			})
		},
	}
}

// cliError turns a certsum error into its message alone (the code and wrapping are noise on
// a terminal); other errors pass unchanged.
func cliError(err error) error {
	switch certsum.ErrorCode(err) {
	case certsum.CodeInternal, certsum.CodeUnavailable, "":
		return err
	}
	return fmt.Errorf("%s", certsum.ErrorText(err))
}

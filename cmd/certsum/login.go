package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum/client"
)

func newLoginCmd(e *cliEnv) *cobra.Command {
	var flags loginConfig
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Check credentials against a certsum server and save them for the other commands",
		Long: `Check a base URL and client credentials by fetching an access token, then save them to
certsum/config.json in your configuration directory (the file is readable by you only).

Each value comes from its flag, else from SAIL_BASE_URL, SAIL_CLIENT_ID or
SAIL_CLIENT_SECRET (the variables of the official SailPoint SDKs), else from a line read
on standard input (prompted for on a terminal). Prefer the variable or standard input for
the secret: a flag is visible to other users of the machine.

The other client commands use the saved login; SAIL_* variables, when set, win over it.`,
		Example: `  certsum login --base-url http://127.0.0.1:8080 --client-id ID   # the secret is prompted for
  SAIL_CLIENT_SECRET=... certsum login --base-url https://certsum.example.com --client-id ID`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			stderr := cmd.ErrOrStderr()
			in := bufio.NewReader(e.Stdin)
			prompt := e.IsTerminal(stderr)
			cfg := loginConfig{}
			for _, v := range []struct {
				flag, env, label string
				given            string
				dst              *string
			}{
				{"--base-url", envBaseURL, "Base URL", flags.BaseURL, &cfg.BaseURL},
				{"--client-id", envClientID, "Client ID", flags.ClientID, &cfg.ClientID},
				{"--client-secret", envClientSecret, "Client secret", flags.ClientSecret, &cfg.ClientSecret},
			} {
				val := strings.TrimSpace(v.given)
				if val == "" {
					val = strings.TrimSpace(e.Getenv(v.env))
				}
				if val == "" {
					if prompt {
						fmt.Fprintf(stderr, "%s: ", v.label)
					}
					line, err := in.ReadString('\n')
					if err != nil && !errors.Is(err, io.EOF) {
						return fmt.Errorf("read %s: %w", strings.ToLower(v.label), err)
					}
					val = strings.TrimSpace(line)
				}
				if val == "" {
					return fmt.Errorf("%s is required: pass %s, set %s, or type it on standard input",
						strings.ToLower(v.label), v.flag, v.env)
				}
				*v.dst = val
			}
			c, err := client.New(cfg.BaseURL, cfg.ClientID, cfg.ClientSecret, client.Options{HTTPClient: e.HTTPClient})
			if err != nil {
				return err
			}
			if err := c.Authenticate(cmd.Context()); err != nil {
				return fmt.Errorf("log in to %s: %w", c.BaseURL(), err)
			}
			cfg.BaseURL = c.BaseURL()
			path, err := e.saveConfig(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Logged in to %s as %s; saved to %s\n", cfg.BaseURL, cfg.ClientID, path)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&flags.BaseURL, "base-url", "", "server base URL, e.g. http://127.0.0.1:8080 (no /v2024)")
	f.StringVar(&flags.ClientID, "client-id", "", "OAuth2 client id")
	f.StringVar(&flags.ClientSecret, "client-secret", "", "OAuth2 client secret (visible to other users; prefer the prompt or SAIL_CLIENT_SECRET)")
	return cmd
}

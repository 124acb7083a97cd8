package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/client"
)

// The client subcommands (login, certs, summary, items, decide, signoff) talk to a certsum
// server only through package client. This file holds what they share: where credentials
// come from, how a client is built, and how failures are reported.

// Environment variables of the official SailPoint SDKs, honoured by the client subcommands.
// They win over the saved login.
const (
	envBaseURL      = "SAIL_BASE_URL"
	envClientID     = "SAIL_CLIENT_ID"
	envClientSecret = "SAIL_CLIENT_SECRET"
)

// cliEnv is what the client subcommands take from the world outside their flags, so that
// tests can run them against an httptest server with a temporary config directory.
type cliEnv struct {
	// Getenv reads an environment variable.
	Getenv func(string) string
	// ConfigDir returns the user's configuration directory (os.UserConfigDir).
	ConfigDir func() (string, error)
	// HTTPClient sends the requests; nil means the client package's default.
	HTTPClient *http.Client
	// IsTerminal reports whether w is an interactive terminal.
	IsTerminal func(w io.Writer) bool
	// Stdin is where login reads credentials it was not given.
	Stdin io.Reader
}

// newCLIEnv returns the environment of a real run.
func newCLIEnv() *cliEnv {
	return &cliEnv{
		Getenv:     os.Getenv,
		ConfigDir:  os.UserConfigDir,
		IsTerminal: isTerminal,
		Stdin:      os.Stdin,
	}
}

// isTerminal reports whether w is a character device (a terminal) rather than a file or pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// loginConfig is the saved login: certsum/config.json in the user's configuration directory,
// readable by its owner only because it holds the client secret.
type loginConfig struct {
	BaseURL      string `json:"baseURL"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// configPath returns where the login is saved.
func (e *cliEnv) configPath() (string, error) {
	dir, err := e.ConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user configuration directory: %w", err)
	}
	return filepath.Join(dir, "certsum", "config.json"), nil
}

// loadConfig reads the saved login (a missing file is an empty login), then lets each
// non-empty SAIL_* variable override its field.
func (e *cliEnv) loadConfig() (loginConfig, error) {
	var c loginConfig
	path, err := e.configPath()
	if err != nil {
		return c, err
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return c, fmt.Errorf("read %s: %w", path, err)
	default:
		if err := json.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("read %s: %w (run certsum login again)", path, err)
		}
	}
	for _, v := range []struct {
		name string
		dst  *string
	}{{envBaseURL, &c.BaseURL}, {envClientID, &c.ClientID}, {envClientSecret, &c.ClientSecret}} {
		if s := strings.TrimSpace(e.Getenv(v.name)); s != "" {
			*v.dst = s
		}
	}
	return c, nil
}

// saveConfig writes the login atomically: the directory is made private (0700) and the file
// is created 0600 before the secret is written to it.
func (e *cliEnv) saveConfig(c loginConfig) (string, error) {
	path, err := e.configPath()
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("make %s private: %w", dir, err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".config-*.json") // created 0600
	if err != nil {
		return "", fmt.Errorf("save login: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", fmt.Errorf("save login: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return "", fmt.Errorf("save login: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("save login: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("save login: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("save login: %w", err)
	}
	return path, nil
}

// session resolves a client command's output format for its stdout and builds the client
// it talks through: what every client command does first.
func (e *cliEnv) session(cmd *cobra.Command, out *outputFlag) (*client.Client, string, error) {
	format, err := out.resolve(e, cmd.OutOrStdout())
	if err != nil {
		return nil, "", err
	}
	c, err := e.newClient()
	if err != nil {
		return nil, "", err
	}
	return c, format, nil
}

// newClient builds a client from the saved login and the SAIL_* variables.
func (e *cliEnv) newClient() (*client.Client, error) {
	c, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	if c.BaseURL == "" || c.ClientID == "" || c.ClientSecret == "" {
		return nil, errors.New("not logged in: run `certsum login`, or set " +
			envBaseURL + ", " + envClientID + " and " + envClientSecret)
	}
	return client.New(c.BaseURL, c.ClientID, c.ClientSecret, client.Options{HTTPClient: e.HTTPClient})
}

// apiError makes a failure readable on the command line: the server's message, then its
// status, detail code and tracking id (what an administrator needs to find it in the log).
func apiError(err error) error {
	if err == nil {
		return nil
	}
	var e *certsum.Error
	if !errors.As(err, &e) || e.Status == 0 {
		return err
	}
	var details []string
	details = append(details, fmt.Sprintf("HTTP %d", e.Status))
	if e.DetailCode != "" {
		details = append(details, e.DetailCode)
	}
	if e.TrackingID != "" {
		details = append(details, "tracking id "+e.TrackingID)
	}
	return fmt.Errorf("%w [%s]", err, strings.Join(details, ", "))
}

// runE adapts a client subcommand body so that its failures go through apiError.
func runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error { return apiError(f(cmd, args)) }
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/inventory"
)

// importFlags are the choices of `certsum import`.
type importFlags struct {
	dryRun, merge bool
	output        string
	scope         []string
	c1z           inventory.C1ZOptions
	mapping       string
}

// newImportCmd is `certsum import PATH`: read an inventory (a JSON document, a directory of
// CSV files or a baton .c1z file), check it whole against itself and the stored inventory,
// and apply it in one transaction.
func newImportCmd(open storeOpener) *cobra.Command {
	cfg := defaultConfig()
	var fl importFlags
	cmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Import your identities and access: a JSON document, a directory of CSV files or a baton .c1z file",
		Long: `Read an inventory and store it (docs/import.md). PATH is a JSON document, a directory with one
CSV file per kind (identities.csv is required), or a baton connector's .c1z file (format v1),
which becomes one source (--source-id).

The whole input is checked first — every id, value and reference, against the input and the
stored inventory — and any problem refuses all of it, each problem printed with its file, line
and column. Nothing is half-applied.

By default an import is a snapshot: every object it lists is created or updated, and the
objects of the kinds it lists that it no longer lists are removed (kept for past campaigns,
left out of new ones). --scope-source limits removals to the accounts, entitlements, access
profiles and assignments of those sources; a .c1z import is scoped to its source. --merge only
creates and updates. Importing the same input twice changes nothing; every import that
changes something makes a new inventory version. --dry-run prints the change set and writes
nothing.`,
		Example: `  certsum import docs/import/example --dry-run
  certsum import org.json
  certsum import okta.json --merge
  certsum import github.c1z --source-id github --source-owner ann --correlate accounts.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fl.output != formatTable && fl.output != formatJSON {
				return fmt.Errorf("--output must be table or json, not %q", fl.output)
			}
			return withStore(cmd, cfg, open, func(ctx context.Context, _ Config, st certsum.Store, _ *slog.Logger) error {
				return runImport(ctx, st, args[0], fl, cmd.OutOrStdout(), cmd.ErrOrStderr())
			})
		},
	}
	f := cmd.Flags()
	addDBFlags(f, &cfg, "")
	f.BoolVar(&fl.dryRun, "dry-run", false, "check the input and print the change set without writing it")
	f.BoolVar(&fl.merge, "merge", false, "only create and update; remove nothing")
	f.StringSliceVar(&fl.scope, "scope-source", nil, "remove only from these sources (repeatable)")
	f.StringVarP(&fl.output, "output", "o", formatTable, "output format: table or json (the whole report)")
	f.StringVar(&fl.c1z.SourceID, "source-id", "", ".c1z: the id of the source the file describes")
	f.StringVar(&fl.c1z.SourceName, "source-name", "", ".c1z: the source's name (default: the file's name)")
	f.StringVar(&fl.c1z.SourceOwner, "source-owner", "", ".c1z: the identity id of the source's owner")
	f.StringVar(&fl.mapping, "correlate", "", ".c1z: CSV file (account,identity_id) mapping logins or emails to identities, tried before email and login matching")
	return cmd
}

// runImport reads the input at path and imports it into st, reporting on out and errOut.
func runImport(ctx context.Context, st certsum.Store, path string, fl importFlags, out, errOut io.Writer) error {
	format, err := inventory.Detect(path)
	if err != nil {
		return err
	}
	if format == inventory.FormatC1Z {
		ids, err := st.LiveIdentities(ctx)
		if err != nil {
			return err
		}
		var mapping map[string]string
		if fl.mapping != "" {
			if mapping, err = inventory.ReadMapping(fl.mapping); err != nil {
				return err
			}
		}
		fl.c1z.Correlate = inventory.NewCorrelation(ids, mapping).Identity
		if fl.c1z.SourceName == "" {
			fl.c1z.SourceName = filepath.Base(path)
		}
	} else if fl.c1z.SourceID != "" || fl.c1z.SourceOwner != "" || fl.mapping != "" {
		return fmt.Errorf("--source-id, --source-owner and --correlate are for .c1z files; %s is %s", path, format)
	}
	start := time.Now()
	in, c1zReport, err := inventory.Read(ctx, path, fl.c1z)
	var problems certsum.InputProblems
	if errors.As(err, &problems) {
		printProblems(errOut, problems)
		return exitError{code: 1, msg: fmt.Sprintf("%s was not imported: %d problem(s)", path, len(problems))}
	}
	if err != nil {
		return err
	}
	if c1zReport != nil {
		fmt.Fprintf(errOut, "read %s: sync %s, %d users, %d entitlements, %d grants (%d to groups and %d to uncorrelated accounts left out)\n",
			path, c1zReport.SyncID, c1zReport.Users, c1zReport.Entitlements, c1zReport.Grants, c1zReport.GroupGrants, c1zReport.UncorrelatedGrants)
	}
	opts := certsum.ImportOptions{DryRun: fl.dryRun, ScopeSourceIDs: fl.scope, Source: filepath.Base(path)}
	if fl.merge {
		opts.Mode = certsum.ImportMerge
	}
	p := newProgress(errOut, isTerminal(errOut), "importing", time.Now)
	opts.Progress = func(done, total int) {
		if total >= progressFrom {
			p.update(done, total)
		}
	}
	stop := make(chan struct{})
	go p.run(time.Second, stop)
	r, err := st.ImportInventory(ctx, in, opts)
	close(stop)
	p.finish()
	if r != nil && fl.output == formatJSON {
		if jerr := render(out, formatJSON, view{json: r}); jerr != nil {
			return jerr
		}
	}
	if errors.As(err, &problems) {
		printProblems(errOut, problems)
		return exitError{code: 1, msg: fmt.Sprintf("%s was not imported: %d problem(s)", path, len(problems))}
	}
	if err != nil {
		return err
	}
	if fl.output == formatJSON {
		return nil
	}
	return printImportReport(out, r, time.Since(start))
}

// progressFrom is how many rows an import writes before its progress is worth showing.
const progressFrom = 10000

// printProblems writes one line per problem: file:line:column: message.
func printProblems(w io.Writer, problems certsum.InputProblems) {
	for _, p := range problems {
		fmt.Fprintf(w, "%s: %s\n", p.InputPos, p.Message)
	}
}

// printImportReport writes the counts per kind, the changes of a dry run, and the outcome.
func printImportReport(w io.Writer, r *certsum.ImportReport, took time.Duration) error {
	v := view{headers: []string{"KIND", "CREATED", "UPDATED", "UNCHANGED", "REMOVED"}}
	for _, k := range certsum.ImportKinds {
		c := r.Counts[k]
		v.rows = append(v.rows, []string{k, fmt.Sprint(c.Created), fmt.Sprint(c.Updated), fmt.Sprint(c.Unchanged), fmt.Sprint(c.Removed)})
	}
	if err := render(w, formatTable, v); err != nil {
		return err
	}
	if r.DryRun {
		for _, c := range r.Changes {
			fmt.Fprintf(w, "%-8s %s %s\n", c.Action, c.Kind, c.ID)
		}
		if r.ChangesOmitted > 0 {
			fmt.Fprintf(w, "… and %d more changes\n", r.ChangesOmitted)
		}
	}
	switch {
	case r.DryRun && r.Changed:
		fmt.Fprintf(w, "dry run: nothing written; importing would make inventory version %d (import %s, %s)\n",
			r.InventoryVersion+1, r.ID, took.Round(time.Millisecond))
	case r.DryRun:
		fmt.Fprintf(w, "dry run: the input matches the stored inventory (version %d)\n", r.InventoryVersion)
	case r.Changed:
		fmt.Fprintf(w, "imported: inventory version %d (import %s, %s)\n", r.InventoryVersion, r.ID, took.Round(time.Millisecond))
	default:
		fmt.Fprintf(w, "nothing changed: the inventory stays at version %d (import %s)\n", r.InventoryVersion, r.ID)
	}
	return nil
}

package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/evidence"
)

// newExportEvidenceCmd is `certsum export evidence`: the audit evidence ZIP of a campaign or
// a certification, written to a file (or stdout), then summed up from its manifest.
func newExportEvidenceCmd(e *cliEnv) *cobra.Command {
	var (
		out                     outputFlag
		campaign, certification string
		file                    string
	)
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Export the audit evidence of a campaign or a certification as a ZIP",
		Long: `Export one row per review item (undecided included) as CSV and JSON Lines, one sign-off row per
certification, and a manifest with the row counts checked against the certifications' own counters
and the SHA-256 of every file (docs/evidence.md). The ZIP goes to --file (by default
certsum-evidence-<campaign|certification>-<id>.zip here; - for stdout).`,
		Example: `  certsum export evidence --campaign 5f1c…
  certsum export evidence --certification 2c9…  --file q4-review.zip`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			scope := certsum.EvidenceScope{CampaignID: campaign, CertificationID: certification}
			if err := scope.Check(); err != nil {
				return fmt.Errorf("give --campaign or --certification: %w", err)
			}
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			if file == "" {
				file = "certsum-evidence-" + scope.Kind() + "-" + scope.ID() + ".zip"
			}
			if file == "-" {
				_, err := c.Evidence(cmd.Context(), scope, cmd.OutOrStdout())
				return err
			}
			tmp, err := os.CreateTemp(filepath.Dir(file), ".certsum-evidence-*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			if _, err := c.Evidence(cmd.Context(), scope, tmp); err != nil {
				tmp.Close()
				return err
			}
			if err := tmp.Close(); err != nil {
				return err
			}
			m, err := readManifest(tmp.Name())
			if err != nil {
				return fmt.Errorf("the downloaded evidence: %w", err)
			}
			if err := os.Rename(tmp.Name(), file); err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, manifestView(file, m))
		}),
	}
	out.register(cmd)
	cmd.Flags().StringVar(&campaign, "campaign", "", "the campaign whose evidence to export")
	cmd.Flags().StringVar(&certification, "certification", "", "the certification whose evidence to export")
	cmd.Flags().StringVar(&file, "file", "", "where to write the ZIP (- for stdout)")
	return cmd
}

// readManifest reads manifest.json from an evidence ZIP.
func readManifest(path string) (*evidence.Manifest, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != evidence.ManifestJSON {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		var m evidence.Manifest
		if err := json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(&m); err != nil {
			return nil, err
		}
		return &m, nil
	}
	return nil, fmt.Errorf("no %s in it", evidence.ManifestJSON)
}

// manifestView sums up a written evidence ZIP.
func manifestView(file string, m *evidence.Manifest) view {
	checks := "pass"
	if !m.ChecksPass {
		checks = "FAIL"
	}
	row := []string{file, m.Scope.Kind, m.Scope.ID, m.Scope.Name, fmt.Sprint(m.Counts.Certifications),
		fmt.Sprint(m.Counts.Signed), fmt.Sprint(m.Counts.Items), fmt.Sprint(m.Counts.Decided), checks}
	return view{
		headers:    []string{"FILE", "SCOPE", "ID", "NAME", "CERTIFICATIONS", "SIGNED", "ITEMS", "DECIDED", "CHECKS"},
		csvHeaders: []string{"file", "scope", "id", "name", "certifications", "signed", "items", "decided", "checks"},
		rows:       [][]string{row}, csvRows: [][]string{row}, json: m,
	}
}

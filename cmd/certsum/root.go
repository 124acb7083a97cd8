package main

import (
	"io"

	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree. Every subcommand lives in its own file and registers
// itself here.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "certsum",
		Short:         "Access certification summaries: a self-hosted v2024 Certification Summaries API",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServeCmd())
	cli := newCLIEnv()
	root.AddCommand(newLoginCmd(cli))
	root.AddCommand(newCertsCmd(cli))
	root.AddCommand(newSummaryCmd(cli))
	root.AddCommand(newItemsCmd(cli))
	root.AddCommand(newDecideCmd(cli))
	root.AddCommand(newSignoffCmd(cli))
	root.AddCommand(newReassignCmd(cli))
	root.AddCommand(newReviewersCmd(cli))
	root.AddCommand(newPermissionsCmd(cli))
	root.AddCommand(newCampaignsCmd(cli))
	root.AddCommand(newRemediationCmd(cli))
	root.AddCommand(newExportCmd(cli))
	root.AddCommand(newClientsCmd(openStore))
	root.AddCommand(newKeysCmd(openStore))
	root.AddCommand(newVerifyCmd(openStore))
	root.AddCommand(newDemoCmd(openStore))
	root.AddCommand(newImportCmd(openStore))
	return root
}

package main

import (
	"github.com/spf13/cobra"
)

func newSignoffCmd(e *cliEnv) *cobra.Command {
	var out outputFlag
	cmd := &cobra.Command{
		Use:   "signoff CERT",
		Short: "Sign a certification off once every item is decided (signOffIdentityCertification)",
		Long: `Sign a certification off. Every review item must have a decision; afterwards the
certification is read-only. Prints the signed certification.`,
		Args: cobra.ExactArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			c, format, err := e.session(cmd, &out)
			if err != nil {
				return err
			}
			cert, err := c.SignOffIdentityCertification(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), format, certificationView(cert))
		}),
	}
	out.register(cmd)
	return cmd
}

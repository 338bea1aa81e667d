package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/engine"
)

func newPolicyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "policy",
		Short: "Print the least-privilege IAM policy for the member role",
		Long: `Print the IAM policy that the member role (CIS_Remediator_Role) needs: the
union of the actions every control declares, plus the notification lookups.
The member-role template embeds exactly this document.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), engine.MemberPolicy().JSON())
			return err
		},
	}
}

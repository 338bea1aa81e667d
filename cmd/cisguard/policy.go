package main

import (
	"fmt"
	"regexp"

	"github.com/spf13/cobra"
)

func newPolicyCmd(g *globals) *cobra.Command {
	var account, partition string
	c := &cobra.Command{
		Use:   "policy",
		Short: "Print the least-privilege IAM policy for the member role",
		Long: `Print the IAM policy that the member role (CIS_Remediator_Role) needs for
the configuration (--config): the reads of every control, the writes of the
controls in auto mode only (notify and off need none), and the member topic
lookup. The member-role template embeds exactly this document, and
"cisguard deploy" deploys it.

IAM writes are scoped to the roles cisguard creates (cisguard-* and the
configured names) under its permissions boundary, key policies to the keys
it created; explicit denies keep the role from changing itself. ARNs are
written with CloudFormation's ${AWS::Partition} and ${AWS::AccountId}, and
the role's own name as ${RoleName}, as the template substitutes them;
--account (and --partition) print the policy for one account instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if account != "" && !regexp.MustCompile(`^[0-9]{12}$`).MatchString(account) {
				return badInput("--account %q is not a 12-digit account id", account)
			}
			d, err := templateData(g.configPath)
			if err != nil {
				return err
			}
			doc := d.MemberPolicy
			if account != "" {
				doc = doc.Resolve(partition, account, d.RoleName)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), doc.JSON())
			return err
		},
	}
	c.Flags().StringVar(&account, "account", "", "print the policy for this account (12 digits) instead of with placeholders")
	c.Flags().StringVar(&partition, "partition", "aws", "partition of --account (aws, aws-cn, aws-us-gov)")
	return c
}

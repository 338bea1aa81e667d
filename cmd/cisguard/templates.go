package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/engine"
)

func newTemplatesCmd(g *globals) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "templates",
		Short: "Write the CloudFormation templates (with the generated member policy)",
		Long: `Write cisguard's CloudFormation templates to a directory, for people who
deploy with their own pipeline: the admin stack (Lambda, queue, rules, topic,
custom action), the member role (its policy generated from the controls'
declared permissions), the member notification topic, the CloudTrail KMS key
and the AWS Config enablement. The admin template's defaults select the
controls that --config puts in auto mode. docs/deployment.md says how to
deploy each; "cisguard deploy" does it all in one command.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return badInput("--out DIR is required")
			}
			d, err := templateData(g.configPath)
			if err != nil {
				return err
			}
			written, err := templates.Write(out, d)
			if err != nil {
				return err
			}
			for _, p := range written {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "directory to write the templates to")
	return c
}

// templateData resolves the configuration into what the templates need,
// the member policy narrowed to the controls it enables included; a bad
// configuration is a usage error.
func templateData(path string) (templates.Data, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return templates.Data{}, &exitError{code: exitBadInput, err: err}
	}
	s, err := controls.Configure(cfg)
	if err != nil {
		return templates.Data{}, &exitError{code: exitBadInput, err: err}
	}
	return templates.For(cfg, s.Auto(), engine.MemberPolicy(cfg, s)), nil
}

package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/lambdazip"
)

func newBuildLambdaCmd(g *globals) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "build-lambda",
		Short: "Build the deployable Lambda zip (bootstrap for provided.al2023, arm64)",
		Long: `Build ./cmd/lambda for linux/arm64 with CGO_ENABLED=0 as "bootstrap" and
write it to a zip, with the --config file (if any) beside it as cisguard.yaml.
Run it from the root of the source tree; it needs the Go toolchain.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := os.Getwd()
			if err != nil {
				return err
			}
			if _, err := os.Stat("cmd/lambda"); err != nil {
				return badInput("run build-lambda from the root of the cisguard source tree (no ./cmd/lambda here)")
			}
			if g.configPath != "" {
				if _, err := loadSettings(g.configPath); err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
			}
			if err := lambdazip.Build(cmd.Context(), lambdazip.Options{ModuleDir: dir, Out: out, Config: g.configPath}); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), out)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "dist/cisguard-lambda.zip", "zip to write")
	return c
}

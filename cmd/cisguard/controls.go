package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/controls"
)

func newControlsCmd() *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "controls",
		Short: "List the 58 CIS v1.4.0 recommendations and how cisguard handles each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			switch output {
			case "table":
				return controlsTable(w)
			case "json":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(catalog.All())
			case "markdown":
				_, err := io.WriteString(w, controls.Markdown())
				return err
			}
			return badInput("--output %q: want table, json or markdown", output)
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or markdown")
	return c
}

func controlsTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tSECURITY HUB\tHANDLING\tIMPACT\tTITLE")
	for _, r := range catalog.All() {
		sh := strings.Join(r.SecurityHub, ",")
		if sh == "" {
			sh = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.ID, r.Level, sh, r.Handling, r.Impact, r.Title)
	}
	return tw.Flush()
}

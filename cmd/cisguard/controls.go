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

func newControlsCmd(g *globals) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "controls",
		Short: "List the 58 CIS v1.4.0 recommendations, what cisguard does for each and its mode",
		Long: `List the recommendations of the CIS AWS Foundations Benchmark v1.4.0 (2.1.5 as
its two parts, as Security Hub reports them) with what cisguard does for each
(auto fix, opt-in fix, manual steps, not handled), the default mode and the
mode in effect with --config.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			if output == "markdown" {
				_, err := io.WriteString(w, controls.Markdown())
				return err
			}
			if output != "table" && output != "json" {
				return badInput("--output %q: want table, json or markdown", output)
			}
			s, err := loadSettings(g.configPath)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			rows := controlRows(s.Settings)
			if output == "json" {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			return controlsTable(w, rows)
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or markdown")
	return c
}

// controlRow is one line of `cisguard controls`.
type controlRow struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Section     string   `json:"section"`
	Level       int      `json:"level"`
	SecurityHub []string `json:"securityHubControls"`
	Related     []string `json:"relatedControls,omitempty"`
	Impact      string   `json:"impact"`
	// Does is what cisguard's code does: auto fix, opt-in fix, manual
	// steps or not handled.
	Does        string `json:"cisguard"`
	DefaultMode string `json:"defaultMode,omitempty"`
	// Mode is the mode in effect with the configuration given.
	Mode string `json:"mode,omitempty"`
}

func controlRows(s *controls.Settings) []controlRow {
	var rows []controlRow
	for _, r := range catalog.All() {
		row := controlRow{ID: r.ID, Title: r.Title, Section: string(r.Section), Level: r.Level,
			SecurityHub: r.SecurityHub, Related: r.Related, Impact: string(r.Impact)}
		parts := []controlRow{row}
		if len(r.Parts) > 0 {
			parts = nil
			for _, p := range r.Parts {
				pr := row
				pr.ID, pr.Title, pr.SecurityHub = p.ID, p.Title, []string{p.SecurityHub}
				parts = append(parts, pr)
			}
		}
		for _, pr := range parts {
			pr.Does = controls.Does(pr.ID)
			pr.DefaultMode = string(controls.DefaultMode(pr.ID))
			if st, ok := s.For(pr.ID); ok {
				pr.Mode = string(st.Mode)
			}
			rows = append(rows, pr)
		}
	}
	return rows
}

func controlsTable(w io.Writer, rows []controlRow) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tSECURITY HUB\tCISGUARD\tDEFAULT\tMODE\tIMPACT\tTITLE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Level, orDash(strings.Join(r.SecurityHub, ",")),
			r.Does, orDash(r.DefaultMode), orDash(r.Mode), r.Impact, r.Title)
	}
	return tw.Flush()
}

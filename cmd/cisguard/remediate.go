package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/finding"
)

type remediateFlags struct {
	event    string
	dryRun   bool
	output   string
	noAssume bool
}

func newRemediateCmd(g *globals) *cobra.Command {
	f := &remediateFlags{}
	c := &cobra.Command{
		Use:   "remediate --event FILE|-",
		Short: "Handle the findings of a Security Hub event, as the Lambda would",
		Long: `Read a Security Hub EventBridge event ("Findings - Imported" or "Findings -
Custom Action"), a bare ASFF findings array, or an SQS batch wrapping either,
and handle every finding in it: skip, send manual steps, or remediate in the
finding's account and region through the member role.

Only Security Hub's own findings are acted on, and only as Security Hub holds
them: each is read back with securityhub:GetFindings (your credentials, in the
event's region) and its state there decides. A finding Security Hub does not
hold is skipped; with --dry-run it is still planned from the event, and the
result says so.

With --dry-run nothing is changed, sent or updated: the plan built from the
live state of each resource is printed.

With --no-assume-role your own credentials act in every account, so only
findings of your own account (sts:GetCallerIdentity) are acted on.

Exit status: 0 when no finding failed, 1 when any failed, 2 on unusable input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRemediate(cmd, g, f) },
	}
	c.Flags().StringVarP(&f.event, "event", "e", "", "event file, or - for standard input (required)")
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "plan and print; change, notify and update nothing")
	c.Flags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	c.Flags().BoolVar(&f.noAssume, "no-assume-role", false, "use your own credentials instead of assuming the member role (findings of other accounts are skipped)")
	return c
}

func runRemediate(cmd *cobra.Command, g *globals, f *remediateFlags) error {
	if f.event == "" {
		return badInput("--event is required (a file, or - for standard input)")
	}
	if f.output != "text" && f.output != "json" {
		return badInput("--output %q: want text or json", f.output)
	}
	log, err := g.logger()
	if err != nil {
		return err
	}
	data, err := readInput(cmd.InOrStdin(), f.event)
	if err != nil {
		return badInput("%v", err)
	}
	findings, err := finding.Decode(data)
	if err != nil {
		return badInput("%s: %v", f.event, err)
	}
	cfg, err := loadSettings(g.configPath)
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	factory, err := cloud.Load(cmd.Context(), cloud.Options{RoleName: cfg.Config.RoleName, ExternalID: cfg.Config.ExternalID, NoAssume: f.noAssume})
	if err != nil {
		return err
	}
	if factory.Region() == "" {
		// STS and Organizations need a region; the findings' hub region is
		// where the engine runs.
		factory = cloud.New(factory.Base(findings[0].HubRegion), cloud.Options{RoleName: cfg.Config.RoleName, ExternalID: cfg.Config.ExternalID, NoAssume: f.noAssume})
	}
	eng := engine.New(cfg.Config, cfg.Settings, &engine.AWS{Factory: factory}, engine.Options{DryRun: f.dryRun, NoAssumeRole: f.noAssume, Logger: log})
	results := eng.Run(cmd.Context(), findings)

	w := cmd.OutOrStdout()
	if f.output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Findings []engine.Result `json:"findings"`
		}{results}); err != nil {
			return err
		}
	} else {
		printResults(w, results)
	}
	if n := engine.Failures(results); n > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d finding(s) failed", n, len(results))}
	}
	return nil
}

func readInput(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	return b, nil
}

// settings is a loaded configuration with its resolved control settings.
type settings struct {
	Config   *config.Config
	Settings *controls.Settings
}

// loadSettings reads the configuration and resolves every control's mode
// and parameters, so that every mistake in the file is reported at once.
func loadSettings(path string) (*settings, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	s, err := controls.Configure(cfg)
	if err != nil {
		if path == "" {
			path = "defaults"
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return &settings{Config: cfg, Settings: s}, nil
}

func printResults(w io.Writer, results []engine.Result) {
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Decision]++
		name := r.CIS
		if name == "" {
			name = "?"
		}
		if r.Control != "" {
			name += " (" + r.Control + ")"
		}
		fmt.Fprintf(w, "%s %s  account %s  region %s\n", strings.ToUpper(r.Decision), name, orDash(r.Account), orDash(r.Region))
		fmt.Fprintf(w, "  finding:  %s\n", orDash(r.ID))
		if r.Resource != "" {
			fmt.Fprintf(w, "  resource: %s\n", r.Resource)
		}
		if r.Reason != "" {
			fmt.Fprintf(w, "  reason:   %s\n", r.Reason)
		}
		for i, a := range r.Actions {
			state := "done"
			switch {
			case a.Error != "":
				state = "failed: " + a.Error
			case !a.Done && r.Decision == engine.Planned:
				state = "planned"
			case !a.Done:
				state = "not run"
			}
			fmt.Fprintf(w, "  %d. %s [%s]\n", i+1, a.Description, state)
		}
		if g := r.Guidance; g != nil {
			fmt.Fprintf(w, "  steps: %s\n", g.Summary)
			for i, s := range g.Steps {
				fmt.Fprintf(w, "    %d. %s\n", i+1, s)
			}
		}
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		if r.Notification != "" {
			fmt.Fprintf(w, "  notification: %s\n", r.Notification)
		}
		if r.Workflow != "" {
			fmt.Fprintf(w, "  security hub: %s\n", r.Workflow)
		}
		fmt.Fprintln(w)
	}
	var parts []string
	for d, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, d))
	}
	sort.Strings(parts)
	fmt.Fprintf(w, "%d finding(s): %s\n", len(results), strings.Join(parts, ", "))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

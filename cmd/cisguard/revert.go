package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/notify"
	"github.com/cisguard/cisguard/internal/plan"
)

type revertFlags struct {
	result   string
	finding  string
	dryRun   bool
	output   string
	noAssume bool
}

// members builds what a revert acts through; tests replace it.
var members = func(ctx context.Context, s *settings, noAssume bool, region string) (engine.Members, error) {
	opts := cloud.Options{RoleName: s.Config.RoleName, ExternalID: s.Config.ExternalID, NoAssume: noAssume}
	f, err := cloud.Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if f.Region() == "" {
		f = cloud.New(f.Base(region), opts)
	}
	return &engine.AWS{Factory: f}, nil
}

func newRevertCmd(g *globals) *cobra.Command {
	f := &revertFlags{}
	c := &cobra.Command{
		Use:   "revert --result FILE|-",
		Short: "Put back what remediations replaced, from a remediate result",
		Long: `Read the result of 'cisguard remediate --output json' (or a cisguard notification
saved as a file, or the SNS envelope a queue subscribed to the topic
received: it carries the same record) and restore, for every applied
action, the state it recorded as replaced: newest first, in the finding's
account and region through the member role.

A record is restored only while the resource still holds what cisguard set:
if someone changed it since, it is left alone and the revert says so. What
cannot come back (a deleted console password or access key) and what is kept
by design (a KMS key cisguard created) is named, per action.

--finding limits the revert to one finding; --dry-run prints the revert plan
and changes nothing. The member role must still allow the control's writes
(its mode auto when the role was deployed): each control declares the writes
its revert makes. Security Hub raises the finding again once the resource
fails its check: set the control to notify, or tag the resource exempt, so
that cisguard does not fix it again.

Exit status: 0 when everything was restored or nothing was to do, 1 when
something could not be restored, 2 on unusable input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRevert(cmd, g, f) },
	}
	c.Flags().StringVarP(&f.result, "result", "r", "", "result file of remediate --output json, or a saved notification; - for standard input (required)")
	c.Flags().StringVar(&f.finding, "finding", "", "revert only this finding (its id)")
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "print the revert plan; change nothing")
	c.Flags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	c.Flags().BoolVar(&f.noAssume, "no-assume-role", false, "use your own credentials instead of assuming the member role")
	return c
}

func runRevert(cmd *cobra.Command, g *globals, f *revertFlags) error {
	if f.result == "" {
		return badInput("--result is required (a file, or - for standard input)")
	}
	if f.output != "text" && f.output != "json" {
		return badInput("--output %q: want text or json", f.output)
	}
	log, err := g.logger()
	if err != nil {
		return err
	}
	data, err := readInput(cmd.InOrStdin(), f.result)
	if err != nil {
		return badInput("%v", err)
	}
	results, err := decodeResults(data)
	if err != nil {
		return badInput("%s: %v", f.result, err)
	}
	if f.finding != "" {
		var one []engine.Result
		for _, r := range results {
			if r.ID == f.finding {
				one = append(one, r)
			}
		}
		if len(one) == 0 {
			return badInput("--finding %s: no such finding in %s. The Security Hub note names what was replaced but has no room for the record (512 characters): "+
				"revert from the notification of that finding (its message ends with the record and names the finding), or from the JSON result of the run that changed it", f.finding, f.result)
		}
		results = one
	}
	w := cmd.OutOrStdout()
	var recorded []engine.Result
	for _, r := range results {
		if slices.ContainsFunc(r.Actions, func(a plan.Result) bool { return a.Done }) {
			recorded = append(recorded, r)
		}
	}
	if len(recorded) == 0 {
		fmt.Fprintf(w, "nothing to revert: no action in %s was applied\n", f.result)
		return nil
	}
	s, err := loadSettings(g.configPath)
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	m, err := members(cmd.Context(), s, f.noAssume, recorded[0].Region)
	if err != nil {
		return err
	}
	out := engine.Revert(cmd.Context(), m, recorded, engine.RevertOptions{DryRun: f.dryRun, Logger: log})
	if f.output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Reverted []engine.Reverted `json:"reverted"`
		}{out}); err != nil {
			return err
		}
	} else {
		printReverted(w, out, f.dryRun)
	}
	failed := 0
	for _, r := range out {
		if r.Failed() {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d recorded change(s) not restored", failed, len(out))}
	}
	return nil
}

// decodeResults reads remediate's JSON result, or the record a saved
// notification carries after notify.RevertMarker: its text, or the SNS
// envelope in which SNS delivers it to a queue or an HTTP endpoint
// ({"Type": "Notification", "Message": "..."}).
func decodeResults(data []byte) ([]engine.Result, error) {
	var envelope struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}
	if json.Unmarshal(data, &envelope) == nil && envelope.Type == "Notification" && envelope.Message != "" {
		data = []byte(envelope.Message)
	}
	if _, rest, ok := bytes.Cut(data, []byte(notify.RevertMarker)); ok {
		data = rest
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var doc struct {
		Findings []engine.Result `json:"findings"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a result of cisguard remediate --output json: %v", err)
	}
	if doc.Findings == nil {
		return nil, fmt.Errorf(`not a result of cisguard remediate --output json: no "findings"`)
	}
	return doc.Findings, nil
}

func printReverted(w io.Writer, out []engine.Reverted, dryRun bool) {
	counts := map[string]int{}
	for _, r := range out {
		counts[r.Outcome]++
		fmt.Fprintf(w, "%s %s  account %s  region %s\n", strings.ToUpper(r.Outcome), r.CIS, r.Account, r.Region)
		fmt.Fprintf(w, "  finding:  %s\n", r.Finding)
		fmt.Fprintf(w, "  undoes:   %s\n", r.Action)
		if r.Record != nil {
			fmt.Fprintf(w, "  record:   %s\n", r.Record)
		}
		for i, s := range r.Steps {
			state := "done"
			switch {
			case s.Error != "":
				state = "failed: " + s.Error
			case dryRun:
				state = "planned"
			case !s.Done:
				state = "not run"
			}
			fmt.Fprintf(w, "  %d. %s [%s]\n", i+1, s.Description, state)
		}
		if r.Reason != "" {
			fmt.Fprintf(w, "  reason:   %s\n", r.Reason)
		}
		fmt.Fprintln(w)
	}
	var parts []string
	for o, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, o))
	}
	sort.Strings(parts)
	fmt.Fprintf(w, "%d recorded change(s): %s\n", len(out), strings.Join(parts, ", "))
}

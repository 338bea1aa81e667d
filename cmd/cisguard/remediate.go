package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/hub"
	"github.com/cisguard/cisguard/internal/policy"
)

type remediateFlags struct {
	event    string
	dryRun   bool
	output   string
	noAssume bool

	fromHub  bool
	regions  []string
	controls []string
	accounts []string
	limit    int
}

// maxEventBytes bounds an event file (or standard input): EventBridge
// events are at most 256 KB, an SQS batch ten of them; a findings array
// exported for the command line may be larger (20 MB for 6,000
// findings) but not without bound.
const maxEventBytes = 64 << 20

func newRemediateCmd(g *globals) *cobra.Command {
	f := &remediateFlags{}
	c := &cobra.Command{
		Use:   "remediate (--from-hub | --event FILE|-)",
		Short: "Handle Security Hub's failed CIS findings, as the Lambda would",
		Long: `Handle CIS AWS Foundations v1.4.0 findings: skip, send manual steps, or
remediate in the finding's account and region through the member role.

--from-hub reads the backlog from Security Hub in the administrator account:
every ACTIVE, FAILED, NEW finding of the standard's controls (narrowed with
--controls and --accounts), from the aggregation region (found with
securityhub:ListFindingAggregators; else your configured region), or from
the regions given with --region. These are Security Hub's own copies and are
handled exactly as its Imported events are. Deploying the EventBridge rule
does not fix findings that already exist; this does. With --dry-run it shows
what cisguard would change in the organization right now, per finding.

--event reads a Security Hub EventBridge event ("Findings - Imported" or
"Findings - Custom Action"), a bare ASFF findings array, or an SQS batch
wrapping either (at most 64 MiB). Only Security Hub's own findings are acted
on, and only as Security Hub holds them: each is read back with
securityhub:GetFindings (your credentials, in the event's region) and its
state there decides. A finding Security Hub does not hold is skipped; with
--dry-run it is still planned from the event, and the result says so.

With --dry-run nothing is changed, sent or updated: the plan built from the
live state of each resource is printed.

With --no-assume-role your own credentials act in every account, so only
findings of your own account (sts:GetCallerIdentity) are acted on.

Before any finding, your credentials are checked (sts:GetCallerIdentity). On
a terminal a progress bar runs on standard error; the text output ends with
a summary per control and the reasons of skipped and failed findings,
grouped. --output json prints every result for machines.

Exit status: 0 when no finding failed, 1 when any failed, 2 on unusable
input or environment (no or expired credentials, no region).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRemediate(cmd, g, f) },
	}
	fl := c.Flags()
	fl.StringVarP(&f.event, "event", "e", "", "event file, or - for standard input")
	fl.BoolVar(&f.fromHub, "from-hub", false, "read the ACTIVE, FAILED, NEW CIS v1.4.0 findings from Security Hub")
	fl.StringSliceVar(&f.regions, "region", nil, "with --from-hub: Security Hub region(s) to read (default: the aggregation region, else your configured region)")
	fl.StringSliceVar(&f.controls, "controls", nil, `with --from-hub: recommendations to read: ids (5.3), prefixes (4, 2.1) or globs (4.*); default all`)
	fl.StringSliceVar(&f.accounts, "accounts", nil, "with --from-hub: only the findings of these account ids")
	fl.IntVar(&f.limit, "limit", 0, "with --from-hub: handle at most this many findings (0: all)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "plan and print; change, notify and update nothing")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fl.BoolVar(&f.noAssume, "no-assume-role", false, "use your own credentials instead of assuming the member role (findings of other accounts are skipped)")
	return c
}

var accountID = regexp.MustCompile(`^\d{12}$`)

// check reports flags that cannot go together.
func (f *remediateFlags) check() error {
	switch {
	case f.event == "" && !f.fromHub:
		return badInput("--from-hub or --event is required (--event takes a file, or - for standard input)")
	case f.event != "" && f.fromHub:
		return badInput("--from-hub and --event exclude each other")
	case !f.fromHub && (len(f.regions) > 0 || len(f.controls) > 0 || len(f.accounts) > 0 || f.limit != 0):
		return badInput("--region, --controls, --accounts and --limit go with --from-hub")
	case f.limit < 0:
		return badInput("--limit %d: want 0 (all) or more", f.limit)
	case f.output != "text" && f.output != "json":
		return badInput("--output %q: want text or json", f.output)
	}
	for _, a := range f.accounts {
		if !accountID.MatchString(a) {
			return badInput("--accounts: %q is not a 12-digit account id", a)
		}
	}
	return checkRegions("--region", f.regions, knownRegions())
}

// knownRegions are the region names of every partition this build knows.
func knownRegions() []string {
	var all []string
	for _, p := range []string{"aws", "aws-cn", "aws-us-gov", "aws-eusc", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"} {
		all = append(all, policy.Regions(p)...)
	}
	return all
}

func runRemediate(cmd *cobra.Command, g *globals, f *remediateFlags) error {
	if err := f.check(); err != nil {
		return err
	}
	log, err := g.logger()
	if err != nil {
		return err
	}
	var (
		findings []finding.Finding
		hubQuery hub.Query
		fallback string
	)
	if f.fromHub {
		if hubQuery, err = f.query(); err != nil {
			return err
		}
		if len(f.regions) > 0 {
			fallback = f.regions[0]
		}
	} else {
		data, err := readInput(cmd.InOrStdin(), f.event)
		if err != nil {
			return badInput("%v", err)
		}
		if findings, err = finding.Decode(data); err != nil {
			return badInput("%s: %v", f.event, err)
		}
		fallback = findings[0].HubRegion // STS and Organizations need a region
	}
	cfg, err := loadSettings(g.configPath)
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	ctx := cmd.Context()
	s, err := connect(ctx, connectOptions{Logger: log, Fallback: fallback,
		Cloud: cloud.Options{RoleName: cfg.Config.RoleName, ExternalID: cfg.Config.ExternalID, NoAssume: f.noAssume, Logger: log}})
	if err != nil {
		return err
	}
	if f.fromHub {
		read := newProgress(cmd.ErrOrStderr(), "reading findings from Security Hub", -1)
		findings, err = readBacklog(ctx, s, f.regions, hubQuery, read, log)
		read.Done()
		if err != nil {
			return err
		}
		if len(findings) == 0 && f.output == "text" {
			fmt.Fprintln(cmd.OutOrStdout(), "Security Hub holds no ACTIVE, FAILED, NEW finding of CIS v1.4.0 for this selection: nothing to do")
			return nil
		}
	}
	bar := newProgress(cmd.ErrOrStderr(), "handling findings", len(findings))
	quiet := slog.New(perFinding{log.Handler()})
	eng := engine.New(cfg.Config, cfg.Settings, s.Cloud, engine.Options{DryRun: f.dryRun, NoAssumeRole: f.noAssume, Logger: quiet, Progress: bar.Set})
	results := eng.Run(ctx, findings)
	bar.Done()

	w := cmd.OutOrStdout()
	if f.output == "json" {
		if err := encodeResults(w, results); err != nil {
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

// query turns the --from-hub flags into the Security Hub query.
func (f *remediateFlags) query() (hub.Query, error) {
	q := hub.Query{Accounts: f.accounts, Limit: f.limit}
	if len(f.controls) == 0 {
		return q, nil // the whole standard
	}
	ids, err := catalog.Select(f.controls)
	if err != nil {
		return q, badInput("--controls: %v", err)
	}
	for _, id := range ids {
		for _, c := range catalog.SecurityHubControls(id) {
			if !slices.Contains(q.Controls, c) {
				q.Controls = append(q.Controls, c)
			}
		}
	}
	if len(q.Controls) == 0 {
		return q, badInput("--controls %s: Security Hub checks none of %s, so it holds no findings of them", strings.Join(f.controls, ","), strings.Join(ids, ", "))
	}
	return q, nil
}

// readBacklog reads the findings of q from Security Hub: in the regions
// given, else in the aggregation region, else in the configured region.
// They are Security Hub's own copies, handled as its Imported events are.
func readBacklog(ctx context.Context, s *session, regions []string, q hub.Query, bar *progress, log *slog.Logger) ([]finding.Finding, error) {
	if len(regions) == 0 {
		home, err := hub.AggregationRegion(ctx, s.Cloud.Hub(s.Region))
		if err != nil {
			return nil, fmt.Errorf("find Security Hub's aggregation region from %s: %s (pass --region to name the regions to read)", s.Region, awsapi.Brief(err))
		}
		regions = []string{s.Region}
		if home != "" {
			regions = []string{home}
		}
		log.Info("reading findings", "regions", regions, "aggregation", home != "")
	}
	var out []finding.Finding
	for _, region := range regions {
		bar.Describe("reading findings from Security Hub in " + region)
		if q.Limit > 0 && len(out) >= q.Limit {
			break
		}
		rq := q
		if q.Limit > 0 {
			rq.Limit = q.Limit - len(out)
		}
		held, err := hub.Backlog(ctx, s.Cloud.Hub(region), region, rq)
		if err != nil {
			return nil, fmt.Errorf("read findings from Security Hub: %s", awsapi.Brief(err))
		}
		for _, h := range held {
			f, err := finding.FromSecurityHub(h, region)
			f.Trigger, f.Err = finding.Imported, err
			out = append(out, f)
		}
		bar.Set(len(out), -1)
	}
	return out, nil
}

func readInput(stdin io.Reader, name string) ([]byte, error) {
	r, what := stdin, "standard input"
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("read event: %w", err)
		}
		defer file.Close()
		r, what = file, name
	}
	b, err := io.ReadAll(io.LimitReader(r, maxEventBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if len(b) > maxEventBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB: split the findings into several files, or read them with --from-hub", what, maxEventBytes>>20)
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

// printResults writes a block per finding that was (or would be)
// changed, or notified, or failed after some of its actions ran; then the
// summary per control and the grouped reasons of the others.
func printResults(w io.Writer, results []engine.Result) {
	for _, r := range results {
		if !detailed(r) {
			continue
		}
		name := orDash(r.CIS)
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
	printSummary(w, results)
}

// detailed says whether a result gets a block of its own: a change made
// or planned, steps sent, or a failure after some actions ran.
func detailed(r engine.Result) bool {
	switch r.Decision {
	case engine.Remediated, engine.Planned, engine.Notified:
		return true
	case engine.Failed:
		for _, a := range r.Actions {
			if a.Done {
				return true
			}
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// encodeResults writes results as `remediate --output json` does: the
// shape `cisguard revert --result` reads.
func encodeResults(w io.Writer, results []engine.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Findings []engine.Result `json:"findings"`
	}{results})
}

// writeResults writes results to a file in that shape.
func writeResults(path string, results []engine.Result) error {
	var b bytes.Buffer
	if err := encodeResults(&b, results); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

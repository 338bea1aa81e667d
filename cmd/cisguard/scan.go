package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/report"
	"github.com/cisguard/cisguard/internal/scan"
)

type scanFlags struct {
	regions, controls         []string
	org                       bool
	role                      string
	accounts, excludeAccounts []string
	parallel                  int
	output, out               string
	importFindings            bool
	remediate, dryRun         bool
	result                    string
}

func newScanCmd(g *globals) *cobra.Command {
	f := &scanFlags{}
	c := &cobra.Command{
		Use:   "scan [--org] [--regions R,…] [--controls ID,…]",
		Short: "Check CIS AWS Foundations v1.4.0 in this account, or in every account of the organization",
		Long: `Check the recommendations cisguard knows how to check, in the account of your
credentials and every region enabled there. With --org, list the
organization's active accounts (from the management account or a delegated
administrator) and scan each through the member role.

Every recommendation yields results per resource (or per account or region):
PASS, FAIL, MANUAL (no API can decide), NOT_APPLICABLE or ERROR (the AWS error;
one failing call never stops the scan). On a terminal a table is printed,
scores per section first, failures first; --output json|csv|asff|html for
machines and files (--out FILE).

Exit status: 0 when nothing failed, 1 when a result is FAIL or ERROR, 2 on
unusable input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runScan(cmd, g, f) },
	}
	fl := c.Flags()
	fl.StringSliceVar(&f.regions, "regions", nil, "scan only these regions (default: every region enabled in each account)")
	fl.StringSliceVar(&f.controls, "controls", nil, `recommendations to check: ids, prefixes ("2.1") or patterns ("4.*"); default all`)
	fl.BoolVar(&f.org, "org", false, "scan every active account of the organization through the member role")
	fl.StringVar(&f.role, "role", "", "member role to assume with --org (default: roleName of the configuration, CIS_Remediator_Role)")
	fl.StringSliceVar(&f.accounts, "accounts", nil, "with --org: scan only these accounts")
	fl.StringSliceVar(&f.excludeAccounts, "exclude-accounts", nil, "with --org: skip these accounts")
	fl.IntVar(&f.parallel, "parallel", 32, "checks run at once, across all accounts and regions")
	fl.StringVarP(&f.output, "output", "o", "", "table, json, csv, asff or html (default: table on a terminal, json otherwise)")
	fl.StringVar(&f.out, "out", "", "write the output to this file instead of standard output")
	fl.BoolVar(&f.remediate, "remediate", false, "then remediate the FAIL results of controls in mode auto, as remediate does (plan, apply, verify, notify), without Security Hub")
	fl.BoolVar(&f.dryRun, "dry-run", false, "with --remediate: print the plans, change and send nothing")
	fl.StringVar(&f.result, "result", "", "with --remediate: write the remediation results as JSON to this file, what `cisguard revert --result` reads")
	fl.BoolVar(&f.importFindings, "import-findings", false, "send the results to each account's Security Hub (BatchImportFindings under the account's default product); ERROR results are not sent")
	return c
}

func runScan(cmd *cobra.Command, g *globals, f *scanFlags) error {
	ctx := cmd.Context()
	if !f.org && (f.role != "" || len(f.accounts) > 0 || len(f.excludeAccounts) > 0) {
		return badInput("--role, --accounts and --exclude-accounts go with --org")
	}
	if f.dryRun && !f.remediate {
		return badInput("--dry-run goes with --remediate (a scan alone changes nothing)")
	}
	if f.result != "" && !f.remediate {
		return badInput("--result goes with --remediate (it records the changes, for cisguard revert)")
	}
	if f.parallel < 1 {
		return badInput("--parallel %d: want 1 or more", f.parallel)
	}
	stdout := cmd.OutOrStdout()
	if f.output == "" {
		f.output = "json"
		if f.out == "" && isTerminal(stdout) {
			f.output = "table"
		}
	}
	if !contains(report.Formats, f.output) {
		return badInput("--output %q: want %s", f.output, strings.Join(report.Formats, ", "))
	}
	if _, err := scan.Select(f.controls); err != nil {
		return badInput("%v", err)
	}
	if _, err := g.logger(); err != nil {
		return err
	}
	cfg, err := loadSettings(g.configPath)
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	role := cfg.Config.RoleName
	if f.role != "" {
		role = f.role
	}
	factory, err := cloud.Load(ctx, cloud.Options{RoleName: role, ExternalID: cfg.Config.ExternalID, NoAssume: !f.org})
	if err != nil {
		return err
	}
	// Account-wide checks (IAM, S3) run in the home region: the first of
	// --regions, else the configured region, else us-east-1.
	home := factory.Region()
	if len(f.regions) > 0 {
		home = f.regions[0]
	}
	if home == "" {
		home = "us-east-1"
	}
	if home != factory.Region() {
		factory = cloud.New(factory.Base(home), cloud.Options{RoleName: role, ExternalID: cfg.Config.ExternalID, NoAssume: !f.org})
	}
	me, err := scan.Caller(ctx, sts.NewFromConfig(factory.Base(home)))
	if err != nil {
		return err
	}
	accounts := []scan.Account{me}
	if f.org {
		if accounts, err = scan.OrgAccounts(ctx, organizations.NewFromConfig(factory.Base(home)), me.Partition); err != nil {
			return err
		}
		if accounts, err = scan.Filter(accounts, f.accounts, f.excludeAccounts); err != nil {
			return badInput("%v", err)
		}
	}
	eng := &engine.AWS{Factory: factory}
	opts := scan.Options{Home: home, Regions: f.regions, Controls: f.controls, Parallel: f.parallel, Settings: cfg.Settings, ExemptTag: cfg.Config.ExemptTag}
	if q := cfg.Config.Notifications.AlarmQueueARN; q != "" {
		opts.Alarms = &controls.AlarmQueue{ARN: q, SNS: eng.SNS}
	}
	bar := newProgress(cmd.ErrOrStderr(), "scanning", -1) // nil off a terminal
	opts.Progress = bar.Set
	rep, err := scan.Run(ctx, eng, accounts, opts)
	bar.Done()
	if err != nil {
		return badInput("%v", err)
	}
	w := stdout
	if f.out != "" {
		file, err := os.Create(f.out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	if err := report.Write(w, rep, f.output); err != nil {
		return err
	}
	if f.importFindings {
		sel, _ := scan.Select(f.controls)
		var ids []string
		for _, c := range sel {
			ids = append(ids, c.ID)
		}
		stderr := cmd.ErrOrStderr()
		res := scan.Import(ctx, scan.FactoryHubs(factory), rep, ids, f.parallel)
		fmt.Fprintln(stderr, "Security Hub:", res)
		if len(res.Failures) > 0 && f.org && !cfg.Config.SecurityHub.ImportFindings {
			fmt.Fprintln(stderr, "note: the member role may import only when it was deployed with securityHub.importFindings: true")
		}
		if len(res.Failures) > 0 {
			return &exitError{code: exitFailed, err: fmt.Errorf("importing findings failed in %d account/region(s)", len(res.Failures))}
		}
	}
	if f.remediate {
		log, _ := g.logger()
		fixer := engine.New(cfg.Config, cfg.Settings, eng, engine.Options{DryRun: f.dryRun, NoAssumeRole: !f.org, Logger: log})
		items := scan.Remediable(rep, cfg.Settings)
		errw := cmd.ErrOrStderr()
		fmt.Fprintf(errw, "\nRemediating %d FAIL result(s) of controls in mode auto%s:\n\n", len(items), map[bool]string{true: " (dry run: nothing is changed)"}[f.dryRun])
		results := fixer.RunScan(ctx, items)
		printResults(errw, results)
		if f.result != "" {
			if err := writeResults(f.result, results); err != nil {
				return err
			}
			fmt.Fprintf(errw, "results written to %s (undo with: cisguard revert --result %s)\n", f.result, f.result)
		}
		if n := engine.Failures(results); n > 0 {
			return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d remediation(s) failed", n, len(results))}
		}
		return nil
	}
	if n := rep.Summary.Fail + rep.Summary.Error; n > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d result(s) FAIL, %d ERROR", rep.Summary.Fail, rep.Summary.Error)}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

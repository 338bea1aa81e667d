package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/deploy"
	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/lambdazip"
	"github.com/cisguard/cisguard/internal/plan"
)

func newDeployCmd(g *globals) *cobra.Command {
	var (
		o          deploy.Options
		regions    string
		accessRole string
		dryRun     bool
		del        bool
	)
	c := &cobra.Command{
		Use:   "deploy --admin-account ID --regions r1,r2",
		Short: "Deploy cisguard to an AWS Organization (run with management-account credentials)",
		Long: `Deploy cisguard to an AWS Organization in one command, from the management
account. From live state it plans, then applies, these steps (each only where
needed; a second run plans nothing):

  - CloudFormation StackSets trusted access with Organizations;
  - the Security Hub delegated administrator (--admin-account, never the
    management account) in every region;
  - in the admin account: the finding aggregator in the home region (the
    first of --regions) linking the others, central configuration, and
    configuration policies that add CIS v1.4.0 to the standards each account
    already has (none is ever disabled);
  - the Lambda zip (built from this source tree, or --lambda-zip) in a bucket
    of its own, the admin stack (Lambda, SQS queue and DLQ with an alarm,
    EventBridge rules, SNS topic) and the Security Hub custom action;
  - with --scan-schedule, the organization scan on that schedule (off by
    default; a run without it removes it): one Lambda invocation per
    account, results imported into each account's Security Hub;
  - the member role StackSet (every member account, automatic deployment);
  - AWS Config where no recorder exists;
  - optionally, member topics and CloudTrail KMS keys.

Before building anything it checks your credentials (sts:GetCallerIdentity),
every region name (ec2:DescribeRegions: "eu-wst-1" is refused with the valid
names), the organization (you must be its management account, the admin
account one of its active members) and Security Hub's delegated
administrator. Before planning it reads every account through --access-role (the role
Organizations creates in new accounts): enabled standards, AWS Config, and
what the original solution left (its member role, rules, topics, key
alias). It waits for every asynchronous change with progress output and,
when one fails, prints AWS's reasons; a run after a failure repairs what is
missing or broken. The plan comes with a report: standards before and after
per group of accounts, StackSet instances, expected duration, and what a
--delete would keep. --dry-run prints it only, every step with the AWS API
calls it makes; --delete removes what deploy created. On a terminal a
progress bar shows while it reads, builds and plans; while it applies, each
step says when it starts and ends.

Exit status: 0 when done, 1 when a step failed (run again: it repairs), 2 on
unusable flags or environment (credentials, regions, organization).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDeploy(cmd, g, &o, regions, accessRole, dryRun, del)
		},
	}
	f := c.Flags()
	f.StringVar(&o.AdminAccount, "admin-account", "", "Security Hub delegated administrator account, where the Lambda runs (required)")
	f.StringVar(&regions, "regions", "", "comma-separated regions; the first is the home (aggregation) region (required)")
	f.StringVar(&o.NotifyEmail, "notify-email", "", "email address subscribed to the notification topic")
	f.StringVar(&o.LambdaZip, "lambda-zip", "", "deploy this Lambda zip instead of building one")
	f.StringVar(&accessRole, "access-role", deploy.DefaultAccessRole, "role assumed in the admin account and, to check AWS Config, in member accounts")
	f.BoolVar(&o.MemberTopics, "member-topics", false, "also deploy a notification topic in every member account and region")
	f.BoolVar(&o.CloudTrailKeys, "cloudtrail-keys", false, "also deploy a CloudTrail KMS key in every member account, in one region")
	f.StringVar(&o.CloudTrailKeyRegion, "cloudtrail-key-region", "", "the region of the CloudTrail keys: your trails' bucket region (default: the home region)")
	f.BoolVar(&o.SkipConfig, "skip-config", false, "do not check or enable AWS Config")
	f.BoolVar(&o.ReplaceOriginal, "replace-original", false, "delete the original solution's member role and disable its Security Hub rules, so cisguard's take their place")
	f.BoolVar(&o.AcceptUnknownStandards, "accept-unknown-standards", false, "let accounts whose enabled standards cannot be read take the root policy's standards")
	f.StringVar(&o.ScanSchedule, "scan-schedule", "", `scan the organization on this EventBridge schedule ("rate(1 day)", "cron(0 3 * * ? *)"); default none`)
	f.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	f.BoolVar(&del, "delete", false, "remove what deploy created")
	return c
}

// runDeploy checks everything it can before building anything: the flags,
// the configuration, the credentials (sts:GetCallerIdentity), every region
// name (ec2:DescribeRegions), the organization and the delegated
// administrator. Then it builds the Lambda zip, plans, prints the plan (the
// report, every step with the API calls it makes) and, unless --dry-run,
// applies it step by step.
func runDeploy(cmd *cobra.Command, g *globals, o *deploy.Options, regions, accessRole string, dryRun, del bool) error {
	log, err := g.logger()
	if err != nil {
		return err
	}
	for _, r := range strings.Split(regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			o.Regions = append(o.Regions, r)
		}
	}
	if err := o.Validate(); err != nil {
		return badInput("%v", err)
	}
	if o.Data, err = templateData(g.configPath); err != nil {
		return err
	}
	if o.Templates, err = templates.Render(o.Data); err != nil {
		return err
	}
	build := !del && o.LambdaZip == ""
	if build {
		if _, err := os.Stat("cmd/lambda"); err != nil {
			return badInput("no --lambda-zip and no ./cmd/lambda here: run from the cisguard source tree or pass --lambda-zip (cisguard build-lambda makes one)")
		}
	}
	ctx := cmd.Context()
	w, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()

	cfg, err := cloud.LoadConfig(ctx, log, "")
	if err != nil {
		return err
	}
	if cfg.Region == "" {
		cfg.Region = o.Regions[0]
	}
	id, err := cloud.WhoAmI(ctx, cfg)
	if err != nil {
		return err
	}
	names := slices.Clone(o.Regions)
	if o.CloudTrailKeyRegion != "" {
		names = append(names, o.CloudTrailKeyRegion)
	}
	note, err := deploy.CheckRegions(ctx, ec2.NewFromConfig(cfg), id.Partition, names)
	if err != nil {
		return badInput("%v", err)
	}
	if note != "" {
		log.Warn(note)
	}
	o.Progress = w
	o.Poll = 10 * time.Second
	p := &deploy.Planner{Env: &deploy.AWS{Config: cfg, AccessRole: accessRole}, Opts: *o}
	bar := newProgress(stderr, "reading the organization", -1)
	err = p.Check(ctx)
	bar.Done()
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}

	if build {
		dir, err := os.MkdirTemp("", "cisguard-deploy")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		p.Opts.LambdaZip = filepath.Join(dir, "cisguard-lambda.zip")
		wd, _ := os.Getwd()
		bar := newProgress(stderr, "building the Lambda zip (go build, linux/arm64)", -1)
		if bar == nil {
			fmt.Fprintln(stderr, "building the Lambda zip …")
		}
		err = lambdazip.Build(ctx, lambdazip.Options{ModuleDir: wd, Out: p.Opts.LambdaZip, Config: g.configPath})
		bar.Done()
		if err != nil {
			return err
		}
	}

	what := "deploy"
	var pl *plan.Plan
	bar = newProgress(stderr, "planning from the live state of every account", -1)
	if del {
		what = "delete"
		pl, err = p.PlanDelete(ctx)
	} else {
		pl, err = p.Plan(ctx)
	}
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "cisguard %s: admin account %s, regions %s, as %s\n", what, o.AdminAccount, strings.Join(o.Regions, ", "), id.ARN)
	if !del {
		p.Report.Write(w)
	}
	fmt.Fprintln(w, "steps (each with the AWS API calls it makes):")
	renderSteps(w, pl)
	if dryRun || pl.Empty() {
		return nil
	}
	log.Info("applying", "steps", len(pl.Actions))
	fmt.Fprintln(w, "applying:")
	out := plan.Apply(ctx, announced(w, pl))
	for i, r := range out.Results {
		mark := "done"
		switch {
		case r.Error != "":
			mark = "FAILED: " + r.Error
		case !r.Done:
			mark = "not run"
		}
		fmt.Fprintf(w, "  %d. %s: %s\n", i+1, r.Description, mark)
	}
	if out.Err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("%s failed; fix the cause and run again (completed steps are not repeated)", what)}
	}
	fmt.Fprintf(w, "%s complete\n", what)
	return nil
}

// renderSteps writes the plan: every step, the API calls under it, then
// the plan's notes.
func renderSteps(w io.Writer, pl *plan.Plan) {
	if pl.Empty() {
		fmt.Fprintln(w, "  nothing to change")
	}
	for i, a := range pl.Actions {
		fmt.Fprintf(w, "  %d. %s\n", i+1, a.Description)
		for _, c := range deploy.Calls(a.Description) {
			fmt.Fprintf(w, "       %s\n", c)
		}
	}
	for _, n := range pl.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// announced returns the plan with every step saying when it starts and
// how long it took, so that a run of many minutes shows where it is.
func announced(w io.Writer, pl *plan.Plan) *plan.Plan {
	out := *pl
	out.Actions = make([]plan.Action, len(pl.Actions))
	for i, a := range pl.Actions {
		do := a.Do
		a.Do = func(ctx context.Context) error {
			fmt.Fprintf(w, "[%d/%d] %s …\n", i+1, len(pl.Actions), a.Description)
			start := time.Now()
			err := do(ctx)
			if err == nil {
				fmt.Fprintf(w, "[%d/%d] done in %s\n", i+1, len(pl.Actions), time.Since(start).Round(time.Second))
			}
			return err
		}
		out.Actions[i] = a
	}
	return &out
}

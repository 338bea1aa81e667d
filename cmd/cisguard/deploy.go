package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

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
  - the member role StackSet (every member account, automatic deployment);
  - AWS Config where no recorder exists;
  - optionally, member topics and CloudTrail KMS keys.

Before planning it reads every account through --access-role (the role
Organizations creates in new accounts): enabled standards, AWS Config, and
what the original solution left (its member role, rules, topics, key
alias). It waits for every asynchronous change with progress output and,
when one fails, prints AWS's reasons; a run after a failure repairs what is
missing or broken. The plan comes with a report: standards before and after
per group of accounts, StackSet instances, expected duration, and what a
--delete would keep. --dry-run prints it only; --delete removes what deploy
created.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			ctx := cmd.Context()
			if !del && o.LambdaZip == "" {
				if _, err := os.Stat("cmd/lambda"); err != nil {
					return badInput("no --lambda-zip and no ./cmd/lambda here: run from the cisguard source tree or pass --lambda-zip (cisguard build-lambda makes one)")
				}
				dir, err := os.MkdirTemp("", "cisguard-deploy")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				o.LambdaZip = filepath.Join(dir, "cisguard-lambda.zip")
				wd, _ := os.Getwd()
				fmt.Fprintln(cmd.ErrOrStderr(), "building the Lambda zip …")
				if err := lambdazip.Build(ctx, lambdazip.Options{ModuleDir: wd, Out: o.LambdaZip, Config: g.configPath}); err != nil {
					return err
				}
			}
			cfg, err := awsconfig.LoadDefaultConfig(ctx)
			if err != nil {
				return fmt.Errorf("AWS credentials: %w", err)
			}
			if cfg.Region == "" {
				cfg.Region = o.Regions[0]
			}
			o.Progress = cmd.OutOrStdout()
			o.Poll = 10 * time.Second
			p := &deploy.Planner{Env: &deploy.AWS{Config: cfg, AccessRole: accessRole}, Opts: o}
			what := "deploy"
			var pl *plan.Plan
			if del {
				what = "delete"
				pl, err = p.PlanDelete(ctx)
			} else {
				pl, err = p.Plan(ctx)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "cisguard %s: admin account %s, regions %s\n", what, o.AdminAccount, strings.Join(o.Regions, ", "))
			if !del {
				p.Report.Write(w)
			}
			fmt.Fprintln(w, "steps:")
			plan.Render(w, pl)
			if dryRun || pl.Empty() {
				return nil
			}
			log.Info("applying", "steps", len(pl.Actions))
			fmt.Fprintln(w, "applying:")
			out := plan.Apply(ctx, pl)
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
	f.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	f.BoolVar(&del, "delete", false, "remove what deploy created")
	return c
}

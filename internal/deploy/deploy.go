package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/plan"
)

// Names of what the deployment creates; --delete removes exactly these.
const (
	AdminStack        = "cisguard-admin"
	MemberRoleSet     = "cisguard-member-role"
	MemberTopicSet    = "cisguard-member-topic"
	CloudTrailKeySet  = "cisguard-cloudtrail-key"
	EnableConfigSet   = "cisguard-enable-config"
	EnableConfigStack = "cisguard-enable-config" // management account, per region
	// ConfigPolicyName is the configuration policy applied to the
	// organization root; accounts whose standards differ from it get a
	// policy of their own, named ConfigPolicyName-<hash of the standards>.
	ConfigPolicyName  = "cisguard-cis-v1.4.0"
	DefaultAccessRole = "OrganizationAccountAccessRole"
	lambdaKeyPrefix   = "cisguard-lambda-"
)

// Options say what to deploy.
type Options struct {
	// AdminAccount is the Security Hub delegated administrator account,
	// where the Lambda runs.
	AdminAccount string
	// Regions are the regions Security Hub covers; the first is the home
	// (aggregation) region where the admin stack and the StackSets live.
	Regions []string
	// NotifyEmail is subscribed to the central topic when set.
	NotifyEmail string
	// LambdaZip is the built Lambda package (lambdazip.Build).
	LambdaZip string
	// Templates are the rendered templates and the data they came from.
	Templates map[string][]byte
	Data      templates.Data
	// MemberTopics and CloudTrailKeys add the optional member StackSets;
	// SkipConfig leaves AWS Config alone.
	MemberTopics, CloudTrailKeys, SkipConfig bool
	// CloudTrailKeyRegion is the one region of the CloudTrail keys (a
	// trail's key is in its bucket's region); the home region when empty.
	CloudTrailKeyRegion string
	// ReplaceOriginal allows deleting what the original solution left
	// (its member role, its rules' targets) so cisguard's can take their
	// place; without it, deploy stops and says what to do.
	ReplaceOriginal bool
	// AcceptUnknownStandards lets accounts whose enabled standards cannot
	// be read take the root policy's standards; without it, deploy stops.
	AcceptUnknownStandards bool
	// ScanSchedule is the schedule expression of the organization scan
	// ("rate(1 day)", "cron(0 3 * * ? *)"); empty: none. Each deployment
	// states it: a run without it removes the schedule.
	ScanSchedule string
	// Progress receives one line per state change while waiting.
	Progress io.Writer
	// Poll is how often asynchronous operations are polled.
	Poll time.Duration
}

func (o *Options) home() string { return o.Regions[0] }

func (o *Options) keyRegion() string {
	if o.CloudTrailKeyRegion != "" {
		return o.CloudTrailKeyRegion
	}
	return o.home()
}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	rateRE    = regexp.MustCompile(`^rate\((\d+) (minute|hour|day)s?\)$`)
	cronRE    = regexp.MustCompile(`^cron\(\S+( \S+){5}\)$`)
)

// importAction is what the member role needs for the scheduled scan's
// import (granted with securityHub.importFindings).
const importAction = "securityhub:BatchImportFindings"

// validSchedule checks a schedule expression as EventBridge does: a rate
// of a positive whole number of minutes, hours or days (singular for 1,
// plural otherwise), or a cron expression of six fields.
func validSchedule(s string) bool {
	if cronRE.MatchString(s) {
		return true
	}
	m := rateRE.FindStringSubmatch(s)
	if m == nil || m[1] == "0" || strings.HasPrefix(m[1], "0") {
		return false
	}
	return (m[1] == "1") == !strings.HasSuffix(s, "s)")
}

// Validate reports unusable options.
func (o *Options) Validate() error {
	var errs []error
	if !accountRE.MatchString(o.AdminAccount) {
		errs = append(errs, fmt.Errorf("--admin-account %q is not a 12-digit account id", o.AdminAccount))
	}
	if len(o.Regions) == 0 {
		errs = append(errs, errors.New("--regions: at least one region is needed (the first is the home region)"))
	}
	seen := map[string]bool{}
	for _, r := range o.Regions {
		if !regionRE.MatchString(r) {
			errs = append(errs, fmt.Errorf("--regions: %q is not a region name", r))
		}
		if seen[r] {
			errs = append(errs, fmt.Errorf("--regions: %s is listed twice", r))
		}
		seen[r] = true
	}
	if r := o.CloudTrailKeyRegion; r != "" && !regionRE.MatchString(r) {
		errs = append(errs, fmt.Errorf("--cloudtrail-key-region: %q is not a region name", r))
	}
	if s := o.ScanSchedule; s != "" && !validSchedule(s) {
		errs = append(errs, fmt.Errorf(`--scan-schedule %q: want an EventBridge schedule expression, "rate(1 day)", "rate(12 hours)" or "cron(0 3 * * ? *)"`, s))
	}
	return errors.Join(errs...)
}

// org is what the plan learns about the organization.
type org struct {
	id, management, root string
	partition            string
	accounts             []string // active accounts, sorted
}

// members are the accounts StackSets deploy to: all but the management
// account, which service-managed StackSets never reach.
func (o *org) members() []string {
	var out []string
	for _, a := range o.accounts {
		if a != o.management {
			out = append(out, a)
		}
	}
	return out
}

// Planner computes deployment plans from live state.
type Planner struct {
	Env  Env
	Opts Options
	// Report is filled by Plan: what the plan leads to, for people.
	Report Report

	org org
	// newAdmin is set when the admin account is not yet Security Hub's
	// delegated administrator in the home region: it cannot read the
	// organization's configuration yet, and there is none to read.
	newAdmin bool
	// central is set when the organization already uses central
	// configuration (ENABLED).
	central bool
	// accounts is what the survey found in each account.
	accounts map[string]*accountState
	// replacements are the steps that replace what the original solution
	// left (--replace-original), run just before the member role.
	replacements plan.Plan
}

// Plan returns the steps that bring the organization to the deployed
// state. Steps run in order: each may depend on the ones before.
func (p *Planner) Plan(ctx context.Context) (*plan.Plan, error) {
	o := &p.Opts
	if o.ScanSchedule != "" && !slices.Contains(o.Data.MemberPolicy.Actions(), importAction) {
		return nil, fmt.Errorf("--scan-schedule imports each account's results into its Security Hub, which the member role may do only when the configuration says so: set securityHub.importFindings: true in the file given with --config")
	}
	if err := p.discover(ctx); err != nil {
		return nil, err
	}
	p.replacements = plan.Plan{}
	p.Report = Report{Accounts: len(p.org.accounts), Regions: o.Regions, Partition: p.org.partition, ScanSchedule: o.ScanSchedule}
	var pl plan.Plan
	mgmt := p.Env.Management(o.home())
	if err := p.stackSetsAccess(ctx, &pl, mgmt.CloudFormation); err != nil {
		return nil, err
	}
	if err := p.delegatedAdmin(ctx, &pl); err != nil {
		return nil, err
	}
	admin, err := p.Env.Member(ctx, o.AdminAccount, o.home())
	if err != nil {
		return nil, fmt.Errorf("admin account %s: %w", o.AdminAccount, err)
	}
	if err := p.survey(ctx); err != nil {
		return nil, err
	}
	for _, step := range []func(context.Context, *plan.Plan) error{
		func(ctx context.Context, pl *plan.Plan) error { return p.original(ctx, admin) },
		func(ctx context.Context, pl *plan.Plan) error { return p.aggregator(ctx, pl, admin.SecurityHub) },
		func(ctx context.Context, pl *plan.Plan) error { return p.centralConfig(ctx, pl, admin.SecurityHub) },
		func(ctx context.Context, pl *plan.Plan) error { return p.standards(ctx, pl, admin.SecurityHub) },
		func(ctx context.Context, pl *plan.Plan) error { return p.adminStack(ctx, pl, admin) },
		func(ctx context.Context, pl *plan.Plan) error { return p.memberStackSets(ctx, pl, mgmt.CloudFormation) },
		func(ctx context.Context, pl *plan.Plan) error { return p.awsConfig(ctx, pl, mgmt.CloudFormation) },
	} {
		if err := step(ctx, &pl); err != nil {
			return nil, err
		}
	}
	p.Report.DeleteKeeps = p.deleteKeeps()
	return &pl, nil
}

// discover reads the organization and checks that the caller is its
// management account: only it can designate the delegated administrator
// and deploy service-managed StackSets. The partition is the caller's.
func (p *Planner) discover(ctx context.Context) error {
	id, err := p.Env.Caller(ctx)
	if err != nil {
		return fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	p.org.partition = partitionOf(id.ARN)
	orgs := p.Env.Organizations()
	d, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return fmt.Errorf("organizations:DescribeOrganization (is this account in an AWS Organization?): %w", err)
	}
	p.org.id = aws.ToString(d.Organization.Id)
	p.org.management = aws.ToString(d.Organization.MasterAccountId)
	if id.Account != p.org.management {
		return fmt.Errorf("run cisguard deploy with credentials of the management account %s (these are of %s): only it can designate the Security Hub delegated administrator and deploy service-managed StackSets", p.org.management, id.Account)
	}
	if p.Opts.AdminAccount == p.org.management {
		return fmt.Errorf("--admin-account %s is the organization's management account: Security Hub central configuration needs a delegated administrator that is not the management account; choose a member account (a security tooling account)", p.Opts.AdminAccount)
	}
	roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return fmt.Errorf("organizations:ListRoots: %w", err)
	}
	if len(roots.Roots) != 1 {
		return fmt.Errorf("organizations:ListRoots returned %d roots, want 1", len(roots.Roots))
	}
	p.org.root = aws.ToString(roots.Roots[0].Id)
	p.org.accounts = nil
	var token *string
	for {
		out, err := orgs.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: token})
		if err != nil {
			return fmt.Errorf("organizations:ListAccounts: %w", err)
		}
		for _, a := range out.Accounts {
			if a.Status == orgtypes.AccountStatusActive {
				p.org.accounts = append(p.org.accounts, aws.ToString(a.Id))
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	slices.Sort(p.org.accounts)
	if !slices.Contains(p.org.accounts, p.Opts.AdminAccount) {
		return fmt.Errorf("--admin-account %s is not an active account of organization %s", p.Opts.AdminAccount, p.org.id)
	}
	return nil
}

// stackSetsAccess turns on trusted access between CloudFormation StackSets
// and Organizations, which service-managed StackSets need.
func (p *Planner) stackSetsAccess(ctx context.Context, pl *plan.Plan, cfn CloudFormation) error {
	out, err := cfn.DescribeOrganizationsAccess(ctx, &cloudformation.DescribeOrganizationsAccessInput{})
	if err != nil {
		return fmt.Errorf("cloudformation:DescribeOrganizationsAccess in the management account: %w", err)
	}
	if out.Status == cfntypes.OrganizationStatusEnabled {
		return nil
	}
	pl.Add("activate trusted access between CloudFormation StackSets and AWS Organizations", func(ctx context.Context) error {
		_, err := cfn.ActivateOrganizationsAccess(ctx, &cloudformation.ActivateOrganizationsAccessInput{})
		return err
	})
	return nil
}

// delegatedAdmin designates the admin account in every region where it is
// not yet Security Hub's delegated administrator.
func (p *Planner) delegatedAdmin(ctx context.Context, pl *plan.Plan) error {
	for _, region := range p.Opts.Regions {
		hub := p.Env.Management(region).SecurityHub
		var token *string
		found := false
		for {
			out, err := hub.ListOrganizationAdminAccounts(ctx, &securityhub.ListOrganizationAdminAccountsInput{NextToken: token})
			if err != nil {
				return fmt.Errorf("securityhub:ListOrganizationAdminAccounts in the management account, %s: %w", region, err)
			}
			for _, a := range out.AdminAccounts {
				switch {
				case aws.ToString(a.AccountId) == p.Opts.AdminAccount && a.Status == shtypes.AdminStatusEnabled:
					found = true
				case aws.ToString(a.AccountId) != p.Opts.AdminAccount:
					return fmt.Errorf("Security Hub's delegated administrator in %s is %s, not %s: cisguard runs in the delegated administrator account (pass --admin-account %s, or change it in the Security Hub console)", region, aws.ToString(a.AccountId), p.Opts.AdminAccount, aws.ToString(a.AccountId))
				}
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		if found {
			continue
		}
		if region == p.Opts.home() {
			p.newAdmin = true
		}
		pl.Addf(func(ctx context.Context) error {
			_, err := hub.EnableOrganizationAdminAccount(ctx, &securityhub.EnableOrganizationAdminAccountInput{AdminAccountId: aws.String(p.Opts.AdminAccount)})
			return err
		}, "designate %s as the Security Hub delegated administrator in %s", p.Opts.AdminAccount, region)
	}
	return nil
}

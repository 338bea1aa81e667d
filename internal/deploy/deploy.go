package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/plan"
)

// Names of what the deployment creates; --delete removes exactly these.
const (
	AdminStack         = "cisguard-admin"
	MemberRoleSet      = "cisguard-member-role"
	MemberTopicSet     = "cisguard-member-topic"
	CloudTrailKeySet   = "cisguard-cloudtrail-key"
	EnableConfigSet    = "cisguard-enable-config"
	EnableConfigStack  = "cisguard-enable-config" // management account, per region
	ConfigPolicyName   = "cisguard-cis-v1.4.0"
	DefaultAccessRole  = "OrganizationAccountAccessRole"
	lambdaKeyPrefix    = "cisguard-lambda-"
	cisStandardPattern = "arn:%s:securityhub:%s::standards/cis-aws-foundations-benchmark/v/1.4.0"
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
	// Partition is "aws" unless the organization lives elsewhere.
	Partition string
	// Progress receives one line per state change while waiting.
	Progress io.Writer
	// Poll is how often stacks and StackSet operations are polled.
	Poll time.Duration
}

func (o *Options) home() string { return o.Regions[0] }

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
)

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
	return errors.Join(errs...)
}

// org is what the plan learns about the organization.
type org struct {
	id, management, root string
	accounts             []string // active accounts
}

// Planner computes deployment plans from live state.
type Planner struct {
	Env  Env
	Opts Options
	org  org
	// newAdmin is set when the admin account is not yet Security Hub's
	// delegated administrator in the home region: it cannot read the
	// organization's configuration yet, and there is none to read.
	newAdmin bool
}

// Plan returns the steps that bring the organization to the deployed
// state. Steps run in order: each may depend on the ones before.
func (p *Planner) Plan(ctx context.Context) (*plan.Plan, error) {
	o := &p.Opts
	if o.Partition == "" {
		o.Partition = "aws"
	}
	if err := p.discover(ctx); err != nil {
		return nil, err
	}
	var pl plan.Plan
	mgmt := p.Env.Management(o.home())
	steps := []func(context.Context, *plan.Plan) error{
		func(ctx context.Context, pl *plan.Plan) error { return p.stackSetsAccess(ctx, pl, mgmt.CloudFormation) },
		p.delegatedAdmin,
	}
	for _, step := range steps {
		if err := step(ctx, &pl); err != nil {
			return nil, err
		}
	}
	admin, err := p.Env.Admin(ctx, o.AdminAccount, o.home())
	if err != nil {
		return nil, fmt.Errorf("admin account %s: %w", o.AdminAccount, err)
	}
	central := &centralState{}
	for _, step := range []func(context.Context, *plan.Plan) error{
		func(ctx context.Context, pl *plan.Plan) error { return p.aggregator(ctx, pl, admin.SecurityHub) },
		func(ctx context.Context, pl *plan.Plan) error {
			return p.centralConfig(ctx, pl, admin.SecurityHub, central)
		},
		func(ctx context.Context, pl *plan.Plan) error {
			return p.configPolicy(ctx, pl, admin.SecurityHub, central)
		},
		func(ctx context.Context, pl *plan.Plan) error { return p.adminStack(ctx, pl, admin) },
		func(ctx context.Context, pl *plan.Plan) error { return p.memberStackSets(ctx, pl, mgmt.CloudFormation) },
		func(ctx context.Context, pl *plan.Plan) error { return p.awsConfig(ctx, pl, mgmt.CloudFormation) },
	} {
		if err := step(ctx, &pl); err != nil {
			return nil, err
		}
	}
	return &pl, nil
}

// discover reads the organization and checks that the caller is its
// management account: only it can designate the delegated administrator
// and deploy service-managed StackSets.
func (p *Planner) discover(ctx context.Context) error {
	caller, err := p.Env.Caller(ctx)
	if err != nil {
		return fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	orgs := p.Env.Organizations()
	d, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return fmt.Errorf("organizations:DescribeOrganization (is this account in an AWS Organization?): %w", err)
	}
	p.org.id = aws.ToString(d.Organization.Id)
	p.org.management = aws.ToString(d.Organization.MasterAccountId)
	if caller != p.org.management {
		return fmt.Errorf("run cisguard deploy with credentials of the management account %s (these are of %s): only it can designate the Security Hub delegated administrator and deploy service-managed StackSets", p.org.management, caller)
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
		return fmt.Errorf("cloudformation:DescribeOrganizationsAccess: %w", err)
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
				return fmt.Errorf("securityhub:ListOrganizationAdminAccounts in %s: %w", region, err)
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

// aggregator makes the home region aggregate the findings of the other
// regions: central configuration requires it, and the admin stack's rules
// then see every region's findings.
func (p *Planner) aggregator(ctx context.Context, pl *plan.Plan, hub SecurityHub) error {
	home, linked := p.Opts.home(), p.Opts.Regions[1:]
	list := &securityhub.ListFindingAggregatorsOutput{}
	if !p.newAdmin {
		var err error
		if list, err = hub.ListFindingAggregators(ctx, &securityhub.ListFindingAggregatorsInput{}); err != nil {
			return fmt.Errorf("securityhub:ListFindingAggregators in %s: %w", home, err)
		}
	}
	if len(list.FindingAggregators) == 0 {
		mode := "SPECIFIED_REGIONS"
		if len(linked) == 0 {
			mode = "NO_REGIONS"
		}
		pl.Addf(func(ctx context.Context) error {
			in := &securityhub.CreateFindingAggregatorInput{RegionLinkingMode: aws.String(mode)}
			if len(linked) > 0 {
				in.Regions = linked
			}
			_, err := hub.CreateFindingAggregator(ctx, in)
			return err
		}, "create the Security Hub finding aggregator in %s linking %s", home, orNone(linked))
		return nil
	}
	arn := list.FindingAggregators[0].FindingAggregatorArn
	agg, err := hub.GetFindingAggregator(ctx, &securityhub.GetFindingAggregatorInput{FindingAggregatorArn: arn})
	if err != nil {
		return fmt.Errorf("securityhub:GetFindingAggregator: %w", err)
	}
	if r := aws.ToString(agg.FindingAggregationRegion); r != home {
		return fmt.Errorf("Security Hub aggregates findings in %s, not %s: list %s first in --regions", r, home, r)
	}
	mode := aws.ToString(agg.RegionLinkingMode)
	var missing []string
	switch mode {
	case "ALL_REGIONS":
	case "ALL_REGIONS_EXCEPT_SPECIFIED":
		for _, r := range linked {
			if slices.Contains(agg.Regions, r) {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("the finding aggregator excludes %s; change it in the Security Hub console", strings.Join(missing, ", "))
		}
	default: // SPECIFIED_REGIONS, NO_REGIONS
		for _, r := range linked {
			if !slices.Contains(agg.Regions, r) {
				missing = append(missing, r)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	regions := append(slices.Clone(agg.Regions), missing...)
	pl.Addf(func(ctx context.Context) error {
		_, err := hub.UpdateFindingAggregator(ctx, &securityhub.UpdateFindingAggregatorInput{
			FindingAggregatorArn: arn, RegionLinkingMode: aws.String("SPECIFIED_REGIONS"), Regions: regions})
		return err
	}, "link %s to the Security Hub finding aggregator in %s", strings.Join(missing, ", "), home)
	return nil
}

// centralState carries what later steps learn from earlier ones.
type centralState struct {
	central  bool   // the organization already uses central configuration
	policyID string // cisguard's configuration policy, once it exists
}

// centralConfig switches the organization to Security Hub central
// configuration, so one policy enables Security Hub and CIS v1.4.0 in
// every account and region (what the original did by hand, account by
// account, in the console).
func (p *Planner) centralConfig(ctx context.Context, pl *plan.Plan, hub SecurityHub, st *centralState) error {
	if p.newAdmin {
		pl.Add("switch Security Hub to central configuration for the organization", func(ctx context.Context) error { return p.switchCentral(ctx, hub) })
		return nil
	}
	out, err := hub.DescribeOrganizationConfiguration(ctx, &securityhub.DescribeOrganizationConfigurationInput{})
	if err != nil {
		return fmt.Errorf("securityhub:DescribeOrganizationConfiguration in the admin account: %w", err)
	}
	if oc := out.OrganizationConfiguration; oc != nil && oc.ConfigurationType == shtypes.OrganizationConfigurationConfigurationTypeCentral {
		st.central = true
		return nil
	}
	pl.Add("switch Security Hub to central configuration for the organization", func(ctx context.Context) error { return p.switchCentral(ctx, hub) })
	return nil
}

func (p *Planner) switchCentral(ctx context.Context, hub SecurityHub) error {
	_, err := hub.UpdateOrganizationConfiguration(ctx, &securityhub.UpdateOrganizationConfigurationInput{
		AutoEnable:                aws.Bool(false),
		AutoEnableStandards:       shtypes.AutoEnableStandardsNone,
		OrganizationConfiguration: &shtypes.OrganizationConfiguration{ConfigurationType: shtypes.OrganizationConfigurationConfigurationTypeCentral},
	})
	return err
}

// configPolicy creates cisguard's configuration policy (Security Hub on,
// CIS v1.4.0 enabled, every control enabled) and applies it to the
// organization root, unless the root already has a policy of its own: an
// existing central configuration is the organization's choice, and is only
// reported.
func (p *Planner) configPolicy(ctx context.Context, pl *plan.Plan, hub SecurityHub, st *centralState) error {
	standard := fmt.Sprintf(cisStandardPattern, p.Opts.Partition, p.Opts.home())
	var token *string
	for st.central {
		out, err := hub.ListConfigurationPolicies(ctx, &securityhub.ListConfigurationPoliciesInput{NextToken: token})
		if err != nil {
			return fmt.Errorf("securityhub:ListConfigurationPolicies: %w", err)
		}
		for _, s := range out.ConfigurationPolicySummaries {
			if aws.ToString(s.Name) == ConfigPolicyName {
				st.policyID = aws.ToString(s.Id)
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	associated := false
	if st.central {
		a, err := hub.GetConfigurationPolicyAssociation(ctx, &securityhub.GetConfigurationPolicyAssociationInput{
			Target: &shtypes.TargetMemberRootId{Value: p.org.root}})
		if err != nil && !isCode(err, "ResourceNotFoundException") {
			return fmt.Errorf("securityhub:GetConfigurationPolicyAssociation for the root: %w", err)
		}
		if err == nil && a.AssociationType == shtypes.AssociationTypeApplied && aws.ToString(a.ConfigurationPolicyId) != "" {
			if id := aws.ToString(a.ConfigurationPolicyId); id != st.policyID {
				pl.Note("the organization root already uses Security Hub configuration policy %s: cisguard leaves it; make sure it enables %s", id, standard)
				return nil
			}
			associated = true
		}
	}
	if st.policyID == "" {
		pl.Addf(func(ctx context.Context) error {
			out, err := hub.CreateConfigurationPolicy(ctx, &securityhub.CreateConfigurationPolicyInput{
				Name:        aws.String(ConfigPolicyName),
				Description: aws.String("cisguard: Security Hub with the CIS AWS Foundations Benchmark v1.4.0 in every account"),
				ConfigurationPolicy: &shtypes.PolicyMemberSecurityHub{Value: shtypes.SecurityHubPolicy{
					ServiceEnabled:             aws.Bool(true),
					EnabledStandardIdentifiers: []string{standard},
					SecurityControlsConfiguration: &shtypes.SecurityControlsConfiguration{
						DisabledSecurityControlIdentifiers: []string{},
					},
				}},
			})
			if err != nil {
				return err
			}
			st.policyID = aws.ToString(out.Id)
			return nil
		}, "create Security Hub configuration policy %s (Security Hub on, CIS v1.4.0 enabled)", ConfigPolicyName)
	}
	if !associated {
		pl.Addf(func(ctx context.Context) error {
			_, err := hub.StartConfigurationPolicyAssociation(ctx, &securityhub.StartConfigurationPolicyAssociationInput{
				ConfigurationPolicyIdentifier: aws.String(st.policyID),
				Target:                        &shtypes.TargetMemberRootId{Value: p.org.root}})
			return err
		}, "apply %s to the organization root %s (every account, every linked region)", ConfigPolicyName, p.org.root)
	}
	return nil
}

// adminStack uploads the Lambda zip and creates or updates the admin stack.
func (p *Planner) adminStack(ctx context.Context, pl *plan.Plan, admin Services) error {
	o := &p.Opts
	zip, err := os.ReadFile(o.LambdaZip)
	if err != nil {
		return fmt.Errorf("lambda zip: %w", err)
	}
	sum := sha256.Sum256(zip)
	bucket := fmt.Sprintf("cisguard-artifacts-%s-%s", o.AdminAccount, o.home())
	key := lambdaKeyPrefix + hex.EncodeToString(sum[:])[:16] + ".zip"

	haveBucket, err := bucketExists(ctx, admin.S3, bucket)
	if err != nil {
		return err
	}
	if !haveBucket {
		pl.Addf(func(ctx context.Context) error { return createBucket(ctx, admin.S3, bucket, o.home(), o.Partition) },
			"create bucket %s for the Lambda code (private, TLS only)", bucket)
	}
	haveKey := false
	if haveBucket {
		if _, err := admin.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key}); err == nil {
			haveKey = true
		} else if !isNotFound(err) {
			return fmt.Errorf("s3 HeadObject %s/%s: %w", bucket, key, err)
		}
	}
	if !haveKey {
		pl.Addf(func(ctx context.Context) error {
			_, err := admin.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(string(zip))})
			return err
		}, "upload the Lambda code (%d bytes) to s3://%s/%s", len(zip), bucket, key)
	}

	params := map[string]string{
		"OrganizationId":    p.org.id,
		"CodeBucket":        bucket,
		"CodeKey":           key,
		"MemberRoleName":    o.Data.RoleName,
		"NotificationEmail": o.NotifyEmail,
	}
	st := &stack{cfn: admin.CloudFormation, name: AdminStack, where: fmt.Sprintf("admin account %s, %s", o.AdminAccount, o.home()),
		body: string(o.Templates[templates.Admin]), params: params, progress: o.Progress, poll: o.Poll}
	exists, err := st.plan(ctx, pl)
	if err != nil {
		return err
	}
	_ = exists
	return p.customAction(ctx, pl, admin.SecurityHub)
}

// actionDescription marks the custom action as cisguard's own.
const actionDescription = "Remediate the selected CIS findings with cisguard (or send the manual steps)"

// actionARN is the custom action's ARN in the admin account's home region.
func (p *Planner) actionARN() string {
	o := &p.Opts
	return fmt.Sprintf("arn:%s:securityhub:%s:%s:action/custom/%s", o.Partition, o.home(), o.AdminAccount, o.Data.ActionID)
}

// customAction creates the Security Hub custom action the admin stack's
// custom action rule listens to. CloudFormation's
// AWS::SecurityHub::ActionTarget is available in a few regions only, so
// the action is made with the API, in every home region alike.
func (p *Planner) customAction(ctx context.Context, pl *plan.Plan, hub SecurityHub) error {
	o := &p.Opts
	arn := p.actionARN()
	cur, err := describeAction(ctx, hub, arn)
	if err != nil {
		return err
	}
	switch {
	case cur == nil:
		pl.Addf(func(ctx context.Context) error {
			_, err := hub.CreateActionTarget(ctx, &securityhub.CreateActionTargetInput{
				Id: aws.String(o.Data.ActionID), Name: aws.String(o.Data.ActionName), Description: aws.String(actionDescription)})
			return err
		}, "create Security Hub custom action %s (%q) in the admin account, %s", o.Data.ActionID, o.Data.ActionName, o.home())
	case aws.ToString(cur.Description) != actionDescription:
		// Left by the original solution: its rule still sends the
		// action's findings to its own function.
		return fmt.Errorf("a Security Hub custom action %s that cisguard did not create already exists in the admin account (the original solution's?): delete it (aws securityhub delete-action-target --action-target-arn %s --region %s) and run again", o.Data.ActionID, arn, o.home())
	}
	return nil
}

// describeAction returns the custom action, or nil when there is none.
func describeAction(ctx context.Context, hub SecurityHub, arn string) (*shtypes.ActionTarget, error) {
	out, err := hub.DescribeActionTargets(ctx, &securityhub.DescribeActionTargetsInput{ActionTargetArns: []string{arn}})
	switch {
	case isCode(err, "ResourceNotFoundException"), isCode(err, "InvalidAccessException"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("securityhub:DescribeActionTargets %s: %w", arn, err)
	}
	for _, a := range out.ActionTargets {
		if aws.ToString(a.ActionTargetArn) == arn {
			return &a, nil
		}
	}
	return nil, nil
}

// memberStackSets plans the member role everywhere (one region: IAM is
// global) and the optional member topic and CloudTrail key StackSets.
func (p *Planner) memberStackSets(ctx context.Context, pl *plan.Plan, cfn CloudFormation) error {
	o := &p.Opts
	sets := []*stackSet{{
		name: MemberRoleSet, body: string(o.Templates[templates.MemberRole]), regions: []string{o.home()},
		params: map[string]string{
			"RoleName": o.Data.RoleName, "AdminAccountId": o.AdminAccount, "OrganizationId": p.org.id,
		},
		autoDeploy: true, describe: "the member role " + o.Data.RoleName,
	}}
	if o.MemberTopics {
		sets = append(sets, &stackSet{name: MemberTopicSet, body: string(o.Templates[templates.MemberTopic]), regions: o.Regions,
			params: map[string]string{"NotificationEmail": o.NotifyEmail}, autoDeploy: true, describe: "member notification topics"})
	}
	if o.CloudTrailKeys {
		region := o.CloudTrailKeyRegion
		if region == "" {
			region = o.home()
		}
		sets = append(sets, &stackSet{name: CloudTrailKeySet, body: string(o.Templates[templates.CloudTrailKey]), regions: []string{region},
			params: map[string]string{}, autoDeploy: true, describe: "CloudTrail KMS keys"})
	}
	for _, s := range sets {
		s.cfn, s.root, s.progress, s.poll = cfn, p.org.root, o.Progress, o.Poll
		if err := s.plan(ctx, pl); err != nil {
			return err
		}
	}
	return nil
}

// awsConfig finds the accounts and regions where AWS Config does not
// record, and deploys the enable-config template there: a StackSet for
// member accounts (only to those accounts), a stack in the management
// account (StackSets never deploy there).
func (p *Planner) awsConfig(ctx context.Context, pl *plan.Plan, cfn CloudFormation) error {
	o := &p.Opts
	if o.SkipConfig {
		pl.Note("AWS Config not checked (--skip-config): Security Hub needs it recording in every account and region")
		return nil
	}
	missing := map[string][]string{} // region → member accounts
	for _, account := range p.org.accounts {
		for _, region := range o.Regions {
			var cs Config
			if account == p.org.management {
				cs = p.Env.Management(region).Config
			} else {
				var err error
				if cs, err = p.Env.Member(ctx, account, region); err != nil {
					pl.Note("AWS Config not checked in %s %s: %v (deploy %s there yourself if it is missing)", account, region, err, templates.EnableConfig)
					continue
				}
			}
			out, err := cs.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
			if err != nil {
				pl.Note("AWS Config not checked in %s %s: %v", account, region, err)
				continue
			}
			if len(out.ConfigurationRecorders) > 0 {
				continue
			}
			if account == p.org.management {
				st := &stack{cfn: p.Env.Management(region).CloudFormation, name: EnableConfigStack,
					where: fmt.Sprintf("management account %s, %s", account, region), body: string(o.Templates[templates.EnableConfig]),
					params: map[string]string{"GlobalResourcesRegion": o.home()}, progress: o.Progress, poll: o.Poll}
				if _, err := st.plan(ctx, pl); err != nil {
					return err
				}
				continue
			}
			missing[region] = append(missing[region], account)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	s := &stackSet{cfn: cfn, name: EnableConfigSet, body: string(o.Templates[templates.EnableConfig]), root: p.org.root,
		params: map[string]string{"GlobalResourcesRegion": o.home()}, describe: "AWS Config recorders",
		accounts: missing, progress: o.Progress, poll: o.Poll}
	return s.plan(ctx, pl)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no other region"
	}
	return strings.Join(s, ", ")
}

// bucketExists reports whether the bucket exists (and is ours to use).
func bucketExists(ctx context.Context, api S3, bucket string) (bool, error) {
	_, err := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	switch {
	case err == nil:
		return true, nil
	case isNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("s3 HeadBucket %s: %w", bucket, err)
}

func createBucket(ctx context.Context, api S3, bucket, region, partition string) error {
	in := &s3.CreateBucketInput{Bucket: &bucket}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := api.CreateBucket(ctx, in); err != nil {
		return err
	}
	if _, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &bucket,
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
		}}); err != nil {
		return err
	}
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:%[1]s:s3:::%[2]s","arn:%[1]s:s3:::%[2]s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, partition, bucket)
	_, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &policy})
	return err
}

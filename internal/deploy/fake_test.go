package deploy

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"
)

// world is a stateful fake of an organization: what the deployment creates
// really exists afterwards (a StackSet deployed to an account in a region
// gives it a stack; the enable-config stack gives it a recorder), errors
// carry AWS's codes, and lists come in small pages.
type world struct {
	caller, orgID, mgmt, root string
	accounts                  []string
	noAccess                  map[string]bool // accounts whose access role cannot be assumed

	stackSetsAccess bool
	delegated       map[string]string // region → delegated admin account

	// Security Hub in the admin account's home region.
	aggregator     *securityhub.GetFindingAggregatorOutput
	central        bool
	policies       map[string]string // id → name
	rootPolicy     string
	actionTargets  map[string]shtypes.ActionTarget
	nextID         int
	stacks         map[string]*fakeStack // account/region/name
	sets           map[string]*fakeSet
	ops            map[string]*cfntypes.StackSetOperation
	opResults      map[string][]cfntypes.StackSetOperationResultSummary
	buckets        map[string]map[string][]byte
	recorders      map[string]bool // account/region
	failStack      map[string]string
	failSet        map[string]string
	writes         []string // mutating calls, in order
	describeCounts map[string]int
}

type fakeStack struct {
	body    string
	params  []cfntypes.Parameter
	status  cfntypes.StackStatus
	pending cfntypes.StackStatus // status after the next describe
	events  []cfntypes.StackEvent
}

type fakeSet struct {
	body      string
	params    []cfntypes.Parameter
	instances map[string]bool // account/region
}

func newWorld() *world {
	return &world{
		caller: "111111111111", orgID: "o-abcdefghij", mgmt: "111111111111", root: "r-ab12",
		accounts:  []string{"111111111111", "222222222222", "333333333333", "444444444444"},
		noAccess:  map[string]bool{},
		delegated: map[string]string{}, policies: map[string]string{}, actionTargets: map[string]shtypes.ActionTarget{},
		stacks: map[string]*fakeStack{}, sets: map[string]*fakeSet{}, ops: map[string]*cfntypes.StackSetOperation{},
		opResults: map[string][]cfntypes.StackSetOperationResultSummary{},
		buckets:   map[string]map[string][]byte{}, recorders: map[string]bool{},
		failStack: map[string]string{}, failSet: map[string]string{}, describeCounts: map[string]int{},
	}
}

func apiErr(code, format string, args ...any) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (w *world) write(format string, args ...any) {
	w.writes = append(w.writes, fmt.Sprintf(format, args...))
}

func (w *world) partition() string { return "aws" }

func (w *world) id(prefix string) string { w.nextID++; return fmt.Sprintf("%s-%04d", prefix, w.nextID) }

// Env.

func (w *world) Caller(context.Context) (string, error) { return w.caller, nil }
func (w *world) Organizations() Organizations           { return fakeOrg{w} }
func (w *world) Management(region string) Services      { return w.services(w.mgmt, region) }
func (w *world) Admin(_ context.Context, account, region string) (Services, error) {
	if w.noAccess[account] {
		return Services{}, apiErr("AccessDenied", "not authorized to perform sts:AssumeRole")
	}
	return w.services(account, region), nil
}
func (w *world) Member(_ context.Context, account, region string) (Config, error) {
	if w.noAccess[account] {
		return nil, apiErr("AccessDenied", "not authorized to perform sts:AssumeRole")
	}
	return fakeConfig{w, account, region}, nil
}

func (w *world) services(account, region string) Services {
	return Services{CloudFormation: &fakeCFN{w, account, region}, SecurityHub: &fakeHub{w, account, region},
		S3: &fakeS3{w, account, region}, Config: fakeConfig{w, account, region}}
}

// Organizations.

type fakeOrg struct{ w *world }

func (f fakeOrg) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	return &organizations.DescribeOrganizationOutput{Organization: &orgtypes.Organization{Id: &f.w.orgID, MasterAccountId: &f.w.mgmt}}, nil
}
func (f fakeOrg) ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error) {
	return &organizations.ListRootsOutput{Roots: []orgtypes.Root{{Id: &f.w.root}}}, nil
}
func (f fakeOrg) ListAccounts(_ context.Context, in *organizations.ListAccountsInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	var accts []orgtypes.Account
	for _, a := range f.w.accounts {
		accts = append(accts, orgtypes.Account{Id: aws.String(a), Status: orgtypes.AccountStatusActive})
	}
	items, next := page(accts, in.NextToken, 2)
	return &organizations.ListAccountsOutput{Accounts: items, NextToken: next}, nil
}

// page returns one page of n items and the token of the next.
func page[T any](all []T, token *string, n int) ([]T, *string) {
	start := 0
	if token != nil {
		fmt.Sscan(*token, &start)
	}
	end := min(start+n, len(all))
	if end < len(all) {
		return all[start:end], aws.String(fmt.Sprint(end))
	}
	return all[start:end], nil
}

// CloudFormation.

type fakeCFN struct {
	w               *world
	account, region string
}

func (f *fakeCFN) key(name string) string { return f.account + "/" + f.region + "/" + name }

func (f *fakeCFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	s, ok := f.w.stacks[f.key(*in.StackName)]
	if !ok {
		return nil, apiErr("ValidationError", "Stack with id %s does not exist", *in.StackName)
	}
	out := &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackName: in.StackName, StackStatus: s.status, Parameters: s.params}}}
	if s.pending != "" {
		s.status, s.pending = s.pending, ""
		if s.status == cfntypes.StackStatusDeleteComplete {
			delete(f.w.stacks, f.key(*in.StackName))
		}
	}
	return out, nil
}

func (f *fakeCFN) GetTemplate(_ context.Context, in *cloudformation.GetTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	s, ok := f.w.stacks[f.key(*in.StackName)]
	if !ok {
		return nil, apiErr("ValidationError", "Stack with id %s does not exist", *in.StackName)
	}
	return &cloudformation.GetTemplateOutput{TemplateBody: &s.body}, nil
}

func (f *fakeCFN) CreateStack(_ context.Context, in *cloudformation.CreateStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateStackOutput, error) {
	k := f.key(*in.StackName)
	if _, ok := f.w.stacks[k]; ok {
		return nil, apiErr("AlreadyExistsException", "Stack [%s] already exists", *in.StackName)
	}
	if !slices.Contains(in.Capabilities, cfntypes.CapabilityCapabilityNamedIam) {
		return nil, apiErr("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]")
	}
	f.w.write("CreateStack %s", k)
	s := &fakeStack{body: *in.TemplateBody, params: in.Parameters, status: cfntypes.StackStatusCreateInProgress, pending: cfntypes.StackStatusCreateComplete}
	if reason, ok := f.w.failStack[*in.StackName]; ok {
		s.pending = cfntypes.StackStatusRollbackComplete
		now := time.Now()
		s.events = []cfntypes.StackEvent{
			{LogicalResourceId: in.StackName, ResourceType: aws.String("AWS::CloudFormation::Stack"), ResourceStatus: cfntypes.ResourceStatusRollbackComplete, Timestamp: aws.Time(now)},
			{LogicalResourceId: aws.String("Function"), ResourceType: aws.String("AWS::Lambda::Function"), ResourceStatus: cfntypes.ResourceStatusCreateFailed, ResourceStatusReason: aws.String(reason), Timestamp: aws.Time(now)},
			{LogicalResourceId: in.StackName, ResourceType: aws.String("AWS::CloudFormation::Stack"), ResourceStatus: cfntypes.ResourceStatusCreateInProgress, Timestamp: aws.Time(now)},
		}
	} else if *in.StackName == EnableConfigStack {
		f.w.recorders[f.account+"/"+f.region] = true
	}
	f.w.stacks[k] = s
	return &cloudformation.CreateStackOutput{StackId: aws.String("arn:aws:cloudformation:" + k)}, nil
}

func (f *fakeCFN) UpdateStack(_ context.Context, in *cloudformation.UpdateStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.UpdateStackOutput, error) {
	s, ok := f.w.stacks[f.key(*in.StackName)]
	if !ok {
		return nil, apiErr("ValidationError", "Stack with id %s does not exist", *in.StackName)
	}
	if s.body == *in.TemplateBody && slices.Equal(paramStrings(s.params), paramStrings(in.Parameters)) {
		return nil, apiErr("ValidationError", "No updates are to be performed.")
	}
	f.w.write("UpdateStack %s", f.key(*in.StackName))
	s.body, s.params, s.status, s.pending = *in.TemplateBody, in.Parameters, cfntypes.StackStatusUpdateInProgress, cfntypes.StackStatusUpdateComplete
	return &cloudformation.UpdateStackOutput{}, nil
}

func paramStrings(ps []cfntypes.Parameter) []string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.ParameterKey)+"="+aws.ToString(p.ParameterValue))
	}
	slices.Sort(out)
	return out
}

func (f *fakeCFN) DeleteStack(_ context.Context, in *cloudformation.DeleteStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	if s, ok := f.w.stacks[f.key(*in.StackName)]; ok {
		f.w.write("DeleteStack %s", f.key(*in.StackName))
		s.status, s.pending = cfntypes.StackStatusDeleteInProgress, cfntypes.StackStatusDeleteComplete
		if *in.StackName == EnableConfigStack {
			delete(f.w.recorders, f.account+"/"+f.region)
		}
	}
	return &cloudformation.DeleteStackOutput{}, nil
}

func (f *fakeCFN) DescribeStackEvents(_ context.Context, in *cloudformation.DescribeStackEventsInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	s, ok := f.w.stacks[f.key(*in.StackName)]
	if !ok {
		return nil, apiErr("ValidationError", "Stack with id %s does not exist", *in.StackName)
	}
	items, next := page(s.events, in.NextToken, 2)
	return &cloudformation.DescribeStackEventsOutput{StackEvents: items, NextToken: next}, nil
}

func (f *fakeCFN) DescribeStackSet(_ context.Context, in *cloudformation.DescribeStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOutput, error) {
	s, ok := f.w.sets[*in.StackSetName]
	if !ok {
		return nil, apiErr("StackSetNotFoundException", "StackSet %s not found", *in.StackSetName)
	}
	return &cloudformation.DescribeStackSetOutput{StackSet: &cfntypes.StackSet{StackSetName: in.StackSetName, TemplateBody: &s.body,
		Parameters: s.params, Status: cfntypes.StackSetStatusActive}}, nil
}

func (f *fakeCFN) CreateStackSet(_ context.Context, in *cloudformation.CreateStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateStackSetOutput, error) {
	if !f.w.stackSetsAccess && in.PermissionModel == cfntypes.PermissionModelsServiceManaged {
		return nil, apiErr("ValidationError", "You must enable organizations access to operate a service managed stack set")
	}
	if _, ok := f.w.sets[*in.StackSetName]; ok {
		return nil, apiErr("NameAlreadyExistsException", "StackSet %s exists", *in.StackSetName)
	}
	f.w.write("CreateStackSet %s", *in.StackSetName)
	f.w.sets[*in.StackSetName] = &fakeSet{body: *in.TemplateBody, params: in.Parameters, instances: map[string]bool{}}
	return &cloudformation.CreateStackSetOutput{}, nil
}

func (f *fakeCFN) op(set string, results []cfntypes.StackSetOperationResultSummary) *string {
	id := f.w.id("op")
	status := cfntypes.StackSetOperationStatusSucceeded
	for _, r := range results {
		if r.Status != cfntypes.StackSetOperationResultStatusSucceeded {
			status = cfntypes.StackSetOperationStatusFailed
		}
	}
	f.w.ops[id] = &cfntypes.StackSetOperation{OperationId: &id, Status: status}
	f.w.opResults[id] = results
	return &id
}

func (f *fakeCFN) UpdateStackSet(_ context.Context, in *cloudformation.UpdateStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.UpdateStackSetOutput, error) {
	s, ok := f.w.sets[*in.StackSetName]
	if !ok {
		return nil, apiErr("StackSetNotFoundException", "StackSet %s not found", *in.StackSetName)
	}
	f.w.write("UpdateStackSet %s", *in.StackSetName)
	s.body, s.params = *in.TemplateBody, in.Parameters
	return &cloudformation.UpdateStackSetOutput{OperationId: f.op(*in.StackSetName, nil)}, nil
}

func (f *fakeCFN) DeleteStackSet(_ context.Context, in *cloudformation.DeleteStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackSetOutput, error) {
	s, ok := f.w.sets[*in.StackSetName]
	if !ok {
		return nil, apiErr("StackSetNotFoundException", "StackSet %s not found", *in.StackSetName)
	}
	if len(s.instances) > 0 {
		return nil, apiErr("StackSetNotEmptyException", "StackSet %s has stack instances", *in.StackSetName)
	}
	f.w.write("DeleteStackSet %s", *in.StackSetName)
	delete(f.w.sets, *in.StackSetName)
	return &cloudformation.DeleteStackSetOutput{}, nil
}

func (f *fakeCFN) ListStackInstances(_ context.Context, in *cloudformation.ListStackInstancesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackInstancesOutput, error) {
	s, ok := f.w.sets[*in.StackSetName]
	if !ok {
		return nil, apiErr("StackSetNotFoundException", "StackSet %s not found", *in.StackSetName)
	}
	var all []cfntypes.StackInstanceSummary
	for _, k := range sortedKeys(s.instances) {
		acct, region, _ := strings.Cut(k, "/")
		all = append(all, cfntypes.StackInstanceSummary{Account: aws.String(acct), Region: aws.String(region)})
	}
	items, next := page(all, in.NextToken, 2)
	return &cloudformation.ListStackInstancesOutput{Summaries: items, NextToken: next}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// targets resolves service-managed deployment targets to member accounts
// (StackSets never deploy to the management account).
func (f *fakeCFN) targets(t *cfntypes.DeploymentTargets) ([]string, error) {
	if t == nil || !slices.Equal(t.OrganizationalUnitIds, []string{f.w.root}) {
		return nil, apiErr("ValidationError", "service-managed StackSets need OrganizationalUnitIds")
	}
	var out []string
	for _, a := range f.w.accounts {
		if a == f.w.mgmt {
			continue
		}
		if t.AccountFilterType == cfntypes.AccountFilterTypeIntersection && !slices.Contains(t.Accounts, a) {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

func (f *fakeCFN) CreateStackInstances(_ context.Context, in *cloudformation.CreateStackInstancesInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateStackInstancesOutput, error) {
	s, ok := f.w.sets[*in.StackSetName]
	if !ok {
		return nil, apiErr("StackSetNotFoundException", "StackSet %s not found", *in.StackSetName)
	}
	accts, err := f.targets(in.DeploymentTargets)
	if err != nil {
		return nil, err
	}
	f.w.write("CreateStackInstances %s %v %v", *in.StackSetName, in.Regions, accts)
	var results []cfntypes.StackSetOperationResultSummary
	for _, region := range in.Regions {
		for _, a := range accts {
			r := cfntypes.StackSetOperationResultSummary{Account: aws.String(a), Region: aws.String(region), Status: cfntypes.StackSetOperationResultStatusSucceeded}
			if reason, bad := f.w.failSet[*in.StackSetName]; bad {
				r.Status, r.StatusReason = cfntypes.StackSetOperationResultStatusFailed, aws.String(reason)
			} else {
				s.instances[a+"/"+region] = true
				if *in.StackSetName == EnableConfigSet {
					f.w.recorders[a+"/"+region] = true
				}
			}
			results = append(results, r)
		}
	}
	return &cloudformation.CreateStackInstancesOutput{OperationId: f.op(*in.StackSetName, results)}, nil
}

func (f *fakeCFN) DeleteStackInstances(_ context.Context, in *cloudformation.DeleteStackInstancesInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackInstancesOutput, error) {
	s, ok := f.w.sets[*in.StackSetName]
	if !ok {
		return nil, apiErr("StackSetNotFoundException", "StackSet %s not found", *in.StackSetName)
	}
	accts, err := f.targets(in.DeploymentTargets)
	if err != nil {
		return nil, err
	}
	f.w.write("DeleteStackInstances %s %v", *in.StackSetName, in.Regions)
	for _, region := range in.Regions {
		for _, a := range accts {
			delete(s.instances, a+"/"+region)
			if *in.StackSetName == EnableConfigSet {
				delete(f.w.recorders, a+"/"+region)
			}
		}
	}
	return &cloudformation.DeleteStackInstancesOutput{OperationId: f.op(*in.StackSetName, nil)}, nil
}

func (f *fakeCFN) DescribeStackSetOperation(_ context.Context, in *cloudformation.DescribeStackSetOperationInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOperationOutput, error) {
	op, ok := f.w.ops[*in.OperationId]
	if !ok {
		return nil, apiErr("OperationNotFoundException", "no operation %s", *in.OperationId)
	}
	// The first look finds it running, as a real operation would be.
	f.w.describeCounts[*in.OperationId]++
	if f.w.describeCounts[*in.OperationId] == 1 {
		return &cloudformation.DescribeStackSetOperationOutput{StackSetOperation: &cfntypes.StackSetOperation{OperationId: op.OperationId, Status: cfntypes.StackSetOperationStatusRunning}}, nil
	}
	return &cloudformation.DescribeStackSetOperationOutput{StackSetOperation: op}, nil
}

func (f *fakeCFN) ListStackSetOperationResults(_ context.Context, in *cloudformation.ListStackSetOperationResultsInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackSetOperationResultsOutput, error) {
	items, next := page(f.w.opResults[*in.OperationId], in.NextToken, 2)
	return &cloudformation.ListStackSetOperationResultsOutput{Summaries: items, NextToken: next}, nil
}

func (f *fakeCFN) DescribeOrganizationsAccess(context.Context, *cloudformation.DescribeOrganizationsAccessInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeOrganizationsAccessOutput, error) {
	st := cfntypes.OrganizationStatusDisabled
	if f.w.stackSetsAccess {
		st = cfntypes.OrganizationStatusEnabled
	}
	return &cloudformation.DescribeOrganizationsAccessOutput{Status: st}, nil
}

func (f *fakeCFN) ActivateOrganizationsAccess(context.Context, *cloudformation.ActivateOrganizationsAccessInput, ...func(*cloudformation.Options)) (*cloudformation.ActivateOrganizationsAccessOutput, error) {
	f.w.write("ActivateOrganizationsAccess")
	f.w.stackSetsAccess = true
	return &cloudformation.ActivateOrganizationsAccessOutput{}, nil
}

// Security Hub.

type fakeHub struct {
	w               *world
	account, region string
}

func (f *fakeHub) ListOrganizationAdminAccounts(context.Context, *securityhub.ListOrganizationAdminAccountsInput, ...func(*securityhub.Options)) (*securityhub.ListOrganizationAdminAccountsOutput, error) {
	out := &securityhub.ListOrganizationAdminAccountsOutput{}
	if a, ok := f.w.delegated[f.region]; ok {
		out.AdminAccounts = []shtypes.AdminAccount{{AccountId: aws.String(a), Status: shtypes.AdminStatusEnabled}}
	}
	return out, nil
}

func (f *fakeHub) EnableOrganizationAdminAccount(_ context.Context, in *securityhub.EnableOrganizationAdminAccountInput, _ ...func(*securityhub.Options)) (*securityhub.EnableOrganizationAdminAccountOutput, error) {
	if f.account != f.w.mgmt {
		return nil, apiErr("AccessDeniedException", "only the management account can designate")
	}
	f.w.write("EnableOrganizationAdminAccount %s %s", f.region, *in.AdminAccountId)
	f.w.delegated[f.region] = *in.AdminAccountId
	return &securityhub.EnableOrganizationAdminAccountOutput{}, nil
}

func (f *fakeHub) ListFindingAggregators(context.Context, *securityhub.ListFindingAggregatorsInput, ...func(*securityhub.Options)) (*securityhub.ListFindingAggregatorsOutput, error) {
	out := &securityhub.ListFindingAggregatorsOutput{}
	if f.w.aggregator != nil {
		out.FindingAggregators = []shtypes.FindingAggregator{{FindingAggregatorArn: f.w.aggregator.FindingAggregatorArn}}
	}
	return out, nil
}

func (f *fakeHub) GetFindingAggregator(context.Context, *securityhub.GetFindingAggregatorInput, ...func(*securityhub.Options)) (*securityhub.GetFindingAggregatorOutput, error) {
	if f.w.aggregator == nil {
		return nil, apiErr("ResourceNotFoundException", "no aggregator")
	}
	return f.w.aggregator, nil
}

func (f *fakeHub) CreateFindingAggregator(_ context.Context, in *securityhub.CreateFindingAggregatorInput, _ ...func(*securityhub.Options)) (*securityhub.CreateFindingAggregatorOutput, error) {
	if f.w.delegated[f.region] != f.account {
		return nil, apiErr("AccessDeniedException", "%s is not the delegated administrator", f.account)
	}
	if *in.RegionLinkingMode == "SPECIFIED_REGIONS" && len(in.Regions) == 0 {
		return nil, apiErr("InvalidInputException", "SPECIFIED_REGIONS needs regions")
	}
	f.w.write("CreateFindingAggregator %s %v", f.region, in.Regions)
	f.w.aggregator = &securityhub.GetFindingAggregatorOutput{FindingAggregatorArn: aws.String("arn:aws:securityhub:" + f.region + ":" + f.account + ":finding-aggregator/x"),
		FindingAggregationRegion: aws.String(f.region), RegionLinkingMode: in.RegionLinkingMode, Regions: in.Regions}
	return &securityhub.CreateFindingAggregatorOutput{}, nil
}

func (f *fakeHub) UpdateFindingAggregator(_ context.Context, in *securityhub.UpdateFindingAggregatorInput, _ ...func(*securityhub.Options)) (*securityhub.UpdateFindingAggregatorOutput, error) {
	f.w.write("UpdateFindingAggregator %v", in.Regions)
	f.w.aggregator.RegionLinkingMode, f.w.aggregator.Regions = in.RegionLinkingMode, in.Regions
	return &securityhub.UpdateFindingAggregatorOutput{}, nil
}

func (f *fakeHub) DescribeOrganizationConfiguration(context.Context, *securityhub.DescribeOrganizationConfigurationInput, ...func(*securityhub.Options)) (*securityhub.DescribeOrganizationConfigurationOutput, error) {
	if f.w.delegated[f.region] != f.account {
		return nil, apiErr("InvalidAccessException", "account %s is not an administrator", f.account)
	}
	t := shtypes.OrganizationConfigurationConfigurationTypeLocal
	if f.w.central {
		t = shtypes.OrganizationConfigurationConfigurationTypeCentral
	}
	return &securityhub.DescribeOrganizationConfigurationOutput{OrganizationConfiguration: &shtypes.OrganizationConfiguration{ConfigurationType: t}}, nil
}

func (f *fakeHub) UpdateOrganizationConfiguration(_ context.Context, in *securityhub.UpdateOrganizationConfigurationInput, _ ...func(*securityhub.Options)) (*securityhub.UpdateOrganizationConfigurationOutput, error) {
	if f.w.aggregator == nil {
		return nil, apiErr("InvalidInputException", "central configuration needs a finding aggregator in the home region")
	}
	f.w.write("UpdateOrganizationConfiguration %s", in.OrganizationConfiguration.ConfigurationType)
	f.w.central = in.OrganizationConfiguration.ConfigurationType == shtypes.OrganizationConfigurationConfigurationTypeCentral
	return &securityhub.UpdateOrganizationConfigurationOutput{}, nil
}

func (f *fakeHub) ListConfigurationPolicies(_ context.Context, in *securityhub.ListConfigurationPoliciesInput, _ ...func(*securityhub.Options)) (*securityhub.ListConfigurationPoliciesOutput, error) {
	if !f.w.central {
		return nil, apiErr("AccessDeniedException", "central configuration is not enabled")
	}
	var all []shtypes.ConfigurationPolicySummary
	for _, id := range sortedKeys(f.w.policies) {
		all = append(all, shtypes.ConfigurationPolicySummary{Id: aws.String(id), Name: aws.String(f.w.policies[id])})
	}
	items, next := page(all, in.NextToken, 1)
	return &securityhub.ListConfigurationPoliciesOutput{ConfigurationPolicySummaries: items, NextToken: next}, nil
}

func (f *fakeHub) CreateConfigurationPolicy(_ context.Context, in *securityhub.CreateConfigurationPolicyInput, _ ...func(*securityhub.Options)) (*securityhub.CreateConfigurationPolicyOutput, error) {
	if !f.w.central {
		return nil, apiErr("AccessDeniedException", "central configuration is not enabled")
	}
	sh := in.ConfigurationPolicy.(*shtypes.PolicyMemberSecurityHub)
	if len(sh.Value.EnabledStandardIdentifiers) == 0 || sh.Value.SecurityControlsConfiguration == nil {
		return nil, apiErr("InvalidInputException", "policy needs standards and controls configuration")
	}
	id := f.w.id("policy")
	f.w.write("CreateConfigurationPolicy %s %v", *in.Name, sh.Value.EnabledStandardIdentifiers)
	f.w.policies[id] = *in.Name
	return &securityhub.CreateConfigurationPolicyOutput{Id: aws.String(id)}, nil
}

func (f *fakeHub) DeleteConfigurationPolicy(_ context.Context, in *securityhub.DeleteConfigurationPolicyInput, _ ...func(*securityhub.Options)) (*securityhub.DeleteConfigurationPolicyOutput, error) {
	if f.w.rootPolicy == *in.Identifier {
		return nil, apiErr("ConflictException", "policy is associated")
	}
	f.w.write("DeleteConfigurationPolicy %s", *in.Identifier)
	delete(f.w.policies, *in.Identifier)
	return &securityhub.DeleteConfigurationPolicyOutput{}, nil
}

func (f *fakeHub) GetConfigurationPolicyAssociation(_ context.Context, in *securityhub.GetConfigurationPolicyAssociationInput, _ ...func(*securityhub.Options)) (*securityhub.GetConfigurationPolicyAssociationOutput, error) {
	if in.Target.(*shtypes.TargetMemberRootId).Value != f.w.root {
		return nil, apiErr("ResourceNotFoundException", "no such target")
	}
	out := &securityhub.GetConfigurationPolicyAssociationOutput{AssociationType: shtypes.AssociationTypeApplied, ConfigurationPolicyId: aws.String(f.w.rootPolicy)}
	if f.w.rootPolicy == "" {
		out.ConfigurationPolicyId = aws.String("SELF_MANAGED_SECURITY_HUB")
	}
	return out, nil
}

func (f *fakeHub) StartConfigurationPolicyAssociation(_ context.Context, in *securityhub.StartConfigurationPolicyAssociationInput, _ ...func(*securityhub.Options)) (*securityhub.StartConfigurationPolicyAssociationOutput, error) {
	if _, ok := f.w.policies[*in.ConfigurationPolicyIdentifier]; !ok {
		return nil, apiErr("ResourceNotFoundException", "no policy %q", *in.ConfigurationPolicyIdentifier)
	}
	f.w.write("StartConfigurationPolicyAssociation %s", *in.ConfigurationPolicyIdentifier)
	f.w.rootPolicy = *in.ConfigurationPolicyIdentifier
	return &securityhub.StartConfigurationPolicyAssociationOutput{}, nil
}

func (f *fakeHub) StartConfigurationPolicyDisassociation(_ context.Context, in *securityhub.StartConfigurationPolicyDisassociationInput, _ ...func(*securityhub.Options)) (*securityhub.StartConfigurationPolicyDisassociationOutput, error) {
	f.w.write("StartConfigurationPolicyDisassociation %s", *in.ConfigurationPolicyIdentifier)
	f.w.rootPolicy = ""
	return &securityhub.StartConfigurationPolicyDisassociationOutput{}, nil
}

func (f *fakeHub) DescribeActionTargets(_ context.Context, in *securityhub.DescribeActionTargetsInput, _ ...func(*securityhub.Options)) (*securityhub.DescribeActionTargetsOutput, error) {
	out := &securityhub.DescribeActionTargetsOutput{}
	for _, arn := range in.ActionTargetArns {
		if a, ok := f.w.actionTargets[arn]; ok {
			out.ActionTargets = append(out.ActionTargets, a)
		}
	}
	if len(out.ActionTargets) == 0 {
		return nil, apiErr("ResourceNotFoundException", "no action targets")
	}
	return out, nil
}

func (f *fakeHub) CreateActionTarget(_ context.Context, in *securityhub.CreateActionTargetInput, _ ...func(*securityhub.Options)) (*securityhub.CreateActionTargetOutput, error) {
	arn := fmt.Sprintf("arn:%s:securityhub:%s:%s:action/custom/%s", f.w.partition(), f.region, f.account, aws.ToString(in.Id))
	if _, ok := f.w.actionTargets[arn]; ok {
		return nil, apiErr("ResourceConflictException", "action target %s already exists", arn)
	}
	if len(aws.ToString(in.Name)) > 20 || len(aws.ToString(in.Id)) > 20 || in.Description == nil {
		return nil, apiErr("InvalidInputException", "bad action target")
	}
	f.w.write("CreateActionTarget %s", arn)
	f.w.actionTargets[arn] = shtypes.ActionTarget{ActionTargetArn: &arn, Name: in.Name, Description: in.Description}
	return &securityhub.CreateActionTargetOutput{ActionTargetArn: &arn}, nil
}

func (f *fakeHub) DeleteActionTarget(_ context.Context, in *securityhub.DeleteActionTargetInput, _ ...func(*securityhub.Options)) (*securityhub.DeleteActionTargetOutput, error) {
	if _, ok := f.w.actionTargets[*in.ActionTargetArn]; !ok {
		return nil, apiErr("ResourceNotFoundException", "no action target %s", *in.ActionTargetArn)
	}
	f.w.write("DeleteActionTarget %s", *in.ActionTargetArn)
	delete(f.w.actionTargets, *in.ActionTargetArn)
	return &securityhub.DeleteActionTargetOutput{ActionTargetArn: in.ActionTargetArn}, nil
}

// S3.

type fakeS3 struct {
	w               *world
	account, region string
}

func (f *fakeS3) HeadBucket(_ context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	if _, ok := f.w.buckets[*in.Bucket]; !ok {
		return nil, apiErr("NotFound", "Not Found")
	}
	return &s3.HeadBucketOutput{}, nil
}

func (f *fakeS3) CreateBucket(_ context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	if _, ok := f.w.buckets[*in.Bucket]; ok {
		return nil, apiErr("BucketAlreadyOwnedByYou", "exists")
	}
	if f.region != "us-east-1" && (in.CreateBucketConfiguration == nil || string(in.CreateBucketConfiguration.LocationConstraint) != f.region) {
		return nil, apiErr("IllegalLocationConstraintException", "the unspecified location constraint is incompatible with %s", f.region)
	}
	f.w.write("CreateBucket %s", *in.Bucket)
	f.w.buckets[*in.Bucket] = map[string][]byte{}
	return &s3.CreateBucketOutput{}, nil
}

func (f *fakeS3) PutPublicAccessBlock(_ context.Context, in *s3.PutPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	return &s3.PutPublicAccessBlockOutput{}, f.exists(*in.Bucket)
}

func (f *fakeS3) PutBucketPolicy(_ context.Context, in *s3.PutBucketPolicyInput, _ ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
	return &s3.PutBucketPolicyOutput{}, f.exists(*in.Bucket)
}

func (f *fakeS3) exists(bucket string) error {
	if _, ok := f.w.buckets[bucket]; !ok {
		return apiErr("NoSuchBucket", "The specified bucket does not exist")
	}
	return nil
}

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if _, ok := f.w.buckets[*in.Bucket][*in.Key]; !ok {
		return nil, apiErr("NotFound", "Not Found")
	}
	return &s3.HeadObjectOutput{}, nil
}

func (f *fakeS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if err := f.exists(*in.Bucket); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	f.w.write("PutObject %s/%s", *in.Bucket, *in.Key)
	f.w.buckets[*in.Bucket][*in.Key] = b
	return &s3.PutObjectOutput{}, nil
}

func (f *fakeS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if err := f.exists(*in.Bucket); err != nil {
		return nil, err
	}
	var all []s3types.Object
	for _, k := range sortedKeys(f.w.buckets[*in.Bucket]) {
		all = append(all, s3types.Object{Key: aws.String(k)})
	}
	items, next := page(all, in.ContinuationToken, 1)
	return &s3.ListObjectsV2Output{Contents: items, NextContinuationToken: next}, nil
}

func (f *fakeS3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	delete(f.w.buckets[*in.Bucket], *in.Key)
	return &s3.DeleteObjectOutput{}, nil
}

func (f *fakeS3) DeleteBucket(_ context.Context, in *s3.DeleteBucketInput, _ ...func(*s3.Options)) (*s3.DeleteBucketOutput, error) {
	if len(f.w.buckets[*in.Bucket]) > 0 {
		return nil, apiErr("BucketNotEmpty", "The bucket you tried to delete is not empty")
	}
	f.w.write("DeleteBucket %s", *in.Bucket)
	delete(f.w.buckets, *in.Bucket)
	return &s3.DeleteBucketOutput{}, nil
}

// AWS Config.

type fakeConfig struct {
	w               *world
	account, region string
}

func (f fakeConfig) DescribeConfigurationRecorders(context.Context, *configservice.DescribeConfigurationRecordersInput, ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecordersOutput, error) {
	out := &configservice.DescribeConfigurationRecordersOutput{}
	if f.w.recorders[f.account+"/"+f.region] {
		out.ConfigurationRecorders = []cstypes.ConfigurationRecorder{{Name: aws.String("default")}}
	}
	return out, nil
}

func mustAggregatorInput() *securityhub.CreateFindingAggregatorInput {
	return &securityhub.CreateFindingAggregatorInput{RegionLinkingMode: aws.String("SPECIFIED_REGIONS"), Regions: []string{"us-east-1"}}
}

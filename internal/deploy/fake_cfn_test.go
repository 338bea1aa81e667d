package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/deploy/templates"
)

// A stack and a StackSet's stack instance create, in their account and
// region, what their template makes; a name already taken there fails the
// stack as CloudFormation does ("already exists").

type fakeStack struct {
	// template and made: a StackSet's stack instance, and what it made.
	template string
	made     map[string]string
	body     string
	params   []cfntypes.Parameter
	status   cfntypes.StackStatus
	reason   string
	pending  cfntypes.StackStatus // status after the next describe
	events   []cfntypes.StackEvent
}

type fakeSet struct {
	body       string
	params     []cfntypes.Parameter
	instances  map[string]*fakeInstance // account/region
	autoDeploy bool
}

type fakeInstance struct {
	status    cfntypes.StackInstanceStatus
	reason    string
	stack     string // the stack's name (and id) in the account
	overrides []cfntypes.Parameter
}

type fakeOp struct {
	op          cfntypes.StackSetOperation
	results     []cfntypes.StackSetOperationResultSummary
	concurrency int // accounts acted on at once
}

type fakeCFN struct {
	w               *world
	account, region string
}

func (f *fakeCFN) key(name string) string { return f.account + "/" + f.region + "/" + name }

func paramMap(ps ...[]cfntypes.Parameter) map[string]string {
	m := map[string]string{}
	for _, list := range ps {
		for _, p := range list {
			m[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
		}
	}
	return m
}

// make creates what a cisguard template makes in account and region, or
// says why it fails. set names the StackSet ("" for a stack).
func (w *world) make(template, set, account, region string, params map[string]string) error {
	switch template {
	case MemberRoleSet:
		name := param(params, "RoleName", config.DefaultRoleName)
		if _, ok := w.roles[account+"/"+name]; ok {
			return fmt.Errorf("Resource handler returned message: \"Role with name %s already exists.\" (RequestToken: x, HandlerErrorCode: AlreadyExists)", name)
		}
		w.roles[account+"/"+name] = &fakeRole{arn: fmt.Sprintf("arn:%s:iam::%s:role/%s", w.partition, account, name), inline: []string{"cisguard-remediation"}, set: set,
			description: "cisguard - checks and remediates CIS AWS Foundations Benchmark v1.4.0 findings in this account"}
	case MemberTopicSet:
		name := param(params, "TopicName", config.DefaultMemberTopic)
		if _, ok := w.topics[account+"/"+region][name]; ok {
			return fmt.Errorf("Resource handler returned message: \"Topic %s already exists\" (HandlerErrorCode: AlreadyExists)", name)
		}
		if w.topics[account+"/"+region] == nil {
			w.topics[account+"/"+region] = map[string]string{}
		}
		w.topics[account+"/"+region][name] = set
	case CloudTrailKeySet:
		alias := param(params, "AliasName", templates.DefaultKeyAlias)
		if _, ok := w.aliases[account+"/"+region+"/"+alias]; ok {
			return fmt.Errorf("Resource handler returned message: \"An alias with the name arn:%s:kms:%s:%s:%s already exists\" (HandlerErrorCode: AlreadyExists)", w.partition, region, account, alias)
		}
		w.aliases[account+"/"+region+"/"+alias] = w.id("key")
	case EnableConfigSet:
		bucket := configBucket(account, region)
		b, exists := w.buckets[bucket]
		if param(params, "AdoptBucket", "false") == "true" {
			if !exists || b.owner != account {
				return fmt.Errorf("BucketPolicy: The specified bucket does not exist")
			}
		} else {
			if exists {
				return fmt.Errorf("Resource handler returned message: \"%s already exists\" (HandlerErrorCode: AlreadyExists)", bucket)
			}
			w.buckets[bucket] = &fakeBucket{owner: account, region: region, objects: map[string][]byte{}}
		}
		if w.recorders[account+"/"+region] {
			return fmt.Errorf("Failed to put configuration recorder 'default' because the maximum number of configuration recorders: 1 is reached.")
		}
		w.recorders[account+"/"+region] = true
	}
	return nil
}

// unmake deletes what a template made, except what it retains (buckets,
// keys).
func (w *world) unmake(template, account, region string, params map[string]string) {
	switch template {
	case MemberRoleSet:
		delete(w.roles, account+"/"+param(params, "RoleName", config.DefaultRoleName))
	case MemberTopicSet:
		delete(w.topics[account+"/"+region], param(params, "TopicName", config.DefaultMemberTopic))
	case CloudTrailKeySet:
		delete(w.aliases, account+"/"+region+"/"+param(params, "AliasName", templates.DefaultKeyAlias))
	case EnableConfigSet:
		delete(w.recorders, account+"/"+region)
	}
}

func (f *fakeCFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	s, ok := f.w.stacks[f.key(*in.StackName)]
	if !ok {
		return nil, apiErr("ValidationError", "Stack with id %s does not exist", *in.StackName)
	}
	out := &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackName: in.StackName, StackStatus: s.status,
		StackStatusReason: aws.String(s.reason), Parameters: s.params}}}
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

func (f *fakeCFN) fail(s *fakeStack, name, logical, typ, reason string, final cfntypes.StackStatus) {
	now := time.Now()
	s.pending = final
	s.events = []cfntypes.StackEvent{
		{LogicalResourceId: &name, ResourceType: aws.String("AWS::CloudFormation::Stack"), ResourceStatus: cfntypes.ResourceStatus(final), Timestamp: aws.Time(now)},
		{LogicalResourceId: &logical, ResourceType: &typ, ResourceStatus: cfntypes.ResourceStatusCreateFailed, ResourceStatusReason: &reason, Timestamp: aws.Time(now)},
		{LogicalResourceId: &name, ResourceType: aws.String("AWS::CloudFormation::Stack"), ResourceStatus: cfntypes.ResourceStatusCreateInProgress, Timestamp: aws.Time(now)},
	}
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
		f.fail(s, *in.StackName, "Function", "AWS::Lambda::Function", reason, cfntypes.StackStatusRollbackComplete)
	} else if *in.StackName == EnableConfigStack {
		if err := f.w.make(EnableConfigSet, "", f.account, f.region, paramMap(in.Parameters)); err != nil {
			f.fail(s, *in.StackName, "Bucket", "AWS::S3::Bucket", err.Error(), cfntypes.StackStatusRollbackComplete)
		}
	}
	f.w.stacks[k] = s
	return &cloudformation.CreateStackOutput{StackId: aws.String("arn:aws:cloudformation:" + k)}, nil
}

// updatable are the states CloudFormation accepts UpdateStack in.
var updatable = []cfntypes.StackStatus{cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete,
	cfntypes.StackStatusUpdateRollbackComplete, cfntypes.StackStatusImportComplete}

func (f *fakeCFN) UpdateStack(_ context.Context, in *cloudformation.UpdateStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.UpdateStackOutput, error) {
	s, ok := f.w.stacks[f.key(*in.StackName)]
	if !ok {
		return nil, apiErr("ValidationError", "Stack with id %s does not exist", *in.StackName)
	}
	if !slices.Contains(updatable, s.status) {
		return nil, apiErr("ValidationError", "Stack:arn:aws:cloudformation:%s is in %s state and can not be updated.", f.key(*in.StackName), s.status)
	}
	if s.body == *in.TemplateBody && slices.Equal(paramStrings(s.params), paramStrings(in.Parameters)) {
		return nil, apiErr("ValidationError", "No updates are to be performed.")
	}
	f.w.write("UpdateStack %s", f.key(*in.StackName))
	s.body, s.params, s.status, s.pending = *in.TemplateBody, in.Parameters, cfntypes.StackStatusUpdateInProgress, cfntypes.StackStatusUpdateComplete
	return &cloudformation.UpdateStackOutput{}, nil
}

func (f *fakeCFN) ContinueUpdateRollback(_ context.Context, in *cloudformation.ContinueUpdateRollbackInput, _ ...func(*cloudformation.Options)) (*cloudformation.ContinueUpdateRollbackOutput, error) {
	s, ok := f.w.stacks[f.key(*in.StackName)]
	if !ok {
		return nil, apiErr("ValidationError", "Stack with id %s does not exist", *in.StackName)
	}
	if s.status != cfntypes.StackStatusUpdateRollbackFailed {
		return nil, apiErr("ValidationError", "Stack %s is in %s state and can not continue update rollback", *in.StackName, s.status)
	}
	f.w.write("ContinueUpdateRollback %s", f.key(*in.StackName))
	s.status, s.pending = cfntypes.StackStatusUpdateRollbackInProgress, cfntypes.StackStatusUpdateRollbackComplete
	return &cloudformation.ContinueUpdateRollbackOutput{}, nil
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
	s, ok := f.w.stacks[f.key(*in.StackName)]
	if !ok {
		return &cloudformation.DeleteStackOutput{}, nil
	}
	f.w.write("DeleteStack %s", f.key(*in.StackName))
	if reason, bad := f.w.failDelete[*in.StackName]; bad {
		f.fail(s, *in.StackName, "Resource", "AWS::IAM::Role", reason, cfntypes.StackStatusDeleteFailed)
		s.status = cfntypes.StackStatusDeleteInProgress
		return &cloudformation.DeleteStackOutput{}, nil
	}
	s.status, s.pending = cfntypes.StackStatusDeleteInProgress, cfntypes.StackStatusDeleteComplete
	switch {
	case *in.StackName == EnableConfigStack:
		f.w.unmake(EnableConfigSet, f.account, f.region, paramMap(s.params))
	case s.template != "":
		f.w.unmake(s.template, f.account, f.region, s.made)
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

// StackSets: service-managed, in the management account only.

func (f *fakeCFN) set(name string) (*fakeSet, error) {
	if f.account != f.w.mgmt {
		return nil, apiErr("ValidationError", "service-managed StackSets are administered from the management account")
	}
	s, ok := f.w.sets[name]
	if !ok {
		return nil, apiErr("StackSetNotFoundException", "StackSet %s not found", name)
	}
	return s, nil
}

func (f *fakeCFN) DescribeStackSet(_ context.Context, in *cloudformation.DescribeStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOutput, error) {
	s, err := f.set(*in.StackSetName)
	if err != nil {
		return nil, err
	}
	return &cloudformation.DescribeStackSetOutput{StackSet: &cfntypes.StackSet{StackSetName: in.StackSetName, TemplateBody: &s.body,
		Parameters: s.params, Status: cfntypes.StackSetStatusActive}}, nil
}

// checkAutoDeployment enforces the API's rule: RetainStacksOnAccountRemoval
// may be specified only when Enabled is true.
func checkAutoDeployment(a *cfntypes.AutoDeployment, model cfntypes.PermissionModels) error {
	if model != cfntypes.PermissionModelsServiceManaged {
		if a != nil {
			return apiErr("ValidationError", "AutoDeployment is only for service-managed StackSets")
		}
		return nil
	}
	if a == nil || a.Enabled == nil {
		return apiErr("ValidationError", "AutoDeployment must be specified for service-managed StackSets")
	}
	if !*a.Enabled && a.RetainStacksOnAccountRemoval != nil {
		return apiErr("ValidationError", "RetainStacksOnAccountRemoval can be specified only when AutoDeployment is enabled")
	}
	return nil
}

func (f *fakeCFN) CreateStackSet(_ context.Context, in *cloudformation.CreateStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateStackSetOutput, error) {
	if f.account != f.w.mgmt {
		return nil, apiErr("ValidationError", "service-managed StackSets are administered from the management account")
	}
	if !f.w.stackSetsAccess && in.PermissionModel == cfntypes.PermissionModelsServiceManaged {
		return nil, apiErr("ValidationError", "You must enable organizations access to operate a service managed stack set")
	}
	if err := checkAutoDeployment(in.AutoDeployment, in.PermissionModel); err != nil {
		return nil, err
	}
	if _, ok := f.w.sets[*in.StackSetName]; ok {
		return nil, apiErr("NameAlreadyExistsException", "StackSet %s exists", *in.StackSetName)
	}
	f.w.write("CreateStackSet %s", *in.StackSetName)
	f.w.sets[*in.StackSetName] = &fakeSet{body: *in.TemplateBody, params: in.Parameters, instances: map[string]*fakeInstance{}, autoDeploy: *in.AutoDeployment.Enabled}
	return &cloudformation.CreateStackSetOutput{}, nil
}

// checkPreferences enforces StackSetOperationPreferences' rules and
// returns how many accounts the operation acts on at once: in the default
// STRICT_FAILURE_TOLERANCE mode no more than the failure tolerance plus
// one.
func checkPreferences(p *cfntypes.StackSetOperationPreferences, accounts int) (concurrency, tolerance int, err error) {
	if p == nil {
		return 1, 0, nil
	}
	if p.FailureToleranceCount != nil && p.FailureTolerancePercentage != nil {
		return 0, 0, apiErr("ValidationError", "FailureToleranceCount and FailureTolerancePercentage are mutually exclusive")
	}
	if p.MaxConcurrentCount != nil && p.MaxConcurrentPercentage != nil {
		return 0, 0, apiErr("ValidationError", "MaxConcurrentCount and MaxConcurrentPercentage are mutually exclusive")
	}
	switch p.ConcurrencyMode {
	case "", cfntypes.ConcurrencyModeStrictFailureTolerance, cfntypes.ConcurrencyModeSoftFailureTolerance:
	default:
		return 0, 0, apiErr("ValidationError", "unknown ConcurrencyMode %s", p.ConcurrencyMode)
	}
	concurrency = 1
	switch {
	case p.MaxConcurrentCount != nil:
		concurrency = int(*p.MaxConcurrentCount)
	case p.MaxConcurrentPercentage != nil:
		if v := *p.MaxConcurrentPercentage; v < 1 || v > 100 {
			return 0, 0, apiErr("ValidationError", "MaxConcurrentPercentage must be 1-100")
		}
		concurrency = max(1, accounts*int(*p.MaxConcurrentPercentage)/100) // rounded down, at least one
	}
	switch {
	case p.FailureToleranceCount != nil:
		tolerance = int(*p.FailureToleranceCount)
	case p.FailureTolerancePercentage != nil:
		tolerance = accounts * int(*p.FailureTolerancePercentage) / 100
	}
	if p.ConcurrencyMode != cfntypes.ConcurrencyModeSoftFailureTolerance {
		concurrency = min(concurrency, tolerance+1)
	}
	return concurrency, tolerance, nil
}

// run performs an operation account by account in waves of the
// operation's concurrency, in each region; once more accounts failed than
// the tolerance, the rest are not attempted (their instances stay
// OUTDATED), as CloudFormation does.
func (f *fakeCFN) run(set string, accounts, regions []string, prefs *cfntypes.StackSetOperationPreferences, act func(account, region string) error) (*string, error) {
	concurrency, tolerance, err := checkPreferences(prefs, len(accounts))
	if err != nil {
		return nil, err
	}
	id := f.w.id("op")
	op := &fakeOp{op: cfntypes.StackSetOperation{OperationId: &id, Status: cfntypes.StackSetOperationStatusSucceeded}, concurrency: concurrency}
	for _, region := range regions {
		failed, stopped := 0, false
		for i, a := range accounts {
			r := cfntypes.StackSetOperationResultSummary{Account: aws.String(a), Region: aws.String(region), Status: cfntypes.StackSetOperationResultStatusSucceeded}
			stopped = stopped || (i%concurrency == 0 && failed > tolerance) // checked between waves
			if stopped {
				r.Status, r.StatusReason = cfntypes.StackSetOperationResultStatusCancelled, aws.String("Cancelled since failure tolerance has exceeded")
				in := f.w.sets[set].instances[a+"/"+region]
				if in == nil {
					in = &fakeInstance{}
					f.w.sets[set].instances[a+"/"+region] = in
				}
				in.status, in.reason = cfntypes.StackInstanceStatusOutdated, *r.StatusReason
			} else if err := act(a, region); err != nil {
				failed++
				r.Status, r.StatusReason = cfntypes.StackSetOperationResultStatusFailed, aws.String(err.Error())
			}
			op.results = append(op.results, r)
		}
		if failed > tolerance {
			op.op.Status = cfntypes.StackSetOperationStatusFailed
		}
	}
	f.w.ops[id] = op
	return &id, nil
}

func (f *fakeCFN) UpdateStackSet(_ context.Context, in *cloudformation.UpdateStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.UpdateStackSetOutput, error) {
	s, err := f.set(*in.StackSetName)
	if err != nil {
		return nil, err
	}
	if err := checkAutoDeployment(in.AutoDeployment, in.PermissionModel); err != nil {
		return nil, err
	}
	f.w.write("UpdateStackSet %s", *in.StackSetName)
	s.body, s.params = *in.TemplateBody, in.Parameters
	var accounts []string
	var regions []string
	for _, k := range sortedKeys(s.instances) {
		a, r, _ := strings.Cut(k, "/")
		if !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
		if !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	id, err := f.run(*in.StackSetName, accounts, regions, in.OperationPreferences, func(a, r string) error {
		in, ok := s.instances[a+"/"+r]
		if !ok || in.status == cfntypes.StackInstanceStatusInoperable {
			return nil // INOPERABLE instances are excluded from updates
		}
		in.status, in.reason = cfntypes.StackInstanceStatusCurrent, ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cloudformation.UpdateStackSetOutput{OperationId: id}, nil
}

func (f *fakeCFN) DeleteStackSet(_ context.Context, in *cloudformation.DeleteStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackSetOutput, error) {
	s, err := f.set(*in.StackSetName)
	if err != nil {
		return nil, err
	}
	if len(s.instances) > 0 {
		return nil, apiErr("StackSetNotEmptyException", "StackSet %s has stack instances", *in.StackSetName)
	}
	f.w.write("DeleteStackSet %s", *in.StackSetName)
	delete(f.w.sets, *in.StackSetName)
	return &cloudformation.DeleteStackSetOutput{}, nil
}

func (f *fakeCFN) ListStackInstances(_ context.Context, in *cloudformation.ListStackInstancesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackInstancesOutput, error) {
	s, err := f.set(*in.StackSetName)
	if err != nil {
		return nil, err
	}
	var all []cfntypes.StackInstanceSummary
	for _, k := range sortedKeys(s.instances) {
		acct, region, _ := strings.Cut(k, "/")
		i := s.instances[k]
		all = append(all, cfntypes.StackInstanceSummary{Account: aws.String(acct), Region: aws.String(region), Status: i.status,
			StatusReason: aws.String(i.reason), StackId: aws.String(i.stack)})
	}
	items, next := page(all, in.NextToken, 2)
	return &cloudformation.ListStackInstancesOutput{Summaries: items, NextToken: next}, nil
}

// targets resolves service-managed deployment targets to member accounts.
// StackSets never deploy to the management account, even when named.
func (f *fakeCFN) targets(t *cfntypes.DeploymentTargets) ([]string, error) {
	if t == nil || !slices.Equal(t.OrganizationalUnitIds, []string{f.w.root}) {
		return nil, apiErr("ValidationError", "service-managed StackSets need OrganizationalUnitIds")
	}
	if len(t.Accounts) > 0 && t.AccountFilterType == "" {
		return nil, apiErr("ValidationError", "Accounts need an AccountFilterType")
	}
	var out []string
	for _, a := range f.w.accounts {
		if a == f.w.mgmt {
			continue
		}
		switch t.AccountFilterType {
		case cfntypes.AccountFilterTypeIntersection:
			if !slices.Contains(t.Accounts, a) {
				continue
			}
		case cfntypes.AccountFilterTypeDifference:
			if slices.Contains(t.Accounts, a) {
				continue
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// instances is what a StackSet operation requires of each account ×
// region instance it targets: CreateStackInstances refuses an existing
// one, UpdateStackInstances a missing one, DeleteStackInstances neither.
type instances int

const (
	anyInstances instances = iota
	newInstances
	existingInstances
)

// instanceTargets returns the StackSet and the accounts the targets name,
// after checking that their instances are as the operation requires.
func (f *fakeCFN) instanceTargets(name string, targets *cfntypes.DeploymentTargets, regions []string, want instances) (*fakeSet, []string, error) {
	s, err := f.set(name)
	if err != nil {
		return nil, nil, err
	}
	accts, err := f.targets(targets)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range regions {
		for _, a := range accts {
			_, ok := s.instances[a+"/"+r]
			switch {
			case want == newInstances && ok:
				return nil, nil, apiErr("ValidationError", "stack instance %s %s of %s already exists: update it instead", a, r, name)
			case want == existingInstances && !ok:
				return nil, nil, apiErr("StackInstanceNotFoundException", "no stack instance %s %s of %s", a, r, name)
			}
		}
	}
	return s, accts, nil
}

func (f *fakeCFN) CreateStackInstances(_ context.Context, in *cloudformation.CreateStackInstancesInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateStackInstancesOutput, error) {
	s, accts, err := f.instanceTargets(*in.StackSetName, in.DeploymentTargets, in.Regions, newInstances)
	if err != nil {
		return nil, err
	}
	f.w.write("CreateStackInstances %s %v %v", *in.StackSetName, in.Regions, accts)
	id, err := f.run(*in.StackSetName, accts, in.Regions, in.OperationPreferences, func(a, r string) error {
		inst := &fakeInstance{status: cfntypes.StackInstanceStatusOutdated, stack: "StackSet-" + *in.StackSetName + "-" + f.w.id("stack"), overrides: in.ParameterOverrides}
		s.instances[a+"/"+r] = inst
		return f.w.deployInstance(*in.StackSetName, s, inst, a, r)
	})
	if err != nil {
		return nil, err
	}
	return &cloudformation.CreateStackInstancesOutput{OperationId: id}, nil
}

// deployInstance deploys the StackSet's template to one instance.
func (w *world) deployInstance(name string, s *fakeSet, inst *fakeInstance, account, region string) error {
	fail := func(reason string) error {
		inst.status, inst.reason = cfntypes.StackInstanceStatusOutdated, "ResourceLogicalId:Resource, ResourceStatusReason:"+reason
		return fmt.Errorf("%s", inst.reason)
	}
	if reason, bad := w.failSet[name]; bad {
		return fail(reason)
	}
	if inst.stack == "" {
		inst.stack = "StackSet-" + name + "-" + w.id("stack")
	}
	if _, exists := w.stacks[account+"/"+region+"/"+inst.stack]; !exists {
		if err := w.make(name, name, account, region, paramMap(s.params, inst.overrides)); err != nil {
			return fail(err.Error())
		}
		w.stacks[account+"/"+region+"/"+inst.stack] = &fakeStack{template: name, made: paramMap(s.params, inst.overrides), body: s.body, status: cfntypes.StackStatusCreateComplete}
	}
	inst.status, inst.reason = cfntypes.StackInstanceStatusCurrent, ""
	return nil
}

func (f *fakeCFN) UpdateStackInstances(_ context.Context, in *cloudformation.UpdateStackInstancesInput, _ ...func(*cloudformation.Options)) (*cloudformation.UpdateStackInstancesOutput, error) {
	s, accts, err := f.instanceTargets(*in.StackSetName, in.DeploymentTargets, in.Regions, existingInstances)
	if err != nil {
		return nil, err
	}
	f.w.write("UpdateStackInstances %s %v %v", *in.StackSetName, in.Regions, accts)
	id, err := f.run(*in.StackSetName, accts, in.Regions, in.OperationPreferences, func(a, r string) error {
		inst := s.instances[a+"/"+r]
		if inst.status == cfntypes.StackInstanceStatusInoperable {
			return fmt.Errorf("stack instance is INOPERABLE")
		}
		if in.ParameterOverrides != nil { // AWS: no list keeps the instance's overrides; a list replaces them
			inst.overrides = in.ParameterOverrides
		}
		return f.w.deployInstance(*in.StackSetName, s, inst, a, r)
	})
	if err != nil {
		return nil, err
	}
	return &cloudformation.UpdateStackInstancesOutput{OperationId: id}, nil
}

func (f *fakeCFN) DeleteStackInstances(_ context.Context, in *cloudformation.DeleteStackInstancesInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackInstancesOutput, error) {
	s, accts, err := f.instanceTargets(*in.StackSetName, in.DeploymentTargets, in.Regions, anyInstances)
	if err != nil {
		return nil, err
	}
	if in.RetainStacks == nil {
		return nil, apiErr("ValidationError", "RetainStacks is required")
	}
	f.w.write("DeleteStackInstances %s %v %v retain=%v", *in.StackSetName, in.Regions, accts, *in.RetainStacks)
	id, err := f.run(*in.StackSetName, accts, in.Regions, in.OperationPreferences, func(a, r string) error {
		inst, ok := s.instances[a+"/"+r]
		if !ok {
			return nil
		}
		if reason, bad := f.w.failDelete[*in.StackSetName]; bad && !*in.RetainStacks {
			inst.status, inst.reason = cfntypes.StackInstanceStatusInoperable, reason
			return fmt.Errorf("%s", reason)
		}
		if !*in.RetainStacks {
			delete(f.w.stacks, a+"/"+r+"/"+inst.stack)
			f.w.unmake(*in.StackSetName, a, r, paramMap(s.params, inst.overrides))
		}
		delete(s.instances, a+"/"+r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cloudformation.DeleteStackInstancesOutput{OperationId: id}, nil
}

func (f *fakeCFN) DescribeStackSetOperation(_ context.Context, in *cloudformation.DescribeStackSetOperationInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOperationOutput, error) {
	op, ok := f.w.ops[*in.OperationId]
	if !ok {
		return nil, apiErr("OperationNotFoundException", "no operation %s", *in.OperationId)
	}
	// The first look finds it running, as a real operation would be.
	f.w.describeCounts[*in.OperationId]++
	if f.w.describeCounts[*in.OperationId] == 1 {
		return &cloudformation.DescribeStackSetOperationOutput{StackSetOperation: &cfntypes.StackSetOperation{OperationId: op.op.OperationId, Status: cfntypes.StackSetOperationStatusRunning}}, nil
	}
	return &cloudformation.DescribeStackSetOperationOutput{StackSetOperation: &op.op}, nil
}

func (f *fakeCFN) ListStackSetOperationResults(_ context.Context, in *cloudformation.ListStackSetOperationResultsInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackSetOperationResultsOutput, error) {
	items, next := page(f.w.ops[*in.OperationId].results, in.NextToken, 2)
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
	if f.account != f.w.mgmt {
		return nil, apiErr("ValidationError", "only the management account can activate organizations access")
	}
	f.w.write("ActivateOrganizationsAccess")
	f.w.stackSetsAccess = true
	return &cloudformation.ActivateOrganizationsAccessOutput{}, nil
}

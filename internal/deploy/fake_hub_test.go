package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// fakeHub is Security Hub in one account and region. It enforces: only
// the management account designates the delegated administrator, and
// only an account of the organization; an account has one finding
// aggregator; central configuration needs the delegated administrator,
// the aggregator in its home region, AutoEnable off and no default
// standards, is switched on asynchronously (PENDING, then ENABLED or
// FAILED with a StatusMessage) and fails when the delegated administrator
// is the management account; configuration policies and associations need
// it ENABLED; associations are asynchronous too, and when they succeed
// the policy's standards replace the accounts' standards in the home and
// linked regions, as Security Hub does; a policy still associated cannot
// be deleted.
type fakeHub struct {
	w               *world
	account, region string
}

func (f *fakeHub) on() bool { return f.w.hubOn[f.account+"/"+f.region] }

func (f *fakeHub) notSubscribed() error {
	return apiErr("InvalidAccessException", "Account %s is not subscribed to AWS Security Hub in %s", f.account, f.region)
}

func (f *fakeHub) ListOrganizationAdminAccounts(context.Context, *securityhub.ListOrganizationAdminAccountsInput, ...func(*securityhub.Options)) (*securityhub.ListOrganizationAdminAccountsOutput, error) {
	if f.account != f.w.mgmt {
		return nil, apiErr("AccessDeniedException", "only the management account lists the delegated administrator")
	}
	out := &securityhub.ListOrganizationAdminAccountsOutput{}
	if a, ok := f.w.delegated[f.region]; ok {
		out.AdminAccounts = []shtypes.AdminAccount{{AccountId: aws.String(a), Status: shtypes.AdminStatusEnabled}}
	}
	return out, nil
}

func (f *fakeHub) EnableOrganizationAdminAccount(_ context.Context, in *securityhub.EnableOrganizationAdminAccountInput, _ ...func(*securityhub.Options)) (*securityhub.EnableOrganizationAdminAccountOutput, error) {
	admin := aws.ToString(in.AdminAccountId)
	switch {
	case f.account != f.w.mgmt:
		return nil, apiErr("AccessDeniedException", "only the management account can designate the delegated administrator")
	case !f.w.isAccount(admin):
		return nil, apiErr("InvalidInputException", "account %s is not in the organization", admin)
	case f.w.delegated[f.region] != "" && f.w.delegated[f.region] != admin:
		return nil, apiErr("ResourceConflictException", "%s is already the delegated administrator in %s", f.w.delegated[f.region], f.region)
	}
	f.w.write("EnableOrganizationAdminAccount %s %s", f.region, admin)
	f.w.delegated[f.region] = admin
	f.w.hubOn[admin+"/"+f.region] = true // designating enables Security Hub there
	return &securityhub.EnableOrganizationAdminAccountOutput{}, nil
}

func (f *fakeHub) ListFindingAggregators(context.Context, *securityhub.ListFindingAggregatorsInput, ...func(*securityhub.Options)) (*securityhub.ListFindingAggregatorsOutput, error) {
	if !f.on() {
		return nil, f.notSubscribed()
	}
	out := &securityhub.ListFindingAggregatorsOutput{}
	if a := f.w.aggregator; a != nil && a.owner == f.account {
		out.FindingAggregators = []shtypes.FindingAggregator{{FindingAggregatorArn: aws.String(f.w.aggregatorARN())}}
	}
	return out, nil
}

func (w *world) aggregatorARN() string {
	return fmt.Sprintf("arn:%s:securityhub:%s:%s:finding-aggregator/x", w.partition, w.aggregator.region, w.aggregator.owner)
}

func (f *fakeHub) GetFindingAggregator(_ context.Context, in *securityhub.GetFindingAggregatorInput, _ ...func(*securityhub.Options)) (*securityhub.GetFindingAggregatorOutput, error) {
	a := f.w.aggregator
	if a == nil || a.owner != f.account || aws.ToString(in.FindingAggregatorArn) != f.w.aggregatorARN() {
		return nil, apiErr("ResourceNotFoundException", "no aggregator")
	}
	return &securityhub.GetFindingAggregatorOutput{FindingAggregatorArn: aws.String(f.w.aggregatorARN()), FindingAggregationRegion: &a.region,
		RegionLinkingMode: &a.mode, Regions: a.regions}, nil
}

func (f *fakeHub) CreateFindingAggregator(_ context.Context, in *securityhub.CreateFindingAggregatorInput, _ ...func(*securityhub.Options)) (*securityhub.CreateFindingAggregatorOutput, error) {
	switch mode := aws.ToString(in.RegionLinkingMode); {
	case !f.on():
		return nil, f.notSubscribed()
	case f.w.aggregator != nil && f.w.aggregator.owner == f.account:
		return nil, apiErr("InvalidInputException", "a finding aggregator already exists in %s", f.w.aggregator.region)
	case mode == "SPECIFIED_REGIONS" && len(in.Regions) == 0, mode == "NO_REGIONS" && len(in.Regions) > 0:
		return nil, apiErr("InvalidInputException", "%s with regions %v", mode, in.Regions)
	}
	f.w.write("CreateFindingAggregator %s %v", f.region, in.Regions)
	f.w.aggregator = &aggregator{owner: f.account, region: f.region, mode: *in.RegionLinkingMode, regions: in.Regions}
	return &securityhub.CreateFindingAggregatorOutput{}, nil
}

func (f *fakeHub) UpdateFindingAggregator(_ context.Context, in *securityhub.UpdateFindingAggregatorInput, _ ...func(*securityhub.Options)) (*securityhub.UpdateFindingAggregatorOutput, error) {
	a := f.w.aggregator
	if a == nil || a.owner != f.account || f.region != a.region {
		return nil, apiErr("ResourceNotFoundException", "no aggregator here")
	}
	f.w.write("UpdateFindingAggregator %v", in.Regions)
	a.mode, a.regions = *in.RegionLinkingMode, in.Regions
	return &securityhub.UpdateFindingAggregatorOutput{}, nil
}

// adminHere: the caller is the delegated administrator in this region.
func (f *fakeHub) adminHere() error {
	if f.w.delegated[f.region] != f.account {
		return apiErr("InvalidAccessException", "account %s is not the Security Hub administrator in %s", f.account, f.region)
	}
	return nil
}

func (f *fakeHub) DescribeOrganizationConfiguration(context.Context, *securityhub.DescribeOrganizationConfigurationInput, ...func(*securityhub.Options)) (*securityhub.DescribeOrganizationConfigurationOutput, error) {
	if err := f.adminHere(); err != nil {
		return nil, err
	}
	oc := &shtypes.OrganizationConfiguration{ConfigurationType: shtypes.OrganizationConfigurationConfigurationTypeLocal, Status: shtypes.OrganizationConfigurationStatusEnabled}
	if f.w.central {
		if f.w.centralStatus == shtypes.OrganizationConfigurationStatusPending {
			if f.w.centralPending--; f.w.centralPending < 0 {
				f.w.centralStatus = shtypes.OrganizationConfigurationStatusEnabled
				if f.w.centralFail != "" {
					f.w.centralStatus, f.w.centralMessage = shtypes.OrganizationConfigurationStatusFailed, f.w.centralFail
				}
			}
		}
		oc.ConfigurationType, oc.Status = shtypes.OrganizationConfigurationConfigurationTypeCentral, f.w.centralStatus
		if oc.Status == shtypes.OrganizationConfigurationStatusFailed {
			oc.StatusMessage = aws.String(f.w.centralMessage)
		}
	}
	return &securityhub.DescribeOrganizationConfigurationOutput{OrganizationConfiguration: oc, AutoEnable: aws.Bool(false)}, nil
}

func (f *fakeHub) UpdateOrganizationConfiguration(_ context.Context, in *securityhub.UpdateOrganizationConfigurationInput, _ ...func(*securityhub.Options)) (*securityhub.UpdateOrganizationConfigurationOutput, error) {
	if err := f.adminHere(); err != nil {
		return nil, err
	}
	central := in.OrganizationConfiguration != nil && in.OrganizationConfiguration.ConfigurationType == shtypes.OrganizationConfigurationConfigurationTypeCentral
	if central {
		switch {
		case f.w.aggregator == nil || f.w.aggregator.owner != f.account || f.w.aggregator.region != f.region:
			return nil, apiErr("InvalidInputException", "central configuration needs a finding aggregator in the home region %s", f.region)
		case aws.ToBool(in.AutoEnable):
			return nil, apiErr("InvalidInputException", "AutoEnable must be false with central configuration")
		case in.AutoEnableStandards != shtypes.AutoEnableStandardsNone:
			return nil, apiErr("InvalidInputException", "AutoEnableStandards must be NONE with central configuration")
		}
	}
	f.w.write("UpdateOrganizationConfiguration %s", in.OrganizationConfiguration.ConfigurationType)
	f.w.central = central
	if central {
		f.w.centralStatus, f.w.centralPending = shtypes.OrganizationConfigurationStatusPending, 1
		if f.account == f.w.mgmt && f.w.centralFail == "" {
			f.w.centralFail = "The delegated administrator can't be the organization management account when using central configuration."
		}
	}
	return &securityhub.UpdateOrganizationConfigurationOutput{}, nil
}

// centralReady: central configuration is ENABLED and the caller is its
// delegated administrator in the home region.
func (f *fakeHub) centralReady() error {
	if err := f.adminHere(); err != nil {
		return err
	}
	switch {
	case !f.w.central:
		return apiErr("AccessDeniedException", "the organization does not use central configuration")
	case f.w.centralStatus == shtypes.OrganizationConfigurationStatusPending:
		return apiErr("ResourceConflictException", "central configuration is still being enabled")
	case f.w.centralStatus != shtypes.OrganizationConfigurationStatusEnabled:
		return apiErr("AccessDeniedException", "central configuration is %s", f.w.centralStatus)
	case f.w.aggregator == nil || f.w.aggregator.region != f.region:
		return apiErr("InvalidAccessException", "configuration policies are managed from the home region only")
	}
	return nil
}

func (f *fakeHub) ListConfigurationPolicies(_ context.Context, in *securityhub.ListConfigurationPoliciesInput, _ ...func(*securityhub.Options)) (*securityhub.ListConfigurationPoliciesOutput, error) {
	if err := f.centralReady(); err != nil {
		return nil, err
	}
	var all []shtypes.ConfigurationPolicySummary
	for _, id := range sortedKeys(f.w.policies) {
		all = append(all, shtypes.ConfigurationPolicySummary{Id: aws.String(id), Name: aws.String(f.w.policies[id].name)})
	}
	items, next := page(all, in.NextToken, 1)
	return &securityhub.ListConfigurationPoliciesOutput{ConfigurationPolicySummaries: items, NextToken: next}, nil
}

func (f *fakeHub) GetConfigurationPolicy(_ context.Context, in *securityhub.GetConfigurationPolicyInput, _ ...func(*securityhub.Options)) (*securityhub.GetConfigurationPolicyOutput, error) {
	if err := f.centralReady(); err != nil {
		return nil, err
	}
	p, ok := f.w.policies[aws.ToString(in.Identifier)]
	if !ok {
		return nil, apiErr("ResourceNotFoundException", "no policy %s", aws.ToString(in.Identifier))
	}
	return &securityhub.GetConfigurationPolicyOutput{Id: in.Identifier, Name: &p.name, ConfigurationPolicy: &shtypes.PolicyMemberSecurityHub{
		Value: shtypes.SecurityHubPolicy{ServiceEnabled: aws.Bool(p.serviceEnabled), EnabledStandardIdentifiers: p.standards}}}, nil
}

func (f *fakeHub) CreateConfigurationPolicy(_ context.Context, in *securityhub.CreateConfigurationPolicyInput, _ ...func(*securityhub.Options)) (*securityhub.CreateConfigurationPolicyOutput, error) {
	if err := f.centralReady(); err != nil {
		return nil, err
	}
	sh, ok := in.ConfigurationPolicy.(*shtypes.PolicyMemberSecurityHub)
	if !ok || sh.Value.ServiceEnabled == nil || sh.Value.SecurityControlsConfiguration == nil {
		return nil, apiErr("InvalidInputException", "a policy needs ServiceEnabled and SecurityControlsConfiguration")
	}
	if *sh.Value.ServiceEnabled && len(sh.Value.EnabledStandardIdentifiers) == 0 {
		return nil, apiErr("InvalidInputException", "EnabledStandardIdentifiers is required when Security Hub is enabled")
	}
	for _, arn := range sh.Value.EnabledStandardIdentifiers {
		if !strings.HasPrefix(arn, "arn:"+f.w.partition+":securityhub:") || (!strings.Contains(arn, ":"+f.region+"::standards/") && !strings.Contains(arn, ":::ruleset/")) {
			return nil, apiErr("InvalidInputException", "invalid standard %s for partition %s, home region %s", arn, f.w.partition, f.region)
		}
	}
	for _, p := range f.w.policies {
		if p.name == aws.ToString(in.Name) {
			return nil, apiErr("ResourceConflictException", "a policy named %s exists", p.name)
		}
	}
	id := f.w.id("policy")
	f.w.write("CreateConfigurationPolicy %s %v", *in.Name, sh.Value.EnabledStandardIdentifiers)
	f.w.policies[id] = &fakePolicy{name: *in.Name, standards: sh.Value.EnabledStandardIdentifiers, serviceEnabled: *sh.Value.ServiceEnabled}
	return &securityhub.CreateConfigurationPolicyOutput{Id: aws.String(id), Name: in.Name}, nil
}

func (f *fakeHub) DeleteConfigurationPolicy(_ context.Context, in *securityhub.DeleteConfigurationPolicyInput, _ ...func(*securityhub.Options)) (*securityhub.DeleteConfigurationPolicyOutput, error) {
	if err := f.centralReady(); err != nil {
		return nil, err
	}
	for t, a := range f.w.assoc {
		if a.policy == *in.Identifier {
			return nil, apiErr("ResourceConflictException", "policy %s is associated with %s: disassociate it first", *in.Identifier, t)
		}
	}
	f.w.write("DeleteConfigurationPolicy %s", *in.Identifier)
	delete(f.w.policies, *in.Identifier)
	return &securityhub.DeleteConfigurationPolicyOutput{}, nil
}

func targetKey(t shtypes.Target) string {
	switch t := t.(type) {
	case *shtypes.TargetMemberRootId:
		return "root"
	case *shtypes.TargetMemberAccountId:
		return t.Value
	}
	return "?"
}

// settle moves a pending association on once it has been looked at, and
// applies the policy to the accounts it governs when it succeeds.
func (w *world) settle(key string) {
	a := w.assoc[key]
	if a == nil || a.status != shtypes.ConfigurationPolicyAssociationStatusPending {
		return
	}
	if a.pending--; a.pending >= 0 {
		return
	}
	switch {
	case a.disassociated && key == "root":
		*a = fakeAssoc{policy: selfManaged, status: shtypes.ConfigurationPolicyAssociationStatusSuccess}
	case a.disassociated:
		delete(w.assoc, key)
	case w.assocFail != "":
		a.status, a.message = shtypes.ConfigurationPolicyAssociationStatusFailed, w.assocFail
		w.assocFail = ""
	default:
		a.status = shtypes.ConfigurationPolicyAssociationStatusSuccess
		w.apply(key)
	}
}

// apply gives the accounts that a target's policy governs its standards
// in the home and linked regions: what they had is replaced.
func (w *world) apply(key string) {
	p := w.policies[w.assoc[key].policy]
	if p == nil {
		return
	}
	for _, acct := range w.accounts {
		if key == "root" && w.assoc[acct] != nil || key != "root" && key != acct {
			continue
		}
		for _, r := range append([]string{w.aggregator.region}, w.aggregator.regions...) {
			w.hubOn[acct+"/"+r] = p.serviceEnabled
			var std []string
			for _, arn := range p.standards {
				std = append(std, w.standardARN(standardKey(arn), r))
			}
			w.standards[acct+"/"+r] = std
		}
	}
}

func (f *fakeHub) effective(account string) (*fakeAssoc, shtypes.AssociationType) {
	if a, ok := f.w.assoc[account]; ok {
		return a, shtypes.AssociationTypeApplied
	}
	if a, ok := f.w.assoc["root"]; ok {
		return a, shtypes.AssociationTypeInherited
	}
	return &fakeAssoc{policy: selfManaged, status: shtypes.ConfigurationPolicyAssociationStatusSuccess}, shtypes.AssociationTypeInherited
}

func (f *fakeHub) GetConfigurationPolicyAssociation(_ context.Context, in *securityhub.GetConfigurationPolicyAssociationInput, _ ...func(*securityhub.Options)) (*securityhub.GetConfigurationPolicyAssociationOutput, error) {
	if err := f.centralReady(); err != nil {
		return nil, err
	}
	key := targetKey(in.Target)
	if key == "?" || (key != "root" && !f.w.isAccount(key)) || (key == "root" && in.Target.(*shtypes.TargetMemberRootId).Value != f.w.root) {
		return nil, apiErr("ResourceNotFoundException", "no such target")
	}
	f.w.settle(key)
	a, typ := f.effective(key)
	if key == "root" {
		typ = shtypes.AssociationTypeApplied
	}
	return &securityhub.GetConfigurationPolicyAssociationOutput{ConfigurationPolicyId: aws.String(a.policy), AssociationType: typ,
		AssociationStatus: a.status, AssociationStatusMessage: aws.String(a.message)}, nil
}

func (f *fakeHub) ListConfigurationPolicyAssociations(_ context.Context, in *securityhub.ListConfigurationPolicyAssociationsInput, _ ...func(*securityhub.Options)) (*securityhub.ListConfigurationPolicyAssociationsOutput, error) {
	if err := f.centralReady(); err != nil {
		return nil, err
	}
	var all []shtypes.ConfigurationPolicyAssociationSummary
	for _, acct := range f.w.accounts {
		a, typ := f.effective(acct)
		all = append(all, shtypes.ConfigurationPolicyAssociationSummary{TargetId: aws.String(acct), TargetType: shtypes.TargetTypeAccount,
			ConfigurationPolicyId: aws.String(a.policy), AssociationType: typ, AssociationStatus: a.status, AssociationStatusMessage: aws.String(a.message)})
	}
	items, next := page(all, in.NextToken, 2)
	return &securityhub.ListConfigurationPolicyAssociationsOutput{ConfigurationPolicyAssociationSummaries: items, NextToken: next}, nil
}

func (f *fakeHub) StartConfigurationPolicyAssociation(_ context.Context, in *securityhub.StartConfigurationPolicyAssociationInput, _ ...func(*securityhub.Options)) (*securityhub.StartConfigurationPolicyAssociationOutput, error) {
	if err := f.centralReady(); err != nil {
		return nil, err
	}
	id := aws.ToString(in.ConfigurationPolicyIdentifier)
	if _, ok := f.w.policies[id]; !ok {
		return nil, apiErr("ResourceNotFoundException", "no policy %q", id)
	}
	key := targetKey(in.Target)
	if key == "?" || (key != "root" && !f.w.isAccount(key)) {
		return nil, apiErr("InvalidInputException", "bad target")
	}
	f.w.write("StartConfigurationPolicyAssociation %s %s", id, key)
	f.w.assoc[key] = &fakeAssoc{policy: id, status: shtypes.ConfigurationPolicyAssociationStatusPending, pending: 1}
	return &securityhub.StartConfigurationPolicyAssociationOutput{ConfigurationPolicyId: &id, AssociationStatus: shtypes.ConfigurationPolicyAssociationStatusPending}, nil
}

func (f *fakeHub) StartConfigurationPolicyDisassociation(_ context.Context, in *securityhub.StartConfigurationPolicyDisassociationInput, _ ...func(*securityhub.Options)) (*securityhub.StartConfigurationPolicyDisassociationOutput, error) {
	if err := f.centralReady(); err != nil {
		return nil, err
	}
	key := targetKey(in.Target)
	a, ok := f.w.assoc[key]
	if !ok || a.policy != aws.ToString(in.ConfigurationPolicyIdentifier) {
		return nil, apiErr("ResourceNotFoundException", "policy %s is not applied to %s", aws.ToString(in.ConfigurationPolicyIdentifier), key)
	}
	f.w.write("StartConfigurationPolicyDisassociation %s %s", a.policy, key)
	a.status, a.pending, a.disassociated = shtypes.ConfigurationPolicyAssociationStatusPending, 1, true
	return &securityhub.StartConfigurationPolicyDisassociationOutput{}, nil
}

func (f *fakeHub) GetEnabledStandards(_ context.Context, in *securityhub.GetEnabledStandardsInput, _ ...func(*securityhub.Options)) (*securityhub.GetEnabledStandardsOutput, error) {
	if !f.on() {
		return nil, f.notSubscribed()
	}
	var all []shtypes.StandardsSubscription
	for _, arn := range f.w.standards[f.account+"/"+f.region] {
		all = append(all, shtypes.StandardsSubscription{StandardsArn: aws.String(arn), StandardsStatus: shtypes.StandardsStatusReady})
	}
	items, next := page(all, in.NextToken, 1)
	return &securityhub.GetEnabledStandardsOutput{StandardsSubscriptions: items, NextToken: next}, nil
}

// enabled returns an account's standards in a region, by key.
func (w *world) enabled(account, region string) []string {
	var out []string
	for _, arn := range w.standards[account+"/"+region] {
		out = append(out, standardKey(arn))
	}
	slices.Sort(out)
	return out
}

func (f *fakeHub) DescribeActionTargets(_ context.Context, in *securityhub.DescribeActionTargetsInput, _ ...func(*securityhub.Options)) (*securityhub.DescribeActionTargetsOutput, error) {
	if !f.on() {
		return nil, f.notSubscribed()
	}
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
	if !f.on() {
		return nil, f.notSubscribed()
	}
	arn := fmt.Sprintf("arn:%s:securityhub:%s:%s:action/custom/%s", f.w.partition, f.region, f.account, aws.ToString(in.Id))
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

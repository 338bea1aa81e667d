package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/plan"
)

// cisStandard is the key of CIS AWS Foundations Benchmark v1.4.0.
const cisStandard = "standards/cis-aws-foundations-benchmark/v/1.4.0"

// standardKey returns a standard's ARN without partition and region
// ("standards/pci-dss/v/3.2.1"), so that the same standard compares equal
// across regions.
func standardKey(arn string) string {
	if i := strings.Index(arn, "::"); i >= 0 {
		return arn[i+2:]
	}
	return arn
}

// standardARN is a key's ARN in a partition and region, as a
// configuration policy names it (CIS v1.2.0 is a ruleset with no region).
func standardARN(key, partition, region string) string {
	if strings.HasPrefix(key, "ruleset/") {
		return fmt.Sprintf("arn:%s:securityhub:::%s", partition, key)
	}
	return fmt.Sprintf("arn:%s:securityhub:%s::%s", partition, region, key)
}

var standardNames = map[string]string{
	"standards/aws-foundational-security-best-practices/v/1.0.0": "FSBP v1.0.0",
	"ruleset/cis-aws-foundations-benchmark/v/1.2.0":              "CIS v1.2.0",
	"standards/cis-aws-foundations-benchmark/v/1.4.0":            "CIS v1.4.0",
	"standards/cis-aws-foundations-benchmark/v/3.0.0":            "CIS v3.0.0",
	"standards/cis-aws-foundations-benchmark/v/5.0.0":            "CIS v5.0.0",
	"standards/pci-dss/v/3.2.1":                                  "PCI DSS v3.2.1",
	"standards/pci-dss/v/4.0.1":                                  "PCI DSS v4.0.1",
	"standards/nist-800-53/v/5.0.0":                              "NIST SP 800-53 Rev. 5",
	"standards/nist-800-171/v/2.0.0":                             "NIST SP 800-171 Rev. 2",
	"standards/aws-resource-tagging-standard/v/1.0.0":            "AWS Resource Tagging v1.0.0",
}

// standardsText names a set of standards for people.
func standardsText(keys []string) string {
	if len(keys) == 0 {
		return "none"
	}
	var names []string
	for _, k := range keys {
		if n, ok := standardNames[k]; ok {
			names = append(names, n)
		} else {
			names = append(names, k)
		}
	}
	return strings.Join(names, ", ")
}

// withCIS returns the standards plus CIS v1.4.0, sorted.
func withCIS(keys []string) []string {
	out := append(slices.Clone(keys), cisStandard)
	slices.Sort(out)
	return slices.Compact(out)
}

// aggregator makes the home region aggregate the findings of the other
// regions: central configuration requires it (its home region is the
// aggregation region), and the admin stack's rules then see every region's
// findings. An existing aggregator is always looked for first: an account
// has at most one.
func (p *Planner) aggregator(ctx context.Context, pl *plan.Plan, hub SecurityHub) error {
	home, linked := p.Opts.home(), p.Opts.Regions[1:]
	if len(linked) == 0 {
		pl.Note("only %s in --regions: the configuration policies take effect in %s alone (its home region, with no linked region); Security Hub in other regions keeps each account's own settings and their findings never reach cisguard; list every region you use in --regions to cover them", home, home)
	}
	list, err := hub.ListFindingAggregators(ctx, &securityhub.ListFindingAggregatorsInput{})
	switch {
	case err != nil && p.newAdmin && (isCode(err, "InvalidAccessException") || isCode(err, "AccessDeniedException")):
		list = &securityhub.ListFindingAggregatorsOutput{} // Security Hub is not on in the admin account yet
	case err != nil:
		return fmt.Errorf("securityhub:ListFindingAggregators in the admin account, %s: %w", home, err)
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
		return fmt.Errorf("securityhub:GetFindingAggregator %s: %w", aws.ToString(arn), err)
	}
	if r := aws.ToString(agg.FindingAggregationRegion); r != home {
		return fmt.Errorf("Security Hub aggregates findings in %s, not %s: central configuration's home region is the aggregation region, so list %s first in --regions", r, home, r)
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
			return fmt.Errorf("the finding aggregator in %s excludes %s; change it in the Security Hub console", home, strings.Join(missing, ", "))
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

// centralConfig switches the organization to Security Hub central
// configuration, so that configuration policies enable Security Hub and
// the standards in every account and linked region. The switch is
// asynchronous (PENDING, then ENABLED or FAILED): the step waits for it
// and reports FAILED with Security Hub's StatusMessage; a run after a
// failure tries again.
func (p *Planner) centralConfig(ctx context.Context, pl *plan.Plan, hub SecurityHub) error {
	p.Report.Central = "local configuration: switched to central configuration"
	if !p.newAdmin {
		out, err := hub.DescribeOrganizationConfiguration(ctx, &securityhub.DescribeOrganizationConfigurationInput{})
		if err != nil {
			return fmt.Errorf("securityhub:DescribeOrganizationConfiguration in the admin account, %s: %w", p.Opts.home(), err)
		}
		if oc := out.OrganizationConfiguration; oc != nil && oc.ConfigurationType == shtypes.OrganizationConfigurationConfigurationTypeCentral {
			switch oc.Status {
			case shtypes.OrganizationConfigurationStatusEnabled, "":
				p.central = true
				p.Report.Central = "central configuration (already on)"
				return nil
			case shtypes.OrganizationConfigurationStatusPending:
				p.Report.Central = "central configuration: being switched on (PENDING)"
				pl.Add("wait for Security Hub central configuration to be switched on (it is PENDING)", func(ctx context.Context) error {
					return p.waitCentral(ctx, hub)
				})
				return nil
			default:
				pl.Note("switching to central configuration failed earlier: %s", aws.ToString(oc.StatusMessage))
			}
		}
	}
	pl.Add("switch Security Hub to central configuration for the organization (and wait until it is ENABLED)", func(ctx context.Context) error {
		_, err := hub.UpdateOrganizationConfiguration(ctx, &securityhub.UpdateOrganizationConfigurationInput{
			AutoEnable:                aws.Bool(false),
			AutoEnableStandards:       shtypes.AutoEnableStandardsNone,
			OrganizationConfiguration: &shtypes.OrganizationConfiguration{ConfigurationType: shtypes.OrganizationConfigurationConfigurationTypeCentral},
		})
		if err != nil {
			return err
		}
		return p.waitCentral(ctx, hub)
	})
	return nil
}

// waitCentral waits until central configuration is ENABLED.
func (p *Planner) waitCentral(ctx context.Context, hub SecurityHub) error {
	last := ""
	for {
		out, err := hub.DescribeOrganizationConfiguration(ctx, &securityhub.DescribeOrganizationConfigurationInput{})
		if err != nil {
			return fmt.Errorf("securityhub:DescribeOrganizationConfiguration: %w", err)
		}
		oc := out.OrganizationConfiguration
		if oc == nil || oc.ConfigurationType != shtypes.OrganizationConfigurationConfigurationTypeCentral {
			return fmt.Errorf("the organization is still on local configuration")
		}
		if string(oc.Status) != last {
			last = string(oc.Status)
			progress(p.Opts.Progress, "central configuration: %s", oc.Status)
		}
		switch oc.Status {
		case shtypes.OrganizationConfigurationStatusEnabled:
			return nil
		case shtypes.OrganizationConfigurationStatusFailed:
			return fmt.Errorf("Security Hub could not switch to central configuration: %s", aws.ToString(oc.StatusMessage))
		}
		if err := sleep(ctx, p.Opts.Poll); err != nil {
			return err
		}
	}
}

// policyState is one configuration policy.
type policyState struct {
	id, name  string
	standards []string // keys
	ours      bool
}

// association is the configuration in effect for an account.
type association struct {
	policy  string // policy id, or selfManaged
	applied bool   // directly on the account (else inherited)
	status  shtypes.ConfigurationPolicyAssociationStatus
	message string
}

const selfManaged = "SELF_MANAGED_SECURITY_HUB"

// StandardsGroup is a group of accounts with the same standards before
// and after the deployment.
type StandardsGroup struct {
	Accounts      []string
	Before, After []string // standard keys
	// Unknown: the accounts' standards could not be read.
	Unknown bool
	// How says which configuration does it ("policy cisguard-cis-v1.4.0
	// on the root", "left as it is: policy corporate baseline").
	How string
}

// standards adds CIS v1.4.0 to the standards each account already uses,
// and never disables one: every account's enabled standards are read
// (with the access role), accounts with the same standards form a group,
// and each group gets a configuration policy with its standards plus CIS
// v1.4.0. The largest group's policy goes on the root (new accounts
// inherit it); the others are applied to their accounts directly, before
// the root's, so no account ever passes through another group's
// standards. Accounts governed by a policy of the organization's own are
// left as they are (a note says when that policy lacks CIS v1.4.0).
func (p *Planner) standards(ctx context.Context, pl *plan.Plan, hub SecurityHub) error {
	o := &p.Opts
	policies := map[string]*policyState{}
	assoc := map[string]association{} // account → effective association
	var root association
	if p.central {
		var err error
		if policies, err = listPolicies(ctx, hub); err != nil {
			return err
		}
		if root, err = getAssociation(ctx, hub, &shtypes.TargetMemberRootId{Value: p.org.root}); err != nil {
			return err
		}
		if assoc, err = listAssociations(ctx, hub); err != nil {
			return err
		}
	}
	if root.policy == "" {
		root.policy = selfManaged
	}

	// Classify the accounts.
	var unknown []string
	governed := map[string][]string{}  // foreign policy id → accounts
	ourPolicy := map[string][]string{} // our policy id → accounts
	free := map[string][]string{}      // standards (joined) → self-managed accounts that inherit
	var keptSelf []string              // self-managed by the organization's explicit choice
	for _, a := range p.org.accounts {
		as, ok := assoc[a]
		if !ok {
			as = root
			as.applied = false
		}
		switch pol := policies[as.policy]; {
		case as.policy != selfManaged && pol != nil && pol.ours:
			ourPolicy[as.policy] = append(ourPolicy[as.policy], a)
		case as.policy != selfManaged:
			governed[as.policy] = append(governed[as.policy], a)
		case as.applied:
			keptSelf = append(keptSelf, a)
		default:
			keys, known := p.accountStandards(a)
			if !known {
				unknown = append(unknown, a)
				continue
			}
			k := strings.Join(keys, ",")
			free[k] = append(free[k], a)
		}
	}

	// Groups under policies: reported, never changed.
	for _, id := range slices.Sorted(maps.Keys(governed)) {
		pol := policies[id]
		name, std := id, []string(nil)
		if pol != nil {
			name, std = pol.name, pol.standards
		}
		p.Report.Standards = append(p.Report.Standards, StandardsGroup{Accounts: governed[id], Before: std, After: std,
			How: fmt.Sprintf("left as it is: the organization's configuration policy %q", name)})
		if !slices.Contains(std, cisStandard) {
			pl.Note("accounts %s use the organization's configuration policy %q, which does not enable CIS v1.4.0: cisguard leaves it; add %s to it to have CIS findings there", strings.Join(governed[id], ", "), name, standardARN(cisStandard, p.org.partition, o.home()))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ourPolicy)) {
		pol := policies[id]
		p.Report.Standards = append(p.Report.Standards, StandardsGroup{Accounts: ourPolicy[id], Before: pol.standards, After: pol.standards,
			How: fmt.Sprintf("already under cisguard's policy %s", pol.name)})
	}
	if len(keptSelf) > 0 {
		pl.Note("accounts %s are self-managed in Security Hub by the organization's choice: cisguard leaves them; enable CIS v1.4.0 there yourself", strings.Join(keptSelf, ", "))
		for _, a := range keptSelf {
			keys, _ := p.accountStandards(a)
			p.Report.Standards = append(p.Report.Standards, StandardsGroup{Accounts: []string{a}, Before: keys, After: keys, How: "left as it is: self-managed"})
		}
	}
	if root.policy != selfManaged && (policies[root.policy] == nil || !policies[root.policy].ours) {
		// The root has a policy of the organization's: nothing inherits
		// self-management from it, and cisguard does not replace it.
		return p.unknownStandards(unknown, nil)
	}

	// The root's standards: those of cisguard's root policy when it
	// exists, else the largest group's.
	var rootStd []string
	rootPolicy := policies[root.policy]
	if rootPolicy != nil {
		rootStd = rootPolicy.standards
	} else if len(free) > 0 {
		rootStd = withCIS(largest(free))
	} else {
		rootStd = withCIS(nil)
	}
	if err := p.unknownStandards(unknown, rootStd); err != nil {
		return err
	}

	byName := map[string]*policyState{}
	for _, pol := range policies {
		if pol.ours {
			byName[pol.name] = pol
		}
	}
	// Each group keeps its standards and gains CIS v1.4.0: the groups
	// whose result is the root's inherit the root policy; the others get
	// a policy each, applied to their accounts before the root's.
	rootHow := fmt.Sprintf("policy %s on the organization root (new accounts inherit it)", ConfigPolicyName)
	for _, k := range slices.Sorted(maps.Keys(free)) {
		accounts := free[k]
		var before []string
		if k != "" {
			before = strings.Split(k, ",")
		}
		after := withCIS(before)
		if slices.Equal(after, rootStd) {
			p.Report.Standards = append(p.Report.Standards, StandardsGroup{Accounts: accounts, Before: before, After: after, How: rootHow})
			continue
		}
		name := groupPolicyName(after)
		p.Report.Standards = append(p.Report.Standards, StandardsGroup{Accounts: accounts, Before: before, After: after,
			How: fmt.Sprintf("policy %s applied to these accounts", name)})
		ref := p.ensurePolicy(pl, hub, byName, name, after)
		for _, a := range accounts {
			p.associate(pl, hub, ref, name, &shtypes.TargetMemberAccountId{Value: a}, "account "+a)
		}
	}
	if len(unknown) > 0 {
		p.Report.Standards = append(p.Report.Standards, StandardsGroup{Accounts: unknown, Unknown: true, After: rootStd,
			How: rootHow + "; their standards could not be read (--accept-unknown-standards)"})
	}
	if rootPolicy == nil {
		ref := p.ensurePolicy(pl, hub, byName, ConfigPolicyName, rootStd)
		p.associate(pl, hub, ref, ConfigPolicyName, &shtypes.TargetMemberRootId{Value: p.org.root}, "the organization root "+p.org.root)
	} else if root.status == shtypes.ConfigurationPolicyAssociationStatusFailed {
		pl.Note("applying %s to the root failed earlier: %s", ConfigPolicyName, root.message)
		p.associate(pl, hub, func() string { return rootPolicy.id }, ConfigPolicyName, &shtypes.TargetMemberRootId{Value: p.org.root}, "the organization root "+p.org.root)
	}
	for a, as := range assoc {
		if as.applied && as.status == shtypes.ConfigurationPolicyAssociationStatusFailed && policies[as.policy] != nil && policies[as.policy].ours {
			pol := policies[as.policy]
			pl.Note("applying %s to account %s failed earlier: %s", pol.name, a, as.message)
			p.associate(pl, hub, func() string { return pol.id }, pol.name, &shtypes.TargetMemberAccountId{Value: a}, "account "+a)
		}
	}
	pl.Note("configuration policies enable every control of their standards: controls an account disabled under local configuration are enabled again (list them in the policy's disabled controls if they must stay off)")
	return nil
}

// accountStandards returns an account's standards as the survey found
// them (the union over its regions; a note says where regions differ),
// and whether they are known.
func (p *Planner) accountStandards(account string) ([]string, bool) {
	st := p.accounts[account]
	if st == nil || st.err != nil {
		return nil, false
	}
	var all []string
	for _, rs := range st.regions {
		if rs.standardsErr != nil {
			return nil, false
		}
		all = append(all, rs.standards...)
	}
	slices.Sort(all)
	return slices.Compact(all), true
}

// unknownStandards stops the deployment when accounts whose standards
// could not be read would take the root policy's, unless allowed.
func (p *Planner) unknownStandards(unknown, rootStd []string) error {
	if len(unknown) == 0 {
		return nil
	}
	if rootStd == nil || !p.Opts.AcceptUnknownStandards {
		what := "their standards are unknown"
		if rootStd != nil {
			what = fmt.Sprintf("they would take the root policy's standards (%s), and any other standard they use would be disabled", standardsText(rootStd))
		}
		return fmt.Errorf("the enabled Security Hub standards of accounts %s cannot be read (%s cannot be assumed there, or it may not call securityhub:GetEnabledStandards): %s. Make the access role assumable there, or pass --accept-unknown-standards to accept that", strings.Join(unknown, ", "), "the access role", what)
	}
	return nil
}

// largest returns the standards of the group with the most accounts
// (ties: the one with more standards, then the first by name).
func largest(groups map[string][]string) []string {
	best := ""
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		n, bn := len(groups[k]), len(groups[best])
		if n > bn || (n == bn && strings.Count(k, ",") > strings.Count(best, ",")) {
			best = k
		}
	}
	if best == "" {
		return nil
	}
	return strings.Split(best, ",")
}

// groupPolicyName names the policy of a group of accounts by its
// standards, so that a later run finds the same policy.
func groupPolicyName(standards []string) string {
	sum := sha256.Sum256([]byte(strings.Join(standards, ",")))
	return ConfigPolicyName + "-" + hex.EncodeToString(sum[:])[:8]
}

// ensurePolicy plans the creation of a policy unless it exists, and
// returns how later steps learn its id.
func (p *Planner) ensurePolicy(pl *plan.Plan, hub SecurityHub, byName map[string]*policyState, name string, standards []string) func() string {
	if pol, ok := byName[name]; ok {
		return func() string { return pol.id }
	}
	pol := &policyState{name: name, standards: standards, ours: true}
	byName[name] = pol
	var arns []string
	for _, k := range standards {
		arns = append(arns, standardARN(k, p.org.partition, p.Opts.home()))
	}
	pl.Addf(func(ctx context.Context) error {
		out, err := hub.CreateConfigurationPolicy(ctx, &securityhub.CreateConfigurationPolicyInput{
			Name:        aws.String(name),
			Description: aws.String("cisguard: Security Hub on with " + standardsText(standards)),
			ConfigurationPolicy: &shtypes.PolicyMemberSecurityHub{Value: shtypes.SecurityHubPolicy{
				ServiceEnabled:             aws.Bool(true),
				EnabledStandardIdentifiers: arns,
				SecurityControlsConfiguration: &shtypes.SecurityControlsConfiguration{
					DisabledSecurityControlIdentifiers: []string{},
				},
			}},
		})
		if err != nil {
			return err
		}
		pol.id = aws.ToString(out.Id)
		return nil
	}, "create Security Hub configuration policy %s (Security Hub on; %s)", name, standardsText(standards))
	return func() string { return pol.id }
}

// associate plans applying a policy to a target and waiting until Security
// Hub reports the association SUCCESS (FAILED is an error with its
// message).
func (p *Planner) associate(pl *plan.Plan, hub SecurityHub, id func() string, name string, target shtypes.Target, what string) {
	pl.Addf(func(ctx context.Context) error {
		out, err := hub.StartConfigurationPolicyAssociation(ctx, &securityhub.StartConfigurationPolicyAssociationInput{
			ConfigurationPolicyIdentifier: aws.String(id()), Target: target})
		if err != nil {
			return err
		}
		if out.AssociationStatus == shtypes.ConfigurationPolicyAssociationStatusSuccess {
			return nil
		}
		return p.waitAssociation(ctx, hub, target, what, func(a association) bool { return a.policy == id() })
	}, "apply %s to %s (and wait until Security Hub reports it applied)", name, what)
}

// waitAssociation polls a target's association until done(a) holds and
// its status is SUCCESS; FAILED is an error with Security Hub's message.
func (p *Planner) waitAssociation(ctx context.Context, hub SecurityHub, target shtypes.Target, what string, done func(association) bool) error {
	last := ""
	for {
		a, err := getAssociation(ctx, hub, target)
		if err != nil {
			return err
		}
		if string(a.status) != last {
			last = string(a.status)
			progress(p.Opts.Progress, "configuration of %s: %s", what, a.status)
		}
		switch {
		case a.status == shtypes.ConfigurationPolicyAssociationStatusFailed:
			return fmt.Errorf("Security Hub could not apply the configuration to %s: %s", what, a.message)
		case a.status == shtypes.ConfigurationPolicyAssociationStatusSuccess && done(a):
			return nil
		}
		if err := sleep(ctx, p.Opts.Poll); err != nil {
			return err
		}
	}
}

func getAssociation(ctx context.Context, hub SecurityHub, target shtypes.Target) (association, error) {
	out, err := hub.GetConfigurationPolicyAssociation(ctx, &securityhub.GetConfigurationPolicyAssociationInput{Target: target})
	if err != nil {
		return association{}, fmt.Errorf("securityhub:GetConfigurationPolicyAssociation %s: %w", targetText(target), err)
	}
	return association{policy: aws.ToString(out.ConfigurationPolicyId), applied: out.AssociationType == shtypes.AssociationTypeApplied,
		status: out.AssociationStatus, message: aws.ToString(out.AssociationStatusMessage)}, nil
}

func targetText(t shtypes.Target) string {
	switch t := t.(type) {
	case *shtypes.TargetMemberRootId:
		return "root " + t.Value
	case *shtypes.TargetMemberAccountId:
		return "account " + t.Value
	case *shtypes.TargetMemberOrganizationalUnitId:
		return "OU " + t.Value
	}
	return fmt.Sprintf("%T", t)
}

// listPolicies returns every configuration policy with its standards.
func listPolicies(ctx context.Context, hub SecurityHub) (map[string]*policyState, error) {
	out := map[string]*policyState{}
	var token *string
	for {
		page, err := hub.ListConfigurationPolicies(ctx, &securityhub.ListConfigurationPoliciesInput{NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("securityhub:ListConfigurationPolicies: %w", err)
		}
		for _, s := range page.ConfigurationPolicySummaries {
			id, name := aws.ToString(s.Id), aws.ToString(s.Name)
			pol, err := hub.GetConfigurationPolicy(ctx, &securityhub.GetConfigurationPolicyInput{Identifier: s.Id})
			if err != nil {
				return nil, fmt.Errorf("securityhub:GetConfigurationPolicy %s: %w", name, err)
			}
			ps := &policyState{id: id, name: name, ours: name == ConfigPolicyName || strings.HasPrefix(name, ConfigPolicyName+"-")}
			if sh, ok := pol.ConfigurationPolicy.(*shtypes.PolicyMemberSecurityHub); ok {
				for _, arn := range sh.Value.EnabledStandardIdentifiers {
					ps.standards = append(ps.standards, standardKey(arn))
				}
				slices.Sort(ps.standards)
			}
			out[id] = ps
		}
		if token = page.NextToken; token == nil {
			return out, nil
		}
	}
}

// listAssociations returns each account's association.
func listAssociations(ctx context.Context, hub SecurityHub) (map[string]association, error) {
	out := map[string]association{}
	var token *string
	for {
		page, err := hub.ListConfigurationPolicyAssociations(ctx, &securityhub.ListConfigurationPolicyAssociationsInput{NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("securityhub:ListConfigurationPolicyAssociations: %w", err)
		}
		for _, s := range page.ConfigurationPolicyAssociationSummaries {
			if s.TargetType != shtypes.TargetTypeAccount {
				continue
			}
			out[aws.ToString(s.TargetId)] = association{policy: aws.ToString(s.ConfigurationPolicyId),
				applied: s.AssociationType == shtypes.AssociationTypeApplied, status: s.AssociationStatus,
				message: aws.ToString(s.AssociationStatusMessage)}
		}
		if token = page.NextToken; token == nil {
			return out, nil
		}
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no other region"
	}
	return strings.Join(s, ", ")
}

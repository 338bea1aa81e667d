package controls

// 5.2 and 5.3: no security group admits 0.0.0.0/0 or ::/0 to the remote
// server administration ports (22, 3389), and every VPC's default
// security group restricts all traffic.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

// SecurityGroupParams configures 5.2.
type SecurityGroupParams struct {
	// Strategy is narrow, remove or replace (as for 5.1).
	Strategy  string `yaml:"strategy"`
	AdminCIDR string `yaml:"adminCidr"`
	// RuleQuota is the account's "inbound rules per security group" quota.
	RuleQuota int `yaml:"ruleQuota"`
}

// Validate checks the strategy and its CIDR.
func (p *SecurityGroupParams) Validate() error {
	return validateStrategy(p.Strategy, p.AdminCIDR, p.RuleQuota, 60, 1000)
}

// groupRules reads a security group and its rules; gone is true when the
// group no longer exists.
func groupRules(ctx context.Context, api awsapi.EC2, id string) (g *types.SecurityGroup, rules []types.SecurityGroupRule, gone bool, err error) {
	out, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if awsapi.IsNotFound(err) {
		return nil, nil, true, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("describe security group %s: %w", id, err)
	}
	if len(out.SecurityGroups) != 1 {
		return nil, nil, false, fmt.Errorf("describe security group %s: got %d groups", id, len(out.SecurityGroups))
	}
	pages := ec2.NewDescribeSecurityGroupRulesPaginator(api, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{id}}},
	})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, nil, false, fmt.Errorf("describe rules of security group %s: %w", id, err)
		}
		rules = append(rules, pg.SecurityGroupRules...)
	}
	return &out.SecurityGroups[0], rules, false, nil
}

// sgRule reads a security group rule as a rule; ok is false for rules
// whose source is not a CIDR (another group, a prefix list).
func sgRule(r types.SecurityGroupRule) (rule, bool) {
	x := rule{proto: protoNumber(aws.ToString(r.IpProtocol)), ports: allPorts}
	switch {
	case r.CidrIpv4 != nil:
		x.cidr = *r.CidrIpv4
	case r.CidrIpv6 != nil:
		x.cidr = *r.CidrIpv6
	default:
		return x, false
	}
	if x.proto == protoTCP || x.proto == protoUDP {
		x.ports = portRange{aws.ToInt32(r.FromPort), aws.ToInt32(r.ToPort)}
	}
	return x, true
}

func describeSGRule(r types.SecurityGroupRule) string {
	x, ok := sgRule(r)
	if !ok {
		x = rule{proto: protoNumber(aws.ToString(r.IpProtocol)), ports: portRange{aws.ToInt32(r.FromPort), aws.ToInt32(r.ToPort)}, cidr: "a prefix list"}
		if g := r.ReferencedGroupInfo; g != nil {
			x.cidr = aws.ToString(g.GroupId)
		} else if r.PrefixListId != nil {
			x.cidr = *r.PrefixListId
		}
	}
	s := aws.ToString(r.SecurityGroupRuleId) + " " + x.String()
	if aws.ToBool(r.IsEgress) {
		s = strings.Replace(s, " from ", " to ", 1)
	}
	return s
}

func planDefaultSecurityGroup(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	id := t.Resource.Name()
	api := t.Clients.EC2()
	g, rules, gone, err := groupRules(ctx, api, id)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("security group %s no longer exists: nothing to do", id)
		return p, nil
	}
	if name := aws.ToString(g.GroupName); name != "default" {
		return nil, fmt.Errorf("security group %s is named %q: 5.3 applies only to a VPC's default group", id, name)
	}
	if err := t.Exempt(id, tagMap(g.Tags)); err != nil {
		return nil, err
	}
	for _, egress := range []bool{false, true} {
		var ids, desc []string
		var side []types.SecurityGroupRule
		for _, r := range rules {
			if aws.ToBool(r.IsEgress) == egress {
				ids = append(ids, aws.ToString(r.SecurityGroupRuleId))
				desc = append(desc, describeSGRule(r))
				side = append(side, r)
			}
		}
		if len(ids) == 0 {
			continue // an empty side is already compliant; revoking nothing is an error
		}
		if egress {
			p.Addf(func(ctx context.Context) error {
				_, err := api.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(id), SecurityGroupRuleIds: ids})
				return err
			}, "revoke %d egress rule(s) of default security group %s (VPC %s): %s", len(ids), id, aws.ToString(g.VpcId), strings.Join(desc, "; ")).Prior = recordRevoked(id, side)
		} else {
			p.Addf(func(ctx context.Context) error {
				_, err := api.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(id), SecurityGroupRuleIds: ids})
				return err
			}, "revoke %d ingress rule(s) of default security group %s (VPC %s): %s", len(ids), id, aws.ToString(g.VpcId), strings.Join(desc, "; ")).Prior = recordRevoked(id, side)
		}
	}
	return p, nil
}

func planSecurityGroup(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[SecurityGroupParams](t)
	id := t.Resource.Name()
	api := t.Clients.EC2()
	g, rules, gone, err := groupRules(ctx, api, id)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("security group %s no longer exists: nothing to do", id)
		return p, nil
	}
	if err := t.Exempt(id, tagMap(g.Tags)); err != nil {
		return nil, err
	}
	var existing []rule
	count := map[bool]int{}
	for _, r := range rules {
		if x, ok := sgRule(r); ok && !aws.ToBool(r.IsEgress) {
			existing = append(existing, x)
			count[x.ipv6()]++
		}
	}
	var add []rule
	var revoke, desc []string
	var revoked []types.SecurityGroupRule
	for _, r := range rules {
		x, ok := sgRule(r)
		if !ok || aws.ToBool(r.IsEgress) || !isWorld(x.cidr) || !openToAdmin(x.proto, x.ports) {
			continue
		}
		revoked = append(revoked, r)
		revoke = append(revoke, aws.ToString(r.SecurityGroupRuleId))
		desc = append(desc, describeSGRule(r))
		count[x.ipv6()]--
		var keep []rule
		switch cfg.Strategy {
		case "narrow":
			keep = x.narrowed()
		case "replace":
			keep = append(x.narrowed(), x.adminOnlyFrom(cfg.AdminCIDR)...)
		}
		for _, k := range keep {
			if !slices.Contains(existing, k) && !slices.Contains(add, k) {
				add = append(add, k)
				count[k.ipv6()]++
			}
		}
	}
	if len(revoke) == 0 {
		return p, nil
	}
	for v6, c := range count {
		if c > cfg.RuleQuota {
			return nil, fmt.Errorf("security group %s: narrowing needs %d inbound rules (IPv6: %v) and the quota is %d; nothing was changed", id, c, v6, cfg.RuleQuota)
		}
	}
	if len(add) > 0 {
		perms := ipPermissions(add, "cisguard: kept when narrowing "+strings.Join(revoke, ","))
		var names []string
		for _, a := range add {
			names = append(names, a.String())
		}
		p.Addf(func(ctx context.Context) error {
			_, err := api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(id), IpPermissions: perms})
			return err
		}, "authorize %d ingress rule(s) on security group %s: %s", len(add), id, strings.Join(names, "; ")).Prior = recordAuthorized(id, perms)
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(id), SecurityGroupRuleIds: revoke})
		return err
	}, "revoke %d ingress rule(s) of security group %s open to the internet on admin ports: %s", len(revoke), id, strings.Join(desc, "; ")).Prior = recordRevoked(id, revoked)
	return p, nil
}

// ipPermissions turns rules into the permissions AuthorizeSecurityGroupIngress takes.
func ipPermissions(rules []rule, description string) []types.IpPermission {
	var out []types.IpPermission
	for _, r := range rules {
		perm := types.IpPermission{IpProtocol: aws.String(r.proto)}
		switch r.proto {
		case protoTCP, protoUDP:
			perm.FromPort, perm.ToPort = aws.Int32(r.ports.from), aws.Int32(r.ports.to)
		default:
			perm.FromPort, perm.ToPort = aws.Int32(-1), aws.Int32(-1)
		}
		if r.ipv6() {
			perm.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: aws.String(r.cidr), Description: aws.String(description)}}
		} else {
			perm.IpRanges = []types.IpRange{{CidrIp: aws.String(r.cidr), Description: aws.String(description)}}
		}
		out = append(out, perm)
	}
	return out
}

// openPermission reports whether a security group's ingress permission
// admits 22 or 3389 from 0.0.0.0/0 or ::/0, as planSecurityGroup judges
// each of its rules.
func openPermission(p types.IpPermission) bool {
	proto := protoNumber(aws.ToString(p.IpProtocol))
	ports := allPorts
	if proto == protoTCP || proto == protoUDP {
		ports = portRange{aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort)}
	}
	if !openToAdmin(proto, ports) {
		return false
	}
	return slices.ContainsFunc(p.IpRanges, func(r types.IpRange) bool { return isWorld(aws.ToString(r.CidrIp)) }) ||
		slices.ContainsFunc(p.Ipv6Ranges, func(r types.Ipv6Range) bool { return isWorld(aws.ToString(r.CidrIpv6)) })
}

// securityGroups lists the region's security groups, with filters.
func securityGroups(ctx context.Context, t *Target, filters ...types.Filter) ([]types.SecurityGroup, error) {
	var out []types.SecurityGroup
	pages := ec2.NewDescribeSecurityGroupsPaginator(t.Clients.EC2(), &ec2.DescribeSecurityGroupsInput{Filters: filters})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the security groups of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		out = append(out, pg.SecurityGroups...)
	}
	return out, nil
}

func groupResource(t *Target, id string) finding.Resource {
	return arnResource(t, "AwsEc2SecurityGroup", t.Region(), t.ARN("ec2", t.Region(), "security-group/"+id))
}

// checkSecurityGroups is 5.2's check: every security group of the region.
func checkSecurityGroups(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	groups, err := securityGroups(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, g := range groups {
		id := aws.ToString(g.GroupId)
		res := groupResource(t, id)
		if !slices.ContainsFunc(g.IpPermissions, openPermission) {
			out = append(out, pass(res, "no ingress rule of %s (%s) admits 0.0.0.0/0 or ::/0 to ports 22 or 3389", id, aws.ToString(g.GroupName)))
			continue
		}
		out = append(out, Verdict(ctx, c, t.on(res)))
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no security group in %s", t.Region()))
	}
	return out, nil
}

// checkDefaultSecurityGroups is 5.3's check: the default security group
// of every VPC of the region.
func checkDefaultSecurityGroups(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	groups, err := securityGroups(ctx, t, types.Filter{Name: aws.String("group-name"), Values: []string{"default"}})
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, g := range groups {
		if g.VpcId == nil {
			continue // EC2-Classic
		}
		id := aws.ToString(g.GroupId)
		res := groupResource(t, id)
		if len(g.IpPermissions)+len(g.IpPermissionsEgress) == 0 {
			out = append(out, pass(res, "default security group %s of VPC %s has no inbound or outbound rule", id, aws.ToString(g.VpcId)))
			continue
		}
		out = append(out, Verdict(ctx, c, t.on(res)))
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no VPC in %s", t.Region()))
	}
	return out, nil
}

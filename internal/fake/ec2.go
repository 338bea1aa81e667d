package fake

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// EC2 is a fake EC2 in one region: security groups whose rules have ids,
// network ACLs with entries and AWS's entry quota, EBS default encryption,
// VPCs and flow logs.
type EC2 struct{ svc }

// NACLEntryQuota is the number of IPv4 (or IPv6) entries a network ACL may
// hold per direction, AWS's default quota.
const NACLEntryQuota = 20

type ec2State struct {
	groups     []*types.SecurityGroup // Ip permissions are derived from rules
	rules      []types.SecurityGroupRule
	nacls      []*types.NetworkAcl
	vpcs       []types.Vpc
	flowLogs   []types.FlowLog
	ebsDefault bool
	seq        int
	naclQuota  int // 0 means NACLEntryQuota
}

func (c clients) EC2() awsapi.EC2 { return c.a.EC2(c.region) }

// EC2 returns the account's EC2 in a region.
func (a *Account) EC2(region string) *EC2 { return &EC2{svc{a, region, "EC2"}} }

func (e *EC2) st() *ec2State {
	return stateOf(e.a, "ec2/"+e.region, func() *ec2State { return &ec2State{} })
}

func (s *ec2State) id(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%017x", prefix, s.seq)
}

// Seeding (tests build the account's state with these).

// AddVPC creates a VPC with a default security group and a default network
// ACL (allow all in and out, then the default deny), as AWS does.
func (e *EC2) AddVPC(cidr string) (vpcID, defaultGroupID, defaultACLID string) {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	s := e.st()
	vpcID = s.id("vpc")
	s.vpcs = append(s.vpcs, types.Vpc{VpcId: &vpcID, CidrBlock: &cidr, OwnerId: &e.a.ID, State: types.VpcStateAvailable})
	defaultGroupID = s.addGroup(e.a.ID, vpcID, "default", nil)
	s.addRule(defaultGroupID, false, types.SecurityGroupRule{IpProtocol: aws.String("-1"), ReferencedGroupInfo: &types.ReferencedSecurityGroup{GroupId: &defaultGroupID, UserId: &e.a.ID}})
	s.addRule(defaultGroupID, true, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
	defaultACLID = s.addACL(vpcID, true, []types.NetworkAclEntry{
		{RuleNumber: aws.Int32(100), Protocol: aws.String("-1"), RuleAction: types.RuleActionAllow, Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0")},
		{RuleNumber: aws.Int32(100), Protocol: aws.String("-1"), RuleAction: types.RuleActionAllow, Egress: aws.Bool(true), CidrBlock: aws.String("0.0.0.0/0")},
	})
	return vpcID, defaultGroupID, defaultACLID
}

// TagVPC adds tags to a VPC.
func (e *EC2) TagVPC(vpcID string, tags map[string]string) {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	s := e.st()
	for i, v := range s.vpcs {
		if aws.ToString(v.VpcId) == vpcID {
			for k, val := range tags {
				s.vpcs[i].Tags = append(s.vpcs[i].Tags, types.Tag{Key: aws.String(k), Value: aws.String(val)})
			}
		}
	}
}

// AddSecurityGroup creates a group without rules.
func (e *EC2) AddSecurityGroup(vpcID, name string, tags map[string]string) string {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	return e.st().addGroup(e.a.ID, vpcID, name, tags)
}

// AddSecurityGroupWithID creates a group with a given id (to match a
// sample finding).
func (e *EC2) AddSecurityGroupWithID(id, vpcID, name string, tags map[string]string) {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	gen := e.st().addGroup(e.a.ID, vpcID, name, tags)
	e.st().group(gen).GroupId = aws.String(id)
}

// AddRule adds a rule to a group and returns its id. The rule's GroupId,
// IsEgress and rule id are set by the fake.
func (e *EC2) AddRule(groupID string, egress bool, r types.SecurityGroupRule) string {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	return e.st().addRule(groupID, egress, r)
}

// AddNetworkACL creates a network ACL with the given entries plus the
// default deny entries (32767) for IPv4 and IPv6 in both directions.
func (e *EC2) AddNetworkACL(vpcID string, tags map[string]string, entries ...types.NetworkAclEntry) string {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	id := e.st().addACL(vpcID, false, entries)
	acl := e.st().acl(id)
	for k, v := range tags {
		acl.Tags = append(acl.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return id
}

// AddNetworkACLWithID is AddNetworkACL with a given id.
func (e *EC2) AddNetworkACLWithID(id, vpcID string, tags map[string]string, entries ...types.NetworkAclEntry) {
	gen := e.AddNetworkACL(vpcID, tags, entries...)
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	e.st().acl(gen).NetworkAclId = aws.String(id)
}

// NetworkACL returns a copy of an ACL's current entries.
func (e *EC2) NetworkACL(id string) []types.NetworkAclEntry {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	if acl := e.st().acl(id); acl != nil {
		return slices.Clone(acl.Entries)
	}
	return nil
}

// Rules returns a copy of a group's rules.
func (e *EC2) Rules(groupID string) []types.SecurityGroupRule {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	var out []types.SecurityGroupRule
	for _, r := range e.st().rules {
		if aws.ToString(r.GroupId) == groupID {
			out = append(out, r)
		}
	}
	return out
}

// DeleteNetworkACL removes an ACL, as if someone deleted it meanwhile.
func (e *EC2) DeleteNetworkACL(id string) {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	s := e.st()
	s.nacls = slices.DeleteFunc(s.nacls, func(a *types.NetworkAcl) bool { return aws.ToString(a.NetworkAclId) == id })
}

// SetNACLEntryQuota sets the region's entry quota, as a granted quota
// increase does.
func (e *EC2) SetNACLEntryQuota(n int) {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	e.st().naclQuota = n
}

// EBSEncryptionByDefault reports the region's setting.
func (e *EC2) EBSEncryptionByDefault() bool {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	return e.st().ebsDefault
}

// FlowLogs returns the region's flow logs.
func (e *EC2) FlowLogs() []types.FlowLog {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	out := slices.Clone(e.st().flowLogs)
	for i := range out {
		out[i].Tags = slices.Clone(out[i].Tags)
	}
	return out
}

// SetFlowLogTags replaces a flow log's tags, as its owner would.
func (e *EC2) SetFlowLogTags(id string, tags []types.Tag) {
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	for i, f := range e.st().flowLogs {
		if aws.ToString(f.FlowLogId) == id {
			e.st().flowLogs[i].Tags = slices.Clone(tags)
		}
	}
}

func (s *ec2State) addGroup(owner, vpcID, name string, tags map[string]string) string {
	id := s.id("sg")
	g := &types.SecurityGroup{GroupId: &id, GroupName: aws.String(name), VpcId: aws.String(vpcID), OwnerId: aws.String(owner), Description: aws.String(name)}
	for k, v := range tags {
		g.Tags = append(g.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	s.groups = append(s.groups, g)
	return id
}

func (s *ec2State) addRule(groupID string, egress bool, r types.SecurityGroupRule) string {
	id := s.id("sgr")
	r.SecurityGroupRuleId, r.GroupId, r.IsEgress = &id, aws.String(groupID), aws.Bool(egress)
	if r.FromPort == nil && r.ToPort == nil {
		r.FromPort, r.ToPort = aws.Int32(-1), aws.Int32(-1)
	}
	s.rules = append(s.rules, r)
	return id
}

func (s *ec2State) addACL(vpcID string, isDefault bool, entries []types.NetworkAclEntry) string {
	id := s.id("acl")
	acl := &types.NetworkAcl{NetworkAclId: &id, VpcId: aws.String(vpcID), IsDefault: aws.Bool(isDefault)}
	acl.Entries = append(acl.Entries, entries...)
	for _, egress := range []bool{false, true} {
		acl.Entries = append(acl.Entries,
			types.NetworkAclEntry{RuleNumber: aws.Int32(32767), Protocol: aws.String("-1"), RuleAction: types.RuleActionDeny, Egress: aws.Bool(egress), CidrBlock: aws.String("0.0.0.0/0")},
			types.NetworkAclEntry{RuleNumber: aws.Int32(32768), Protocol: aws.String("-1"), RuleAction: types.RuleActionDeny, Egress: aws.Bool(egress), Ipv6CidrBlock: aws.String("::/0")},
		)
	}
	s.nacls = append(s.nacls, acl)
	return id
}

func (s *ec2State) acl(id string) *types.NetworkAcl {
	for _, a := range s.nacls {
		if aws.ToString(a.NetworkAclId) == id {
			return a
		}
	}
	return nil
}

func (s *ec2State) group(id string) *types.SecurityGroup {
	for _, g := range s.groups {
		if aws.ToString(g.GroupId) == id {
			return g
		}
	}
	return nil
}

// filterValues returns the values of the named filter, and whether it is present.
func filterValues(filters []types.Filter, name string) ([]string, bool) {
	for _, f := range filters {
		if aws.ToString(f.Name) == name {
			return f.Values, true
		}
	}
	return nil, false
}

func checkFilters(filters []types.Filter, known ...string) error {
	for _, f := range filters {
		if !slices.Contains(known, aws.ToString(f.Name)) {
			return APIError("InvalidParameterValue", "the fake does not support filter %q", aws.ToString(f.Name))
		}
	}
	return nil
}

func matches(filters []types.Filter, name, value string) bool {
	vals, ok := filterValues(filters, name)
	return !ok || slices.Contains(vals, value)
}

func checkMaxResults(max *int32) error {
	if max != nil && (*max < 5 || *max > 1000) {
		return APIError("InvalidParameterValue", "MaxResults must be between 5 and 1000")
	}
	return nil
}

// Security groups.

// DescribeSecurityGroups returns groups with their permissions as AWS
// aggregates them from the rules. Unknown group ids fail the whole call.
func (e *EC2) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	unlock, err := e.call(ctx, "DescribeSecurityGroups")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if len(in.GroupIds) > 0 && in.MaxResults != nil {
		return nil, APIError("InvalidParameterCombination", "The parameter groupIds cannot be used with the parameter maxResults")
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	if err := checkFilters(in.Filters, "vpc-id", "group-name", "group-id"); err != nil {
		return nil, err
	}
	s := e.st()
	var out []types.SecurityGroup
	for _, id := range in.GroupIds {
		if s.group(id) == nil {
			return nil, APIError("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
	}
	for _, g := range s.groups {
		if len(in.GroupIds) > 0 && !slices.Contains(in.GroupIds, aws.ToString(g.GroupId)) {
			continue
		}
		if !matches(in.Filters, "vpc-id", aws.ToString(g.VpcId)) || !matches(in.Filters, "group-name", aws.ToString(g.GroupName)) || !matches(in.Filters, "group-id", aws.ToString(g.GroupId)) {
			continue
		}
		c := *g
		c.IpPermissions, c.IpPermissionsEgress = s.permissions(aws.ToString(g.GroupId), false), s.permissions(aws.ToString(g.GroupId), true)
		out = append(out, c)
	}
	items, next, err := page(out, in.NextToken, aws.ToInt32(in.MaxResults), 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeSecurityGroupsOutput{SecurityGroups: items, NextToken: next}, nil
}

// permissions aggregates rules into IpPermissions, one per rule (AWS
// merges rules with the same ports; one per rule is equivalent for readers).
func (s *ec2State) permissions(groupID string, egress bool) []types.IpPermission {
	var out []types.IpPermission
	for _, r := range s.rules {
		if aws.ToString(r.GroupId) != groupID || aws.ToBool(r.IsEgress) != egress {
			continue
		}
		p := types.IpPermission{IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort}
		switch {
		case r.CidrIpv4 != nil:
			p.IpRanges = []types.IpRange{{CidrIp: r.CidrIpv4}}
		case r.CidrIpv6 != nil:
			p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: r.CidrIpv6}}
		case r.ReferencedGroupInfo != nil:
			p.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: r.ReferencedGroupInfo.GroupId, UserId: r.ReferencedGroupInfo.UserId}}
		case r.PrefixListId != nil:
			p.PrefixListIds = []types.PrefixListId{{PrefixListId: r.PrefixListId}}
		}
		out = append(out, p)
	}
	return out
}

// DescribeSecurityGroupRules supports the group-id and
// security-group-rule-id filters and pages of MaxResults.
func (e *EC2) DescribeSecurityGroupRules(ctx context.Context, in *ec2.DescribeSecurityGroupRulesInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupRulesOutput, error) {
	unlock, err := e.call(ctx, "DescribeSecurityGroupRules")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	if err := checkFilters(in.Filters, "group-id", "security-group-rule-id"); err != nil {
		return nil, err
	}
	var out []types.SecurityGroupRule
	for _, r := range e.st().rules {
		if len(in.SecurityGroupRuleIds) > 0 && !slices.Contains(in.SecurityGroupRuleIds, aws.ToString(r.SecurityGroupRuleId)) {
			continue
		}
		if matches(in.Filters, "group-id", aws.ToString(r.GroupId)) && matches(in.Filters, "security-group-rule-id", aws.ToString(r.SecurityGroupRuleId)) {
			out = append(out, r)
		}
	}
	items, next, err := page(out, in.NextToken, aws.ToInt32(in.MaxResults), 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeSecurityGroupRulesOutput{SecurityGroupRules: items, NextToken: next}, nil
}

// SecurityGroupRuleQuota is AWS's default number of inbound (or outbound)
// rules per security group and address family.
const SecurityGroupRuleQuota = 60

// AuthorizeSecurityGroupIngress adds one rule per source of each
// permission (see authorize).
func (e *EC2) AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
	unlock, err := e.call(ctx, "AuthorizeSecurityGroupIngress")
	defer unlock()
	if err != nil {
		return nil, err
	}
	rules, err := e.authorize(aws.ToString(in.GroupId), in.IpPermissions, false)
	if err != nil {
		return nil, err
	}
	return &ec2.AuthorizeSecurityGroupIngressOutput{Return: aws.Bool(true), SecurityGroupRules: rules}, nil
}

func (e *EC2) revoke(groupID *string, ids []string, perms []types.IpPermission, egress bool) error {
	s := e.st()
	if groupID == nil {
		return APIError("MissingParameter", "The request must contain the parameter groupId")
	}
	if s.group(*groupID) == nil {
		return APIError("InvalidGroup.NotFound", "The security group '%s' does not exist", *groupID)
	}
	if len(ids) == 0 && len(perms) == 0 {
		// What the seed's 5.3 ran into: revoking nothing is an error.
		return APIError("MissingParameter", "Either 'ipPermissions' or 'securityGroupRuleIds' should be provided.")
	}
	if len(ids) > 0 && len(perms) > 0 {
		return APIError("InvalidParameterCombination", "ipPermissions and securityGroupRuleIds cannot both be specified")
	}
	if len(perms) > 0 {
		return APIError("InvalidParameterValue", "the fake revokes by security group rule id only")
	}
	for _, id := range ids {
		i := slices.IndexFunc(s.rules, func(r types.SecurityGroupRule) bool { return aws.ToString(r.SecurityGroupRuleId) == id })
		if i < 0 || aws.ToString(s.rules[i].GroupId) != *groupID || aws.ToBool(s.rules[i].IsEgress) != egress {
			return APIError("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
		}
	}
	s.rules = slices.DeleteFunc(s.rules, func(r types.SecurityGroupRule) bool {
		return slices.Contains(ids, aws.ToString(r.SecurityGroupRuleId))
	})
	return nil
}

// RevokeSecurityGroupIngress removes ingress rules by id; all or nothing.
func (e *EC2) RevokeSecurityGroupIngress(ctx context.Context, in *ec2.RevokeSecurityGroupIngressInput, _ ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error) {
	unlock, err := e.call(ctx, "RevokeSecurityGroupIngress")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := e.revoke(in.GroupId, in.SecurityGroupRuleIds, in.IpPermissions, false); err != nil {
		return nil, err
	}
	return &ec2.RevokeSecurityGroupIngressOutput{Return: aws.Bool(true)}, nil
}

// RevokeSecurityGroupEgress removes egress rules by id; all or nothing.
func (e *EC2) RevokeSecurityGroupEgress(ctx context.Context, in *ec2.RevokeSecurityGroupEgressInput, _ ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupEgressOutput, error) {
	unlock, err := e.call(ctx, "RevokeSecurityGroupEgress")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := e.revoke(in.GroupId, in.SecurityGroupRuleIds, in.IpPermissions, true); err != nil {
		return nil, err
	}
	return &ec2.RevokeSecurityGroupEgressOutput{Return: aws.Bool(true)}, nil
}

// Network ACLs.

// DescribeNetworkAcls supports NetworkAclIds, the vpc-id and default
// filters, and pages.
func (e *EC2) DescribeNetworkAcls(ctx context.Context, in *ec2.DescribeNetworkAclsInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkAclsOutput, error) {
	unlock, err := e.call(ctx, "DescribeNetworkAcls")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	if err := checkFilters(in.Filters, "vpc-id", "default"); err != nil {
		return nil, err
	}
	s := e.st()
	for _, id := range in.NetworkAclIds {
		if s.acl(id) == nil {
			return nil, APIError("InvalidNetworkAclID.NotFound", "The network ACL ID '%s' does not exist", id)
		}
	}
	var out []types.NetworkAcl
	for _, a := range s.nacls {
		if len(in.NetworkAclIds) > 0 && !slices.Contains(in.NetworkAclIds, aws.ToString(a.NetworkAclId)) {
			continue
		}
		if !matches(in.Filters, "vpc-id", aws.ToString(a.VpcId)) || !matches(in.Filters, "default", fmt.Sprint(aws.ToBool(a.IsDefault))) {
			continue
		}
		c := *a
		c.Entries = slices.Clone(a.Entries)
		out = append(out, c)
	}
	items, next, err := page(out, in.NextToken, aws.ToInt32(in.MaxResults), 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeNetworkAclsOutput{NetworkAcls: items, NextToken: next}, nil
}

// entryFields is what Create and Replace entry requests have in common.
type entryFields struct {
	acl         *string
	number      *int32
	egress      *bool
	protocol    *string
	action      types.RuleAction
	cidr, cidr6 *string
	ports       *types.PortRange
	icmp        *types.IcmpTypeCode
}

func (f entryFields) entry() types.NetworkAclEntry {
	return types.NetworkAclEntry{RuleNumber: f.number, Egress: f.egress, Protocol: f.protocol, RuleAction: f.action,
		CidrBlock: f.cidr, Ipv6CidrBlock: f.cidr6, PortRange: f.ports, IcmpTypeCode: f.icmp}
}

// validate enforces what AWS checks on an entry.
func (f entryFields) validate() error {
	n := aws.ToInt32(f.number)
	switch {
	case f.number == nil || n < 1 || n > 32766:
		return APIError("InvalidParameterValue", "rule number %d is outside 1..32766", n)
	case f.egress == nil:
		return APIError("MissingParameter", "The request must contain the parameter egress")
	case f.action != types.RuleActionAllow && f.action != types.RuleActionDeny:
		return APIError("InvalidParameterValue", "rule action %q", f.action)
	case (f.cidr == nil) == (f.cidr6 == nil):
		return APIError("InvalidParameterCombination", "exactly one of cidrBlock and ipv6CidrBlock is required")
	}
	cidr := aws.ToString(f.cidr)
	if f.cidr6 != nil {
		cidr = *f.cidr6
	}
	if p, err := netip.ParsePrefix(cidr); err != nil || p.Addr().Is6() != (f.cidr6 != nil) {
		return APIError("InvalidParameterValue", "invalid CIDR %q", cidr)
	}
	switch proto := aws.ToString(f.protocol); proto {
	case "-1":
	case "6", "17":
		if f.ports == nil || f.ports.From == nil || f.ports.To == nil {
			return APIError("InvalidParameterValue", "a port range is required for protocol %s", proto)
		}
		if from, to := *f.ports.From, *f.ports.To; from < 0 || to > 65535 || from > to {
			return APIError("InvalidParameterValue", "invalid port range %d-%d", from, to)
		}
	case "1", "58":
		if f.icmp == nil || f.icmp.Type == nil || f.icmp.Code == nil {
			return APIError("InvalidParameterValue", "ICMP type and code are required for protocol %s", proto)
		}
		if (proto == "58") != (f.cidr6 != nil) {
			return APIError("InvalidParameterCombination", "protocol %s does not match the address family", proto)
		}
	default:
		if proto == "" {
			return APIError("MissingParameter", "The request must contain the parameter protocol")
		}
	}
	return nil
}

func sameEntry(e types.NetworkAclEntry, number int32, egress bool) bool {
	return aws.ToInt32(e.RuleNumber) == number && aws.ToBool(e.Egress) == egress
}

// CreateNetworkAclEntry adds an entry; it fails when the number is taken or
// the direction already holds NACLEntryQuota entries of the address family.
func (e *EC2) CreateNetworkAclEntry(ctx context.Context, in *ec2.CreateNetworkAclEntryInput, _ ...func(*ec2.Options)) (*ec2.CreateNetworkAclEntryOutput, error) {
	unlock, err := e.call(ctx, "CreateNetworkAclEntry")
	defer unlock()
	if err != nil {
		return nil, err
	}
	f := entryFields{in.NetworkAclId, in.RuleNumber, in.Egress, in.Protocol, in.RuleAction, in.CidrBlock, in.Ipv6CidrBlock, in.PortRange, in.IcmpTypeCode}
	if err := f.validate(); err != nil {
		return nil, err
	}
	acl := e.st().acl(aws.ToString(in.NetworkAclId))
	if acl == nil {
		return nil, APIError("InvalidNetworkAclID.NotFound", "The network ACL ID '%s' does not exist", aws.ToString(in.NetworkAclId))
	}
	count := 0
	for _, x := range acl.Entries {
		if sameEntry(x, *in.RuleNumber, *in.Egress) {
			return nil, APIError("NetworkAclEntryAlreadyExists", "The network acl entry identified by %d already exists.", *in.RuleNumber)
		}
		if aws.ToBool(x.Egress) == *in.Egress && aws.ToInt32(x.RuleNumber) < 32767 && (x.Ipv6CidrBlock != nil) == (in.Ipv6CidrBlock != nil) {
			count++
		}
	}
	quota := e.st().naclQuota
	if quota == 0 {
		quota = NACLEntryQuota
	}
	if count >= quota {
		return nil, APIError("NetworkAclEntryLimitExceeded", "The maximum number of network acl entries has been reached.")
	}
	acl.Entries = append(acl.Entries, f.entry())
	return &ec2.CreateNetworkAclEntryOutput{}, nil
}

// ReplaceNetworkAclEntry replaces an existing entry in place.
func (e *EC2) ReplaceNetworkAclEntry(ctx context.Context, in *ec2.ReplaceNetworkAclEntryInput, _ ...func(*ec2.Options)) (*ec2.ReplaceNetworkAclEntryOutput, error) {
	unlock, err := e.call(ctx, "ReplaceNetworkAclEntry")
	defer unlock()
	if err != nil {
		return nil, err
	}
	f := entryFields{in.NetworkAclId, in.RuleNumber, in.Egress, in.Protocol, in.RuleAction, in.CidrBlock, in.Ipv6CidrBlock, in.PortRange, in.IcmpTypeCode}
	if err := f.validate(); err != nil {
		return nil, err
	}
	acl := e.st().acl(aws.ToString(in.NetworkAclId))
	if acl == nil {
		return nil, APIError("InvalidNetworkAclID.NotFound", "The network ACL ID '%s' does not exist", aws.ToString(in.NetworkAclId))
	}
	i := slices.IndexFunc(acl.Entries, func(x types.NetworkAclEntry) bool { return sameEntry(x, *in.RuleNumber, *in.Egress) })
	if i < 0 {
		return nil, APIError("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by %d does not exist.", *in.RuleNumber)
	}
	acl.Entries[i] = f.entry()
	return &ec2.ReplaceNetworkAclEntryOutput{}, nil
}

// DeleteNetworkAclEntry removes an entry; the default entries cannot go.
func (e *EC2) DeleteNetworkAclEntry(ctx context.Context, in *ec2.DeleteNetworkAclEntryInput, _ ...func(*ec2.Options)) (*ec2.DeleteNetworkAclEntryOutput, error) {
	unlock, err := e.call(ctx, "DeleteNetworkAclEntry")
	defer unlock()
	if err != nil {
		return nil, err
	}
	acl := e.st().acl(aws.ToString(in.NetworkAclId))
	if acl == nil {
		return nil, APIError("InvalidNetworkAclID.NotFound", "The network ACL ID '%s' does not exist", aws.ToString(in.NetworkAclId))
	}
	n, egress := aws.ToInt32(in.RuleNumber), aws.ToBool(in.Egress)
	if n >= 32767 {
		return nil, APIError("InvalidParameterValue", "the default network ACL entry %d cannot be deleted", n)
	}
	i := slices.IndexFunc(acl.Entries, func(x types.NetworkAclEntry) bool { return sameEntry(x, n, egress) })
	if i < 0 {
		return nil, APIError("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by %d does not exist.", n)
	}
	acl.Entries = slices.Delete(acl.Entries, i, i+1)
	return &ec2.DeleteNetworkAclEntryOutput{}, nil
}

// EBS default encryption.

func (e *EC2) GetEbsEncryptionByDefault(ctx context.Context, in *ec2.GetEbsEncryptionByDefaultInput, _ ...func(*ec2.Options)) (*ec2.GetEbsEncryptionByDefaultOutput, error) {
	unlock, err := e.call(ctx, "GetEbsEncryptionByDefault")
	defer unlock()
	if err != nil {
		return nil, err
	}
	return &ec2.GetEbsEncryptionByDefaultOutput{EbsEncryptionByDefault: aws.Bool(e.st().ebsDefault)}, nil
}

func (e *EC2) EnableEbsEncryptionByDefault(ctx context.Context, in *ec2.EnableEbsEncryptionByDefaultInput, _ ...func(*ec2.Options)) (*ec2.EnableEbsEncryptionByDefaultOutput, error) {
	unlock, err := e.call(ctx, "EnableEbsEncryptionByDefault")
	defer unlock()
	if err != nil {
		return nil, err
	}
	e.st().ebsDefault = true
	return &ec2.EnableEbsEncryptionByDefaultOutput{EbsEncryptionByDefault: aws.Bool(true)}, nil
}

// VPCs and flow logs.

func (e *EC2) DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	unlock, err := e.call(ctx, "DescribeVpcs")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return nil, err
	}
	s := e.st()
	var out []types.Vpc
	for _, id := range in.VpcIds {
		if !slices.ContainsFunc(s.vpcs, func(v types.Vpc) bool { return aws.ToString(v.VpcId) == id }) {
			return nil, APIError("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
		}
	}
	for _, v := range s.vpcs {
		if len(in.VpcIds) == 0 || slices.Contains(in.VpcIds, aws.ToString(v.VpcId)) {
			out = append(out, v)
		}
	}
	items, next, err := page(out, in.NextToken, aws.ToInt32(in.MaxResults), 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeVpcsOutput{Vpcs: items, NextToken: next}, nil
}

// DescribeFlowLogs supports the resource-id filter.
func (e *EC2) DescribeFlowLogs(ctx context.Context, in *ec2.DescribeFlowLogsInput, _ ...func(*ec2.Options)) (*ec2.DescribeFlowLogsOutput, error) {
	unlock, err := e.call(ctx, "DescribeFlowLogs")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if err := checkFilters(in.Filter, "resource-id"); err != nil {
		return nil, err
	}
	var out []types.FlowLog
	for _, f := range e.st().flowLogs {
		if matches(in.Filter, "resource-id", aws.ToString(f.ResourceId)) && (len(in.FlowLogIds) == 0 || slices.Contains(in.FlowLogIds, aws.ToString(f.FlowLogId))) {
			f.Tags = slices.Clone(f.Tags)
			out = append(out, f)
		}
	}
	items, next, err := page(out, in.NextToken, aws.ToInt32(in.MaxResults), 1000)
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeFlowLogsOutput{FlowLogs: items, NextToken: next}, nil
}

// CreateFlowLogs requires a delivery role for CloudWatch Logs, as AWS does,
// and refuses a second identical flow log for a resource.
func (e *EC2) CreateFlowLogs(ctx context.Context, in *ec2.CreateFlowLogsInput, _ ...func(*ec2.Options)) (*ec2.CreateFlowLogsOutput, error) {
	unlock, err := e.call(ctx, "CreateFlowLogs")
	defer unlock()
	if err != nil {
		return nil, err
	}
	s := e.st()
	dest := in.LogDestinationType
	if dest == "" {
		dest = types.LogDestinationTypeCloudWatchLogs
	}
	if dest == types.LogDestinationTypeCloudWatchLogs && (in.DeliverLogsPermissionArn == nil || (in.LogGroupName == nil && in.LogDestination == nil)) {
		return nil, APIError("InvalidParameter", "DeliverLogsPermissionArn and a log group are required to publish to CloudWatch Logs")
	}
	if in.ResourceType != types.FlowLogsResourceTypeVpc || len(in.ResourceIds) == 0 {
		return nil, APIError("InvalidParameter", "the fake creates flow logs for VPCs only")
	}
	var tags []types.Tag
	for _, ts := range in.TagSpecifications {
		if ts.ResourceType != types.ResourceTypeVpcFlowLog {
			return nil, APIError("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", ts.ResourceType)
		}
		tags = append(tags, ts.Tags...)
	}
	if len(tags) > 0 {
		// Tags at creation need ec2:CreateTags as well.
		if err := e.implied(ctx, "CreateTags"); err != nil {
			return nil, err
		}
	}
	out := &ec2.CreateFlowLogsOutput{}
	for _, id := range in.ResourceIds {
		if !slices.ContainsFunc(s.vpcs, func(v types.Vpc) bool { return aws.ToString(v.VpcId) == id }) {
			out.Unsuccessful = append(out.Unsuccessful, types.UnsuccessfulItem{ResourceId: aws.String(id), Error: &types.UnsuccessfulItemError{Code: aws.String("InvalidVpcID.NotFound"), Message: aws.String("VPC " + id + " does not exist")}})
			continue
		}
		dup := slices.ContainsFunc(s.flowLogs, func(f types.FlowLog) bool {
			return aws.ToString(f.ResourceId) == id && f.TrafficType == in.TrafficType && aws.ToString(f.LogGroupName) == aws.ToString(in.LogGroupName)
		})
		if dup {
			out.Unsuccessful = append(out.Unsuccessful, types.UnsuccessfulItem{ResourceId: aws.String(id), Error: &types.UnsuccessfulItemError{Code: aws.String("FlowLogAlreadyExists"), Message: aws.String("flow log already exists")}})
			continue
		}
		fid := s.id("fl")
		s.flowLogs = append(s.flowLogs, types.FlowLog{FlowLogId: &fid, ResourceId: aws.String(id), TrafficType: in.TrafficType, LogGroupName: in.LogGroupName,
			LogDestination: in.LogDestination, LogDestinationType: dest, DeliverLogsPermissionArn: in.DeliverLogsPermissionArn, FlowLogStatus: aws.String("ACTIVE"), Tags: slices.Clone(tags)})
		out.FlowLogIds = append(out.FlowLogIds, fid)
	}
	return out, nil
}

// helpers for tests

// Tags turns a tag list into a map.
func Tags(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

package controls

// Section 5: Networking.

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

func networkingControls() []*Control {
	return []*Control{
		{
			ID:          "5.1",
			Per:         PerRegion,
			Evaluate:    checkNACLs,
			Permissions: []string{"ec2:DescribeNetworkAcls", "ec2:CreateNetworkAclEntry", "ec2:ReplaceNetworkAclEntry", "ec2:DeleteNetworkAclEntry"},
			Params:      &NACLParams{Strategy: "narrow", EntryQuota: 20},
			Plan:        planNACL,
			Calls:       Calls{Reads: 1, Writes: 7, Case: "an allow-all ingress entry from 0.0.0.0/0, split into 7"},
			Doc: "Every ingress allow entry from 0.0.0.0/0 or ::/0 that admits 22 or 3389 (protocol all, or a TCP/UDP range covering them) is fixed, whatever its rule number. " +
				"`narrow` (default) splits it around the admin ports, keeping the rest of what it allowed at rule numbers that keep its precedence (new entries are added before the old one is replaced, so traffic never stops); " +
				"an entry that admits only admin ports is deleted; with no room for the split (entry quota, free rule numbers) nothing changes and the finding fails. " +
				"`remove` deletes the entries; `replace` narrows them and allows the admin ports only from `adminCidr`.",
		},
		{
			ID:          "5.2",
			Per:         PerRegion,
			Evaluate:    checkSecurityGroups,
			Permissions: []string{"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"},
			Params:      &SecurityGroupParams{Strategy: "narrow", RuleQuota: 60},
			Plan:        planSecurityGroup,
			Calls:       Calls{Reads: 2, Writes: 2, Case: "one rule allowing TCP 0-65535 from 0.0.0.0/0"},
			Doc: "Ingress rules from 0.0.0.0/0 or ::/0 that admit 22 or 3389 are revoked by rule id; with `narrow` (default) the rest of what they allowed is authorized first. " +
				"Notify by default (Security Hub's CIS v1.4.0 standard does not check it; EC2.13, EC2.14, EC2.53 and EC2.54 findings of other standards are handled as 5.2).",
		},
		{
			ID:       "5.3",
			Per:      PerRegion,
			Evaluate: checkDefaultSecurityGroups,
			// Authorize*: revert puts revoked rules back.
			Permissions: []string{"ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"},
			Plan:        planDefaultSecurityGroup,
			Calls:       Calls{Reads: 2, Writes: 2, Case: "default group with ingress and egress rules"},
			Doc:         "Every ingress and egress rule of the VPC's security group named `default` is revoked by rule id; a side without rules is left alone. Instances still using the default group lose that traffic: move them to their own groups first.",
		},
		{
			ID:          "5.4",
			Per:         PerRegion,
			Evaluate:    checkPeeringRoutes,
			Permissions: []string{"ec2:DescribeRouteTables", "ec2:DescribeVpcPeeringConnections"},
			Doc: "Check only: every route table with a route to a VPC peering connection. A route fails when it sends 0.0.0.0/0 or ::/0 through the connection, or a CIDR that holds a whole CIDR block of the peer VPC (the peer's exact CIDR or a wider one, IPv4 or IPv6); " +
				"routes to part of the peer pass, and a route to a prefix list or to a connection not visible in the region is MANUAL. Blackhole routes (deleted connections) are ignored. " +
				"Prowler fails only 0.0.0.0/0 and a route equal to either VPC's CIDR; cisguard follows CIS's \"least access\" and fails any route covering the whole peer. Which narrower routes a peering needs only its owner knows, so nothing is changed.",
		},
	}
}

// Admin ports: SSH and RDP.
var adminPorts = []int32{22, 3389}

// portRange is an inclusive range of ports.
type portRange struct{ from, to int32 }

func (r portRange) String() string {
	if r.from == r.to {
		return fmt.Sprint(r.from)
	}
	return fmt.Sprintf("%d-%d", r.from, r.to)
}

// coversAdmin reports whether the range includes an admin port.
func (r portRange) coversAdmin() bool {
	return slices.ContainsFunc(adminPorts, func(p int32) bool { return r.from <= p && p <= r.to })
}

// withoutAdmin returns what is left of the range once the admin ports are
// cut out: [0,65535] becomes 0-21, 23-3388, 3390-65535.
func (r portRange) withoutAdmin() []portRange {
	var out []portRange
	from := r.from
	for _, p := range adminPorts {
		if p < from || p > r.to {
			continue
		}
		if p > from {
			out = append(out, portRange{from, p - 1})
		}
		from = p + 1
	}
	if from <= r.to {
		out = append(out, portRange{from, r.to})
	}
	return out
}

// adminIn returns the admin ports inside the range.
func (r portRange) adminIn() []int32 {
	var out []int32
	for _, p := range adminPorts {
		if r.from <= p && p <= r.to {
			out = append(out, p)
		}
	}
	return out
}

var allPorts = portRange{0, 65535}

// isWorld reports whether a CIDR is the whole IPv4 or IPv6 internet.
func isWorld(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }

// Protocol numbers as EC2 reports them for network ACL entries.
const (
	protoAll    = "-1"
	protoTCP    = "6"
	protoUDP    = "17"
	protoICMP   = "1"
	protoICMPv6 = "58"
)

// protoNumber normalizes a protocol name ("tcp") or number ("6") to the number.
func protoNumber(p string) string {
	switch strings.ToLower(p) {
	case "tcp":
		return protoTCP
	case "udp":
		return protoUDP
	case "icmp":
		return protoICMP
	case "icmpv6":
		return protoICMPv6
	case "all":
		return protoAll
	}
	return p
}

func protoName(p string) string {
	switch protoNumber(p) {
	case protoAll:
		return "all traffic"
	case protoTCP:
		return "tcp"
	case protoUDP:
		return "udp"
	case protoICMP:
		return "icmp"
	case protoICMPv6:
		return "icmpv6"
	}
	return "protocol " + p
}

// openToAdmin reports whether a protocol and port range admit an admin port.
func openToAdmin(proto string, ports portRange) bool {
	switch protoNumber(proto) {
	case protoAll:
		return true
	case protoTCP, protoUDP:
		return ports.coversAdmin()
	}
	return false
}

// rule is a protocol, a port range and a source, the common shape of a
// network ACL entry and a security group rule.
type rule struct {
	proto string // a number: "-1", "6", "17", "1", "58"
	ports portRange
	cidr  string
}

func (r rule) ipv6() bool { return strings.Contains(r.cidr, ":") }

func (r rule) String() string {
	switch r.proto {
	case protoTCP, protoUDP:
		return fmt.Sprintf("%s %s from %s", protoName(r.proto), r.ports, r.cidr)
	}
	return fmt.Sprintf("%s from %s", protoName(r.proto), r.cidr)
}

// narrowed returns the rules that keep everything r allowed except the
// admin ports: the TCP/UDP ranges around them, and for "all traffic" also
// ICMP (ICMPv6 for an IPv6 source). Other IP protocols of an allow-all rule
// are not kept: CIS counts protocol "all" as admitting the admin ports.
func (r rule) narrowed() []rule {
	var protos []string
	ports := r.ports
	switch r.proto {
	case protoAll:
		protos, ports = []string{protoTCP, protoUDP}, allPorts
	case protoTCP, protoUDP:
		protos = []string{r.proto}
	default:
		return []rule{r}
	}
	var out []rule
	for _, p := range protos {
		for _, pr := range ports.withoutAdmin() {
			out = append(out, rule{proto: p, ports: pr, cidr: r.cidr})
		}
	}
	if r.proto == protoAll {
		icmp := protoICMP
		if r.ipv6() {
			icmp = protoICMPv6
		}
		out = append(out, rule{proto: icmp, cidr: r.cidr})
	}
	return out
}

// adminOnlyFrom returns rules that allow the admin ports r allowed, but
// only from cidr.
func (r rule) adminOnlyFrom(cidr string) []rule {
	protos := []string{r.proto}
	ports := r.ports
	if r.proto == protoAll {
		protos, ports = []string{protoTCP, protoUDP}, allPorts
	}
	var out []rule
	for _, p := range protos {
		for _, port := range ports.adminIn() {
			out = append(out, rule{proto: p, ports: portRange{port, port}, cidr: cidr})
		}
	}
	return out
}

// NACLParams configures 5.1.
type NACLParams struct {
	// Strategy is narrow, remove or replace.
	Strategy string `yaml:"strategy"`
	// AdminCIDR is the only source allowed to reach the admin ports with
	// strategy replace.
	AdminCIDR string `yaml:"adminCidr"`
	// EntryQuota is the account's "rules per network ACL" quota (per
	// direction and address family).
	EntryQuota int `yaml:"entryQuota"`
}

// Validate checks the strategy and its CIDR.
func (p *NACLParams) Validate() error {
	return validateStrategy(p.Strategy, p.AdminCIDR, p.EntryQuota, 20, 40)
}

func validateStrategy(strategy, cidr string, quota, minQuota, maxQuota int) error {
	switch strategy {
	case "narrow", "remove":
	case "replace":
		pfx, err := netip.ParsePrefix(cidr)
		if err != nil || pfx.Masked() != pfx {
			return fmt.Errorf("strategy replace needs adminCidr, a CIDR such as 10.0.0.0/8 (got %q)", cidr)
		}
		if isWorld(cidr) {
			return fmt.Errorf("adminCidr %s would leave the admin ports open to the internet", cidr)
		}
	default:
		return fmt.Errorf("strategy %q is not narrow, remove or replace", strategy)
	}
	if quota < minQuota || quota > maxQuota {
		return fmt.Errorf("quota %d is outside %d..%d", quota, minQuota, maxQuota)
	}
	return nil
}

// naclRule reads a network ACL entry as a rule.
func naclRule(e types.NetworkAclEntry) rule {
	r := rule{proto: protoNumber(aws.ToString(e.Protocol)), ports: allPorts, cidr: aws.ToString(e.CidrBlock)}
	if e.Ipv6CidrBlock != nil {
		r.cidr = *e.Ipv6CidrBlock
	}
	if e.PortRange != nil {
		r.ports = portRange{aws.ToInt32(e.PortRange.From), aws.ToInt32(e.PortRange.To)}
	}
	return r
}

// offendingEntry reports whether a network ACL entry fails CIS 5.1. Rule
// order does not matter: a deny ahead of it does not make it pass.
func offendingEntry(e types.NetworkAclEntry) bool {
	if aws.ToBool(e.Egress) || e.RuleAction != types.RuleActionAllow || aws.ToInt32(e.RuleNumber) >= 32767 {
		return false
	}
	r := naclRule(e)
	return isWorld(r.cidr) && openToAdmin(r.proto, r.ports)
}

func planNACL(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[NACLParams](t)
	id := t.Resource.Name()
	out, err := t.Clients.EC2().DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{id}})
	if awsapi.IsNotFound(err) {
		p.Note("network ACL %s no longer exists: nothing to do", id)
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe network ACL %s: %w", id, err)
	}
	if len(out.NetworkAcls) != 1 {
		return nil, fmt.Errorf("describe network ACL %s: got %d ACLs", id, len(out.NetworkAcls))
	}
	acl := out.NetworkAcls[0]
	if err := t.Exempt(id, tagMap(acl.Tags)); err != nil {
		return nil, err
	}
	n := &naclPlanner{ec2: t.Clients.EC2(), id: id, cfg: cfg, p: p}
	for _, e := range acl.Entries {
		if !aws.ToBool(e.Egress) {
			n.entries = append(n.entries, e)
		}
	}
	for _, e := range slices.Clone(n.entries) {
		if !offendingEntry(e) {
			continue
		}
		if err := n.fix(e); err != nil {
			return nil, fmt.Errorf("network ACL %s: %w", id, err)
		}
	}
	return p, nil
}

// naclPlanner plans the fixes of one ACL's ingress entries, keeping track
// of the entries (and rule numbers) as they will be after each fix.
type naclPlanner struct {
	ec2     awsapi.EC2
	id      string
	cfg     *NACLParams
	p       *plan.Plan
	entries []types.NetworkAclEntry // ingress entries as planned so far
}

func (n *naclPlanner) fix(e types.NetworkAclEntry) error {
	old := naclRule(e)
	num := aws.ToInt32(e.RuleNumber)
	var repl []rule
	switch n.cfg.Strategy {
	case "narrow":
		repl = old.narrowed()
	case "replace":
		repl = old.narrowed()
		for _, a := range old.adminOnlyFrom(n.cfg.AdminCIDR) {
			if !n.has(a) && !slices.Contains(repl, a) {
				repl = append(repl, a)
			}
		}
	}
	if len(repl) == 0 {
		n.p.Addf(n.delete(num), "delete network ACL %s ingress entry %d (allow %s): it admits only admin ports", n.id, num, old).Prior = recordNACLEntry(n.id, &e, nil)
		n.remove(num)
		return nil
	}
	if err := n.checkQuota(num, repl); err != nil {
		return fmt.Errorf("cannot narrow entry %d (allow %s): %w; nothing was changed", num, old, err)
	}
	numbers, err := n.freeNumbers(num, len(repl)-1)
	if err != nil {
		return fmt.Errorf("cannot narrow entry %d (allow %s): %w; nothing was changed", num, old, err)
	}
	// Add the new pieces first and replace the old entry last: traffic
	// other than the admin ports is allowed at every moment.
	for i, r := range repl[1:] {
		add := naclEntry(numbers[i], r)
		n.p.Addf(n.put(add, false), "add network ACL %s ingress entry %d: allow %s", n.id, numbers[i], r).Prior = recordNACLEntry(n.id, nil, &add)
		n.entries = append(n.entries, add)
	}
	narrowed := naclEntry(num, repl[0])
	n.p.Addf(n.put(narrowed, true), "replace network ACL %s ingress entry %d (allow %s) with: allow %s", n.id, num, old, repl[0]).Prior = recordNACLEntry(n.id, &e, &narrowed)
	n.remove(num)
	n.entries = append(n.entries, narrowed)
	if n.cfg.Strategy == "narrow" {
		n.p.Note("entry %d of %s no longer admits ports 22 and 3389 from %s; everything else it allowed still passes", num, n.id, old.cidr)
	}
	return nil
}

func (n *naclPlanner) has(r rule) bool {
	return slices.ContainsFunc(n.entries, func(e types.NetworkAclEntry) bool {
		return e.RuleAction == types.RuleActionAllow && naclRule(e) == r
	})
}

func (n *naclPlanner) remove(num int32) {
	n.entries = slices.DeleteFunc(n.entries, func(e types.NetworkAclEntry) bool { return aws.ToInt32(e.RuleNumber) == num })
}

// checkQuota fails when the entries that replace entry num would take the
// ACL past its quota for either address family.
func (n *naclPlanner) checkQuota(num int32, repl []rule) error {
	count := map[bool]int{}
	for _, e := range n.entries {
		if nr := aws.ToInt32(e.RuleNumber); nr < 32767 && nr != num {
			count[e.Ipv6CidrBlock != nil]++
		}
	}
	for _, r := range repl {
		count[r.ipv6()]++
	}
	for v6, c := range count {
		if c > n.cfg.EntryQuota {
			family := "IPv4"
			if v6 {
				family = "IPv6"
			}
			return fmt.Errorf("it needs %d %s ingress entries and the quota is %d (raise entryQuota after raising the quota, or use strategy remove)", c, family, n.cfg.EntryQuota)
		}
	}
	return nil
}

// freeNumbers returns k unused rule numbers that sit between entry num's
// neighbours, so that the new entries keep its precedence: first above it,
// then below it.
func (n *naclPlanner) freeNumbers(num int32, k int) ([]int32, error) {
	lo, hi := int32(0), int32(32767)
	for _, e := range n.entries {
		nr := aws.ToInt32(e.RuleNumber)
		if nr < num && nr > lo {
			lo = nr
		}
		if nr > num && nr < hi {
			hi = nr
		}
	}
	var out []int32
	for x := num + 1; x < hi && len(out) < k; x++ {
		out = append(out, x)
	}
	for x := num - 1; x > lo && len(out) < k; x-- {
		out = append(out, x)
	}
	if len(out) < k {
		return nil, fmt.Errorf("only %d free rule numbers between entries %d and %d, %d needed", len(out), lo, hi, k)
	}
	return out, nil
}

func naclEntry(num int32, r rule) types.NetworkAclEntry {
	e := types.NetworkAclEntry{RuleNumber: aws.Int32(num), Egress: aws.Bool(false), Protocol: aws.String(r.proto), RuleAction: types.RuleActionAllow}
	if r.ipv6() {
		e.Ipv6CidrBlock = aws.String(r.cidr)
	} else {
		e.CidrBlock = aws.String(r.cidr)
	}
	switch r.proto {
	case protoTCP, protoUDP:
		e.PortRange = &types.PortRange{From: aws.Int32(r.ports.from), To: aws.Int32(r.ports.to)}
	case protoICMP, protoICMPv6:
		e.IcmpTypeCode = &types.IcmpTypeCode{Type: aws.Int32(-1), Code: aws.Int32(-1)}
	}
	return e
}

// put returns the action that creates entry e, or replaces the entry at
// its rule number.
func (n *naclPlanner) put(e types.NetworkAclEntry, replace bool) func(context.Context) error {
	return func(ctx context.Context) error {
		if replace {
			_, err := n.ec2.ReplaceNetworkAclEntry(ctx, &ec2.ReplaceNetworkAclEntryInput{
				NetworkAclId: aws.String(n.id), RuleNumber: e.RuleNumber, Egress: e.Egress, Protocol: e.Protocol, RuleAction: e.RuleAction,
				CidrBlock: e.CidrBlock, Ipv6CidrBlock: e.Ipv6CidrBlock, PortRange: e.PortRange, IcmpTypeCode: e.IcmpTypeCode,
			})
			return err
		}
		_, err := n.ec2.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{
			NetworkAclId: aws.String(n.id), RuleNumber: e.RuleNumber, Egress: e.Egress, Protocol: e.Protocol, RuleAction: e.RuleAction,
			CidrBlock: e.CidrBlock, Ipv6CidrBlock: e.Ipv6CidrBlock, PortRange: e.PortRange, IcmpTypeCode: e.IcmpTypeCode,
		})
		return err
	}
}

func (n *naclPlanner) delete(num int32) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := n.ec2.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(n.id), RuleNumber: aws.Int32(num), Egress: aws.Bool(false)})
		return err
	}
}

// Security groups.

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

// tagMap turns EC2 tags into a map.
func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// Checks. Each lists the region's resources once and screens them with
// the predicate the plan fixes by; a resource the screen fails is planned
// read-only, so a FAIL is always the plan's own verdict (and carries what
// cisguard would do).

// checkNACLs is 5.1's check: every network ACL of the region.
func checkNACLs(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	var out []Result
	pages := ec2.NewDescribeNetworkAclsPaginator(t.Clients.EC2(), &ec2.DescribeNetworkAclsInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the network ACLs of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, acl := range pg.NetworkAcls {
			id := aws.ToString(acl.NetworkAclId)
			res := arnResource(t, "AwsEc2NetworkAcl", t.Region(), t.ARN("ec2", t.Region(), "network-acl/"+id))
			if !slices.ContainsFunc(acl.Entries, offendingEntry) {
				out = append(out, pass(res, "no ingress entry of %s allows 0.0.0.0/0 or ::/0 to ports 22 or 3389", id))
				continue
			}
			out = append(out, Verdict(ctx, c, t.on(res)))
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no network ACL in %s", t.Region()))
	}
	return out, nil
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

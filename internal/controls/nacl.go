package controls

// 5.1: no network ACL admits 0.0.0.0/0 or ::/0 to the remote server
// administration ports (22, 3389): each offending entry is narrowed,
// removed or replaced, within the ACL's entry quota.

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

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

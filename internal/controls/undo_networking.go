package controls

// Undo of section 5's fixes: security group rules revoked or authorized
// (5.2, 5.3), each recorded in full, and network ACL entries replaced or
// deleted (5.1).

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// Security group rules (5.2, 5.3).

// sgRecord is a security group rule in full: what AuthorizeSecurityGroup*
// needs to make it again.
type sgRecord struct {
	Egress      bool   `json:"egress,omitempty"`
	Protocol    string `json:"protocol"`
	FromPort    int32  `json:"fromPort"`
	ToPort      int32  `json:"toPort"`
	CIDR        string `json:"cidrIpv4,omitempty"`
	CIDRv6      string `json:"cidrIpv6,omitempty"`
	PrefixList  string `json:"prefixListId,omitempty"`
	Group       string `json:"referencedGroupId,omitempty"`
	GroupOwner  string `json:"referencedGroupOwner,omitempty"`
	Peering     string `json:"vpcPeeringConnectionId,omitempty"`
	Description string `json:"description,omitempty"`
	ID          string `json:"ruleId,omitempty"`
}

func sgRecordOf(r ec2types.SecurityGroupRule) sgRecord {
	x := sgRecord{Egress: aws.ToBool(r.IsEgress), Protocol: aws.ToString(r.IpProtocol), FromPort: aws.ToInt32(r.FromPort), ToPort: aws.ToInt32(r.ToPort),
		CIDR: aws.ToString(r.CidrIpv4), CIDRv6: aws.ToString(r.CidrIpv6), PrefixList: aws.ToString(r.PrefixListId),
		Description: aws.ToString(r.Description), ID: aws.ToString(r.SecurityGroupRuleId)}
	if g := r.ReferencedGroupInfo; g != nil {
		x.Group, x.GroupOwner, x.Peering = aws.ToString(g.GroupId), aws.ToString(g.UserId), aws.ToString(g.VpcPeeringConnectionId)
	}
	return x
}

// same reports whether two rules allow the same traffic (ids and
// descriptions aside).
func (r sgRecord) same(o sgRecord) bool {
	r.ID, o.ID, r.Description, o.Description = "", "", "", ""
	r.Protocol, o.Protocol = protoNumber(r.Protocol), protoNumber(o.Protocol)
	return r == o
}

func (r sgRecord) permission() ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String(r.Protocol), FromPort: aws.Int32(r.FromPort), ToPort: aws.Int32(r.ToPort)}
	desc := aws.String(r.Description)
	if r.Description == "" {
		desc = nil
	}
	switch {
	case r.CIDR != "":
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.CIDR), Description: desc}}
	case r.CIDRv6 != "":
		p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(r.CIDRv6), Description: desc}}
	case r.PrefixList != "":
		p.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: aws.String(r.PrefixList), Description: desc}}
	case r.Group != "":
		pair := ec2types.UserIdGroupPair{GroupId: aws.String(r.Group), Description: desc}
		if r.GroupOwner != "" {
			pair.UserId = aws.String(r.GroupOwner)
		}
		if r.Peering != "" {
			pair.VpcPeeringConnectionId = aws.String(r.Peering)
		}
		p.UserIdGroupPairs = []ec2types.UserIdGroupPair{pair}
	}
	return p
}

func (r sgRecord) String() string {
	src := r.CIDR + r.CIDRv6 + r.PrefixList + r.Group
	dir := "from"
	if r.Egress {
		dir = "to"
	}
	s := fmt.Sprintf("%s %s %s", protoName(r.Protocol), dir, src)
	if p := protoNumber(r.Protocol); p == protoTCP || p == protoUDP {
		s = fmt.Sprintf("%s %s %s %s", protoName(r.Protocol), portRange{r.FromPort, r.ToPort}, dir, src)
	}
	if r.Description != "" {
		s += fmt.Sprintf(" (%q)", r.Description)
	}
	return s
}

// recordRevoked records the rules a revoke removes, in full.
func recordRevoked(group string, rules []ec2types.SecurityGroupRule) *plan.Prior {
	var was []sgRecord
	for _, r := range rules {
		was = append(was, sgRecordOf(r))
	}
	return plan.Replaced(kindRulesRevoked, group, was, nil)
}

// recordAuthorized records the ingress rules an authorize adds.
func recordAuthorized(group string, perms []ec2types.IpPermission) *plan.Prior {
	var set []sgRecord
	for _, p := range perms {
		base := sgRecord{Protocol: aws.ToString(p.IpProtocol), FromPort: aws.ToInt32(p.FromPort), ToPort: aws.ToInt32(p.ToPort)}
		for _, r := range p.IpRanges {
			x := base
			x.CIDR, x.Description = aws.ToString(r.CidrIp), aws.ToString(r.Description)
			set = append(set, x)
		}
		for _, r := range p.Ipv6Ranges {
			x := base
			x.CIDRv6, x.Description = aws.ToString(r.CidrIpv6), aws.ToString(r.Description)
			set = append(set, x)
		}
	}
	return plan.Replaced(kindRulesAuthorized, group, nil, set)
}

// liveRules reads a group's rules as records; nil with a refusal when the
// group is gone.
func liveRules(ctx context.Context, t *Target, p *plan.Prior) ([]sgRecord, *plan.Plan, error) {
	_, rules, gone, err := groupRules(ctx, t.Clients.EC2(), p.Resource)
	if err != nil || gone {
		if gone {
			return nil, plan.Changed(p, "the security group no longer exists"), nil
		}
		return nil, nil, err
	}
	var out []sgRecord
	for _, r := range rules {
		out = append(out, sgRecordOf(r))
	}
	return out, nil, nil
}

// undoRulesRevoked authorizes the revoked rules again, but not those that
// are back already: adding a rule never overwrites one.
func undoRulesRevoked(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was []sgRecord
	if err := pr.Decode(&was, nil); err != nil {
		return nil, err
	}
	live, refused, err := liveRules(ctx, t, pr)
	if refused != nil || err != nil {
		return refused, err
	}
	p := &plan.Plan{}
	byDir := map[bool][]sgRecord{}
	for _, r := range was {
		if slices.ContainsFunc(live, r.same) {
			p.Note("rule %s of %s is there already", r, pr.Resource)
			continue
		}
		byDir[r.Egress] = append(byDir[r.Egress], r)
	}
	api, id := t.Clients.EC2(), aws.String(pr.Resource)
	for _, egress := range []bool{false, true} {
		rules := byDir[egress]
		if len(rules) == 0 {
			continue
		}
		var ps []ec2types.IpPermission
		var desc []string
		for _, r := range rules {
			ps = append(ps, r.permission())
			desc = append(desc, r.String())
		}
		if egress {
			p.Addf(func(ctx context.Context) error {
				_, err := api.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: id, IpPermissions: ps})
				return err
			}, "authorize again %d egress rule(s) of security group %s: %s", len(rules), pr.Resource, strings.Join(desc, "; "))
		} else {
			p.Addf(func(ctx context.Context) error {
				_, err := api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: id, IpPermissions: ps})
				return err
			}, "authorize again %d ingress rule(s) of security group %s: %s", len(rules), pr.Resource, strings.Join(desc, "; "))
		}
	}
	return p, nil
}

// undoRulesAuthorized revokes the ingress rules cisguard added, found by
// what they allow and their description; a rule whose description was
// changed since is someone else's now and is kept.
func undoRulesAuthorized(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var set []sgRecord
	if err := pr.Decode(nil, &set); err != nil {
		return nil, err
	}
	live, refused, err := liveRules(ctx, t, pr)
	if refused != nil || err != nil {
		return refused, err
	}
	p := &plan.Plan{}
	var ids, desc []string
	for _, r := range set {
		i := slices.IndexFunc(live, func(l sgRecord) bool { return !l.Egress && l.same(r) })
		switch {
		case i < 0:
			p.Note("rule %s of %s is gone already", r, pr.Resource)
		case live[i].Description != r.Description:
			p.Leave(fmt.Sprintf("rule %s of %s changed since cisguard added it (description now %q): not revoked", r, pr.Resource, live[i].Description))
		default:
			ids, desc = append(ids, live[i].ID), append(desc, live[i].ID+" "+r.String())
		}
	}
	if len(ids) > 0 {
		api := t.Clients.EC2()
		p.Addf(func(ctx context.Context) error {
			_, err := api.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(pr.Resource), SecurityGroupRuleIds: ids})
			return err
		}, "revoke %d ingress rule(s) cisguard added to security group %s: %s", len(ids), pr.Resource, strings.Join(desc, "; "))
	}
	return p, nil
}

// Network ACL entries (5.1).

// naclRecord is a network ACL entry in full, with its rule number.
type naclRecord struct {
	Number   int32  `json:"ruleNumber"`
	Egress   bool   `json:"egress"`
	Protocol string `json:"protocol"`
	Action   string `json:"ruleAction"`
	CIDR     string `json:"cidrBlock,omitempty"`
	CIDRv6   string `json:"ipv6CidrBlock,omitempty"`
	From     *int32 `json:"fromPort,omitempty"`
	To       *int32 `json:"toPort,omitempty"`
	ICMPType *int32 `json:"icmpType,omitempty"`
	ICMPCode *int32 `json:"icmpCode,omitempty"`
}

// naclRecordOf reads an entry; nil for none. Ports count only for TCP and
// UDP, type and code only for ICMP, as EC2 applies them.
func naclRecordOf(e *ec2types.NetworkAclEntry) *naclRecord {
	if e == nil {
		return nil
	}
	r := &naclRecord{Number: aws.ToInt32(e.RuleNumber), Egress: aws.ToBool(e.Egress), Protocol: protoNumber(aws.ToString(e.Protocol)),
		Action: string(e.RuleAction), CIDR: aws.ToString(e.CidrBlock), CIDRv6: aws.ToString(e.Ipv6CidrBlock)}
	switch r.Protocol {
	case protoTCP, protoUDP:
		if e.PortRange != nil {
			r.From, r.To = e.PortRange.From, e.PortRange.To
		}
	case protoICMP, protoICMPv6:
		r.ICMPType, r.ICMPCode = aws.Int32(-1), aws.Int32(-1) // all types and codes: what an entry without them means
		if c := e.IcmpTypeCode; c != nil {
			r.ICMPType, r.ICMPCode = aws.Int32(aws.ToInt32(c.Type)), aws.Int32(aws.ToInt32(c.Code))
		}
	}
	return r
}

func (r *naclRecord) entry() ec2types.NetworkAclEntry {
	e := ec2types.NetworkAclEntry{RuleNumber: aws.Int32(r.Number), Egress: aws.Bool(r.Egress), Protocol: aws.String(r.Protocol), RuleAction: ec2types.RuleAction(r.Action)}
	if r.CIDR != "" {
		e.CidrBlock = aws.String(r.CIDR)
	}
	if r.CIDRv6 != "" {
		e.Ipv6CidrBlock = aws.String(r.CIDRv6)
	}
	if r.From != nil {
		e.PortRange = &ec2types.PortRange{From: r.From, To: r.To}
	}
	if r.ICMPType != nil {
		e.IcmpTypeCode = &ec2types.IcmpTypeCode{Type: r.ICMPType, Code: r.ICMPCode}
	}
	return e
}

func (r *naclRecord) String() string {
	if r == nil {
		return "no entry"
	}
	e := r.entry()
	return fmt.Sprintf("%d: %s %s", r.Number, r.Action, naclRule(e))
}

// recordNACLEntry records an entry replaced by another (either nil: added
// or deleted).
func recordNACLEntry(acl string, was, set *ec2types.NetworkAclEntry) *plan.Prior {
	return plan.Replaced(kindNACLEntry, acl, naclRecordOf(was), naclRecordOf(set))
}

// undoNACLEntry puts the recorded entry back at its rule number when the
// number still holds what cisguard left there.
func undoNACLEntry(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set *naclRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	ref := was
	if ref == nil {
		ref = set
	}
	if ref == nil {
		return nil, fmt.Errorf("record %s of %s holds no entry", pr.Kind, pr.Resource)
	}
	api := t.Clients.EC2()
	out, err := api.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{pr.Resource}})
	if awsapi.IsNotFound(err) || err == nil && len(out.NetworkAcls) == 0 {
		return plan.Changed(pr, "the network ACL no longer exists"), nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe network ACL %s: %w", pr.Resource, err)
	}
	var live *naclRecord
	for _, e := range out.NetworkAcls[0].Entries {
		if aws.ToInt32(e.RuleNumber) == ref.Number && aws.ToBool(e.Egress) == ref.Egress {
			live = naclRecordOf(&e)
		}
	}
	p := &plan.Plan{}
	switch {
	case reflect.DeepEqual(live, was):
		p.Note("entry %s of %s is as it was", was, pr.Resource)
		return p, nil
	case !reflect.DeepEqual(live, set):
		return plan.Changed(pr, fmt.Sprintf("rule %d is now %s, cisguard left %s", ref.Number, live, set)), nil
	}
	n := &naclPlanner{ec2: api, id: pr.Resource}
	switch {
	case was == nil:
		p.Addf(n.delete(set.Number), "delete network ACL %s ingress entry %s (added by cisguard)", pr.Resource, set)
	case set == nil:
		p.Addf(n.put(was.entry(), false), "add network ACL %s ingress entry %s again", pr.Resource, was)
	default:
		p.Addf(n.put(was.entry(), true), "replace network ACL %s ingress entry %s with the original %s", pr.Resource, set, was)
	}
	return p, nil
}

package controls

// Section 5: Networking: the catalogue of its controls, and the port and
// rule model its families share. The families have files of their own:
// nacl.go (5.1), securitygroups.go (5.2, 5.3) and peering.go (5.4). Each
// check lists the region's resources once and screens them with the
// predicate the plan fixes by; a resource the screen fails is planned
// read-only, so a FAIL is always the plan's own verdict (and carries what
// cisguard would do).

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
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

// tagMap turns EC2 tags into a map.
func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

package controls

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// Choices an entry of FuzzNACL's input picks from: the ports and sources
// around which the admin ports and CIDR containment change.
var (
	fuzzPorts  = []int32{0, 1, 21, 22, 23, 80, 1024, 3388, 3389, 3390, 65534, 65535}
	fuzzCIDRs  = []string{"0.0.0.0/0", "::/0", "10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/24", "2001:db8::/32"}
	fuzzProtos = []string{protoAll, protoTCP, protoUDP}
)

// fuzzEntries reads ingress entries from fuzz input, 5 bytes each: rule
// number (two bytes, 1..200 so that neighbours are tight), action and
// protocol, port range, source. At most 20 entries (AWS's quota), rule
// numbers unique.
func fuzzEntries(data []byte) []types.NetworkAclEntry {
	var out []types.NetworkAclEntry
	seen := map[int32]bool{}
	for ; len(data) >= 5 && len(out) < 20; data = data[5:] {
		num := 1 + (int32(data[0])<<8|int32(data[1]))%200
		if seen[num] {
			continue
		}
		seen[num] = true
		e := types.NetworkAclEntry{RuleNumber: aws.Int32(num), Egress: aws.Bool(false), RuleAction: types.RuleActionAllow,
			Protocol: aws.String(fuzzProtos[int(data[2]>>1)%len(fuzzProtos)])}
		if data[2]&1 == 1 {
			e.RuleAction = types.RuleActionDeny
		}
		if p := *e.Protocol; p != protoAll {
			from, to := fuzzPorts[int(data[3]>>4)%len(fuzzPorts)], fuzzPorts[int(data[3]&15)%len(fuzzPorts)]
			e.PortRange = &types.PortRange{From: aws.Int32(min(from, to)), To: aws.Int32(max(from, to))}
		}
		if c := fuzzCIDRs[int(data[4])%len(fuzzCIDRs)]; netip.MustParsePrefix(c).Addr().Is6() {
			e.Ipv6CidrBlock = aws.String(c)
		} else {
			e.CidrBlock = aws.String(c)
		}
		out = append(out, e)
	}
	return out
}

// probe is a packet arriving at a network ACL.
type probe struct {
	proto string
	port  int32
	src   netip.Addr
}

// evalEntry is an ingress entry read for evaluation.
type evalEntry struct {
	rule  rule
	src   netip.Prefix
	allow bool
}

// ingress returns an ACL's ingress entries in rule number order, the
// order AWS evaluates them in.
func ingress(entries []types.NetworkAclEntry) []evalEntry {
	in := slices.DeleteFunc(slices.Clone(entries), func(e types.NetworkAclEntry) bool { return aws.ToBool(e.Egress) })
	slices.SortFunc(in, func(a, b types.NetworkAclEntry) int {
		return int(aws.ToInt32(a.RuleNumber) - aws.ToInt32(b.RuleNumber))
	})
	var out []evalEntry
	for _, e := range in {
		r := naclRule(e)
		pfx, err := netip.ParsePrefix(r.cidr)
		if err != nil {
			continue
		}
		out = append(out, evalEntry{r, pfx, e.RuleAction == types.RuleActionAllow})
	}
	return out
}

// allowed evaluates a packet as AWS does: the first of the ingress
// entries (in order) that matches decides; the ACL's final entries deny
// everything.
func allowed(in []evalEntry, p probe) bool {
	for _, e := range in {
		r := e.rule
		if !e.src.Contains(p.src) || r.proto != protoAll && r.proto != p.proto {
			continue
		}
		if (r.proto == protoTCP || r.proto == protoUDP) && (p.port < r.ports.from || p.port > r.ports.to) {
			continue
		}
		return e.allow
	}
	return false
}

// packets are probes that tell the entries apart: TCP and UDP to every
// port an entry starts or ends at, one beside it, and the admin ports,
// ICMP, from inside and outside every source.
func packets(entries []types.NetworkAclEntry) []probe {
	ports := slices.Clone(fuzzPorts)
	srcs := []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("2001:4860::8888")}
	for _, e := range entries {
		if e.PortRange != nil {
			for _, p := range []int32{*e.PortRange.From - 1, *e.PortRange.From, *e.PortRange.To, *e.PortRange.To + 1} {
				if p >= 0 && p <= 65535 {
					ports = append(ports, p)
				}
			}
		}
		if pfx, err := netip.ParsePrefix(naclRule(e).cidr); err == nil {
			srcs = append(srcs, pfx.Addr())
		}
	}
	var out []probe
	for _, src := range srcs {
		icmp := protoICMP
		if src.Is6() {
			icmp = protoICMPv6
		}
		out = append(out, probe{icmp, 0, src})
		for _, proto := range []string{protoTCP, protoUDP} {
			for _, port := range ports {
				out = append(out, probe{proto, port, src})
			}
		}
	}
	return out
}

// FuzzNACL: for any set of ingress entries, 5.1's fix (strategy narrow)
// applied to an ACL leaves no entry that CIS counts against it, changes
// the fate of no TCP, UDP or ICMP packet to a port other than 22 or 3389
// (the first matching entry still allows or denies it as before: the
// precedence of what is kept is kept), and allows no admin-port packet
// that was denied. A fix it cannot make (no free rule numbers, the quota)
// changes nothing. Other IP protocols that an allow-all entry admitted
// are not kept (CIS counts protocol "all" as admitting the admin ports;
// the fix keeps TCP, UDP and ICMP).
func FuzzNACL(f *testing.F) {
	f.Add([]byte{0, 100, 0, 0, 0})                                      // the default ACL: allow all from 0.0.0.0/0
	f.Add([]byte{0, 100, 2, 0x09, 0, 0, 101, 1, 0x46, 2})               // allow tcp 0-3389 from the world, deny tcp 80 from 10/8 next
	f.Add([]byte{0, 99, 0, 0, 0, 0, 100, 0, 0, 1, 0, 101, 5, 0, 0})     // tight neighbours, both families
	f.Add([]byte{0, 50, 4, 0x38, 1, 0, 51, 3, 0x49, 3, 0, 52, 0, 0, 0}) // udp from ::/0, a deny from 10.1/16, then allow all
	f.Fuzz(func(t *testing.T, data []byte) {
		entries := fuzzEntries(data)
		a := fake.NewAccount(testAccount)
		api := a.EC2(testRegion)
		const id = "acl-0123456789abcdef0"
		api.AddNetworkACLWithID(id, "vpc-1", nil, entries...)
		before := api.NetworkACL(id)

		c, _ := Lookup("5.1")
		tg := &Target{Clients: a.Clients(testRegion), Resource: resource("AwsEc2NetworkAcl", "arn:aws:ec2:"+testRegion+":"+testAccount+":network-acl/"+id),
			Params: &NACLParams{Strategy: "narrow", EntryQuota: 20}, Now: testNow}
		p, err := planNACL(perms.Declare(context.Background(), "5.1", perms.Reads(c.Permissions)), tg)
		if err != nil {
			if _, writes := a.Log.Counts(); writes != 0 {
				t.Fatalf("plan failed (%v) after writing", err)
			}
			return
		}
		if o := plan.Apply(perms.Declare(context.Background(), "5.1", c.Permissions), p); o.Err != nil {
			t.Fatalf("apply: %v\nentries %v\nplan:\n%s", o.Err, before, p)
		}
		after := api.NetworkACL(id)
		for _, e := range after {
			if offendingEntry(e) {
				t.Fatalf("entry %d still allows an admin port from the world: %s\nplan:\n%s", aws.ToInt32(e.RuleNumber), naclRule(e), p)
			}
		}
		first, then := ingress(before), ingress(after)
		for _, pr := range packets(before) {
			was, is := allowed(first, pr), allowed(then, pr)
			admin := (pr.proto == protoTCP || pr.proto == protoUDP) && slices.Contains(adminPorts, pr.port)
			if (admin && is && !was) || (!admin && is != was) {
				t.Fatalf("%s port %d from %s: allowed %t before, %t after\nbefore: %v\nplan:\n%s", protoName(pr.proto), pr.port, pr.src, was, is, before, p)
			}
		}
	})
}

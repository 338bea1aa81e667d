package controls

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/finding"
)

func naclRes(id string) finding.Resource {
	return resource("AwsEc2NetworkAcl", "arn:aws:ec2:"+testRegion+":"+testAccount+":network-acl/"+id)
}

func sgRes(id string) finding.Resource {
	return resource("AwsEc2SecurityGroup", "arn:aws:ec2:"+testRegion+":"+testAccount+":security-group/"+id)
}

func entry(num int32, action types.RuleAction, proto, cidr string, ports ...int32) types.NetworkAclEntry {
	e := types.NetworkAclEntry{RuleNumber: aws.Int32(num), Egress: aws.Bool(false), Protocol: aws.String(proto), RuleAction: action}
	if strings.Contains(cidr, ":") {
		e.Ipv6CidrBlock = aws.String(cidr)
	} else {
		e.CidrBlock = aws.String(cidr)
	}
	if len(ports) == 2 {
		e.PortRange = &types.PortRange{From: aws.Int32(ports[0]), To: aws.Int32(ports[1])}
	}
	if proto == "1" || proto == "58" {
		e.IcmpTypeCode = &types.IcmpTypeCode{Type: aws.Int32(-1), Code: aws.Int32(-1)}
	}
	return e
}

func allow(num int32, proto, cidr string, ports ...int32) types.NetworkAclEntry {
	return entry(num, types.RuleActionAllow, proto, cidr, ports...)
}

func deny(num int32, proto, cidr string, ports ...int32) types.NetworkAclEntry {
	return entry(num, types.RuleActionDeny, proto, cidr, ports...)
}

// naclAdmits evaluates ingress entries the way a network ACL does: in rule
// number order, first match wins, default deny.
func naclAdmits(entries []types.NetworkAclEntry, proto string, port int32, src string) bool {
	ingress := slices.DeleteFunc(slices.Clone(entries), func(e types.NetworkAclEntry) bool { return aws.ToBool(e.Egress) })
	slices.SortFunc(ingress, func(a, b types.NetworkAclEntry) int {
		return int(aws.ToInt32(a.RuleNumber) - aws.ToInt32(b.RuleNumber))
	})
	addr := netip.MustParseAddr(src)
	for _, e := range ingress {
		r := naclRule(e)
		if !netip.MustParsePrefix(r.cidr).Contains(addr) {
			continue
		}
		if r.proto != protoAll && r.proto != proto {
			continue
		}
		if (r.proto == protoTCP || r.proto == protoUDP) && (port < r.ports.from || port > r.ports.to) {
			continue
		}
		return e.RuleAction == types.RuleActionAllow
	}
	return false
}

// probes are the (protocol, port) pairs the traffic checks try.
var probes = func() (out []struct {
	proto string
	port  int32
}) {
	for _, proto := range []string{protoTCP, protoUDP} {
		for _, port := range []int32{0, 20, 21, 22, 23, 80, 443, 1024, 3388, 3389, 3390, 8080, 65535} {
			out = append(out, struct {
				proto string
				port  int32
			}{proto, port})
		}
	}
	return out
}()

// checkNarrowed asserts that, from src, the ACL after remediation admits
// exactly what it admitted before minus the admin ports.
func checkNarrowed(t *testing.T, before, after []types.NetworkAclEntry, src string) {
	t.Helper()
	for _, p := range probes {
		want := naclAdmits(before, p.proto, p.port, src) && p.port != 22 && p.port != 3389
		if got := naclAdmits(after, p.proto, p.port, src); got != want {
			t.Errorf("from %s, %s port %d: admitted=%v, want %v", src, protoName(p.proto), p.port, got, want)
		}
	}
}

func TestNACLNarrowsAllowAll(t *testing.T) {
	h := newHarness(t)
	ec2 := h.acct.EC2(testRegion)
	_, _, acl := ec2.AddVPC("10.0.0.0/16") // a default ACL: allow all at 100
	before := ec2.NetworkACL(acl)

	p := h.measure("5.1", naclRes(acl), "")
	after := ec2.NetworkACL(acl)

	checkNarrowed(t, before, after, "198.51.100.7")
	if !naclAdmits(after, protoICMP, 0, "198.51.100.7") {
		t.Error("ICMP no longer admitted")
	}
	for _, e := range after {
		if offendingEntry(e) {
			t.Errorf("entry still fails 5.1: %+v", naclRule(e))
		}
	}
	// The split keeps entry 100's place: its pieces are 100..106.
	var nums []int32
	for _, e := range after {
		if !aws.ToBool(e.Egress) && aws.ToInt32(e.RuleNumber) < 32767 {
			nums = append(nums, aws.ToInt32(e.RuleNumber))
		}
	}
	slices.Sort(nums)
	if !slices.Equal(nums, []int32{100, 101, 102, 103, 104, 105, 106}) {
		t.Errorf("rule numbers %v", nums)
	}
	// Egress is not 5.1's business.
	if !slices.ContainsFunc(after, func(e types.NetworkAclEntry) bool {
		return aws.ToBool(e.Egress) && aws.ToInt32(e.RuleNumber) == 100 && aws.ToString(e.Protocol) == "-1"
	}) {
		t.Error("egress allow-all entry was changed")
	}
	// The replacement comes last, after the new entries exist.
	d := descriptions(p)
	if !strings.HasPrefix(d[len(d)-1], "replace network ACL "+acl+" ingress entry 100 (allow all traffic from 0.0.0.0/0) with: allow tcp 0-21") {
		t.Errorf("last action %q", d[len(d)-1])
	}
}

func TestNACLCases(t *testing.T) {
	tests := []struct {
		name     string
		entries  []types.NetworkAclEntry
		settings string
		writes   int
		want     []string // substrings of the plan
		srcs     []string // sources to check narrowing from
	}{
		{
			name:    "sample event: tcp 22 only is deleted",
			entries: []types.NetworkAclEntry{allow(100, "6", "0.0.0.0/0", 22, 22)},
			writes:  1, want: []string{"delete network ACL acl-", "ingress entry 100 (allow tcp 22 from 0.0.0.0/0): it admits only admin ports"},
		},
		{
			name:    "udp 3389 only is deleted",
			entries: []types.NetworkAclEntry{allow(120, "17", "0.0.0.0/0", 3389, 3389)},
			writes:  1, want: []string{"entry 120 (allow udp 3389 from 0.0.0.0/0)"},
		},
		{
			name:    "a range that does not start at 0 is caught",
			entries: []types.NetworkAclEntry{allow(100, "6", "0.0.0.0/0", 10, 1024)},
			writes:  2, want: []string{"add network ACL", "entry 101: allow tcp 23-1024 from 0.0.0.0/0", "entry 100 (allow tcp 10-1024 from 0.0.0.0/0) with: allow tcp 10-21"},
			srcs: []string{"203.0.113.9"},
		},
		{
			name:    "range covering both admin ports",
			entries: []types.NetworkAclEntry{allow(200, "6", "0.0.0.0/0", 22, 3389)},
			writes:  1, want: []string{"entry 200 (allow tcp 22-3389 from 0.0.0.0/0) with: allow tcp 23-3388"},
			srcs: []string{"203.0.113.9"},
		},
		{
			name:    "IPv6 allow-all gets ICMPv6",
			entries: []types.NetworkAclEntry{allow(101, "-1", "::/0")},
			writes:  7, want: []string{"allow icmpv6 from ::/0", "allow udp 3390-65535 from ::/0"},
			srcs: []string{"2001:db8::1", "198.51.100.7"},
		},
		{
			name:    "a deny in front does not make an allow pass",
			entries: []types.NetworkAclEntry{deny(90, "6", "0.0.0.0/0", 22, 22), deny(91, "6", "0.0.0.0/0", 3389, 3389), allow(100, "-1", "0.0.0.0/0")},
			writes:  7, srcs: []string{"198.51.100.7"},
		},
		{
			name:    "pieces fit below the entry when the numbers above are taken",
			entries: []types.NetworkAclEntry{deny(90, "6", "192.0.2.0/24", 80, 80), allow(100, "-1", "0.0.0.0/0"), deny(101, "17", "0.0.0.0/0", 53, 53)},
			writes:  7, want: []string{"entry 99:", "entry 94:"}, srcs: []string{"198.51.100.7", "192.0.2.10"},
		},
		{
			name:    "compliant entries are left alone",
			entries: []types.NetworkAclEntry{allow(100, "6", "0.0.0.0/0", 443, 443), allow(110, "6", "10.0.0.0/8", 22, 22), allow(120, "6", "0.0.0.0/0", 3390, 65535), deny(130, "-1", "0.0.0.0/0")},
			writes:  0,
		},
		{
			name:     "strategy remove deletes the entry",
			entries:  []types.NetworkAclEntry{allow(100, "-1", "0.0.0.0/0")},
			settings: "strategy: remove",
			writes:   1, want: []string{"delete network ACL"},
		},
		{
			name:     "strategy replace allows admin ports from adminCidr",
			entries:  []types.NetworkAclEntry{allow(100, "6", "0.0.0.0/0", 0, 65535)},
			settings: "strategy: replace\nadminCidr: 10.20.0.0/16",
			writes:   5, want: []string{"allow tcp 22 from 10.20.0.0/16", "allow tcp 3389 from 10.20.0.0/16"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ec2 := h.acct.EC2(testRegion)
			acl := ec2.AddNetworkACL("vpc-1", nil, tt.entries...)
			before := ec2.NetworkACL(acl)
			h.acct.Log.Reset()
			p := h.remediate("5.1", naclRes(acl), tt.settings)
			if got := len(p.Actions); got != tt.writes {
				t.Errorf("plan has %d actions, want %d:\n%s", got, tt.writes, p)
			}
			containsAll(t, descriptions(p), tt.want...)
			after := ec2.NetworkACL(acl)
			for _, src := range tt.srcs {
				checkNarrowed(t, before, after, src)
			}
			if strings.Contains(tt.settings, "replace") && !naclAdmits(after, protoTCP, 22, "10.20.1.1") {
				t.Error("admin CIDR cannot reach port 22")
			}
		})
	}
}

func TestNACLNoRoomChangesNothing(t *testing.T) {
	t.Run("no free rule numbers", func(t *testing.T) {
		h := newHarness(t)
		ec2 := h.acct.EC2(testRegion)
		acl := ec2.AddNetworkACL("vpc-1", nil, deny(99, "6", "192.0.2.0/24", 80, 80), allow(100, "-1", "0.0.0.0/0"), deny(101, "17", "0.0.0.0/0", 53, 53))
		err := h.planErr("5.1", naclRes(acl), "")
		if !strings.Contains(err.Error(), "only 0 free rule numbers between entries 99 and 101, 6 needed; nothing was changed") {
			t.Errorf("error %v", err)
		}
		if h.writes() != 0 {
			t.Errorf("%d writes", h.writes())
		}
	})
	t.Run("entry quota", func(t *testing.T) {
		h := newHarness(t)
		ec2 := h.acct.EC2(testRegion)
		var entries []types.NetworkAclEntry
		for i := int32(0); i < 15; i++ {
			entries = append(entries, deny(200+10*i, "6", "192.0.2.0/24", 1000+i, 1000+i))
		}
		entries = append(entries, allow(100, "-1", "0.0.0.0/0"))
		acl := ec2.AddNetworkACL("vpc-1", nil, entries...)
		err := h.planErr("5.1", naclRes(acl), "")
		if !strings.Contains(err.Error(), "needs 22 IPv4 ingress entries and the quota is 20") {
			t.Errorf("error %v", err)
		}
		// With the quota raised (and configured), it fits.
		ec2.SetNACLEntryQuota(40)
		h.remediate("5.1", naclRes(acl), "entryQuota: 40")
	})
	t.Run("the fake enforces the quota too", func(t *testing.T) {
		h := newHarness(t)
		ec2 := h.acct.EC2(testRegion)
		var entries []types.NetworkAclEntry
		for i := int32(0); i < 15; i++ {
			entries = append(entries, deny(200+10*i, "6", "192.0.2.0/24", 1000+i, 1000+i))
		}
		entries = append(entries, allow(100, "-1", "0.0.0.0/0"))
		acl := ec2.AddNetworkACL("vpc-1", nil, entries...)
		c, tgt := h.target("5.1", naclRes(acl), "entryQuota: 40") // configured above the real quota
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		o := applyPlan(h, c, p)
		if o == nil || !strings.Contains(o.Error(), "NetworkAclEntryLimitExceeded") {
			t.Fatalf("apply error %v", o)
		}
		// Entry 100 is replaced last, so it still allows everything it did.
		if !naclAdmits(ec2.NetworkACL(acl), protoTCP, 443, "198.51.100.7") {
			t.Error("a failed split cut traffic")
		}
	})
}

func TestNACLVanishedAndExempt(t *testing.T) {
	h := newHarness(t)
	ec2 := h.acct.EC2(testRegion)
	acl := ec2.AddNetworkACL("vpc-1", nil, allow(100, "6", "0.0.0.0/0", 22, 22))
	ec2.DeleteNetworkACL(acl)
	p := h.mustPlan("5.1", naclRes(acl), "")
	if !p.Empty() || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "no longer exists") {
		t.Errorf("vanished ACL: %s", p)
	}

	acl = ec2.AddNetworkACL("vpc-1", map[string]string{"cisguard:exempt": "TRUE"}, allow(100, "6", "0.0.0.0/0", 22, 22))
	if err := h.planErr("5.1", naclRes(acl), ""); !IsExempt(err) {
		t.Errorf("exempt ACL: %v", err)
	}
}

func TestNACLParams(t *testing.T) {
	for _, s := range []string{"strategy: replace", "strategy: replace\nadminCidr: 0.0.0.0/0", "strategy: cut", "entryQuota: 5", "entryQuota: 500", "adminCidr: 10.0.0.1/8\nstrategy: replace"} {
		if err := (func() error {
			p := &NACLParams{Strategy: "narrow", EntryQuota: 20}
			if err := decodeYAML(s, p); err != nil {
				return err
			}
			return p.Validate()
		})(); err == nil {
			t.Errorf("settings %q accepted", s)
		}
	}
}

func TestPortRangeWithoutAdmin(t *testing.T) {
	tests := []struct {
		in   portRange
		want []portRange
	}{
		{portRange{0, 65535}, []portRange{{0, 21}, {23, 3388}, {3390, 65535}}},
		{portRange{22, 22}, nil},
		{portRange{22, 23}, []portRange{{23, 23}}},
		{portRange{3389, 3389}, nil},
		{portRange{21, 3389}, []portRange{{21, 21}, {23, 3388}}},
		{portRange{80, 80}, []portRange{{80, 80}}},
	}
	for _, tt := range tests {
		if got := tt.in.withoutAdmin(); !slices.Equal(got, tt.want) {
			t.Errorf("%v.withoutAdmin() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// Default security group (5.3).

func TestDefaultSecurityGroup(t *testing.T) {
	h := newHarness(t)
	ec2 := h.acct.EC2(testRegion)
	_, sg, _ := ec2.AddVPC("10.0.0.0/16")
	ec2.AddRule(sg, false, types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("0.0.0.0/0")})
	p := h.measure("5.3", sgRes(sg), "")
	containsAll(t, descriptions(p), "revoke 2 ingress rule(s) of default security group", "tcp 22 from 0.0.0.0/0", "revoke 1 egress rule(s)", "all traffic to 0.0.0.0/0")
	if r := ec2.Rules(sg); len(r) != 0 {
		t.Errorf("rules left: %v", r)
	}
}

func TestDefaultSecurityGroupCases(t *testing.T) {
	t.Run("only egress rules: no empty ingress revoke", func(t *testing.T) {
		h := newHarness(t)
		ec2 := h.acct.EC2(testRegion)
		sg := ec2.AddSecurityGroup("vpc-1", "default", nil)
		ec2.AddRule(sg, true, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv6: aws.String("::/0")})
		p := h.remediate("5.3", sgRes(sg), "")
		if len(p.Actions) != 1 || !strings.Contains(p.Actions[0].Description, "egress") {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("no rules at all", func(t *testing.T) {
		h := newHarness(t)
		sg := h.acct.EC2(testRegion).AddSecurityGroup("vpc-1", "default", nil)
		if p := h.mustPlan("5.3", sgRes(sg), ""); !p.Empty() {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("rules over several pages", func(t *testing.T) {
		h := newHarness(t)
		ec2 := h.acct.EC2(testRegion)
		sg := ec2.AddSecurityGroup("vpc-1", "default", nil)
		for i := int32(0); i < 1005; i++ {
			ec2.AddRule(sg, false, types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1000 + i), ToPort: aws.Int32(1000 + i), CidrIpv4: aws.String("10.0.0.0/8")})
		}
		h.remediate("5.3", sgRes(sg), "")
		if r := ec2.Rules(sg); len(r) != 0 {
			t.Errorf("%d rules left: the second page was not read", len(r))
		}
	})
	t.Run("not a default group", func(t *testing.T) {
		h := newHarness(t)
		sg := h.acct.EC2(testRegion).AddSecurityGroup("vpc-1", "web", nil)
		if err := h.planErr("5.3", sgRes(sg), ""); !strings.Contains(err.Error(), `is named "web"`) {
			t.Error(err)
		}
	})
	t.Run("vanished", func(t *testing.T) {
		h := newHarness(t)
		p := h.mustPlan("5.3", sgRes("sg-0000000000000dead"), "")
		if !p.Empty() || !strings.Contains(strings.Join(p.Notes, ""), "no longer exists") {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("exempt", func(t *testing.T) {
		h := newHarness(t)
		sg := h.acct.EC2(testRegion).AddSecurityGroup("vpc-1", "default", map[string]string{"cisguard:exempt": "true"})
		if err := h.planErr("5.3", sgRes(sg), ""); !IsExempt(err) {
			t.Error(err)
		}
	})
}

// Security groups open to admin ports (5.2).

func TestSecurityGroupNarrowed(t *testing.T) {
	h := newHarness(t)
	ec2 := h.acct.EC2(testRegion)
	sg := ec2.AddSecurityGroup("vpc-1", "web", nil)
	wide := ec2.AddRule(sg, false, types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535), CidrIpv4: aws.String("0.0.0.0/0")})
	p := h.measure("5.2", sgRes(sg), "mode: auto")
	containsAll(t, descriptions(p), "authorize 3 ingress rule(s)", "tcp 0-21 from 0.0.0.0/0", "tcp 23-3388 from 0.0.0.0/0", "tcp 3390-65535 from 0.0.0.0/0", "revoke 1 ingress rule(s)", wide)
	var got []string
	for _, r := range ec2.Rules(sg) {
		x, _ := sgRule(r)
		got = append(got, x.String())
	}
	slices.Sort(got)
	want := []string{"tcp 0-21 from 0.0.0.0/0", "tcp 23-3388 from 0.0.0.0/0", "tcp 3390-65535 from 0.0.0.0/0"}
	if !slices.Equal(got, want) {
		t.Errorf("rules %v, want %v", got, want)
	}
}

func TestSecurityGroupCases(t *testing.T) {
	tests := []struct {
		name     string
		rules    []types.SecurityGroupRule
		settings string
		actions  int
		want     []string
	}{
		{"ssh only is revoked", []types.SecurityGroupRule{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("0.0.0.0/0")}}, "", 1, []string{"tcp 22 from 0.0.0.0/0"}},
		{"all traffic from ::/0 keeps icmpv6", []types.SecurityGroupRule{{IpProtocol: aws.String("-1"), CidrIpv6: aws.String("::/0")}}, "", 2, []string{"icmpv6 from ::/0", "udp 3390-65535 from ::/0"}},
		{"web and internal rules stay", []types.SecurityGroupRule{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), CidrIpv4: aws.String("0.0.0.0/0")},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("10.0.0.0/8")},
			{IpProtocol: aws.String("-1"), ReferencedGroupInfo: &types.ReferencedSecurityGroup{GroupId: aws.String("sg-other")}},
		}, "", 0, nil},
		{"replace", []types.SecurityGroupRule{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(3389), ToPort: aws.Int32(3389), CidrIpv4: aws.String("0.0.0.0/0")}}, "strategy: replace\nadminCidr: 192.0.2.0/24", 2, []string{"tcp 3389 from 192.0.2.0/24"}},
		{"remove", []types.SecurityGroupRule{{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")}}, "strategy: remove", 1, []string{"all traffic from 0.0.0.0/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ec2 := h.acct.EC2(testRegion)
			sg := ec2.AddSecurityGroup("vpc-1", "web", nil)
			for _, r := range tt.rules {
				ec2.AddRule(sg, false, r)
			}
			p := h.remediate("5.2", sgRes(sg), tt.settings)
			if len(p.Actions) != tt.actions {
				t.Errorf("%d actions, want %d:\n%s", len(p.Actions), tt.actions, p)
			}
			containsAll(t, descriptions(p), tt.want...)
		})
	}
}

func TestSecurityGroupQuota(t *testing.T) {
	h := newHarness(t)
	ec2 := h.acct.EC2(testRegion)
	sg := ec2.AddSecurityGroup("vpc-1", "web", nil)
	for i := int32(0); i < 55; i++ {
		ec2.AddRule(sg, false, types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1000 + i), ToPort: aws.Int32(1000 + i), CidrIpv4: aws.String("10.0.0.0/8")})
	}
	ec2.AddRule(sg, false, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
	if err := h.planErr("5.2", sgRes(sg), ""); !strings.Contains(err.Error(), "quota is 60; nothing was changed") {
		t.Error(err)
	}
}

// sanity: the fake refuses an empty revoke, the defect the seed had.
func TestFakeRefusesEmptyRevoke(t *testing.T) {
	h := newHarness(t)
	sg := h.acct.EC2(testRegion).AddSecurityGroup("vpc-1", "default", nil)
	_, err := h.acct.EC2(testRegion).RevokeSecurityGroupEgress(t.Context(), &ec2sdk.RevokeSecurityGroupEgressInput{GroupId: aws.String(sg)})
	if err == nil || !strings.Contains(err.Error(), "MissingParameter") {
		t.Errorf("empty revoke: %v", err)
	}
}

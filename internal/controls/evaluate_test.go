package controls

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/fake"
)

// scan evaluates control id in the harness's account and region as a
// scan does (its reads alone declared); regions are the scan's regions.
func (h *harness) scan(id, settings string, regions ...string) []Result {
	h.t.Helper()
	c, t := h.target(id, accountResource(), settings)
	t.Regions = regions
	return Evaluate(context.Background(), c, t)
}

// statuses maps each result's resource name to its status.
func statuses(rs []Result) map[string]Status {
	m := map[string]Status{}
	for _, r := range rs {
		m[r.Resource.Name()] = r.Status
	}
	return m
}

// want fails unless the results are exactly these (resource name → status).
func want(t testing.TB, rs []Result, w map[string]Status) {
	t.Helper()
	got := statuses(rs)
	var diffs []string
	for k, s := range w {
		if got[k] != s {
			diffs = append(diffs, k+": got "+string(got[k])+", want "+string(s))
		}
	}
	for k := range got {
		if _, ok := w[k]; !ok {
			diffs = append(diffs, k+": unexpected "+string(got[k]))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		var all []string
		for _, r := range rs {
			all = append(all, r.Resource.ID+" "+string(r.Status)+": "+r.Reason)
		}
		t.Fatalf("%s\nresults:\n%s", strings.Join(diffs, "\n"), strings.Join(all, "\n"))
	}
}

func result(t testing.TB, rs []Result, name string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Resource.Name() == name {
			return r
		}
	}
	t.Fatalf("no result for %s in %v", name, rs)
	return Result{}
}

const denyHTTPPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::%s","arn:aws:s3:::%s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`

func allBlocked() *s3types.PublicAccessBlockConfiguration {
	return &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}
}

func TestCheckBuckets(t *testing.T) {
	h := newHarness(t)
	good := h.acct.AddBucket("good", testRegion)
	good.Policy = strings.ReplaceAll(denyHTTPPolicy, "%s", "good")
	good.PublicAccessBlock = allBlocked()
	open := h.acct.AddBucket("open", "us-east-1")
	open.Encryption = s3types.ServerSideEncryptionConfiguration{}
	exempt := h.acct.AddBucket("exempt", testRegion)
	exempt.Tags["cisguard:exempt"] = "true"
	h.acct.AddBucket("elsewhere", "ap-south-1")
	regions := []string{testRegion, "us-east-1"}

	want(t, h.scan("2.1.1", "", regions...), map[string]Status{"good": Pass, "open": Fail, "exempt": Pass})
	rs := h.scan("2.1.2", "", regions...)
	want(t, rs, map[string]Status{"good": Pass, "open": Fail, "exempt": Fail})
	if r := result(t, rs, "exempt"); !strings.HasPrefix(r.Reason, "accepted exception: ") {
		t.Errorf("exempt bucket: %q, want the accepted exception", r.Reason)
	}
	if r := result(t, rs, "open"); r.Resource.Region != "us-east-1" || r.Plan == nil || len(r.Plan.Actions) != 1 {
		t.Errorf("open bucket: region %s, plan %v; want us-east-1 and the plan's one action", r.Resource.Region, r.Plan)
	}
	want(t, h.scan("2.1.5.2", "", regions...), map[string]Status{"good": Pass, "open": Fail, "exempt": Fail})
	// Outside a scan's regions narrowing (nil), every bucket counts.
	if n := len(h.scan("2.1.5.2", "")); n != 4 {
		t.Errorf("%d results without region narrowing, want 4", n)
	}
}

func TestCheckBucketsNoneAndErrors(t *testing.T) {
	h := newHarness(t)
	want(t, h.scan("2.1.2", ""), map[string]Status{testAccount: NotApplicable})
	h.acct.AddBucket("b", testRegion)
	h.acct.Log.Fail("S3/ListBuckets", fake.Throttled())
	rs := h.scan("2.1.2", "")
	if len(rs) != 1 || rs[0].Status != Error || !strings.Contains(rs[0].Reason, "Throttling") || !strings.Contains(rs[0].Reason, testAccount) {
		t.Fatalf("a failing list: %+v, want one ERROR naming the account and the AWS error", rs)
	}
	h.acct.Log.Fail("S3/GetBucketPolicy", fake.APIError("AccessDenied", "denied"))
	rs = h.scan("2.1.2", "")
	if r := result(t, rs, "b"); r.Status != Error || !strings.Contains(r.Reason, "AccessDenied") || !strings.Contains(r.Reason, "bucket b") {
		t.Fatalf("a failing read: %+v, want ERROR naming the bucket and the AWS error", r)
	}
}

func TestCheckAccountAndRegionVerdicts(t *testing.T) {
	h := newHarness(t)
	want(t, h.scan("2.2.1", ""), map[string]Status{testAccount: Fail})
	want(t, h.scan("1.8", ""), map[string]Status{testAccount: Fail})
	h.acct.SetPasswordPolicy(&iamtypes.PasswordPolicy{MinimumPasswordLength: aws.Int32(14), PasswordReusePrevention: aws.Int32(24)})
	want(t, h.scan("1.8", ""), map[string]Status{testAccount: Pass})
	want(t, h.scan("1.9", ""), map[string]Status{testAccount: Pass})
	h.acct.SetPasswordPolicy(&iamtypes.PasswordPolicy{MinimumPasswordLength: aws.Int32(8)})
	want(t, h.scan("1.9", ""), map[string]Status{testAccount: Fail})
	want(t, h.scan("2.1.5.1", ""), map[string]Status{testAccount: Fail})
}

func naclEntries(t *testing.T, entries ...ec2types.NetworkAclEntry) (*harness, string) {
	h := newHarness(t)
	vpc, _, def := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
	h.acct.EC2(testRegion).DeleteNetworkACL(def)
	return h, h.acct.EC2(testRegion).AddNetworkACL(vpc, nil, entries...)
}

func TestCheckNACLs(t *testing.T) {
	for _, c := range []struct {
		name    string
		entries []ec2types.NetworkAclEntry
		want    Status
	}{
		{"web only", []ec2types.NetworkAclEntry{allow(100, "6", "0.0.0.0/0", 443, 443)}, Pass},
		{"deny before allow still fails (CIS ignores order)", []ec2types.NetworkAclEntry{deny(50, "6", "0.0.0.0/0", 22, 22), allow(100, "6", "0.0.0.0/0", 0, 65535)}, Fail},
		{"all traffic from ::/0", []ec2types.NetworkAclEntry{allow(100, "-1", "::/0")}, Fail},
		{"port range over 22", []ec2types.NetworkAclEntry{allow(100, "6", "0.0.0.0/0", 20, 25)}, Fail},
		{"port range between the admin ports", []ec2types.NetworkAclEntry{allow(100, "6", "0.0.0.0/0", 23, 3388)}, Pass},
		{"RDP from a private range", []ec2types.NetworkAclEntry{allow(100, "6", "10.0.0.0/8", 3389, 3389)}, Pass},
		{"udp 3389 from the internet", []ec2types.NetworkAclEntry{allow(100, "17", "0.0.0.0/0", 3389, 3389)}, Fail},
		{"icmp from the internet", []ec2types.NetworkAclEntry{allow(100, "1", "0.0.0.0/0")}, Pass},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, id := naclEntries(t, c.entries...)
			rs := h.scan("5.1", "")
			want(t, rs, map[string]Status{id: c.want})
			if c.want == Fail && result(t, rs, id).Plan == nil {
				t.Error("a FAIL carries no plan")
			}
		})
	}
}

func TestCheckNACLsOtherPartition(t *testing.T) {
	h, id := naclEntries(t, allow(100, "6", "0.0.0.0/0", 22, 22))
	h.acct.Partition = "aws-us-gov"
	rs := h.scan("5.1", "")
	if r := result(t, rs, id); !strings.HasPrefix(r.Resource.ID, "arn:aws-us-gov:ec2:") || r.Status != Fail {
		t.Fatalf("result %+v, want FAIL on an aws-us-gov ARN", r)
	}
}

func TestCheckSecurityGroups(t *testing.T) {
	h := newHarness(t)
	e := h.acct.EC2(testRegion)
	vpc, def, _ := e.AddVPC("10.0.0.0/16")
	rule := func(proto string, from, to int32, cidr string) ec2types.SecurityGroupRule {
		r := ec2types.SecurityGroupRule{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
		if strings.Contains(cidr, ":") {
			r.CidrIpv6 = aws.String(cidr)
		} else {
			r.CidrIpv4 = aws.String(cidr)
		}
		return r
	}
	wide := e.AddSecurityGroup(vpc, "wide", nil)
	e.AddRule(wide, false, rule("tcp", 0, 65535, "::/0"))
	ssh := e.AddSecurityGroup(vpc, "ssh", nil)
	e.AddRule(ssh, false, rule("tcp", 22, 22, "0.0.0.0/0"))
	private := e.AddSecurityGroup(vpc, "private", nil)
	e.AddRule(private, false, rule("tcp", 3389, 3389, "10.0.0.0/8"))
	web := e.AddSecurityGroup(vpc, "web", nil)
	e.AddRule(web, false, rule("tcp", 443, 443, "0.0.0.0/0"))
	e.AddRule(web, true, rule("tcp", 22, 22, "0.0.0.0/0")) // egress does not count
	want(t, h.scan("5.2", ""), map[string]Status{def: Pass, wide: Fail, ssh: Fail, private: Pass, web: Pass})
	// 5.3: only default groups, failing while they have any rule.
	want(t, h.scan("5.3", ""), map[string]Status{def: Fail})
	e.AddVPC("10.1.0.0/16")
	empty := e.AddSecurityGroup(vpc, "default-like", nil)
	_ = empty
	rs := h.scan("5.3", "")
	if len(rs) != 2 {
		t.Fatalf("5.3: %d results, want one per VPC: %+v", len(rs), rs)
	}
}

package scan_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/scan"
)

var callRegions = []string{"us-east-1", "eu-west-1", "ap-south-1"}

// seedAccount gives an account n of every kind of resource the checks
// evaluate, in every region, half of them non-compliant, and one trail
// that delivers to CloudWatch Logs.
func seedAccount(a *fake.Account, n int) {
	a.SetRegions(callRegions...)
	home := callRegions[0]
	a.AddBucket("trail-logs", home)
	a.Logs(home).AddLogGroup("trail-events")
	a.CloudTrail(home).AddTrail(fake.Trail{Trail: cttypes.Trail{Name: aws.String("main"), S3BucketName: aws.String("trail-logs"), IsMultiRegionTrail: aws.Bool(true),
		CloudWatchLogsLogGroupArn: aws.String("arn:aws:logs:" + home + ":" + a.ID + ":log-group:trail-events:*")}, Logging: true})
	old := now.Add(-200 * 24 * time.Hour)
	for i := range n {
		a.AddUser(fake.User{Name: fmt.Sprintf("user-%d", i), Password: &old, AccessKeys: []fake.AccessKey{{Created: old}}, Attached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}})
		a.AddServerCertificate(fake.ServerCertificate{Name: fmt.Sprintf("cert-%d", i), Expiration: now.AddDate(0, 0, 30-60*(i%2))})
		for j, r := range callRegions {
			a.AddBucket(fmt.Sprintf("bucket-%d-%d", i, j), r)
			vpc, _, _ := a.EC2(r).AddVPC(fmt.Sprintf("10.%d.0.0/16", i))
			a.KMS(r).AddKey(fake.Key{Description: "data", Rotation: i%2 == 0})
			profile := ""
			if i%2 == 0 {
				profile = "app"
			}
			a.EC2(r).AddInstance("", profile)
			pcx := a.EC2(r).AddPeering(ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String(vpc), CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", i))},
				ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String(fmt.Sprintf("vpc-peer%d", i)), CidrBlock: aws.String("172.16.0.0/16")})
			a.EC2(r).AddRouteTable(vpc, ec2types.Route{DestinationCidrBlock: aws.String(fmt.Sprintf("172.16.%d.0/24", i*(i%2))), VpcPeeringConnectionId: aws.String(pcx)})
		}
	}
}

// scanCalls scans an account with n resources of each kind per region and
// returns its AWS calls by operation.
func scanCalls(t *testing.T, n int) map[string]int {
	org := fake.NewOrg("999999999999")
	a := org.Account("111122223333")
	seedAccount(a, n)
	rep, err := scan.Run(context.Background(), org, []scan.Account{{ID: a.ID}}, options(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Error > 0 {
		for _, r := range rep.Failing() {
			if r.Status == "ERROR" {
				t.Errorf("ERROR %s %s %s: %s", r.CIS, r.Region, r.Resource, r.Reason)
			}
		}
	}
	calls := map[string]int{}
	for _, c := range a.Log.Calls() {
		calls[c.Service+"/"+c.Operation]++
		if c.Write() {
			t.Errorf("a scan wrote: %s", c)
		}
	}
	return calls
}

func total(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestScanCallCount is the budget of a whole scan of every check: one
// account, R regions, N resources of each kind per region. The calls
// grow linearly with N; no read is repeated by the checks that share it.
func TestScanCallCount(t *testing.T) {
	const n = 4
	// From N=1 on: the first resource of a kind may bring a fixed cost
	// per region (the log group 3.9's plan would deliver to).
	c0, c1, c2 := scanCalls(t, n), scanCalls(t, 2*n), scanCalls(t, 3*n)
	if d1, d2 := total(c1)-total(c0), total(c2)-total(c1); d1 != d2 {
		t.Errorf("calls are not linear in N: %d, %d, %d (steps %d and %d)", total(c0), total(c1), total(c2), d1, d2)
	}
	r := len(callRegions)
	buckets := 3 * n * r // the buckets of c2, but the trail's
	s3 := 0
	for op, k := range c2 {
		if strings.HasPrefix(op, "S3/") && op != "S3/ListBuckets" {
			s3 += k
		}
	}
	// Five per bucket at most (policy, encryption, Block Public Access,
	// tags, versioning: ListBuckets gives each bucket's region); the
	// trail's bucket three more: the trail checks locate it, its access
	// logging, and 3.6's plan locates the access-log bucket it would
	// create (absent).
	if s3 > 5*buckets+5+3 {
		t.Errorf("%d S3 calls for %d buckets and the trail's: more than 5 per bucket", s3, buckets)
	}
	for op, want := range map[string]int{
		"CloudTrail/DescribeTrails":             r, // one per region, shared by 3.x and section 4
		"IAM/GetCredentialReport":               1, // one report per account for 1.10, 1.12, 1.14
		"S3/ListBuckets":                        1,
		"EC2/DescribeRegions":                   1,
		"IAM/GetAccountSummary":                 1,         // 1.4, 1.5 and 1.6
		"IAM/GetAccountPasswordPolicy":          1,         // 1.8 and 1.9
		"EC2/DescribeNetworkAcls":               r + 3*n*r, // the listing, and the plan of each failing ACL
		"CloudWatch Logs/DescribeMetricFilters": 1,         // fifteen section-4 checks, one log group
		// 1.11, 1.13, 1.15, 1.19, 1.21, 1.1, 1.2: one listing per account.
		"IAM/GetAccountAuthorizationDetails": 1,
		"IAM/ListServerCertificates":         1,
		"IAM/ListSAMLProviders":              1,
		"IAM/ListOpenIDConnectProviders":     1,
		"Account/GetContactInformation":      1,
		"Account/GetAlternateContact":        1,
		// 1.18, 5.4, 1.20, 2.1.4: one per region.
		"EC2/DescribeInstances":             r,
		"EC2/DescribeRouteTables":           r,
		"EC2/DescribeVpcPeeringConnections": r,
		"AccessAnalyzer/ListAnalyzers":      r,
		"Macie2/GetMacieSession":            r,
	} {
		if got := c2[op]; got != want {
			t.Errorf("%s: %d calls, want %d", op, got, want)
		}
	}
	if g := c2["IAM/GenerateCredentialReport"]; g > 2 {
		t.Errorf("GenerateCredentialReport called %d times, want the start and one poll", g)
	}
	for _, op := range slices.Sorted(maps.Keys(c2)) {
		t.Logf("%-45s N=%d: %4d  N=%d: %4d  N=%d: %4d", op, n, c0[op], 2*n, c1[op], 3*n, c2[op])
	}
	t.Logf("total: N=%d: %d, N=%d: %d, N=%d: %d; each further N (one user and server certificate, and per region a bucket, a VPC, a key, an instance, a peered route table): %d calls", n, total(c0), 2*n, total(c1), 3*n, total(c2), (total(c2)-total(c1))/n)
}

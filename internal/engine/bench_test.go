package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

// Benchmarks of the engine's own work for one finding, on fakes (so AWS
// latency is out of the picture): decode the event, decide, assume (a
// cached lookup), and plan from live state. Run with
//
//	go test -run '^$' -bench . -benchmem ./internal/engine/

func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", "imported-control-EC2.21.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := finding.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDecidePlan measures the whole path of one EC2.21 finding
// in dry-run mode: the NACL holds an allow-all entry, so every iteration
// plans the full seven-entry split.
func BenchmarkDecodeDecidePlan(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", "imported-control-EC2.21.json"))
	if err != nil {
		b.Fatal(err)
	}
	org := fake.NewOrg(admin)
	org.Account(member).EC2(region).AddNetworkACLWithID("acl-0fedcba9876543210", "vpc-1", nil, types.NetworkAclEntry{
		RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("-1"), RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0")})
	if err := org.ImportEvent(data); err != nil {
		b.Fatal(err)
	}
	e := newEngine(b, org, "notifications: {disabled: true}", true)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		fs, err := finding.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		if r := e.Run(ctx, fs); r[0].Decision != Planned || len(r[0].Actions) != 7 {
			b.Fatalf("result %+v", r[0])
		}
	}
}

// BenchmarkCustomAction100 handles a custom action of 100 findings (5.3,
// the default security group) for real, with every AWS call taking 20 ms,
// spread over 10 accounts and then all in one account (where findings run
// one at a time). It sizes the Lambda timeout: ms/op is the wall time of
// one such event.
func BenchmarkCustomAction100(b *testing.B) {
	for _, accounts := range []int{10, 1} {
		b.Run(fmt.Sprintf("accounts=%d", accounts), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				org := fake.NewOrg(admin)
				fs := make([]finding.Finding, 0, 100)
				for i := range 100 {
					acct := fmt.Sprintf("1000000000%02d", i%accounts)
					a := org.Account(acct)
					a.Log.Latency = 20 * time.Millisecond
					e := a.EC2(region)
					sg := e.AddSecurityGroup("vpc-1", "default", nil)
					e.AddRule(sg, true, types.SecurityGroupRule{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("0.0.0.0/0")})
					f := heldVariant(b, org, "imported-standard-5.3.json", func(_ int, f *shtypes.AwsSecurityFinding) {
						f.Id, f.AwsAccountId = aws.String(fmt.Sprintf("finding-%03d", i)), aws.String(acct)
						f.Resources[0].Id = aws.String("arn:aws:ec2:eu-central-1:" + acct + ":security-group/" + sg)
					})[0]
					f.Trigger = finding.CustomAction
					fs = append(fs, f)
				}
				eng := newEngine(b, org, "notifications: {disabled: true}\nsecurityHub: {updateFindings: false}", false)
				b.StartTimer()
				rs := eng.Run(context.Background(), fs)
				for _, r := range rs {
					if r.Decision != Remediated {
						b.Fatalf("%s: %s (%s)", r.ID, r.Decision, r.Reason)
					}
				}
			}
		})
	}
}

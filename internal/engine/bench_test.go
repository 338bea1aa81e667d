package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

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

package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/plan"
	"github.com/cisguard/cisguard/internal/policy"
)

// Check reads, before anything is built or planned, what must hold for a
// deployment: the caller is the organization's management account, the
// admin account is an active member of it and not the management
// account, and no other account is Security Hub's delegated administrator
// in any of the regions. It changes nothing.
func (p *Planner) Check(ctx context.Context) error {
	if err := p.discover(ctx); err != nil {
		return err
	}
	var scratch plan.Plan
	return p.delegatedAdmin(ctx, &scratch)
}

// Regions lists the regions of the partition (ec2:DescribeRegions with
// AllRegions, in the management account).
type Regions interface {
	DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
}

// CheckRegions refuses region names the partition does not have, with the
// closest name and the valid ones, and regions not enabled in the
// management account (opt-in regions), before anything is built. The
// names come from ec2:DescribeRegions; when it cannot be called, from the
// SDK's partition data (and the returned note says so).
func CheckRegions(ctx context.Context, api Regions, partition string, regions []string) (note string, err error) {
	valid := policy.Regions(partition)
	disabled := map[string]bool{}
	out, derr := api.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
	if derr == nil {
		valid = nil
		for _, r := range out.Regions {
			name := aws.ToString(r.RegionName)
			valid = append(valid, name)
			if aws.ToString(r.OptInStatus) == "not-opted-in" {
				disabled[name] = true
			}
		}
		slices.Sort(valid)
	} else {
		note = fmt.Sprintf("region names checked against this build's list for partition %s (ec2:DescribeRegions failed: %v)", partition, derr)
	}
	var bad []string
	for _, r := range regions {
		switch {
		case disabled[r]:
			bad = append(bad, fmt.Sprintf("%s is not enabled in the management account (an opt-in region: enable it under Account, AWS Regions, or leave it out)", r))
		case !slices.Contains(valid, r):
			msg := fmt.Sprintf("%q is not a region of partition %s", r, partition)
			if c := config.Closest(r, valid); c != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", c)
			}
			bad = append(bad, msg)
		}
	}
	if len(bad) > 0 {
		return note, fmt.Errorf("--regions: %s; valid names: %s", strings.Join(bad, "; "), strings.Join(valid, ", "))
	}
	return note, nil
}

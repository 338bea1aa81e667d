package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// regionList answers DescribeRegions with AllRegions as AWS does: every
// region of the partition, with its opt-in status in the caller's account.
type regionList struct {
	regions map[string]string
	err     error
}

func (l regionList) DescribeRegions(_ context.Context, in *ec2.DescribeRegionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	if l.err != nil {
		return nil, l.err
	}
	if !aws.ToBool(in.AllRegions) {
		return nil, errors.New("fake: AllRegions expected: without it the disabled regions are not listed")
	}
	out := &ec2.DescribeRegionsOutput{}
	for name, status := range l.regions {
		out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(name), OptInStatus: aws.String(status)})
	}
	return out, nil
}

func TestCheckRegions(t *testing.T) {
	api := regionList{regions: map[string]string{"eu-west-1": "opt-in-not-required", "us-east-1": "opt-in-not-required", "af-south-1": "not-opted-in", "eu-south-2": "opted-in"}}
	if note, err := CheckRegions(context.Background(), api, "aws", []string{"eu-west-1", "eu-south-2"}); err != nil || note != "" {
		t.Errorf("valid regions: %v %q", err, note)
	}
	_, err := CheckRegions(context.Background(), api, "aws", []string{"eu-wst-1", "af-south-1"})
	want := `--regions: "eu-wst-1" is not a region of partition aws (did you mean eu-west-1?); af-south-1 is not enabled in the management account (an opt-in region: enable it under Account, AWS Regions, or leave it out); valid names: af-south-1, eu-south-2, eu-west-1, us-east-1`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant  %s", err, want)
	}
	// DescribeRegions denied: the SDK's names stand in, and the note says so.
	denied := regionList{err: errors.New("UnauthorizedOperation")}
	note, err := CheckRegions(context.Background(), denied, "aws", []string{"eu-wst-1"})
	if err == nil || !strings.Contains(err.Error(), "did you mean eu-west-1?") || !strings.Contains(note, "ec2:DescribeRegions failed") {
		t.Errorf("fallback: %v %q", err, note)
	}
}

// TestCheckReadsOnly: the check before building stops on the wrong
// account, and changes nothing.
func TestCheckReadsOnly(t *testing.T) {
	w := newWorld()
	w.withFSBP("eu-west-1", "us-east-1")
	o := options(t, "code")
	if err := (&Planner{Env: w, Opts: o}).Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	o.AdminAccount = "999999999999"
	if err := (&Planner{Env: w, Opts: o}).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "is not an active account of organization") {
		t.Errorf("unknown admin account: %v", err)
	}
	o.AdminAccount = admin
	w.delegated["us-east-1"] = "333333333333"
	if err := (&Planner{Env: w, Opts: o}).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "Security Hub's delegated administrator in us-east-1 is 333333333333") {
		t.Errorf("another delegated administrator: %v", err)
	}
	if len(w.writes) != 0 {
		t.Errorf("the check changed something: %v", w.writes)
	}
}

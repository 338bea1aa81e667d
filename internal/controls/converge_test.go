package controls

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Findings of one account handled at the same time by different processes
// (issue 10 §4): one remediation is held between its reads and a write
// while another runs to the end, at every write of its plan; each case
// ends in exactly one compliant result.

// trailNames lists the trails an account has (as seen from a region that
// shows every multi-region trail).
func trailNames(t *testing.T, h *harness) []string {
	out, err := h.acct.CloudTrail(testRegion).DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tr := range out.TrailList {
		names = append(names, *tr.TrailARN)
	}
	return names
}

// bucketNames lists the account's own buckets.
func bucketNames(t *testing.T, h *harness) []string {
	out, err := h.acct.S3(testRegion).ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, *b.Name)
	}
	return names
}

// 3.1 raised in two regions of an account without a trail: both findings
// converge on one trail in the home region, with one bucket and one
// access-log bucket.
func TestCloudTrailInTwoRegionsConverges(t *testing.T) {
	for _, op := range []string{"S3/CreateBucket", "S3/PutBucketTagging", "S3/PutPublicAccessBlock", "S3/PutBucketPolicy", "S3/PutBucketLogging", "CloudTrail/CreateTrail", "CloudTrail/StartLogging"} {
		t.Run(op, func(t *testing.T) {
			h := newHarness(t)
			h.interleave(op, h.remediation("3.1", testRegion, accountResource(), ""), h.remediation("3.1", "us-east-1", accountResource(), ""))
			if got := trailNames(t, h); len(got) != 1 || got[0] != trailARN("us-east-1", "cisguard-trail") {
				t.Errorf("trails %v", got)
			}
			if got := bucketNames(t, h); len(got) != 2 {
				t.Errorf("buckets %v", got)
			}
			for _, region := range []string{testRegion, "us-east-1", "ap-southeast-2"} {
				h.region = region
				if p := h.mustPlan("3.1", accountResource(), ""); !p.Empty() {
					t.Errorf("3.1 in %s still plans\n%s", region, p)
				}
			}
		})
	}
}

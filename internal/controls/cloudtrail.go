package controls

// 3.1: a multi-region trail that is logging, created with its bucket when
// the account has none.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/cisguard/cisguard/internal/plan"
)

// 3.1

// CloudTrailParams configures 3.1.
type CloudTrailParams struct {
	TrailParams `yaml:",inline"`
	// NewTrail names the trail created when the account has no multi-region
	// trail (and trail is not set).
	NewTrail string `yaml:"newTrail"`
	// HomeRegion is where a new trail and its bucket are made; "" means
	// the partition's first region (us-east-1 in aws). It is one region,
	// not the finding's, so that 3.1 findings of several regions handled at
	// the same time make one trail, not one each.
	HomeRegion string `yaml:"homeRegion"`
	// Bucket receives a new trail's logs; "" means
	// cisguard-cloudtrail-<account>-<home region>.
	Bucket string `yaml:"bucket"`
	// BucketOwner is the account that owns bucket when it is not this
	// account (a central log archive). cisguard then leaves the bucket to
	// its owner, whose policy must let CloudTrail write. A new trail never
	// delivers to a bucket of another account unless it is named here.
	BucketOwner string `yaml:"bucketOwner"`
}

// Validate checks the names.
func (p *CloudTrailParams) Validate() error {
	if err := p.TrailParams.Validate(); err != nil {
		return err
	}
	if !trailNameRe.MatchString(p.NewTrail) {
		return fmt.Errorf("newTrail %q is not a valid trail name", p.NewTrail)
	}
	if p.Bucket != "" && !bucketNameRe.MatchString(p.Bucket) {
		return fmt.Errorf("bucket %q is not a valid bucket name", p.Bucket)
	}
	if p.HomeRegion != "" && !regionRe.MatchString(p.HomeRegion) {
		return fmt.Errorf("homeRegion %q is not a region", p.HomeRegion)
	}
	if p.BucketOwner != "" && (!accountRe.MatchString(p.BucketOwner) || p.Bucket == "") {
		return fmt.Errorf("bucketOwner %q must be an account id, and needs bucket", p.BucketOwner)
	}
	return nil
}

var (
	bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionRe     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	accountRe    = regexp.MustCompile(`^[0-9]{12}$`)
)

// partitionHome is the first region of a partition: where a resource the
// account needs once (3.1's trail) is made unless configured otherwise.
func partitionHome(partition string) string {
	switch partition {
	case "aws-us-gov":
		return "us-gov-west-1"
	case "aws-cn":
		return "cn-north-1"
	case "aws-iso":
		return "us-iso-east-1"
	case "aws-iso-b":
		return "us-isob-east-1"
	}
	return "us-east-1"
}

func planCloudTrail(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[CloudTrailParams](t)
	tr, err := discoverTrail(ctx, t, cfg.Trail)
	if err != nil {
		return nil, err
	}
	if tr == nil {
		name := cfg.NewTrail
		if cfg.Trail != "" && !strings.HasPrefix(cfg.Trail, "arn:") {
			name = cfg.Trail
		}
		return p, planNewTrail(ctx, t, cfg, name, p)
	}
	if tr.qualifies() {
		return p, nil
	}
	if err := tr.changeable(t); err != nil {
		return nil, err
	}
	if !aws.ToBool(tr.IsMultiRegionTrail) {
		in := cloudtrail.UpdateTrailInput{IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(true)}
		p.Addf(tr.update(in), "make %s multi-region (IsMultiRegionTrail false -> true, global service events included)", tr).Prior = tr.record(in)
	}
	if !recordsAllManagement(tr.classic, tr.advanced) {
		s := tr.selectors()
		change, err := s.addAllManagement()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tr, err)
		}
		p.Addf(s.put(tr), "put event selectors on %s: %s (%d selector(s), data event selectors kept)", tr, change, s.count()).Prior = s.record(tr)
	}
	if !tr.logging {
		api := tr.home.CloudTrail()
		p.Addf(func(ctx context.Context) error {
			_, err := api.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: tr.TrailARN})
			return err
		}, "start logging on %s", tr).Prior = plan.Replaced(kindTrailLogging, tr.arn(), false, true)
	}
	return p, nil
}

// cloudTrailBucketStatements let one trail check the bucket ACL and write
// its log files, and nothing else (aws:SourceArn). Sids carry the trail
// name so that trails sharing a bucket keep their own statements.
func cloudTrailBucketStatements(t *Target, bucket, trailName, trailARN string) []map[string]any {
	bucketARN := "arn:" + t.Clients.Partition() + ":s3:::" + bucket
	principal := map[string]any{"Service": "cloudtrail.amazonaws.com"}
	return []map[string]any{
		{"Sid": sid("CloudTrailAclCheck", trailName), "Effect": "Allow", "Principal": principal, "Action": "s3:GetBucketAcl", "Resource": bucketARN,
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trailARN}}},
		{"Sid": sid("CloudTrailWrite", trailName), "Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": bucketARN + "/AWSLogs/" + t.Account() + "/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailARN}}},
	}
}

// sid builds a statement id from a prefix and a resource name (Sids allow
// only letters and digits).
func sid(prefix, name string) string { return prefix + notAlnum.ReplaceAllString(name, "") }

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

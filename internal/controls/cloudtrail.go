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
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// 3.1

// CloudTrailParams configures 3.1.
type CloudTrailParams struct {
	TrailParams `yaml:",inline"`
	// NewTrail names the trail created when the account has no multi-region
	// trail (and trail is not set).
	NewTrail string `yaml:"newTrail"`
	// Bucket receives a new trail's logs; "" means
	// cisguard-cloudtrail-<account>-<region>.
	Bucket string `yaml:"bucket"`
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
	return nil
}

var bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

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
		p.Addf(tr.update(cloudtrail.UpdateTrailInput{IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(true)}),
			"make %s multi-region (IsMultiRegionTrail false -> true, global service events included)", tr)
	}
	if !recordsAllManagement(tr.classic, tr.advanced) {
		s := tr.selectors()
		change, err := s.addAllManagement()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tr, err)
		}
		p.Addf(s.put(tr), "put event selectors on %s: %s (%d selector(s), data event selectors kept)", tr, change, s.count())
	}
	if !tr.logging {
		api := tr.home.CloudTrail()
		p.Addf(func(ctx context.Context) error {
			_, err := api.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: tr.TrailARN})
			return err
		}, "start logging on %s", tr)
	}
	return p, nil
}

// planNewTrail plans a multi-region trail in the target's region, with its
// bucket, and starts it.
func planNewTrail(ctx context.Context, t *Target, cfg *CloudTrailParams, name string, p *plan.Plan) error {
	region := t.Region()
	bucket := cfg.Bucket
	if bucket == "" {
		bucket = fmt.Sprintf("cisguard-cloudtrail-%s-%s", t.Account(), region)
	}
	trailARN := t.ARN("cloudtrail", region, "trail/"+name)
	stmts := cloudTrailBucketStatements(t, bucket, name, trailARN)
	if err := planBucketWithPolicy(ctx, t, bucket, region, false, stmts, p); err != nil {
		return err
	}
	api := t.Clients.CloudTrail()
	p.Addf(func(ctx context.Context) error {
		_, err := api.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String(bucket),
			IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(true), EnableLogFileValidation: aws.Bool(true)})
		if awsapi.HasCode(err, "TrailAlreadyExistsException") {
			return nil // created meanwhile by a concurrent remediation
		}
		return err
	}, "create multi-region trail %s in %s delivering to bucket %s, log file validation on, all management events", name, region, bucket)
	p.Addf(func(ctx context.Context) error {
		_, err := api.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(name)})
		return err
	}, "start logging on trail %s (home %s)", name, region)
	return nil
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

// planBucketWithPolicy makes sure a bucket exists with the statements in
// its policy: a missing bucket is created in region (Block Public Access
// on), an existing one gets the statements merged into its policy. With
// sameRegion, an existing bucket elsewhere is an error.
func planBucketWithPolicy(ctx context.Context, t *Target, bucket, region string, sameRegion bool, stmts []map[string]any, p *plan.Plan) error {
	api, at, gone, err := bucketClients(ctx, t, bucket)
	if err != nil {
		return err
	}
	doc := &policyDocument{Version: "2012-10-17"}
	if gone {
		c := t.Clients
		if region != t.Region() {
			if c, err = t.Clients.In(region); err != nil {
				return err
			}
		}
		api = c.S3()
		in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
		if region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
		}
		p.Addf(func(ctx context.Context) error {
			_, err := api.CreateBucket(ctx, in)
			if awsapi.HasCode(err, "BucketAlreadyOwnedByYou") {
				return nil // created meanwhile by a concurrent remediation
			}
			return err
		}, "create bucket %s in %s", bucket, region)
		p.Addf(func(ctx context.Context) error {
			_, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
				BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}})
			return err
		}, "turn on all four Block Public Access settings of bucket %s", bucket)
	} else {
		if sameRegion && at != region {
			return fmt.Errorf("bucket %s is in %s, it must be in %s", bucket, at, region)
		}
		out, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
		switch {
		case awsapi.HasCode(err, "NoSuchBucketPolicy"):
		case err != nil:
			return fmt.Errorf("read policy of bucket %s: %w", bucket, err)
		default:
			if doc, err = parsePolicy(aws.ToString(out.Policy)); err != nil {
				return fmt.Errorf("policy of bucket %s: %w", bucket, err)
			}
		}
	}
	var sids []string
	for _, s := range stmts {
		if doc.upsert(s) {
			sids = append(sids, s["Sid"].(string))
		}
	}
	if len(sids) == 0 {
		return nil
	}
	text := doc.String()
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(text)})
		return err
	}, "merge statements %s into the policy of bucket %s (%d statement(s) in all)", strings.Join(sids, ", "), bucket, len(doc.Statement))
	return nil
}

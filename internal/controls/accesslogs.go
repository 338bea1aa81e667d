package controls

// 3.6: server access logging on the CloudTrail bucket.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// 3.6

// AccessLoggingParams configures 3.6.
type AccessLoggingParams struct {
	TrailParams `yaml:",inline"`
	// LogBucket receives the access logs; "" means
	// cisguard-access-logs-<account>-<region of the trail bucket>.
	LogBucket string `yaml:"logBucket"`
}

// Validate checks the bucket name.
func (p *AccessLoggingParams) Validate() error {
	if err := p.TrailParams.Validate(); err != nil {
		return err
	}
	if p.LogBucket != "" && !bucketNameRe.MatchString(p.LogBucket) {
		return fmt.Errorf("logBucket %q is not a valid bucket name", p.LogBucket)
	}
	return nil
}

func planTrailBucketLogging(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[AccessLoggingParams](t)
	name, err := trailBucket(ctx, t, cfg.Trail, p)
	if err != nil || name == "" {
		return p, err
	}
	api, region, gone, err := bucketClients(ctx, t, name)
	if b := asForeign(t, err); b != nil {
		b.leaveBucketLogging(t, p)
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("bucket %s no longer exists: nothing to do", name)
		return p, nil
	}
	out, err := api.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("read access logging of bucket %s: %w", name, err)
	}
	if out.LoggingEnabled != nil {
		return p, nil
	}
	if err := (&bucket{api: api, name: name, region: region}).exempt(ctx, t); err != nil {
		return nil, err
	}
	logBucket := logBucketName(t, cfg, region)
	if logBucket == name {
		return nil, fmt.Errorf("bucket %s cannot log its own accesses: set logBucket to another bucket", name)
	}
	return p, planAccessLogging(ctx, t, api, name, region, logBucket, false, p)
}

// logBucketName is the bucket that receives the access logs of buckets in
// region: logBucket, or cisguard's name for the region.
func logBucketName(t *Target, cfg *AccessLoggingParams, region string) string {
	if cfg.LogBucket != "" {
		return cfg.LogBucket
	}
	return fmt.Sprintf("cisguard-access-logs-%s-%s", t.Account(), region)
}

// accessLogParams returns 3.6's parameters, which say where 3.1 sends the
// access logs of the trail bucket it creates.
func accessLogParams(t *Target) *AccessLoggingParams {
	if st, ok := t.Settings.For("3.6"); ok {
		return st.Params.(*AccessLoggingParams)
	}
	return &AccessLoggingParams{}
}

// planAccessLogging plans server access logging of bucket (in region,
// reached through api; created: by the same plan) into logBucket, which is
// made when missing. The
// statement that lets S3 log delivery write is the same for every bucket
// of the account, so remediations of several buckets sharing logBucket at
// the same time converge on one policy.
func planAccessLogging(ctx context.Context, t *Target, api awsapi.S3, bucket, region, logBucket string, created bool, p *plan.Plan) error {
	part := t.Clients.Partition()
	stmt := map[string]any{"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
		"Action": "s3:PutObject", "Resource": "arn:" + part + ":s3:::" + logBucket + "/*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": t.Account()}}}
	if _, err := planOwnedBucket(ctx, t, logBucket, region, true, []map[string]any{stmt}, p); err != nil {
		return err
	}
	prefix := bucket + "/"
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String(bucket), BucketLoggingStatus: &s3types.BucketLoggingStatus{
			LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String(logBucket), TargetPrefix: aws.String(prefix)}}})
		return err
	}, "turn on server access logging of bucket %s into %s/%s", bucket, logBucket, prefix).Prior = recordBucketLogging(bucket, created, loggingRecord{logBucket, prefix})
	return nil
}

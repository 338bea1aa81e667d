package controls

// 3.5: AWS Config recording in every region.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// 3.5

// ConfigParams configures 3.5.
type ConfigParams struct {
	// Bucket receives configuration snapshots and history; "" means
	// cisguard-config-<account>-<region>.
	Bucket string `yaml:"bucket"`
	// GlobalRegion is the one region that records global IAM resources.
	GlobalRegion string `yaml:"globalRegion"`
	// RoleARN is the role AWS Config assumes; "" means its service-linked
	// role, the only one Security Hub's Config.1 accepts.
	RoleARN string `yaml:"roleArn"`
}

// Validate checks the names.
func (p *ConfigParams) Validate() error {
	if p.Bucket != "" && !bucketNameRe.MatchString(p.Bucket) {
		return fmt.Errorf("bucket %q is not a valid bucket name", p.Bucket)
	}
	if !regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`).MatchString(p.GlobalRegion) {
		return fmt.Errorf("globalRegion %q is not a region", p.GlobalRegion)
	}
	if p.RoleARN != "" && !regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`).MatchString(p.RoleARN) {
		return fmt.Errorf("roleArn %q is not a role ARN", p.RoleARN)
	}
	return nil
}

// configSLR is the name of AWS Config's service-linked role.
const configSLR = "AWSServiceRoleForConfig"

func planConfigRecorder(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[ConfigParams](t)
	api, region := t.Clients.Config(), t.Region()
	recs, err := api.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return nil, fmt.Errorf("describe configuration recorders in %s: %w", region, err)
	}
	global := region == cfg.GlobalRegion
	name := "default"
	var recording bool
	if len(recs.ConfigurationRecorders) > 0 {
		r := recs.ConfigurationRecorders[0]
		name = aws.ToString(r.Name)
		if role := aws.ToString(r.RoleARN); !strings.HasSuffix(role, "/"+configSLR) {
			// Security Hub's Config.1 also checks the recorder's role.
			p.Leave(fmt.Sprintf("configuration recorder %s in %s records as %s, not AWS Config's service-linked role: Security Hub's Config.1 still fails", name, region, role),
				fmt.Sprintf("aws iam create-service-linked-role --aws-service-name config.amazonaws.com (once per account), then aws configservice put-configuration-recorder --region %s with --configuration-recorder name=%s,roleARN=arn:%s:iam::%s:role/aws-service-role/config.amazonaws.com/%s and the same recording group",
					region, name, t.Clients.Partition(), t.Account(), configSLR))
		}
		g := r.RecordingGroup
		if g != nil && g.AllSupported && (g.IncludeGlobalResourceTypes || !global) {
			st, err := api.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{name}})
			if err != nil {
				return nil, fmt.Errorf("read status of configuration recorder %s in %s: %w", name, region, err)
			}
			recording = len(st.ConfigurationRecordersStatus) > 0 && st.ConfigurationRecordersStatus[0].Recording
		} else {
			rec := r
			rec.RecordingGroup = &configtypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: global || g != nil && g.IncludeGlobalResourceTypes}
			p.Addf(putRecorder(api, rec), "record all supported resource types with configuration recorder %s in %s (global IAM types: %v)", name, region, rec.RecordingGroup.IncludeGlobalResourceTypes).Prior = recordRecorder(&r, rec)
		}
	} else {
		role, err := configRole(ctx, t, cfg)
		if err != nil {
			return nil, err
		}
		rec := configtypes.ConfigurationRecorder{Name: aws.String(name), RoleARN: aws.String(role), RecordingGroup: &configtypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: global}}
		p.Addf(putRecorder(api, rec), "create configuration recorder %s in %s recording all supported resource types (global IAM types: %v) as %s", name, region, global, role).Prior = recordRecorder(nil, rec)
	}
	chans, err := api.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return nil, fmt.Errorf("describe delivery channels in %s: %w", region, err)
	}
	if len(chans.DeliveryChannels) == 0 {
		if err := planConfigChannel(ctx, t, cfg, p); err != nil {
			return nil, err
		}
	}
	if !recording {
		p.Addf(func(ctx context.Context) error {
			_, err := api.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String(name)})
			return err
		}, "start configuration recorder %s in %s", name, region).Prior = plan.Replaced(kindConfigRecording, name, false, true)
	}
	return p, nil
}

func putRecorder(api awsapi.Config, rec configtypes.ConfigurationRecorder) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := api.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &rec})
		return err
	}
}

// configRole returns the role for a new recorder: roleArn, or the
// service-linked role, which must exist (cisguard does not create it).
func configRole(ctx context.Context, t *Target, cfg *ConfigParams) (string, error) {
	if cfg.RoleARN != "" {
		return cfg.RoleARN, nil
	}
	out, err := t.Clients.IAM().GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(configSLR)})
	if awsapi.IsNotFound(err) {
		return "", fmt.Errorf("AWS Config's service-linked role %s does not exist in account %s: create it with `aws iam create-service-linked-role --aws-service-name config.amazonaws.com`, or set roleArn", configSLR, t.Account())
	}
	if err != nil {
		return "", fmt.Errorf("read role %s: %w", configSLR, err)
	}
	return aws.ToString(out.Role.Arn), nil
}

// planConfigChannel plans the bucket (with AWS Config's statements) and
// the delivery channel.
func planConfigChannel(ctx context.Context, t *Target, cfg *ConfigParams, p *plan.Plan) error {
	region := t.Region()
	bucket := cfg.Bucket
	if bucket == "" {
		bucket = fmt.Sprintf("cisguard-config-%s-%s", t.Account(), region)
	}
	arn := "arn:" + t.Clients.Partition() + ":s3:::" + bucket
	principal := map[string]any{"Service": "config.amazonaws.com"}
	own := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": t.Account()}}
	stmts := []map[string]any{
		{"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": principal, "Action": "s3:GetBucketAcl", "Resource": arn, "Condition": own},
		{"Sid": "AWSConfigBucketExistenceCheck", "Effect": "Allow", "Principal": principal, "Action": "s3:ListBucket", "Resource": arn, "Condition": own},
		{"Sid": "AWSConfigBucketDelivery", "Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": arn + "/AWSLogs/" + t.Account() + "/Config/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": t.Account(), "s3:x-amz-acl": "bucket-owner-full-control"}}},
	}
	if _, err := planOwnedBucket(ctx, t, bucket, region, false, stmts, p); err != nil {
		return err
	}
	api := t.Clients.Config()
	ch := &configtypes.DeliveryChannel{Name: aws.String("default"), S3BucketName: aws.String(bucket)}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: ch})
		return err
	}, "create AWS Config delivery channel default in %s delivering to bucket %s", region, bucket).Prior = plan.Replaced(kindConfigChannel, "default", nil, channelOf(ch))
	return nil
}

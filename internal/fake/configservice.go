package fake

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// Config is a fake AWS Config client in one region: at most one
// configuration recorder and one delivery channel per region, as AWS
// Config allows.
type Config struct{ svc }

// ConfigState is a region's AWS Config setup. Read it back with
// Config.State.
type ConfigState struct {
	Recorder  *types.ConfigurationRecorder
	Channel   *types.DeliveryChannel
	Recording bool
}

func (c clients) Config() awsapi.Config { return c.a.Config(c.region) }

// Config returns the account's AWS Config in a region.
func (a *Account) Config(region string) *Config {
	return &Config{svc{a, region, "Config Service"}}
}

func (c *Config) st() *ConfigState {
	return stateOf(c.a, "config/"+c.region, func() *ConfigState { return &ConfigState{} })
}

// recorder fails as AWS Config does unless the region's recorder has the
// name (a region holds one recorder at most).
func (st *ConfigState) recorder(name *string) error {
	if st.Recorder == nil || aws.ToString(st.Recorder.Name) != aws.ToString(name) {
		return APIError("NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name '%s'.", aws.ToString(name))
	}
	return nil
}

// State returns a copy of the region's setup.
func (c *Config) State() ConfigState {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	return *c.st()
}

// SetState seeds the region's setup.
func (c *Config) SetState(s ConfigState) {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	*c.st() = s
}

func (c *Config) DescribeConfigurationRecorders(ctx context.Context, in *configservice.DescribeConfigurationRecordersInput, _ ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecordersOutput, error) {
	unlock, err := c.call(ctx, "DescribeConfigurationRecorders")
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := &configservice.DescribeConfigurationRecordersOutput{}
	if r := c.st().Recorder; r != nil {
		out.ConfigurationRecorders = []types.ConfigurationRecorder{*r}
	}
	for _, n := range in.ConfigurationRecorderNames {
		if err := c.st().recorder(&n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Config) DescribeConfigurationRecorderStatus(ctx context.Context, in *configservice.DescribeConfigurationRecorderStatusInput, _ ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecorderStatusOutput, error) {
	unlock, err := c.call(ctx, "DescribeConfigurationRecorderStatus")
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := &configservice.DescribeConfigurationRecorderStatusOutput{}
	if r := c.st().Recorder; r != nil {
		out.ConfigurationRecordersStatus = []types.ConfigurationRecorderStatus{{Name: r.Name, Recording: c.st().Recording}}
	}
	return out, nil
}

func (c *Config) DescribeDeliveryChannels(ctx context.Context, in *configservice.DescribeDeliveryChannelsInput, _ ...func(*configservice.Options)) (*configservice.DescribeDeliveryChannelsOutput, error) {
	unlock, err := c.call(ctx, "DescribeDeliveryChannels")
	defer unlock()
	if err != nil {
		return nil, err
	}
	out := &configservice.DescribeDeliveryChannelsOutput{}
	if ch := c.st().Channel; ch != nil {
		out.DeliveryChannels = []types.DeliveryChannel{*ch}
	}
	return out, nil
}

// PutConfigurationRecorder creates or updates the region's recorder; the
// role must exist and the recording group be consistent.
func (c *Config) PutConfigurationRecorder(ctx context.Context, in *configservice.PutConfigurationRecorderInput, _ ...func(*configservice.Options)) (*configservice.PutConfigurationRecorderOutput, error) {
	unlock, err := c.call(ctx, "PutConfigurationRecorder")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := in.ConfigurationRecorder
	if r == nil || aws.ToString(r.Name) == "" {
		return nil, APIError("ValidationException", "configurationRecorder.name is required")
	}
	if cur := c.st().Recorder; cur != nil && aws.ToString(cur.Name) != aws.ToString(r.Name) {
		return nil, APIError("MaxNumberOfConfigurationRecordersExceededException", "Failed to put configuration recorder '%s' because the maximum number of configuration recorders: 1 is reached.", aws.ToString(r.Name))
	}
	iam := stateOf(c.a, "iam", func() *iamState { return &iamState{} })
	if !slices.ContainsFunc(iam.roles, func(x *Role) bool { return x.ARN == aws.ToString(r.RoleARN) }) {
		return nil, APIError("InvalidRoleException", "The role %q does not exist or cannot be assumed by AWS Config.", aws.ToString(r.RoleARN))
	}
	if g := r.RecordingGroup; g != nil {
		if g.AllSupported && len(g.ResourceTypes) > 0 || g.IncludeGlobalResourceTypes && !g.AllSupported {
			return nil, APIError("InvalidRecordingGroupException", "The recording group provided is not valid")
		}
	}
	x := *r
	if r.RecordingGroup != nil {
		g := *r.RecordingGroup
		x.RecordingGroup = &g
	}
	c.st().Recorder = &x
	return &configservice.PutConfigurationRecorderOutput{}, nil
}

// PutDeliveryChannel needs a recorder and a bucket whose policy lets AWS
// Config write.
func (c *Config) PutDeliveryChannel(ctx context.Context, in *configservice.PutDeliveryChannelInput, _ ...func(*configservice.Options)) (*configservice.PutDeliveryChannelOutput, error) {
	unlock, err := c.call(ctx, "PutDeliveryChannel")
	defer unlock()
	if err != nil {
		return nil, err
	}
	ch := in.DeliveryChannel
	if ch == nil || aws.ToString(ch.Name) == "" {
		return nil, APIError("ValidationException", "deliveryChannel.name is required")
	}
	st := c.st()
	if st.Recorder == nil {
		return nil, APIError("NoAvailableConfigurationRecorderException", "Configuration recorder is not available to put delivery channel.")
	}
	if st.Channel != nil && aws.ToString(st.Channel.Name) != aws.ToString(ch.Name) {
		return nil, APIError("MaxNumberOfDeliveryChannelsExceededException", "Failed to put delivery channel '%s' because the maximum number of delivery channels: 1 is reached.", aws.ToString(ch.Name))
	}
	name := aws.ToString(ch.S3BucketName)
	b := stateOf(c.a, "s3", func() *s3State { return &s3State{} }).find(name)
	if b == nil {
		return nil, APIError("NoSuchBucketException", "Cannot find a S3 bucket with an appropriate bucket policy: %s", name)
	}
	objects := "arn:" + c.a.Partition + ":s3:::" + name + "/"
	if p := aws.ToString(ch.S3KeyPrefix); p != "" {
		objects += p + "/"
	}
	if !allows(b.Policy, "config.amazonaws.com", "s3:PutObject", objects+"AWSLogs/"+c.a.ID+"/Config/x", "") ||
		!allows(b.Policy, "config.amazonaws.com", "s3:GetBucketAcl", "arn:"+c.a.Partition+":s3:::"+name, "") {
		return nil, APIError("InsufficientDeliveryPolicyException", "Insufficient delivery policy to s3 bucket: %s, unable to write to bucket, provided s3 key prefix is '%s'.", name, aws.ToString(ch.S3KeyPrefix))
	}
	x := *ch
	st.Channel = &x
	return &configservice.PutDeliveryChannelOutput{}, nil
}

func (c *Config) StartConfigurationRecorder(ctx context.Context, in *configservice.StartConfigurationRecorderInput, _ ...func(*configservice.Options)) (*configservice.StartConfigurationRecorderOutput, error) {
	unlock, err := c.call(ctx, "StartConfigurationRecorder")
	defer unlock()
	if err != nil {
		return nil, err
	}
	st := c.st()
	if err := st.recorder(in.ConfigurationRecorderName); err != nil {
		return nil, err
	}
	if st.Channel == nil {
		return nil, APIError("NoAvailableDeliveryChannelException", "Delivery channel is not available to start configuration recorder.")
	}
	st.Recording = true
	return &configservice.StartConfigurationRecorderOutput{}, nil
}

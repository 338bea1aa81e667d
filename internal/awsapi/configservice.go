package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/configservice"
)

// Config is the part of AWS Config cisguard calls.
type Config interface {
	DescribeConfigurationRecorders(context.Context, *configservice.DescribeConfigurationRecordersInput, ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecordersOutput, error)
	DescribeConfigurationRecorderStatus(context.Context, *configservice.DescribeConfigurationRecorderStatusInput, ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecorderStatusOutput, error)
	DescribeDeliveryChannels(context.Context, *configservice.DescribeDeliveryChannelsInput, ...func(*configservice.Options)) (*configservice.DescribeDeliveryChannelsOutput, error)
	PutConfigurationRecorder(context.Context, *configservice.PutConfigurationRecorderInput, ...func(*configservice.Options)) (*configservice.PutConfigurationRecorderOutput, error)
	PutDeliveryChannel(context.Context, *configservice.PutDeliveryChannelInput, ...func(*configservice.Options)) (*configservice.PutDeliveryChannelOutput, error)
	StartConfigurationRecorder(context.Context, *configservice.StartConfigurationRecorderInput, ...func(*configservice.Options)) (*configservice.StartConfigurationRecorderOutput, error)
	StopConfigurationRecorder(context.Context, *configservice.StopConfigurationRecorderInput, ...func(*configservice.Options)) (*configservice.StopConfigurationRecorderOutput, error)
	DeleteConfigurationRecorder(context.Context, *configservice.DeleteConfigurationRecorderInput, ...func(*configservice.Options)) (*configservice.DeleteConfigurationRecorderOutput, error)
	DeleteDeliveryChannel(context.Context, *configservice.DeleteDeliveryChannelInput, ...func(*configservice.Options)) (*configservice.DeleteDeliveryChannelOutput, error)
}

var _ Config = (*configservice.Client)(nil)

package fake

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// CloudWatch is a fake CloudWatch (alarms) client in one region.
type CloudWatch struct{ svc }

type cloudWatchState struct {
	alarms []*types.MetricAlarm
}

func (c clients) CloudWatch() awsapi.CloudWatch { return c.a.CloudWatch(c.region) }

// CloudWatch returns the account's CloudWatch in a region.
func (a *Account) CloudWatch(region string) *CloudWatch {
	return &CloudWatch{svc{a, region, "CloudWatch"}}
}

func (c *CloudWatch) st() *cloudWatchState {
	return stateOf(c.a, "cloudwatch/"+c.region, func() *cloudWatchState { return &cloudWatchState{} })
}

// AddAlarm seeds an alarm (only the fields the test sets).
func (c *CloudWatch) AddAlarm(a types.MetricAlarm) {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	st := c.st()
	// Alarm names are unique in a region: a seed of the same name replaces it.
	st.alarms = slices.DeleteFunc(st.alarms, func(x *types.MetricAlarm) bool { return aws.ToString(x.AlarmName) == aws.ToString(a.AlarmName) })
	st.alarms = append(st.alarms, &a)
}

// Alarm returns a copy of an alarm, or nil.
func (c *CloudWatch) Alarm(name string) *types.MetricAlarm {
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	for _, a := range c.st().alarms {
		if aws.ToString(a.AlarmName) == name {
			x := copyAlarm(a)
			return &x
		}
	}
	return nil
}

// DescribeAlarmsForMetric returns every alarm on the metric (the API does
// not page).
func (c *CloudWatch) DescribeAlarmsForMetric(ctx context.Context, in *cloudwatch.DescribeAlarmsForMetricInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsForMetricOutput, error) {
	unlock, err := c.call(ctx, "DescribeAlarmsForMetric")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if aws.ToString(in.MetricName) == "" || aws.ToString(in.Namespace) == "" {
		return nil, APIError("ValidationError", "MetricName and Namespace are required")
	}
	out := &cloudwatch.DescribeAlarmsForMetricOutput{}
	for _, a := range c.st().alarms {
		if aws.ToString(a.MetricName) == *in.MetricName && aws.ToString(a.Namespace) == *in.Namespace {
			out.MetricAlarms = append(out.MetricAlarms, copyAlarm(a))
		}
	}
	return out, nil
}

// PutMetricAlarm creates or replaces an alarm by name, with the
// validation CloudWatch applies to a simple metric alarm.
func (c *CloudWatch) PutMetricAlarm(ctx context.Context, in *cloudwatch.PutMetricAlarmInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricAlarmOutput, error) {
	unlock, err := c.call(ctx, "PutMetricAlarm")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.AlarmName)
	period := aws.ToInt32(in.Period)
	switch {
	case name == "" || len(name) > 255:
		return nil, APIError("ValidationError", "AlarmName must be 1 to 255 characters")
	case aws.ToString(in.MetricName) == "" || aws.ToString(in.Namespace) == "":
		return nil, APIError("ValidationError", "MetricName and Namespace are required for a metric alarm")
	case aws.ToInt32(in.EvaluationPeriods) < 1:
		return nil, APIError("ValidationError", "EvaluationPeriods must be at least 1")
	case in.ComparisonOperator == "":
		return nil, APIError("ValidationError", "ComparisonOperator is required")
	case in.Threshold == nil:
		return nil, APIError("ValidationError", "Threshold is required")
	case (in.Statistic == "") == (in.ExtendedStatistic == nil):
		return nil, APIError("InvalidParameterCombination", "exactly one of Statistic and ExtendedStatistic is required")
	case period < 10 || (period > 30 && period%60 != 0) || (period < 60 && period != 10 && period != 30):
		return nil, APIError("ValidationError", "Period must be 10, 30 or a multiple of 60")
	case len(in.AlarmActions) > 5:
		return nil, APIError("ValidationError", "at most 5 alarm actions")
	}
	for _, a := range in.AlarmActions {
		if !strings.HasPrefix(a, "arn:") || len(strings.SplitN(a, ":", 6)) < 6 {
			return nil, APIError("ValidationError", "Invalid arn syntax: %s", a)
		}
		if parts := strings.SplitN(a, ":", 6); parts[2] == "sns" && parts[3] != c.region {
			return nil, APIError("ValidationError", "Invalid region %s specified. Only %s is supported.", parts[3], c.region)
		}
	}
	a := &types.MetricAlarm{
		AlarmName: in.AlarmName, AlarmArn: aws.String("arn:" + c.a.Partition + ":cloudwatch:" + c.region + ":" + c.a.ID + ":alarm:" + name),
		AlarmDescription: in.AlarmDescription, MetricName: in.MetricName, Namespace: in.Namespace, Statistic: in.Statistic, ExtendedStatistic: in.ExtendedStatistic,
		Period: in.Period, EvaluationPeriods: in.EvaluationPeriods, Threshold: in.Threshold, ComparisonOperator: in.ComparisonOperator,
		TreatMissingData: in.TreatMissingData, AlarmActions: slices.Clone(in.AlarmActions), OKActions: slices.Clone(in.OKActions),
		InsufficientDataActions: slices.Clone(in.InsufficientDataActions), ActionsEnabled: aws.Bool(in.ActionsEnabled == nil || *in.ActionsEnabled),
		StateValue: types.StateValueInsufficientData, Dimensions: slices.Clone(in.Dimensions), Unit: in.Unit, DatapointsToAlarm: in.DatapointsToAlarm,
		EvaluateLowSampleCountPercentile: in.EvaluateLowSampleCountPercentile,
	}
	st := c.st()
	if i := slices.IndexFunc(st.alarms, func(x *types.MetricAlarm) bool { return aws.ToString(x.AlarmName) == name }); i >= 0 {
		st.alarms[i] = a
	} else {
		st.alarms = append(st.alarms, a)
	}
	return &cloudwatch.PutMetricAlarmOutput{}, nil
}

// copyAlarm copies an alarm with its lists.
func copyAlarm(a *types.MetricAlarm) types.MetricAlarm {
	x := *a
	x.AlarmActions, x.OKActions, x.InsufficientDataActions = slices.Clone(a.AlarmActions), slices.Clone(a.OKActions), slices.Clone(a.InsufficientDataActions)
	x.Dimensions = slices.Clone(a.Dimensions)
	return x
}

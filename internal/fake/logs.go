package fake

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// Logs is a fake CloudWatch Logs client in one region.
type Logs struct{ svc }

// LogGroup is the state of a fake log group. Tests seed groups with
// Logs.AddLogGroup and read them back with Logs.LogGroup.
type LogGroup struct {
	Name string
	// RetentionDays is 0 when events never expire.
	RetentionDays int32
	Filters       []types.MetricFilter
	Tags          map[string]string
}

type logsState struct {
	groups []*LogGroup
}

// MetricFilterQuota is how many metric filters a log group may have.
const MetricFilterQuota = 100

func (c clients) Logs() awsapi.Logs { return c.a.Logs(c.region) }

// Logs returns the account's CloudWatch Logs in a region.
func (a *Account) Logs(region string) *Logs { return &Logs{svc{a, region, "CloudWatch Logs"}} }

func logsOf(a *Account, region string) *logsState {
	return stateOf(a, "logs/"+region, func() *logsState { return &logsState{} })
}

func (l *Logs) st() *logsState { return logsOf(l.a, l.region) }

func (st *logsState) find(name string) *LogGroup {
	for _, g := range st.groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// logGroupARN is the ARN DescribeLogGroups reports in Arn (with ":*").
func logGroupARN(a *Account, region, name string) string {
	return "arn:" + a.Partition + ":logs:" + region + ":" + a.ID + ":log-group:" + name + ":*"
}

// AddLogGroup seeds a log group.
func (l *Logs) AddLogGroup(name string) *LogGroup {
	l.a.mu.Lock()
	defer l.a.mu.Unlock()
	g := &LogGroup{Name: name}
	l.st().groups = append(l.st().groups, g)
	return g
}

// LogGroup returns a copy of a log group's state, or nil.
func (l *Logs) LogGroup(name string) *LogGroup {
	l.a.mu.Lock()
	defer l.a.mu.Unlock()
	if g := l.st().find(name); g != nil {
		c := *g
		c.Filters = slices.Clone(g.Filters)
		return &c
	}
	return nil
}

// DeleteLogGroup removes a log group, as if someone deleted it meanwhile.
func (l *Logs) DeleteLogGroup(name string) {
	l.a.mu.Lock()
	defer l.a.mu.Unlock()
	l.st().groups = slices.DeleteFunc(l.st().groups, func(g *LogGroup) bool { return g.Name == name })
}

var logGroupName = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)

// retentionDays are the values PutRetentionPolicy accepts.
var retentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func noLogGroup(name string) error {
	return APIError("ResourceNotFoundException", "The specified log group does not exist: %s", name)
}

// DescribeLogGroups supports LogGroupNamePrefix and pages of Limit (at
// most 50, the default).
func (l *Logs) DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	unlock, err := l.call(ctx, "DescribeLogGroups")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if n := aws.ToInt32(in.Limit); n < 0 || n > 50 {
		return nil, APIError("InvalidParameterException", "limit must be between 1 and 50")
	}
	var all []types.LogGroup
	for _, g := range l.st().groups {
		if !strings.HasPrefix(g.Name, aws.ToString(in.LogGroupNamePrefix)) {
			continue
		}
		arn := logGroupARN(l.a, l.region, g.Name)
		lg := types.LogGroup{LogGroupName: aws.String(g.Name), Arn: aws.String(arn), LogGroupArn: aws.String(strings.TrimSuffix(arn, ":*")), MetricFilterCount: aws.Int32(int32(len(g.Filters)))}
		if g.RetentionDays > 0 {
			lg.RetentionInDays = aws.Int32(g.RetentionDays)
		}
		all = append(all, lg)
	}
	items, next, err := page(all, in.NextToken, aws.ToInt32(in.Limit), 50)
	if err != nil {
		return nil, err
	}
	return &cloudwatchlogs.DescribeLogGroupsOutput{LogGroups: items, NextToken: next}, nil
}

// CreateLogGroup refuses a name in use.
func (l *Logs) CreateLogGroup(ctx context.Context, in *cloudwatchlogs.CreateLogGroupInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error) {
	unlock, err := l.call(ctx, "CreateLogGroup")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.LogGroupName)
	if !logGroupName.MatchString(name) {
		return nil, APIError("InvalidParameterException", "invalid log group name %q", name)
	}
	if l.st().find(name) != nil {
		return nil, APIError("ResourceAlreadyExistsException", "The specified log group already exists")
	}
	if len(in.Tags) > 0 {
		if err := l.implied(ctx, "TagResource"); err != nil {
			return nil, err
		}
	}
	l.st().groups = append(l.st().groups, &LogGroup{Name: name, Tags: maps.Clone(in.Tags)})
	return &cloudwatchlogs.CreateLogGroupOutput{}, nil
}

// PutRetentionPolicy accepts only the retention values CloudWatch Logs offers.
func (l *Logs) PutRetentionPolicy(ctx context.Context, in *cloudwatchlogs.PutRetentionPolicyInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutRetentionPolicyOutput, error) {
	unlock, err := l.call(ctx, "PutRetentionPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	g := l.st().find(aws.ToString(in.LogGroupName))
	if g == nil {
		return nil, noLogGroup(aws.ToString(in.LogGroupName))
	}
	days := aws.ToInt32(in.RetentionInDays)
	if !slices.Contains(retentionDays, days) {
		return nil, APIError("InvalidParameterException", "1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint", days)
	}
	g.RetentionDays = days
	return &cloudwatchlogs.PutRetentionPolicyOutput{}, nil
}

// DescribeMetricFilters filters by log group (which must exist), name
// prefix and metric, in pages of Limit (at most 50, the default).
func (l *Logs) DescribeMetricFilters(ctx context.Context, in *cloudwatchlogs.DescribeMetricFiltersInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeMetricFiltersOutput, error) {
	unlock, err := l.call(ctx, "DescribeMetricFilters")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if n := aws.ToInt32(in.Limit); n < 0 || n > 50 {
		return nil, APIError("InvalidParameterException", "limit must be between 1 and 50")
	}
	if (in.MetricName == nil) != (in.MetricNamespace == nil) {
		return nil, APIError("InvalidParameterException", "metricName and metricNamespace must be given together")
	}
	groups := l.st().groups
	if in.LogGroupName != nil {
		g := l.st().find(*in.LogGroupName)
		if g == nil {
			return nil, noLogGroup(*in.LogGroupName)
		}
		groups = []*LogGroup{g}
	}
	var all []types.MetricFilter
	for _, g := range groups {
		for _, f := range g.Filters {
			if !strings.HasPrefix(aws.ToString(f.FilterName), aws.ToString(in.FilterNamePrefix)) {
				continue
			}
			if in.MetricName != nil && !slices.ContainsFunc(f.MetricTransformations, func(m types.MetricTransformation) bool {
				return aws.ToString(m.MetricName) == *in.MetricName && aws.ToString(m.MetricNamespace) == *in.MetricNamespace
			}) {
				continue
			}
			all = append(all, f)
		}
	}
	items, next, err := page(all, in.NextToken, aws.ToInt32(in.Limit), 50)
	if err != nil {
		return nil, err
	}
	return &cloudwatchlogs.DescribeMetricFiltersOutput{MetricFilters: items, NextToken: next}, nil
}

// PutMetricFilter creates or replaces a filter by name; the log group
// must exist, a filter has exactly one metric transformation, and a group
// holds at most MetricFilterQuota filters.
func (l *Logs) PutMetricFilter(ctx context.Context, in *cloudwatchlogs.PutMetricFilterInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutMetricFilterOutput, error) {
	unlock, err := l.call(ctx, "PutMetricFilter")
	defer unlock()
	if err != nil {
		return nil, err
	}
	g := l.st().find(aws.ToString(in.LogGroupName))
	if g == nil {
		return nil, noLogGroup(aws.ToString(in.LogGroupName))
	}
	name := aws.ToString(in.FilterName)
	switch {
	case name == "" || len(name) > 512 || strings.Contains(name, ":") || strings.Contains(name, "*"):
		return nil, APIError("InvalidParameterException", "invalid filter name %q", name)
	case in.FilterPattern == nil || len(*in.FilterPattern) > 1024:
		return nil, APIError("InvalidParameterException", "filterPattern is required and at most 1024 characters")
	case len(in.MetricTransformations) != 1:
		return nil, APIError("InvalidParameterException", "exactly one metric transformation is required")
	}
	m := in.MetricTransformations[0]
	if aws.ToString(m.MetricName) == "" || aws.ToString(m.MetricNamespace) == "" || m.MetricValue == nil {
		return nil, APIError("InvalidParameterException", "metricName, metricNamespace and metricValue are required")
	}
	if strings.HasPrefix(*in.FilterPattern, "{") && !strings.HasSuffix(strings.TrimSpace(*in.FilterPattern), "}") {
		return nil, APIError("InvalidParameterException", "Invalid metric filter pattern")
	}
	f := types.MetricFilter{FilterName: aws.String(name), FilterPattern: in.FilterPattern, LogGroupName: aws.String(g.Name), MetricTransformations: slices.Clone(in.MetricTransformations)}
	if i := slices.IndexFunc(g.Filters, func(x types.MetricFilter) bool { return aws.ToString(x.FilterName) == name }); i >= 0 {
		g.Filters[i] = f
		return &cloudwatchlogs.PutMetricFilterOutput{}, nil
	}
	if len(g.Filters) >= MetricFilterQuota {
		return nil, APIError("LimitExceededException", "Resource limit exceeded: %d metric filters on log group %s", MetricFilterQuota, g.Name)
	}
	g.Filters = append(g.Filters, f)
	return &cloudwatchlogs.PutMetricFilterOutput{}, nil
}

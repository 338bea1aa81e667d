package controls

// Undo of section 4 (and 1.7): the metric filter, the alarm, the alarm
// topic's policy statement and subscriptions. The topic itself is kept:
// every section 4 alarm of the account and region notifies it, and
// deleting it would silently cut the alarms that are not reverted off
// from their subscribers.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

const (
	kindMetricFilter   = "logs:metric-filter"
	kindMetricAlarm    = "cloudwatch:alarm"
	kindTopic          = "sns:topic"
	kindTopicStatement = "sns:topic-policy-statement"
	kindSubscription   = "sns:subscription"
)

// clientsIn returns the target's clients in the region of an ARN.
func clientsIn(t *Target, arn string) (awsapi.Clients, string, error) {
	region := arnRegion(arn)
	if region == "" {
		return nil, "", fmt.Errorf("%q is not an ARN with a region", arn)
	}
	c, err := t.Clients.In(region)
	return c, region, err
}

// Metric filters.

// filterRecord is a metric filter with its transformations.
type filterRecord struct {
	Name    string         `json:"filterName"`
	Pattern string         `json:"filterPattern"`
	Metrics []metricRecord `json:"metricTransformations"`
}

type metricRecord struct {
	Name       string            `json:"metricName"`
	Namespace  string            `json:"metricNamespace"`
	Value      string            `json:"metricValue"`
	Default    *float64          `json:"defaultValue,omitempty"`
	Unit       string            `json:"unit,omitempty"`
	Dimensions map[string]string `json:"dimensions,omitempty"`
}

func filterOf(f *cwltypes.MetricFilter) *filterRecord {
	if f == nil {
		return nil
	}
	r := &filterRecord{Name: aws.ToString(f.FilterName), Pattern: aws.ToString(f.FilterPattern)}
	for _, m := range f.MetricTransformations {
		r.Metrics = append(r.Metrics, metricRecord{aws.ToString(m.MetricName), aws.ToString(m.MetricNamespace), aws.ToString(m.MetricValue), m.DefaultValue, string(m.Unit), m.Dimensions})
	}
	return r
}

func (r *filterRecord) input(group string) *cloudwatchlogs.PutMetricFilterInput {
	in := &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String(group), FilterName: aws.String(r.Name), FilterPattern: aws.String(r.Pattern)}
	for _, m := range r.Metrics {
		in.MetricTransformations = append(in.MetricTransformations, cwltypes.MetricTransformation{MetricName: aws.String(m.Name), MetricNamespace: aws.String(m.Namespace),
			MetricValue: aws.String(m.Value), DefaultValue: m.Default, Unit: cwltypes.StandardUnit(m.Unit), Dimensions: m.Dimensions})
	}
	return in
}

// recordFilter records a metric filter put on a log group (an ARN):
// created, or replacing the one of that name.
func recordFilter(groupARN string, was *cwltypes.MetricFilter, set *cloudwatchlogs.PutMetricFilterInput) *plan.Prior {
	f := cwltypes.MetricFilter{FilterName: set.FilterName, FilterPattern: set.FilterPattern, MetricTransformations: set.MetricTransformations}
	return plan.Replaced(kindMetricFilter, groupARN, filterOf(was), filterOf(&f))
}

func undoMetricFilter(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set *filterRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	if set == nil {
		return nil, fmt.Errorf("record %s of %s holds no filter", pr.Kind, pr.Resource)
	}
	c, region, err := clientsIn(t, pr.Resource)
	if err != nil {
		return nil, err
	}
	logs, group := c.Logs(), logGroupOf(pr.Resource)
	var live *filterRecord
	pages := cloudwatchlogs.NewDescribeMetricFiltersPaginator(logs, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group), FilterNamePrefix: aws.String(set.Name)})
	for pages.HasMorePages() && live == nil {
		pg, err := pages.NextPage(ctx)
		if awsapi.IsNotFound(err) {
			break // the group, and its filters, are gone
		}
		if err != nil {
			return nil, fmt.Errorf("describe metric filters of log group %s in %s: %w", group, region, err)
		}
		for i := range pg.MetricFilters {
			if aws.ToString(pg.MetricFilters[i].FilterName) == set.Name {
				live = filterOf(&pg.MetricFilters[i])
			}
		}
	}
	p := &plan.Plan{}
	switch {
	case jsonText(live) == jsonText(was):
		p.Note("metric filter %s of log group %s is as it was", set.Name, group)
		return p, nil
	case jsonText(live) != jsonText(set):
		return plan.Changed(pr, fmt.Sprintf("filter %s is now %s", set.Name, jsonText(live))), nil
	case was == nil:
		p.Addf(func(ctx context.Context) error {
			_, err := logs.DeleteMetricFilter(ctx, &cloudwatchlogs.DeleteMetricFilterInput{LogGroupName: aws.String(group), FilterName: aws.String(set.Name)})
			return err
		}, "delete metric filter %s of log group %s (%s), created by cisguard", set.Name, group, region)
		return p, nil
	}
	in := was.input(group)
	p.Addf(func(ctx context.Context) error {
		_, err := logs.PutMetricFilter(ctx, in)
		return err
	}, "put back metric filter %s of log group %s (%s) as it was: pattern %s", was.Name, group, region, was.Pattern)
	return p, nil
}

// Alarms.

// alarmRecord is a metric alarm as PutMetricAlarm writes it.
type alarmRecord struct {
	Name               string            `json:"alarmName"`
	Description        string            `json:"alarmDescription,omitempty"`
	ActionsEnabled     bool              `json:"actionsEnabled"`
	AlarmActions       []string          `json:"alarmActions,omitempty"`
	OKActions          []string          `json:"okActions,omitempty"`
	InsufficientData   []string          `json:"insufficientDataActions,omitempty"`
	Metric             string            `json:"metricName"`
	Namespace          string            `json:"namespace"`
	Statistic          string            `json:"statistic,omitempty"`
	ExtendedStatistic  string            `json:"extendedStatistic,omitempty"`
	Dimensions         map[string]string `json:"dimensions,omitempty"`
	Period             int32             `json:"period"`
	Unit               string            `json:"unit,omitempty"`
	EvaluationPeriods  int32             `json:"evaluationPeriods"`
	DatapointsToAlarm  *int32            `json:"datapointsToAlarm,omitempty"`
	Threshold          float64           `json:"threshold"`
	ComparisonOperator string            `json:"comparisonOperator"`
	TreatMissingData   string            `json:"treatMissingData,omitempty"`
	LowSampleCount     string            `json:"evaluateLowSampleCountPercentile,omitempty"`
}

func alarmOf(a *cwtypes.MetricAlarm) *alarmRecord {
	if a == nil {
		return nil
	}
	r := &alarmRecord{Name: aws.ToString(a.AlarmName), Description: aws.ToString(a.AlarmDescription), ActionsEnabled: a.ActionsEnabled == nil || *a.ActionsEnabled,
		AlarmActions: a.AlarmActions, OKActions: a.OKActions, InsufficientData: a.InsufficientDataActions, Metric: aws.ToString(a.MetricName), Namespace: aws.ToString(a.Namespace),
		Statistic: string(a.Statistic), ExtendedStatistic: aws.ToString(a.ExtendedStatistic), Period: aws.ToInt32(a.Period), Unit: string(a.Unit),
		EvaluationPeriods: aws.ToInt32(a.EvaluationPeriods), DatapointsToAlarm: a.DatapointsToAlarm, Threshold: aws.ToFloat64(a.Threshold),
		ComparisonOperator: string(a.ComparisonOperator), TreatMissingData: aws.ToString(a.TreatMissingData), LowSampleCount: aws.ToString(a.EvaluateLowSampleCountPercentile)}
	for _, d := range a.Dimensions {
		if r.Dimensions == nil {
			r.Dimensions = map[string]string{}
		}
		r.Dimensions[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	return r
}

// alarmOfInput reads a PutMetricAlarm as the alarm it makes.
func alarmOfInput(in *cloudwatch.PutMetricAlarmInput) *alarmRecord {
	return alarmOf(&cwtypes.MetricAlarm{AlarmName: in.AlarmName, AlarmDescription: in.AlarmDescription, ActionsEnabled: in.ActionsEnabled, AlarmActions: in.AlarmActions,
		OKActions: in.OKActions, InsufficientDataActions: in.InsufficientDataActions, MetricName: in.MetricName, Namespace: in.Namespace, Statistic: in.Statistic,
		ExtendedStatistic: in.ExtendedStatistic, Dimensions: in.Dimensions, Period: in.Period, Unit: in.Unit, EvaluationPeriods: in.EvaluationPeriods,
		DatapointsToAlarm: in.DatapointsToAlarm, Threshold: in.Threshold, ComparisonOperator: in.ComparisonOperator, TreatMissingData: in.TreatMissingData,
		EvaluateLowSampleCountPercentile: in.EvaluateLowSampleCountPercentile})
}

func (r *alarmRecord) input() *cloudwatch.PutMetricAlarmInput {
	in := &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(r.Name), ActionsEnabled: aws.Bool(r.ActionsEnabled), AlarmActions: r.AlarmActions, OKActions: r.OKActions,
		InsufficientDataActions: r.InsufficientData, MetricName: aws.String(r.Metric), Namespace: aws.String(r.Namespace), Statistic: cwtypes.Statistic(r.Statistic),
		Period: aws.Int32(r.Period), Unit: cwtypes.StandardUnit(r.Unit), EvaluationPeriods: aws.Int32(r.EvaluationPeriods), DatapointsToAlarm: r.DatapointsToAlarm,
		Threshold: aws.Float64(r.Threshold), ComparisonOperator: cwtypes.ComparisonOperator(r.ComparisonOperator)}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return aws.String(s)
	}
	in.AlarmDescription, in.ExtendedStatistic, in.TreatMissingData, in.EvaluateLowSampleCountPercentile = opt(r.Description), opt(r.ExtendedStatistic), opt(r.TreatMissingData), opt(r.LowSampleCount)
	for _, k := range sortedKeys(r.Dimensions) {
		in.Dimensions = append(in.Dimensions, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(r.Dimensions[k])})
	}
	return in
}

// notifies reports whether the alarm has the topic among its actions.
func (r *alarmRecord) notifies(topic string) bool {
	return r != nil && (slices.Contains(r.AlarmActions, topic) || slices.Contains(r.OKActions, topic) || slices.Contains(r.InsufficientData, topic))
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// alarmName returns the name in an alarm ARN.
func alarmName(arn string) string {
	_, name, _ := strings.Cut(arn, ":alarm:")
	return name
}

func undoMetricAlarm(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set *alarmRecord
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	c, region, err := clientsIn(t, pr.Resource)
	if err != nil {
		return nil, err
	}
	cw, name := c.CloudWatch(), alarmName(pr.Resource)
	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("describe alarm %s in %s: %w", name, region, err)
	}
	var live *alarmRecord
	for i := range out.MetricAlarms {
		if aws.ToString(out.MetricAlarms[i].AlarmName) == name {
			live = alarmOf(&out.MetricAlarms[i])
		}
	}
	p := &plan.Plan{}
	switch {
	case jsonText(live) == jsonText(was):
		p.Note("alarm %s in %s is as it was", name, region)
		return p, nil
	case jsonText(live) != jsonText(set):
		return plan.Changed(pr, "the alarm is now "+jsonText(live)), nil
	case was == nil:
		p.Addf(func(ctx context.Context) error {
			_, err := cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{name}})
			return err
		}, "delete alarm %s in %s, created by cisguard", name, region)
		return p, nil
	}
	in := was.input()
	p.Addf(func(ctx context.Context) error {
		_, err := cw.PutMetricAlarm(ctx, in)
		return err
	}, "put back alarm %s in %s as it was (actions %v)", name, region, was.AlarmActions)
	return p, nil
}

// alarmsNotifying returns the alarms of the topic's region that have the
// topic among their actions, as the revert leaves them: in a dry run, an
// alarm the revert deletes or puts back without the topic before this
// record does not count.
func alarmsNotifying(ctx context.Context, t *Target, topic string) ([]string, error) {
	c, region, err := clientsIn(t, topic)
	if err != nil {
		return nil, err
	}
	var out []string
	pages := cloudwatch.NewDescribeAlarmsPaginator(c.CloudWatch(), &cloudwatch.DescribeAlarmsInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the alarms of %s: %w", region, err)
		}
		for i := range pg.MetricAlarms {
			a := &pg.MetricAlarms[i]
			if !alarmOf(a).notifies(topic) {
				continue
			}
			if r := restoring(ctx, kindMetricAlarm, aws.ToString(a.AlarmArn)); r != nil {
				var was *alarmRecord
				if r.Decode(&was, nil) == nil && !was.notifies(topic) {
					continue
				}
			}
			out = append(out, aws.ToString(a.AlarmName))
		}
	}
	return out, nil
}

// keptForAlarms is the plan of a topic's statement or subscription that
// other alarms still rely on: kept, saying which.
func keptForAlarms(pr *plan.Prior, alarms []string) *plan.Plan {
	p := &plan.Plan{}
	p.Accept(fmt.Sprintf("%s of %s is kept: alarm(s) %s still notify the topic, and their alarms would reach nobody without it", pr.Kind, pr.Resource, strings.Join(alarms, ", ")),
		"revert those alarms (their own findings' results) and then this result again, or remove it by hand once nothing notifies the topic")
	return p
}

// Topics.

// recordTopic records the alarm topic cisguard creates, which a revert
// keeps.
func recordTopic(topicARN string) *plan.Prior {
	return plan.Keep(kindTopic, topicARN, "every section 4 alarm of the account in this region notifies it, including alarms a revert does not remove; deleting it would cut them off from their subscribers without a word. "+
		"A topic without alarms costs nothing; delete it by hand once no alarm uses it (aws sns delete-topic --topic-arn "+topicARN+")", "topic")
}

// recordStatement returns the record of a statement merged into a
// topic's policy; the action updates it from the policy it reads just
// before writing.
func recordStatement(topicARN string, stmt map[string]any) *plan.Prior {
	return plan.Replaced(kindTopicStatement, topicARN, nil, stmt)
}

// statementOf returns the statement of a policy with the Sid, or nil.
func statementOf(doc *policyDocument, sid string) map[string]any {
	for _, s := range doc.Statement {
		if s["Sid"] == sid {
			return s
		}
	}
	return nil
}

func undoTopicStatement(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was, set map[string]any
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	sid, _ := set["Sid"].(string)
	c, _, err := clientsIn(t, pr.Resource)
	if err != nil {
		return nil, err
	}
	api, p := c.SNS(), &plan.Plan{}
	doc, err := topicPolicy(ctx, api, pr.Resource)
	if awsapi.IsNotFound(err) {
		p.Note("SNS topic %s no longer exists", pr.Resource)
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	live := statementOf(doc, sid)
	switch {
	case jsonText(live) == jsonText(was):
		p.Note("statement %s of SNS topic %s is as it was", sid, pr.Resource)
		return p, nil
	case jsonText(live) != jsonText(set):
		return plan.Changed(pr, fmt.Sprintf("statement %s is now %s", sid, jsonText(live))), nil
	}
	alarms, err := alarmsNotifying(ctx, t, pr.Resource)
	if err != nil {
		return nil, err
	}
	if len(alarms) > 0 {
		return keptForAlarms(pr, alarms), nil
	}
	what := "remove statement " + sid + " from the access policy of SNS topic " + pr.Resource + ": cisguard added it"
	doc.Statement = slices.DeleteFunc(doc.Statement, func(s map[string]any) bool { return s["Sid"] == sid })
	if was != nil {
		doc.Statement = append(doc.Statement, was)
		what = "put back statement " + sid + " of the access policy of SNS topic " + pr.Resource + " as it was"
	}
	text, topic := doc.String(), pr.Resource
	p.Addf(func(ctx context.Context) error {
		_, err := api.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(topic), AttributeName: aws.String("Policy"), AttributeValue: aws.String(text)})
		return err
	}, "%s", what)
	return p, nil
}

// subscriptionRecord is a topic's subscriber.
type subscriptionRecord struct {
	Protocol string `json:"protocol"`
	Endpoint string `json:"endpoint"`
}

func recordSubscription(topicARN, protocol, endpoint string) *plan.Prior {
	return plan.Replaced(kindSubscription, topicARN, nil, subscriptionRecord{protocol, endpoint})
}

func undoSubscription(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var set subscriptionRecord
	if err := pr.Decode(nil, &set); err != nil {
		return nil, err
	}
	c, _, err := clientsIn(t, pr.Resource)
	if err != nil {
		return nil, err
	}
	api, p := c.SNS(), &plan.Plan{}
	arn := ""
	pages := sns.NewListSubscriptionsByTopicPaginator(api, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(pr.Resource)})
	for pages.HasMorePages() && arn == "" {
		pg, err := pages.NextPage(ctx)
		if awsapi.IsNotFound(err) {
			p.Note("SNS topic %s no longer exists", pr.Resource)
			return p, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list subscriptions of topic %s: %w", pr.Resource, err)
		}
		for _, s := range pg.Subscriptions {
			if aws.ToString(s.Protocol) == set.Protocol && aws.ToString(s.Endpoint) == set.Endpoint {
				arn = aws.ToString(s.SubscriptionArn)
			}
		}
	}
	switch {
	case arn == "":
		p.Note("%s %s is not subscribed to SNS topic %s, as before", set.Protocol, set.Endpoint, pr.Resource)
		return p, nil
	case !strings.HasPrefix(arn, "arn:"):
		p.Accept(fmt.Sprintf("the subscription of %s %s to SNS topic %s awaits confirmation: SNS has no call that removes it, and it lapses unconfirmed after three days", set.Protocol, set.Endpoint, pr.Resource))
		return p, nil
	}
	alarms, err := alarmsNotifying(ctx, t, pr.Resource)
	if err != nil {
		return nil, err
	}
	if len(alarms) > 0 {
		return keptForAlarms(pr, alarms), nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)})
		return err
	}, "unsubscribe %s %s from SNS topic %s: cisguard subscribed it", set.Protocol, set.Endpoint, pr.Resource)
	return p, nil
}

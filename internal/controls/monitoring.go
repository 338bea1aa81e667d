package controls

// Section 4: Monitoring. One mechanism serves all fifteen recommendations
// (and 1.7): a metric filter with the exact CIS pattern on the CloudWatch
// Logs group of the discovered trail, an alarm on its metric, and an SNS
// topic with a confirmed subscription as the alarm's action. Out of the
// box the subscriber is the administrator account's alarm queue, which
// subscribes itself (so SNS confirms it at once) and forwards every alarm
// to the security team's central topic. Patterns are compared in
// patterns.go; the undo of all this is in undo_monitoring.go.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/plan"
)

// metricCheck is one recommendation of section 4.
type metricCheck struct {
	id string
	// events says what the alarm reports.
	events string
	// pattern is the CIS text, written as is; existing filters are
	// compared with it semantically.
	pattern string
	// metric names the metric and the filter cisguard creates.
	metric string
}

// exact reports whether Security Hub checks the check's pattern as text
// (its CloudWatch.x controls fail a filter that only means the same);
// without a Security Hub control, a filter that means the same counts.
func (m metricCheck) exact() bool {
	r, _ := catalog.Lookup(m.id)
	return len(r.SecurityHub) > 0
}

// alarm is the name of the alarm cisguard creates.
func (m metricCheck) alarm() string { return "CIS-" + m.id + "-" + m.metric }

var metricChecks = []metricCheck{
	{"4.1", "unauthorized API calls", `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }`, "UnauthorizedAPICalls"},
	{"4.2", "console sign-in without MFA", `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }`, "ConsoleSigninWithoutMFA"},
	{"4.3", "use of the root user", `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`, "RootAccountUsage"},
	{"4.4", "IAM policy changes", `{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}`, "IAMPolicyChanges"},
	{"4.5", "CloudTrail configuration changes", `{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`, "CloudTrailConfigChanges"},
	{"4.6", "console authentication failures", `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`, "ConsoleAuthenticationFailures"},
	{"4.7", "disabling or scheduled deletion of customer managed keys", `{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }`, "DisableOrDeleteCMK"},
	{"4.8", "S3 bucket policy changes", `{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }`, "S3BucketPolicyChanges"},
	{"4.9", "AWS Config configuration changes", `{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }`, "AWSConfigChanges"},
	{"4.10", "security group changes", `{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }`, "SecurityGroupChanges"},
	{"4.11", "network ACL changes", `{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }`, "NACLChanges"},
	{"4.12", "network gateway changes", `{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }`, "NetworkGatewayChanges"},
	{"4.13", "route table changes", `{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }`, "RouteTableChanges"},
	{"4.14", "VPC changes", `{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }`, "VPCChanges"},
	{"4.15", "AWS Organizations changes", `{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }`, "OrganizationsChanges"},
}

// monitoringPermissions are what every section 4 plan calls, 3.4's
// included for a trail without a log group.
var monitoringPermissions = actions(trailReads, logDeliveryPermissions, []string{
	"logs:DescribeMetricFilters", "logs:PutMetricFilter",
	"cloudwatch:DescribeAlarmsForMetric", "cloudwatch:PutMetricAlarm",
	"sns:ListTopics", "sns:CreateTopic", "sns:TagResource", "sns:ListSubscriptionsByTopic", "sns:Subscribe",
	"sns:GetTopicAttributes", "sns:SetTopicAttributes",
	// A revert's: the filter and alarm cisguard made, and its subscriptions.
	"logs:DeleteMetricFilter", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms", "sns:Unsubscribe",
})

func monitoringControls() []*Control {
	var out []*Control
	for _, m := range metricChecks {
		out = append(out, metricControl(m.id, m, fmt.Sprintf("Alarms on %s: metric filter %s with the CIS pattern on the discovered trail's log group, alarm %s, SNS topic `topic`.", m.events, m.metric, m.alarm())))
	}
	// 1.7's fix is 4.3's metric filter and alarm on root usage: same plan,
	// same parameters (set them under controls.1.7).
	root := metricChecks[slices.IndexFunc(metricChecks, func(m metricCheck) bool { return m.id == "4.3" })]
	return append(out, metricControl("1.7", root, "Root use cannot be prevented by an API; cisguard makes it visible with 4.3's metric filter and alarm on root usage (same plan and parameters)."))
}

func metricControl(id string, m metricCheck, doc string) *Control {
	return &Control{
		ID:          id,
		Per:         PerAccount,
		Permissions: monitoringPermissions,
		Scopes:      monitoringScopes,
		Params:      defaultMonitoringParams(),
		Plan:        func(ctx context.Context, t *Target) (*plan.Plan, error) { return planMetricAlarm(ctx, t, m) },
		Writes:      []Singleton{TrailChain},
		Calls:       Calls{Reads: 8, Writes: 4, Case: "a trail delivering to CloudWatch Logs, no filter, alarm or topic: topic created, the alarm queue allowed to subscribe (its Subscribe is the administrator account's own call)"},
		Doc: doc + " A trail without a log group gets 3.4's fix first (`setUpLogs`). " +
			"The alarm's topic gets the administrator account's alarm queue as subscriber (`notifications.alarmQueueArn`, set by the admin stack), which forwards every alarm to the central topic, and/or `endpoint`.",
	}
}

// MonitoringParams configures section 4 (and 1.7).
type MonitoringParams struct {
	// CloudWatchLogsParams configure 3.4's fix, used when the trail has no
	// log group.
	CloudWatchLogsParams `yaml:",inline"`
	// SetUpLogs lets the plan remediate 3.4 first when the trail delivers
	// to no log group; false fails with that reason instead.
	SetUpLogs bool `yaml:"setUpLogs"`
	// Namespace holds the metrics.
	Namespace string `yaml:"namespace"`
	// Topic names the SNS topic of the alarms (created when missing, in
	// the trail's home region).
	Topic string `yaml:"topic"`
	// Protocol and Endpoint subscribe someone to the topic ("email",
	// "alerts@example.com") besides the administrator account's alarm
	// queue; an endpoint that must confirm (email, HTTP, another account's
	// queue) leaves the finding NOTIFIED until it does.
	Protocol string `yaml:"protocol"`
	Endpoint string `yaml:"endpoint"`
}

// AlarmTopic returns the name of the SNS topic that section 4's alarms
// notify under cfg (4.3's topic setting), the default when cfg does not
// resolve.
func AlarmTopic(cfg *config.Config) string {
	if s, err := Configure(cfg); err == nil {
		if st, ok := s.For("4.3"); ok {
			return st.Params.(*MonitoringParams).Topic
		}
	}
	return defaultMonitoringParams().Topic
}

func defaultMonitoringParams() *MonitoringParams {
	return &MonitoringParams{CloudWatchLogsParams: *defaultCloudWatchLogsParams(), SetUpLogs: true, Namespace: "CISBenchmark", Topic: "cisguard-cis-alarms", Protocol: "email"}
}

var (
	topicNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	emailRe     = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// Validate checks names and that the endpoint suits the protocol.
func (p *MonitoringParams) Validate() error {
	if err := p.CloudWatchLogsParams.Validate(); err != nil {
		return err
	}
	switch {
	case p.Namespace == "" || len(p.Namespace) > 255 || strings.HasPrefix(p.Namespace, "AWS/"):
		return fmt.Errorf("namespace %q must be 1 to 255 characters and not start with AWS/", p.Namespace)
	case !topicNameRe.MatchString(p.Topic):
		return fmt.Errorf("topic %q is not a valid SNS topic name", p.Topic)
	}
	if p.Endpoint == "" {
		return nil
	}
	var ok bool
	switch p.Protocol {
	case "email", "email-json":
		ok = emailRe.MatchString(p.Endpoint)
	case "http", "https":
		ok = strings.HasPrefix(p.Endpoint, p.Protocol+"://")
	case "sqs", "lambda":
		ok = strings.HasPrefix(p.Endpoint, "arn:")
	case "sms":
		ok = regexp.MustCompile(`^\+[0-9]{6,15}$`).MatchString(p.Endpoint)
	default:
		return fmt.Errorf("protocol %q is not email, email-json, http, https, sqs, lambda or sms", p.Protocol)
	}
	if !ok {
		return fmt.Errorf("endpoint %q is not a valid %s endpoint", p.Endpoint, p.Protocol)
	}
	return nil
}

// planMetricAlarm plans the filter, alarm and topic of one check.
func planMetricAlarm(ctx context.Context, t *Target, m metricCheck) (*plan.Plan, error) {
	p := &plan.Plan{}
	cfg := params[MonitoringParams](t)
	tr, err := qualifyingTrail(ctx, t, cfg.Trail)
	if err != nil {
		return nil, err
	}
	group, exists, err := monitoredGroup(ctx, t, tr, cfg, p)
	if err != nil {
		return nil, err
	}
	home := tr.home
	metric, ns := m.metric, cfg.Namespace
	var named *cwltypes.MetricFilter // a filter of cisguard's name with another pattern
	if exists {
		f, n, similar, err := findFilter(ctx, home.Logs(), group, m, metric)
		if err != nil {
			return nil, err
		}
		if f != nil {
			metric, ns = aws.ToString(f.MetricTransformations[0].MetricName), aws.ToString(f.MetricTransformations[0].MetricNamespace)
		} else if len(similar) > 0 {
			p.Note("metric filter(s) %s of log group %s mean the same as the CIS %s pattern but are not its text, which Security Hub checks: cisguard adds the CIS text as filter %s and keeps them",
				strings.Join(similar, ", "), group, m.id, metric)
		}
		exists, named = f != nil, n
	}
	if !exists {
		logs := home.Logs()
		what := "create"
		if named != nil {
			what = fmt.Sprintf("replace the pattern %s of", aws.ToString(named.FilterPattern))
		}
		in := &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String(group), FilterName: aws.String(metric), FilterPattern: aws.String(m.pattern),
			MetricTransformations: []cwltypes.MetricTransformation{{MetricName: aws.String(metric), MetricNamespace: aws.String(ns), MetricValue: aws.String("1")}}}
		p.Addf(func(ctx context.Context) error {
			_, err := logs.PutMetricFilter(ctx, in)
			return err
		}, "%s metric filter %s on log group %s (%s): CIS %s pattern for %s -> metric %s/%s", what, metric, group, tr.region(), m.id, m.events, ns, metric).Prior = recordFilter(t.ARN("logs", tr.region(), "log-group:"+group), named, in)
	}
	a := &alarmPlanner{t: t, home: home, region: tr.region(), cfg: cfg, subs: map[string]subscriptions{}}
	if err := a.plan(ctx, m, metric, ns, p); err != nil {
		return nil, err
	}
	return p, nil
}

// monitoredGroup returns the log group of the trail, planning 3.4's fix
// when the trail delivers to none (or its group was deleted); exists is
// true when the group exists already.
func monitoredGroup(ctx context.Context, t *Target, tr *trail, cfg *MonitoringParams, p *plan.Plan) (group string, exists bool, err error) {
	q := &plan.Plan{}
	group, exists, err = planLogDelivery(ctx, t, tr, &cfg.CloudWatchLogsParams, q)
	if err != nil {
		return "", false, err
	}
	if !q.Empty() && !cfg.SetUpLogs {
		return "", false, fmt.Errorf("%s delivers its events to no CloudWatch Logs group (CIS 3.4), so no metric filter can watch them; remediate 3.4 or set setUpLogs: true. 3.4 would: %s",
			tr, strings.Join(planSteps(q), "; "))
	}
	p.Merge(q)
	return group, exists, nil
}

// planSteps returns the descriptions of a plan's actions.
func planSteps(p *plan.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.Description)
	}
	return out
}

// findFilter returns the group's metric filter that carries the check's
// pattern (match): its exact text (spacing aside) where Security Hub checks
// the text, else any pattern that means the same. It also returns the
// filter named name (named), and the names of filters that mean the same
// without being the text Security Hub checks (similar).
func findFilter(ctx context.Context, logs awsapi.Logs, group string, m metricCheck, name string) (match, named *cwltypes.MetricFilter, similar []string, err error) {
	pages := cloudwatchlogs.NewDescribeMetricFiltersPaginator(logs, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("describe metric filters of log group %s: %w", group, err)
		}
		for _, f := range pg.MetricFilters {
			pattern := aws.ToString(f.FilterPattern)
			if len(f.MetricTransformations) > 0 && samePattern(pattern, m.pattern) {
				if !m.exact() || sameText(pattern, m.pattern) {
					return &f, nil, nil, nil
				}
				similar = append(similar, aws.ToString(f.FilterName))
			}
			if aws.ToString(f.FilterName) == name {
				named = &f
			}
		}
	}
	return nil, named, similar, nil
}

// subscriptions are a topic's subscriptions, by protocol:endpoint, each
// confirmed or not.
type subscriptions map[string]bool

func (s subscriptions) confirmed() int {
	n := 0
	for _, ok := range s {
		if ok {
			n++
		}
	}
	return n
}

// alarmPlanner plans the alarm of one metric and its topic, in the
// trail's home region (where the metric is).
type alarmPlanner struct {
	t      *Target
	home   awsapi.Clients
	region string
	cfg    *MonitoringParams
	subs   map[string]subscriptions // by topic ARN, read once
}

func (a *alarmPlanner) plan(ctx context.Context, m metricCheck, metric, ns string, p *plan.Plan) error {
	cw := a.home.CloudWatch()
	out, err := cw.DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{MetricName: aws.String(metric), Namespace: aws.String(ns)})
	if err != nil {
		return fmt.Errorf("describe alarms of metric %s/%s in %s: %w", ns, metric, a.region, err)
	}
	topicARN := a.t.ARN("sns", a.region, a.cfg.Topic)
	var own *cwtypes.MetricAlarm
	watched := false // an enabled alarm already notifies our topic
	for i, al := range out.MetricAlarms {
		enabled := al.ActionsEnabled == nil || *al.ActionsEnabled
		for _, act := range al.AlarmActions {
			if act == topicARN {
				watched = watched || enabled
				continue
			}
			// Security Hub counts a topic of this account (it must read
			// its subscriptions) that someone confirmed.
			if !enabled || !strings.HasPrefix(act, "arn:"+a.t.Clients.Partition()+":sns:") || arnAccount(act) != a.t.Account() {
				continue
			}
			s, err := a.subscriptions(ctx, act)
			if err != nil {
				return err
			}
			if s.confirmed() > 0 {
				return nil // an alarm notifies a topic someone listens to
			}
		}
		if aws.ToString(al.AlarmName) == m.alarm() {
			own = &out.MetricAlarms[i]
		}
	}
	if err := a.planTopic(ctx, topicARN, p); err != nil {
		return err
	}
	if watched {
		return nil
	}
	in := &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(m.alarm()), AlarmDescription: aws.String(fmt.Sprintf("CIS %s: %s (cisguard)", m.id, m.events)),
		MetricName: aws.String(metric), Namespace: aws.String(ns), Statistic: cwtypes.StatisticSum, Period: aws.Int32(300), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(1), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, TreatMissingData: aws.String("notBreaching"),
		AlarmActions: []string{topicARN}, ActionsEnabled: aws.Bool(true)}
	what, was := "create", (*cwtypes.MetricAlarm)(nil)
	if own != nil {
		was = own
		// Keep what the existing alarm of that name does besides.
		what = "add the topic to"
		in.AlarmActions = append(slices.DeleteFunc(slices.Clone(own.AlarmActions), func(s string) bool { return s == topicARN }), topicARN)
		in.OKActions, in.InsufficientDataActions = own.OKActions, own.InsufficientDataActions
		if slices.Contains(own.AlarmActions, topicARN) {
			what = "turn on the actions of"
		}
	}
	p.Addf(func(ctx context.Context) error {
		_, err := cw.PutMetricAlarm(ctx, in)
		return err
	}, "%s alarm %s in %s: metric %s/%s >= 1 in 5 minutes notifies SNS topic %s", what, m.alarm(), a.region, ns, metric, a.cfg.Topic).Prior =
		plan.Replaced(kindMetricAlarm, a.t.ARN("cloudwatch", a.region, "alarm:"+m.alarm()), alarmOf(was), alarmOfInput(in))
	return nil
}

// snsIn returns SNS in the region of a topic ARN.
func (a *alarmPlanner) snsIn(topic string) (awsapi.SNS, error) {
	if r := arnRegion(topic); r != a.region {
		c, err := a.t.Clients.In(r)
		if err != nil {
			return nil, err
		}
		return c.SNS(), nil
	}
	return a.home.SNS(), nil
}

// subscriptions reads a topic's subscriptions once; a topic that no
// longer exists has none.
func (a *alarmPlanner) subscriptions(ctx context.Context, topic string) (subscriptions, error) {
	if s, ok := a.subs[topic]; ok {
		return s, nil
	}
	s := subscriptions{}
	api, err := a.snsIn(topic)
	if err != nil {
		return nil, err
	}
	pages := sns.NewListSubscriptionsByTopicPaginator(api, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if awsapi.IsNotFound(err) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list subscriptions of topic %s: %w", topic, err)
		}
		for _, sub := range pg.Subscriptions {
			// SNS shows an unconfirmed subscription's ARN as PendingConfirmation.
			s[aws.ToString(sub.Protocol)+":"+aws.ToString(sub.Endpoint)] = strings.HasPrefix(aws.ToString(sub.SubscriptionArn), "arn:")
		}
	}
	a.subs[topic] = s
	return s, nil
}

// planTopic plans the alarm topic and its subscribers: the topic when it
// does not exist, the administrator account's alarm queue and the
// configured endpoint when they are not subscribed. What only a person can
// do is left as a residual: a subscription that awaits confirmation, or a
// topic that will have no confirmed subscriber (its alarms reach nobody,
// and Security Hub's CloudWatch.x controls fail).
func (a *alarmPlanner) planTopic(ctx context.Context, topicARN string, p *plan.Plan) error {
	api := a.home.SNS()
	c := a.cfg
	exists := false
	pages := sns.NewListTopicsPaginator(api, &sns.ListTopicsInput{})
	for pages.HasMorePages() && !exists {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list SNS topics in %s: %w", a.region, err)
		}
		exists = slices.ContainsFunc(pg.Topics, func(t snstypes.Topic) bool { return aws.ToString(t.TopicArn) == topicARN })
	}
	s := subscriptions{}
	if exists {
		var err error
		if s, err = a.subscriptions(ctx, topicARN); err != nil {
			return err
		}
	} else {
		p.Addf(func(ctx context.Context) error {
			_, err := api.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(c.Topic), Tags: []snstypes.Tag{{Key: aws.String("cisguard:managed"), Value: aws.String("true")}}})
			return err
		}, "create SNS topic %s in %s", c.Topic, a.region).Prior = recordTopic(topicARN)
	}
	delivered := s.confirmed() > 0
	if q := a.t.Alarms; q != nil {
		ok, err := a.planQueue(ctx, api, topicARN, exists, s, q, p)
		if err != nil {
			return err
		}
		delivered = delivered || ok
	}
	pending := false
	if c.Endpoint != "" {
		confirmed, subscribed := s[c.Protocol+":"+c.Endpoint]
		if !subscribed {
			p.Addf(func(ctx context.Context) error {
				_, err := api.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String(c.Protocol), Endpoint: aws.String(c.Endpoint)})
				return err
			}, "subscribe %s %s to SNS topic %s", c.Protocol, c.Endpoint, c.Topic).Prior = recordSubscription(topicARN, c.Protocol, c.Endpoint)
			confirmed = confirmedAtOnce(c.Protocol, c.Endpoint, a.t.Account())
		}
		pending = !confirmed
		delivered = delivered || confirmed
	}
	nobody := fmt.Sprintf("SNS topic %s in %s has no confirmed subscription: its alarms reach nobody, and Security Hub's CloudWatch controls fail", c.Topic, a.region)
	switch {
	case pending:
		reason := fmt.Sprintf("the subscription of %s %s to SNS topic %s awaits confirmation: the topic's alarms do not reach it until then", c.Protocol, c.Endpoint, c.Topic)
		if !delivered {
			reason = nobody + " until " + c.Endpoint + " confirms its subscription"
		}
		p.Leave(reason, confirmStep(c.Protocol, c.Endpoint))
	case !delivered:
		p.Leave(nobody, fmt.Sprintf("set notifications.alarmQueueArn (the admin stack's alarm queue) or controls.\"4\".endpoint, or subscribe someone to %s and confirm it", topicARN))
	}
	return nil
}

// alarmQueueSid names the statement of a member alarm topic's policy that
// lets the administrator account subscribe its alarm queue.
const alarmQueueSid = "CISGuardAlarmQueueSubscribe"

// planQueue plans the administrator account's alarm queue as subscriber of
// the topic: a statement of the topic's policy that lets the queue's
// account subscribe that queue (and nothing else), then the subscription,
// made by the queue's owner so that SNS confirms it at once. It reports
// whether the queue will receive the topic's alarms.
func (a *alarmPlanner) planQueue(ctx context.Context, api awsapi.SNS, topicARN string, exists bool, s subscriptions, q *AlarmQueue, p *plan.Plan) (bool, error) {
	confirmed, subscribed := s["sqs:"+q.ARN]
	switch {
	case confirmed:
		return true, nil
	case subscribed:
		p.Leave(fmt.Sprintf("the alarm queue %s is subscribed to SNS topic %s but the subscription awaits confirmation (it was not made by the queue's account)", q.ARN, topicARN),
			fmt.Sprintf("unsubscribe it (aws sns list-subscriptions-by-topic --topic-arn %s, then aws sns unsubscribe): cisguard then subscribes the queue from its own account, confirmed at once", topicARN))
		return false, nil
	}
	admin := arnAccount(q.ARN)
	stmt := map[string]any{"Sid": alarmQueueSid, "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:" + a.t.Clients.Partition() + ":iam::" + admin + ":root"},
		"Action": "sns:Subscribe", "Resource": topicARN, "Condition": map[string]any{"StringEquals": map[string]any{"sns:Protocol": "sqs", "sns:Endpoint": q.ARN}}}
	granted := false
	if exists {
		doc, err := topicPolicy(ctx, api, topicARN)
		if err != nil {
			return false, err
		}
		granted = !doc.upsert(stmt)
	}
	if !granted {
		record := recordStatement(topicARN, stmt)
		p.Addf(func(ctx context.Context) error {
			doc, err := topicPolicy(ctx, api, topicARN)
			if err != nil {
				return err
			}
			was := statementOf(doc, alarmQueueSid)
			if !doc.upsert(stmt) {
				record.Drop() // merged meanwhile
				return nil
			}
			record.Update(was, stmt)
			_, err = api.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(topicARN), AttributeName: aws.String("Policy"), AttributeValue: aws.String(doc.String())})
			return err
		}, "let account %s subscribe its alarm queue %s to SNS topic %s (statement %s merged into the topic's access policy)", admin, q.ARN, a.cfg.Topic, alarmQueueSid).Prior = record
	}
	p.Addf(func(ctx context.Context) error { return q.subscribe(ctx, topicARN) },
		"subscribe the alarm queue %s of account %s to SNS topic %s, as the queue's owner (SNS confirms it at once); the queue forwards the alarms to the central topic", q.ARN, admin, a.cfg.Topic).Prior = recordSubscription(topicARN, "sqs", q.ARN)
	return true, nil
}

// topicPolicy reads a topic's access policy.
func topicPolicy(ctx context.Context, api awsapi.SNS, topicARN string) (*policyDocument, error) {
	out, err := api.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topicARN)})
	if err != nil {
		return nil, fmt.Errorf("read the access policy of SNS topic %s: %w", topicARN, err)
	}
	doc, err := parsePolicy(out.Attributes["Policy"])
	if err != nil {
		return nil, fmt.Errorf("access policy of SNS topic %s: %w", topicARN, err)
	}
	return doc, nil
}

// AlarmQueue is the administrator account's SQS queue that receives the
// section 4 alarms of every member account. cisguard subscribes it with
// the credentials of its owner (the engine's own): SNS confirms a
// subscription that the endpoint's owner makes at once, so no member
// account waits for a confirmation.
type AlarmQueue struct {
	ARN string
	// SNS returns SNS in a region with the queue owner's credentials.
	SNS func(region string) awsapi.SNS
}

func (q *AlarmQueue) subscribe(ctx context.Context, topicARN string) error {
	_, err := q.SNS(arnRegion(topicARN)).Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String("sqs"), Endpoint: aws.String(q.ARN), ReturnSubscriptionArn: true})
	if err != nil {
		return fmt.Errorf("subscribe alarm queue %s to %s with cisguard's own credentials: %w", q.ARN, topicARN, err)
	}
	return nil
}

// confirmedAtOnce reports whether SNS confirms a subscription that the
// topic's account makes for an endpoint without asking the endpoint: a
// queue, function or stream of that same account, a phone or an app.
func confirmedAtOnce(protocol, endpoint, account string) bool {
	switch protocol {
	case "sqs", "lambda", "firehose":
		return arnAccount(endpoint) == account
	case "sms", "application":
		return true
	}
	return false
}

// confirmStep says how the owner of an endpoint confirms its subscription.
func confirmStep(protocol, endpoint string) string {
	switch protocol {
	case "email", "email-json":
		return fmt.Sprintf("%s must open the email \"AWS Notification - Subscription Confirmation\" and follow its link; the link expires after three days, and the next remediation subscribes the address again", endpoint)
	case "http", "https":
		return fmt.Sprintf("%s must answer SNS's SubscriptionConfirmation request by visiting its SubscribeURL", endpoint)
	}
	return fmt.Sprintf("the account that owns %s must confirm the subscription (the SubscriptionConfirmation message it received holds the link), or subscribe %s from its own account", endpoint, endpoint)
}

// arnAccount returns the account field of an ARN, or "".
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

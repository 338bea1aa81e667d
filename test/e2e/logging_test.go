package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// TestTrailThenRootUsageAlarm sets up CloudTrail (3.1) where none may
// exist, then the root-usage metric filter and alarm (4.3) on the trail's
// log group, which 4.3 first connects to CloudWatch Logs (3.4).
func TestTrailThenRootUsageAlarm(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()

	event := sample(t, "imported-control-CloudWatch.1.json", func(_ int, f map[string]any) {
		f["GeneratorId"] = "security-control/CloudTrail.1"
		f["Compliance"].(map[string]any)["SecurityControlId"] = "CloudTrail.1"
		f["Compliance"].(map[string]any)["RelatedRequirements"] = []string{"CIS AWS Foundations Benchmark v1.4.0/3.1"}
	})
	seedFindings(t, event)
	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 || rs[0].CIS != "3.1" || (rs[0].Decision != "remediated" && rs[0].Decision != "skipped") {
		t.Fatalf("3.1: exit %d, %+v\n%s", code, rs, stderr)
	}
	trails, err := cloudtrail.NewFromConfig(cfg).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var trail string
	for _, tr := range trails.TrailList {
		if aws.ToBool(tr.IsMultiRegionTrail) {
			st, err := cloudtrail.NewFromConfig(cfg).GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: tr.TrailARN})
			if err == nil && aws.ToBool(st.IsLogging) {
				trail = aws.ToString(tr.Name)
			}
		}
	}
	if trail == "" {
		t.Fatalf("no logging multi-region trail after 3.1: %+v", trails.TrailList)
	}
	// A trail 3.1 creates passes 3.4 and 3.7 from its first moment.
	if rs[0].Decision == "remediated" {
		var made *cttypes.Trail
		for i, tr := range trails.TrailList {
			if aws.ToString(tr.Name) == "cisguard-trail" {
				made = &trails.TrailList[i]
			}
		}
		if made == nil || aws.ToString(made.KmsKeyId) == "" || aws.ToString(made.CloudWatchLogsLogGroupArn) == "" {
			t.Errorf("the trail 3.1 created is not encrypted or not sent to CloudWatch Logs: %+v", made)
		}
	}

	// AWS gives a trail created without selectors the default selector
	// (all management events, read and write) and returns it from
	// GetEventSelectors; moto returns none. Write AWS's default where the
	// endpoint left it out, so the suite tests cisguard, not the emulator.
	ct := cloudtrail.NewFromConfig(cfg)
	sel, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(trail)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.EventSelectors) == 0 && len(sel.AdvancedEventSelectors) == 0 {
		t.Log("endpoint differs from AWS: a new trail has no default event selector; writing AWS's default")
		if _, err := ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(trail), EventSelectors: []cttypes.EventSelector{
			{ReadWriteType: cttypes.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true)}}}); err != nil {
			t.Fatal(err)
		}
	}

	event = sample(t, "imported-control-CloudWatch.1.json", func(int, map[string]any) {})
	seedFindings(t, event)
	code, rs, stderr = remediate(t, event, quiet)
	if code != 0 || rs[0].CIS != "4.3" {
		t.Fatalf("4.3: exit %d, %+v\n%s", code, rs, stderr)
	}
	if rs[0].Decision != "remediated" && rs[0].Decision != "skipped" {
		t.Fatalf("4.3: %+v", rs[0])
	}
	tr, err := cloudtrail.NewFromConfig(cfg).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{trail}})
	if err != nil || len(tr.TrailList) != 1 || aws.ToString(tr.TrailList[0].CloudWatchLogsLogGroupArn) == "" {
		t.Fatalf("trail %s does not deliver to CloudWatch Logs: %+v %v", trail, tr, err)
	}
	group := aws.ToString(tr.TrailList[0].CloudWatchLogsLogGroupArn)
	group = strings.TrimSuffix(group[strings.Index(group, ":log-group:")+len(":log-group:"):], ":*")
	filters, err := cloudwatchlogs.NewFromConfig(cfg).DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	var metric, namespace string
	for _, f := range filters.MetricFilters {
		if strings.Contains(aws.ToString(f.FilterPattern), `$.userIdentity.type = "Root"`) && len(f.MetricTransformations) == 1 {
			metric, namespace = aws.ToString(f.MetricTransformations[0].MetricName), aws.ToString(f.MetricTransformations[0].MetricNamespace)
		}
	}
	if metric == "" {
		t.Fatalf("no root-usage filter on %s: %+v", group, filters.MetricFilters)
	}
	alarms, err := cloudwatch.NewFromConfig(cfg).DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{MetricName: aws.String(metric), Namespace: aws.String(namespace)})
	if err != nil {
		t.Fatal(err)
	}
	if len(alarms.MetricAlarms) == 0 || len(alarms.MetricAlarms[0].AlarmActions) == 0 || !strings.Contains(alarms.MetricAlarms[0].AlarmActions[0], ":sns:") {
		t.Fatalf("alarm on %s/%s: %+v", namespace, metric, alarms.MetricAlarms)
	}
}

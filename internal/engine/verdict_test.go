package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/perms"
)

// findingOn is the sample finding turned into one of another control
// about another resource of the member account, seeded in Security Hub.
func findingOn(t testing.TB, w *fake.Org, cis, control, typ, id string) []finding.Finding {
	t.Helper()
	f := event(t, "imported-standard-5.3.json")[0]
	f.ID = "finding-" + cis
	f.CIS, f.SecurityControl = cis, control
	f.Resource = finding.Resource{Type: typ, ID: id, Partition: "aws", Region: region}
	fs := []finding.Finding{f}
	seedHub(w, fs)
	return fs
}

// runOne handles one finding for real and returns its result and the
// workflow status Security Hub holds afterwards.
func runOne(t *testing.T, w *fake.Org, yaml string, fs []finding.Finding) (Result, *fake.HubFinding) {
	t.Helper()
	rs := newEngine(t, w, yaml+"\nnotifications: {disabled: true}", false).Run(context.Background(), fs)
	return rs[0], w.SecurityHub(fs[0].HubRegion).Finding(fs[0].ID)
}

func wantVerdict(t *testing.T, r Result, h *fake.HubFinding, decision string, status shtypes.WorkflowStatus, says ...string) {
	t.Helper()
	if r.Decision != decision || h.Workflow != status {
		t.Fatalf("decision %s, workflow %s (%s; note %q), want %s and %s", r.Decision, h.Workflow, r.Reason, h.Note, decision, status)
	}
	for _, s := range says {
		if !strings.Contains(r.Reason+"\n"+h.Note, s) {
			t.Errorf("neither reason %q nor note %q says %q", r.Reason, h.Note, s)
		}
	}
}

// TestVerdictFollowsTheFreshPlan holds the rule every path follows: RESOLVED
// only when a fresh plan is empty and leaves nothing, NOTIFIED with the
// reason when a person must act, SUPPRESSED for an exception the user
// configured.
func TestVerdictFollowsTheFreshPlan(t *testing.T) {
	t.Run("exclusion keyword: SUPPRESSED", func(t *testing.T) {
		w := fake.NewOrg(admin)
		key := w.Account(member).KMS(region).AddKey(fake.Key{Description: "legacy HSM bridge"})
		r, h := runOne(t, w, "controls: {'3.8': {excludeKeywords: [legacy]}}", findingOn(t, w, "3.8", "KMS.4", "AwsKmsKey", key))
		wantVerdict(t, r, h, Skipped, shtypes.WorkflowStatusSuppressed, `contains the exclusion keyword "legacy"`)
		if w.Account(member).KMS(region).Key(key).Rotation {
			t.Error("an excluded key was rotated")
		}
	})
	t.Run("exemption tag found while planning: SUPPRESSED", func(t *testing.T) {
		w := fake.NewOrg(admin)
		key := w.Account(member).KMS(region).AddKey(fake.Key{Tags: map[string]string{"cisguard:exempt": "true"}})
		r, h := runOne(t, w, "", findingOn(t, w, "3.8", "KMS.4", "AwsKmsKey", key))
		wantVerdict(t, r, h, Skipped, shtypes.WorkflowStatusSuppressed, "is exempt: tag cisguard:exempt=true")
	})
	t.Run("a key cisguard cannot rotate: NOTIFIED", func(t *testing.T) {
		w := fake.NewOrg(admin)
		key := w.Account(member).KMS(region).AddKey(fake.Key{State: "Disabled"})
		r, h := runOne(t, w, "", findingOn(t, w, "3.8", "KMS.4", "AwsKmsKey", key))
		wantVerdict(t, r, h, Notified, shtypes.WorkflowStatusNotified, "automatic rotation cannot be turned on")
		if r.Guidance == nil || !strings.Contains(strings.Join(r.Guidance.Steps, " "), "enable the key") {
			t.Errorf("guidance %+v", r.Guidance)
		}
	})
	t.Run("kept password: NOTIFIED with the step", func(t *testing.T) {
		w := fake.NewOrg(admin)
		now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
		reset, last := now.AddDate(0, 0, -3), now.AddDate(0, 0, -120)
		w.Account(member).AddUser(fake.User{Name: "carol", Created: now.AddDate(-1, 0, 0), Password: &reset, PasswordLastUsed: &last})
		r, h := runOne(t, w, "", findingOn(t, w, "1.12", "IAM.22", "AwsIamUser", "arn:aws:iam::"+member+":user/carol"))
		wantVerdict(t, r, h, Notified, shtypes.WorkflowStatusNotified, "IAM.22 counts from the last sign-in")
		if r.Guidance == nil || !strings.Contains(strings.Join(r.Guidance.Steps, " "), "aws iam delete-login-profile --user-name carol") {
			t.Errorf("guidance %+v", r.Guidance)
		}
	})
	t.Run("ACCEPT-only flow log: fixed with REJECT, RESOLVED only then", func(t *testing.T) {
		w := fake.NewOrg(admin)
		e := w.Account(member).EC2(region)
		vpc, _, _ := e.AddVPC("10.0.0.0/16")
		if _, err := e.CreateFlowLogs(context.Background(), &ec2.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
			TrafficType: ec2types.TrafficTypeAccept, LogDestinationType: ec2types.LogDestinationTypeS3, LogDestination: aws.String("arn:aws:s3:::flow")}); err != nil {
			t.Fatal(err)
		}
		r, h := runOne(t, w, "", findingOn(t, w, "3.9", "EC2.6", "AwsEc2Vpc", "arn:aws:ec2:"+region+":"+member+":vpc/"+vpc))
		wantVerdict(t, r, h, Remediated, shtypes.WorkflowStatusResolved, "verified")
		if last := r.Actions[len(r.Actions)-1]; !last.Done || !strings.Contains(last.Description, "for REJECT traffic") {
			t.Errorf("last action %+v", last)
		}
	})
	t.Run("already compliant: RESOLVED", func(t *testing.T) {
		w := fake.NewOrg(admin)
		key := w.Account(member).KMS(region).AddKey(fake.Key{Rotation: true})
		r, h := runOne(t, w, "", findingOn(t, w, "3.8", "KMS.4", "AwsKmsKey", key))
		wantVerdict(t, r, h, Skipped, shtypes.WorkflowStatusResolved, "already compliant")
	})
}

// loggedTrail seeds a member account's qualifying trail that delivers to
// a CloudWatch Logs group.
func loggedTrail(w *fake.Org) { loggedTrailIn(w, member) }

func loggedTrailIn(w *fake.Org, acct string) {
	member := acct
	a := w.Account(member)
	a.Logs(region).AddLogGroup("trail-events")
	a.AddRole("ct-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	a.CloudTrail(region).AddTrail(fake.Trail{Logging: true, Trail: cttypes.Trail{Name: aws.String("main"), S3BucketName: aws.String("trail-bucket"), IsMultiRegionTrail: aws.Bool(true),
		CloudWatchLogsLogGroupArn: aws.String("arn:aws:logs:" + region + ":" + member + ":log-group:trail-events:*"), CloudWatchLogsRoleArn: aws.String("arn:aws:iam::" + member + ":role/ct-logs")}})
}

const alarmQueue = "arn:aws:sqs:" + region + ":" + admin + ":cisguard-remediator-alarms"

// TestAlarmDelivery holds section 4 to what Security Hub's CloudWatch.x
// checks: a topic with a confirmed subscription. Out of the box (the admin
// stack's alarm queue) the queue's owner subscribes it, confirmed at once:
// RESOLVED. A topic nobody confirmed stays NOTIFIED.
func TestAlarmDelivery(t *testing.T) {
	topic := "arn:aws:sns:" + region + ":" + member + ":cisguard-cis-alarms"
	t.Run("alarm queue: RESOLVED", func(t *testing.T) {
		w := fake.NewOrg(admin)
		loggedTrail(w)
		r, h := runOne(t, w, "notifications: {alarmQueueArn: "+alarmQueue+"}", findingOn(t, w, "4.3", "CloudWatch.1", "AwsAccount", "AWS::::Account:"+member))
		wantVerdict(t, r, h, Remediated, shtypes.WorkflowStatusResolved, "verified")
		subs := w.Account(member).SNS(region).Subscriptions(topic)
		if len(subs) != 1 || aws.ToString(subs[0].Endpoint) != alarmQueue || !strings.HasPrefix(aws.ToString(subs[0].SubscriptionArn), "arn:") {
			t.Errorf("subscriptions %+v", subs)
		}
	})
	t.Run("a dry run says what the plan would leave", func(t *testing.T) {
		w := fake.NewOrg(admin)
		loggedTrail(w)
		rs := newEngine(t, w, "notifications: {disabled: true}", true).Run(context.Background(), findingOn(t, w, "4.3", "CloudWatch.1", "AwsAccount", "AWS::::Account:"+member))
		if r := rs[0]; r.Decision != Planned || !strings.Contains(r.Reason, "the plan would still leave to a person: SNS topic cisguard-cis-alarms") || len(r.Residuals) != 1 {
			t.Errorf("result %+v", r)
		}
	})
	t.Run("no subscriber: NOTIFIED", func(t *testing.T) {
		w := fake.NewOrg(admin)
		loggedTrail(w)
		r, h := runOne(t, w, "", findingOn(t, w, "4.3", "CloudWatch.1", "AwsAccount", "AWS::::Account:"+member))
		wantVerdict(t, r, h, Remediated, shtypes.WorkflowStatusNotified, "not resolved", "has no confirmed subscription")
	})
	t.Run("email pending: NOTIFIED until confirmed, then RESOLVED", func(t *testing.T) {
		w := fake.NewOrg(admin)
		loggedTrail(w)
		const set = "controls: {'4': {endpoint: soc@example.com}}"
		r, h := runOne(t, w, set, findingOn(t, w, "4.3", "CloudWatch.1", "AwsAccount", "AWS::::Account:"+member))
		wantVerdict(t, r, h, Remediated, shtypes.WorkflowStatusNotified, "until soc@example.com confirms its subscription")
		if r.Guidance == nil || !strings.Contains(strings.Join(r.Guidance.Steps, " "), "Subscription Confirmation") {
			t.Errorf("guidance %+v", r.Guidance)
		}
		w.Account(member).SNS(region).Confirm(topic, "email", "soc@example.com")
		r, h = runOne(t, w, set, findingOn(t, w, "4.4", "CloudWatch.4", "AwsAccount", "AWS::::Account:"+member))
		wantVerdict(t, r, h, Remediated, shtypes.WorkflowStatusResolved, "verified")
	})
	t.Run("equivalent filter: the CIS text added, RESOLVED", func(t *testing.T) {
		w := fake.NewOrg(admin)
		loggedTrail(w)
		ctx := perms.Declare(context.Background(), "seed", []string{"logs:PutMetricFilter"})
		if _, err := w.Account(member).Logs(region).PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String("trail-events"), FilterName: aws.String("mine"),
			FilterPattern:         aws.String(`{ ($.eventName = StopLogging) || ($.eventName = StartLogging) || ($.eventName = DeleteTrail) || ($.eventName = UpdateTrail) || ($.eventName = CreateTrail) }`),
			MetricTransformations: []cwltypes.MetricTransformation{{MetricName: aws.String("Mine"), MetricNamespace: aws.String("Mine"), MetricValue: aws.String("1")}}}); err != nil {
			t.Fatal(err)
		}
		r, h := runOne(t, w, "notifications: {alarmQueueArn: "+alarmQueue+"}", findingOn(t, w, "4.5", "CloudWatch.5", "AwsAccount", "AWS::::Account:"+member))
		wantVerdict(t, r, h, Remediated, shtypes.WorkflowStatusResolved, "verified")
		if n := len(w.Account(member).Logs(region).LogGroup("trail-events").Filters); n != 2 {
			t.Errorf("%d filters, want the equivalent one and the CIS text", n)
		}
	})
}

package controls

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	snssdk "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/plan"
)

// monitoringIDs are the controls of the section 4 mechanism.
var monitoringIDs = []string{"1.7", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "4.10", "4.11", "4.12", "4.13", "4.14", "4.15"}

func checkOf(t *testing.T, id string) metricCheck {
	if id == "1.7" {
		id = "4.3"
	}
	for _, m := range metricChecks {
		if m.id == id {
			return m
		}
	}
	t.Fatalf("no check %s", id)
	return metricCheck{}
}

const watchedGroup = "org-trail-events"

// loggedTrail seeds the qualifying trail "main" delivering to a log group.
func loggedTrail(h *harness, region string) string {
	h.acct.Logs(region).AddLogGroup(watchedGroup)
	h.acct.AddRole("ct-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	return addTrail(h, region, "main", func(tr *fake.Trail) {
		tr.CloudWatchLogsLogGroupArn = aws.String("arn:aws:logs:" + region + ":" + testAccount + ":log-group:" + watchedGroup + ":*")
		tr.CloudWatchLogsRoleArn = aws.String("arn:aws:iam::" + testAccount + ":role/ct-logs")
	})
}

func topicARN(region, name string) string {
	return "arn:aws:sns:" + region + ":" + testAccount + ":" + name
}

// TestMonitoringCreatesFilterAlarmAndTopic is section 4 out of the box: the
// filter with the CIS text, the alarm, a topic tagged cisguard's, and the
// administrator account's alarm queue subscribed by its own account, so
// the subscription is confirmed at once and the fresh plan is compliant:
// the finding is RESOLVED, and Security Hub's CloudWatch check passes.
func TestMonitoringCreatesFilterAlarmAndTopic(t *testing.T) {
	for _, id := range monitoringIDs {
		t.Run(id, func(t *testing.T) {
			h, o := newOrgHarness(t)
			loggedTrail(h, testRegion)
			m := checkOf(t, id)
			p := h.measure(id, accountResource(), "")
			g := h.acct.Logs(testRegion).LogGroup(watchedGroup)
			if len(g.Filters) != 1 || aws.ToString(g.Filters[0].FilterPattern) != m.pattern {
				t.Fatalf("filters %+v, want the CIS text %s", g.Filters, m.pattern)
			}
			tr := g.Filters[0].MetricTransformations[0]
			if aws.ToString(tr.MetricName) != m.metric || aws.ToString(tr.MetricNamespace) != "CISBenchmark" {
				t.Errorf("metric %s/%s", aws.ToString(tr.MetricNamespace), aws.ToString(tr.MetricName))
			}
			topic := topicARN(testRegion, "cisguard-cis-alarms")
			a := h.acct.CloudWatch(testRegion).Alarm(m.alarm())
			if a == nil || aws.ToString(a.MetricName) != m.metric || len(a.AlarmActions) != 1 || a.AlarmActions[0] != topic {
				t.Fatalf("alarm %+v", a)
			}
			containsAll(t, descriptions(p), "let account "+adminAccount+" subscribe its alarm queue "+alarmQueueARN+" to SNS topic cisguard-cis-alarms",
				"subscribe the alarm queue "+alarmQueueARN+" of account "+adminAccount+" to SNS topic cisguard-cis-alarms, as the queue's owner")
			subs := h.acct.SNS(testRegion).Subscriptions(topic)
			if len(subs) != 1 || aws.ToString(subs[0].Endpoint) != alarmQueueARN || !strings.HasPrefix(aws.ToString(subs[0].SubscriptionArn), "arn:") || aws.ToString(subs[0].Owner) != adminAccount {
				t.Errorf("subscriptions %+v", subs)
			}
			if tags := h.acct.SNS(testRegion).TopicTags(topic); tags["cisguard:managed"] != "true" {
				t.Errorf("topic tags %v", tags)
			}
			if n := len(o.Admin.Log.Calls()); n != 1 {
				t.Errorf("the administrator account made %d calls, want its one Subscribe: %v", n, o.Admin.Log.Calls())
			}
			wantState(t, h.check(id, accountResource(), ""), plan.Compliant)
		})
	}
}

// Without an alarm queue or endpoint the topic has no confirmed
// subscription: its alarms reach nobody and Security Hub's CloudWatch
// checks still fail, so the verdict is NOTIFIED, never RESOLVED.
func TestMonitoringWithoutSubscriberIsUnresolved(t *testing.T) {
	h := newHarness(t)
	loggedTrail(h, testRegion)
	h.remediate("4.3", accountResource(), "")
	wantState(t, h.check("4.3", accountResource(), ""), plan.Unresolved,
		"SNS topic cisguard-cis-alarms in eu-west-1 has no confirmed subscription: its alarms reach nobody, and Security Hub's CloudWatch controls fail",
		"set notifications.alarmQueueArn")
}

// An email endpoint is supported but pending until its owner confirms:
// NOTIFIED until then, RESOLVED after, and never subscribed twice.
func TestMonitoringEmailPendingUntilConfirmed(t *testing.T) {
	for _, queue := range []bool{false, true} {
		h := newHarness(t)
		if queue {
			h, _ = newOrgHarness(t)
		}
		loggedTrail(h, testRegion)
		const set = "endpoint: soc@example.com"
		h.remediate("4.3", accountResource(), set)
		if queue {
			wantState(t, h.check("4.4", accountResource(), set), plan.Changes)
			h.remediate("4.4", accountResource(), set)
			wantState(t, h.check("4.4", accountResource(), set), plan.Unresolved, "the subscription of email soc@example.com to SNS topic cisguard-cis-alarms awaits confirmation")
		} else {
			wantState(t, h.check("4.3", accountResource(), set), plan.Unresolved,
				"has no confirmed subscription: its alarms reach nobody, and Security Hub's CloudWatch controls fail until soc@example.com confirms its subscription",
				`open the email "AWS Notification - Subscription Confirmation"`)
		}
		if again := h.mustPlan("4.3", accountResource(), set); strings.Contains(again.String(), "subscribe email") {
			t.Errorf("subscribed again:\n%s", again)
		}
		if !h.acct.SNS(testRegion).Confirm(topicARN(testRegion, "cisguard-cis-alarms"), "email", "soc@example.com") {
			t.Fatal("no pending subscription to confirm")
		}
		wantState(t, h.check("4.3", accountResource(), set), plan.Compliant)
	}
}

// A queue of another account that the member account subscribes stays
// pending (SNS asks the queue's owner), unlike the alarm queue, which its
// owner subscribes.
func TestMonitoringQueueOfAnotherAccountIsPending(t *testing.T) {
	h := newHarness(t)
	loggedTrail(h, testRegion)
	const set = "protocol: sqs\nendpoint: arn:aws:sqs:eu-west-1:555566667777:soc"
	p := h.remediate("4.3", accountResource(), set)
	containsAll(t, descriptions(p), "subscribe sqs arn:aws:sqs:eu-west-1:555566667777:soc to SNS topic cisguard-cis-alarms")
	wantState(t, h.check("4.3", accountResource(), set), plan.Unresolved, "the account that owns arn:aws:sqs:eu-west-1:555566667777:soc must confirm the subscription")

	h = newHarness(t)
	loggedTrail(h, testRegion)
	const own = "protocol: sqs\nendpoint: arn:aws:sqs:eu-west-1:111122223333:soc"
	h.remediate("4.3", accountResource(), own)
	wantState(t, h.check("4.3", accountResource(), own), plan.Compliant)
}

// The alarm queue's statement is merged into an existing topic's policy
// (the other statements kept), and a queue subscription someone else made
// pending is left to a person rather than trusted.
func TestMonitoringAlarmQueueOnExistingTopic(t *testing.T) {
	t.Run("policy merged", func(t *testing.T) {
		h, _ := newOrgHarness(t)
		loggedTrail(h, testRegion)
		topic := h.acct.SNS(testRegion).AddTopic("cisguard-cis-alarms")
		h.remediate("4.3", accountResource(), "")
		policy := h.acct.SNS(testRegion).TopicPolicy(topic)
		for _, want := range []string{"__default_statement_ID", alarmQueueSid, `"sns:Endpoint":"` + alarmQueueARN + `"`} {
			if !strings.Contains(policy, want) {
				t.Errorf("policy lacks %s: %s", want, policy)
			}
		}
		wantState(t, h.check("4.4", accountResource(), ""), plan.Changes)
		if p := h.remediate("4.4", accountResource(), ""); strings.Contains(p.String(), "subscribe the alarm queue") || strings.Contains(p.String(), "let account") {
			t.Errorf("4.4 redid 4.3's topic work:\n%s", p)
		}
	})
	t.Run("pending queue subscription", func(t *testing.T) {
		h, _ := newOrgHarness(t)
		loggedTrail(h, testRegion)
		topic := h.acct.SNS(testRegion).AddTopic("cisguard-cis-alarms")
		if _, err := h.acct.SNS(testRegion).Subscribe(h.ctx(&Control{ID: "seed", Permissions: []string{"sns:Subscribe"}}), &snssdk.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(alarmQueueARN)}); err != nil {
			t.Fatal(err)
		}
		h.remediate("4.3", accountResource(), "")
		wantState(t, h.check("4.3", accountResource(), ""), plan.Unresolved, "awaits confirmation (it was not made by the queue's account)")
	})
}

// TestMonitoringSetsUpLogs runs every section 4 control on a trail without
// a log group: 3.4's fix comes first in the same plan, and the filter is
// created on the group only after the group.
func TestMonitoringSetsUpLogs(t *testing.T) {
	for _, id := range monitoringIDs {
		for _, roleExists := range []bool{false, true} {
			h := newHarness(t)
			arn := goodTrail(h)
			if roleExists {
				h.acct.AddRole("cisguard-cloudtrail-to-cloudwatch-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
			}
			p := h.remediate(id, accountResource(), "endpoint: secops@example.com")
			d := descriptions(p)
			first, filter := -1, -1
			for i, s := range d {
				if strings.HasPrefix(s, "create CloudWatch Logs group /aws/cloudtrail/main") && first < 0 {
					first = i
				}
				if strings.HasPrefix(s, "create metric filter") {
					filter = i
				}
			}
			if first < 0 || filter < first {
				t.Fatalf("%s: log group not created before the filter:\n%s", id, p)
			}
			containsAll(t, d, "send the events of trail main", "subscribe email secops@example.com to SNS topic cisguard-cis-alarms")
			if aws.ToString(trailOf(h, arn).CloudWatchLogsLogGroupArn) == "" {
				t.Errorf("%s: trail not delivering", id)
			}
			if subs := h.acct.SNS(testRegion).Subscriptions(topicARN(testRegion, "cisguard-cis-alarms")); len(subs) != 1 {
				t.Errorf("%s: subscriptions %+v", id, subs)
			}
			wantState(t, h.check(id, accountResource(), "endpoint: secops@example.com"), plan.Unresolved, "until secops@example.com confirms")
		}
	}
}

func TestMonitoringCases(t *testing.T) {
	m := checkOf(t, "4.3")
	t.Run("a filter that only means the same: the CIS text added beside it", func(t *testing.T) {
		h, _ := newOrgHarness(t)
		loggedTrail(h, testRegion)
		seedFilter(h, testRegion, "root", `{$.eventType!="AwsServiceEvent"&&$.userIdentity.invokedBy NOT EXISTS&&($.userIdentity.type=Root)}`, "Sec", "RootUse")
		p := h.remediate("4.3", accountResource(), "")
		containsAll(t, descriptions(p), "create metric filter RootAccountUsage on log group org-trail-events", "create alarm CIS-4.3-RootAccountUsage in eu-west-1: metric CISBenchmark/RootAccountUsage >= 1")
		containsAll(t, p.Notes, "metric filter(s) root of log group org-trail-events mean the same as the CIS 4.3 pattern but are not its text, which Security Hub checks")
		if g := h.acct.Logs(testRegion).LogGroup(watchedGroup); len(g.Filters) != 2 {
			t.Errorf("filters %+v", g.Filters)
		}
		wantState(t, h.check("4.3", accountResource(), ""), plan.Compliant)
	})
	t.Run("Security Hub's own spacing of the pattern counts", func(t *testing.T) {
		h, _ := newOrgHarness(t)
		loggedTrail(h, testRegion)
		seedFilter(h, testRegion, "root", `{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}`, "Sec", "RootUse")
		p := h.remediate("4.3", accountResource(), "")
		if strings.Contains(p.String(), "create metric filter") {
			t.Fatalf("the CIS text with other spacing not recognized:\n%s", p)
		}
		containsAll(t, descriptions(p), "create alarm CIS-4.3-RootAccountUsage in eu-west-1: metric Sec/RootUse >= 1")
	})
	t.Run("without a Security Hub control a filter that means the same counts", func(t *testing.T) {
		h, _ := newOrgHarness(t)
		loggedTrail(h, testRegion)
		seedFilter(h, testRegion, "nomfa", `{ ($.additionalEventData.MFAUsed != "Yes") && ($.eventName = ConsoleLogin) }`, "Sec", "NoMFA")
		p := h.remediate("4.2", accountResource(), "")
		if strings.Contains(p.String(), "create metric filter") {
			t.Fatalf("equivalent filter not recognized:\n%s", p)
		}
		containsAll(t, descriptions(p), "create alarm CIS-4.2-ConsoleSigninWithoutMFA in eu-west-1: metric Sec/NoMFA >= 1")
	})
	t.Run("the seed's 4.5 filter with the root pattern is corrected", func(t *testing.T) {
		h := newHarness(t)
		loggedTrail(h, testRegion)
		m5 := checkOf(t, "4.5")
		seedFilter(h, testRegion, m5.metric, m.pattern, "CISBenchmark", m5.metric)
		p := h.remediate("4.5", accountResource(), "")
		containsAll(t, descriptions(p), "replace the pattern "+m.pattern+" of metric filter CloudTrailConfigChanges")
		if g := h.acct.Logs(testRegion).LogGroup(watchedGroup); len(g.Filters) != 1 || aws.ToString(g.Filters[0].FilterPattern) != m5.pattern {
			t.Errorf("filters %+v", g.Filters)
		}
	})
	t.Run("alarm notifying a topic with a confirmed subscriber", func(t *testing.T) {
		h := newHarness(t)
		loggedTrail(h, testRegion)
		seedFilter(h, testRegion, "root", m.pattern, "CISBenchmark", m.metric)
		sns := h.acct.SNS(testRegion)
		topic := sns.AddTopic("secops")
		sns.AddSubscription(topic, "email", "soc@example.com")
		h.acct.CloudWatch(testRegion).AddAlarm(cwtypes.MetricAlarm{AlarmName: aws.String("root"), MetricName: aws.String(m.metric), Namespace: aws.String("CISBenchmark"), AlarmActions: []string{topic}})
		if p := h.check("4.3", accountResource(), ""); p.State() != plan.Compliant || len(p.Notes) != 0 {
			t.Errorf("compliant account planned:\n%s", p)
		}
	})
	for name, alarm := range map[string]func(topic string) cwtypes.MetricAlarm{
		"alarm notifying a topic whose subscriber never confirmed": func(topic string) cwtypes.MetricAlarm {
			return cwtypes.MetricAlarm{AlarmName: aws.String("root"), MetricName: aws.String(m.metric), Namespace: aws.String("CISBenchmark"), AlarmActions: []string{topic}}
		},
		"alarm with its actions turned off": func(topic string) cwtypes.MetricAlarm {
			return cwtypes.MetricAlarm{AlarmName: aws.String("root"), MetricName: aws.String(m.metric), Namespace: aws.String("CISBenchmark"), AlarmActions: []string{topic}, ActionsEnabled: aws.Bool(false)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			h, _ := newOrgHarness(t)
			loggedTrail(h, testRegion)
			seedFilter(h, testRegion, "root", m.pattern, "CISBenchmark", m.metric)
			sns := h.acct.SNS(testRegion)
			topic := sns.AddTopic("secops")
			sns.AddSubscription(topic, "sqs", "arn:aws:sqs:eu-west-1:111122223333:soc")
			if name != "alarm with its actions turned off" {
				topic = sns.AddTopic("quiet")
				if _, err := sns.Subscribe(h.ctx(&Control{ID: "seed", Permissions: []string{"sns:Subscribe"}}), &snssdk.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("email"), Endpoint: aws.String("soc@example.com")}); err != nil {
					t.Fatal(err)
				}
			}
			h.acct.CloudWatch(testRegion).AddAlarm(alarm(topic))
			p := h.remediate("4.3", accountResource(), "")
			containsAll(t, descriptions(p), "create alarm CIS-4.3-RootAccountUsage")
			wantState(t, h.check("4.3", accountResource(), ""), plan.Compliant)
		})
	}
	t.Run("our alarm with its actions turned off is turned on", func(t *testing.T) {
		h, _ := newOrgHarness(t)
		loggedTrail(h, testRegion)
		h.remediate("4.3", accountResource(), "")
		a := h.acct.CloudWatch(testRegion).Alarm(m.alarm())
		a.ActionsEnabled = aws.Bool(false)
		h.acct.CloudWatch(testRegion).AddAlarm(*a)
		p := h.remediate("4.3", accountResource(), "")
		containsAll(t, descriptions(p), "turn on the actions of alarm CIS-4.3-RootAccountUsage")
		if a := h.acct.CloudWatch(testRegion).Alarm(m.alarm()); !aws.ToBool(a.ActionsEnabled) || len(a.AlarmActions) != 1 {
			t.Errorf("alarm %+v", a)
		}
	})
	t.Run("alarm of that name keeps its other actions", func(t *testing.T) {
		h := newHarness(t)
		loggedTrail(h, testRegion)
		other := h.acct.SNS(testRegion).AddTopic("nobody-listens")
		h.acct.CloudWatch(testRegion).AddAlarm(cwtypes.MetricAlarm{AlarmName: aws.String(m.alarm()), MetricName: aws.String(m.metric), Namespace: aws.String("CISBenchmark"), AlarmActions: []string{other}})
		p := h.remediate("4.3", accountResource(), "")
		containsAll(t, descriptions(p), "add the topic to alarm CIS-4.3-RootAccountUsage")
		if a := h.acct.CloudWatch(testRegion).Alarm(m.alarm()); len(a.AlarmActions) != 2 || a.AlarmActions[0] != other {
			t.Errorf("actions %v", a.AlarmActions)
		}
	})
	t.Run("setUpLogs false fails with the reason", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		err := h.planErr("4.5", accountResource(), "setUpLogs: false")
		if !strings.Contains(err.Error(), "delivers its events to no CloudWatch Logs group (CIS 3.4)") || !strings.Contains(err.Error(), "create CloudWatch Logs group /aws/cloudtrail/main") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no qualifying trail", func(t *testing.T) {
		h := newHarness(t)
		addTrail(h, testRegion, "main", func(tr *fake.Trail) { tr.Logging = false })
		if err := h.planErr("4.6", accountResource(), ""); !strings.Contains(err.Error(), errNoTrail.Error()) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("trail homed elsewhere: filter, alarm and topic in its home region", func(t *testing.T) {
		h := newHarness(t)
		loggedTrail(h, "us-east-1")
		h.remediate("4.7", accountResource(), "")
		if g := h.acct.Logs("us-east-1").LogGroup(watchedGroup); len(g.Filters) != 1 {
			t.Errorf("filters %+v", g.Filters)
		}
		if a := h.acct.CloudWatch("us-east-1").Alarm(checkOf(t, "4.7").alarm()); a == nil || a.AlarmActions[0] != topicARN("us-east-1", "cisguard-cis-alarms") {
			t.Errorf("alarm %+v", a)
		}
	})
	t.Run("pagination of filters and topics", func(t *testing.T) {
		h := newHarness(t)
		loggedTrail(h, testRegion)
		for i := 0; i < 60; i++ {
			seedFilter(h, testRegion, "f"+string(rune('a'+i/26))+string(rune('a'+i%26)), `{ $.eventName = "X`+string(rune('a'+i%26))+`" }`, "Other", "M")
		}
		seedFilter(h, testRegion, "zz-root", m.pattern, "CISBenchmark", m.metric)
		sns := h.acct.SNS(testRegion)
		for i := 0; i < 120; i++ {
			sns.AddTopic("t" + string(rune('a'+i/26)) + string(rune('a'+i%26)))
		}
		topic := sns.AddTopic("cisguard-cis-alarms")
		sns.AddSubscription(topic, "sqs", "arn:aws:sqs:eu-west-1:111122223333:soc")
		p := h.remediate("4.3", accountResource(), "")
		if d := descriptions(p); len(d) != 1 || !strings.HasPrefix(d[0], "create alarm") {
			t.Errorf("plan %v", d)
		}
	})
	t.Run("PutMetricAlarm fails after the filter is made", func(t *testing.T) {
		h := newHarness(t)
		loggedTrail(h, testRegion)
		o := applyWithFailure(h, "4.8", accountResource(), "", "CloudWatch/PutMetricAlarm", fake.Throttled())
		if o.Err == nil || doneCount(o) != 2 {
			t.Fatalf("outcome %+v", o)
		}
		p := h.remediate("4.8", accountResource(), "")
		if d := descriptions(p); len(d) != 1 || !strings.HasPrefix(d[0], "create alarm CIS-4.8") {
			t.Errorf("retry plans %v", d)
		}
	})
	t.Run("bad params", func(t *testing.T) {
		for _, bad := range []string{"namespace: AWS/Logs", "topic: 'a b'", "endpoint: not-an-email", "protocol: carrier-pigeon\nendpoint: x", "retentionDays: 2"} {
			cfg := defaultMonitoringParams()
			if err := decodeYAML(bad, cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.Validate() == nil {
				t.Errorf("%s accepted", bad)
			}
		}
	})
}

func seedFilter(h *harness, region, name, pattern, ns, metric string) {
	h.t.Helper()
	ctx := h.ctx(&Control{ID: "seed", Permissions: []string{"logs:PutMetricFilter"}})
	_, err := h.acct.Logs(region).PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: aws.String(watchedGroup), FilterName: aws.String(name), FilterPattern: aws.String(pattern),
		MetricTransformations: []cwltypes.MetricTransformation{{MetricName: aws.String(metric), MetricNamespace: aws.String(ns), MetricValue: aws.String("1")}}})
	if err != nil {
		h.t.Fatal(err)
	}
}

func TestSamePattern(t *testing.T) {
	byID := map[string]string{}
	for _, m := range metricChecks {
		if _, err := parsePattern(m.pattern); err != nil {
			t.Errorf("%s: CIS pattern does not parse: %v", m.id, err)
		}
		if !samePattern(m.pattern, m.pattern) {
			t.Errorf("%s: not the same as itself", m.id)
		}
		byID[m.id] = m.pattern
	}
	tests := []struct {
		a, b string
		same bool
	}{
		{byID["4.4"], strings.ReplaceAll(strings.ReplaceAll(byID["4.4"], "=", " = "), "||", " || "), true},
		{byID["4.5"], `{($.eventName=StopLogging)||($.eventName="StartLogging")||($.eventName = DeleteTrail) || ($.eventName = UpdateTrail) || ($.eventName = CreateTrail)}`, true},
		{byID["4.6"], `{ ($.errorMessage = "Failed authentication") && ($.eventName = "ConsoleLogin") }`, true},
		{byID["4.7"], `{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = ScheduleKeyDeletion) || ($.eventName = DisableKey)) }`, true},
		{byID["4.3"], `{ ($.userIdentity.type = "Root") && ($.userIdentity.invokedBy NOT EXISTS) && ($.eventType != "AwsServiceEvent") }`, true},
		// The seed wrote the root pattern for 4.5.
		{byID["4.5"], byID["4.3"], false},
		// The seed's 4.7 dropped the event source.
		{byID["4.7"], `{($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)}`, false},
		{byID["4.6"], `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed") }`, false},
		{byID["4.6"], `{ ($.eventName = ConsoleLogin) || ($.errorMessage = "Failed authentication") }`, false},
		{byID["4.3"], `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }`, false},
		{`ERROR`, `ERROR`, true},
		{`{ $.x = 1 `, `{ $.x = 1 }`, false},
	}
	for _, tt := range tests {
		if got := samePattern(tt.a, tt.b); got != tt.same {
			t.Errorf("samePattern(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
	for _, bad := range []string{`{ $.x = }`, `{ ($.x = 1 }`, `{ x = 1 }`, `{ $.x IS MAYBE }`, `{ $.x NOT THERE }`, `{ $.x = "open }`, `{ $.x ~ 1 }`} {
		if _, err := parsePattern(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

func TestMonitoringPermissionsCoverLogDelivery(t *testing.T) {
	c, _ := Lookup("4.3")
	for _, a := range logDeliveryPermissions {
		if !strings.Contains(strings.Join(c.Permissions, " "), a) {
			t.Errorf("4.3 lacks %s", a)
		}
	}
}

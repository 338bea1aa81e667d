package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// newAlarmQueue creates a queue standing for the administrator account's
// alarm queue (the suite's account plays both roles), with the policy the
// admin stack gives it: SNS may deliver from alarm topics named prefix*.
func newAlarmQueue(t *testing.T, prefix string) (url, arn string) {
	t.Helper()
	return newAlarmQueueIn(t, cfg, account, prefix)
}

// newAlarmQueueIn is newAlarmQueue in another account.
func newAlarmQueueIn(t *testing.T, c aws.Config, acct, prefix string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	name := unique("cisguard-alarms")
	arn = fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, acct, name)
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"AlarmTopics","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` + arn +
		`","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:` + prefix + `*"}}}]}`
	out, err := sqs.NewFromConfig(c).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name),
		Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): policy}})
	if err != nil {
		t.Fatalf("create alarm queue: %v", err)
	}
	t.Cleanup(func() {
		sqs.NewFromConfig(c).DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
	})
	return aws.ToString(out.QueueUrl), arn
}

// TestAlarmSubscriber is section 4 with the deployment's defaults: cisguard
// subscribes the administrator's alarm queue to the alarm topic as the
// queue's owner, SNS confirms it at once, an alarm published to the topic
// reaches the queue, and the finding is RESOLVED. The same finding with no
// subscriber configured stays NOTIFIED, naming the missing subscription.
func TestAlarmSubscriber(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	name, _, _ := newTrail(t, true)
	prefix := unique("cis-alarms")
	queueURL, queueARN := newAlarmQueue(t, prefix)

	topic := prefix + "-a"
	conf := fmt.Sprintf("notifications: {disabled: true, alarmQueueArn: %s}\ncontrols: {\"4\": {trail: %s, topic: %s}}\n", queueARN, name, topic)
	rs := run(t, controlEvent(t, finding{Control: "CloudWatch.1", CIS: "4.3", ResourceType: "AwsAccount"}), conf, 0)
	resolved(t, rs[0])

	topicARN := fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, account, topic)
	subs, err := sns.NewFromConfig(cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs.Subscriptions) != 1 || aws.ToString(subs.Subscriptions[0].Endpoint) != queueARN || !strings.HasPrefix(aws.ToString(subs.Subscriptions[0].SubscriptionArn), "arn:") {
		t.Fatalf("subscriptions of %s: %+v (want the alarm queue, confirmed)", topicARN, subs.Subscriptions)
	}
	// What the alarm publishes reaches the queue, which the Lambda forwards.
	if _, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topicARN), Subject: aws.String(`ALARM: "CIS-4.3-RootAccountUsage" in US East (N. Virginia)`),
		Message: aws.String(`{"AlarmName":"CIS-4.3-RootAccountUsage","NewStateValue":"ALARM","AWSAccountId":"` + account + `","Region":"US East (N. Virginia)"}`)}); err != nil {
		t.Fatal(err)
	}
	if subject, _ := receive(t, queueURL); !strings.Contains(subject, "CIS-4.3-RootAccountUsage") {
		t.Errorf("the queue received %q", subject)
	}

	// No alarm queue and no endpoint: the topic has no confirmed
	// subscription, which Security Hub fails, so the finding is NOTIFIED.
	conf = fmt.Sprintf("%scontrols: {\"4\": {trail: %s, topic: %s}}\n", quiet, name, prefix+"-b")
	rs = run(t, controlEvent(t, finding{Control: "CloudWatch.4", CIS: "4.4", ResourceType: "AwsAccount"}), conf, 0)
	expect(t, rs[0], "remediated")
	if w := workflow(t, rs[0].ID); w != "NOTIFIED" || !strings.Contains(rs[0].Reason, "has no confirmed subscription") {
		t.Errorf("workflow %s (%s), want NOTIFIED for a topic nobody listens to", w, rs[0].Reason)
	}
}

package alarms

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/notify"
)

const (
	queue   = "arn:aws:sqs:eu-central-1:777788889999:cisguard-remediator-alarms"
	central = "arn:aws:sns:eu-central-1:777788889999:cisguard-notifications"
)

// batch is an SQS batch of the alarm queue holding bodies.
func batch(t *testing.T, source string, bodies ...string) json.RawMessage {
	t.Helper()
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: string(rune('a' + i)), EventSourceARN: source, Body: b})
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// notification is what SNS puts in the queue for an alarm of a member topic.
func notification(t *testing.T, typ string) string {
	t.Helper()
	alarm := `{"AlarmName":"CIS-4.3-RootAccountUsage","AlarmDescription":"CIS 4.3: use of the root user (cisguard)","AWSAccountId":"444455556666","NewStateValue":"ALARM",` +
		`"NewStateReason":"Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).","StateChangeTime":"2026-11-26T10:00:00.000+0000",` +
		`"AlarmArn":"arn:aws:cloudwatch:eu-west-1:444455556666:alarm:CIS-4.3-RootAccountUsage"}`
	b, _ := json.Marshal(map[string]string{"Type": typ, "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-west-1:444455556666:cisguard-cis-alarms",
		"Subject": `ALARM: "CIS-4.3-RootAccountUsage" in EU (Ireland)`, "Message": alarm, "Timestamp": "2026-11-26T10:00:01.000Z"})
	return string(b)
}

func TestForwardsAlarmsToTheCentralTopic(t *testing.T) {
	admin := fake.NewAccount("777788889999").SNS("eu-central-1")
	admin.AddTopic("cisguard-notifications")
	f := &Forwarder{Queue: queue, Topic: central, SNS: admin, Logger: slog.New(slog.DiscardHandler)}

	if f.Owns(batch(t, "arn:aws:sqs:eu-central-1:777788889999:cisguard-remediator-findings", notification(t, "Notification"))) || f.Owns(json.RawMessage(`{"detail-type":"Security Hub Findings - Imported"}`)) {
		t.Fatal("claims a batch of another queue or an EventBridge event")
	}
	raw := batch(t, queue, notification(t, "Notification"), notification(t, "SubscriptionConfirmation"), "not json")
	if !f.Owns(raw) {
		t.Fatal("does not claim its queue's batch")
	}
	if resp := f.Forward(context.Background(), raw); len(resp.BatchItemFailures) != 0 {
		t.Errorf("failures %+v", resp.BatchItemFailures)
	}
	msgs := admin.Published(central)
	if len(msgs) != 1 {
		t.Fatalf("published %d messages, want the one alarm (confirmations and junk dropped)", len(msgs))
	}
	if msgs[0].Subject != "[cisguard] ALARM CIS-4.3-RootAccountUsage: 444455556666 eu-west-1" {
		t.Errorf("subject %q", msgs[0].Subject)
	}
	for _, want := range []string{"CIS alarm CIS-4.3-RootAccountUsage is ALARM in account 444455556666, region eu-west-1.", "Reason: Threshold Crossed", "Original notification:\n{\"AlarmName\""} {
		if !strings.Contains(msgs[0].Body, want) {
			t.Errorf("body lacks %q:\n%s", want, msgs[0].Body)
		}
	}
}

// A message that cannot be published is retried, and only that one.
func TestForwardRetriesWhatFailed(t *testing.T) {
	acct := fake.NewAccount("777788889999")
	admin := acct.SNS("eu-central-1")
	admin.AddTopic("cisguard-notifications")
	acct.Log.Fail("SNS/Publish", fake.Throttled())
	f := &Forwarder{Queue: queue, Topic: central, SNS: admin, Logger: slog.New(slog.DiscardHandler)}
	resp := f.Forward(context.Background(), batch(t, queue, notification(t, "Notification"), notification(t, "Notification")))
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "a" || len(admin.Published(central)) != 1 {
		t.Errorf("failures %+v, published %d", resp.BatchItemFailures, len(admin.Published(central)))
	}
	f.Topic = ""
	if resp := f.Forward(context.Background(), batch(t, queue, notification(t, "Notification"))); len(resp.BatchItemFailures) != 1 {
		t.Errorf("without a central topic: %+v", resp)
	}
}

// The account and region of a forwarded alarm are those of the topic SNS
// delivered it from; what the published message claims is not believed.
func TestForwardNamesTheTopicsAccountNotTheMessagesClaim(t *testing.T) {
	admin := fake.NewAccount("777788889999").SNS("eu-central-1")
	admin.AddTopic("cisguard-notifications")
	f := &Forwarder{Queue: queue, Topic: central, SNS: admin, Logger: slog.New(slog.DiscardHandler)}
	forged := strings.ReplaceAll(notification(t, "Notification"), "arn:aws:sns:eu-west-1:444455556666:", "arn:aws:sns:us-east-1:222233334444:")
	if resp := f.Forward(context.Background(), batch(t, queue, forged, notification(t, "Notification"))); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	msgs := admin.Published(central)
	if len(msgs) != 2 {
		t.Fatalf("published %d messages, want 2", len(msgs))
	}
	if msgs[0].Subject != "[cisguard] UNVERIFIED ALARM CIS-4.3-RootAccountUsage: 222233334444 us-east-1" {
		t.Errorf("subject %q", msgs[0].Subject)
	}
	for _, want := range []string{"is ALARM in account 222233334444, region us-east-1.", "Warning: the message claims account 444455556666 and alarm arn:aws:cloudwatch:eu-west-1:444455556666:"} {
		if !strings.Contains(msgs[0].Body, want) {
			t.Errorf("body lacks %q:\n%s", want, msgs[0].Body)
		}
	}
	if strings.Contains(msgs[1].Subject, "UNVERIFIED") || strings.Contains(msgs[1].Body, "Warning") {
		t.Errorf("a genuine alarm is flagged: %q\n%s", msgs[1].Subject, msgs[1].Body)
	}
}

// What a member publishes to its alarm topic is forwarded without the
// revert marker, so a saved forwarded message is never a revert record
// (cisguard revert --result reads from the marker on).
func TestForwardNeverCarriesARevertRecord(t *testing.T) {
	admin := fake.NewAccount("777788889999").SNS("eu-central-1")
	admin.AddTopic("cisguard-notifications")
	f := &Forwarder{Queue: queue, Topic: central, SNS: admin, Logger: slog.New(slog.DiscardHandler)}
	record := "To undo: save this message as a file and run cisguard revert --result FILE\n" + notify.RevertMarker + "\n{\"findings\":[]}"
	body, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "m-2", "TopicArn": "arn:aws:sns:eu-west-1:444455556666:cisguard-cis-alarms",
		"Subject": notify.RevertMarker, "Message": record})
	if resp := f.Forward(context.Background(), batch(t, queue, string(body))); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	msgs := admin.Published(central)
	if len(msgs) != 1 {
		t.Fatalf("published %d messages, want 1", len(msgs))
	}
	if strings.Contains(msgs[0].Subject, notify.RevertMarker) || strings.Contains(msgs[0].Body, notify.RevertMarker) {
		t.Errorf("forwarded a revert marker:\n%s\n%s", msgs[0].Subject, msgs[0].Body)
	}
}

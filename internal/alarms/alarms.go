// Package alarms forwards the CIS alarms of member accounts to the
// security team. Every alarm topic that section 4 sets up in a member
// account has the administrator account's alarm queue as subscriber (the
// queue's owner subscribes it, so SNS confirms it at once); the Lambda
// reads that queue and publishes each alarm, with the account and region
// it fired in, to the central notification topic.
package alarms

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/notify"
)

// Forwarder publishes the alarms that arrive in the alarm queue to the
// central topic.
type Forwarder struct {
	// Queue is the alarm queue's ARN: only its messages are forwarded.
	Queue string
	// Topic is the central topic's ARN, and SNS the client of its region
	// (the engine's own credentials).
	Topic  string
	SNS    awsapi.SNS
	Logger *slog.Logger
}

// New returns the forwarder of an alarm queue to the central topic; sns
// gives SNS in a region with the engine's own credentials.
func New(queue, topic string, sns func(region string) awsapi.SNS, log *slog.Logger) *Forwarder {
	region := ""
	if parts := strings.Split(topic, ":"); len(parts) == 6 {
		region = parts[3]
	}
	return &Forwarder{Queue: queue, Topic: topic, SNS: sns(region), Logger: log}
}

// Owns reports whether an event is an SQS batch read from the alarm queue.
func (f *Forwarder) Owns(raw json.RawMessage) bool {
	var ev events.SQSEvent
	if json.Unmarshal(raw, &ev) != nil || len(ev.Records) == 0 {
		return false
	}
	for _, r := range ev.Records {
		if r.EventSourceARN != f.Queue {
			return false
		}
	}
	return true
}

// envelope is an SNS message as SNS delivers it to a queue.
type envelope struct {
	Type, MessageId, TopicArn, Subject, Message, Timestamp string
}

// alarm is the part of a CloudWatch alarm notification the message names.
type alarm struct {
	AlarmName, AlarmDescription, AWSAccountId, NewStateValue, NewStateReason, StateChangeTime, AlarmArn string
}

// Forward publishes every alarm of an SQS batch and returns the messages
// to retry: those it could not publish. A message that is not an SNS
// notification (a subscription confirmation, which cisguard never needs
// since the queue's owner subscribes it, or anything else) is logged and
// dropped: retrying it cannot help, and confirming a subscription someone
// else made would let their topic write to the security team.
func (f *Forwarder) Forward(ctx context.Context, raw json.RawMessage) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		f.Logger.Error("alarm batch is not an SQS event", "error", err)
		return resp
	}
	for _, r := range ev.Records {
		var n envelope
		if err := json.Unmarshal([]byte(r.Body), &n); err != nil || n.Type != "Notification" || !strings.HasPrefix(n.TopicArn, "arn:") {
			f.Logger.Warn("dropped a message of the alarm queue that is not an SNS notification", "message", r.MessageId, "type", n.Type, "topic", n.TopicArn, "error", err)
			continue
		}
		subject, body := compose(n)
		if f.Topic == "" {
			f.Logger.Error("alarm not forwarded: no central topic (notifications.topicArn)", "message", r.MessageId, "subject", subject)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			continue
		}
		if _, err := f.SNS.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(f.Topic), Subject: aws.String(subject), Message: aws.String(body)}); err != nil {
			f.Logger.Error("alarm not forwarded", "message", r.MessageId, "topic", f.Topic, "error", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			continue
		}
		f.Logger.Info("alarm forwarded", "message", r.MessageId, "from", n.TopicArn, "subject", subject)
	}
	return resp
}

// maxSubject is SNS's limit on a subject (fewer than 100 characters).
const maxSubject = 99

// compose writes the forwarded message: a subject naming the alarm, its
// state, account and region, and a body that adds the reason and keeps the
// original notification.
//
// The account and region are those of the topic the notification came
// from (TopicArn, set by SNS; the queue policy admits only SNS topics).
// The message itself is whatever was published to that topic, so the
// account it claims (AWSAccountId, AlarmArn) is never believed: a member
// account that publishes to its own alarm topic cannot make its message
// look like another account's alarm. A claim that differs is shown as such.
func compose(n envelope) (subject, body string) {
	parts := strings.Split(n.TopicArn, ":")
	region, account := "?", "?"
	if len(parts) == 6 {
		region, account = parts[3], parts[4]
	}
	var a alarm
	if json.Unmarshal([]byte(n.Message), &a) != nil || a.AlarmName == "" {
		a = alarm{AlarmName: n.Subject, NewStateValue: "message"}
	}
	var claims []string
	if a.AWSAccountId != "" && a.AWSAccountId != account {
		claims = append(claims, "account "+a.AWSAccountId)
	}
	if p := strings.Split(a.AlarmArn, ":"); a.AlarmArn != "" && (len(p) < 7 || p[3] != region || p[4] != account) {
		claims = append(claims, "alarm "+a.AlarmArn)
	}
	state := a.NewStateValue
	if len(claims) > 0 {
		state = "UNVERIFIED " + state
	}
	subject = defang(fmt.Sprintf("[cisguard] %s %s: %s %s", state, a.AlarmName, account, region))
	if utf8.RuneCountInString(subject) > maxSubject {
		subject = string([]rune(subject)[:maxSubject])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CIS alarm %s is %s in account %s, region %s.\n", a.AlarmName, a.NewStateValue, account, region)
	if len(claims) > 0 {
		fmt.Fprintf(&b, "Warning: the message claims %s, but it was published to the alarm topic of account %s in %s; it is that account's message, not a verified alarm of another.\n",
			strings.Join(claims, " and "), account, region)
	}
	for _, l := range [][2]string{{"Description", a.AlarmDescription}, {"Reason", a.NewStateReason}, {"Changed", a.StateChangeTime}, {"Alarm", a.AlarmArn}} {
		if l[1] != "" {
			fmt.Fprintf(&b, "%s: %s\n", l[0], l[1])
		}
	}
	fmt.Fprintf(&b, "\nForwarded by cisguard from SNS topic %s (message %s, %s).\n\nOriginal notification:\n%s\n", n.TopicArn, n.MessageId, n.Timestamp, n.Message)
	return subject, defang(b.String())
}

// defang keeps what a member account published from passing for
// cisguard's own revert record: `cisguard revert --result` reads a saved
// notification from notify.RevertMarker on, so a forwarded message
// carrying the marker could make an operator who saves it "undo" changes
// in any account. The forwarder never carries a revert record.
func defang(body string) string {
	return strings.ReplaceAll(body, notify.RevertMarker, "--- (a revert marker in the forwarded message, removed by cisguard) ---")
}

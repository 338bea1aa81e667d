package fake

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/cisguard/cisguard/internal/perms"
)

// TestSNSSubscriptionStates models who confirms a subscription, as SNS
// does: an email waits for its owner; a queue subscribed by its own
// account is confirmed at once, across accounts only where the topic's
// policy lets that account subscribe it; a queue of another account that
// the topic's owner subscribes waits for the queue's owner.
func TestSNSSubscriptionStates(t *testing.T) {
	o := NewOrg("999988887777")
	member := o.Account("111122223333").SNS("eu-west-1")
	admin := o.Admin.SNS("eu-west-1")
	topic := member.AddTopic("alarms")
	queue := "arn:aws:sqs:us-east-1:999988887777:alarms"
	subscribe := func(s *SNS, proto, endpoint string) (string, error) {
		out, err := s.Subscribe(bg, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String(proto), Endpoint: aws.String(endpoint), ReturnSubscriptionArn: true})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.SubscriptionArn), nil
	}
	state := func(endpoint string) string {
		for _, s := range member.Subscriptions(topic) {
			if aws.ToString(s.Endpoint) == endpoint {
				return aws.ToString(s.SubscriptionArn)
			}
		}
		return "none"
	}

	// SNS's default policy lets only the owner's principals subscribe.
	_, err := subscribe(admin, "sqs", queue)
	wantCode(t, err, "AuthorizationError")
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sns:Subscribe","Resource":"` + topic +
		`","Condition":{"StringEquals":{"sns:Protocol":"sqs","sns:Endpoint":"` + queue + `"}}}]}`
	if _, err := member.SetTopicAttributes(bg, &sns.SetTopicAttributesInput{TopicArn: aws.String(topic), AttributeName: aws.String("Policy"), AttributeValue: aws.String(allow)}); err != nil {
		t.Fatal(err)
	}
	// The statement's conditions hold the administrator to that queue.
	_, err = subscribe(admin, "sqs", "arn:aws:sqs:us-east-1:999988887777:other")
	wantCode(t, err, "AuthorizationError")
	_, err = subscribe(admin, "email", "x@example.com")
	wantCode(t, err, "AuthorizationError")

	// The topic's owner subscribing another account's queue: pending.
	other := "arn:aws:sqs:eu-west-1:555566667777:soc"
	// (ReturnSubscriptionArn returns the ARN even of a pending subscription.)
	if arn, err := subscribe(member, "sqs", other); err != nil || arn == "" || state(other) != pendingConfirmation {
		t.Errorf("foreign queue: %q %v, listed %s", arn, err, state(other))
	}
	// The queue's owner subscribing it: confirmed at once.
	if arn, err := subscribe(admin, "sqs", queue); err != nil || !strings.HasPrefix(arn, topic+":") || state(queue) != arn {
		t.Errorf("queue owner: %q %v, listed %s", arn, err, state(queue))
	}
	// An email waits for its owner, who confirms with the link.
	if _, err := subscribe(member, "email", "soc@example.com"); err != nil || state("soc@example.com") != pendingConfirmation {
		t.Errorf("email: %v, listed %s", err, state("soc@example.com"))
	}
	if !member.Confirm(topic, "email", "soc@example.com") || !strings.HasPrefix(state("soc@example.com"), "arn:") || member.Confirm(topic, "email", "soc@example.com") {
		t.Errorf("confirmation: %s", state("soc@example.com"))
	}
	out, err := member.GetTopicAttributes(bg, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	if err != nil || out.Attributes["SubscriptionsConfirmed"] != "2" || out.Attributes["SubscriptionsPending"] != "1" || out.Attributes["Policy"] != allow {
		t.Errorf("attributes %v %v", out, err)
	}
	// Outside an organization there is nobody to reach.
	_, err = NewAccount("999988887777").SNS("eu-west-1").Subscribe(bg, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(queue)})
	wantCode(t, err, "AuthorizationError")
}

func TestSNSTopicPolicyAndTags(t *testing.T) {
	s := NewAccount("111122223333").SNS("eu-west-1")
	topic := s.AddTopic("alarms")
	if p := s.TopicPolicy(topic); !strings.Contains(p, `"AWS:SourceOwner":"111122223333"`) {
		t.Errorf("default policy %s", p)
	}
	for _, bad := range []string{"", "{}", "not json"} {
		_, err := s.SetTopicAttributes(bg, &sns.SetTopicAttributesInput{TopicArn: aws.String(topic), AttributeName: aws.String("Policy"), AttributeValue: aws.String(bad)})
		wantCode(t, err, "InvalidParameter")
	}
	_, err := s.SetTopicAttributes(bg, &sns.SetTopicAttributesInput{TopicArn: aws.String(topic), AttributeName: aws.String("Color"), AttributeValue: aws.String("red")})
	wantCode(t, err, "InvalidParameter")

	tags := []types.Tag{{Key: aws.String("cisguard:managed"), Value: aws.String("true")}}
	ctx := perms.Declare(bg, "4.3", []string{"sns:CreateTopic"})
	if _, err := s.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("tagged"), Tags: tags}); err == nil {
		t.Error("tags at creation accepted without sns:TagResource")
	}
	ctx = perms.Declare(bg, "4.3", []string{"sns:CreateTopic", "sns:TagResource"})
	out, err := s.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("tagged"), Tags: tags})
	if err != nil || s.TopicTags(aws.ToString(out.TopicArn))["cisguard:managed"] != "true" {
		t.Errorf("tagged topic: %v %v", out, err)
	}
	_, err = s.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("tagged"), Tags: []types.Tag{{Key: aws.String("cisguard:managed"), Value: aws.String("no")}}})
	wantCode(t, err, "InvalidParameter")
}

// TestSNSUnsubscribe models who may delete a subscription: the topic's
// owner or the subscription's, across accounts of the organization; a
// subscription that does not exist is NotFound, and a pending one has no
// ARN to name.
func TestSNSUnsubscribe(t *testing.T) {
	o := NewOrg("999988887777")
	member := o.Account("111122223333").SNS("eu-west-1")
	admin := o.Admin.SNS("eu-west-1")
	third := o.Account("555566667777").SNS("eu-west-1")
	topic := member.AddTopic("alarms")
	allow := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"999988887777"},"Action":"sns:Subscribe","Resource":"` + topic + `"}]}`
	if _, err := member.SetTopicAttributes(bg, &sns.SetTopicAttributesInput{TopicArn: aws.String(topic), AttributeName: aws.String("Policy"), AttributeValue: aws.String(allow)}); err != nil {
		t.Fatal(err)
	}
	// The administrator subscribes its own queue: confirmed at once.
	out, err := admin.Subscribe(bg, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:eu-west-1:999988887777:a"), ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	mine := aws.ToString(out.SubscriptionArn)
	theirs := member.AddSubscription(topic, "sqs", "arn:aws:sqs:eu-west-1:111122223333:b")
	unsubscribe := func(s *SNS, arn string) error {
		_, err := s.Unsubscribe(bg, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)})
		return err
	}

	// Neither the topic's owner nor the subscription's: refused.
	wantCode(t, unsubscribe(third, mine), "AuthorizationError")
	// The subscription's owner, across accounts.
	if err := unsubscribe(admin, mine); err != nil {
		t.Fatalf("subscription owner: %v", err)
	}
	wantCode(t, unsubscribe(admin, mine), "NotFound")
	// The topic's owner, of a subscription of its own account.
	if err := unsubscribe(member, theirs); err != nil {
		t.Fatalf("topic owner: %v", err)
	}
	if n := len(member.Subscriptions(topic)); n != 0 {
		t.Errorf("%d subscriptions left", n)
	}
	wantCode(t, unsubscribe(member, topic+":no-such-subscription"), "NotFound")
	wantCode(t, unsubscribe(member, "arn:aws:sns:eu-west-1:444455556666:alarms:x"), "NotFound")
	wantCode(t, unsubscribe(member, "arn:aws:sns:us-east-1:111122223333:alarms:x"), "InvalidParameter")
	wantCode(t, unsubscribe(member, pendingConfirmation), "InvalidParameter")
	// Outside an organization there is nobody to reach.
	wantCode(t, unsubscribe(NewAccount("999988887777").SNS("eu-west-1"), theirs), "NotFound")
}

package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// SNS is a fake SNS client in one region. Topics are regional: a topic
// ARN of another region is refused, as SNS refuses it.
type SNS struct{ svc }

// Message is a message published to a fake topic.
type Message struct {
	Subject, Body string
	Attributes    map[string]types.MessageAttributeValue
}

// pendingConfirmation is what SNS shows as the ARN of a subscription that
// its endpoint has not confirmed yet.
const pendingConfirmation = "PendingConfirmation"

// MaxMessageBytes is the largest message SNS accepts by default (256 KiB).
const MaxMessageBytes = 262144

type topic struct {
	arn, name  string
	attributes map[string]string
	subs       []types.Subscription
	published  []Message
}

type snsState struct {
	topics []*topic
	seq    int
}

func (c clients) SNS() awsapi.SNS { return c.a.SNS(c.region) }

// SNS returns the account's SNS in a region.
func (a *Account) SNS(region string) *SNS { return &SNS{svc{a, region, "SNS"}} }

func (s *SNS) st() *snsState {
	return stateOf(s.a, "sns/"+s.region, func() *snsState { return &snsState{} })
}

func (st *snsState) find(arn string) *topic {
	for _, t := range st.topics {
		if t.arn == arn {
			return t
		}
	}
	return nil
}

func (s *SNS) topicARN(name string) string {
	return "arn:" + s.a.Partition + ":sns:" + s.region + ":" + s.a.ID + ":" + name
}

// AddTopic seeds a topic and returns its ARN.
func (s *SNS) AddTopic(name string) string {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	t := &topic{arn: s.topicARN(name), name: name, attributes: map[string]string{}}
	s.st().topics = append(s.st().topics, t)
	return t.arn
}

// AddSubscription seeds a confirmed subscription and returns its ARN.
func (s *SNS) AddSubscription(topicARN, protocol, endpoint string) string {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	t := s.st().find(topicARN)
	if t == nil {
		panic("fake SNS: no topic " + topicARN)
	}
	return s.subscribe(t, protocol, endpoint, true)
}

// Subscriptions returns a topic's subscriptions.
func (s *SNS) Subscriptions(topicARN string) []types.Subscription {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	if t := s.st().find(topicARN); t != nil {
		return slices.Clone(t.subs)
	}
	return nil
}

// Published returns the messages published to a topic.
func (s *SNS) Published(topicARN string) []Message {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	if t := s.st().find(topicARN); t != nil {
		return slices.Clone(t.published)
	}
	return nil
}

func (s *SNS) subscribe(t *topic, protocol, endpoint string, confirmed bool) string {
	s.st().seq++
	arn := fmt.Sprintf("%s:%08d-0000-4000-8000-%012d", t.arn, s.st().seq, s.st().seq)
	shown := arn
	if !confirmed {
		shown = pendingConfirmation
	}
	t.subs = append(t.subs, types.Subscription{SubscriptionArn: aws.String(shown), TopicArn: aws.String(t.arn), Protocol: aws.String(protocol), Endpoint: aws.String(endpoint), Owner: aws.String(s.a.ID)})
	return arn
}

// topic finds a topic by ARN; a topic of another region or account is
// refused the way SNS refuses it.
func (s *SNS) topic(arn *string) (*topic, error) {
	a := aws.ToString(arn)
	parts := strings.Split(a, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" {
		return nil, APIError("InvalidParameter", "Invalid parameter: TopicArn")
	}
	if parts[3] != s.region {
		return nil, APIError("InvalidParameter", "Invalid parameter: TopicArn (topic is in %s, client in %s)", parts[3], s.region)
	}
	t := s.st().find(a)
	if t == nil {
		return nil, APIError("NotFound", "Topic does not exist")
	}
	return t, nil
}

var topicName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// ListTopics pages by 100, as SNS does.
func (s *SNS) ListTopics(ctx context.Context, in *sns.ListTopicsInput, _ ...func(*sns.Options)) (*sns.ListTopicsOutput, error) {
	unlock, err := s.call(ctx, "ListTopics")
	defer unlock()
	if err != nil {
		return nil, err
	}
	var all []types.Topic
	for _, t := range s.st().topics {
		all = append(all, types.Topic{TopicArn: aws.String(t.arn)})
	}
	items, next, err := page(all, in.NextToken, 0, 100)
	if err != nil {
		return nil, err
	}
	return &sns.ListTopicsOutput{Topics: items, NextToken: next}, nil
}

// CreateTopic is idempotent by name: the same name with the same
// attributes returns the existing topic; other attributes are refused.
func (s *SNS) CreateTopic(ctx context.Context, in *sns.CreateTopicInput, _ ...func(*sns.Options)) (*sns.CreateTopicOutput, error) {
	unlock, err := s.call(ctx, "CreateTopic")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.Name)
	base, fifo := strings.CutSuffix(name, ".fifo")
	if !topicName.MatchString(base) || len(name) > 256 {
		return nil, APIError("InvalidParameter", "Invalid parameter: Topic Name")
	}
	if fifo != (in.Attributes["FifoTopic"] == "true") {
		return nil, APIError("InvalidParameter", "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
	}
	arn := s.topicARN(name)
	if t := s.st().find(arn); t != nil {
		for k, v := range in.Attributes {
			if t.attributes[k] != v {
				return nil, APIError("InvalidParameter", "Invalid parameter: Attributes Reason: Topic already exists with different attributes")
			}
		}
		return &sns.CreateTopicOutput{TopicArn: aws.String(arn)}, nil
	}
	attrs := map[string]string{}
	maps.Copy(attrs, in.Attributes)
	s.st().topics = append(s.st().topics, &topic{arn: arn, name: name, attributes: attrs})
	return &sns.CreateTopicOutput{TopicArn: aws.String(arn)}, nil
}

// ListSubscriptionsByTopic pages by 100; unconfirmed subscriptions show
// PendingConfirmation as their ARN.
func (s *SNS) ListSubscriptionsByTopic(ctx context.Context, in *sns.ListSubscriptionsByTopicInput, _ ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error) {
	unlock, err := s.call(ctx, "ListSubscriptionsByTopic")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, err := s.topic(in.TopicArn)
	if err != nil {
		return nil, err
	}
	items, next, err := page(t.subs, in.NextToken, 0, 100)
	if err != nil {
		return nil, err
	}
	return &sns.ListSubscriptionsByTopicOutput{Subscriptions: slices.Clone(items), NextToken: next}, nil
}

var emailAddress = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// Subscribe validates the endpoint for its protocol. Email and HTTP(S)
// subscriptions stay pending until confirmed; subscribing the same
// endpoint again returns the existing subscription.
func (s *SNS) Subscribe(ctx context.Context, in *sns.SubscribeInput, _ ...func(*sns.Options)) (*sns.SubscribeOutput, error) {
	unlock, err := s.call(ctx, "Subscribe")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, err := s.topic(in.TopicArn)
	if err != nil {
		return nil, err
	}
	proto, endpoint := aws.ToString(in.Protocol), aws.ToString(in.Endpoint)
	confirmed := false
	switch proto {
	case "email", "email-json":
		if !emailAddress.MatchString(endpoint) {
			return nil, APIError("InvalidParameter", "Invalid parameter: Email address")
		}
	case "http", "https":
		if !strings.HasPrefix(endpoint, proto+"://") {
			return nil, APIError("InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol")
		}
	case "sqs", "lambda", "firehose":
		if !strings.HasPrefix(endpoint, "arn:") {
			return nil, APIError("InvalidParameter", "Invalid parameter: Endpoint must be an ARN for protocol %s", proto)
		}
		confirmed = true
	case "sms", "application":
		confirmed = true
	default:
		return nil, APIError("InvalidParameter", "Invalid parameter: Amazon SNS does not support this protocol string: %s", proto)
	}
	for _, sub := range t.subs {
		if aws.ToString(sub.Protocol) == proto && aws.ToString(sub.Endpoint) == endpoint {
			arn := aws.ToString(sub.SubscriptionArn)
			if arn == pendingConfirmation && !in.ReturnSubscriptionArn {
				arn = "pending confirmation"
			}
			return &sns.SubscribeOutput{SubscriptionArn: aws.String(arn)}, nil
		}
	}
	arn := s.subscribe(t, proto, endpoint, confirmed)
	if !confirmed && !in.ReturnSubscriptionArn {
		arn = "pending confirmation"
	}
	return &sns.SubscribeOutput{SubscriptionArn: aws.String(arn)}, nil
}

// Publish accepts messages to an existing topic of the client's region,
// with SNS's limits: a subject, when given, is 1 to 99 characters without
// line breaks or control characters; the message is not empty and at most
// 256 KiB together with its attributes.
func (s *SNS) Publish(ctx context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	unlock, err := s.call(ctx, "Publish")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if in.TopicArn == nil {
		return nil, APIError("InvalidParameter", "Invalid parameter: the fake publishes to topics only (TopicArn)")
	}
	t, err := s.topic(in.TopicArn)
	if err != nil {
		return nil, err
	}
	if in.Subject != nil {
		sub := *in.Subject
		if sub == "" || len([]rune(sub)) >= 100 || strings.IndexFunc(sub, unicode.IsControl) >= 0 {
			return nil, APIError("InvalidParameter", "Invalid parameter: Subject")
		}
	}
	msg := aws.ToString(in.Message)
	if msg == "" {
		return nil, APIError("InvalidParameter", "Invalid parameter: Empty message")
	}
	size := len(msg)
	for k, v := range in.MessageAttributes {
		size += len(k) + len(aws.ToString(v.DataType)) + len(aws.ToString(v.StringValue)) + len(v.BinaryValue)
	}
	if size > MaxMessageBytes {
		return nil, APIError("InvalidParameter", "Invalid parameter: Message too long")
	}
	if aws.ToString(in.MessageStructure) == "json" {
		var m map[string]any
		if err := json.Unmarshal([]byte(msg), &m); err != nil {
			return nil, APIError("InvalidParameter", "Invalid parameter: Message Structure - JSON message body failed to parse")
		}
		if _, ok := m["default"].(string); !ok {
			return nil, APIError("InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")
		}
	}
	t.published = append(t.published, Message{Subject: aws.ToString(in.Subject), Body: msg, Attributes: maps.Clone(in.MessageAttributes)})
	s.st().seq++
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("00000000-0000-4000-8000-%012d", s.st().seq))}, nil
}

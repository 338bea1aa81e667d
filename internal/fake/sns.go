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
	"github.com/cisguard/cisguard/internal/perms"
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
	arn, name, owner string
	// attributes are those set at creation or with SetTopicAttributes;
	// Policy holds the access policy (SNS's default one unless set).
	attributes map[string]string
	tags       map[string]string
	subs       []types.Subscription
	published  []Message
	// seq numbers the topic's subscription ARNs: one counter a topic, as
	// subscribers of other accounts reach it through their own clients.
	seq int
}

// subscriptionARN returns a new subscription ARN of the topic.
func (t *topic) subscriptionARN() string {
	t.seq++
	return fmt.Sprintf("%s:%08d-0000-4000-8000-%012d", t.arn, t.seq, t.seq)
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

// AddTopic seeds a topic with SNS's default access policy and returns its ARN.
func (s *SNS) AddTopic(name string) string {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	return s.newTopic(name, nil, nil).arn
}

func (s *SNS) newTopic(name string, attrs, tags map[string]string) *topic {
	t := &topic{arn: s.topicARN(name), name: name, owner: s.a.ID, attributes: map[string]string{}, tags: maps.Clone(tags)}
	maps.Copy(t.attributes, attrs)
	if t.attributes["Policy"] == "" {
		t.attributes["Policy"] = defaultTopicPolicy(t.arn, s.a.ID)
	}
	s.st().topics = append(s.st().topics, t)
	return t
}

// defaultTopicPolicy is the access policy SNS gives a new topic: the
// owner's principals may use it, nobody else.
func defaultTopicPolicy(arn, owner string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},` +
		`"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],` +
		`"Resource":"` + arn + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + owner + `"}}}]}`
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

// Confirm confirms a pending subscription, as its endpoint does with the
// token SNS sent it (an email's link, a queue's SubscriptionConfirmation
// message); it reports whether one was pending.
func (s *SNS) Confirm(topicARN, protocol, endpoint string) bool {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	t := s.st().find(topicARN)
	if t == nil {
		return false
	}
	for i, sub := range t.subs {
		if aws.ToString(sub.Protocol) == protocol && aws.ToString(sub.Endpoint) == endpoint && aws.ToString(sub.SubscriptionArn) == pendingConfirmation {
			t.subs[i].SubscriptionArn = aws.String(t.subscriptionARN())
			return true
		}
	}
	return false
}

// TopicTags returns the tags a topic was created with.
func (s *SNS) TopicTags(topicARN string) map[string]string {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	if t := s.st().find(topicARN); t != nil {
		return maps.Clone(t.tags)
	}
	return nil
}

// TopicPolicy returns a topic's access policy.
func (s *SNS) TopicPolicy(topicARN string) string {
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	if t := s.st().find(topicARN); t != nil {
		return t.attributes["Policy"]
	}
	return ""
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
	arn := t.subscriptionARN()
	shown := arn
	if !confirmed {
		shown = pendingConfirmation
	}
	t.subs = append(t.subs, types.Subscription{SubscriptionArn: aws.String(shown), TopicArn: aws.String(t.arn), Protocol: aws.String(protocol), Endpoint: aws.String(endpoint), Owner: aws.String(s.a.ID)})
	return arn
}

// topic finds a topic by ARN for the caller's operation action; a topic of
// another region is refused the way SNS refuses it, and a topic of another
// account only when its access policy allows the caller's account the
// action under the request's condition values (req: sns:Protocol, …).
// unlock releases the other account's state.
func (s *SNS) topic(arn *string, action string, req map[string]string) (t *topic, unlock func(), err error) {
	unlock = func() {}
	a := aws.ToString(arn)
	parts := strings.Split(a, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" {
		return nil, unlock, APIError("InvalidParameter", "Invalid parameter: TopicArn")
	}
	if parts[3] != s.region {
		return nil, unlock, APIError("InvalidParameter", "Invalid parameter: TopicArn (topic is in %s, client in %s)", parts[3], s.region)
	}
	st, unlock := s.stateFor(parts[4])
	if st == nil {
		return nil, unlock, APIError("AuthorizationError", "User: arn:%s:iam::%s:root is not authorized to perform: SNS:%s on resource: %s", s.a.Partition, s.a.ID, action, a)
	}
	if t = st.find(a); t == nil {
		return nil, unlock, APIError("NotFound", "Topic does not exist")
	}
	if t.owner != s.a.ID && !allowsAccount(t.attributes["Policy"], s.a.Partition, s.a.ID, "sns:"+action, req) {
		return nil, unlock, APIError("AuthorizationError", "User: arn:%s:iam::%s:root is not authorized to perform: SNS:%s on resource: %s", s.a.Partition, s.a.ID, action, a)
	}
	return t, unlock, nil
}

// stateFor returns the region's SNS state of a topic owner: the caller's
// own, or that of another account of the organization, locked until
// unlock; nil when the owner is no account the caller can reach.
func (s *SNS) stateFor(owner string) (st *snsState, unlock func()) {
	if owner == s.a.ID {
		return s.st(), func() {}
	}
	var other *Account
	if s.a.peer != nil {
		other = s.a.peer(owner)
	}
	if other == nil {
		return nil, func() {}
	}
	other.mu.Lock()
	return other.SNS(s.region).st(), other.mu.Unlock
}

// allowsAccount reports whether a resource policy allows an account's
// principals an action: an Allow statement naming the account (or "*"),
// matching the action, every condition of which the request's values
// satisfy. A condition on a key the request does not carry does not hold
// (aws:SourceOwner in SNS's default policy is such a key for a caller).
func allowsAccount(doc, partition, account, action string, req map[string]string) bool {
	for _, st := range statements(doc) {
		if st["Effect"] != "Allow" || !namesAccount(st["Principal"], partition, account) ||
			!slices.ContainsFunc(anyStrings(st["Action"]), func(a string) bool { return glob(strings.ToLower(a), strings.ToLower(action)) }) {
			continue
		}
		if conditionsHold(st["Condition"], req) {
			return true
		}
	}
	return false
}

func namesAccount(principal any, partition, account string) bool {
	if principal == "*" {
		return true
	}
	p, _ := principal.(map[string]any)
	return slices.ContainsFunc(anyStrings(p["AWS"]), func(v string) bool {
		return v == "*" || v == account || v == "arn:"+partition+":iam::"+account+":root"
	})
}

func conditionsHold(cond any, req map[string]string) bool {
	ops, _ := cond.(map[string]any)
	for op, v := range ops {
		kv, _ := v.(map[string]any)
		for k, want := range kv {
			got, ok := "", false
			for rk, rv := range req {
				if strings.EqualFold(rk, k) {
					got, ok = rv, true
				}
			}
			if !ok {
				return false
			}
			switch op {
			case "StringEquals", "ArnEquals":
				ok = slices.Contains(anyStrings(want), got)
			case "StringLike", "ArnLike":
				ok = matchesAny(anyStrings(want), got)
			default:
				ok = false
			}
			if !ok {
				return false
			}
		}
	}
	return true
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
// attributes and tags returns the existing topic; other attributes, or a
// tag the topic does not have, are refused. Tags need sns:TagResource.
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
	if len(in.Tags) > 0 {
		// Tags at creation are authorized by sns:TagResource as well.
		if err := perms.Check(ctx, "SNS", "TagResource"); err != nil {
			return nil, err
		}
	}
	tags := map[string]string{}
	for _, tag := range in.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	arn := s.topicARN(name)
	if t := s.st().find(arn); t != nil {
		for k, v := range in.Attributes {
			if t.attributes[k] != v {
				return nil, APIError("InvalidParameter", "Invalid parameter: Attributes Reason: Topic already exists with different attributes")
			}
		}
		for k, v := range tags {
			if t.tags[k] != v {
				return nil, APIError("InvalidParameter", "Invalid parameter: Tags Reason: Topic already exists with different tags")
			}
		}
		return &sns.CreateTopicOutput{TopicArn: aws.String(arn)}, nil
	}
	return &sns.CreateTopicOutput{TopicArn: aws.String(s.newTopic(name, in.Attributes, tags).arn)}, nil
}

// ListSubscriptionsByTopic pages by 100; unconfirmed subscriptions show
// PendingConfirmation as their ARN.
func (s *SNS) ListSubscriptionsByTopic(ctx context.Context, in *sns.ListSubscriptionsByTopicInput, _ ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error) {
	unlock, err := s.call(ctx, "ListSubscriptionsByTopic")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, release, err := s.topic(in.TopicArn, "ListSubscriptionsByTopic", nil)
	defer release()
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
// subscriptions stay pending until their endpoint confirms them. A queue
// or function subscription is confirmed at once when the caller's account
// owns the endpoint (the queue owner subscribing, across accounts if the
// topic's policy allows it); one that the topic owner makes for another
// account's queue stays pending until that account confirms it.
// Subscribing the same endpoint again returns the existing subscription.
func (s *SNS) Subscribe(ctx context.Context, in *sns.SubscribeInput, _ ...func(*sns.Options)) (*sns.SubscribeOutput, error) {
	unlock, err := s.call(ctx, "Subscribe")
	defer unlock()
	if err != nil {
		return nil, err
	}
	proto, endpoint := aws.ToString(in.Protocol), aws.ToString(in.Endpoint)
	t, release, err := s.topic(in.TopicArn, "Subscribe", map[string]string{"sns:Protocol": proto, "sns:Endpoint": endpoint})
	defer release()
	if err != nil {
		return nil, err
	}
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
		parts := strings.Split(endpoint, ":")
		if len(parts) < 6 || parts[0] != "arn" {
			return nil, APIError("InvalidParameter", "Invalid parameter: Endpoint must be an ARN for protocol %s", proto)
		}
		confirmed = parts[4] == s.a.ID
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

// GetTopicAttributes returns the topic's attributes, its access policy
// and subscription counts among them.
func (s *SNS) GetTopicAttributes(ctx context.Context, in *sns.GetTopicAttributesInput, _ ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error) {
	unlock, err := s.call(ctx, "GetTopicAttributes")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, release, err := s.topic(in.TopicArn, "GetTopicAttributes", nil)
	defer release()
	if err != nil {
		return nil, err
	}
	attrs := maps.Clone(t.attributes)
	confirmed, pending := 0, 0
	for _, sub := range t.subs {
		if aws.ToString(sub.SubscriptionArn) == pendingConfirmation {
			pending++
		} else {
			confirmed++
		}
	}
	attrs["TopicArn"], attrs["Owner"] = t.arn, t.owner
	attrs["SubscriptionsConfirmed"], attrs["SubscriptionsPending"] = fmt.Sprint(confirmed), fmt.Sprint(pending)
	return &sns.GetTopicAttributesOutput{Attributes: attrs}, nil
}

// SetTopicAttributes sets one attribute; a Policy must be a JSON policy
// document with statements.
func (s *SNS) SetTopicAttributes(ctx context.Context, in *sns.SetTopicAttributesInput, _ ...func(*sns.Options)) (*sns.SetTopicAttributesOutput, error) {
	unlock, err := s.call(ctx, "SetTopicAttributes")
	defer unlock()
	if err != nil {
		return nil, err
	}
	t, release, err := s.topic(in.TopicArn, "SetTopicAttributes", nil)
	defer release()
	if err != nil {
		return nil, err
	}
	name, value := aws.ToString(in.AttributeName), aws.ToString(in.AttributeValue)
	switch name {
	case "Policy":
		if len(statements(value)) == 0 {
			return nil, APIError("InvalidParameter", "Invalid parameter: Policy Error: null")
		}
	case "DisplayName", "DeliveryPolicy", "KmsMasterKeyId", "TracingConfig", "SignatureVersion":
	default:
		return nil, APIError("InvalidParameter", "Invalid parameter: AttributeName")
	}
	t.attributes[name] = value
	return &sns.SetTopicAttributesOutput{}, nil
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
	t, release, err := s.topic(in.TopicArn, "Publish", nil)
	defer release()
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

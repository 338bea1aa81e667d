package fake

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cisguard/cisguard/internal/awsapi"
)

var bg = context.Background()

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !awsapi.HasCode(err, code) {
		t.Errorf("err = %v, want %s", err, code)
	}
}

func TestSNSPublish(t *testing.T) {
	a := NewAccount("111122223333")
	s := a.SNS("eu-west-1")
	topic := s.AddTopic("alerts")
	if _, err := s.Publish(bg, &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String("CIS 4.3"), Message: aws.String("root used")}); err != nil {
		t.Fatal(err)
	}
	if got := s.Published(topic); len(got) != 1 || got[0].Subject != "CIS 4.3" || got[0].Body != "root used" {
		t.Errorf("published %+v", got)
	}
	tests := []struct {
		name string
		in   sns.PublishInput
		code string
	}{
		{"missing topic", sns.PublishInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:111122223333:nope"), Message: aws.String("x")}, "NotFound"},
		{"topic of another region", sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:111122223333:alerts"), Message: aws.String("x")}, "InvalidParameter"},
		{"empty subject", sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String(""), Message: aws.String("x")}, "InvalidParameter"},
		{"100-character subject", sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String(strings.Repeat("s", 100)), Message: aws.String("x")}, "InvalidParameter"},
		{"subject with a line break", sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String("a\nb"), Message: aws.String("x")}, "InvalidParameter"},
		{"empty message", sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("")}, "InvalidParameter"},
		{"message over 256 KiB", sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(strings.Repeat("m", MaxMessageBytes+1))}, "InvalidParameter"},
		{"json without default", sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"email":"x"}`), MessageStructure: aws.String("json")}, "InvalidParameter"},
	}
	for _, tt := range tests {
		_, err := s.Publish(bg, &tt.in)
		if !awsapi.HasCode(err, tt.code) {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.code)
		}
	}
	if _, err := s.Publish(bg, &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String(strings.Repeat("s", 99)), Message: aws.String(strings.Repeat("m", MaxMessageBytes))}); err != nil {
		t.Errorf("limits are inclusive: %v", err)
	}
	if n := len(s.Published(topic)); n != 2 {
		t.Errorf("%d messages kept, want 2", n)
	}
}

func TestSNSTopicsAndSubscriptions(t *testing.T) {
	a := NewAccount("111122223333")
	s := a.SNS("eu-west-1")
	out, err := s.CreateTopic(bg, &sns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateTopic(bg, &sns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil || *again.TopicArn != *out.TopicArn {
		t.Errorf("CreateTopic not idempotent: %v %v", again, err)
	}
	_, err = s.CreateTopic(bg, &sns.CreateTopicInput{Name: aws.String("alerts"), Attributes: map[string]string{"DisplayName": "x"}})
	wantCode(t, err, "InvalidParameter")
	_, err = s.CreateTopic(bg, &sns.CreateTopicInput{Name: aws.String("bad name")})
	wantCode(t, err, "InvalidParameter")
	for i := 0; i < 150; i++ {
		s.AddTopic("t" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	var n int
	for pages := sns.NewListTopicsPaginator(s, &sns.ListTopicsInput{}); pages.HasMorePages(); {
		pg, err := pages.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Topics) > 100 {
			t.Errorf("page of %d", len(pg.Topics))
		}
		n += len(pg.Topics)
	}
	if n != 151 {
		t.Errorf("listed %d topics", n)
	}
	sub, err := s.Subscribe(bg, &sns.SubscribeInput{TopicArn: out.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("soc@example.com")})
	if err != nil || *sub.SubscriptionArn != "pending confirmation" {
		t.Errorf("subscribe: %v %v", sub, err)
	}
	subs, _ := s.ListSubscriptionsByTopic(bg, &sns.ListSubscriptionsByTopicInput{TopicArn: out.TopicArn})
	if len(subs.Subscriptions) != 1 || *subs.Subscriptions[0].SubscriptionArn != "PendingConfirmation" {
		t.Errorf("subscriptions %+v", subs.Subscriptions)
	}
	_, err = s.Subscribe(bg, &sns.SubscribeInput{TopicArn: out.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("not an address")})
	wantCode(t, err, "InvalidParameter")
	_, err = s.ListSubscriptionsByTopic(bg, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:111122223333:gone")})
	wantCode(t, err, "NotFound")
}

// cloudTrailBucket seeds a bucket whose policy lets CloudTrail write.
func cloudTrailBucket(a *Account, name, region string) {
	a.AddBucket(name, region).Policy = `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::` + name + `"},` +
		`{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + name + `/AWSLogs/111122223333/*","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org"}}}]}`
}

func TestCloudTrailRegions(t *testing.T) {
	a := NewAccount("111122223333")
	home, other := a.CloudTrail("us-east-1"), a.CloudTrail("eu-west-1")
	cloudTrailBucket(a, "logs", "us-west-2")
	if _, err := home.CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("logs"), IsMultiRegionTrail: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	home.AddTrail(Trail{Trail: types.Trail{Name: aws.String("local"), S3BucketName: aws.String("logs")}})
	arn := "arn:aws:cloudtrail:us-east-1:111122223333:trail/org"

	// Shadows: the multi-region trail shows everywhere, the local one at home only.
	for _, tt := range []struct {
		c       *CloudTrail
		shadows *bool
		want    int
	}{{home, nil, 2}, {other, nil, 1}, {other, aws.Bool(false), 0}} {
		out, err := tt.c.DescribeTrails(bg, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: tt.shadows})
		if err != nil || len(out.TrailList) != tt.want {
			t.Errorf("%s shadows=%v: %d trails, want %d (%v)", tt.c.region, tt.shadows, len(out.TrailList), tt.want, err)
		}
	}
	// Reads by ARN from anywhere; changes only at home.
	if st, err := other.GetTrailStatus(bg, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)}); err != nil || *st.IsLogging {
		t.Errorf("status: %v %v", st, err)
	}
	_, err := other.GetTrailStatus(bg, &cloudtrail.GetTrailStatusInput{Name: aws.String("org")})
	wantCode(t, err, "TrailNotFoundException")
	_, err = other.StartLogging(bg, &cloudtrail.StartLoggingInput{Name: aws.String(arn)})
	wantCode(t, err, "InvalidHomeRegionException")
	_, err = other.UpdateTrail(bg, &cloudtrail.UpdateTrailInput{Name: aws.String("org"), EnableLogFileValidation: aws.Bool(true)})
	wantCode(t, err, "InvalidHomeRegionException")
	_, err = other.PutEventSelectors(bg, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(arn), EventSelectors: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll}}})
	wantCode(t, err, "InvalidHomeRegionException")
	if _, err := home.StartLogging(bg, &cloudtrail.StartLoggingInput{Name: aws.String("org")}); err != nil || !home.Trail("org").Logging {
		t.Errorf("start logging at home: %v", err)
	}
}

func TestCloudTrailValidation(t *testing.T) {
	a := NewAccount("111122223333")
	ct := a.CloudTrail("us-east-1")
	a.AddBucket("open", "us-east-1")
	_, err := ct.CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("open")})
	wantCode(t, err, "InsufficientS3BucketPolicyException")
	_, err = ct.CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("missing")})
	wantCode(t, err, "S3BucketDoesNotExistException")
	cloudTrailBucket(a, "logs", "us-east-1")
	// The policy's aws:SourceArn names trail "org" only.
	_, err = ct.CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("other"), S3BucketName: aws.String("logs")})
	wantCode(t, err, "InsufficientS3BucketPolicyException")
	_, err = ct.CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("a--b"), S3BucketName: aws.String("logs")})
	wantCode(t, err, "InvalidTrailNameException")
	_, err = ct.CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("logs"), IsMultiRegionTrail: aws.Bool(true), IncludeGlobalServiceEvents: aws.Bool(false)})
	wantCode(t, err, "InvalidParameterCombinationException")
	if _, err := ct.CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}
	_, err = ct.CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("logs")})
	wantCode(t, err, "TrailAlreadyExistsException")

	group := "arn:aws:logs:us-east-1:111122223333:log-group:trail:*"
	_, err = ct.UpdateTrail(bg, &cloudtrail.UpdateTrailInput{Name: aws.String("org"), CloudWatchLogsLogGroupArn: aws.String(group)})
	wantCode(t, err, "InvalidCloudWatchLogsLogGroupArnException")
	a.Logs("us-east-1").AddLogGroup("trail")
	_, err = ct.UpdateTrail(bg, &cloudtrail.UpdateTrailInput{Name: aws.String("org"), CloudWatchLogsLogGroupArn: aws.String(group)})
	wantCode(t, err, "InvalidCloudWatchLogsRoleArnException")
	r := a.AddRole("ct", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	_, err = ct.UpdateTrail(bg, &cloudtrail.UpdateTrailInput{Name: aws.String("org"), CloudWatchLogsLogGroupArn: aws.String(group), CloudWatchLogsRoleArn: aws.String(r.ARN)})
	wantCode(t, err, "InvalidCloudWatchLogsRoleArnException") // may not write yet
	r.Inline["w"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"arn:aws:logs:us-east-1:111122223333:log-group:trail:log-stream:*"}]}`
	if _, err := ct.UpdateTrail(bg, &cloudtrail.UpdateTrailInput{Name: aws.String("org"), CloudWatchLogsLogGroupArn: aws.String(group), CloudWatchLogsRoleArn: aws.String(r.ARN)}); err != nil {
		t.Fatal(err)
	}

	_, err = ct.UpdateTrail(bg, &cloudtrail.UpdateTrailInput{Name: aws.String("org"), KmsKeyId: aws.String("alias/none")})
	wantCode(t, err, "KmsKeyNotFoundException")
	a.KMS("us-east-1").AddKey(Key{Aliases: []string{"alias/plain"}})
	_, err = ct.UpdateTrail(bg, &cloudtrail.UpdateTrailInput{Name: aws.String("org"), KmsKeyId: aws.String("alias/plain")})
	wantCode(t, err, "InsufficientEncryptionPolicyException")

	_, err = ct.PutEventSelectors(bg, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("org"), EventSelectors: make([]types.EventSelector, 6)})
	wantCode(t, err, "InvalidEventSelectorsException")
	_, err = ct.PutEventSelectors(bg, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("org"), AdvancedEventSelectors: []types.AdvancedEventSelector{{FieldSelectors: []types.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Data"}}}}}})
	wantCode(t, err, "InvalidEventSelectorsException")
}

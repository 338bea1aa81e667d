package e2e

// Controls Security Hub's CIS v1.4.0 standard does not check (1.2, 1.19,
// 2.1.1, 3.10, 3.11, 4.1, 4.2, 4.15): no finding ever names them, so each
// case scans an account of its own (FAIL), runs `scan --remediate`, reads
// the state back and scans again (PASS).

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acct "github.com/aws/aws-sdk-go-v2/service/account"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// remediated checks that scan --remediate fixed one result of each control.
func remediated(t *testing.T, rs []result, controls ...string) {
	t.Helper()
	var got []string
	for _, r := range rs {
		got = append(got, r.CIS)
		if r.Decision != "remediated" {
			t.Errorf("%s %s: %s (%s); actions %+v", r.CIS, r.Resource, r.Decision, r.Reason, r.Actions)
		}
	}
	slices.Sort(got)
	slices.Sort(controls)
	if !slices.Equal(got, controls) {
		t.Errorf("remediated %v, want %v", got, controls)
	}
}

func TestSecurityContactFromConfiguration(t *testing.T) { // 1.2
	requireEndpoint(t)
	a := newAccount(t)
	res := "1.2 AWS::::Account:" + a.ID
	contact := `controls: {"1.2": {name: Security Team, title: Security, emailAddress: security@example.com, phoneNumber: "+1 555 0100"}}` + "\n"

	// No contact configured: FAIL, and nothing cisguard can register.
	code, got, stderr := a.scan(t, quiet, "1.2")
	if code != 1 {
		t.Fatalf("scan exit %d, want 1\n%s", code, stderr)
	}
	wantStatus(t, "no security contact", got, map[string]string{res: "FAIL"})

	remediated(t, a.remediate(t, quiet+contact, "1.2"), "1.2")
	api := acct.NewFromConfig(a.Cfg)
	read := func() string {
		out, err := api.GetAlternateContact(context.Background(), &acct.GetAlternateContactInput{AlternateContactType: accttypes.AlternateContactTypeSecurity})
		if err != nil {
			t.Fatalf("security contact: %v", err)
		}
		c := out.AlternateContact
		return fmt.Sprintf("%s, %s <%s> %s", aws.ToString(c.Name), aws.ToString(c.Title), aws.ToString(c.EmailAddress), aws.ToString(c.PhoneNumber))
	}
	if c := read(); c != "Security Team, Security <security@example.com> +1 555 0100" {
		t.Errorf("security contact %q", c)
	}
	_, got, _ = a.scan(t, quiet, "1.2")
	wantStatus(t, "after scan --remediate", got, map[string]string{res: "PASS"})

	// Another configured contact never replaces the one registered.
	other := strings.Replace(contact, "security@example.com", "soc@example.com", 1)
	if rs := a.remediate(t, quiet+other, "1.2"); len(rs) != 0 {
		t.Errorf("a compliant account was remediated: %+v", rs)
	}
	if c := read(); !strings.Contains(c, "security@example.com") {
		t.Errorf("the registered contact was replaced: %q", c)
	}
}

// expiredCertificate is a self-signed certificate and key, PEM, that
// expired yesterday.
func expiredCertificate(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expired.example.com"},
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(0, 0, -1)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	key = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	return cert, key
}

func TestExpiredServerCertificate(t *testing.T) { // 1.19, opt-in
	requireEndpoint(t)
	ctx := context.Background()
	a := newAccount(t)
	api := iam.NewFromConfig(a.Cfg)
	body, key := expiredCertificate(t)
	up, err := api.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("expired-web"), CertificateBody: aws.String(body), PrivateKey: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	res := "1.19 " + aws.ToString(up.ServerCertificateMetadata.Arn)
	_, got, _ := a.scan(t, quiet, "1.19")
	wantStatus(t, "expired certificate", got, map[string]string{res: "FAIL"})

	// Notify by default: scan --remediate leaves it.
	if rs := a.remediate(t, quiet, "1.19"); len(rs) != 0 {
		t.Errorf("1.19 in notify mode was remediated: %+v", rs)
	}
	remediated(t, a.remediate(t, quiet+`controls: {"1.19": {mode: auto}}`+"\n", "1.19"), "1.19")
	if _, err := api.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("expired-web")}); err == nil || !strings.Contains(err.Error(), "NoSuchEntity") {
		t.Errorf("the expired certificate is still there (%v)", err)
	}
	_, got, _ = a.scan(t, quiet, "1.19")
	wantStatus(t, "after scan --remediate", got, map[string]string{"1.19 AWS::::Account:" + a.ID: "NOT_APPLICABLE"})
	if len(got) != 1 {
		t.Errorf("after scan --remediate: %v, want only that no certificate is left", keys(got))
	}
}

func TestBucketDefaultEncryption(t *testing.T) { // 2.1.1
	requireEndpoint(t)
	ctx := context.Background()
	a := newAccount(t)
	api := s3.NewFromConfig(a.Cfg)
	bucket := newBucketIn(t, a.Cfg)
	// Seed: default encryption deleted. (AWS resets it to SSE-S3 since
	// January 2023; moto removes it, the state of an older bucket.)
	if _, err := api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	res := "2.1.1 arn:aws:s3:::" + bucket
	_, got, _ := a.scan(t, quiet, "2.1.1")
	wantStatus(t, "encryption deleted", got, map[string]string{res: "FAIL"})

	remediated(t, a.remediate(t, quiet, "2.1.1"), "2.1.1")
	out, err := api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.ServerSideEncryptionConfiguration.Rules; len(r) != 1 || r[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 {
		t.Errorf("default encryption %+v, want SSE-S3 (AES256)", r)
	}
	_, got, _ = a.scan(t, quiet, "2.1.1")
	wantStatus(t, "after scan --remediate", got, map[string]string{res: "PASS"})
}

func TestS3ObjectLevelLogging(t *testing.T) { // 3.10 and 3.11, opt-in
	requireEndpoint(t)
	ctx := context.Background()
	a := newAccount(t)
	name, _, _ := newTrailIn(t, a.Cfg, true)
	res := "AWS::::Account:" + a.ID // the discovered trail's selectors, once per account
	_, got, _ := a.scan(t, quiet, "3.10,3.11")
	wantStatus(t, "management events only", got, map[string]string{"3.10 " + res: "FAIL", "3.11 " + res: "FAIL"})

	remediated(t, a.remediate(t, quiet+`controls: {"3.10": {mode: auto}, "3.11": {mode: auto}}`+"\n", "3.10,3.11"), "3.10", "3.11")
	out, err := cloudtrail.NewFromConfig(a.Cfg).GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	// Read and write S3 data events for all buckets, management events kept.
	var management bool
	var s3 []cttypes.ReadWriteType
	for _, s := range out.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && s.ReadWriteType == cttypes.ReadWriteTypeAll {
			management = true
		}
		for _, d := range s.DataResources {
			if aws.ToString(d.Type) == "AWS::S3::Object" && slices.Contains(d.Values, "arn:aws:s3") {
				s3 = append(s3, s.ReadWriteType)
			}
		}
	}
	if !management || !(slices.Contains(s3, cttypes.ReadWriteTypeAll) || slices.Contains(s3, cttypes.ReadWriteTypeReadOnly) && slices.Contains(s3, cttypes.ReadWriteTypeWriteOnly)) {
		t.Errorf("event selectors %+v (advanced %+v): want all management events and S3 object reads and writes of all buckets", out.EventSelectors, out.AdvancedEventSelectors)
	}
	_, got, _ = a.scan(t, quiet, "3.10,3.11")
	wantStatus(t, "after scan --remediate", got, map[string]string{"3.10 " + res: "PASS", "3.11 " + res: "PASS"})
}

// TestAlarmsSecurityHubDoesNotCheck: 4.1, 4.2 and 4.15 on the trail's log
// group, the alarm topic subscribed by the alarm queue.
func TestAlarmsSecurityHubDoesNotCheck(t *testing.T) { // 4.1, 4.2, 4.15
	requireEndpoint(t)
	ctx := context.Background()
	a := newAccount(t)
	name, _, _ := newTrailIn(t, a.Cfg, true)
	topic := unique("cis-alarms")
	_, queue := newAlarmQueueIn(t, a.Cfg, a.ID, topic)
	conf := "notifications: {disabled: true, alarmQueueArn: " + queue + "}\n" + `controls: {"4": {trail: ` + name + `, topic: ` + topic + `}}` + "\n"
	controls := "4.1,4.2,4.15"
	res := "AWS::::Account:" + a.ID
	_, got, _ := a.scan(t, conf, controls)
	wantStatus(t, "no alarms", got, map[string]string{"4.1 " + res: "FAIL", "4.2 " + res: "FAIL", "4.15 " + res: "FAIL"})

	remediated(t, a.remediate(t, conf, controls), "4.1", "4.2", "4.15")
	group := logGroupName(aws.ToString(trailIn(t, a.Cfg, name).CloudWatchLogsLogGroupArn))
	if group == "" {
		t.Fatalf("trail %s has no log group", name)
	}
	filters, err := cloudwatchlogs.NewFromConfig(a.Cfg).DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	topicARN := fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, a.ID, topic)
	var alarms []string
	for _, f := range filters.MetricFilters {
		m := f.MetricTransformations[0]
		out, err := cloudwatch.NewFromConfig(a.Cfg).DescribeAlarmsForMetric(ctx, &cloudwatch.DescribeAlarmsForMetricInput{MetricName: m.MetricName, Namespace: m.MetricNamespace})
		if err != nil {
			t.Fatal(err)
		}
		for _, al := range out.MetricAlarms {
			if slices.Contains(al.AlarmActions, topicARN) {
				alarms = append(alarms, aws.ToString(al.AlarmName))
			}
		}
	}
	slices.Sort(alarms)
	if want := []string{"CIS-4.1-UnauthorizedAPICalls", "CIS-4.15-OrganizationsChanges", "CIS-4.2-ConsoleSigninWithoutMFA"}; !slices.Equal(alarms, want) {
		t.Errorf("alarms notifying %s from filters on %s: %v, want %v", topicARN, group, alarms, want)
	}
	subs, err := sns.NewFromConfig(a.Cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)})
	if err != nil || len(subs.Subscriptions) != 1 || aws.ToString(subs.Subscriptions[0].Endpoint) != queue {
		t.Errorf("subscriptions of %s: %+v %v (want the alarm queue)", topicARN, subs, err)
	}
	_, got, _ = a.scan(t, conf, controls)
	wantStatus(t, "after scan --remediate", got, map[string]string{"4.1 " + res: "PASS", "4.2 " + res: "PASS", "4.15 " + res: "PASS"})
}

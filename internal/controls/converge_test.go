package controls

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cisguard/cisguard/internal/fake"
)

// Findings of one account handled at the same time by different processes
// (issue 10 §4): one remediation is held between its reads and a write
// while another runs to the end, at every write of its plan; each case
// ends in exactly one compliant result.

// trailNames lists the trails an account has (as seen from a region that
// shows every multi-region trail).
func trailNames(t *testing.T, h *harness) []string {
	out, err := h.acct.CloudTrail(testRegion).DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tr := range out.TrailList {
		names = append(names, *tr.TrailARN)
	}
	return names
}

// bucketNames lists the account's own buckets.
func bucketNames(t *testing.T, h *harness) []string {
	out, err := h.acct.S3(testRegion).ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, *b.Name)
	}
	return names
}

// 3.1 raised in two regions of an account without a trail: both findings
// converge on one trail in the home region, with one bucket and one
// access-log bucket, one key (a key made by the one that lost the alias is
// scheduled for deletion, never used), one log group and one role, and the
// trail is encrypted and sent to CloudWatch Logs.
func TestCloudTrailInTwoRegionsConverges(t *testing.T) {
	for _, op := range []string{"S3/CreateBucket", "S3/PutBucketTagging", "S3/PutPublicAccessBlock", "S3/PutBucketPolicy", "S3/PutBucketLogging",
		"KMS/CreateKey", "KMS/EnableKeyRotation", "KMS/CreateAlias", "CloudWatch Logs/CreateLogGroup", "CloudWatch Logs/PutRetentionPolicy", "IAM/CreateRole", "IAM/PutRolePolicy",
		"CloudTrail/CreateTrail", "CloudTrail/StartLogging"} {
		t.Run(op, func(t *testing.T) {
			h := newHarness(t)
			h.interleave(op, h.remediation("3.1", testRegion, accountResource(), ""), h.remediation("3.1", "us-east-1", accountResource(), ""))
			if got := trailNames(t, h); len(got) != 1 || got[0] != trailARN("us-east-1", "cisguard-trail") {
				t.Errorf("trails %v", got)
			}
			if got := bucketNames(t, h); len(got) != 2 {
				t.Errorf("buckets %v", got)
			}
			var enabled []fake.Key
			for _, k := range h.acct.KMS("us-east-1").Keys() {
				switch {
				case k.State == kmstypes.KeyStateEnabled:
					enabled = append(enabled, k)
				case k.State != kmstypes.KeyStatePendingDeletion || len(k.Aliases) > 0:
					t.Errorf("surplus key %+v", k)
				}
			}
			tr := trailOf(h, trailARN("us-east-1", "cisguard-trail"))
			if len(enabled) != 1 || aws.ToString(tr.KmsKeyId) != enabled[0].ARN {
				t.Errorf("enabled keys %+v, trail encrypted with %s", enabled, aws.ToString(tr.KmsKeyId))
			}
			groups, err := h.acct.Logs("us-east-1").DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{})
			if err != nil || len(groups.LogGroups) != 1 || !strings.HasSuffix(aws.ToString(tr.CloudWatchLogsLogGroupArn), ":log-group:"+aws.ToString(groups.LogGroups[0].LogGroupName)+":*") {
				t.Errorf("log groups %+v %v, trail delivers to %s", groups, err, aws.ToString(tr.CloudWatchLogsLogGroupArn))
			}
			if r := h.acct.Role(ctLogRole); r == nil || len(r.Inline) != 1 {
				t.Errorf("role %+v", r)
			}
			trailPlansEmpty(t, h, trailARN("us-east-1", "cisguard-trail"))
			for _, region := range []string{testRegion, "us-east-1", "ap-southeast-2"} {
				h.region = region
				if p := h.mustPlan("3.1", accountResource(), ""); !p.Empty() {
					t.Errorf("3.1 in %s still plans\n%s", region, p)
				}
			}
		})
	}
}

// The CloudWatch.x findings of a new account, whose trail delivers to no
// log group yet: two section 4 findings at the same time, one held at each
// write of its plan in turn, make one log group, one delivery role with
// one policy, one topic, and a filter and an alarm per check (4.3 and 1.7
// share theirs).
func TestMonitoringChainConverges(t *testing.T) {
	ops := []string{"CloudWatch Logs/CreateLogGroup", "CloudWatch Logs/PutRetentionPolicy", "IAM/CreateRole", "IAM/PutRolePolicy", "CloudTrail/UpdateTrail",
		"CloudWatch Logs/PutMetricFilter", "SNS/CreateTopic", "CloudWatch/PutMetricAlarm"}
	for _, pair := range []struct {
		a, b    string
		filters int
	}{{"4.1", "4.3", 2}, {"4.3", "1.7", 1}} {
		for _, op := range ops {
			t.Run(pair.a+" held at "+op+", "+pair.b, func(t *testing.T) {
				h := newHarness(t)
				arn := goodTrail(h)
				h.interleave(op, h.remediation(pair.a, testRegion, accountResource(), ""), h.remediation(pair.b, testRegion, accountResource(), ""))

				groups, err := h.acct.Logs(testRegion).DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{})
				if err != nil || len(groups.LogGroups) != 1 || aws.ToString(groups.LogGroups[0].LogGroupName) != "/aws/cloudtrail/main" {
					t.Fatalf("log groups %+v %v", groups, err)
				}
				if g := h.acct.Logs(testRegion).LogGroup("/aws/cloudtrail/main"); len(g.Filters) != pair.filters {
					t.Errorf("filters %+v", g.Filters)
				}
				if r := h.acct.Role("cisguard-cloudtrail-to-cloudwatch-logs"); r == nil || len(r.Inline) != 1 {
					t.Errorf("role %+v", r)
				}
				if tr := trailOf(h, arn); !strings.HasSuffix(aws.ToString(tr.CloudWatchLogsLogGroupArn), ":log-group:/aws/cloudtrail/main:*") {
					t.Errorf("trail delivers to %s", aws.ToString(tr.CloudWatchLogsLogGroupArn))
				}
				topics, err := h.acct.SNS(testRegion).ListTopics(context.Background(), &sns.ListTopicsInput{})
				if err != nil || len(topics.Topics) != 1 || h.acct.SNS(testRegion).TopicTags(*topics.Topics[0].TopicArn)["cisguard:managed"] != "true" {
					t.Errorf("topics %+v %v", topics, err)
				}
				for _, id := range []string{pair.a, pair.b} {
					if a := h.acct.CloudWatch(testRegion).Alarm(checkOf(t, id).alarm()); a == nil || len(a.AlarmActions) != 1 {
						t.Errorf("%s alarm %+v", id, a)
					}
					if p := h.mustPlan(id, accountResource(), ""); len(p.Actions) != 0 {
						t.Errorf("%s still plans\n%s", id, p)
					}
				}
			})
		}
	}
}

// 3.4 on two trails at the same time: both statements go to the one
// delivery role, and neither process's write removes the other's.
func TestTrailLogsOnTwoTrailsConverge(t *testing.T) {
	for _, op := range []string{"IAM/CreateRole", "IAM/PutRolePolicy", "CloudTrail/UpdateTrail"} {
		t.Run(op, func(t *testing.T) {
			h := newHarness(t)
			a, b := addTrail(h, testRegion, "main", nil), addTrail(h, testRegion, "audit", nil)
			h.interleave(op, h.remediation("3.4", testRegion, trailRes(testRegion, "main"), ""), h.remediation("3.4", testRegion, trailRes(testRegion, "audit"), ""))
			r := h.acct.Role("cisguard-cloudtrail-to-cloudwatch-logs")
			for _, arn := range []string{a, b} {
				name := trailOf(h, arn).Name
				if doc := r.Inline["CloudTrailWriteToawscloudtrail"+aws.ToString(name)]; !strings.Contains(doc, "log-group:/aws/cloudtrail/"+aws.ToString(name)+":log-stream:*") {
					t.Errorf("role lost the statement of trail %s: %v", aws.ToString(name), r.Inline)
				}
			}
			for _, name := range []string{"main", "audit"} {
				if p := h.mustPlan("3.4", trailRes(testRegion, name), ""); !p.Empty() {
					t.Errorf("3.4 on %s still plans\n%s", name, p)
				}
			}
		})
	}
}

// "Already exists" is success only when what exists is what cisguard
// would have made: a role of the name that the service may not assume,
// or a trail of the name delivering elsewhere, made between planning and
// applying, stop the plan.
func TestAlreadyExistsIsChecked(t *testing.T) {
	t.Run("role", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		c, tg := h.target("3.4", trailRes(testRegion, "main"), "")
		p, err := h.plan(c, tg)
		if err != nil {
			t.Fatal(err)
		}
		h.acct.AddRole("cisguard-cloudtrail-to-cloudwatch-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}`)
		if err := applyPlan(h, c, p); err == nil || !strings.Contains(err.Error(), "role cisguard-cloudtrail-to-cloudwatch-logs exists but cloudtrail.amazonaws.com may not assume it") {
			t.Errorf("err = %v", err)
		}
		if r := h.acct.Role("cisguard-cloudtrail-to-cloudwatch-logs"); len(r.Inline) != 0 {
			t.Errorf("someone's role got a policy: %v", r.Inline)
		}
	})
	t.Run("trail", func(t *testing.T) {
		h := newHarness(t)
		c, tg := h.target("3.1", accountResource(), "")
		p, err := h.plan(c, tg)
		if err != nil {
			t.Fatal(err)
		}
		h.acct.AddBucket("elsewhere", "us-east-1")
		h.acct.CloudTrail("us-east-1").AddTrail(fake.Trail{Trail: cttypes.Trail{Name: aws.String("cisguard-trail"), S3BucketName: aws.String("elsewhere")}})
		if err := applyPlan(h, c, p); err == nil || !strings.Contains(err.Error(), "trail cisguard-trail already exists in us-east-1, delivering to bucket elsewhere (multi-region: false), and is not the trail 3.1 makes") {
			t.Errorf("err = %v", err)
		}
	})
}

// 3.7 handled twice at the same time (the finding of the trail and of the
// account, or a retry beside the first run): whichever is held at each
// write, the trail ends encrypted with one enabled key, named by the
// alias, rotating, and passing 3.8; a key made by the one that lost the
// alias is scheduled for deletion, never used.
func TestTrailKeyConverges(t *testing.T) {
	for _, op := range []string{"KMS/CreateKey", "KMS/EnableKeyRotation", "KMS/CreateAlias", "CloudTrail/UpdateTrail"} {
		t.Run(op, func(t *testing.T) {
			h := newHarness(t)
			arn := goodTrail(h)
			h.interleave(op, h.remediation("3.7", testRegion, trailRes(testRegion, "main"), ""), h.remediation("3.7", testRegion, accountResource(), ""))
			var enabled []fake.Key
			for _, k := range h.acct.KMS(testRegion).Keys() {
				switch {
				case k.State == kmstypes.KeyStateEnabled:
					enabled = append(enabled, k)
				case k.State != kmstypes.KeyStatePendingDeletion || len(k.Aliases) > 0:
					t.Errorf("surplus key %+v", k)
				}
			}
			if len(enabled) != 1 {
				t.Fatalf("enabled keys %+v", enabled)
			}
			k := enabled[0]
			if !k.Rotation || !slices.Contains(k.Aliases, "alias/CIS_CloudTrail_Encryption_Key") || aws.ToString(trailOf(h, arn).KmsKeyId) != k.ARN {
				t.Errorf("key %+v, trail encrypted with %s", k, aws.ToString(trailOf(h, arn).KmsKeyId))
			}
			if p := h.mustPlan("3.7", accountResource(), ""); !p.Empty() {
				t.Errorf("3.7 still plans\n%s", p)
			}
			if p := h.mustPlan("3.8", keyRes(testRegion, k.ARN), ""); !p.Empty() || len(p.Residuals) > 0 {
				t.Errorf("3.8 plans for the key cisguard made\n%s", p)
			}
		})
	}
}

// 3.1 making its trail (with 3.7's key) while 3.7 encrypts a
// single-region trail of the account whose bucket is in the same region:
// both use the one key of the alias, whichever is held at each KMS write.
func TestNewTrailAndTrailKeyConverge(t *testing.T) {
	ops := []string{"KMS/CreateKey", "KMS/EnableKeyRotation", "KMS/CreateAlias"}
	for _, first := range []string{"3.1", "3.7"} {
		for _, op := range ops {
			t.Run(first+" held at "+op, func(t *testing.T) {
				h := newHarness(t)
				single := addTrail(h, "us-east-1", "main", func(tr *fake.Trail) { tr.IsMultiRegionTrail = aws.Bool(false) })
				a, b := h.remediation("3.1", testRegion, accountResource(), ""), h.remediation("3.7", "us-east-1", trailRes("us-east-1", "main"), "")
				if first == "3.7" {
					a, b = b, a
				}
				h.interleave(op, a, b)
				var enabled []string
				for _, k := range h.acct.KMS("us-east-1").Keys() {
					if k.State == kmstypes.KeyStateEnabled {
						enabled = append(enabled, k.ARN)
					}
				}
				if len(enabled) != 1 {
					t.Fatalf("enabled keys %v", enabled)
				}
				for _, arn := range []string{single, trailARN("us-east-1", "cisguard-trail")} {
					if k := aws.ToString(trailOf(h, arn).KmsKeyId); k != enabled[0] {
						t.Errorf("%s encrypted with %q, want %s", arn, k, enabled[0])
					}
				}
			})
		}
	}
}

package engine

import (
	"context"
	"strings"
	"testing"

	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

// Faults on the fakes (issue 8 §2). Throttling and 5xx answers that the
// SDK's retryer carries through are tested through the SDK itself, in
// cmd/lambda (TestThrottlingAndServerErrorsRetried); the fakes return what
// reaches the engine once those retries are spent.

// writes counts the write calls made in an account.
func writes(w *fake.Org, acct string) int {
	_, n := w.Account(acct).Log.Counts()
	return n
}

// TestResourceDeletedBeforeFix: the network ACL is deleted between the
// finding and the fix. Nothing to do, said so, not a failure.
func TestResourceDeletedBeforeFix(t *testing.T) {
	w := fake.NewOrg(admin)
	const acct = "100000000001"
	fs := scenarios[1].findings(t, w, acct)
	w.Account(acct).EC2(region).DeleteNetworkACL("acl-" + acct)
	rs := newEngine(t, w, quiet, false).Run(context.Background(), fs)
	if r := rs[0]; r.Decision != Skipped || !strings.Contains(r.Reason, "network ACL acl-"+acct+" no longer exists: nothing to do") || len(r.Actions) != 0 {
		t.Errorf("%s (%s)", r.Decision, r.Reason)
	}
	if Failures(rs) != 0 || writes(w, acct) != 0 {
		t.Errorf("%d failures, %d writes", Failures(rs), writes(w, acct))
	}
}

// TestSideEffectsFail: the message cannot be published and Security Hub
// cannot be updated. The remediation stands and is reported done; each
// failed side effect is reported with AWS's error.
func TestSideEffectsFail(t *testing.T) {
	w := fake.NewOrg(admin)
	const acct = "100000000001"
	w.Admin.SNS(region).AddTopic("cisguard-notifications")
	fs := scenarios[0].findings(t, w, acct)
	w.Admin.Log.Fail("SNS/Publish", fake.APIError("AuthorizationError", "not authorized to perform: SNS:Publish"))
	w.SecurityHub(region).Log.Fail("SecurityHub/BatchUpdateFindings", fake.Throttled())
	rs := newEngine(t, w, "notifications: {topicArn: "+centralTopic+"}", false).Run(context.Background(), fs)
	r := rs[0]
	if r.Decision != Remediated || Failures(rs) != 0 {
		t.Fatalf("%s (%s)", r.Decision, r.Reason)
	}
	if !strings.Contains(r.Notification, "not sent: publish to "+centralTopic) || !strings.Contains(r.Notification, "AuthorizationError") {
		t.Errorf("notification %q", r.Notification)
	}
	if !strings.Contains(r.Workflow, "not updated: update finding workflow to RESOLVED") || !strings.Contains(r.Workflow, "Throttling") {
		t.Errorf("workflow %q", r.Workflow)
	}
	if len(w.Account(acct).EC2(region).Rules("sg-"+acct)) != 0 {
		t.Error("the fix did not stand")
	}
}

// TestUnprocessedUpdateRetried: Security Hub leaves the update unprocessed
// while another request updates the finding; the update is sent again and
// lands.
func TestUnprocessedUpdateRetried(t *testing.T) {
	w := fake.NewOrg(admin)
	fs := scenarios[0].findings(t, w, "100000000001")
	w.SecurityHub(region).Unprocess(fs[0].ID, "ConcurrentUpdateError", 1)
	r := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]
	if r.Decision != Remediated || r.Workflow != "RESOLVED" || w.SecurityHub(region).Finding(r.ID).Workflow != shtypes.WorkflowStatusResolved {
		t.Errorf("%s (%s), workflow %q", r.Decision, r.Reason, r.Workflow)
	}
	if n := hubUpdates(w, region); n != 2 {
		t.Errorf("%d BatchUpdateFindings calls, want 2", n)
	}
}

// TestRedeliveredConcurrently: SQS delivers the same message to two
// invocations at once (two engines, nothing shared but AWS). The first is
// held after planning, before its write, while the second runs to the
// end: one change is made, and each says truthfully what it did.
func TestRedeliveredConcurrently(t *testing.T) {
	w := fake.NewOrg(admin)
	const acct = "100000000001"
	fs := scenarios[0].findings(t, w, acct)
	held := w.Account(acct).Log.Pause("EC2/RevokeSecurityGroupIngress")
	first := make(chan []Result, 1)
	go func() { first <- newEngine(t, w, quiet, false).Run(context.Background(), fs) }()
	select {
	case <-held.Held():
	case rs := <-first:
		t.Fatalf("the first delivery never wrote: %+v", rs)
	}
	second := newEngine(t, w, quiet, false).Run(context.Background(), fs)[0]
	held.Release()
	one := (<-first)[0]

	if second.Decision != Remediated || second.Reason != "2 action(s) applied, verified" {
		t.Errorf("second delivery: %s (%s)", second.Decision, second.Reason)
	}
	if one.Decision != Skipped || !strings.Contains(one.Reason, "compliant after all: another change was made while this one ran") {
		t.Errorf("first delivery: %s (%s)", one.Decision, one.Reason)
	}
	if n := len(w.Account(acct).EC2(region).Rules("sg-" + acct)); n != 0 {
		t.Errorf("%d rules left", n)
	}
}

// TestExemptionTagLookupFails: the bucket's tags cannot be read (no
// permission, or throttled past the SDK's retries). Nothing is changed:
// the finding fails with the reason, and stays NEW to be retried.
func TestExemptionTagLookupFails(t *testing.T) {
	for name, err := range map[string]error{
		"AccessDenied":  fake.APIError("AccessDenied", "not authorized to perform: s3:GetBucketTagging"),
		"Throttling":    fake.Throttled(),
		"InternalError": fake.ServerError(),
	} {
		t.Run(name, func(t *testing.T) {
			w := fake.NewOrg(admin)
			const acct = "100000000001"
			w.Account(acct).AddBucket("data-"+acct, region)
			f := scenarios[0].findings(t, w, acct)[0]
			f.ID, f.CIS, f.SecurityControl = "finding-bucket", "2.1.5.2", "S3.8"
			f.Resource = finding.Resource{Type: "AwsS3Bucket", ID: "arn:aws:s3:::data-" + acct, Partition: "aws", Region: region}
			seedHub(w, []finding.Finding{f})
			w.Account(acct).Log.Fail("S3/GetBucketTagging", err)
			r := newEngine(t, w, quiet, false).Run(context.Background(), []finding.Finding{f})[0]
			if r.Decision != Failed || !strings.Contains(r.Reason, "read tags of bucket data-"+acct) || !strings.Contains(r.Reason, name) {
				t.Errorf("%s (%s)", r.Decision, r.Reason)
			}
			if writes(w, acct) != 0 || w.SecurityHub(region).Finding(f.ID).Workflow != shtypes.WorkflowStatusNew {
				t.Errorf("%d writes, workflow %s", writes(w, acct), w.SecurityHub(region).Finding(f.ID).Workflow)
			}
		})
	}
}

// TestKeyTagLookupFails: 3.8 cannot read the key's tags; its rotation is
// left as it is and the finding fails with the reason.
func TestKeyTagLookupFails(t *testing.T) {
	w := fake.NewOrg(admin)
	const acct = "100000000001"
	key := w.Account(acct).KMS(region).AddKey(fake.Key{Description: "app data"})
	f := scenarios[0].findings(t, w, acct)[0]
	f.ID, f.CIS, f.SecurityControl = "finding-key", "3.8", "KMS.4"
	f.Resource = finding.Resource{Type: "AwsKmsKey", ID: key, Partition: "aws", Region: region}
	seedHub(w, []finding.Finding{f})
	w.Account(acct).Log.Fail("KMS/ListResourceTags", fake.APIError("AccessDeniedException", "not authorized to perform: kms:ListResourceTags"))
	r := newEngine(t, w, quiet, false).Run(context.Background(), []finding.Finding{f})[0]
	if r.Decision != Failed || !strings.Contains(r.Reason, "read tags of KMS key") || !strings.Contains(r.Reason, "AccessDeniedException") {
		t.Errorf("%s (%s)", r.Decision, r.Reason)
	}
	if writes(w, acct) != 0 || w.Account(acct).KMS(region).Key(key).Rotation {
		t.Error("the key was changed")
	}
}

package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cisguard/cisguard/test/bridge"
)

// Faults of delivery and side effects (issue 8 §2) the emulator can
// produce through the bridge.

// ebsFinding turns EBS encryption by default off and returns a 2.2.1
// finding about it, seeded in Security Hub.
func ebsFinding(t *testing.T) []byte {
	t.Helper()
	if _, err := ec2.NewFromConfig(cfg).DisableEbsEncryptionByDefault(context.Background(), &ec2.DisableEbsEncryptionByDefaultInput{}); err != nil {
		t.Fatal(err)
	}
	event := controlEvent(t, finding{Control: "EC2.7", CIS: "2.2.1", ResourceType: "AwsAccount"})
	seedFindings(t, event)
	return event
}

func ebsEncrypted(t *testing.T) bool {
	t.Helper()
	out, err := ec2.NewFromConfig(cfg).GetEbsEncryptionByDefault(context.Background(), &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToBool(out.EbsEncryptionByDefault)
}

// calls counts the calls of an operation the bridge saw since a mark.
func calls(since int, service, op string) int {
	n := 0
	for _, c := range proxy.Calls()[since:] {
		if c.Service == service && c.Operation == op && c.Injected == "" {
			n++
		}
	}
	return n
}

// TestSideEffectsFail: the message cannot be published and Security Hub
// refuses the update. The remediation stands and is reported done, each
// failed side effect with AWS's error; the run does not fail.
func TestSideEffectsFail(t *testing.T) {
	requireEndpoint(t)
	topic, _ := subscribedQueue(t, fmt.Sprintf("cisguard-e2e-%d", time.Now().UnixNano()))
	event := ebsFinding(t)
	proxy.Inject(bridge.Fault{Service: "sns", Operation: "Publish", Code: "AuthorizationError", Status: 403, Times: 1})
	proxy.Inject(bridge.Fault{Service: "securityhub", Operation: "BatchUpdateFindings", Code: "AccessDeniedException", Status: 403, Times: 1})
	t.Cleanup(func() { proxy.ClearFaults() })

	code, rs, stderr := remediate(t, event, "notifications: {topicArn: "+topic+"}\n")
	if code != 0 {
		t.Fatalf("exit %d: %+v\n%s", code, rs, stderr)
	}
	expect(t, rs[0], "remediated")
	if !strings.Contains(rs[0].Notification, "not sent") || !strings.Contains(rs[0].Notification, "AuthorizationError") {
		t.Errorf("notification %q", rs[0].Notification)
	}
	if !strings.Contains(rs[0].Workflow, "not updated") || !strings.Contains(rs[0].Workflow, "AccessDeniedException") {
		t.Errorf("workflow %q", rs[0].Workflow)
	}
	if !ebsEncrypted(t) {
		t.Error("the remediation did not stand")
	}
}

// TestRedeliveredInSequence: the same event handled again after it was
// handled: Security Hub holds the finding RESOLVED, so nothing is done and
// the second result says why.
func TestRedeliveredInSequence(t *testing.T) {
	requireEndpoint(t)
	event := ebsFinding(t)
	if code, rs, stderr := remediate(t, event, quiet); code != 0 {
		t.Fatalf("first: exit %d: %+v\n%s", code, rs, stderr)
	}
	mark := len(proxy.Calls())
	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("second: exit %d: %+v\n%s", code, rs, stderr)
	}
	expect(t, rs[0], "skipped")
	if !strings.Contains(rs[0].Reason, "RESOLVED") {
		t.Errorf("second delivery: %s", rs[0].Reason)
	}
	if n := calls(mark, "ec2", "EnableEbsEncryptionByDefault") + calls(mark, "ec2", "GetEbsEncryptionByDefault"); n != 0 {
		t.Errorf("the second delivery made %d EC2 calls", n)
	}
}

// TestRedeliveredConcurrently: two processes handle the same event at
// once, as two Lambda invocations of a message SQS delivered twice. One
// change is made, neither fails, and each says what it did.
func TestRedeliveredConcurrently(t *testing.T) {
	requireEndpoint(t)
	event := ebsFinding(t)
	var wg sync.WaitGroup
	results := make([][]result, 2)
	codes := make([]int, 2)
	for i := range 2 {
		wg.Go(func() { codes[i], results[i], _ = remediate(t, event, quiet) })
	}
	wg.Wait()
	for i, rs := range results {
		if codes[i] != 0 || len(rs) != 1 || rs[0].Decision == "failed" {
			t.Errorf("delivery %d: exit %d, %+v", i+1, codes[i], rs)
			continue
		}
		t.Logf("delivery %d: %s (%s)", i+1, rs[0].Decision, rs[0].Reason)
	}
	if !ebsEncrypted(t) || workflow(t, results[0][0].ID) != "RESOLVED" {
		t.Error("not remediated and resolved")
	}
}

// TestExemptionTagLookupFails: the bucket's tags cannot be read. Nothing
// is changed, the finding fails with the reason and stays NEW. (Throttled
// past every retry ends the same way, as the engine's unit tests show;
// here the SDK's backoff alone would take half a minute of CI.)
func TestExemptionTagLookupFails(t *testing.T) {
	requireEndpoint(t)
	for _, f := range []bridge.Fault{
		{Service: "s3", Operation: "GetBucketTagging", Code: "AccessDenied", Status: 403, Times: 1},
	} {
		t.Run(f.Code, func(t *testing.T) {
			bucket := newBucket(t)
			event := controlEvent(t, finding{Control: "S3.8", CIS: "2.1.5.2", ResourceType: "AwsS3Bucket", ResourceID: "arn:aws:s3:::" + bucket})
			seedFindings(t, event)
			proxy.Inject(f)
			t.Cleanup(func() { proxy.ClearFaults() })
			code, rs, stderr := remediate(t, event, quiet)
			if code == 0 || len(rs) != 1 {
				t.Fatalf("exit %d: %+v\n%s", code, rs, stderr)
			}
			expect(t, rs[0], "failed")
			if !strings.Contains(rs[0].Reason, "read tags of bucket "+bucket) || !strings.Contains(rs[0].Reason, f.Code) {
				t.Errorf("reason %q", rs[0].Reason)
			}
			if bucketBlocksPublicAccess(t, bucket) {
				t.Error("the bucket was changed")
			}
			if w := workflow(t, rs[0].ID); w != "NEW" {
				t.Errorf("workflow %s, want NEW", w)
			}
		})
	}
}

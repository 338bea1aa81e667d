package controls

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/plan"
)

// 3.1's new trail is compliant from its first moment (issue 10 §5): with
// 3.4 and 3.7 in auto, it is created once, already encrypted and sent to
// CloudWatch Logs, and 3.2, 3.4 and 3.7 then find nothing to do on it.

const newTrail = "arn:aws:cloudtrail:us-east-1:" + testAccount + ":trail/cisguard-trail"

// calls counts the recorded calls of an operation ("CloudTrail/CreateTrail").
func calls(h *harness, op string) int {
	n := 0
	for _, c := range h.acct.Log.Calls() {
		if c.Service+"/"+c.Operation == op {
			n++
		}
	}
	return n
}

// trailPlansEmpty fails unless 3.2, 3.4 and 3.7 plan nothing on the trail.
func trailPlansEmpty(t *testing.T, h *harness, arn string) {
	t.Helper()
	for _, id := range []string{"3.2", "3.4", "3.7"} {
		h.region = arnRegion(arn)
		if p := h.mustPlan(id, trailRes(arnRegion(arn), "cisguard-trail"), ""); !p.Empty() || len(p.Residuals) > 0 {
			t.Errorf("%s plans for the trail 3.1 created:\n%s", id, p)
		}
	}
}

func TestNewTrailIsCompliantFromItsFirstMoment(t *testing.T) {
	h := newHarness(t)
	h.acct.Log.Reset()
	p := h.remediate("3.1", accountResource(), "")
	if n, u := calls(h, "CloudTrail/CreateTrail"), calls(h, "CloudTrail/UpdateTrail"); n != 1 || u != 0 {
		t.Errorf("%d CreateTrail, %d UpdateTrail: the trail must be created once, with its key and log group", n, u)
	}
	containsAll(t, descriptions(p), "events sent to CloudWatch Logs group /aws/cloudtrail/cisguard-trail through role arn:aws:iam::"+testAccount+":role/"+ctLogRole+" (CIS 3.4)",
		"log files encrypted with KMS key alias/CIS_CloudTrail_Encryption_Key in us-east-1 (CIS 3.7)")
	tr := trailOf(h, newTrail)
	k := h.acct.KMS("us-east-1").Key("alias/CIS_CloudTrail_Encryption_Key")
	if k == nil || aws.ToString(tr.KmsKeyId) != k.ARN || !k.Rotation {
		t.Errorf("trail key %q, key %+v", aws.ToString(tr.KmsKeyId), k)
	}
	if g := aws.ToString(tr.CloudWatchLogsLogGroupArn); g != "arn:aws:logs:us-east-1:"+testAccount+":log-group:/aws/cloudtrail/cisguard-trail:*" ||
		h.acct.Logs("us-east-1").LogGroup("/aws/cloudtrail/cisguard-trail") == nil || !strings.HasSuffix(aws.ToString(tr.CloudWatchLogsRoleArn), ":role/"+ctLogRole) {
		t.Errorf("trail delivers to %s through %s", g, aws.ToString(tr.CloudWatchLogsRoleArn))
	}
	trailPlansEmpty(t, h, newTrail)
	if p := h.mustPlan("3.8", keyRes("us-east-1", k.ARN), ""); !p.Empty() {
		t.Errorf("3.8 plans for the key:\n%s", p)
	}
}

// With 3.4 or 3.7 not in auto, the new trail is made as before, and the
// plan says which Security Hub check will fail for it.
func TestNewTrailWithoutAutoParts(t *testing.T) {
	for _, tc := range []struct {
		off, note string
		keyed     bool
	}{
		{"3.4", "the new trail cisguard-trail is not sent to CloudWatch Logs: 3.4 is not in mode auto, so Security Hub's CloudTrail.5 will fail for it", true},
		{"3.7", "the new trail cisguard-trail is not encrypted with KMS: 3.7 is not in mode auto, so Security Hub's CloudTrail.2 will fail for it", false},
	} {
		t.Run(tc.off+" notify", func(t *testing.T) {
			h := newHarness(t)
			h.configure(tc.off, "mode: notify")
			p := h.remediate("3.1", accountResource(), "")
			containsAll(t, p.Notes, tc.note)
			tr := trailOf(h, newTrail)
			if (tr.KmsKeyId != nil) != tc.keyed || (tr.CloudWatchLogsLogGroupArn != nil) == (tc.off == "3.4") {
				t.Errorf("trail %+v", tr.Trail)
			}
			h.region = "us-east-1"
			if p := h.mustPlan(tc.off, trailRes("us-east-1", "cisguard-trail"), ""); p.Empty() {
				t.Errorf("%s finds the trail compliant", tc.off)
			}
		})
	}
	t.Run("3.4 and 3.7 off: not declared either", func(t *testing.T) {
		h := newHarness(t)
		h.configure("3.4", "mode: off")
		h.configure("3.7", "mode: off")
		h.acct.Log.Reset()
		p := h.remediate("3.1", accountResource(), "")
		if len(p.Notes) != 2 || calls(h, "KMS/DescribeKey")+calls(h, "IAM/GetRole") != 0 {
			t.Errorf("notes %v; calls %v", p.Notes, h.acct.Log.Calls())
		}
	})
}

// The key 3.7 would use: one cisguard made earlier is named or has the
// statements merged (a revert keeps them: the new trail encrypts with it);
// a user's key that does not let CloudTrail encrypt is not used, and the
// trail is created unencrypted with a note.
func TestNewTrailKeyCases(t *testing.T) {
	t.Run("key made earlier and never named", func(t *testing.T) {
		h := newHarness(t)
		orphan := h.acct.KMS("us-east-1").AddKey(fake.Key{Description: "cisguard: encrypts CloudTrail log files (CIS 3.7) as alias/CIS_CloudTrail_Encryption_Key", Tags: map[string]string{"cisguard:managed": "true"},
			Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*"}]}`})
		p := h.remediate("3.1", accountResource(), "")
		containsAll(t, descriptions(p), "name KMS key "+orphan+" alias/CIS_CloudTrail_Encryption_Key", "turn on yearly rotation of KMS key "+orphan)
		if k := aws.ToString(trailOf(h, newTrail).KmsKeyId); k != orphan || len(h.acct.KMS("us-east-1").Keys()) != 1 {
			t.Errorf("trail key %s, keys %+v", k, h.acct.KMS("us-east-1").Keys())
		}
	})
	t.Run("key cisguard made, without CloudTrail's statements", func(t *testing.T) {
		h := newHarness(t)
		key := h.acct.KMS("us-east-1").AddKey(fake.Key{Aliases: []string{"alias/CIS_CloudTrail_Encryption_Key"}, Tags: map[string]string{"cisguard:managed": "true"}})
		rs := h.applyRecorded("3.1", accountResource(), "")
		if k := aws.ToString(trailOf(h, newTrail).KmsKeyId); k != key {
			t.Errorf("trail key %s", k)
		}
		for _, r := range plan.Records(rs) {
			if r.Prior.Kind == kindKeyPolicy && !strings.Contains(r.Prior.Kept, "the trail "+newTrail+" that cisguard created, which a revert keeps") {
				t.Errorf("key policy record %+v", r.Prior)
			}
		}
	})
	t.Run("user's key without CloudTrail's grant", func(t *testing.T) {
		h := newHarness(t)
		h.acct.KMS("us-east-1").AddKey(fake.Key{Description: "team key", Aliases: []string{"alias/team"}})
		h.configure("3.7", "kmsKey: alias/team")
		p := h.remediate("3.1", accountResource(), "")
		containsAll(t, p.Notes, "the new trail cisguard-trail is not encrypted with KMS: KMS key alias/team")
		if len(p.Residuals) != 0 || trailOf(h, newTrail).KmsKeyId != nil {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("a key that does not exist is refused by CloudTrail", func(t *testing.T) {
		// The fake enforces what the plan relies on: CreateTrail checks
		// the key, so no trail points at a key that is not there.
		h := newHarness(t)
		goodTrail(h)
		_, err := h.acct.CloudTrail(testRegion).CreateTrail(bg, &cloudtrail.CreateTrailInput{Name: aws.String("other"), S3BucketName: aws.String(trailBucketName),
			KmsKeyId: aws.String("arn:aws:kms:" + testRegion + ":" + testAccount + ":key/00000000-0000-0000-0000-000000000000")})
		if !strings.Contains(fmt.Sprint(err), "KmsKeyNotFoundException") {
			t.Errorf("err = %v", err)
		}
	})
}

// CloudTrail may not see a role IAM just made: CreateTrail is retried
// while it says it cannot assume it.
func TestNewTrailWaitsForItsRole(t *testing.T) {
	h := newHarness(t)
	o := applyWithFailure(h, "3.1", accountResource(), "", "CloudTrail/CreateTrail", fake.APIError("InvalidCloudWatchLogsRoleArnException", "Access denied. Verify the IAM role policy"))
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if tr := trailOf(h, newTrail); tr.CloudWatchLogsRoleArn == nil || !tr.Logging {
		t.Errorf("trail %+v", tr)
	}
}

// A trail of the name made meanwhile without a key or a log group (3.4
// or 3.7 not in auto where it was made) is the trail 3.1 makes: 3.1
// accepts and starts it, and 3.4 and 3.7 fix it on their findings.
func TestNewTrailMadeMeanwhileWithoutParts(t *testing.T) {
	h := newHarness(t)
	c, tg := h.target("3.1", accountResource(), "")
	p, err := h.plan(c, tg)
	if err != nil {
		t.Fatal(err)
	}
	pause := h.acct.Log.Pause("CloudTrail/CreateTrail")
	done := make(chan error, 1)
	go func() { done <- applyPlan(h, c, p) }()
	<-pause.Held()
	h.acct.CloudTrail("us-east-1").AddTrail(fake.Trail{Trail: cttypes.Trail{Name: aws.String("cisguard-trail"), S3BucketName: aws.String("cisguard-cloudtrail-" + testAccount + "-us-east-1"),
		IsMultiRegionTrail: aws.Bool(true), LogFileValidationEnabled: aws.Bool(true)}})
	pause.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if tr := trailOf(h, newTrail); tr.KmsKeyId != nil || !tr.Logging {
		t.Errorf("trail %+v", tr)
	}
	h.region = "us-east-1"
	for _, id := range []string{"3.4", "3.7"} {
		h.remediate(id, trailRes("us-east-1", "cisguard-trail"), "")
	}
	trailPlansEmpty(t, h, newTrail)
}

// A revert of 3.1's new trail stops its logging and keeps the rest: the
// trail with its key and log group (no UpdateTrail takes them off), the
// key, the group and the role, and the policy put on a role that existed.
func TestRevertOfNewTrail(t *testing.T) {
	h := newHarness(t)
	h.acct.AddRole(ctLogRole, ctTrust)
	rs := h.applyRecorded("3.1", accountResource(), "")
	before := trailOf(h, newTrail).Trail
	h.acct.Log.Reset()
	plans, errs := h.revert("3.1", accountResource(), rs)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if l := left(plans); l != "" {
		t.Errorf("left to a person: %s", l)
	}
	var kept []string
	for _, p := range plans {
		for _, r := range p.Residuals {
			kept = append(kept, r.Reason)
		}
	}
	containsAll(t, kept, "created "+newTrail+" is kept", "kms:alias alias/CIS_CloudTrail_Encryption_Key is kept", "created /aws/cloudtrail/cisguard-trail is kept",
		"iam:role-inline-policy "+ctLogRole+" is kept: the trail "+newTrail+" that cisguard created, which a revert keeps")
	for _, c := range h.acct.Log.Calls() {
		if c.Write() && c.Operation != "StopLogging" {
			t.Errorf("revert wrote %s", c)
		}
	}
	tr := trailOf(h, newTrail)
	if tr.Logging || aws.ToString(tr.KmsKeyId) != aws.ToString(before.KmsKeyId) || aws.ToString(tr.CloudWatchLogsLogGroupArn) != aws.ToString(before.CloudWatchLogsLogGroupArn) {
		t.Errorf("trail after revert %+v", tr)
	}
	if k := h.acct.KMS("us-east-1").Key("alias/CIS_CloudTrail_Encryption_Key"); k == nil || k.State != kmstypes.KeyStateEnabled || len(h.acct.Role(ctLogRole).Inline) != 1 {
		t.Errorf("key %+v, role %+v", k, h.acct.Role(ctLogRole))
	}
}

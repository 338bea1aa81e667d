package controls

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

// Buckets of other accounts and the resources cisguard creates (issue 10
// §5).

const otherAccount = "999988887777"

// squat makes another account hold a bucket name first, with a policy
// that would let anyone (and CloudTrail) write: the bucket a squatter sets
// up to catch an account's logs.
func squat(h *harness, name, region string) *fake.Bucket {
	b := h.acct.AddForeignBucket(otherAccount, name, region)
	b.GrantsAll = true
	b.Policy = `{"Version":"2012-10-17","Statement":[{"Sid":"Catch","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::` + name + `","arn:aws:s3:::` + name + `/*"]}]}`
	return b
}

// unchanged fails when the squatted bucket was written to.
func unchanged(t *testing.T, h *harness, name string) {
	t.Helper()
	b := h.acct.Bucket(name)
	if b.Owner != otherAccount || !strings.Contains(b.Policy, `"Sid":"Catch"`) || strings.Contains(b.Policy, "amazonaws.com") || b.PublicAccessBlock != nil || len(b.Tags) > 0 || b.Logging != nil {
		t.Errorf("bucket %s of account %s was written to: %+v", name, otherAccount, b)
	}
}

// A bucket name cisguard chooses that another account holds is never
// written to, whether it was taken before planning or between planning
// and applying; no trail or channel ever delivers to it.
func TestSquattedBucketNamesAreNeverWritten(t *testing.T) {
	tests := []struct {
		id, bucket string
		res        finding.Resource
		seed       func(*harness)
	}{
		{"3.1", "cisguard-cloudtrail-" + testAccount + "-us-east-1", accountResource(), nil},
		{"3.5", "cisguard-config-" + testAccount + "-" + testRegion, accountResource(), addConfigSLR},
		{"3.6", "cisguard-access-logs-" + testAccount + "-" + testRegion, bucketRes(trailBucketName), func(h *harness) { goodTrail(h) }},
	}
	for _, tc := range tests {
		region := arnRegionOf(tc.bucket)
		t.Run(tc.id+" before planning", func(t *testing.T) {
			h := newHarness(t)
			if tc.seed != nil {
				tc.seed(h)
			}
			squat(h, tc.bucket, region)
			err := h.planErr(tc.id, tc.res, "")
			if !strings.Contains(err.Error(), "bucket "+tc.bucket+" does not belong to account "+testAccount) || !strings.Contains(err.Error(), "AccessDenied") {
				t.Errorf("err = %v", err)
			}
			unchanged(t, h, tc.bucket)
		})
		t.Run(tc.id+" between planning and applying", func(t *testing.T) {
			h := newHarness(t)
			if tc.seed != nil {
				tc.seed(h)
			}
			c, tg := h.target(tc.id, tc.res, "")
			p, err := h.plan(c, tg)
			if err != nil {
				t.Fatal(err)
			}
			squat(h, tc.bucket, region)
			err = applyPlan(h, c, p)
			if err == nil || !strings.Contains(err.Error(), "bucket name "+tc.bucket+" was taken by another account meanwhile; nothing was written to it") {
				t.Errorf("err = %v", err)
			}
			unchanged(t, h, tc.bucket)
			if tr := h.acct.CloudTrail("us-east-1").Trail("cisguard-trail"); tr != nil {
				t.Errorf("trail created: %+v", tr)
			}
		})
	}
}

// arnRegionOf returns the region at the end of a cisguard bucket name.
func arnRegionOf(bucket string) string {
	i := strings.Index(bucket, testAccount+"-")
	return bucket[i+len(testAccount)+1:]
}

// The finding's bucket may be a bucket of another account (S3 ARNs carry
// no account): every control refuses to touch it, because every request
// names the finding's account as the owner it expects.
func TestFindingBucketOfAnotherAccountIsNotTouched(t *testing.T) {
	for _, id := range []string{"2.1.1", "2.1.2", "2.1.5.2"} {
		t.Run(id, func(t *testing.T) {
			h := newHarness(t)
			squat(h, "shared-data", testRegion).Encryption.Rules = nil // not compliant with 2.1.1 either
			err := h.planErr(id, bucketRes("shared-data"), "")
			if !strings.Contains(err.Error(), "bucket shared-data does not belong to account "+testAccount) {
				t.Errorf("err = %v", err)
			}
			unchanged(t, h, "shared-data")
		})
	}
}

// A new trail delivers to a bucket of another account only when the
// settings name that account; cisguard then leaves the bucket to it.
func TestCloudTrailBucketOfAnotherAccountWhenConfigured(t *testing.T) {
	h := newHarness(t)
	central := h.acct.AddForeignBucket(otherAccount, "org-log-archive", "eu-central-1")
	central.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["s3:GetBucketAcl","s3:PutObject"],"Resource":["arn:aws:s3:::org-log-archive","arn:aws:s3:::org-log-archive/*"]}]}`
	h.acct.Log.Reset()
	p := h.remediate("3.1", accountResource(), "bucket: org-log-archive\nbucketOwner: \""+otherAccount+"\"")
	containsAll(t, descriptions(p), "create multi-region trail cisguard-trail in us-east-1 delivering to bucket org-log-archive of account "+otherAccount,
		"log files encrypted with KMS key alias/CIS_CloudTrail_Encryption_Key in eu-central-1")
	for _, c := range h.acct.Log.Calls() {
		// HeadBucket only asks where the bucket is (CloudTrail needs the
		// key there): S3 says so even as it refuses the request.
		if c.Service == "S3" && c.Operation != "HeadBucket" {
			t.Errorf("%s: the bucket is its owner's", c)
		}
	}
	tr := trailOf(h, trailARN("us-east-1", "cisguard-trail"))
	if aws.ToString(tr.S3BucketName) != "org-log-archive" || arnRegion(aws.ToString(tr.KmsKeyId)) != "eu-central-1" {
		t.Errorf("trail %+v", tr)
	}
	// Without bucketOwner, the same bucket is refused.
	if err := newHarnessWith(t, func(h *harness) {
		h.acct.AddForeignBucket(otherAccount, "org-log-archive", "eu-central-1").Policy = central.Policy
	}).
		planErr("3.1", accountResource(), "bucket: org-log-archive"); !strings.Contains(err.Error(), "does not belong to account "+testAccount) {
		t.Errorf("err = %v", err)
	}
}

// newHarnessWith returns a harness seeded by seed.
func newHarnessWith(t *testing.T, seed func(*harness)) *harness {
	h := newHarness(t)
	seed(h)
	return h
}

// What cisguard creates passes CIS itself: the buckets made by 3.1, 3.5
// and 3.6 leave nothing for 2.1.1, 2.1.2, 2.1.5.2, 3.3 and 3.6 to do.
func TestCreatedBucketsPassCIS(t *testing.T) {
	h := newHarness(t)
	h.region = "us-east-1"
	addConfigSLR(h)
	h.remediate("3.1", accountResource(), "")
	h.remediate("3.5", accountResource(), "")
	made := []string{"cisguard-cloudtrail-" + testAccount + "-us-east-1", "cisguard-access-logs-" + testAccount + "-us-east-1", "cisguard-config-" + testAccount + "-us-east-1"}
	for _, name := range made {
		for _, id := range []string{"2.1.1", "2.1.2", "2.1.5.2"} {
			if p := h.mustPlan(id, bucketRes(name), ""); !p.Empty() {
				t.Errorf("%s plans for %s, which cisguard made:\n%s", id, name, p)
			}
		}
		if b := h.acct.Bucket(name); b.Tags["cisguard:managed"] != "true" {
			t.Errorf("%s tags %v", name, b.Tags)
		}
	}
	for _, id := range []string{"3.3", "3.6"} {
		if p := h.mustPlan(id, accountResource(), ""); !p.Empty() {
			t.Errorf("%s plans for the trail bucket cisguard made:\n%s", id, p)
		}
	}
}

// The trail's bucket belongs to another account (a central log archive):
// 3.3 and 3.6 cannot change it from here, and leave the finding NOTIFIED
// with what to do in that account; a scan says MANUAL, not an error. 3.7
// makes the key where S3 says the bucket is, and writes nothing to it.
func TestTrailBucketOfAnotherAccount(t *testing.T) {
	seed := func(h *harness) {
		central := h.acct.AddForeignBucket(otherAccount, "org-log-archive", "eu-central-1")
		central.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["s3:GetBucketAcl","s3:PutObject"],"Resource":["arn:aws:s3:::org-log-archive","arn:aws:s3:::org-log-archive/*"]}]}`
		h.acct.CloudTrail(testRegion).AddTrail(fake.Trail{Trail: types.Trail{Name: aws.String("main"), S3BucketName: aws.String("org-log-archive"), IsMultiRegionTrail: aws.Bool(true)}, Logging: true})
	}
	for _, tc := range []struct {
		id, settings string
		left         []string
	}{
		{"3.3", "", []string{"the trail's bucket org-log-archive (of another account), not of account " + testAccount, "put-public-access-block --bucket org-log-archive"}},
		{"3.6", "", []string{"the trail's bucket org-log-archive (of another account)", "put-bucket-logging --bucket org-log-archive"}},
	} {
		for _, res := range []finding.Resource{accountResource(), bucketRes("org-log-archive")} {
			t.Run(tc.id+" "+res.Type, func(t *testing.T) {
				h := newHarnessWith(t, seed)
				p := h.mustPlan(tc.id, res, tc.settings)
				wantState(t, p, plan.Unresolved, tc.left...)
				unchangedCentral(t, h)
			})
		}
		t.Run(tc.id+" owner from 3.1's bucketOwner", func(t *testing.T) {
			h := newHarnessWith(t, seed)
			h.configure("3.1", "bucket: org-log-archive\nbucketOwner: \""+otherAccount+"\"")
			wantState(t, h.mustPlan(tc.id, accountResource(), ""), plan.Unresolved, "bucket org-log-archive of account "+otherAccount, "In account "+otherAccount, "aws s3api put-")
		})
		t.Run(tc.id+" scan", func(t *testing.T) {
			h := newHarnessWith(t, seed)
			c, tg := h.target(tc.id, accountResource(), "")
			rs, err := c.Evaluate(h.readCtx(c), c, tg)
			if err != nil || len(rs) != 1 || rs[0].Status != Manual || !strings.Contains(rs[0].Reason, "bucket org-log-archive (of another account) belongs to another account than "+testAccount+": check it there") {
				t.Fatalf("results %+v, %v", rs, err)
			}
		})
	}
	t.Run("3.7", func(t *testing.T) {
		h := newHarnessWith(t, seed)
		p := h.remediate("3.7", accountResource(), "")
		if !strings.Contains(strings.Join(p.Notes, "\n"), "the trail's bucket org-log-archive (of another account) is in eu-central-1 (as S3 says)") {
			t.Errorf("notes %v", p.Notes)
		}
		if k := aws.ToString(trailOf(h, trailARN(testRegion, "main")).KmsKeyId); arnRegion(k) != "eu-central-1" {
			t.Errorf("trail encrypted with %q, want a key in the bucket's region", k)
		}
		unchangedCentral(t, h)
	})
	t.Run("3.7 region unknown", func(t *testing.T) {
		h := newHarnessWith(t, seed)
		h.acct.Log.Fail("S3/HeadBucket", fake.APIError("Forbidden", "Forbidden")) // an answer without the region header
		wantState(t, h.mustPlan("3.7", accountResource(), ""), plan.Unresolved, "CloudTrail needs the KMS key of trail main (home eu-west-1) in the region of its bucket org-log-archive", "aws s3api get-bucket-location --bucket org-log-archive")
		if keys := h.acct.KMS(testRegion).Keys(); len(keys) != 0 {
			t.Errorf("keys %+v", keys)
		}
	})
}

// unchangedCentral fails when the central bucket was written to.
func unchangedCentral(t *testing.T, h *harness) {
	t.Helper()
	if b := h.acct.Bucket("org-log-archive"); b.Owner != otherAccount || b.PublicAccessBlock != nil || len(b.Tags) > 0 || b.Logging != nil || strings.Contains(b.Policy, "Sid") {
		t.Errorf("the central bucket was written to: %+v", b)
	}
}

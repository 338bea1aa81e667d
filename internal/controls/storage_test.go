package controls

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdssdk "github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/smithy-go"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

func bucketRes(name string) finding.Resource {
	return resource("AwsS3Bucket", "arn:aws:s3:::"+name)
}

func rdsRes(id string) finding.Resource {
	return resource("AwsRdsDbInstance", "arn:aws:rds:"+testRegion+":"+testAccount+":db:"+id)
}

// statements returns the statements of a bucket's policy.
func statements(t *testing.T, policy string) []map[string]any {
	t.Helper()
	doc, err := parsePolicy(policy)
	if err != nil {
		t.Fatalf("policy %q: %v", policy, err)
	}
	return doc.Statement
}

// callsTo returns the recorded calls of one operation ("S3/PutBucketPolicy").
func callsTo(h *harness, op string) []fake.Call {
	var out []fake.Call
	for _, c := range h.acct.Log.Calls() {
		if c.String() == op {
			out = append(out, c)
		}
	}
	return out
}

// 2.1.2: bucket policy denies HTTP.

const allowRead = `{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}`

func TestDenyHTTPMergesIntoPolicyInBucketRegion(t *testing.T) {
	h := newHarness(t)
	b := h.acct.AddBucket("site", "us-east-1") // another region than the finding's client
	b.Policy = `{"Version":"2012-10-17","Id":"SitePolicy","Statement":[` + allowRead + `]}`

	p := h.measure("2.1.2", bucketRes("site"), "")

	containsAll(t, descriptions(p), "add statement CISGuardDenyInsecureTransport to the policy of bucket site (us-east-1): Deny s3:* to everyone on arn:aws:s3:::site and arn:aws:s3:::site/* when aws:SecureTransport is false (1 other statement(s) kept)")
	got := h.acct.Bucket("site").Policy
	st := statements(t, got)
	if len(st) != 2 {
		t.Fatalf("policy %s", got)
	}
	var orig map[string]any
	_ = json.Unmarshal([]byte(allowRead), &orig)
	if b, _ := json.Marshal(st[0]); string(b) != mustJSON(orig) {
		t.Errorf("existing statement changed: %s", b)
	}
	if !strings.Contains(got, `"Id":"SitePolicy"`) {
		t.Errorf("policy Id lost: %s", got)
	}
	if !deniesInsecureTransport(st[1], "arn:aws:s3:::site") {
		t.Errorf("added statement does not deny HTTP: %v", st[1])
	}
	if put := callsTo(h, "S3/PutBucketPolicy"); len(put) != 1 || put[0].Region != "us-east-1" {
		t.Errorf("PutBucketPolicy calls %v, want one in us-east-1", put)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestDenyHTTPPolicyForms(t *testing.T) {
	const arn = "arn:aws:s3:::data"
	stmt := func(fields string) string {
		return `{"Version":"2012-10-17","Statement":[` + fields + `]}`
	}
	tests := []struct {
		name      string
		policy    string // "" for no policy
		compliant bool
		kept      int // statements kept besides ours
	}{
		{name: "no policy", policy: "", kept: 0},
		{name: "cisguard's own statement", compliant: true,
			policy: stmt(`{"Sid":"CISGuardDenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["` + arn + `","` + arn + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "AWS * principal, action *, wildcard resource, boolean false", compliant: true,
			policy: stmt(`{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"*","Resource":"arn:aws:s3:::da*","Condition":{"Bool":{"aws:securetransport":false}}}`)},
		{name: "single statement object, list values", compliant: true,
			policy: `{"Version":"2012-10-17","Statement":{"Sid":"TLS","Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],"Resource":["` + arn + `/*","` + arn + `"],"Condition":{"Bool":{"aws:SecureTransport":["false"]}}}}`},
		{name: "resource *", compliant: true,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":"S3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "objects only", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"` + arn + `/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "a prefix only", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["` + arn + `","` + arn + `/logs/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "? does not cover every key", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["` + arn + `","` + arn + `/?"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "the bare prefix is no object", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["` + arn + `","` + arn + `/"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "another bucket", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::other","arn:aws:s3:::other/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "an extra condition narrows the deny", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["` + arn + `","` + arn + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}`)},
		{name: "one principal only", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":["` + arn + `","` + arn + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "some actions only", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":["` + arn + `","` + arn + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "NotAction", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","Resource":["` + arn + `","` + arn + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
		{name: "allow over TLS is not a deny", kept: 1,
			policy: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["` + arn + `","` + arn + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}}`)},
		{name: "deny when secure is true", kept: 1,
			policy: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["` + arn + `","` + arn + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}}`)},
		{name: "an outdated statement of ours is replaced, the rest kept", kept: 1,
			policy: stmt(allowRead + `,{"Sid":"CISGuardDenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"` + arn + `/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.acct.AddBucket("data", testRegion).Policy = tt.policy
			h.acct.Log.Reset()
			p := h.remediate("2.1.2", bucketRes("data"), "")
			if tt.compliant {
				if !p.Empty() || h.writes() != 0 {
					t.Errorf("compliant policy changed: %s", p)
				}
				if n := len(callsTo(h, "S3/GetBucketTagging")); n != 0 {
					t.Errorf("a compliant bucket cost %d tag reads", n)
				}
				if got := h.acct.Bucket("data").Policy; got != tt.policy {
					t.Errorf("policy rewritten: %s", got)
				}
				return
			}
			if len(p.Actions) != 1 {
				t.Fatalf("plan %s", p)
			}
			containsAll(t, descriptions(p), "("+string(rune('0'+tt.kept))+" other statement(s) kept)")
			st := statements(t, h.acct.Bucket("data").Policy)
			if len(st) != tt.kept+1 {
				t.Errorf("%d statements, want %d", len(st), tt.kept+1)
			}
			if before := statements(t, tt.policy); tt.kept > 0 && mustJSON(before[0]) != mustJSON(st[0]) {
				t.Errorf("statement changed: %v -> %v", before[0], st[0])
			}
		})
	}
}

func TestDenyHTTPCases(t *testing.T) {
	t.Run("vanished bucket", func(t *testing.T) {
		h := newHarness(t)
		p := h.mustPlan("2.1.2", bucketRes("gone-bucket"), "")
		if !p.Empty() || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "bucket gone-bucket no longer exists: nothing to do") {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("exempt bucket", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("keep", testRegion).Tags["cisguard:exempt"] = "true"
		if err := h.planErr("2.1.2", bucketRes("keep"), ""); !IsExempt(err) {
			t.Errorf("error %v", err)
		}
		if h.acct.Bucket("keep").Policy != "" {
			t.Error("exempt bucket changed")
		}
	})
	t.Run("other tags do not exempt", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("tagged", testRegion).Tags["team"] = "data"
		h.remediate("2.1.2", bucketRes("tagged"), "")
	})
	t.Run("malformed policy", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("bad", testRegion).Policy = `{"Statement": [`
		if err := h.planErr("2.1.2", bucketRes("bad"), ""); !strings.Contains(err.Error(), "policy of bucket bad: policy is not valid JSON") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("policy would exceed 20 KB", func(t *testing.T) {
		h := newHarness(t)
		big := `{"Sid":"Pad","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::full/` + strings.Repeat("x", 20200) + `"}`
		h.acct.AddBucket("full", testRegion).Policy = `{"Version":"2012-10-17","Statement":[` + big + `]}`
		err := h.planErr("2.1.2", bucketRes("full"), "")
		if !strings.Contains(err.Error(), "over S3's limit of 20480; nothing was changed") {
			t.Errorf("error %v", err)
		}
		if h.writes() != 0 {
			t.Errorf("%d writes", h.writes())
		}
	})
	t.Run("policy read fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("locked", testRegion)
		h.acct.Log.Fail("S3/GetBucketPolicy", fake.APIError("AccessDenied", "Access Denied"))
		err := h.planErr("2.1.2", bucketRes("locked"), "")
		if !strings.Contains(err.Error(), "read policy of bucket locked") || awsapi.Code(err) != "AccessDenied" {
			t.Errorf("error %v", err)
		}
	})
	t.Run("tag read fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("notags", testRegion)
		h.acct.Log.Fail("S3/GetBucketTagging", fake.APIError("AccessDenied", "Access Denied"))
		if err := h.planErr("2.1.2", bucketRes("notags"), ""); !strings.Contains(err.Error(), "read tags of bucket notags") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("policy write fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("busy", testRegion).Policy = `{"Version":"2012-10-17","Statement":[` + allowRead + `]}`
		c, tgt := h.target("2.1.2", bucketRes("busy"), "")
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		h.acct.Log.Fail("S3/PutBucketPolicy", fake.Throttled())
		err = applyPlan(h, c, p)
		if err == nil || !strings.Contains(err.Error(), "add statement CISGuardDenyInsecureTransport to the policy of bucket busy") || awsapi.Code(err) != "Throttling" {
			t.Errorf("apply error %v", err)
		}
		if len(statements(t, h.acct.Bucket("busy").Policy)) != 1 {
			t.Error("policy changed by a failed write")
		}
	})
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::b", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::b", "arn:aws:s3:::bb", false},
		{"arn:aws:s3:::b*", "arn:aws:s3:::b/", true},
		{"arn:aws:s3:::?", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::?", "arn:aws:s3:::", false},
		{"arn:*:s3:::b/*", "arn:aws:s3:::b/", true},
		{"arn:aws:s3:::b/**", "arn:aws:s3:::b/", true},
		{"arn:aws:s3:::B", "arn:aws:s3:::b", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.pattern, tt.s, got)
		}
	}
}

// 2.1.5.1: account Block Public Access.

func allOn(c *s3ctltypes.PublicAccessBlockConfiguration) bool {
	return c != nil && aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) && aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets)
}

func TestAccountPublicAccessBlock(t *testing.T) {
	h := newHarness(t)
	p := h.measure("2.1.5.1", accountResource(), "")
	containsAll(t, descriptions(p), "turn on S3 Block Public Access for account "+testAccount+": none configured -> all four on (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)")
	if !allOn(h.acct.AccountPublicAccessBlock()) {
		t.Errorf("configuration %+v", h.acct.AccountPublicAccessBlock())
	}
}

func TestAccountPublicAccessBlockCases(t *testing.T) {
	t.Run("some flags on: the others are turned on", func(t *testing.T) {
		h := newHarness(t)
		h.acct.SetAccountPublicAccessBlock(&s3ctltypes.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true)})
		p := h.remediate("2.1.5.1", accountResource(), "")
		if len(p.Actions) != 1 {
			t.Fatalf("plan %s", p)
		}
		if d := p.Actions[0].Description; !strings.HasSuffix(d, ": IgnorePublicAcls false -> true, RestrictPublicBuckets false -> true") {
			t.Errorf("description %q", d)
		}
		if !allOn(h.acct.AccountPublicAccessBlock()) {
			t.Error("not all on")
		}
	})
	t.Run("all on: nothing to do", func(t *testing.T) {
		h := newHarness(t)
		h.acct.SetAccountPublicAccessBlock(&s3ctltypes.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)})
		if p := h.mustPlan("2.1.5.1", accountResource(), ""); !p.Empty() {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("read fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Log.Fail("S3 Control/GetPublicAccessBlock", fake.APIError("AccessDenied", "Access Denied"))
		if err := h.planErr("2.1.5.1", accountResource(), ""); !strings.Contains(err.Error(), "read S3 Block Public Access of account "+testAccount) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("write fails", func(t *testing.T) {
		h := newHarness(t)
		c, tgt := h.target("2.1.5.1", accountResource(), "")
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		h.acct.Log.Fail("S3 Control/PutPublicAccessBlock", fake.Throttled())
		if err := applyPlan(h, c, p); err == nil || !strings.Contains(err.Error(), "turn on S3 Block Public Access for account") {
			t.Errorf("apply error %v", err)
		}
		if h.acct.AccountPublicAccessBlock() != nil {
			t.Error("configuration changed by a failed write")
		}
	})
}

// The fake checks the account id as S3 Control does.
func TestFakeS3ControlAccountID(t *testing.T) {
	h := newHarness(t)
	api := h.acct.S3Control(testRegion)
	_, err := api.GetPublicAccessBlock(t.Context(), &s3control.GetPublicAccessBlockInput{AccountId: aws.String("999999999999")})
	if awsapi.Code(err) != "AccessDenied" {
		t.Errorf("another account: %v", err)
	}
	_, err = api.PutPublicAccessBlock(t.Context(), &s3control.PutPublicAccessBlockInput{PublicAccessBlockConfiguration: &s3ctltypes.PublicAccessBlockConfiguration{}})
	var inv *smithy.InvalidParamsError
	if !errors.As(err, &inv) {
		t.Errorf("missing account id: %v", err)
	}
	// A flag left out is stored as false.
	if _, err := api.PutPublicAccessBlock(t.Context(), &s3control.PutPublicAccessBlockInput{AccountId: aws.String(testAccount), PublicAccessBlockConfiguration: &s3ctltypes.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if c := h.acct.AccountPublicAccessBlock(); c.RestrictPublicBuckets == nil || *c.RestrictPublicBuckets {
		t.Errorf("left-out flag: %+v", c)
	}
}

// 2.1.5.2: bucket Block Public Access.

func TestBucketPublicAccessBlock(t *testing.T) {
	h := newHarness(t)
	h.acct.AddBucket("uploads", testRegion)
	p := h.measure("2.1.5.2", bucketRes("uploads"), "")
	containsAll(t, descriptions(p), "turn on S3 Block Public Access for bucket uploads ("+testRegion+"): none configured -> all four on")
	c := h.acct.Bucket("uploads").PublicAccessBlock
	if c == nil || !aws.ToBool(c.BlockPublicAcls) || !aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || !aws.ToBool(c.RestrictPublicBuckets) {
		t.Errorf("configuration %+v", c)
	}
}

func TestBucketPublicAccessBlockCases(t *testing.T) {
	t.Run("one flag off, bucket in another region", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("web", "ap-southeast-2").PublicAccessBlock = &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(false)}
		p := h.remediate("2.1.5.2", bucketRes("web"), "")
		if len(p.Actions) != 1 || !strings.HasSuffix(p.Actions[0].Description, "bucket web (ap-southeast-2): RestrictPublicBuckets false -> true") {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("all on: nothing to do and no tag read", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("closed", testRegion).PublicAccessBlock = &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}
		h.acct.Log.Reset()
		if p := h.mustPlan("2.1.5.2", bucketRes("closed"), ""); !p.Empty() {
			t.Errorf("plan %s", p)
		}
		if r, w := h.acct.Log.Counts(); r != 2 || w != 0 {
			t.Errorf("%d reads + %d writes", r, w)
		}
	})
	t.Run("exempt public website", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("www", testRegion).Tags["cisguard:exempt"] = "true"
		if err := h.planErr("2.1.5.2", bucketRes("www"), ""); !IsExempt(err) {
			t.Errorf("error %v", err)
		}
		if h.acct.Bucket("www").PublicAccessBlock != nil {
			t.Error("exempt bucket changed")
		}
	})
	t.Run("vanished", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("tmp", testRegion)
		h.acct.DeleteBucket("tmp")
		if p := h.mustPlan("2.1.5.2", bucketRes("tmp"), ""); !p.Empty() || !strings.Contains(strings.Join(p.Notes, ""), "no longer exists") {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("read fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("x1", testRegion)
		h.acct.Log.Fail("S3/GetPublicAccessBlock", fake.APIError("AccessDenied", "Access Denied"))
		if err := h.planErr("2.1.5.2", bucketRes("x1"), ""); !strings.Contains(err.Error(), "read S3 Block Public Access of bucket x1") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("locating the bucket fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("x2", testRegion)
		h.acct.Log.Fail("S3/GetBucketLocation", fake.Throttled())
		if err := h.planErr("2.1.5.2", bucketRes("x2"), ""); !strings.Contains(err.Error(), "locate bucket x2") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("write fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("x3", testRegion)
		c, tgt := h.target("2.1.5.2", bucketRes("x3"), "")
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		h.acct.Log.Fail("S3/PutPublicAccessBlock", fake.Throttled())
		if err := applyPlan(h, c, p); err == nil || !strings.Contains(err.Error(), "turn on S3 Block Public Access for bucket x3") {
			t.Errorf("apply error %v", err)
		}
		if h.acct.Bucket("x3").PublicAccessBlock != nil {
			t.Error("configuration changed by a failed write")
		}
	})
}

// 2.2.1: EBS encryption by default.

func TestEBSDefaultEncryption(t *testing.T) {
	h := newHarness(t)
	p := h.measure("2.2.1", accountResource(), "")
	containsAll(t, descriptions(p), "turn on EBS encryption by default for account "+testAccount+" in "+testRegion+": off -> on")
	if !h.acct.EC2(testRegion).EBSEncryptionByDefault() {
		t.Error("still off")
	}
	if h.acct.EC2("us-east-1").EBSEncryptionByDefault() {
		t.Error("another region was changed")
	}
}

func TestEBSDefaultEncryptionCases(t *testing.T) {
	t.Run("already on", func(t *testing.T) {
		h := newHarness(t)
		h.remediate("2.2.1", accountResource(), "")
		h.acct.Log.Reset()
		if p := h.mustPlan("2.2.1", accountResource(), ""); !p.Empty() || h.writes() != 0 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("read fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Log.Fail("EC2/GetEbsEncryptionByDefault", fake.Throttled())
		if err := h.planErr("2.2.1", accountResource(), ""); !strings.Contains(err.Error(), "read EBS encryption by default in "+testRegion) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("write fails", func(t *testing.T) {
		h := newHarness(t)
		c, tgt := h.target("2.2.1", accountResource(), "")
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		h.acct.Log.Fail("EC2/EnableEbsEncryptionByDefault", fake.APIError("UnauthorizedOperation", "not authorized"))
		if err := applyPlan(h, c, p); err == nil || !strings.Contains(err.Error(), "turn on EBS encryption by default") {
			t.Errorf("apply error %v", err)
		}
		if h.acct.EC2(testRegion).EBSEncryptionByDefault() {
			t.Error("changed by a failed write")
		}
	})
}

// 2.1.1: bucket default encryption.

func TestBucketEncryption(t *testing.T) {
	h := newHarness(t)
	h.acct.AddBucket("legacy", testRegion).Encryption = s3types.ServerSideEncryptionConfiguration{} // a bucket from before SSE-S3 by default
	p := h.measure("2.1.1", bucketRes("legacy"), "")
	containsAll(t, descriptions(p), "set default encryption of bucket legacy ("+testRegion+"): none -> SSE-S3 (AES256)")
	r := h.acct.Bucket("legacy").Encryption.Rules
	if len(r) != 1 || r[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 {
		t.Errorf("encryption %+v", r)
	}
}

func TestBucketEncryptionCases(t *testing.T) {
	t.Run("AWS answers ServerSideEncryptionConfigurationNotFoundError", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("old", testRegion)
		h.acct.Log.Fail("S3/GetBucketEncryption", fake.APIError("ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found"))
		if p := h.remediate("2.1.1", bucketRes("old"), ""); len(p.Actions) != 1 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("SSE-KMS is kept", func(t *testing.T) {
		h := newHarness(t)
		kms := s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")},
			BucketKeyEnabled:                   aws.Bool(true),
		}}}
		h.acct.AddBucket("secret", testRegion).Encryption = kms
		h.acct.Log.Reset()
		if p := h.mustPlan("2.1.1", bucketRes("secret"), ""); !p.Empty() || h.writes() != 0 {
			t.Errorf("plan %s", p)
		}
		if got := h.acct.Bucket("secret").Encryption; mustJSON(got) != mustJSON(kms) {
			t.Errorf("encryption changed: %+v", got)
		}
	})
	t.Run("default SSE-S3 of a new bucket", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("new", testRegion)
		if p := h.mustPlan("2.1.1", bucketRes("new"), ""); !p.Empty() {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("exempt", func(t *testing.T) {
		h := newHarness(t)
		b := h.acct.AddBucket("legacy", testRegion)
		b.Encryption = s3types.ServerSideEncryptionConfiguration{}
		b.Tags["cisguard:exempt"] = "true"
		if err := h.planErr("2.1.1", bucketRes("legacy"), ""); !IsExempt(err) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("vanished", func(t *testing.T) {
		h := newHarness(t)
		if p := h.mustPlan("2.1.1", bucketRes("nobucket"), ""); !p.Empty() || len(p.Notes) != 1 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("read fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("x", testRegion)
		h.acct.Log.Fail("S3/GetBucketEncryption", fake.APIError("AccessDenied", "Access Denied"))
		if err := h.planErr("2.1.1", bucketRes("x"), ""); !strings.Contains(err.Error(), "read default encryption of bucket x") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("write fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket("y", testRegion).Encryption = s3types.ServerSideEncryptionConfiguration{}
		c, tgt := h.target("2.1.1", bucketRes("y"), "")
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		h.acct.Log.Fail("S3/PutBucketEncryption", fake.Throttled())
		if err := applyPlan(h, c, p); err == nil || !strings.Contains(err.Error(), "set default encryption of bucket y") {
			t.Errorf("apply error %v", err)
		}
	})
}

// 2.3.1: RDS encryption (guidance).

// guide runs a control's guidance through Explain under its declaration.
func postgres(id string) rdstypes.DBInstance {
	return rdstypes.DBInstance{
		DBInstanceIdentifier: aws.String(id),
		Engine:               aws.String("postgres"), EngineVersion: aws.String("15.4"),
		DBInstanceClass: aws.String("db.m6g.large"), AllocatedStorage: aws.Int32(200), StorageType: aws.String("gp3"),
		StorageEncrypted: aws.Bool(false), MultiAZ: aws.Bool(true), DeletionProtection: aws.Bool(true),
		Endpoint:                         &rdstypes.Endpoint{Address: aws.String(id + ".c9akciq32.eu-west-1.rds.amazonaws.com"), Port: aws.Int32(5432)},
		DBSubnetGroup:                    &rdstypes.DBSubnetGroup{DBSubnetGroupName: aws.String("db-private")},
		VpcSecurityGroups:                []rdstypes.VpcSecurityGroupMembership{{VpcSecurityGroupId: aws.String("sg-0db1")}, {VpcSecurityGroupId: aws.String("sg-0db2")}},
		DBParameterGroups:                []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: aws.String("pg15-tuned")}},
		ReadReplicaDBInstanceIdentifiers: []string{"orders-ro"},
	}
}

func TestRDSEncryptionGuide(t *testing.T) {
	h := newHarness(t)
	h.acct.RDS(testRegion).AddDBInstance(postgres("orders"))
	g, err := h.guide("2.3.1", rdsRes("orders"), "")
	if err != nil || g == nil {
		t.Fatalf("guide %v, %v", g, err)
	}
	if want := "DB instance orders in eu-west-1 (postgres 15.4, db.m6g.large, 200 GiB gp3, Multi-AZ) stores its data unencrypted"; !strings.HasPrefix(g.Summary, want) {
		t.Errorf("summary %q", g.Summary)
	}
	containsAll(t, g.Steps,
		"downtime",
		"aws rds create-db-snapshot --region eu-west-1 --db-instance-identifier orders --db-snapshot-identifier orders-cisguard-unencrypted",
		"aws rds copy-db-snapshot --region eu-west-1 --source-db-snapshot-identifier orders-cisguard-unencrypted --target-db-snapshot-identifier orders-cisguard-encrypted --kms-key-id alias/aws/rds",
		"aws rds restore-db-instance-from-db-snapshot --region eu-west-1 --db-instance-identifier orders-encrypted --db-snapshot-identifier orders-cisguard-encrypted --db-instance-class db.m6g.large --storage-type gp3 --db-subnet-group-name db-private --vpc-security-group-ids sg-0db1 sg-0db2 --db-parameter-group-name pg15-tuned --multi-az --no-publicly-accessible --deletion-protection",
		"Recreate its 1 read replica(s) (orders-ro) from orders-encrypted",
		"keeping the endpoint orders.c9akciq32.eu-west-1.rds.amazonaws.com:5432",
		"aws rds modify-db-instance --region eu-west-1 --db-instance-identifier orders --new-db-instance-identifier orders-unencrypted --apply-immediately",
		"aws rds modify-db-instance --region eu-west-1 --db-instance-identifier orders-encrypted --new-db-instance-identifier orders --apply-immediately",
		"now orders-unencrypted, has deletion protection: turn it off first, aws rds modify-db-instance --region eu-west-1 --db-instance-identifier orders-unencrypted --no-deletion-protection",
		"aws rds delete-db-instance --region eu-west-1 --db-instance-identifier orders-unencrypted --final-db-snapshot-identifier orders-final",
	)
	checkNeverDeletesLiveName(t, g, "orders")
}

// checkNeverDeletesLiveName asserts that, followed in order, the steps
// never delete the instance that holds the name id at that point: after
// the rename, that is the new encrypted instance.
func checkNeverDeletesLiveName(t *testing.T, g *Guidance, id string) {
	t.Helper()
	for _, s := range g.Steps {
		if strings.Contains(s, "delete-db-instance --region eu-west-1 --db-instance-identifier "+id+" ") {
			t.Errorf("a step deletes %s, which is the encrypted instance once renamed: %s", id, s)
		}
	}
}

func TestRDSEncryptionGuideCases(t *testing.T) {
	t.Run("configured KMS key", func(t *testing.T) {
		h := newHarness(t)
		h.acct.RDS(testRegion).AddDBInstance(postgres("orders"))
		g, err := h.guide("2.3.1", rdsRes("orders"), "kmsKeyId: alias/rds-data")
		if err != nil {
			t.Fatal(err)
		}
		containsAll(t, g.Steps, "--kms-key-id alias/rds-data")
	})
	t.Run("encrypted instance: nothing to do", func(t *testing.T) {
		h := newHarness(t)
		db := postgres("safe")
		db.StorageEncrypted = aws.Bool(true)
		h.acct.RDS(testRegion).AddDBInstance(db)
		if g, err := h.guide("2.3.1", rdsRes("safe"), ""); g != nil || err != nil {
			t.Errorf("guide %v, %v", g, err)
		}
	})
	t.Run("vanished instance: nothing to do", func(t *testing.T) {
		h := newHarness(t)
		rds := h.acct.RDS(testRegion)
		rds.AddDBInstance(postgres("old"))
		rds.DeleteDBInstance("old")
		if g, err := h.guide("2.3.1", rdsRes("old"), ""); g != nil || err != nil {
			t.Errorf("guide %v, %v", g, err)
		}
	})
	t.Run("exempt", func(t *testing.T) {
		h := newHarness(t)
		db := postgres("legacy")
		db.TagList = []rdstypes.Tag{{Key: aws.String("cisguard:exempt"), Value: aws.String("true")}}
		h.acct.RDS(testRegion).AddDBInstance(db)
		if _, err := h.guide("2.3.1", rdsRes("legacy"), ""); !IsExempt(err) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("Aurora member: the cluster is replaced", func(t *testing.T) {
		h := newHarness(t)
		h.acct.RDS(testRegion).AddDBInstance(rdstypes.DBInstance{
			DBInstanceIdentifier: aws.String("billing-1"), DBClusterIdentifier: aws.String("billing"),
			Engine: aws.String("aurora-mysql"), EngineVersion: aws.String("8.0.mysql_aurora.3.05.2"), DBInstanceClass: aws.String("db.r6g.xlarge"),
			StorageEncrypted: aws.Bool(false), DBSubnetGroup: &rdstypes.DBSubnetGroup{DBSubnetGroupName: aws.String("db-private")},
		})
		g, err := h.guide("2.3.1", rdsRes("billing-1"), "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(g.Summary, "belongs to Aurora cluster billing") {
			t.Errorf("summary %q", g.Summary)
		}
		containsAll(t, g.Steps,
			"aws rds create-db-cluster-snapshot --region eu-west-1 --db-cluster-identifier billing --db-cluster-snapshot-identifier billing-cisguard-unencrypted",
			"aws rds copy-db-cluster-snapshot --region eu-west-1 --source-db-cluster-snapshot-identifier billing-cisguard-unencrypted --target-db-cluster-snapshot-identifier billing-cisguard-encrypted --kms-key-id alias/aws/rds",
			"restore-db-cluster-from-snapshot --region eu-west-1 --db-cluster-identifier billing-encrypted --snapshot-identifier billing-cisguard-encrypted --engine aurora-mysql --engine-version 8.0.mysql_aurora.3.05.2 --db-subnet-group-name db-private",
			"create-db-instance --region eu-west-1 --db-cluster-identifier billing-encrypted --db-instance-identifier billing-1-encrypted --db-instance-class db.r6g.xlarge",
			"downtime",
		)
	})
	t.Run("read replica: the source first", func(t *testing.T) {
		h := newHarness(t)
		db := postgres("orders-ro")
		db.ReadReplicaSourceDBInstanceIdentifier = aws.String("orders")
		db.ReadReplicaDBInstanceIdentifiers = nil
		db.DeletionProtection = aws.Bool(false)
		h.acct.RDS(testRegion).AddDBInstance(db)
		g, err := h.guide("2.3.1", rdsRes("orders-ro"), "")
		if err != nil {
			t.Fatal(err)
		}
		containsAll(t, []string{g.Summary}, "orders-ro in eu-west-1 (postgres 15.4, db.m6g.large, 200 GiB gp3, Multi-AZ) is an unencrypted read replica of orders")
		containsAll(t, g.Steps, "Encrypt the source instance orders first",
			"create-db-instance-read-replica --region eu-west-1 --db-instance-identifier orders-ro-encrypted --source-db-instance-identifier orders",
			"delete-db-instance --region eu-west-1 --db-instance-identifier orders-ro-unencrypted --skip-final-snapshot")
		checkNeverDeletesLiveName(t, g, "orders-ro")
		if strings.Contains(strings.Join(g.Steps, "\n"), "deletion protection") {
			t.Error("deletion protection step for an unprotected instance")
		}
	})
	t.Run("long identifiers stay within 63 characters", func(t *testing.T) {
		h := newHarness(t)
		long := strings.Repeat("a", 50) + "-" + strings.Repeat("b", 12) // 63
		h.acct.RDS(testRegion).AddDBInstance(postgres(long))
		g, err := h.guide("2.3.1", rdsRes(long), "")
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Repeat("a", 50) + "-" + strings.Repeat("b", 2) + "-encrypted"
		containsAll(t, g.Steps, "--db-instance-identifier "+want+" ")
	})
	t.Run("describe fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Log.Fail("RDS/DescribeDBInstances", fake.Throttled())
		if _, err := h.guide("2.3.1", rdsRes("orders"), ""); err == nil || !strings.Contains(err.Error(), "describe DB instance orders in eu-west-1") {
			t.Errorf("error %v", err)
		}
	})
}

func TestRDSEncryptionParams(t *testing.T) {
	for _, key := range []string{"alias/aws/rds", "alias/team-key", "1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:eu-west-1:111122223333:alias/team-key"} {
		if err := (&RDSEncryptionParams{KMSKeyID: key}).Validate(); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	for _, key := range []string{"", "aws/rds", "alias/", "arn:aws:s3:::bucket", "key with spaces"} {
		if err := (&RDSEncryptionParams{KMSKeyID: key}).Validate(); err == nil {
			t.Errorf("%q accepted", key)
		}
	}
}

// The fake RDS finds instances by identifier (any case) or ARN and pages
// the full list.
func TestFakeRDSDescribe(t *testing.T) {
	h := newHarness(t)
	rds := h.acct.RDS(testRegion)
	for i := range 45 {
		rds.AddDBInstance(postgres("db" + string(rune('a'+i/26)) + string(rune('a'+i%26))))
	}
	var n int
	pages := rdssdk.NewDescribeDBInstancesPaginator(rds, &rdssdk.DescribeDBInstancesInput{MaxRecords: aws.Int32(20)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		n += len(pg.DBInstances)
	}
	if n != 45 {
		t.Errorf("%d instances over the pages, want 45", n)
	}
	for _, id := range []string{"DBAA", "arn:aws:rds:eu-west-1:111122223333:db:dbab"} {
		out, err := rds.DescribeDBInstances(t.Context(), &rdssdk.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
		if err != nil || len(out.DBInstances) != 1 {
			t.Errorf("%s: %v", id, err)
		}
	}
	if _, err := rds.DescribeDBInstances(t.Context(), &rdssdk.DescribeDBInstancesInput{MaxRecords: aws.Int32(10)}); awsapi.Code(err) != "InvalidParameterValue" {
		t.Errorf("MaxRecords 10: %v", err)
	}
	if _, err := rds.DescribeDBInstances(t.Context(), &rdssdk.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")}); !awsapi.IsNotFound(err) {
		t.Errorf("unknown instance: %v", err)
	}
}

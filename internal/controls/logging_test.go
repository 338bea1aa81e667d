package controls

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

func init() {
	// Tests simulate IAM propagation with injected failures; no waiting.
	roleWait = []time.Duration{0, 0, 0}
}

const trailBucketName = "org-trail-logs"

func trailARN(region, name string) string {
	return "arn:aws:cloudtrail:" + region + ":" + testAccount + ":trail/" + name
}

func trailRes(region, name string) finding.Resource {
	return resource("AwsCloudTrailTrail", trailARN(region, name))
}

// addTrail seeds a trail homed in region, with a bucket in that region
// whose policy lets it write; edit tweaks it before seeding.
func addTrail(h *harness, region, name string, edit func(*fake.Trail)) string {
	if h.acct.Bucket(trailBucketName) == nil {
		b := h.acct.AddBucket(trailBucketName, region)
		b.Policy = (&policyDocument{Version: "2012-10-17", Statement: []map[string]any{
			{"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::" + trailBucketName},
			{"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::" + trailBucketName + "/*"},
		}}).String()
	}
	tr := fake.Trail{Trail: types.Trail{Name: aws.String(name), S3BucketName: aws.String(trailBucketName), IsMultiRegionTrail: aws.Bool(true)}, Logging: true}
	if edit != nil {
		edit(&tr)
	}
	return h.acct.CloudTrail(region).AddTrail(tr)
}

// goodTrail seeds the qualifying multi-region trail "main" in the test region.
func goodTrail(h *harness) string { return addTrail(h, testRegion, "main", nil) }

func trailOf(h *harness, arn string) *fake.Trail {
	h.t.Helper()
	tr := h.acct.CloudTrail(arnRegion(arn)).Trail(arn)
	if tr == nil {
		h.t.Fatalf("trail %s is gone", arn)
	}
	return tr
}

// applyWithFailure plans, injects err into op and applies, returning the outcome.
func applyWithFailure(h *harness, id string, res finding.Resource, settings, op string, err error) plan.Outcome {
	h.t.Helper()
	c, t := h.target(id, res, settings)
	p, perr := h.plan(c, t)
	if perr != nil {
		h.t.Fatalf("%s plan: %v", id, perr)
	}
	h.acct.Log.Fail(op, err)
	return plan.Apply(h.ctx(c), p)
}

func doneCount(o plan.Outcome) int {
	n := 0
	for _, r := range o.Results {
		if r.Done {
			n++
		}
	}
	return n
}

// Trail discovery.

func TestDiscoverTrail(t *testing.T) {
	h := newHarness(t)
	// A single-region trail, a multi-region trail that is not logging,
	// one with write-only management events, then the qualifying one,
	// homed in another region (a shadow here).
	addTrail(h, testRegion, "local", func(tr *fake.Trail) { tr.IsMultiRegionTrail = aws.Bool(false) })
	addTrail(h, testRegion, "stopped", func(tr *fake.Trail) { tr.Logging = false })
	addTrail(h, testRegion, "writeonly", func(tr *fake.Trail) {
		tr.Classic = []types.EventSelector{{ReadWriteType: types.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true)}}
	})
	want := addTrail(h, "us-east-1", "org", nil)
	addTrail(h, "us-west-2", "single-elsewhere", func(tr *fake.Trail) { tr.IsMultiRegionTrail = aws.Bool(false) })

	c, tg := h.target("3.2", accountResource(), "")
	tr, err := discoverTrail(h.ctx(c), tg, "")
	if err != nil {
		t.Fatal(err)
	}
	if tr.arn() != want || !tr.qualifies() || tr.region() != "us-east-1" {
		t.Fatalf("discovered %s (qualifies %v), want %s", tr.arn(), tr.qualifies(), want)
	}
	// Reads of a trail go to its home region.
	for _, call := range h.acct.Log.Calls() {
		if call.Operation == "GetTrailStatus" && call.Region != "eu-west-1" && call.Region != "us-east-1" {
			t.Errorf("status read in %s", call.Region)
		}
	}
	// A named trail is taken as it is; the single-region trail of another
	// region is invisible here.
	for name, ok := range map[string]bool{"local": true, trailARN(testRegion, "stopped"): true, "single-elsewhere": false} {
		tr, err := discoverTrail(h.ctx(c), tg, name)
		if err != nil || (tr != nil) != ok {
			t.Errorf("discover %s: %v, %v", name, tr, err)
		}
	}
}

func TestSelectorsMerge(t *testing.T) {
	data := types.DataResource{Type: aws.String("AWS::Lambda::Function"), Values: []string{"arn:aws:lambda"}}
	tests := []struct {
		name     string
		classic  []types.EventSelector
		advanced []types.AdvancedEventSelector
		change   string
		err      bool
	}{
		{name: "write-only management becomes All, data kept", classic: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true), DataResources: []types.DataResource{data}}}, change: "ReadWriteType WriteOnly -> All"},
		{name: "excluded KMS events are included again", classic: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true), ExcludeManagementEventSources: []string{"kms.amazonaws.com"}}}, change: "excluded sources [kms.amazonaws.com] -> none"},
		{name: "data-only selector: management selector added", classic: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(false), DataResources: []types.DataResource{data}}}, change: "selector for all management events added"},
		{name: "five data selectors: no room", classic: make([]types.EventSelector, 5), err: true},
		{name: "advanced read-only management loses its filter", advanced: []types.AdvancedEventSelector{{Name: aws.String("mgmt"), FieldSelectors: []types.AdvancedFieldSelector{equalsField("eventCategory", "Management"), equalsField("readOnly", "true")}}}, change: `advanced selector "mgmt": conditions other than eventCategory Management removed`},
		{name: "advanced data only: management selector added", advanced: []types.AdvancedEventSelector{{Name: aws.String("s3"), FieldSelectors: []types.AdvancedFieldSelector{equalsField("eventCategory", "Data"), equalsField("resources.type", "AWS::S3::Object")}}}, change: `advanced selector "Management events" added`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.classic {
				if tt.classic[i].IncludeManagementEvents == nil {
					tt.classic[i].IncludeManagementEvents = aws.Bool(false)
				}
			}
			if recordsAllManagement(tt.classic, tt.advanced) {
				t.Fatal("already records all management events")
			}
			s := &selectors{classic: tt.classic, advanced: tt.advanced}
			n := s.count()
			change, err := s.addAllManagement()
			if (err != nil) != tt.err {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			if !strings.Contains(change, tt.change) {
				t.Errorf("change %q, want %q", change, tt.change)
			}
			if !recordsAllManagement(s.classic, s.advanced) {
				t.Errorf("still not recording all management events: %+v %+v", s.classic, s.advanced)
			}
			if s.count() < n {
				t.Errorf("selectors dropped: %d -> %d", n, s.count())
			}
		})
	}
}

// 3.1

// 3.1 makes its trail in one home region, whatever the finding's region.
func TestCloudTrailCreatesTrail(t *testing.T) {
	for _, tc := range []struct{ region, settings, home string }{
		{testRegion, "", "us-east-1"},
		{"us-east-1", "", "us-east-1"},
		{"us-west-2", "homeRegion: eu-west-1", "eu-west-1"},
	} {
		t.Run(tc.region+" "+tc.settings, func(t *testing.T) {
			h := newHarness(t)
			h.region = tc.region
			p := h.measure("3.1", accountResource(), tc.settings)
			bucket := "cisguard-cloudtrail-" + testAccount + "-" + tc.home
			logBucket := "cisguard-access-logs-" + testAccount + "-" + tc.home
			b := h.acct.Bucket(bucket)
			if b == nil || b.Region != tc.home || b.Tags["cisguard:managed"] != "true" {
				t.Fatalf("bucket %+v", b)
			}
			if pab := b.PublicAccessBlock; pab == nil || !aws.ToBool(pab.BlockPublicAcls) || !aws.ToBool(pab.RestrictPublicBuckets) {
				t.Errorf("public access block %+v", b.PublicAccessBlock)
			}
			if !strings.Contains(b.Policy, `"aws:SourceArn":"`+trailARN(tc.home, "cisguard-trail")+`"`) {
				t.Errorf("policy lacks the aws:SourceArn condition: %s", b.Policy)
			}
			if b.Logging == nil || aws.ToString(b.Logging.TargetBucket) != logBucket {
				t.Errorf("access logging %+v", b.Logging)
			}
			tr := trailOf(h, trailARN(tc.home, "cisguard-trail"))
			if !aws.ToBool(tr.IsMultiRegionTrail) || !aws.ToBool(tr.LogFileValidationEnabled) || !tr.Logging {
				t.Errorf("trail %+v", tr)
			}
			containsAll(t, descriptions(p), "create bucket "+bucket+" in "+tc.home, "tag bucket "+bucket+" cisguard:managed=true",
				"create bucket "+logBucket+" in "+tc.home, "turn on server access logging of bucket "+bucket+" into "+logBucket,
				"create multi-region trail cisguard-trail in "+tc.home, "start logging on trail cisguard-trail")
		})
	}
}

func TestCloudTrailMergesExistingBucketPolicy(t *testing.T) {
	h := newHarness(t)
	b := h.acct.AddBucket("my-trail-bucket", "us-west-2") // another region: reached through its own client
	b.Policy = `{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::my-trail-bucket/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	p := h.remediate("3.1", accountResource(), "bucket: my-trail-bucket\nnewTrail: audit")
	containsAll(t, descriptions(p), "merge statements CloudTrailAclCheckaudit, CloudTrailWriteaudit into the policy of bucket my-trail-bucket (3 statement(s) in all)")
	if pol := h.acct.Bucket("my-trail-bucket").Policy; !strings.Contains(pol, `"Sid":"Keep"`) {
		t.Errorf("existing statement lost: %s", pol)
	}
	if tr := trailOf(h, trailARN("us-east-1", "audit")); !tr.Logging {
		t.Error("not logging")
	}
}

func TestCloudTrailFixesExistingTrail(t *testing.T) {
	data := types.DataResource{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3:::data-bucket/"}}
	tests := []struct {
		name     string
		settings string
		edit     func(*fake.Trail)
		want     []string
	}{
		{name: "not logging", edit: func(tr *fake.Trail) { tr.Logging = false }, want: []string{"start logging on trail main (home eu-west-1)"}},
		{name: "write-only selectors, data events kept", edit: func(tr *fake.Trail) {
			tr.Classic = []types.EventSelector{{ReadWriteType: types.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true)}, {ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(false), DataResources: []types.DataResource{data}}}
		}, want: []string{"put event selectors on trail main (home eu-west-1): management selector ReadWriteType WriteOnly -> All, excluded sources [] -> none (2 selector(s), data event selectors kept)"}},
		{name: "named single-region trail, stopped", settings: "trail: main", edit: func(tr *fake.Trail) { tr.IsMultiRegionTrail, tr.Logging = aws.Bool(false), false }, want: []string{"make trail main (home eu-west-1) multi-region", "start logging"}},
		{name: "compliant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			arn := addTrail(h, testRegion, "main", tt.edit)
			p := h.remediate("3.1", accountResource(), tt.settings)
			if len(tt.want) == 0 && !p.Empty() {
				t.Fatalf("compliant trail planned:\n%s", p)
			}
			containsAll(t, descriptions(p), tt.want...)
			tr := trailOf(h, arn)
			if len(tt.want) > 0 && len(tr.Classic) == 2 && tr.Classic[1].DataResources[0].Values[0] != "arn:aws:s3:::data-bucket/" {
				t.Errorf("data selector changed: %+v", tr.Classic)
			}
		})
	}
}

func TestCloudTrailShadowTrailFixedInHomeRegion(t *testing.T) {
	h := newHarness(t)
	arn := addTrail(h, "us-east-1", "org", func(tr *fake.Trail) { tr.Logging = false })
	h.acct.Log.Reset()
	h.remediate("3.1", accountResource(), "")
	if !trailOf(h, arn).Logging {
		t.Fatal("not logging")
	}
	for _, c := range h.acct.Log.Calls() {
		if c.Operation == "StartLogging" && c.Region != "us-east-1" {
			t.Errorf("StartLogging sent to %s", c.Region)
		}
	}
}

func TestCloudTrailPartialFailure(t *testing.T) {
	h := newHarness(t)
	o := applyWithFailure(h, "3.1", accountResource(), "", "CloudTrail/CreateTrail", fake.Throttled())
	if o.Err == nil || !strings.Contains(o.Err.Error(), "create multi-region trail cisguard-trail") {
		t.Fatalf("err = %v", o.Err)
	}
	if doneCount(o) != 16 || o.Results[16].Error == "" {
		t.Errorf("results %+v", o.Results)
	}
	// The retry finds the buckets, the key, the log group and the role,
	// and creates only the trail.
	p := h.remediate("3.1", accountResource(), "")
	if d := descriptions(p); len(d) != 2 || !strings.HasPrefix(d[0], "create multi-region trail") {
		t.Errorf("retry plans %v", d)
	}
}

func TestCloudTrailTooManySelectors(t *testing.T) {
	h := newHarness(t)
	addTrail(h, testRegion, "main", func(tr *fake.Trail) {
		for i := 0; i < 5; i++ {
			tr.Classic = append(tr.Classic, types.EventSelector{IncludeManagementEvents: aws.Bool(false), ReadWriteType: types.ReadWriteTypeAll,
				DataResources: []types.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3:::b" + string(rune('a'+i)) + "x/"}}}})
		}
	})
	if err := h.planErr("3.1", accountResource(), ""); !strings.Contains(err.Error(), "5 event selectors") {
		t.Errorf("err = %v", err)
	}
}

// 3.2

func TestLogFileValidation(t *testing.T) {
	h := newHarness(t)
	arn := goodTrail(h)
	p := h.measure("3.2", trailRes(testRegion, "main"), "")
	containsAll(t, descriptions(p), "turn on log file validation of trail main (home eu-west-1) (false -> true)")
	if !aws.ToBool(trailOf(h, arn).LogFileValidationEnabled) {
		t.Error("validation off")
	}
	// An account finding reaches the shadow trail's home region.
	h2 := newHarness(t)
	arn2 := addTrail(h2, "us-east-1", "org", nil)
	h2.remediate("3.2", accountResource(), "")
	if !aws.ToBool(trailOf(h2, arn2).LogFileValidationEnabled) {
		t.Error("shadow trail not updated")
	}
	// Vanished trail.
	if p := h.mustPlan("3.2", trailRes(testRegion, "gone"), ""); !p.Empty() || !strings.Contains(strings.Join(p.Notes, ""), "no longer exists") {
		t.Errorf("vanished trail: %s", p)
	}
	// Error path.
	h3 := newHarness(t)
	goodTrail(h3)
	if o := applyWithFailure(h3, "3.2", trailRes(testRegion, "main"), "", "CloudTrail/UpdateTrail", fake.Throttled()); o.Err == nil {
		t.Error("injected failure lost")
	}
	// No trail at all: 3.1's job.
	if err := newHarness(t).planErr("3.2", accountResource(), ""); !errors.Is(err, errNoTrail) {
		t.Errorf("err = %v", err)
	}
}

func TestOrganizationTrail(t *testing.T) {
	// A member account sees the management account's organization trail:
	// it satisfies 3.1, and nothing can change it from here.
	h := newHarness(t)
	addTrail(h, "us-east-1", "org", func(tr *fake.Trail) {
		tr.TrailARN, tr.IsOrganizationTrail = aws.String("arn:aws:cloudtrail:us-east-1:999988887777:trail/org"), aws.Bool(true)
	})
	if p := h.mustPlan("3.1", accountResource(), ""); !p.Empty() {
		t.Errorf("3.1 planned:\n%s", p)
	}
	for _, id := range []string{"3.2", "3.4", "3.7", "3.10", "4.3"} {
		if err := h.planErr(id, accountResource(), ""); !strings.Contains(err.Error(), "is an organization trail of account 999988887777") {
			t.Errorf("%s: err = %v", id, err)
		}
	}
}

// An organization trail listed before the account's own trail: the
// account's trail is the one sections 3 and 4 work on, and the
// organization trail is never touched.
func TestOwnTrailPreferredOverOrganizationTrail(t *testing.T) {
	h := newHarness(t)
	org := addTrail(h, "us-east-1", "org", func(tr *fake.Trail) {
		tr.TrailARN, tr.IsOrganizationTrail = aws.String("arn:aws:cloudtrail:us-east-1:999988887777:trail/org"), aws.Bool(true)
	})
	own := addTrail(h, testRegion, "main", nil)
	c, tg := h.target("3.2", accountResource(), "")
	if tr, err := discoverTrail(h.ctx(c), tg, ""); err != nil || tr.arn() != own {
		t.Fatalf("discovered %v, %v; want %s", tr, err, own)
	}
	if p := h.mustPlan("3.1", accountResource(), ""); !p.Empty() {
		t.Errorf("3.1 planned:\n%s", p)
	}
	for _, id := range []string{"3.2", "3.4", "3.10", "4.3"} {
		h.remediate(id, accountResource(), "")
	}
	if g := h.acct.Logs(testRegion).LogGroup("/aws/cloudtrail/main"); g == nil || len(g.Filters) != 1 {
		t.Errorf("4.3 did not watch the account's trail: %+v", g)
	}
	before := *h.acct.CloudTrail("us-east-1").Trail(org)
	for _, c := range h.acct.Log.Calls() {
		if c.Write() && c.Service == "CloudTrail" && c.Region == "us-east-1" {
			t.Errorf("%s sent to the organization trail's region", c)
		}
	}
	if after := h.acct.CloudTrail("us-east-1").Trail(org); aws.ToBool(after.LogFileValidationEnabled) != aws.ToBool(before.LogFileValidationEnabled) || after.CloudWatchLogsLogGroupArn != nil {
		t.Errorf("organization trail changed: %+v", after)
	}
}

// 3.3

func TestTrailBucketPublicAccess(t *testing.T) {
	h := newHarness(t)
	goodTrail(h)
	p := h.measure("3.3", bucketRes(trailBucketName), "")
	containsAll(t, descriptions(p), "turn on S3 Block Public Access for bucket "+trailBucketName)
	if b := h.acct.Bucket(trailBucketName); !aws.ToBool(b.PublicAccessBlock.BlockPublicPolicy) {
		t.Error("not blocked")
	}

	// Through the trail: its bucket, in its own region.
	h2 := newHarness(t)
	addTrail(h2, "us-east-1", "org", nil)
	h2.remediate("3.3", trailRes("us-east-1", "org"), "")
	if h2.acct.Bucket(trailBucketName).PublicAccessBlock == nil {
		t.Error("trail bucket not blocked")
	}

	// Exempt bucket.
	h3 := newHarness(t)
	goodTrail(h3)
	setBucketTag(h3, trailBucketName, "cisguard:exempt", "true")
	if err := h3.planErr("3.3", accountResource(), ""); !IsExempt(err) {
		t.Errorf("err = %v", err)
	}
	// Vanished trail.
	if p := h3.mustPlan("3.3", trailRes(testRegion, "gone"), ""); !p.Empty() || len(p.Notes) != 1 {
		t.Errorf("vanished: %s", p)
	}
}

// setBucketTag tags a seeded bucket (Account.Bucket returns a copy, so
// the bucket is seeded again with the tag).
func setBucketTag(h *harness, bucket, key, value string) {
	h.t.Helper()
	b := h.acct.Bucket(bucket)
	h.acct.DeleteBucket(bucket)
	nb := h.acct.AddBucket(bucket, b.Region)
	*nb = *b
	nb.Tags = map[string]string{key: value}
}

// 3.4

func TestTrailLogs(t *testing.T) {
	h := newHarness(t)
	arn := goodTrail(h)
	p := h.measure("3.4", trailRes(testRegion, "main"), "")
	containsAll(t, descriptions(p),
		"create CloudWatch Logs group /aws/cloudtrail/main in eu-west-1",
		"keep the events of log group /aws/cloudtrail/main for 365 days",
		"create IAM role cisguard-cloudtrail-to-cloudwatch-logs trusted by cloudtrail.amazonaws.com",
		"put inline policy CloudTrailWriteToawscloudtrailmain (logs:CreateLogStream, logs:PutLogEvents on arn:aws:logs:eu-west-1:111122223333:log-group:/aws/cloudtrail/main:log-stream:*) on role cisguard-cloudtrail-to-cloudwatch-logs",
		"send the events of trail main (home eu-west-1) to CloudWatch Logs group /aws/cloudtrail/main")
	tr := trailOf(h, arn)
	if aws.ToString(tr.CloudWatchLogsLogGroupArn) != "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/cloudtrail/main:*" {
		t.Errorf("group %s", aws.ToString(tr.CloudWatchLogsLogGroupArn))
	}
	if g := h.acct.Logs(testRegion).LogGroup("/aws/cloudtrail/main"); g == nil || g.RetentionDays != 365 || g.Tags["cisguard:managed"] != "true" {
		t.Errorf("group %+v", g)
	}
}

// An existing role keeps its policies; the statement goes into a policy
// of its own.
func TestTrailLogsExistingRole(t *testing.T) {
	h := newHarness(t)
	arn := addTrail(h, "us-east-1", "org", nil)
	r := h.acct.AddRole("ct-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	r.Inline["CloudTrailToCloudWatchLogs"] = `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Action":"logs:PutLogEvents","Resource":"arn:aws:logs:us-east-1:111122223333:log-group:other:*"}]}`
	h.acct.Logs("us-east-1").AddLogGroup("trail-events")
	p := h.remediate("3.4", accountResource(), "roleName: ct-logs\nlogGroup: trail-events\nretentionDays: 0")
	if d := descriptions(p); len(d) != 2 {
		t.Errorf("plan %v: group and role exist, want a policy and the trail update", d)
	}
	if r := h.acct.Role("ct-logs"); !strings.Contains(r.Inline["CloudTrailToCloudWatchLogs"], `"Sid":"Other"`) || !strings.Contains(r.Inline["CloudTrailWriteTotrailevents"], "log-group:trail-events:log-stream:*") {
		t.Errorf("policies %v", r.Inline)
	}
	if !strings.Contains(aws.ToString(trailOf(h, arn).CloudWatchLogsLogGroupArn), "us-east-1:111122223333:log-group:trail-events:*") {
		t.Error("trail not delivering to the group of its home region")
	}
}

func TestTrailLogsCases(t *testing.T) {
	t.Run("role that does not trust CloudTrail", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		h.acct.AddRole("cisguard-cloudtrail-to-cloudwatch-logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
		if err := h.planErr("3.4", accountResource(), ""); !strings.Contains(err.Error(), "cloudtrail.amazonaws.com may not assume it") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("new role not yet visible to CloudTrail is retried", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		c, tg := h.target("3.4", accountResource(), "")
		p, err := h.plan(c, tg)
		if err != nil {
			t.Fatal(err)
		}
		h.acct.Log.Fail("CloudTrail/UpdateTrail", codeErr("InvalidCloudWatchLogsRoleArnException"), codeErr("InvalidCloudWatchLogsRoleArnException"))
		if err := applyPlan(h, c, p); err != nil {
			t.Fatalf("not retried: %v", err)
		}
	})
	t.Run("deleted log group is recreated", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		h.remediate("3.4", accountResource(), "")
		h.acct.Logs(testRegion).DeleteLogGroup("/aws/cloudtrail/main")
		p := h.remediate("3.4", accountResource(), "")
		if d := descriptions(p); len(d) != 2 || !strings.HasPrefix(d[0], "create CloudWatch Logs group /aws/cloudtrail/main") {
			t.Errorf("plan %v", d)
		}
	})
	t.Run("log group pagination", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		logs := h.acct.Logs(testRegion)
		for i := 0; i < 60; i++ {
			logs.AddLogGroup("/aws/cloudtrail/main-" + string(rune('a'+i/26)) + string(rune('a'+i%26)))
		}
		logs.AddLogGroup("/aws/cloudtrail/main")
		p := h.remediate("3.4", accountResource(), "")
		if strings.Contains(p.String(), "create CloudWatch Logs group") {
			t.Errorf("existing group on page 2 missed:\n%s", p)
		}
	})
	t.Run("vanished trail and bad params", func(t *testing.T) {
		h := newHarness(t)
		if p := h.mustPlan("3.4", trailRes(testRegion, "gone"), ""); !p.Empty() || len(p.Notes) != 1 {
			t.Errorf("vanished: %s", p)
		}
		for _, bad := range []string{"retentionDays: 42", "roleName: 'bad name'", "logGroup: 'a b'", "trail: '-x'"} {
			var cfg CloudWatchLogsParams
			if err := decodeYAML(bad, &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.RoleName == "" {
				cfg.RoleName = "ok"
			}
			if cfg.Validate() == nil {
				t.Errorf("%s accepted", bad)
			}
		}
	})
}

func codeErr(code string) error { return fake.APIError(code, "simulated") }

// 3.6

func TestTrailBucketLogging(t *testing.T) {
	h := newHarness(t)
	goodTrail(h)
	p := h.measure("3.6", bucketRes(trailBucketName), "")
	logBucket := "cisguard-access-logs-" + testAccount + "-" + testRegion
	containsAll(t, descriptions(p), "create bucket "+logBucket+" in eu-west-1", "turn on server access logging of bucket "+trailBucketName+" into "+logBucket+"/"+trailBucketName+"/")
	if l := h.acct.Bucket(trailBucketName).Logging; l == nil || aws.ToString(l.TargetBucket) != logBucket {
		t.Errorf("logging %+v", l)
	}
	if pol := h.acct.Bucket(logBucket).Policy; !strings.Contains(pol, "logging.s3.amazonaws.com") || !strings.Contains(pol, `"aws:SourceAccount":"`+testAccount+`"`) {
		t.Errorf("log bucket policy %s", pol)
	}
}

func TestTrailBucketLoggingCases(t *testing.T) {
	t.Run("existing log bucket: policy merged", func(t *testing.T) {
		h := newHarness(t)
		addTrail(h, "us-west-2", "west", nil)
		lb := h.acct.AddBucket("logs-west", "us-west-2")
		lb.Policy = `{"Version":"2012-10-17","Statement":[{"Sid":"Mine","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::logs-west/*"}]}`
		p := h.remediate("3.6", trailRes("us-west-2", "west"), "logBucket: logs-west")
		if d := descriptions(p); len(d) != 2 || !strings.Contains(d[0], "merge statements S3ServerAccessLogs into the policy of bucket logs-west (2 statement(s) in all)") {
			t.Errorf("plan %v", d)
		}
	})
	t.Run("log bucket in another region", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		h.acct.AddBucket("logs-east", "us-east-1")
		if err := h.planErr("3.6", bucketRes(trailBucketName), "logBucket: logs-east"); !strings.Contains(err.Error(), "is in us-east-1, it must be in eu-west-1") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("itself", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		if err := h.planErr("3.6", bucketRes(trailBucketName), "logBucket: "+trailBucketName); !strings.Contains(err.Error(), "cannot log its own") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("vanished bucket", func(t *testing.T) {
		h := newHarness(t)
		if p := h.mustPlan("3.6", bucketRes("nope"), ""); !p.Empty() || len(p.Notes) != 1 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("exempt bucket", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		setBucketTag(h, trailBucketName, "cisguard:exempt", "TRUE")
		if err := h.planErr("3.6", accountResource(), ""); !IsExempt(err) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("PutBucketLogging fails after the log bucket is made", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		o := applyWithFailure(h, "3.6", bucketRes(trailBucketName), "", "S3/PutBucketLogging", fake.Throttled())
		if o.Err == nil || doneCount(o) != 4 {
			t.Errorf("outcome %+v", o)
		}
	})
}

// 3.7

func TestTrailEncryption(t *testing.T) {
	h := newHarness(t)
	arn := goodTrail(h)
	p := h.measure("3.7", trailRes(testRegion, "main"), "")
	containsAll(t, descriptions(p), "name the new key alias/CIS_CloudTrail_Encryption_Key", "encrypt the log files of trail main (home eu-west-1) with KMS key alias/CIS_CloudTrail_Encryption_Key (eu-west-1)")
	k := h.acct.KMS(testRegion).Key("alias/CIS_CloudTrail_Encryption_Key")
	if k == nil || !k.Rotation || k.Tags["cisguard:managed"] != "true" || aws.ToString(trailOf(h, arn).KmsKeyId) != k.ARN {
		t.Fatalf("key %+v, trail key %s", k, aws.ToString(trailOf(h, arn).KmsKeyId))
	}
	for _, want := range []string{`"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"`, `"kms:CallerAccount":"111122223333"`, `"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:111122223333:trail/*"`} {
		if !strings.Contains(k.Policy, want) {
			t.Errorf("key policy lacks %s: %s", want, k.Policy)
		}
	}
}

func TestTrailEncryptionCases(t *testing.T) {
	t.Run("key cisguard made: policy merged", func(t *testing.T) {
		h := newHarness(t)
		arn := goodTrail(h)
		key := h.acct.KMS(testRegion).AddKey(fake.Key{Description: "logs", Aliases: []string{"alias/logs"}, Tags: map[string]string{"cisguard:managed": "true"}})
		p := h.remediate("3.7", accountResource(), "kmsKey: alias/logs")
		containsAll(t, descriptions(p), "merge statements AllowCloudTrailEncrypt, AllowCloudTrailDescribeKey, AllowAccountDecryptCloudTrailLogs into the policy of KMS key alias/logs (made by cisguard)")
		k := h.acct.KMS(testRegion).Key(key)
		if !strings.Contains(k.Policy, "Enable IAM User Permissions") || aws.ToString(trailOf(h, arn).KmsKeyId) != key {
			t.Errorf("policy %s", k.Policy)
		}
	})
	t.Run("existing key already usable", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*","Condition":{"StringLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}}]}`
		key := h.acct.KMS(testRegion).AddKey(fake.Key{Policy: pol})
		p := h.remediate("3.7", accountResource(), "kmsKey: "+key)
		if len(p.Actions) != 1 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("key in the bucket's region", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddBucket(trailBucketName, "us-west-2").Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["s3:GetBucketAcl","s3:PutObject"],"Resource":"*"}]}`
		addTrail(h, testRegion, "main", nil)
		h.remediate("3.7", accountResource(), "")
		if h.acct.KMS("us-west-2").Key("alias/CIS_CloudTrail_Encryption_Key") == nil {
			t.Error("key not created in the bucket's region")
		}
	})
	t.Run("missing key id", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		if err := h.planErr("3.7", accountResource(), "kmsKey: 1234abcd-12ab-34cd-56ef-1234567890ab"); !strings.Contains(err.Error(), "NotFoundException") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("disabled key", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		h.acct.KMS(testRegion).AddKey(fake.Key{State: kmstypes.KeyStateDisabled, Aliases: []string{"alias/off"}})
		if err := h.planErr("3.7", accountResource(), "kmsKey: alias/off"); !strings.Contains(err.Error(), "enabled symmetric key") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("AWS managed alias refused", func(t *testing.T) {
		if (&TrailKeyParams{KMSKey: "alias/aws/s3"}).Validate() == nil {
			t.Error("accepted")
		}
	})
	t.Run("user's key without CloudTrail's grant: steps, nothing changed", func(t *testing.T) {
		h := newHarness(t)
		arn := goodTrail(h)
		key := h.acct.KMS(testRegion).AddKey(fake.Key{Description: "team key", Aliases: []string{"alias/team"}})
		before := h.acct.KMS(testRegion).Key(key).Policy
		p := h.mustPlan("3.7", accountResource(), "kmsKey: alias/team")
		if len(p.Actions) != 0 || len(p.Residuals) != 1 {
			t.Fatalf("plan %s", p)
		}
		r := p.Residuals[0]
		containsAll(t, append([]string{r.Reason}, r.Steps...), "KMS key alias/team ("+key+") does not let CloudTrail encrypt the log files of trail main",
			"aws kms get-key-policy --region eu-west-1 --key-id "+key+" --policy-name default --query Policy --output text > key-policy.json",
			`"Sid": "AllowCloudTrailEncrypt"`, "aws kms put-key-policy --region eu-west-1 --key-id "+key,
			"aws cloudtrail update-trail --region eu-west-1 --name "+arn+" --kms-key-id "+key)
		if h.acct.KMS(testRegion).Key(key).Policy != before || trailOf(h, arn).KmsKeyId != nil {
			t.Error("changed")
		}
	})
	for _, op := range []string{"KMS/EnableKeyRotation", "KMS/CreateAlias"} {
		t.Run(op+" fails: the rerun names the key made, makes no other", func(t *testing.T) {
			h := newHarness(t)
			arn := goodTrail(h)
			o := applyWithFailure(h, "3.7", accountResource(), "", op, fake.Throttled())
			if o.Err == nil || trailOf(h, arn).KmsKeyId != nil {
				t.Fatalf("outcome %+v", o)
			}
			p := h.remediate("3.7", accountResource(), "")
			containsAll(t, descriptions(p), "which cisguard made for it earlier")
			keys := h.acct.KMS(testRegion).Keys()
			if len(keys) != 1 || !keys[0].Rotation || aws.ToString(trailOf(h, arn).KmsKeyId) != keys[0].ARN {
				t.Errorf("keys %+v", keys)
			}
		})
	}
	t.Run("a key of the description, not tagged, is not adopted", func(t *testing.T) {
		h := newHarness(t)
		goodTrail(h)
		h.acct.KMS(testRegion).AddKey(fake.Key{Description: "cisguard: encrypts CloudTrail log files (CIS 3.7) as alias/CIS_CloudTrail_Encryption_Key"})
		p := h.remediate("3.7", accountResource(), "")
		containsAll(t, descriptions(p), "create a symmetric KMS key")
	})
}

// 3.8

func keyRes(region, arn string) finding.Resource {
	r := resource("AwsKmsKey", arn)
	r.Region = region
	return r
}

func TestKMSRotation(t *testing.T) {
	h := newHarness(t)
	key := h.acct.KMS(testRegion).AddKey(fake.Key{Description: "app data"})
	p := h.measure("3.8", keyRes(testRegion, key), "")
	containsAll(t, descriptions(p), "turn on yearly automatic rotation of KMS key "+key+" (app data) (off -> on)")
	if !h.acct.KMS(testRegion).Key(key).Rotation {
		t.Error("rotation off")
	}
}

func TestKMSRotationCases(t *testing.T) {
	tests := []struct {
		name     string
		key      fake.Key
		region   string
		settings string
		state    plan.State
		left     string // a residual's reason or step
		rotated  bool
	}{
		{name: "any keyword excludes", key: fake.Key{Description: "Imported for LEGACY app"}, settings: "excludeKeywords: [nope, legacy]", state: plan.Excepted, left: `contains the exclusion keyword "legacy"`},
		{name: "a keyword on a rotating key", key: fake.Key{Description: "legacy", Rotation: true}, settings: "excludeKeywords: [legacy]"},
		{name: "no keyword matches", key: fake.Key{Description: "payments"}, settings: "excludeKeywords: [legacy, test]", rotated: true},
		{name: "asymmetric", key: fake.Key{Spec: kmstypes.KeySpecRsa2048, Usage: kmstypes.KeyUsageTypeSignVerify}, state: plan.Unresolved, left: "rotate it by hand"},
		{name: "AWS managed", key: fake.Key{Manager: kmstypes.KeyManagerTypeAws}},
		{name: "disabled", key: fake.Key{State: kmstypes.KeyStateDisabled}, state: plan.Unresolved, left: "enable the key"},
		{name: "pending deletion", key: fake.Key{State: kmstypes.KeyStatePendingDeletion}, state: plan.Unresolved, left: "awaits deletion"},
		{name: "imported material", key: fake.Key{Origin: kmstypes.OriginTypeExternal}, state: plan.Unresolved, left: "rotate it by hand"},
		{name: "already rotating", key: fake.Key{Rotation: true}},
		{name: "key in another region", key: fake.Key{}, region: "ap-south-1", rotated: true},
		{name: "exempt", key: fake.Key{Tags: map[string]string{"cisguard:exempt": "true"}}, state: plan.Excepted, left: "remove the tag cisguard:exempt=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			region := tt.region
			if region == "" {
				region = testRegion
			}
			key := h.acct.KMS(region).AddKey(tt.key)
			if tt.state != plan.Compliant {
				wantState(t, h.check("3.8", keyRes(testRegion, key), tt.settings), tt.state, tt.left)
				if h.acct.KMS(region).Key(key).Rotation {
					t.Error("rotation turned on")
				}
				return
			}
			h.remediate("3.8", keyRes(testRegion, key), tt.settings)
			if got := h.acct.KMS(region).Key(key).Rotation; got != (tt.rotated || tt.key.Rotation) {
				t.Errorf("rotation %v", got)
			}
			wantState(t, h.check("3.8", keyRes(testRegion, key), tt.settings), plan.Compliant)
		})
	}
	t.Run("vanished", func(t *testing.T) {
		h := newHarness(t)
		p := h.mustPlan("3.8", keyRes(testRegion, "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000000"), "")
		if !p.Empty() || len(p.Notes) != 1 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("error", func(t *testing.T) {
		h := newHarness(t)
		key := h.acct.KMS(testRegion).AddKey(fake.Key{})
		if o := applyWithFailure(h, "3.8", keyRes(testRegion, key), "", "KMS/EnableKeyRotation", codeErr("KMSInternalException")); o.Err == nil {
			t.Error("failure lost")
		}
	})
	t.Run("empty keyword", func(t *testing.T) {
		if (&KMSRotationParams{ExcludeKeywords: []string{""}}).Validate() == nil {
			t.Error("accepted")
		}
	})
}

// 3.9

func vpcRes(id string) finding.Resource {
	return resource("AwsEc2Vpc", "arn:aws:ec2:"+testRegion+":"+testAccount+":vpc/"+id)
}

func TestFlowLogs(t *testing.T) {
	h := newHarness(t)
	vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
	p := h.measure("3.9", vpcRes(vpc), "")
	containsAll(t, descriptions(p), "create CloudWatch Logs group /cisguard/vpc-flow-logs in eu-west-1", "create IAM role cisguard-vpc-flow-logs trusted by vpc-flow-logs.amazonaws.com",
		"create a flow log of VPC "+vpc+" for REJECT traffic into log group /cisguard/vpc-flow-logs through role cisguard-vpc-flow-logs")
	fl := h.acct.EC2(testRegion).FlowLogs()
	if len(fl) != 1 || fl[0].TrafficType != ec2types.TrafficTypeReject || aws.ToString(fl[0].DeliverLogsPermissionArn) != "arn:aws:iam::111122223333:role/cisguard-vpc-flow-logs" {
		t.Errorf("flow logs %+v", fl)
	}
	// A second VPC reuses the group and the role.
	vpc2, _, _ := h.acct.EC2(testRegion).AddVPC("10.1.0.0/16")
	p = h.remediate("3.9", vpcRes(vpc2), "")
	if len(p.Actions) != 1 {
		t.Errorf("second VPC plan:\n%s", p)
	}
}

func TestFlowLogsCases(t *testing.T) {
	flowLog := func(h *harness, vpc string, traffic ec2types.TrafficType) {
		t.Helper()
		_, err := h.acct.EC2(testRegion).CreateFlowLogs(context.Background(), &ec2sdk.CreateFlowLogsInput{ResourceIds: []string{vpc}, ResourceType: ec2types.FlowLogsResourceTypeVpc,
			TrafficType: traffic, LogDestinationType: ec2types.LogDestinationTypeS3, LogDestination: aws.String("arn:aws:s3:::flow")})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, traffic := range []ec2types.TrafficType{ec2types.TrafficTypeAll, ec2types.TrafficTypeReject} {
		t.Run("a flow log of "+string(traffic)+" traffic is enough", func(t *testing.T) {
			h := newHarness(t)
			vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
			flowLog(h, vpc, traffic)
			wantState(t, h.check("3.9", vpcRes(vpc), ""), plan.Compliant)
		})
	}
	t.Run("a flow log of ACCEPT traffic only gets a REJECT one beside it", func(t *testing.T) {
		h := newHarness(t)
		vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
		flowLog(h, vpc, ec2types.TrafficTypeAccept)
		wantState(t, h.check("3.9", vpcRes(vpc), ""), plan.Changes)
		p := h.remediate("3.9", vpcRes(vpc), "")
		containsAll(t, descriptions(p), "create a flow log of VPC "+vpc+" for REJECT traffic")
		containsAll(t, p.Notes, "record only ACCEPT traffic, which EC2.6 does not count")
		var traffic []ec2types.TrafficType
		for _, f := range h.acct.EC2(testRegion).FlowLogs() {
			traffic = append(traffic, f.TrafficType)
		}
		if !slices.Equal(traffic, []ec2types.TrafficType{ec2types.TrafficTypeAccept, ec2types.TrafficTypeReject}) {
			t.Errorf("flow logs record %v", traffic)
		}
		wantState(t, h.check("3.9", vpcRes(vpc), ""), plan.Compliant)
	})
	t.Run("vanished", func(t *testing.T) {
		h := newHarness(t)
		if p := h.mustPlan("3.9", vpcRes("vpc-0123456789abcdef0"), ""); !p.Empty() || len(p.Notes) != 1 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("existing role gets its own policy", func(t *testing.T) {
		h := newHarness(t)
		vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
		h.acct.AddRole("cisguard-vpc-flow-logs", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":["vpc-flow-logs.amazonaws.com"]},"Action":"sts:AssumeRole"}}`)
		p := h.remediate("3.9", vpcRes(vpc), "")
		if strings.Contains(p.String(), "create IAM role") || !strings.Contains(p.String(), "put inline policy VPCFlowLogsWriteTocisguardvpcflowlogs (") {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("exempt", func(t *testing.T) {
		h := newHarness(t)
		vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
		h.acct.EC2(testRegion).TagVPC(vpc, map[string]string{"cisguard:exempt": "true"})
		if err := h.planErr("3.9", vpcRes(vpc), ""); !IsExempt(err) {
			t.Errorf("error %v", err)
		}
		wantState(t, h.check("3.9", vpcRes(vpc), ""), plan.Excepted, "remove the tag cisguard:exempt=true from "+vpc)
	})
	t.Run("CreateFlowLogs fails", func(t *testing.T) {
		h := newHarness(t)
		vpc, _, _ := h.acct.EC2(testRegion).AddVPC("10.0.0.0/16")
		o := applyWithFailure(h, "3.9", vpcRes(vpc), "", "EC2/CreateFlowLogs", fake.Throttled())
		if o.Err == nil || doneCount(o) != 4 {
			t.Errorf("outcome %+v", o)
		}
	})
}

// 3.10, 3.11

func TestS3DataEvents(t *testing.T) {
	h := newHarness(t)
	arn := goodTrail(h)
	p := h.measure("3.10", accountResource(), "")
	containsAll(t, descriptions(p), "selector for S3 object-level write events of all buckets added (2 selector(s), others kept)")
	// 3.11 then widens the same selector to read and write.
	p = h.measure("3.11", accountResource(), "")
	containsAll(t, descriptions(p), "all-buckets S3 data selector ReadWriteType WriteOnly -> All")
	tr := trailOf(h, arn)
	if len(tr.Classic) != 2 || tr.Classic[1].ReadWriteType != types.ReadWriteTypeAll || !recordsAllManagement(tr.Classic, nil) {
		t.Errorf("selectors %+v", tr.Classic)
	}
}

func TestS3DataEventsAdvanced(t *testing.T) {
	h := newHarness(t)
	mgmt := types.AdvancedEventSelector{Name: aws.String("mgmt"), FieldSelectors: []types.AdvancedFieldSelector{equalsField("eventCategory", "Management")}}
	narrow := types.AdvancedEventSelector{Name: aws.String("one bucket"), FieldSelectors: []types.AdvancedFieldSelector{equalsField("eventCategory", "Data"), equalsField("resources.type", "AWS::S3::Object"),
		{Field: aws.String("resources.ARN"), StartsWith: []string{"arn:aws:s3:::one/"}}}}
	arn := addTrail(h, testRegion, "main", func(tr *fake.Trail) { tr.Classic, tr.Advanced = nil, []types.AdvancedEventSelector{mgmt, narrow} })
	h.remediate("3.11", accountResource(), "")
	p := h.remediate("3.10", accountResource(), "")
	containsAll(t, descriptions(p), `advanced selector "S3 object-level read events": readOnly condition removed`)
	tr := trailOf(h, arn)
	if len(tr.Advanced) != 3 || !hasS3DataEvents(nil, tr.Advanced, "aws", true) || !hasS3DataEvents(nil, tr.Advanced, "aws", false) {
		t.Errorf("selectors %+v", tr.Advanced)
	}
	// No qualifying trail.
	if err := newHarness(t).planErr("3.10", accountResource(), ""); !errors.Is(err, errNoTrail) {
		t.Errorf("err = %v", err)
	}
	// The write fails.
	h2 := newHarness(t)
	goodTrail(h2)
	if o := applyWithFailure(h2, "3.11", accountResource(), "", "CloudTrail/PutEventSelectors", fake.Throttled()); o.Err == nil {
		t.Error("failure lost")
	}
}

// 3.5

func addConfigSLR(h *harness) {
	h.acct.AddRole(configSLR, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
}

func TestConfigRecorder(t *testing.T) {
	h := newHarness(t)
	addConfigSLR(h)
	p := h.measure("3.5", accountResource(), "")
	bucket := "cisguard-config-" + testAccount + "-" + testRegion
	containsAll(t, descriptions(p), "create configuration recorder default in eu-west-1 recording all supported resource types (global IAM types: false) as arn:aws:iam::111122223333:role/AWSServiceRoleForConfig",
		"create bucket "+bucket+" in eu-west-1", "create AWS Config delivery channel default in eu-west-1 delivering to bucket "+bucket, "start configuration recorder default in eu-west-1")
	st := h.acct.Config(testRegion).State()
	if !st.Recording || !st.Recorder.RecordingGroup.AllSupported || st.Recorder.RecordingGroup.IncludeGlobalResourceTypes {
		t.Errorf("state %+v %+v", st, st.Recorder.RecordingGroup)
	}
}

func TestConfigRecorderCases(t *testing.T) {
	t.Run("global region records global types, existing bucket policy merged", func(t *testing.T) {
		h := newHarness(t)
		h.region = "us-east-1"
		addConfigSLR(h)
		h.acct.AddBucket("central-config", "eu-central-1").Policy = `{"Version":"2012-10-17","Statement":[{"Sid":"Mine","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::central-config/*"}]}`
		p := h.remediate("3.5", accountResource(), "bucket: central-config")
		containsAll(t, descriptions(p), "(global IAM types: true)", "merge statements AWSConfigBucketPermissionsCheck, AWSConfigBucketExistenceCheck, AWSConfigBucketDelivery into the policy of bucket central-config (4 statement(s) in all)")
	})
	t.Run("recorder of some types widened, stopped recorder started", func(t *testing.T) {
		h := newHarness(t)
		addConfigSLR(h)
		role := "arn:aws:iam::111122223333:role/" + configSLR
		h.acct.Config(testRegion).SetState(fake.ConfigState{Recorder: &configtypes.ConfigurationRecorder{Name: aws.String("mine"), RoleARN: aws.String(role),
			RecordingGroup: &configtypes.RecordingGroup{ResourceTypes: []configtypes.ResourceType{configtypes.ResourceTypeBucket}}}, Channel: &configtypes.DeliveryChannel{Name: aws.String("c"), S3BucketName: aws.String("x")}})
		p := h.remediate("3.5", accountResource(), "")
		if d := descriptions(p); len(d) != 2 || !strings.HasPrefix(d[0], "record all supported resource types with configuration recorder mine") || d[1] != "start configuration recorder mine in eu-west-1" {
			t.Errorf("plan %v", d)
		}
	})
	t.Run("compliant", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Config(testRegion).SetState(fake.ConfigState{Recorder: &configtypes.ConfigurationRecorder{Name: aws.String("default"), RecordingGroup: &configtypes.RecordingGroup{AllSupported: true},
			RoleARN: aws.String("arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/" + configSLR)},
			Channel: &configtypes.DeliveryChannel{Name: aws.String("default")}, Recording: true})
		wantState(t, h.check("3.5", accountResource(), ""), plan.Compliant)
	})
	t.Run("a recorder with its own role is left to a person", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Config(testRegion).SetState(fake.ConfigState{Recorder: &configtypes.ConfigurationRecorder{Name: aws.String("default"), RecordingGroup: &configtypes.RecordingGroup{AllSupported: true},
			RoleARN: aws.String("arn:aws:iam::111122223333:role/config-recorder")},
			Channel: &configtypes.DeliveryChannel{Name: aws.String("default")}, Recording: true})
		wantState(t, h.check("3.5", accountResource(), ""), plan.Unresolved, "records as arn:aws:iam::111122223333:role/config-recorder, not AWS Config's service-linked role", "create-service-linked-role")
	})
	t.Run("roleArn creates a recorder that Config.1 still fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddRole("config-recorder", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
		p := h.remediate("3.5", accountResource(), "roleArn: arn:aws:iam::111122223333:role/config-recorder")
		containsAll(t, descriptions(p), "as arn:aws:iam::111122223333:role/config-recorder")
		wantState(t, h.check("3.5", accountResource(), "roleArn: arn:aws:iam::111122223333:role/config-recorder"), plan.Unresolved, "not AWS Config's service-linked role")
	})
	t.Run("no service-linked role", func(t *testing.T) {
		h := newHarness(t)
		if err := h.planErr("3.5", accountResource(), ""); !strings.Contains(err.Error(), "create-service-linked-role --aws-service-name config.amazonaws.com") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("delivery channel refused", func(t *testing.T) {
		h := newHarness(t)
		addConfigSLR(h)
		o := applyWithFailure(h, "3.5", accountResource(), "", "Config Service/PutDeliveryChannel", codeErr("InsufficientDeliveryPolicyException"))
		if o.Err == nil || doneCount(o) != 5 || o.Results[6].Error == "" {
			t.Errorf("outcome %+v", o)
		}
	})
	t.Run("bad params", func(t *testing.T) {
		for _, p := range []ConfigParams{{GlobalRegion: "global"}, {GlobalRegion: "us-east-1", Bucket: "A"}, {GlobalRegion: "us-east-1", RoleARN: "config-role"}} {
			if p.Validate() == nil {
				t.Errorf("%+v accepted", p)
			}
		}
	})
}

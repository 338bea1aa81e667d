package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cisguard/cisguard/test/bridge"
)

// finding describes one Security Hub finding of a control (in its
// security-control form) for controlEvent.
type finding struct {
	Control      string // Security Hub control, e.g. S3.8
	CIS          string // the CIS v1.4.0 requirement it carries, e.g. 2.1.5.2
	Standard     string // "": CIS v1.4.0; else the finding's standard and requirement, e.g. "ruleset/cis-aws-foundations-benchmark/v/1.2.0 CIS AWS Foundations Benchmark v1.2.0/4.1"
	ResourceType string // e.g. AwsS3Bucket, AwsAccount
	ResourceID   string // ARN, or "" for the account (AWS::::Account:<account>)
	Account      string // "" for the suite's account
}

// controlEvent builds an Imported event carrying one finding per spec, in
// the shape Security Hub sends (consolidated control findings).
func controlEvent(t *testing.T, specs ...finding) []byte {
	t.Helper()
	event := sample(t, "imported-control-CloudWatch.1.json", func(int, map[string]any) {})
	ev := decode(t, event)
	template := eventFindings(t, ev)[0]
	var list []any
	for i, s := range specs {
		f := clone(t, template)
		acct := s.Account
		if acct == "" {
			acct = account
		}
		id := s.ResourceID
		if id == "" {
			id = "AWS::::Account:" + acct
		}
		f["Id"] = strings.Replace(fmt.Sprint(f["Id"]), "CloudWatch.1", s.Control, 1) + fmt.Sprintf("-%d", i)
		f["Id"] = strings.Replace(fmt.Sprint(f["Id"]), ":"+account+":", ":"+acct+":", 1)
		f["AwsAccountId"] = acct
		f["GeneratorId"] = "security-control/" + s.Control
		f["Title"] = s.CIS + " " + s.Control
		f["ProductFields"] = map[string]any{"aws/securityhub/ProductName": "Security Hub", "aws/securityhub/CompanyName": "AWS"}
		c := f["Compliance"].(map[string]any)
		c["SecurityControlId"] = s.Control
		c["RelatedRequirements"] = []any{"CIS AWS Foundations Benchmark v1.4.0/" + s.CIS}
		c["AssociatedStandards"] = []any{map[string]any{"StandardsId": "standards/cis-aws-foundations-benchmark/v/1.4.0"}}
		if standard, requirement, ok := strings.Cut(s.Standard, " "); ok {
			f["Title"] = s.Control
			c["RelatedRequirements"] = []any{requirement}
			c["AssociatedStandards"] = []any{map[string]any{"StandardsId": standard}}
		}
		f["Resources"] = []any{map[string]any{"Type": s.ResourceType, "Id": id, "Partition": "aws", "Region": region}}
		list = append(list, f)
	}
	ev["detail"].(map[string]any)["findings"] = list
	return encode(t, ev)
}

// run seeds an event's findings, runs cisguard on it and checks the exit
// status.
func run(t *testing.T, event []byte, config string, wantExit int) []result {
	t.Helper()
	seedFindings(t, event)
	code, rs, stderr := remediate(t, event, config)
	if code != wantExit {
		t.Fatalf("exit %d, want %d; results %+v\n%s", code, wantExit, rs, stderr)
	}
	return rs
}

// resolved checks that a finding was remediated and Security Hub says so.
func resolved(t *testing.T, r result) {
	t.Helper()
	expect(t, r, "remediated")
	if w := workflow(t, r.ID); w != "RESOLVED" {
		t.Errorf("%s: workflow %s, want RESOLVED (%s)", r.CIS, w, r.Workflow)
	}
}

// unique returns a name no other test or run uses (S3 rules: lower case).
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

func newBucket(t *testing.T) string {
	t.Helper()
	return newBucketIn(t, cfg)
}

// newBucketIn creates a bucket with a configuration's credentials (in its account).
func newBucketIn(t *testing.T, c aws.Config) string {
	t.Helper()
	name := unique("cisguard-e2e")
	if _, err := s3.NewFromConfig(c).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return name
}

// newTrail creates a logging trail of the test's own into a new bucket,
// with AWS's default event selector, and deletes it when the test ends
// (so that later cases discover only the trails they expect).
func newTrail(t *testing.T, multiRegion bool) (name, arn, bucket string) {
	t.Helper()
	return newTrailIn(t, cfg, multiRegion)
}

// newTrailIn is newTrail with a configuration's credentials (in its account).
func newTrailIn(t *testing.T, c aws.Config, multiRegion bool) (name, arn, bucket string) {
	t.Helper()
	ctx := context.Background()
	ct := cloudtrail.NewFromConfig(c)
	bucket = newBucketIn(t, c)
	name = unique("e2e-trail")
	out, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String(bucket), IsMultiRegionTrail: aws.Bool(multiRegion)})
	if err != nil {
		t.Fatalf("create trail: %v", err)
	}
	t.Cleanup(func() { ct.DeleteTrail(context.Background(), &cloudtrail.DeleteTrailInput{Name: aws.String(name)}) })
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	// AWS's default for a new trail; moto gives none (see logging_test.go).
	if _, err := ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(name), EventSelectors: []cttypes.EventSelector{
		{ReadWriteType: cttypes.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true)}}}); err != nil {
		t.Fatal(err)
	}
	return name, aws.ToString(out.TrailARN), bucket
}

func trail(t *testing.T, name string) cttypes.Trail {
	t.Helper()
	return trailIn(t, cfg, name)
}

func trailIn(t *testing.T, c aws.Config, name string) cttypes.Trail {
	t.Helper()
	out, err := cloudtrail.NewFromConfig(c).DescribeTrails(context.Background(), &cloudtrail.DescribeTrailsInput{TrailNameList: []string{name}})
	if err != nil || len(out.TrailList) != 1 {
		t.Fatalf("trail %s: %v %+v", name, err, out)
	}
	return out.TrailList[0]
}

// backdateKey makes moto's IAM report an access key as created days ago:
// moto dates every key now and cannot be told otherwise, and the age of a
// key is what 1.12 and 1.14 look at. Test-only (a bridge rewrite of
// ListAccessKeys answers), removed when the test ends.
func backdateKey(t *testing.T, keyID string, days int) {
	t.Helper()
	created := time.Now().UTC().AddDate(0, 0, -days).Format(time.RFC3339)
	member := regexp.MustCompile(`(?s)<member>.*?</member>`)
	date := regexp.MustCompile(`<CreateDate>[^<]*</CreateDate>`)
	remove := proxy.Edit(bridge.Rewrite{Service: "iam", Operation: "ListAccessKeys", Body: func(b []byte) []byte {
		return member.ReplaceAllFunc(b, func(m []byte) []byte {
			if !strings.Contains(string(m), "<AccessKeyId>"+keyID+"</AccessKeyId>") {
				return m
			}
			return date.ReplaceAll(m, []byte("<CreateDate>"+created+"</CreateDate>"))
		})
	}})
	t.Cleanup(remove)
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func clone(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	return decode(t, encode(t, m))
}

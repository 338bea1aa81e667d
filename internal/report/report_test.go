package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/report"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func sample() *report.Report {
	r := func(cis, acct, region, res string, s report.Status) report.Result {
		return report.Result{CIS: cis, Account: acct, Region: region, Resource: res, Status: s, Reason: "because " + cis, Partition: "aws",
			Target: finding.Resource{Type: "AwsS3Bucket", ID: res}}
	}
	fail := r("2.1.2", "111111111111", "eu-west-1", "arn:aws:s3:::b", controls.Fail)
	fail.Remediation = []string{"add statement X"}
	return report.New([]report.Result{
		r("5.3", "222222222222", "us-east-1", "sg-1", controls.Pass),
		fail,
		r("1.10", "111111111111", "us-east-1", "arn:aws:iam::111111111111:user/a", controls.Pass),
		r("1.2", "111111111111", "us-east-1", "AWS::::Account:111111111111", controls.Manual),
		r("2.2.1", "111111111111", "eu-west-1", "AWS::::Account:111111111111", controls.Error),
		r("2.3.1", "111111111111", "eu-west-1", "AWS::::Account:111111111111", controls.NotApplicable),
		r("1.12", "111111111111", "us-east-1", "arn:aws:iam::111111111111:user/a", controls.Fail),
		r("1.14", "222222222222", "us-east-1", "arn:aws:iam::222222222222:user/z", controls.Pass),
	}, now)
}

func TestSummary(t *testing.T) {
	s := sample().Summary
	if s.Total != 8 || s.Pass != 3 || s.Fail != 2 || s.Manual != 1 || s.Error != 1 || s.NotApplicable != 1 || s.Score != 60 {
		t.Errorf("summary %+v", s)
	}
	if len(s.Sections) != 3 || s.Sections[0].ID != "1" || s.Sections[0].Score != 66.7 || !strings.Contains(s.Sections[0].Title, "Identity") {
		t.Errorf("sections %+v", s.Sections)
	}
	if len(s.PerAccount) != 2 || s.PerAccount[1].ID != "222222222222" || s.PerAccount[1].Score != 100 || s.PerAccount[0].Score != 33.3 {
		t.Errorf("accounts %+v", s.PerAccount)
	}
	if s.Accounts != 2 || strings.Join(s.Regions, ",") != "eu-west-1,us-east-1" {
		t.Errorf("%d accounts, regions %v", s.Accounts, s.Regions)
	}
}

func TestJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := report.JSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Results []map[string]any
		Summary map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Results {
		if len(r) != 6 || r["cis"] == nil || r["account"] == nil || r["region"] == nil || r["resource"] == nil || r["status"] == nil || r["reason"] == nil {
			t.Fatalf("result %v: want exactly cis, account, region, resource, status, reason", r)
		}
	}
	if out.Results[0]["cis"] != "1.2" || out.Results[1]["cis"] != "1.10" {
		t.Errorf("order: %v, %v (accounts, then benchmark order)", out.Results[0]["cis"], out.Results[1]["cis"])
	}
	if out.Summary["fail"] != 2.0 || out.Summary["score"] != 60.0 {
		t.Errorf("summary %v", out.Summary)
	}
}

func TestTableFailuresFirst(t *testing.T) {
	var b bytes.Buffer
	if err := report.Table(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	fail, errored, manual := strings.Index(out, "FAIL    1.12"), strings.Index(out, "ERROR   2.2.1"), strings.Index(out, "MANUAL  1.2")
	if fail < 0 || errored < fail || manual < errored || strings.Contains(out, "PASS    5.3") {
		t.Errorf("table:\n%s", out)
	}
	if !strings.Contains(out, "score 60.0%") || !strings.Contains(out, "ACCOUNT") {
		t.Errorf("table:\n%s", out)
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := report.CSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 9 || lines[0] != "cis,account,region,resource,status,reason" {
		t.Errorf("csv:\n%s", b.String())
	}
}

func TestASFF(t *testing.T) {
	rep := sample()
	byCIS := map[string]report.Result{}
	for _, r := range rep.Results {
		byCIS[r.CIS] = r
	}
	for cis, want := range map[string]string{"2.1.2": "FAILED", "1.10": "PASSED", "1.2": "WARNING", "2.3.1": "NOT_AVAILABLE"} {
		f, ok := report.Finding(byCIS[cis], now)
		if !ok || string(f.Compliance.Status) != want {
			t.Errorf("%s: %v %v, want %s", cis, ok, f.Compliance, want)
		}
		if *f.GeneratorId != "cisguard/cis-aws-foundations-benchmark/v/1.4.0/"+cis || *f.ProductArn != "arn:aws:securityhub:"+byCIS[cis].Region+":"+byCIS[cis].Account+":product/"+byCIS[cis].Account+"/default" {
			t.Errorf("%s: %s %s", cis, *f.GeneratorId, *f.ProductArn)
		}
	}
	if _, ok := report.Finding(byCIS["2.2.1"], now); ok {
		t.Error("an ERROR result has a finding")
	}
	if f, _ := report.Finding(byCIS["2.1.2"], now); f.Remediation == nil || !strings.Contains(*f.Remediation.Recommendation.Text, "add statement X") {
		t.Error("a FAIL's finding does not say what cisguard would do")
	}
	// A long reason in a script of multi-byte characters is cut to
	// Security Hub's 1,024 bytes without splitting a character.
	long := byCIS["2.1.2"]
	long.Reason = strings.Repeat("ü", 600)
	if f, _ := report.Finding(long, now); len(*f.Description) > 1024 || !utf8.ValidString(*f.Description) {
		t.Errorf("description of %d bytes, valid UTF-8 %v", len(*f.Description), utf8.ValidString(*f.Description))
	}
	// Stable ids: same key, same id; another resource, another id.
	a, b := byCIS["1.10"], byCIS["1.10"]
	b.Status, b.Reason = controls.Fail, "other"
	if report.FindingID(a) != report.FindingID(b) {
		t.Error("the id depends on more than the key")
	}
	b.Resource += "x"
	if report.FindingID(a) == report.FindingID(b) {
		t.Error("two resources share an id")
	}
	var buf bytes.Buffer
	if err := report.ASFFJSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var out struct{ Findings []map[string]any }
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil || len(out.Findings) != 7 {
		t.Errorf("%d findings (%v), want 7: the ERROR left out", len(out.Findings), err)
	}
	if out.Findings[0]["SchemaVersion"] != "2018-10-08" {
		t.Errorf("finding %v", out.Findings[0])
	}
}

package finding

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// want describes one decoded finding; empty fields are not compared.
type want struct {
	cis, control, account, region, hubRegion, resource, workflow, compliance string
	trigger                                                                  Trigger
	message                                                                  string
	err                                                                      string
}

func TestDecodeSamples(t *testing.T) {
	tests := []struct {
		file string
		want []want
	}{
		{"imported-standard-5.3.json", []want{{
			cis: "5.3", control: "EC2.2", account: "444455556666", region: "eu-central-1", hubRegion: "eu-central-1",
			resource: "sg-0a1b2c3d4e5f60718", workflow: "NEW", compliance: "FAILED", trigger: Imported,
		}}},
		{"imported-control-EC2.21.json", []want{{
			cis: "5.1", control: "EC2.21", resource: "acl-0fedcba9876543210", trigger: Imported,
		}}},
		{"custom-action-two-findings.json", []want{
			{cis: "5.3", control: "EC2.2", resource: "sg-0a1b2c3d4e5f60718", trigger: CustomAction},
			{cis: "2.2.1", control: "EC2.7", resource: "444455556666", trigger: CustomAction},
		}},
		// CloudWatch.1 reports 4.3 and 1.7; the consolidated finding names
		// both, the primary (4.3) wins; the standard-specific one names 1.7.
		{"imported-control-CloudWatch.1.json", []want{{cis: "4.3", control: "CloudWatch.1"}}},
		{"imported-standard-1.7.json", []want{{cis: "1.7", control: "CloudWatch.1"}}},
		// Another standard's finding of a control that checks the same thing.
		{"imported-fsbp-EC2.13.json", []want{{cis: "5.2", control: "", region: "us-east-1", hubRegion: "us-east-1", resource: "sg-0b1c2d3e4f5a60789"}}},
		{"findings-array.json", []want{{cis: "2.2.1", trigger: Direct, hubRegion: "eu-central-1"}}},
		{"sqs-batch.json", []want{
			{cis: "5.1", trigger: Imported, message: "059f36b4-87a3-44ab-83d2-661975830a7d"},
			{cis: "5.3", trigger: CustomAction, message: "2e1424d4-f796-459a-8184-9c92662be6da"},
			{cis: "2.2.1", trigger: CustomAction, message: "2e1424d4-f796-459a-8184-9c92662be6da"},
			{message: "c4bd1f2a-0000-4d1e-9c3a-5f1ab2e0aa01", err: "message body is not valid JSON"},
		}},
		{"imported-mixed-states.json", []want{
			{cis: "2.2.1", compliance: "FAILED", workflow: "NEW"},
			{cis: "2.2.1", compliance: "PASSED"},
			{cis: "2.2.1", workflow: "NEW"},
			{cis: "2.2.1", workflow: "NOTIFIED"},
			{err: "not a 12-digit account id"},
			{cis: "5.3"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fs, err := Decode(readEvent(t, tt.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(fs) != len(tt.want) {
				t.Fatalf("got %d findings, want %d", len(fs), len(tt.want))
			}
			for i, w := range tt.want {
				f := fs[i]
				check := func(field, got, want string) {
					if want != "" && got != want {
						t.Errorf("finding %d: %s = %q, want %q", i, field, got, want)
					}
				}
				if w.err != "" {
					if f.Err == nil || !strings.Contains(f.Err.Error(), w.err) {
						t.Errorf("finding %d: Err = %v, want it to say %q", i, f.Err, w.err)
					}
				} else if f.Err != nil {
					t.Errorf("finding %d: unexpected Err %v", i, f.Err)
				}
				check("CIS", f.CIS, w.cis)
				check("SecurityControl", f.SecurityControl, w.control)
				check("Account", f.Account, w.account)
				check("Region", f.Region, w.region)
				check("HubRegion", f.HubRegion, w.hubRegion)
				check("Resource", f.Resource.Name(), w.resource)
				check("Workflow", f.Workflow, w.workflow)
				check("Compliance", f.Compliance, w.compliance)
				check("Trigger", string(f.Trigger), string(w.trigger))
				check("Message", f.Message, w.message)
			}
		})
	}
}

func TestDecodeDetails(t *testing.T) {
	fs, err := Decode(readEvent(t, "imported-mixed-states.json"))
	if err != nil {
		t.Fatal(err)
	}
	exempt := fs[5]
	if exempt.Resource.Tags["cisguard:exempt"] != "true" {
		t.Errorf("tags not decoded: %v", exempt.Resource.Tags)
	}
	if exempt.Partition != "aws" || exempt.ProductARN == "" || exempt.Company != "AWS" || exempt.UpdatedAt.IsZero() {
		t.Errorf("partition %q, product %q, updated %v", exempt.Partition, exempt.ProductARN, exempt.UpdatedAt)
	}
	if !fs[0].Resource.IsAccount() || exempt.Resource.IsAccount() {
		t.Error("IsAccount wrong")
	}
}

func TestDecodeUnusableInput(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"empty", "  ", "empty input"},
		{"not json", "{\"detail-type\": ", "not valid JSON"},
		{"other event", string(readEvent(t, "not-securityhub.json")), `detail-type "Scheduled Event" is not a Security Hub findings event`},
		{"no findings array", `{"detail-type":"Security Hub Findings - Imported","detail":{}}`, "no findings"},
		{"empty findings", `{"detail-type":"Security Hub Findings - Imported","detail":{"findings":[]}}`, "no findings in input"},
		{"empty array", `[]`, "no findings in input"},
		{"unknown object", `{"hello":"world"}`, "neither an EventBridge event"},
		{"scalar", `42`, "neither an event"},
		{"findings not array", `{"detail-type":"Security Hub Findings - Imported","detail":{"findings":{}}}`, "not an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v, want it to say %q", err, tt.want)
			}
		})
	}
	if _, err := Decode([]byte(`[]`)); !errors.Is(err, ErrNoFindings) {
		t.Errorf("empty array: %v is not ErrNoFindings", err)
	}
}

func TestDecodeMalformedFindings(t *testing.T) {
	tests := []struct {
		name, finding, want string
	}{
		{"not an object", `"x"`, "not an ASFF finding"},
		{"no id", `{"ProductArn":"p","AwsAccountId":"444455556666","Region":"eu-west-1","Resources":[{}]}`, "no Id"},
		{"no region", `{"Id":"i","ProductArn":"p","AwsAccountId":"444455556666","Resources":[{"Type":"AwsAccount"}]}`, "no Region"},
		{"no resources", `{"Id":"i","ProductArn":"p","AwsAccountId":"444455556666","Region":"eu-west-1"}`, "no Resources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Decode([]byte(`[` + tt.finding + `]`))
			if err != nil {
				t.Fatalf("the event is usable, Decode must not fail: %v", err)
			}
			if fs[0].Err == nil || !strings.Contains(fs[0].Err.Error(), tt.want) {
				t.Fatalf("Err = %v, want it to say %q", fs[0].Err, tt.want)
			}
		})
	}
}

func TestResourceName(t *testing.T) {
	tests := map[string]string{
		"arn:aws:ec2:eu-central-1:444455556666:security-group/sg-1": "sg-1",
		"arn:aws:s3:::my-bucket":                                    "my-bucket",
		"arn:aws:iam::444455556666:user/path/alice":                 "alice",
		"AWS::::Account:444455556666":                               "444455556666",
		"arn:aws:cloudtrail:eu-west-1:1:trail/main":                 "main",
		"arn:aws:kms:eu-west-1:1:key/1234-abcd":                     "1234-abcd",
		"not-an-arn":                                                "not-an-arn",
	}
	for id, want := range tests {
		if got := (Resource{ID: id}).Name(); got != want {
			t.Errorf("Name(%s) = %q, want %q", id, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"sqs-batch.json", "custom-action-two-findings.json", "findings-array.json"} {
		f.Add(readEvent(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := Decode(data)
		if err == nil && len(fs) == 0 {
			t.Fatal("no error and no findings")
		}
	})
}

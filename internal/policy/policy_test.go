package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/finding"
)

const (
	member  = "444455556666"
	genuine = "arn:aws:securityhub:eu-west-1::product/aws/securityhub"
)

var base = finding.Finding{
	ProductARN: genuine, Company: "AWS", Partition: "aws", Region: "eu-west-1",
	CIS: "5.3", SecurityControl: "EC2.2", GeneratorID: "security-control/EC2.2", Account: member,
	Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW", Trigger: finding.Imported,
	Resource: finding.Resource{Type: "AwsEc2SecurityGroup", ID: "arn:aws:ec2:eu-west-1:444455556666:security-group/sg-1", Partition: "aws", Region: "eu-west-1"},
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		mgmt   string
		change func(*finding.Finding)
		action Action
		reason string
	}{
		{"failed and new", "", "", nil, Remediate, ""},
		{"passed", "", "", func(f *finding.Finding) { f.Compliance = "PASSED" }, Skip, `compliance "PASSED", not FAILED`},
		{"not available", "", "", func(f *finding.Finding) { f.Compliance = "NOT_AVAILABLE" }, Skip, "not FAILED"},
		{"archived", "", "", func(f *finding.Finding) { f.RecordState = "ARCHIVED" }, Skip, `record state "ARCHIVED"`},
		{"confirmed says so", "", "", func(f *finding.Finding) { f.RecordState = "ARCHIVED"; f.Confirmed = true }, Skip, "Security Hub holds it as record state"},
		{"notified", "", "", func(f *finding.Finding) { f.Workflow = "NOTIFIED" }, Skip, "already handled"},
		{"resolved", "", "", func(f *finding.Finding) { f.Workflow = "RESOLVED" }, Skip, "already handled"},
		{"suppressed", "", "", func(f *finding.Finding) { f.Workflow = "SUPPRESSED" }, Skip, "SUPPRESSED: an analyst accepted it"},
		{"custom action on notified", "", "", func(f *finding.Finding) { f.Workflow = "NOTIFIED"; f.Trigger = finding.CustomAction }, Remediate, ""},
		{"custom action on resolved", "", "", func(f *finding.Finding) { f.Workflow = "RESOLVED"; f.Trigger = finding.CustomAction }, Remediate, ""},
		{"custom action never on suppressed", "", "", func(f *finding.Finding) { f.Workflow = "SUPPRESSED"; f.Trigger = finding.CustomAction }, Skip, "never touched"},
		{"direct never on suppressed", "", "", func(f *finding.Finding) { f.Workflow = "SUPPRESSED"; f.Trigger = finding.Direct }, Skip, "never touched"},
		{"custom action does not force passed", "", "", func(f *finding.Finding) { f.Trigger = finding.CustomAction; f.Compliance = "PASSED" }, Skip, "not FAILED"},
		{"unknown control", "", "", func(f *finding.Finding) { f.CIS = ""; f.SecurityControl = "Lambda.1" }, Skip, `control "Lambda.1"`},
		{"excluded", "excludedAccounts: ['444455556666']", "", nil, Skip, "excluded by configuration"},
		{"management", "", member, nil, Skip, "management account"},
		{"management included", "includeManagementAccount: true", member, nil, Remediate, ""},
		{"exempt", "", "", func(f *finding.Finding) { f.Resource.Tags = map[string]string{"cisguard:exempt": "True"} }, Skip, "exempt"},
		{"custom exempt tag", "exemptTag: {key: security, value: ignore}", "", func(f *finding.Finding) { f.Resource.Tags = map[string]string{"security": "ignore"} }, Skip, "tag security=ignore"},
		{"exempt tag other value", "", "", func(f *finding.Finding) { f.Resource.Tags = map[string]string{"cisguard:exempt": "false"} }, Remediate, ""},
		{"mode notify", "controls: {'5.3': {mode: notify}}", "", nil, Notify, "mode is notify"},
		{"mode off by section", "controls: {'5': {mode: off}}", "", nil, Skip, "mode is off"},
		{"notify by default (check)", "", "", func(f *finding.Finding) { f.CIS = "5.2" }, Notify, ""},

		// Provenance: only Security Hub's own findings.
		{"forged product", "", "", func(f *finding.Finding) {
			f.ProductARN = "arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default"
			f.Company = "Personal"
		}, Skip, "untrusted product arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default"},
		{"company not AWS", "", "", func(f *finding.Finding) { f.Company = "Personal" }, Skip, `untrusted product ` + genuine + ` (company "Personal")`},
		{"no company", "", "", func(f *finding.Finding) { f.Company = "" }, Skip, "company is not AWS"},
		{"other AWS product", "", "", func(f *finding.Finding) { f.ProductARN = "arn:aws:securityhub:eu-west-1::product/aws/guardduty" }, Skip, "not Security Hub's own product"},
		{"product in a bogus region", "", "", func(f *finding.Finding) { f.ProductARN = "arn:aws:securityhub:moon-base-1::product/aws/securityhub" }, Skip, `"moon-base-1" is not a region of partition aws`},
		{"product not an ARN", "", "", func(f *finding.Finding) { f.ProductARN = "product/aws/securityhub" }, Skip, "not an ARN"},

		// Ownership: the resource is the finding's account's, in its partition and a real region.
		{"foreign resource account", "", "", func(f *finding.Finding) {
			f.Resource.ID = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1"
		}, Skip, "belongs to account 111122223333, the finding is of account 444455556666"},
		{"foreign account resource", "", "", func(f *finding.Finding) { f.Resource.ID = "AWS::::Account:111122223333" }, Skip, "is account 111122223333"},
		{"own account resource", "", "", func(f *finding.Finding) {
			f.Resource.ID = "AWS::::Account:444455556666"
			f.Resource.Type = "AwsAccount"
		}, Remediate, ""},
		{"partition mismatch in ARN", "", "", func(f *finding.Finding) {
			f.Resource.ID = "arn:aws-cn:ec2:cn-north-1:444455556666:security-group/sg-1"
		}, Skip, "is in partition aws-cn, the finding in aws"},
		{"partition mismatch in field", "", "", func(f *finding.Finding) { f.Resource.Partition = "aws-us-gov" }, Skip, "partition aws-us-gov"},
		{"bogus region", "", "", func(f *finding.Finding) { f.Region = "us-fake1" }, Skip, `region "us-fake1" of resource`},
		{"region of another partition", "", "", func(f *finding.Finding) { f.Region = "cn-north-1" }, Skip, "not a region of partition aws"},
		{"bogus region in ARN", "", "", func(f *finding.Finding) {
			f.Resource.ID = "arn:aws:ec2:xx-nowhere:444455556666:security-group/sg-1"
		}, Skip, `names region "xx-nowhere"`},
		{"not an ARN", "", "", func(f *finding.Finding) { f.Resource.ID = "sg-1" }, Skip, "neither an ARN nor AWS::::Account"},
		{"ARN without account", "", "", func(f *finding.Finding) { f.Resource.ID = "arn:aws:ec2:eu-west-1::security-group/sg-1" }, Skip, "names no account"},
		{"bucket", "", "", func(f *finding.Finding) { f.CIS = "2.1.5.2"; f.Resource.ID = "arn:aws:s3:::my-bucket" }, Remediate, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			set, err := controls.Configure(cfg)
			if err != nil {
				t.Fatal(err)
			}
			f := base
			if tt.change != nil {
				tt.change(&f)
			}
			p := &Policy{Config: cfg, Settings: set, Management: func() (string, error) { return tt.mgmt, nil }}
			d := p.Decide(f)
			if d.Action != tt.action || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("Decide = %s (%s), want %s (%s)", d.Action, d.Reason, tt.action, tt.reason)
			}
			if d.Action != Skip && d.Setting.Control == nil {
				t.Error("no control in the decision")
			}
		})
	}
}

// TestManagementFailsClosed: an unknown management account holds every
// finding back (Retry), and is asked only when the answer matters.
func TestManagementFailsClosed(t *testing.T) {
	cfg := config.Default()
	set, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	p := &Policy{Config: cfg, Settings: set, Management: func() (string, error) {
		asked++
		return "", errors.New("organizations:DescribeOrganization: TooManyRequestsException")
	}}
	d := p.Decide(base)
	if d.Action != Retry || !strings.Contains(d.Reason, "cannot tell whether account 444455556666 is the organization's management account") ||
		!strings.Contains(d.Reason, "TooManyRequestsException") {
		t.Errorf("Decide = %s (%s)", d.Action, d.Reason)
	}
	forged := base
	forged.Company = "Personal"
	if d := p.Decide(forged); d.Action != Skip || asked != 1 {
		t.Errorf("forged: %s (%s), management asked %d times", d.Action, d.Reason, asked)
	}
	cfg.IncludeManagementAccount = true
	if d := p.Decide(base); d.Action != Remediate || asked != 1 {
		t.Errorf("management included: %s, asked %d times", d.Action, asked)
	}
}

func TestCallerAccount(t *testing.T) {
	cfg := config.Default()
	set, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{Config: cfg, Settings: set, Caller: func() (string, error) { return "111122223333", nil }}
	if d := p.Decide(base); d.Action != Skip || !strings.Contains(d.Reason, "the finding is of account 444455556666, the credentials are of account 111122223333") {
		t.Errorf("other account: %s (%s)", d.Action, d.Reason)
	}
	p.Caller = func() (string, error) { return member, nil }
	if d := p.Decide(base); d.Action != Remediate {
		t.Errorf("own account: %s (%s)", d.Action, d.Reason)
	}
	p.Caller = func() (string, error) { return "", errors.New("ExpiredToken") }
	if d := p.Decide(base); d.Action != Retry || !strings.Contains(d.Reason, "ExpiredToken") {
		t.Errorf("unknown caller: %s (%s)", d.Action, d.Reason)
	}
}

func TestIsRegion(t *testing.T) {
	for _, c := range []struct {
		partition, region string
		want              bool
	}{
		{"aws", "eu-central-1", true}, {"aws", "us-east-1", true}, {"aws", "ap-southeast-7", true},
		{"aws", "us-gov-west-1", false}, {"aws", "cn-north-1", false}, {"aws", "aws-global", false}, {"aws", "", false},
		{"aws", "eu-central-1x", false}, {"aws", "xx-east-1", false},
		{"aws-us-gov", "us-gov-west-1", true}, {"aws-cn", "cn-northwest-1", true}, {"aws-iso", "us-iso-east-1", true},
		{"aws-cn", "eu-west-1", false}, {"nope", "eu-west-1", false},
	} {
		if got := IsRegion(c.partition, c.region); got != c.want {
			t.Errorf("IsRegion(%s, %s) = %v", c.partition, c.region, got)
		}
	}
}

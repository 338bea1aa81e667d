package notify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

func sample() finding.Finding {
	return finding.Finding{
		ID:              "arn:aws:securityhub:eu-central-1:444455556666:security-control/EC2.21/finding/de049d37-36d2-4785-a5aa-d76c4f2c204e",
		Account:         "444455556666",
		Region:          "eu-central-1",
		HubRegion:       "eu-central-1",
		Partition:       "aws",
		CIS:             "5.1",
		SecurityControl: "EC2.21",
		Resource:        finding.Resource{Type: "AwsEc2NetworkAcl", ID: "arn:aws:ec2:eu-central-1:444455556666:network-acl/acl-0fedcba9876543210"},
	}
}

func TestComposeRemediated(t *testing.T) {
	m := Compose(Report{Finding: sample(), Decision: "remediated", Reason: "1 action(s) applied, verified",
		Actions: []plan.Result{{Description: "delete network ACL acl-0fedcba9876543210 ingress entry 100 (allow tcp 22 from 0.0.0.0/0)", Done: true}}})
	if utf8.RuneCountInString(m.Subject) >= 100 || !strings.Contains(m.Subject, "CIS 5.1 remediated: 444455556666 eu-central-1") {
		t.Errorf("subject %q", m.Subject)
	}
	for _, want := range []string{
		"CIS AWS Foundations Benchmark v1.4.0 5.1: Ensure no Network ACLs allow ingress",
		"Security Hub control: EC2.21",
		"Account:  444455556666", "Region:   eu-central-1",
		"Resource: arn:aws:ec2:eu-central-1:444455556666:network-acl/acl-0fedcba9876543210 (AwsEc2NetworkAcl)",
		"Impact:   disruptive",
		"1. delete network ACL acl-0fedcba9876543210 ingress entry 100 (allow tcp 22 from 0.0.0.0/0) [done]",
		"https://eu-central-1.console.aws.amazon.com/securityhub/home?region=eu-central-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aarn%253Aaws%253Asecurityhub",
	} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
}

func TestComposeFailedAndGuidance(t *testing.T) {
	m := Compose(Report{Finding: sample(), Decision: "failed", Reason: "no room",
		Actions: []plan.Result{{Description: "a", Done: true}, {Description: "b", Error: "AccessDenied"}, {Description: "c", Error: "not run: an earlier action failed"}}})
	for _, want := range []string{"FAILED", "1. a [done]", "2. b [FAILED: AccessDenied]", "3. c [FAILED: not run"} {
		if !strings.Contains(m.Subject+m.Body, want) {
			t.Errorf("message lacks %q:\n%s\n%s", want, m.Subject, m.Body)
		}
	}
	m = Compose(Report{Finding: sample(), Decision: "notified", Summary: "2 users lack MFA", Steps: []string{"enable MFA for alice", "enable MFA for bob"}})
	if !strings.Contains(m.Body, "What to do:\n  2 users lack MFA\n  1. enable MFA for alice\n  2. enable MFA for bob") {
		t.Errorf("body:\n%s", m.Body)
	}
}

// A fix that leaves something to a person says so in the subject.
func TestComposeRemediatedWithWhatIsLeft(t *testing.T) {
	f := sample()
	f.CIS = "4.3"
	m := Compose(Report{Finding: f, Decision: "remediated", Reason: "3 action(s) applied, not resolved: the subscription awaits confirmation",
		Summary: "the subscription of email soc@example.com awaits confirmation", Steps: []string{"soc@example.com must follow the link"}})
	if !strings.Contains(m.Subject, "CIS 4.3 remediated, needs action: 444455556666 eu-central-1") || !strings.Contains(m.Body, "What to do:\n  the subscription of email soc@example.com awaits confirmation") {
		t.Errorf("subject %q\n%s", m.Subject, m.Body)
	}
}

func TestSubjectLimit(t *testing.T) {
	f := sample()
	f.CIS = "2.1.5.1"
	f.Region = strings.Repeat("x", 120)
	if n := utf8.RuneCountInString(Compose(Report{Finding: f, Decision: "remediated"}).Subject); n > MaxSubject {
		t.Errorf("subject of %d characters", n)
	}
}

func TestConsoleLinkPartitions(t *testing.T) {
	f := sample()
	f.Partition = "aws-us-gov"
	f.HubRegion = "us-gov-west-1"
	if l := ConsoleLink(f); !strings.HasPrefix(l, "https://us-gov-west-1.console.amazonaws-us-gov.com/securityhub/home?region=us-gov-west-1#/findings?search=") {
		t.Error(l)
	}
}

package policy

import (
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/finding"
)

func TestDecide(t *testing.T) {
	base := finding.Finding{CIS: "5.3", SecurityControl: "EC2.2", Account: "444455556666", Compliance: "FAILED", RecordState: "ACTIVE", Workflow: "NEW",
		Trigger: finding.Imported, Resource: finding.Resource{ID: "arn:aws:ec2:eu-west-1:444455556666:security-group/sg-1"}}
	tests := []struct {
		name   string
		yaml   string
		mgmt   string
		change func(*finding.Finding)
		action Action
		reason string
	}{
		{"failed and new", "", "", nil, Remediate, ""},
		{"passed", "", "", func(f *finding.Finding) { f.Compliance = "PASSED" }, Skip, `compliance status is "PASSED"`},
		{"not available", "", "", func(f *finding.Finding) { f.Compliance = "NOT_AVAILABLE" }, Skip, "not FAILED"},
		{"archived", "", "", func(f *finding.Finding) { f.RecordState = "ARCHIVED" }, Skip, "archived"},
		{"notified", "", "", func(f *finding.Finding) { f.Workflow = "NOTIFIED" }, Skip, "already handled"},
		{"custom action forces workflow", "", "", func(f *finding.Finding) { f.Workflow = "NOTIFIED"; f.Trigger = finding.CustomAction }, Remediate, ""},
		{"custom action does not force passed", "", "", func(f *finding.Finding) { f.Trigger = finding.CustomAction; f.Compliance = "PASSED" }, Skip, "not FAILED"},
		{"unknown control", "", "", func(f *finding.Finding) { f.CIS = ""; f.SecurityControl = "Lambda.1" }, Skip, `control "Lambda.1"`},
		{"excluded", "excludedAccounts: ['444455556666']", "", nil, Skip, "excluded by configuration"},
		{"management", "", "444455556666", nil, Skip, "management account"},
		{"management included", "includeManagementAccount: true", "444455556666", nil, Remediate, ""},
		{"exempt", "", "", func(f *finding.Finding) { f.Resource.Tags = map[string]string{"cisguard:exempt": "True"} }, Skip, "exempt"},
		{"custom exempt tag", "exemptTag: {key: security, value: ignore}", "", func(f *finding.Finding) { f.Resource.Tags = map[string]string{"security": "ignore"} }, Skip, "tag security=ignore"},
		{"exempt tag other value", "", "", func(f *finding.Finding) { f.Resource.Tags = map[string]string{"cisguard:exempt": "false"} }, Remediate, ""},
		{"mode notify", "controls: {'5.3': {mode: notify}}", "", nil, Notify, "mode is notify"},
		{"mode off by section", "controls: {'5': {mode: off}}", "", nil, Skip, "mode is off"},
		{"notify by default (check)", "", "", func(f *finding.Finding) { f.CIS = "5.2" }, Notify, ""},
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
			d := (&Policy{Config: cfg, Settings: set, ManagementAccount: tt.mgmt}).Decide(f)
			if d.Action != tt.action || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("Decide = %s (%s), want %s (%s)", d.Action, d.Reason, tt.action, tt.reason)
			}
			if d.Action != Skip && d.Setting.Control == nil {
				t.Error("no control in the decision")
			}
		})
	}
}

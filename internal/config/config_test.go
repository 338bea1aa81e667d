package config

import (
	"slices"
	"strings"
	"testing"
)

func TestDefaults(t *testing.T) {
	c := Default()
	if c.RoleName != "CIS_Remediator_Role" || c.ExemptTag != (Tag{"cisguard:exempt", "true"}) || c.Concurrency != 8 ||
		c.Notifications.MemberTopic != "CISRemediationSNSTopic" || !c.SecurityHub.Update() || c.IncludeManagementAccount {
		t.Errorf("defaults %+v", c)
	}
}

func TestParse(t *testing.T) {
	c, err := Parse([]byte(`
roleName: Custom_Role
notifications:
  topicArn: arn:aws:sns:eu-west-1:777788889999:cisguard
excludedAccounts: ["111122223333"]
exemptTag: {key: owner-approved, value: "yes"}
concurrency: 4
securityHub: {updateFindings: false}
controls:
  "5.1": {mode: auto, strategy: replace, adminCidr: 10.0.0.0/8}
  "4": {mode: notify}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.RoleName != "Custom_Role" || !c.Excluded("111122223333") || c.Excluded("444455556666") || c.Concurrency != 4 || c.SecurityHub.Update() {
		t.Errorf("config %+v", c)
	}
	if !c.ExemptTag.Matches(map[string]string{"owner-approved": "YES"}) || c.ExemptTag.Matches(map[string]string{"owner-approved": "no"}) {
		t.Error("exempt tag matching")
	}
	if len(c.Controls) != 2 {
		t.Errorf("controls %v", c.Controls)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"rolename: x", "field rolename not found"},
		{"notifications: {topic: x}", "field topic not found"},
		{"roleName: 'has space'", "not a valid IAM role name"},
		{"notifications: {topicArn: arn:aws:sqs:eu-west-1:111122223333:q}", "not an SNS topic ARN"},
		{"excludedAccounts: ['12345']", "not a 12-digit account id"},
		{"managementAccount: abc", "not a 12-digit account id"},
		{"concurrency: 1000", "outside 1..64"},
		{"controls: {'6.1': {mode: auto}}", "controls.6.1: not a CIS v1.4.0 id or section"},
		{"controls: {'5.1': auto}", "want a mapping"},
		{"concurrency: many", "cannot unmarshal"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

func TestScopes(t *testing.T) {
	if got := Scopes("2.1.5.1"); !slices.Equal(got, []string{"2", "2.1", "2.1.5", "2.1.5.1"}) {
		t.Error(got)
	}
	for _, k := range []string{"1", "2.1", "2.1.5", "2.1.5.2", "4.15", "5"} {
		if !validControlKey(k) {
			t.Errorf("%s rejected", k)
		}
	}
	for _, k := range []string{"6", "2.2.2", "1.22", "", "2.1.5.3"} {
		if validControlKey(k) {
			t.Errorf("%s accepted", k)
		}
	}
}

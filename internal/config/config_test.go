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
		{"rolename: x", "rolename (line 1): unknown setting; did you mean roleName?"},
		{"notifications: {topic: x}", "notifications.topic (line 1): unknown setting; did you mean topicArn?"},
		{"notifications:\n  wibble: x", "notifications.wibble (line 2): unknown setting; valid settings: topicArn, memberTopic, alarmQueueArn, disabled"},
		{"roleName: 'has space'", "roleName (line 1): \"has space\" is not a valid IAM role name"},
		{"notifications: {topicArn: arn:aws:sqs:eu-west-1:111122223333:q}", "notifications.topicArn (line 1): \"arn:aws:sqs:eu-west-1:111122223333:q\" is not an SNS topic ARN"},
		{"notifications: {alarmQueueArn: arn:aws:sns:eu-west-1:111122223333:q}", "notifications.alarmQueueArn (line 1): \"arn:aws:sns:eu-west-1:111122223333:q\" is not an SQS queue ARN"},
		{"excludedAccounts:\n  - '111122223333'\n  - '12345'", "excludedAccounts[1] (line 3): \"12345\" is not a 12-digit account id"},
		{"managementAccount: abc", "not a 12-digit account id"},
		{"\n\nconcurrency: 1000", "concurrency (line 3): 1000 is outside 1..64"},
		{"controls: {'6.1': {mode: auto}}", "controls.6.1 (line 1): not a CIS v1.4.0 id or section"},
		{"controls: {'5.11': {mode: auto}}", "did you mean 5.1?"},
		{"controls: {'5.1': auto}", "controls.5.1 (line 1): want a mapping of settings"},
		{"concurrency: many", `concurrency (line 1): want a whole number, got "many"`},
		{"excludedAccounts: 111122223333", "excludedAccounts (line 1): want a list"},
		{"securityHub: {updateFindings: maybe}", `securityHub.updateFindings (line 1): want true or false, got "maybe"`},
		{"roleName: a\n---\nroleName: b", "line 2: a second YAML document"},
		{"roleName: [a", "did not find expected"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error %v, want %q", tt.yaml, err, tt.want)
			continue
		}
		// Messages are for people: no Go types or decoder jargon.
		for _, jargon := range []string{"config.", "unmarshal", "!!", "int32", "[]string", "*bool"} {
			if strings.Contains(err.Error(), jargon) {
				t.Errorf("Parse(%q) error %q mentions %q", tt.yaml, err, jargon)
			}
		}
	}
}

func TestParseReportsEveryMistake(t *testing.T) {
	_, err := Parse([]byte("concurency: 4\nroleNme: x\nnotifications: {disabled: 3}\n"))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"concurency (line 1)", "did you mean concurrency?", "roleNme (line 2)", "did you mean roleName?", "notifications.disabled (line 3): want true or false"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n", "---\n"} {
		c, err := Parse([]byte(text))
		if err != nil || c.RoleName != DefaultRoleName {
			t.Errorf("Parse(%q) = %+v, %v", text, c, err)
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

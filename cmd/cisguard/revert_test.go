package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

const (
	member = "444455556666" // the sample events' member account
	group  = "sg-0a1b2c3d4e5f60718"
	acl    = "acl-0fedcba9876543210"
)

// remediated runs the sample 5.3 and 5.1 events on a fake organization
// and writes the JSON result as remediate --output json does; it returns
// the organization (reached by revert through members) and the file.
func remediated(t *testing.T) (*fake.Org, string, []engine.Result) {
	t.Helper()
	w := fake.NewOrg("777788889999")
	e := w.Account(member).EC2("eu-central-1")
	e.AddSecurityGroupWithID(group, "vpc-0123456789abcdef0", "default", nil)
	e.AddRule(group, false, types.SecurityGroupRule{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("0.0.0.0/0"), Description: aws.String("ssh")})
	e.AddNetworkACLWithID(acl, "vpc-0123456789abcdef0", nil, types.NetworkAclEntry{RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("6"),
		RuleAction: types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0"), PortRange: &types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}})
	var fs []finding.Finding
	for _, name := range []string{"imported-standard-5.3.json", "imported-control-EC2.21.json"} {
		b, err := os.ReadFile(events(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.ImportEvent(b); err != nil {
			t.Fatal(err)
		}
		f, err := finding.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f...)
	}
	cfg, _ := config.Parse([]byte("notifications: {disabled: true}\nmanagementAccount: '111111111111'\n"))
	set, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rs := engine.New(cfg, set, w, engine.Options{}).Run(context.Background(), fs)
	for _, r := range rs {
		if r.Decision != engine.Remediated {
			t.Fatalf("result %+v", r)
		}
	}
	b, _ := json.Marshal(struct {
		Findings []engine.Result `json:"findings"`
	}{rs})
	file := filepath.Join(t.TempDir(), "result.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	old := members
	members = func(context.Context, *settings, bool, string) (engine.Members, error) { return w, nil }
	t.Cleanup(func() { members = old })
	return w, file, rs
}

func TestRevertUnusableInput(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "x.json")
	os.WriteFile(notJSON, []byte("hello"), 0o644)
	noFindings := filepath.Join(dir, "y.json")
	os.WriteFile(noFindings, []byte(`{"reverted": []}`), 0o644)
	_, file, _ := remediated(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"revert"}, "--result is required"},
		{[]string{"revert", "--result", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"revert", "--result", notJSON}, "not a result of cisguard remediate --output json"},
		{[]string{"revert", "--result", noFindings}, `no "findings"`},
		{[]string{"revert", "--result", file, "--finding", "arn:nope"}, "--finding arn:nope: no such finding"},
		{[]string{"revert", "--result", file, "--output", "yaml"}, `--output "yaml"`},
	} {
		code, _, stderr := cli(t, "", c.args...)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

func TestRevertNothingToDo(t *testing.T) {
	code, out, stderr := cli(t, `{"findings":[{"id":"x","decision":"planned","actions":[{"description":"a","done":false}]}]}`, "revert", "--result", "-")
	if code != exitOK || !strings.Contains(out, "nothing to revert") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
}

func TestRevertDryRunThenRevert(t *testing.T) {
	w, file, _ := remediated(t)
	e := w.Account(member).EC2("eu-central-1")

	code, out, stderr := cli(t, "", "revert", "--result", file, "--dry-run")
	if code != exitOK || !strings.Contains(out, "PLANNED 5.3") || !strings.Contains(out, "authorize again 1 ingress rule(s) of security group "+group+`: tcp 22 from 0.0.0.0/0 ("ssh") [planned]`) ||
		!strings.Contains(out, "2 recorded change(s): 2 planned") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if len(e.Rules(group)) != 0 || has100(e.NetworkACL(acl)) {
		t.Fatal("the dry run changed something")
	}

	code, out, stderr = cli(t, "", "revert", "--result", file)
	if code != exitOK || !strings.Contains(out, "RESTORED 5.3") || !strings.Contains(out, "RESTORED 5.1") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if r := e.Rules(group); len(r) != 1 || aws.ToString(r[0].Description) != "ssh" {
		t.Errorf("rules %+v", r)
	}
	if !has100(e.NetworkACL(acl)) {
		t.Errorf("entries %+v", e.NetworkACL(acl))
	}
}

func TestRevertOneFindingAndRefusal(t *testing.T) {
	w, file, rs := remediated(t)
	e := w.Account(member).EC2("eu-central-1")
	// Someone puts an entry of their own at the number cisguard emptied.
	if _, err := e.CreateNetworkAclEntry(context.Background(), createEntry(acl)); err != nil {
		t.Fatal(err)
	}
	var sg, nacl string
	for _, r := range rs {
		if r.CIS == "5.3" {
			sg = r.ID
		} else {
			nacl = r.ID
		}
	}
	code, out, stderr := cli(t, "", "revert", "--result", file, "--finding", sg, "--output", "json")
	var doc struct{ Reverted []engine.Reverted }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK || len(doc.Reverted) != 1 || doc.Reverted[0].CIS != "5.3" {
		t.Fatalf("exit %d, %v\n%s\n%s", code, err, out, stderr)
	}
	code, out, stderr = cli(t, "", "revert", "--result", file, "--finding", nacl)
	if code != exitFailed || !strings.Contains(out, "NOT RESTORED 5.1") || !strings.Contains(out, "changed since cisguard set it (rule 100 is now 100: allow tcp 443 from 10.0.0.0/8") ||
		!strings.Contains(stderr, "1 of 1 recorded change(s) not restored") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestRevertFromSavedNotification(t *testing.T) {
	w, _, rs := remediated(t)
	var rec []engine.Result
	for _, r := range rs {
		if r.CIS == "5.3" {
			rec = append(rec, r)
		}
	}
	b, _ := json.MarshalIndent(struct {
		Findings []engine.Result `json:"findings"`
	}{rec}, "", "  ")
	msg := "CIS AWS Foundations Benchmark v1.4.0 5.3: ...\n\nTo undo: ...\n--- cisguard revert record ---\n" + string(b) + "\n"
	code, out, stderr := cli(t, msg, "revert", "--result", "-")
	if code != exitOK || !strings.Contains(out, "1 recorded change(s): 1 restored") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if len(w.Account(member).EC2("eu-central-1").Rules(group)) != 1 {
		t.Error("rule not restored")
	}
}

// What SNS delivers to a queue subscribed to the notification topic (the
// Lambda writes no result file) is a JSON envelope around the message.
func TestRevertFromNotificationEnvelope(t *testing.T) {
	w, _, rs := remediated(t)
	b, _ := json.MarshalIndent(struct {
		Findings []engine.Result `json:"findings"`
	}{rs}, "", "  ")
	msg := "CIS AWS Foundations Benchmark v1.4.0 5.3: ...\n\nTo undo: ...\n--- cisguard revert record ---\n" + string(b) + "\n"
	env, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-central-1:777788889999:cisguard-notifications",
		"Subject": "[cisguard] CIS 5.3 remediated", "Message": msg})
	file := filepath.Join(t.TempDir(), "message.json")
	if err := os.WriteFile(file, env, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := cli(t, "", "revert", "--result", file, "--finding", rs[0].ID, "--dry-run")
	if code != exitOK || !strings.Contains(out, "PLANNED 5.3") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	code, _, stderr = cli(t, "", "revert", "--result", file, "--finding", "arn:aws:securityhub:eu-central-1:444455556666:subscription/x/finding/unknown")
	if code != exitBadInput || !strings.Contains(stderr, "revert from the notification of that finding") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if len(w.Account(member).EC2("eu-central-1").Rules(group)) != 0 {
		t.Error("a dry run changed the group")
	}
}

func createEntry(id string) *ec2sdk.CreateNetworkAclEntryInput {
	return &ec2sdk.CreateNetworkAclEntryInput{NetworkAclId: aws.String(id), RuleNumber: aws.Int32(100), Egress: aws.Bool(false), Protocol: aws.String("6"),
		RuleAction: types.RuleActionAllow, CidrBlock: aws.String("10.0.0.0/8"), PortRange: &types.PortRange{From: aws.Int32(443), To: aws.Int32(443)}}
}

func has100(es []types.NetworkAclEntry) bool {
	for _, e := range es {
		if aws.ToInt32(e.RuleNumber) == 100 && !aws.ToBool(e.Egress) {
			return true
		}
	}
	return false
}

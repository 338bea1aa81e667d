package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/policy"
)

// configs are the configurations the member policy is checked under.
var configs = map[string]string{
	"default":    "{}",
	"all auto":   "controls: {'1': {mode: auto}, '2': {mode: auto}, '3': {mode: auto}, '4': {mode: auto}, '5': {mode: auto}}",
	"all notify": "controls: {'1': {mode: notify}, '2': {mode: notify}, '3': {mode: notify}, '4': {mode: notify}, '5': {mode: notify}}",
	"all off, central topic": "notifications: {topicArn: arn:aws:sns:eu-central-1:777788889999:central}\n" +
		"controls: {'1': {mode: off}, '2': {mode: off}, '3': {mode: off}, '4': {mode: off}, '5': {mode: off}}",
	"configured names": `controls:
  "1": {mode: auto}
  "3": {mode: auto}
  "1.17": {roleName: Support}
  "3.4": {roleName: TrailDelivery}
  "3.5": {bucket: central-config, roleArn: "arn:aws:iam::444455556666:role/Recorder"}
  "3.9": {roleName: FlowDelivery}
  "4": {mode: auto, roleName: TrailDelivery, topic: alarms}
`,
}

func memberPolicy(t *testing.T, text string) perms.Document {
	t.Helper()
	cfg, err := config.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	s, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return MemberPolicy(cfg, s)
}

// TestMemberPolicyCannotEscalate walks the member policy under every
// configuration: no IAM, KMS or Organizations write that sets a policy, a
// role, its trust or a credential may be allowed on every resource without
// a condition (perms.Escalations; its own test shows it catches the policy
// cisguard generated before).
func TestMemberPolicyCannotEscalate(t *testing.T) {
	for name, text := range configs {
		doc := memberPolicy(t, text)
		if got := perms.Escalations(doc); len(got) > 0 {
			t.Errorf("%s: the member policy allows %v on every resource without a condition", name, got)
		}
		for _, sid := range []string{"NeverChangeItselfOrTheBoundary", "NeverChangeBoundaries", "TagKeysOnlyAtCreation"} {
			if !slices.ContainsFunc(doc.Statement, func(s perms.Statement) bool { return s.Sid == sid && s.Effect == "Deny" }) {
				t.Errorf("%s: no deny %s", name, sid)
			}
		}
	}
}

// TestMemberPolicyFollowsModes: controls in notify or off mode get their
// reads (manual steps and scans read) and no write; the member topic
// lookup is there only when messages go to the member topic.
func TestMemberPolicyFollowsModes(t *testing.T) {
	reads := map[string]bool{}
	for _, c := range controls.All() {
		for _, a := range perms.Reads(c.Permissions) {
			reads[a] = true
		}
	}
	for name, want := range map[string][]string{"all notify": {"sns:Publish"}, "all off, central topic": nil} {
		allowed := memberPolicy(t, configs[name]).Allowed()
		if writes := slices.DeleteFunc(slices.Clone(allowed), func(a string) bool { return !perms.Write(a) }); !slices.Equal(writes, want) {
			t.Errorf("%s: writes %v, want %v", name, writes, want)
		}
		for a := range reads {
			// s3:ListBucket is declared for HeadBucket, which names a
			// bucket's region as it refuses, and granted nowhere.
			if a != "s3:ListBucket" && !slices.Contains(allowed, a) {
				t.Errorf("%s: read %s is missing", name, a)
			}
		}
	}
	if all := memberPolicy(t, configs["all auto"]).Allowed(); !slices.Contains(all, "iam:CreateRole") || !slices.Contains(all, "s3:PutEncryptionConfiguration") {
		t.Errorf("all auto lacks writes: %v", all)
	}
}

// TestOpenBucketPolicyWritesOnlyFor212 shows the one resource-policy write
// allowed on every resource: 2.1.2 merges its TLS-only statement into the
// policy of any bucket. Without 2.1.2 in auto mode it is gone, and the
// bucket policies 3.1 and 3.6 write are only those of cisguard's buckets.
func TestOpenBucketPolicyWritesOnlyFor212(t *testing.T) {
	if got := perms.OpenPolicyWrites(memberPolicy(t, configs["all auto"])); !slices.Equal(got, []string{"s3:PutBucketPolicy"}) {
		t.Errorf("all auto: open policy writes %v", got)
	}
	for _, mode := range []string{"notify", "off"} {
		doc := memberPolicy(t, "controls: {'2.1.2': {mode: "+mode+"}}")
		if got := perms.OpenPolicyWrites(doc); len(got) > 0 {
			t.Errorf("2.1.2 %s: open policy writes %v", mode, got)
		}
		i := slices.IndexFunc(doc.Statement, func(s perms.Statement) bool { return slices.Contains(s.Action, "s3:PutBucketPolicy") })
		if i < 0 || !slices.Equal(doc.Statement[i].Resource, perms.Values{"arn:${AWS::Partition}:s3:::cisguard-*"}) {
			t.Errorf("2.1.2 %s: s3:PutBucketPolicy for 3.1 and 3.6 should be on cisguard-* buckets only:\n%s", mode, doc.JSON())
		}
	}
}

// TestNotifyAndDryRunDeclareOnlyReads: the engine runs a control in notify
// mode, and any control in a dry run, with its reads alone, so a bug there
// cannot write.
func TestNotifyAndDryRunDeclareOnlyReads(t *testing.T) {
	c, _ := controls.Lookup("5.1")
	for _, tc := range []struct {
		action policy.Action
		dryRun bool
		writes bool
	}{{policy.Remediate, false, true}, {policy.Remediate, true, false}, {policy.Notify, false, false}} {
		ctx := perms.Declare(context.Background(), c.ID, declaration(c, tc.action, tc.dryRun))
		err := perms.Check(ctx, "EC2", "DeleteNetworkAclEntry")
		var ue *perms.UndeclaredError
		if got := err == nil; got != tc.writes || (err != nil && !errors.As(err, &ue)) {
			t.Errorf("%s, dry run %v: write allowed %v (%v)", tc.action, tc.dryRun, got, err)
		}
		if err := perms.Check(ctx, "EC2", "DescribeNetworkAcls"); err != nil {
			t.Errorf("%s, dry run %v: %v", tc.action, tc.dryRun, err)
		}
	}
}

package controls

import (
	"slices"
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/perms"
)

// settingsFor resolves a configuration given as YAML.
func settingsFor(t *testing.T, text string) (*config.Config, *Settings) {
	t.Helper()
	cfg, err := config.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, s
}

// TestDeclarations checks every control's declaration: each action is
// classified as a read or a write, and a scope narrows only actions the
// control declares (with default parameters and with configured names).
func TestDeclarations(t *testing.T) {
	custom := `controls:
  "1.17": {roleName: Support}
  "3.1": {bucket: trail-logs}
  "3.4": {roleName: TrailDelivery}
  "3.5": {bucket: config-logs, roleArn: "arn:aws:iam::111122223333:role/ConfigRecorder"}
  "3.6": {logBucket: access-logs}
  "3.7": {kmsKey: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
  "3.9": {roleName: FlowDelivery}
  "4": {roleName: TrailDelivery, topic: alarms}
`
	for _, text := range []string{"{}", custom} {
		cfg, s := settingsFor(t, text)
		for _, c := range All() {
			for _, a := range c.Permissions {
				if !perms.Classified(a) {
					t.Errorf("%s declares %s, which is neither a read nor a write in internal/perms/access.go", c.ID, a)
				}
			}
			st, _ := s.For(c.ID)
			for _, sc := range c.Grant(st.Params, cfg.ExemptTag).Scopes {
				for _, a := range sc.Actions {
					if !slices.Contains(c.Permissions, a) {
						t.Errorf("%s scopes %s, which it does not declare", c.ID, a)
					}
				}
			}
		}
	}
}

// TestScopesFollowConfiguration checks that configured names reach the
// scopes, and that a name cisguard does not need is not allowed.
func TestScopesFollowConfiguration(t *testing.T) {
	cfg, s := settingsFor(t, `controls:
  "1.17": {roleName: Support}
  "3.7": {kmsKey: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
  "3.9": {roleName: cisguard-flow}
exemptTag: {key: breakglass, value: "yes"}
`)
	scopes := map[string]perms.Scope{}
	for _, g := range s.Grants(cfg.ExemptTag) {
		for _, sc := range g.Scopes {
			scopes[g.Owner+" "+sc.Sid] = sc
		}
	}
	if r := scopes["1.17 AttachAWSSupportAccessOnly"].Resources; !slices.Contains(r, "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Support") {
		t.Errorf("1.17 attaches to %v", r)
	}
	if r := scopes["3.9 CreateRolesUnderBoundary"].Resources; len(r) != 1 || !strings.HasSuffix(r[0], ":role/cisguard-*") {
		t.Errorf("a cisguard- name needs no resource of its own: %v", r)
	}
	if r := scopes["3.7 NameCreatedKeys"].Resources; len(r) != 0 {
		t.Errorf("kmsKey is a key ARN: no alias to create, got %v", r)
	}
	if c := scopes["1.12 CredentialsOfUsersNotExempt"].Condition; !slices.Equal(c["StringNotEqualsIgnoreCase"]["aws:ResourceTag/breakglass"], perms.Values{"yes"}) {
		t.Errorf("credential writes follow exemptTag: %v", c)
	}
}

// TestGrantsFollowModes checks that a control in notify or off mode is
// granted its reads only.
func TestGrantsFollowModes(t *testing.T) {
	cfg, s := settingsFor(t, "controls: {'1.17': {mode: notify}, '5.3': {mode: off}}\n")
	for _, g := range s.Grants(cfg.ExemptTag) {
		writes := slices.DeleteFunc(slices.Clone(g.Actions), func(a string) bool { return !perms.Write(a) })
		switch g.Owner {
		case "1.17", "5.3":
			if len(writes) > 0 || len(g.Actions) == 0 {
				t.Errorf("%s (not auto): actions %v", g.Owner, g.Actions)
			}
		case "3.4":
			if !slices.Contains(writes, "iam:CreateRole") {
				t.Errorf("3.4 (auto) lost its writes: %v", g.Actions)
			}
		}
	}
}

// TestCreatedRolesCarryBoundaryAndTag checks the roles 3.4, 3.9 and 1.17
// create: under the member stack's permissions boundary and tagged
// cisguard:managed, or, in an account without the boundary policy,
// without it.
func TestCreatedRolesCarryBoundaryAndTag(t *testing.T) {
	for _, withBoundary := range []bool{true, false} {
		h := newHarness(t)
		if !withBoundary {
			h = &harness{t: t, acct: fake.NewAccount(testAccount), region: testRegion}
		}
		h.remediate("1.17", accountResource(), "")
		r := h.acct.Role("SupportAccessRole")
		want := ""
		if withBoundary {
			want = "arn:aws:iam::111122223333:policy/cisguard-role-boundary"
		}
		if r == nil || r.Boundary != want || r.Tags[perms.ManagedTagKey] != perms.ManagedTagValue {
			t.Errorf("boundary policy exists %v: role %+v", withBoundary, r)
		}
	}
}

// TestPartsKeepTheirScopes checks 3.1's grant with its parts: while 3.4
// and 3.7 are in auto their writes come under their own scopes, never on
// every resource; while they are not, 3.1 is granted none of their writes.
func TestPartsKeepTheirScopes(t *testing.T) {
	grantOf := func(text string) perms.Grant {
		cfg, s := settingsFor(t, text)
		for _, g := range s.Grants(cfg.ExemptTag) {
			if g.Owner == "3.1" {
				return g
			}
		}
		t.Fatal("no grant for 3.1")
		return perms.Grant{}
	}
	partWrites := slices.DeleteFunc(append(slices.Clone(logDeliveryPart.Actions), trailKeyPart.Actions...), func(a string) bool { return !perms.Write(a) })

	g := grantOf("controls: {'3.1': {mode: auto}, '3.4': {mode: auto}, '3.7': {mode: auto}}\n")
	open := perms.Policy(g)
	for _, a := range partWrites {
		if !slices.Contains(g.Actions, a) {
			t.Errorf("3.1 with its parts in auto lacks %s", a)
		}
	}
	if got := perms.Escalations(open); len(got) > 0 {
		t.Errorf("3.1's parts allow %v on every resource without a condition", got)
	}
	for _, st := range open.Statement {
		if st.Effect == "Allow" && slices.Contains(st.Resource, "*") && len(st.Condition) == 0 {
			for _, a := range st.Action {
				if slices.Contains(partWrites, a) && a != "logs:CreateLogGroup" && a != "logs:TagResource" && a != "logs:PutRetentionPolicy" && a != "kms:EnableKeyRotation" {
					t.Errorf("3.1's part write %s is allowed on every resource", a)
				}
			}
		}
	}

	g = grantOf("controls: {'3.1': {mode: auto}, '3.4': {mode: notify}, '3.7': {mode: off}}\n")
	for _, a := range partWrites {
		if slices.Contains(g.Actions, a) {
			t.Errorf("3.1 is granted %s of a part not in auto", a)
		}
	}
}

// TestNoBucketListing: HeadBucket (s3:ListBucket) is declared, to find
// the region of a trail bucket of another account, and granted nowhere:
// S3 names the region as it refuses, and s3:ListBucket on "*" would let
// the member role list every bucket's objects.
func TestNoBucketListing(t *testing.T) {
	for _, text := range []string{"{}", "controls: {'3': {mode: auto}}\n", "controls: {'3': {mode: notify}}\n"} {
		cfg, s := settingsFor(t, text)
		if slices.Contains(perms.Policy(s.Grants(cfg.ExemptTag)...).Allowed(), "s3:ListBucket") {
			t.Errorf("%s: the member policy allows s3:ListBucket", strings.TrimSpace(text))
		}
	}
}

// TestNewTrailLogBucketGranted: 3.1 logs its new bucket's accesses into
// 3.6's logBucket whatever 3.6's mode, so the member policy lets 3.1
// create that bucket and write its policy even with 3.6 in notify.
func TestNewTrailLogBucketGranted(t *testing.T) {
	cfg, s := settingsFor(t, "controls: {'3.1': {mode: auto}, '3.6': {mode: notify, logBucket: corp-access-logs}, '2.1.2': {mode: notify}}\n")
	doc := perms.Policy(s.Grants(cfg.ExemptTag)...)
	for _, a := range []string{"s3:CreateBucket", "s3:PutBucketPolicy"} {
		if !slices.ContainsFunc(doc.Statement, func(st perms.Statement) bool {
			return st.Effect == "Allow" && slices.Contains(st.Action, a) && slices.Contains(st.Resource, "arn:${AWS::Partition}:s3:::corp-access-logs")
		}) {
			t.Errorf("3.1 may not %s on 3.6's log bucket corp-access-logs", a)
		}
	}
	if got := perms.Escalations(doc); len(got) > 0 {
		t.Errorf("escalations %v", got)
	}
}

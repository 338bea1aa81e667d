package templates

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/perms"
)

const regenerate = "go run ./cmd/cisguard templates --out deploy/cloudformation"

// TestCheckedInTemplatesAreCurrent fails when a file under
// deploy/cloudformation differs from what the sources, the default
// configuration and the engine's member policy produce.
func TestCheckedInTemplatesAreCurrent(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "deploy", "cloudformation")
	for name, want := range rendered(t) {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v (run %s)", name, err, regenerate)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("deploy/cloudformation/%s is stale: run %s", name, regenerate)
		}
	}
	on, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, p := range on {
		if !slices.Contains(Names(), filepath.Base(p)) {
			t.Errorf("%s is not rendered from a source: remove it or add its source", p)
		}
	}
}

// TestMemberPolicy checks that the member role carries exactly the policy
// the engine generates, that each action is well formed in a service the
// controls call, and that the policy fits IAM's size limit for a role's
// inline policies.
func TestMemberPolicy(t *testing.T) {
	d := defaultData(t)
	c := parseTemplate(t, MemberRole, rendered(t)[MemberRole])
	pols := field(field(c.resources["Role"], "Properties"), "Policies")
	if pols == nil || len(pols.Content) != 1 {
		t.Fatal("member role: want exactly one inline policy")
	}
	var got any
	if err := field(pols.Content[0], "PolicyDocument").Decode(&got); err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal([]byte(d.MemberPolicy.JSON()), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(got), normalize(want)) {
		t.Errorf("member role policy differs from engine.MemberPolicy()")
	}
	actionRE := regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)
	for _, a := range d.MemberPolicy.Actions() {
		svc, _, _ := strings.Cut(a, ":")
		if !actionRE.MatchString(a) || !slices.Contains(memberPrefixes, svc) {
			t.Errorf("member policy action %q: malformed or in an unexpected service", a)
		}
	}
	// IAM counts a role's inline policies without whitespace, up to 10,240.
	size := len(strings.Join(strings.Fields(d.MemberPolicy.JSON()), ""))
	if size > 10240 {
		t.Errorf("member policy is %d characters, over IAM's 10,240 for a role's inline policies", size)
	}
	t.Logf("member policy: %d actions, %d characters", len(d.MemberPolicy.Actions()), size)
}

// normalize turns YAML- and JSON-decoded values into the same shapes.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func TestAutoSecurityControls(t *testing.T) {
	sc := AutoSecurityControls([]string{"5.3", "2.1.5.1", "1.7", "4.3"})
	if want := []string{"CloudWatch.1", "EC2.2", "S3.1"}; !slices.Equal(sc, want) {
		t.Errorf("security control ids %q, want %q", sc, want)
	}
	// Related controls of other standards come along (5.2 ↔ EC2.13 …).
	sc = AutoSecurityControls([]string{"5.2"})
	r, _ := catalog.Lookup("5.2")
	if !slices.Equal(sc, r.Related) {
		t.Errorf("5.2: %q, want its related controls %q", sc, r.Related)
	}
}

func TestRenderFollowsConfiguration(t *testing.T) {
	cfg, err := config.Parse([]byte("roleName: Custom_Role\nnotifications:\n  memberTopic: MyTopic\n"))
	if err != nil {
		t.Fatal(err)
	}
	policy := perms.Policy(perms.Grant{Owner: "x", Actions: []string{"ec2:DescribeVpcs"}})
	files, err := Render(For(cfg, []string{"5.3"}, policy))
	if err != nil {
		t.Fatal(err)
	}
	admin := parseTemplate(t, Admin, files[Admin])
	for p, want := range map[string]string{
		"MemberRoleName":         "Custom_Role",
		"AutoSecurityControlIds": "EC2.2",
	} {
		if got := field(admin.parameters[p], "Default").Value; got != want {
			t.Errorf("admin %s default %q, want %q", p, got, want)
		}
	}
	role := parseTemplate(t, MemberRole, files[MemberRole])
	if got := field(role.parameters["RoleName"], "Default").Value; got != "Custom_Role" {
		t.Errorf("member role name default %q", got)
	}
	topic := parseTemplate(t, MemberTopic, files[MemberTopic])
	if got := field(topic.parameters["TopicName"], "Default").Value; got != "MyTopic" {
		t.Errorf("member topic default %q", got)
	}
	if !strings.Contains(string(files[MemberRole]), `"ec2:DescribeVpcs"`) {
		t.Error("member role does not carry the given policy")
	}
}

func TestRenderRejectsBadValues(t *testing.T) {
	d := defaultData(t)
	for _, mutate := range []func(*Data){
		func(d *Data) { d.RoleName = "" },
		func(d *Data) { d.ActionName = "a name longer than twenty" },
		func(d *Data) { d.MemberTopic = "x: y" },
		func(d *Data) { d.AutoSecurityControlIDs = []string{"a,b"} },
		func(d *Data) { d.MemberPolicy = perms.Document{} },
	} {
		bad := d
		mutate(&bad)
		if _, err := Render(bad); err == nil {
			t.Errorf("Render accepted %+v", bad)
		}
	}
}

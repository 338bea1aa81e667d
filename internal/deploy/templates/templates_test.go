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

	"go.yaml.in/yaml/v3"

	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
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
// the engine generates (placeholders through Fn::Sub) and the stack the
// boundary, that each action is well formed in a service the controls
// call, and that the policies fit IAM's and CloudFormation's size limits.
func TestMemberPolicy(t *testing.T) {
	d := defaultData(t)
	body := rendered(t)[MemberRole]
	c := parseTemplate(t, MemberRole, body)
	pols := field(field(c.resources["Role"], "Properties"), "Policies")
	if pols == nil || len(pols.Content) != 1 {
		t.Fatal("member role: want exactly one inline policy")
	}
	sameDocument(t, "member role policy", field(pols.Content[0], "PolicyDocument"), d.MemberPolicy)
	sameDocument(t, "role boundary", field(field(c.resources["RoleBoundary"], "Properties"), "PolicyDocument"), perms.Boundary())
	if name := field(field(c.resources["RoleBoundary"], "Properties"), "ManagedPolicyName"); name == nil || name.Value != perms.BoundaryName {
		t.Errorf("the boundary must be named %s: the member policy names it", perms.BoundaryName)
	}
	actionRE := regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+\*?$`)
	for _, a := range d.MemberPolicy.Actions() {
		svc, _, _ := strings.Cut(a, ":")
		if !actionRE.MatchString(a) || !slices.Contains(memberPrefixes, svc) {
			t.Errorf("member policy action %q: malformed or in an unexpected service", a)
		}
	}
	// IAM counts a role's inline policies without whitespace, up to 10,240
	// characters, a managed policy up to 6,144: measured with the longest
	// partition and role name the placeholders can stand for.
	worst := func(doc perms.Document) int {
		return doc.Resolve("aws-us-gov", "123456789012", strings.Repeat("r", 64)).Size()
	}
	allAuto, err := config.Parse([]byte("controls: {'1': {mode: auto}, '2': {mode: auto}, '3': {mode: auto}, '4': {mode: auto}, '5': {mode: auto}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := controls.Configure(allAuto)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]perms.Document{"default": d.MemberPolicy, "every control in auto": engine.MemberPolicy(allAuto, s)} {
		if n := worst(doc); n > 10240 {
			t.Errorf("member policy (%s) is %d characters, over IAM's 10,240 for a role's inline policies", name, n)
		} else {
			t.Logf("member policy (%s): %d actions allowed, %d characters", name, len(doc.Allowed()), n)
		}
	}
	if n := worst(perms.Boundary()); n > 6144 {
		t.Errorf("role boundary is %d characters, over IAM's 6,144 for a managed policy", n)
	}
	// CloudFormation takes a template body of up to 51,200 bytes.
	if len(body) > 51200 {
		t.Errorf("member-role template is %d bytes, over CloudFormation's 51,200 for a template body", len(body))
	}
}

// sameDocument checks that a policy in a template is doc as CloudFormation
// takes it.
func sameDocument(t *testing.T, what string, n *yaml.Node, doc perms.Document) {
	t.Helper()
	var got, want any
	if n == nil {
		t.Fatalf("%s: missing", what)
	}
	if err := n.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(doc.CloudFormation()), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(got), normalize(want)) {
		t.Errorf("%s differs from what perms generates", what)
	}
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

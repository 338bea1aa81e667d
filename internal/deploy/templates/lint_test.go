package templates

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// resourceTypes lists every CloudFormation resource type the templates use,
// with the attributes Fn::GetAtt may read from it. Each was checked against
// the CloudFormation Template Reference (docs.aws.amazon.com/AWSCloudFormation/
// latest/TemplateReference/aws-resource-<service>-<type>.html, "Return
// values"); add a type here only after checking it there.
var resourceTypes = map[string][]string{
	"AWS::CloudWatch::Alarm":             {"Arn"},
	"AWS::Config::ConfigurationRecorder": {},
	"AWS::Config::DeliveryChannel":       {},
	"AWS::Events::Rule":                  {"Arn"},
	"AWS::IAM::ManagedPolicy":            {"PolicyArn"},
	"AWS::IAM::Role":                     {"Arn", "RoleId"},
	"AWS::KMS::Alias":                    {},
	"AWS::KMS::Key":                      {"Arn", "KeyId"},
	"AWS::Lambda::EventSourceMapping":    {"EventSourceMappingArn", "Id"},
	"AWS::Lambda::Function":              {"Arn"},
	"AWS::Lambda::Permission":            {},
	"AWS::Logs::LogGroup":                {"Arn"},
	"AWS::S3::Bucket":                    {"Arn", "DomainName", "RegionalDomainName"},
	"AWS::S3::BucketPolicy":              {},
	"AWS::SNS::Subscription":             {"Arn"},
	"AWS::SNS::Topic":                    {"TopicArn", "TopicName"},
	"AWS::SQS::Queue":                    {"Arn", "QueueName", "QueueUrl"},
	"AWS::SQS::QueuePolicy":              {"Id"},
}

// pseudoParameters are CloudFormation's pseudo parameters.
var pseudoParameters = []string{
	"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
	"AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
}

// knownActions are the IAM actions the templates name themselves (the
// member policy's come from the engine and are checked by TestMemberPolicy),
// each as spelled in the Service Authorization Reference
// (docs.aws.amazon.com/service-authorization/latest/reference/list_<service>.html).
// A wildcard in a template must match at least one of them.
var knownActions = map[string][]string{
	"kms": {"Decrypt", "DescribeKey", "GenerateDataKey", "GenerateDataKeyPair",
		"GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo"},
	"logs":          {"CreateLogStream", "DescribeLogGroups", "DescribeLogStreams", "PutLogEvents"},
	"organizations": {"DescribeOrganization", "ListAccounts"},
	"s3":            {"GetBucketAcl", "ListBucket", "PutObject"},
	"securityhub":   {"BatchUpdateFindings", "GetFindings"},
	"sns":           {"Publish", "Subscribe"},
	"sqs":           {"ChangeMessageVisibility", "DeleteMessage", "GetQueueAttributes", "ReceiveMessage", "SendMessage"},
	"sts":           {"AssumeRole"},
	"support":       {"CreateCase", "DescribeCases", "DescribeServices", "DescribeTrustedAdvisorChecks"},
}

// memberPrefixes are the IAM service prefixes the member policy may use
// (those of the services cisguard's controls call).
var memberPrefixes = []string{
	"access-analyzer", "account", "cloudtrail", "cloudwatch", "config", "ec2", "iam",
	"kms", "logs", "macie2", "organizations", "rds", "s3", "sns",
}

// cfn is a parsed template.
type cfn struct {
	name       string
	root       *yaml.Node
	parameters map[string]*yaml.Node
	conditions map[string]*yaml.Node
	resources  map[string]*yaml.Node // logical id → resource mapping
	types      map[string]string     // logical id → Type
}

// reporter is the part of *testing.T the checks use, so that a test can
// check the checks.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

type fakeT struct{ errs []string }

func (f *fakeT) Helper()                        {}
func (f *fakeT) Errorf(format string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(format, a...)) }
func (f *fakeT) Fatalf(format string, a ...any) { f.Errorf(format, a...) }

func parseTemplate(t reporter, name string, body []byte) *cfn {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: not YAML: %v", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("%s: not a YAML mapping", name)
	}
	c := &cfn{name: name, root: doc.Content[0], parameters: map[string]*yaml.Node{},
		conditions: map[string]*yaml.Node{}, resources: map[string]*yaml.Node{}, types: map[string]string{}}
	sections := []string{"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
		"Mappings", "Conditions", "Transform", "Resources", "Outputs"}
	for k, v := range pairs(c.root) {
		if !slices.Contains(sections, k) {
			t.Errorf("%s: unknown top-level section %q", name, k)
		}
		switch k {
		case "AWSTemplateFormatVersion":
			if v.Value != "2010-09-09" {
				t.Errorf("%s: AWSTemplateFormatVersion %q", name, v.Value)
			}
		case "Parameters":
			for p, n := range pairs(v) {
				c.parameters[p] = n
			}
		case "Conditions":
			for p, n := range pairs(v) {
				c.conditions[p] = n
			}
		case "Resources":
			for p, n := range pairs(v) {
				c.resources[p] = n
			}
		}
	}
	if len(c.resources) == 0 {
		t.Fatalf("%s: no resources", name)
	}
	for id, r := range c.resources {
		typ := field(r, "Type")
		if typ == nil {
			t.Errorf("%s: resource %s has no Type", name, id)
			continue
		}
		c.types[id] = typ.Value
		for k := range pairs(r) {
			if !slices.Contains([]string{"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}, k) {
				t.Errorf("%s: resource %s: unknown attribute %q", name, id, k)
			}
		}
	}
	for p, n := range c.parameters {
		typ := field(n, "Type")
		if typ == nil || !slices.Contains([]string{"String", "Number", "CommaDelimitedList", "List<Number>"}, typ.Value) {
			t.Errorf("%s: parameter %s: missing or unexpected Type", name, p)
		}
		if d := field(n, "Description"); d == nil || d.Value == "" {
			t.Errorf("%s: parameter %s has no Description", name, p)
		}
		if def, pat := field(n, "Default"), field(n, "AllowedPattern"); def != nil && pat != nil {
			if !regexp.MustCompile(pat.Value).MatchString(def.Value) {
				t.Errorf("%s: parameter %s: default %q does not match its AllowedPattern %s", name, p, def.Value, pat.Value)
			}
		}
	}
	return c
}

// pairs iterates a mapping node's keys and values.
func pairs(n *yaml.Node) func(func(string, *yaml.Node) bool) {
	return func(yield func(string, *yaml.Node) bool) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i].Value, n.Content[i+1]) {
				return
			}
		}
	}
}

func field(n *yaml.Node, key string) *yaml.Node {
	for k, v := range pairs(n) {
		if k == key {
			return v
		}
	}
	return nil
}

// intrinsic returns the function name of a node written as a short tag
// (!Ref x) or a one-key mapping (Ref: x, Fn::GetAtt: [...]), and its argument.
func intrinsic(n *yaml.Node) (string, *yaml.Node) {
	if strings.HasPrefix(n.Tag, "!") && n.Tag != "!!str" && !strings.HasPrefix(n.Tag, "!!") {
		name := strings.TrimPrefix(n.Tag, "!")
		if name != "Ref" && name != "Condition" {
			name = "Fn::" + name
		}
		return name, n
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, n.Content[1]
		}
	}
	return "", nil
}

var knownFunctions = []string{
	"Ref", "Condition", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Fn::Not", "Fn::Equals", "Fn::And",
	"Fn::Or", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::GetAZs", "Fn::FindInMap", "Fn::Base64",
	"Fn::ImportValue",
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// checkReferences walks the template and reports every reference that does
// not resolve, and every unknown intrinsic function.
func (c *cfn) checkReferences(t reporter) {
	t.Helper()
	var walk func(n *yaml.Node, where string)
	refOK := func(name string) bool {
		_, p := c.parameters[name]
		_, r := c.resources[name]
		return p || r || slices.Contains(pseudoParameters, name)
	}
	getAttOK := func(res, attr string) error {
		typ, ok := c.types[res]
		if !ok {
			return fmt.Errorf("no resource %s", res)
		}
		if !slices.Contains(resourceTypes[typ], attr) {
			return fmt.Errorf("%s (%s) has no attribute %s in the checked list", res, typ, attr)
		}
		return nil
	}
	walk = func(n *yaml.Node, where string) {
		fn, arg := intrinsic(n)
		switch {
		case fn == "":
		case !slices.Contains(knownFunctions, fn):
			t.Errorf("%s: %s: unknown intrinsic function %s", c.name, where, fn)
		case fn == "Ref":
			if !refOK(arg.Value) {
				t.Errorf("%s: %s: !Ref %s resolves to no parameter, resource or pseudo parameter", c.name, where, arg.Value)
			}
			return
		case fn == "Condition":
			if _, ok := c.conditions[arg.Value]; !ok {
				t.Errorf("%s: %s: condition %s does not exist", c.name, where, arg.Value)
			}
			return
		case fn == "Fn::GetAtt":
			var res, attr string
			if arg.Kind == yaml.ScalarNode {
				res, attr, _ = strings.Cut(arg.Value, ".")
			} else if len(arg.Content) == 2 {
				res, attr = arg.Content[0].Value, arg.Content[1].Value
			}
			if err := getAttOK(res, attr); err != nil {
				t.Errorf("%s: %s: !GetAtt %s.%s: %v", c.name, where, res, attr, err)
			}
			return
		case fn == "Fn::If":
			if arg.Kind != yaml.SequenceNode || len(arg.Content) != 3 {
				t.Errorf("%s: %s: !If needs [condition, then, else]", c.name, where)
				return
			}
			if _, ok := c.conditions[arg.Content[0].Value]; !ok {
				t.Errorf("%s: %s: !If condition %s does not exist", c.name, where, arg.Content[0].Value)
			}
			walk(arg.Content[1], where)
			walk(arg.Content[2], where)
			return
		case fn == "Fn::Sub":
			s, vars := arg, map[string]bool{}
			if arg.Kind == yaml.SequenceNode {
				s = arg.Content[0]
				for k := range pairs(arg.Content[1]) {
					vars[k] = true
				}
			}
			for _, m := range subVar.FindAllStringSubmatch(s.Value, -1) {
				v := m[1]
				switch {
				case strings.HasPrefix(v, "!"), vars[v]: // literal ${!x} or a Sub variable
				case strings.Contains(v, "."):
					res, attr, _ := strings.Cut(v, ".")
					if err := getAttOK(res, attr); err != nil {
						t.Errorf("%s: %s: !Sub ${%s}: %v", c.name, where, v, err)
					}
				case !refOK(v):
					t.Errorf("%s: %s: !Sub ${%s} resolves to no parameter, resource or pseudo parameter", c.name, where, v)
				}
			}
			return
		}
		for i, ch := range n.Content {
			w := where
			if n.Kind == yaml.MappingNode && i%2 == 1 {
				w = where + "." + n.Content[i-1].Value
			}
			walk(ch, w)
		}
	}
	walk(c.root, "")
	for id, r := range c.resources {
		if cond := field(r, "Condition"); cond != nil {
			if _, ok := c.conditions[cond.Value]; !ok {
				t.Errorf("%s: resource %s: condition %s does not exist", c.name, id, cond.Value)
			}
		}
		if d := field(r, "DependsOn"); d != nil {
			deps := []*yaml.Node{d}
			if d.Kind == yaml.SequenceNode {
				deps = d.Content
			}
			for _, dep := range deps {
				if _, ok := c.resources[dep.Value]; !ok {
					t.Errorf("%s: resource %s: DependsOn %s: no such resource", c.name, id, dep.Value)
				}
			}
		}
	}
}

// actions returns the IAM actions named in every policy document of the
// template (Action of a statement, in any policy property), by resource.
func (c *cfn) actions() map[string][]string {
	out := map[string][]string{}
	var walk func(id string, n *yaml.Node, inPolicy bool)
	walk = func(id string, n *yaml.Node, inPolicy bool) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, n.Content[i+1]
				if inPolicy && (k == "Action" || k == "NotAction") {
					if v.Kind == yaml.ScalarNode {
						out[id] = append(out[id], v.Value)
					}
					for _, a := range v.Content {
						out[id] = append(out[id], a.Value)
					}
					continue
				}
				walk(id, v, inPolicy || k == "PolicyDocument" || k == "AssumeRolePolicyDocument" || k == "KeyPolicy")
			}
			return
		}
		for _, ch := range n.Content {
			walk(id, ch, inPolicy)
		}
	}
	for id, r := range c.resources {
		walk(id, r, false)
	}
	return out
}

func rendered(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := Render(defaultData(t))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestTemplatesAreValidCloudFormation(t *testing.T) {
	for name, body := range rendered(t) {
		t.Run(name, func(t *testing.T) {
			c := parseTemplate(t, name, body)
			for id, typ := range c.types {
				if _, ok := resourceTypes[typ]; !ok {
					t.Errorf("resource %s: type %s is not in the list of checked CloudFormation types", id, typ)
				}
			}
			c.checkReferences(t)
			if !strings.HasPrefix(string(body), "# cisguard") {
				t.Errorf("%s does not start with its documentation comment", name)
			}
		})
	}
}

func TestTemplateActionsExist(t *testing.T) {
	memberActions := defaultData(t).MemberPolicy.Actions()
	for name, body := range rendered(t) {
		c := parseTemplate(t, name, body)
		for id, actions := range c.actions() {
			for _, a := range actions {
				if name == MemberRole && id == "Role" && slices.Contains(memberActions, a) {
					continue // from the engine; see TestMemberPolicy
				}
				if err := knownAction(a); err != nil {
					t.Errorf("%s: resource %s: %v", name, id, err)
				}
			}
		}
	}
}

// knownAction checks an action (or a wildcard) against knownActions.
func knownAction(a string) error {
	svc, act, ok := strings.Cut(a, ":")
	if !ok {
		return fmt.Errorf("action %q has no service prefix", a)
	}
	names, ok := knownActions[svc]
	if !ok {
		return fmt.Errorf("action %q: service %s is not in the checked list", a, svc)
	}
	if !strings.Contains(act, "*") {
		if !slices.Contains(names, act) {
			return fmt.Errorf("action %q is not a known %s action", a, svc)
		}
		return nil
	}
	for _, n := range names {
		if ok, _ := path.Match(act, n); ok {
			return nil
		}
	}
	return fmt.Errorf("wildcard %q matches no known %s action", a, svc)
}

func TestKnownActionRejectsTypos(t *testing.T) {
	for _, a := range []string{"sqs:ReceiveMessages", "kms:Generate*Foo", "Publish", "foo:Bar"} {
		if knownAction(a) == nil {
			t.Errorf("knownAction(%q) accepted it", a)
		}
	}
	for _, a := range []string{"kms:*", "kms:GenerateDataKey*", "sts:AssumeRole"} {
		if err := knownAction(a); err != nil {
			t.Error(err)
		}
	}
}

// TestLinterCatchesMistakes makes sure the checks above can fail.
func TestLinterCatchesMistakes(t *testing.T) {
	bad := `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Name:
    Type: String
    Description: a name
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref Nmae
      DisplayName: !Sub ${Name}-${Queue.Arn}-${AWS::Region}-${!Literal}
  Sub:
    Type: AWS::SNS::Subscription
    Condition: HasEmail
    Properties:
      TopicArn: !GetAtt Topic.Arn
      Endpoint: !If [Missing, a, b]
`
	ft := &fakeT{}
	c := parseTemplate(ft, "bad", []byte(bad))
	c.checkReferences(ft)
	want := []string{"!Ref Nmae", "${Queue.Arn}", "condition HasEmail", "!GetAtt Topic.Arn", "!If condition Missing"}
	for _, w := range want {
		if !slices.ContainsFunc(ft.errs, func(e string) bool { return strings.Contains(e, w) }) {
			t.Errorf("linter missed %q; reported %q", w, ft.errs)
		}
	}
	if len(ft.errs) != len(want) {
		t.Errorf("linter reported %d errors, want %d: %q", len(ft.errs), len(want), ft.errs)
	}
}

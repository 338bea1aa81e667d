package perms

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Placeholders in the ARNs and condition values of a Document. The
// member-role template substitutes them (Fn::Sub); Resolve substitutes them
// for one account.
const (
	Partition = "${AWS::Partition}"
	AccountID = "${AWS::AccountId}"
	// RoleName is the member role's own name (the template's RoleName
	// parameter).
	RoleName = "${RoleName}"
)

// Names the member policy relies on. Resources cisguard creates carry the
// managed tag; the roles it creates are named with RolePrefix (or a name
// the configuration gives) and carry the permissions boundary that the
// member stack creates as BoundaryName.
const (
	RolePrefix      = "cisguard-"
	BucketPrefix    = "cisguard-"
	BoundaryName    = "cisguard-role-boundary"
	ManagedTagKey   = "cisguard:managed"
	ManagedTagValue = "true"
)

// ARN builds an ARN in the member account's partition and account.
func ARN(service, region, resource string) string {
	return "arn:" + Partition + ":" + service + ":" + region + ":" + AccountID + ":" + resource
}

// BoundaryARN is the ARN of the permissions boundary policy.
var BoundaryARN = ARN("iam", "", "policy/"+BoundaryName)

// RoleARNs returns the roles cisguard may create and write: every role
// named with RolePrefix, and the configured names without it.
func RoleARNs(names ...string) []string {
	out := []string{ARN("iam", "", "role/"+RolePrefix+"*")}
	for _, n := range names {
		if n != "" && !strings.HasPrefix(n, RolePrefix) {
			out = append(out, ARN("iam", "", "role/"+n))
		}
	}
	return out
}

// BucketARNs returns the buckets cisguard may create and write the policy
// of: every bucket named with BucketPrefix, and the configured names
// without it.
func BucketARNs(names ...string) []string {
	out := []string{"arn:" + Partition + ":s3:::" + BucketPrefix + "*"}
	for _, n := range names {
		if n != "" && !strings.HasPrefix(n, BucketPrefix) {
			out = append(out, "arn:"+Partition+":s3:::"+n)
		}
	}
	return out
}

// Grant is what one part of cisguard needs in the member account.
type Grant struct {
	// Owner names the part (a control id, "notify").
	Owner string
	// Actions are the IAM actions the part calls ("ec2:DescribeVpcs"),
	// and those IAM checks without a call of their own (iam:PassRole).
	// Each is allowed on every resource unless a scope names it.
	Actions []string
	// Scopes narrow some of Actions to resources and conditions; an
	// action they name is allowed only as they say. A scope naming an
	// action outside Actions grants nothing.
	Scopes []Scope
}

// Scope allows actions only on some resources, under a condition.
type Scope struct {
	// Sid names what the scope is for; scopes with the same Sid and
	// condition merge into one statement.
	Sid     string
	Actions []string
	// Resources are ARN patterns; none means the actions are not needed
	// under this configuration and are not allowed at all.
	Resources []string
	Condition Condition
	// Withheld says why a scope without resources is never granted,
	// whatever the parameters (the call works without the permission);
	// empty for a scope that is only not needed under this configuration.
	Withheld string
}

// Condition is a statement's condition block: operator → key → values.
type Condition map[string]map[string]Values

// Reads returns the grant without its write actions (Write).
func (g Grant) Reads() Grant {
	out := Grant{Owner: g.Owner, Actions: Reads(g.Actions)}
	for _, s := range g.Scopes {
		if a := Reads(s.Actions); len(a) > 0 {
			s.Actions = a
			out.Scopes = append(out.Scopes, s)
		}
	}
	return out
}

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document.
type Statement struct {
	Sid       string    `json:"Sid"`
	Effect    string    `json:"Effect"`
	Action    []string  `json:"Action,omitempty"`
	NotAction []string  `json:"NotAction,omitempty"`
	Resource  Values    `json:"Resource"`
	Condition Condition `json:"Condition,omitempty"`
}

// Values is a list that renders as a single string when it has one
// element, as IAM policies are usually written.
type Values []string

// MarshalJSON writes one value as a string, several as a list.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// UnmarshalJSON reads a string or a list.
func (v *Values) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*v = Values{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(v))
}

// Policy builds the member role's policy from the grants:
//
//   - actions no scope names, one statement per service on "*" (so a
//     reviewer reads it service by service);
//   - scoped actions, one statement per scope Sid, condition and set of
//     resources; an action also allowed on "*" without condition needs
//     no scoped statement;
//   - the guards (Guards), which deny what the role must never do
//     whatever else allows it.
func Policy(grants ...Grant) Document {
	type atom struct{ sid, action, cond string }
	open := map[string]bool{}
	resources := map[atom][]string{}
	conds := map[string]Condition{}
	for _, g := range grants {
		scoped := map[string]bool{}
		for _, s := range g.Scopes {
			c := canonical(s.Condition)
			conds[c] = s.Condition
			for _, a := range s.Actions {
				if !slices.Contains(g.Actions, a) {
					continue
				}
				scoped[a] = true
				k := atom{s.Sid, a, c}
				resources[k] = append(resources[k], s.Resources...)
			}
		}
		for _, a := range g.Actions {
			if !scoped[a] {
				open[a] = true
			}
		}
	}

	doc := Document{Version: "2012-10-17"}
	byService := map[string][]string{}
	for a := range open {
		svc, _, _ := strings.Cut(a, ":")
		byService[svc] = append(byService[svc], a)
	}
	for _, svc := range sortedKeys(byService) {
		actions := byService[svc]
		slices.Sort(actions)
		doc.Statement = append(doc.Statement, Statement{Sid: sid(svc), Effect: "Allow", Action: actions, Resource: Values{"*"}})
	}

	type group struct{ sid, cond, resources string }
	groups := map[group]*Statement{}
	for k, res := range resources {
		if open[k.action] || len(res) == 0 {
			continue
		}
		slices.Sort(res)
		res = slices.Compact(res)
		if slices.Contains(res, "*") {
			res = []string{"*"}
		}
		g := group{k.sid, k.cond, strings.Join(res, "\n")}
		if groups[g] == nil {
			groups[g] = &Statement{Sid: k.sid, Effect: "Allow", Resource: res, Condition: conds[k.cond]}
		}
		groups[g].Action = append(groups[g].Action, k.action)
	}
	var scoped []Statement
	for _, s := range groups {
		slices.Sort(s.Action)
		scoped = append(scoped, *s)
	}
	slices.SortFunc(scoped, func(a, b Statement) int {
		return strings.Compare(a.Sid+"\n"+strings.Join(a.Action, ",")+"\n"+strings.Join(a.Resource, ","),
			b.Sid+"\n"+strings.Join(b.Action, ",")+"\n"+strings.Join(b.Resource, ","))
	})
	seen := map[string]int{}
	for i := range scoped {
		if n := seen[scoped[i].Sid]; n > 0 {
			seen[scoped[i].Sid]++
			scoped[i].Sid = fmt.Sprintf("%s%d", scoped[i].Sid, n+1)
		} else {
			seen[scoped[i].Sid] = 1
		}
	}
	doc.Statement = append(doc.Statement, scoped...)
	doc.Statement = append(doc.Statement, Guards()...)
	return doc
}

// Guards are the explicit denies of the member policy. An explicit deny
// wins over any allow, so they hold even if a later change allows too much.
func Guards() []Statement {
	return []Statement{
		{
			// The role cannot change itself (policies, trust, boundary,
			// tags) nor the boundary that caps the roles it creates.
			Sid: "NeverChangeItselfOrTheBoundary", Effect: "Deny", NotAction: []string{"iam:Get*", "iam:List*"},
			Resource: Values{ARN("iam", "", "role/"+RoleName), BoundaryARN},
		},
		{
			// A boundary, once set, stays: no role loses it or gets another.
			Sid: "NeverChangeBoundaries", Effect: "Deny",
			Action:   []string{"iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"},
			Resource: Values{"*"},
		},
		{
			// Tags go on keys only as CreateKey creates them: tagging an
			// existing key cisguard:managed would open it to kms:PutKeyPolicy.
			// (Tags passed to CreateKey are authorized on "*", not on a key.)
			Sid: "TagKeysOnlyAtCreation", Effect: "Deny", Action: []string{"kms:TagResource", "kms:UntagResource"},
			Resource: Values{ARN("kms", "*", "key/*")},
		},
	}
}

// Boundary is the permissions boundary of every role cisguard creates: the
// most such a role can ever do, whatever policy is put on it. It covers
// log delivery (CloudTrail and VPC Flow Logs into CloudWatch Logs) and the
// AWS Support role of CIS 1.17 (AWSSupportAccess allows support:*).
func Boundary() Document {
	return Document{Version: "2012-10-17", Statement: []Statement{
		{Sid: "DeliverLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents"},
			Resource: Values{ARN("logs", "*", "log-group:*")}},
		{Sid: "ManageSupportCases", Effect: "Allow", Action: []string{"support:*"}, Resource: Values{"*"}},
	}}
}

// Actions lists every action the document names (Action and NotAction of
// every statement), sorted.
func (d Document) Actions() []string {
	var out []string
	for _, s := range d.Statement {
		out = append(out, s.Action...)
		out = append(out, s.NotAction...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Allowed lists the actions of the document's Allow statements, sorted.
func (d Document) Allowed() []string {
	var out []string
	for _, s := range d.Statement {
		if s.Effect == "Allow" {
			out = append(out, s.Action...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// JSON renders the document indented, placeholders as they are: what
// `cisguard policy` prints.
func (d Document) JSON() string {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Size is the length of the document as IAM counts it against its size
// limits: without whitespace.
func (d Document) Size() int {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return len(b)
}

// CloudFormation renders the document for a template: every string with a
// placeholder becomes {"Fn::Sub": string}.
func (d Document) CloudFormation() string {
	type statement struct {
		Sid       string                    `json:"Sid"`
		Effect    string                    `json:"Effect"`
		Action    []string                  `json:"Action,omitempty"`
		NotAction []string                  `json:"NotAction,omitempty"`
		Resource  any                       `json:"Resource"`
		Condition map[string]map[string]any `json:"Condition,omitempty"`
	}
	out := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{Version: d.Version}
	for _, s := range d.Statement {
		c := statement{Sid: s.Sid, Effect: s.Effect, Action: s.Action, NotAction: s.NotAction, Resource: sub(s.Resource)}
		for op, kv := range s.Condition {
			if c.Condition == nil {
				c.Condition = map[string]map[string]any{}
			}
			c.Condition[op] = map[string]any{}
			for k, v := range kv {
				c.Condition[op][k] = sub(v)
			}
		}
		out.Statement = append(out.Statement, c)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sub writes values for CloudFormation: one as a single value, each with
// a placeholder through Fn::Sub.
func sub(vs Values) any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
		if strings.Contains(v, "${") {
			out[i] = map[string]string{"Fn::Sub": v}
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// Resolve returns the document for one account: the placeholders replaced
// by a partition, an account id and the member role's name.
func (d Document) Resolve(partition, account, role string) Document {
	r := strings.NewReplacer(Partition, partition, AccountID, account, RoleName, role)
	out := Document{Version: d.Version}
	for _, s := range d.Statement {
		s.Resource = replaceAll(r, s.Resource)
		if s.Condition != nil {
			c := Condition{}
			for op, kv := range s.Condition {
				c[op] = map[string]Values{}
				for k, vals := range kv {
					c[op][k] = replaceAll(r, vals)
				}
			}
			s.Condition = c
		}
		out.Statement = append(out.Statement, s)
	}
	return out
}

func replaceAll(r *strings.Replacer, in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = r.Replace(s)
	}
	return out
}

// canonical is a condition as a comparable string.
func canonical(c Condition) string {
	b, err := json.Marshal(c) // map keys are sorted
	if err != nil {
		panic(err)
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sid(service string) string {
	var b strings.Builder
	up := true
	for _, r := range service {
		if r == '-' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

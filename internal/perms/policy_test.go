package perms

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func statement(t *testing.T, d Document, sid string) Statement {
	t.Helper()
	for _, s := range d.Statement {
		if s.Sid == sid {
			return s
		}
	}
	t.Fatalf("no statement %s in\n%s", sid, d.JSON())
	return Statement{}
}

func TestPolicy(t *testing.T) {
	boundary := Condition{"StringEquals": {"iam:PermissionsBoundary": {BoundaryARN}}}
	doc := Policy(
		Grant{Owner: "5.3", Actions: []string{"ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroups"}},
		Grant{Owner: "3.4", Actions: []string{"logs:CreateLogGroup", "iam:CreateRole", "iam:PutRolePolicy", "ec2:DescribeSecurityGroups", "iam:PassRole"},
			Scopes: []Scope{
				{Sid: "Roles", Actions: []string{"iam:CreateRole", "iam:PutRolePolicy"}, Resources: RoleARNs("cisguard-trail"), Condition: boundary},
				{Sid: "PassRoles", Actions: []string{"iam:PassRole"}, Resources: RoleARNs(), Condition: Condition{"StringEquals": {"iam:PassedToService": {"cloudtrail.amazonaws.com"}}}},
				{Sid: "Roles", Actions: []string{"iam:DeleteRole"}, Resources: RoleARNs()}, // not declared: grants nothing
			}},
		Grant{Owner: "1.17", Actions: []string{"iam:CreateRole"},
			Scopes: []Scope{{Sid: "Roles", Actions: []string{"iam:CreateRole"}, Resources: RoleARNs("SupportRole"), Condition: boundary}}},
		Grant{Owner: "3.7", Actions: []string{"kms:CreateAlias"},
			Scopes: []Scope{{Sid: "Alias", Actions: []string{"kms:CreateAlias"}}}}, // no resources: not needed
		Grant{Owner: "2.1.2", Actions: []string{"s3:PutBucketPolicy"}},
		Grant{Owner: "3.1", Actions: []string{"s3:PutBucketPolicy", "s3:CreateBucket"},
			Scopes: []Scope{{Sid: "Buckets", Actions: []string{"s3:PutBucketPolicy", "s3:CreateBucket"}, Resources: BucketARNs("logs")}}},
	)
	var sids []string
	for _, s := range doc.Statement {
		sids = append(sids, s.Sid)
	}
	want := []string{"Ec2", "Logs", "S3", "Buckets", "PassRoles", "Roles", "Roles2", "NeverChangeItselfOrTheBoundary", "NeverChangeBoundaries", "TagKeysOnlyAtCreation"}
	if !slices.Equal(sids, want) {
		t.Errorf("statements %v, want %v", sids, want)
	}
	if got := statement(t, doc, "Ec2").Action; !slices.Equal(got, []string{"ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress"}) {
		t.Errorf("ec2 actions %v (deduplicated and sorted)", got)
	}
	// 2.1.2 needs s3:PutBucketPolicy on every bucket: 3.1's scoped grant of it is redundant.
	if got := statement(t, doc, "S3").Action; !slices.Equal(got, []string{"s3:PutBucketPolicy"}) {
		t.Errorf("s3 actions on *: %v", got)
	}
	if s := statement(t, doc, "Buckets"); !slices.Equal(s.Action, []string{"s3:CreateBucket"}) ||
		!slices.Equal(s.Resource, Values{"arn:${AWS::Partition}:s3:::cisguard-*", "arn:${AWS::Partition}:s3:::logs"}) {
		t.Errorf("buckets %+v", s)
	}
	// iam:CreateRole merges the resources of 3.4 and 1.17; iam:PutRolePolicy keeps 3.4's.
	roles, roles2 := statement(t, doc, "Roles"), statement(t, doc, "Roles2")
	if !slices.Equal(roles.Action, []string{"iam:CreateRole"}) || len(roles.Resource) != 2 || roles.Condition["StringEquals"]["iam:PermissionsBoundary"][0] != BoundaryARN {
		t.Errorf("Roles %+v", roles)
	}
	if !slices.Equal(roles2.Action, []string{"iam:PutRolePolicy"}) || !slices.Equal(roles2.Resource, Values{"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cisguard-*"}) {
		t.Errorf("Roles2 %+v", roles2)
	}
	for _, a := range []string{"iam:DeleteRole", "kms:CreateAlias"} {
		if slices.Contains(doc.Actions(), a) {
			t.Errorf("%s is allowed", a)
		}
	}
	if got := doc.Allowed(); len(got) != 8 {
		t.Errorf("%d allowed actions: %v", len(got), got)
	}
}

func TestReadsLeaveOutWrites(t *testing.T) {
	g := Grant{Owner: "3.4", Actions: []string{"iam:GetRole", "iam:CreateRole", "logs:DescribeLogGroups"},
		Scopes: []Scope{{Sid: "Roles", Actions: []string{"iam:CreateRole"}, Resources: RoleARNs()}}}
	r := g.Reads()
	if !slices.Equal(r.Actions, []string{"iam:GetRole", "logs:DescribeLogGroups"}) || len(r.Scopes) != 0 {
		t.Errorf("reads %+v", r)
	}
	if got := Policy(r).Allowed(); slices.ContainsFunc(got, Write) {
		t.Errorf("a read-only grant allows writes: %v", got)
	}
}

func TestGuards(t *testing.T) {
	doc := Policy()
	self := statement(t, doc, "NeverChangeItselfOrTheBoundary")
	if self.Effect != "Deny" || !slices.Equal(self.NotAction, []string{"iam:Get*", "iam:List*"}) ||
		!slices.Equal(self.Resource, Values{"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${RoleName}", "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/cisguard-role-boundary"}) {
		t.Errorf("self guard %+v", self)
	}
	for _, sid := range []string{"NeverChangeBoundaries", "TagKeysOnlyAtCreation"} {
		if statement(t, doc, sid).Effect != "Deny" {
			t.Errorf("%s is not a deny", sid)
		}
	}
}

func TestResolve(t *testing.T) {
	doc := Policy(Grant{Owner: "1.17", Actions: []string{"iam:AttachRolePolicy"}, Scopes: []Scope{{Sid: "Support", Actions: []string{"iam:AttachRolePolicy"},
		Resources: RoleARNs("Support"), Condition: Condition{"ArnEquals": {"iam:PolicyARN": {"arn:" + Partition + ":iam::aws:policy/AWSSupportAccess"}}}}}})
	r := doc.Resolve("aws-us-gov", "111122223333", "CIS_Remediator_Role")
	text := r.JSON()
	if strings.Contains(text, "${") {
		t.Errorf("placeholders left:\n%s", text)
	}
	for _, want := range []string{`"arn:aws-us-gov:iam::111122223333:role/Support"`, `"iam:PolicyARN": "arn:aws-us-gov:iam::aws:policy/AWSSupportAccess"`, `"arn:aws-us-gov:iam::111122223333:role/CIS_Remediator_Role"`} {
		if !strings.Contains(text, want) {
			t.Errorf("resolved policy lacks %s:\n%s", want, text)
		}
	}
	if !strings.Contains(doc.JSON(), "${AWS::AccountId}") {
		t.Error("Resolve changed the original")
	}
	if r.Size() >= len(text) || r.Size() != len(strings.Join(strings.Fields(text), "")) {
		t.Errorf("size %d of %d characters", r.Size(), len(text))
	}
}

func TestCloudFormation(t *testing.T) {
	doc := Policy(Grant{Owner: "x", Actions: []string{"iam:CreateRole", "ec2:DescribeVpcs"}, Scopes: []Scope{{Sid: "Roles", Actions: []string{"iam:CreateRole"}, Resources: RoleARNs()}}})
	var v struct{ Statement []struct{ Resource any } }
	if err := json.Unmarshal([]byte(doc.CloudFormation()), &v); err != nil {
		t.Fatal(err)
	}
	if v.Statement[0].Resource != "*" {
		t.Errorf("a plain string stays a string: %v", v.Statement[0].Resource)
	}
	if sub, ok := v.Statement[1].Resource.(map[string]any); !ok || sub["Fn::Sub"] != "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cisguard-*" {
		t.Errorf("a placeholder goes through Fn::Sub: %v", v.Statement[1].Resource)
	}
}

func TestValuesRoundTrip(t *testing.T) {
	var s Statement
	if err := json.Unmarshal([]byte(`{"Resource":"*","Condition":{"StringEquals":{"k":"v"}}}`), &s); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Resource, Values{"*"}) || !slices.Equal(s.Condition["StringEquals"]["k"], Values{"v"}) {
		t.Errorf("%+v", s)
	}
	b, _ := json.Marshal(Statement{Resource: Values{"a", "b"}})
	if !strings.Contains(string(b), `"Resource":["a","b"]`) {
		t.Errorf("%s", b)
	}
}

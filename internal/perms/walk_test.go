package perms

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// TestEscalationsOfTheOldPolicy walks the member policy as cisguard
// generated it before scoping (commit 1c70bc2): the walk must find every
// grant with which the role could make itself or a new role an
// administrator, or rewrite any key's policy.
func TestEscalationsOfTheOldPolicy(t *testing.T) {
	b, err := os.ReadFile("testdata/member-policy-1c70bc2.json")
	if err != nil {
		t.Fatal(err)
	}
	var old Document
	if err := json.Unmarshal(b, &old); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteAccessKey", "iam:DeleteLoginProfile", "iam:PutRolePolicy", "iam:UpdateAccessKey",
		"kms:CreateKey", "kms:PutKeyPolicy",
	}
	if got := Escalations(old); !slices.Equal(got, want) {
		t.Errorf("escalations of the old policy:\n got %v\nwant %v", got, want)
	}
}

func TestEscalations(t *testing.T) {
	cond := Condition{"StringEquals": {"iam:PermissionsBoundary": {BoundaryARN}}}
	tests := []struct {
		name string
		s    Statement
		want []string
	}{
		{"read", Statement{Effect: "Allow", Action: []string{"iam:GetRole", "kms:DescribeKey"}, Resource: Values{"*"}}, nil},
		{"other service", Statement{Effect: "Allow", Action: []string{"ec2:RevokeSecurityGroupIngress"}, Resource: Values{"*"}}, nil},
		{"harmless", Statement{Effect: "Allow", Action: []string{"iam:UpdateAccountPasswordPolicy", "kms:EnableKeyRotation"}, Resource: Values{"*"}}, nil},
		{"role write on *", Statement{Effect: "Allow", Action: []string{"iam:CreateRole"}, Resource: Values{"*"}}, []string{"iam:CreateRole"}},
		{"every role", Statement{Effect: "Allow", Action: []string{"iam:PutRolePolicy"}, Resource: Values{"arn:aws:iam::111122223333:role/*"}}, []string{"iam:PutRolePolicy"}},
		{"one of the resources is every key", Statement{Effect: "Allow", Action: []string{"kms:PutKeyPolicy"}, Resource: Values{"arn:aws:kms:eu-west-1:1:key/abc", "arn:aws:kms:*:1:key/*"}}, []string{"kms:PutKeyPolicy"}},
		{"prefixed roles", Statement{Effect: "Allow", Action: []string{"iam:PutRolePolicy"}, Resource: RoleARNs()}, nil},
		{"with a condition", Statement{Effect: "Allow", Action: []string{"iam:CreateRole"}, Resource: Values{"*"}, Condition: cond}, nil},
		{"deny", Statement{Effect: "Deny", Action: []string{"iam:CreateRole"}, Resource: Values{"*"}}, nil},
		{"wildcard", Statement{Effect: "Allow", Action: []string{"iam:Put*", "kms:*", "ec2:*"}, Resource: Values{"*"}}, []string{"iam:Put*", "kms:*"}},
		{"everything", Statement{Effect: "Allow", Action: []string{"*"}, Resource: Values{"*"}}, []string{"*"}},
		{"not action", Statement{Effect: "Allow", NotAction: []string{"ec2:*"}, Resource: Values{"*"}}, []string{"*"}},
		{"organizations", Statement{Effect: "Allow", Action: []string{"organizations:AttachPolicy", "organizations:DescribeOrganization"}, Resource: Values{"*"}}, []string{"organizations:AttachPolicy"}},
		{"unknown iam action counts as a write", Statement{Effect: "Allow", Action: []string{"iam:UpdateAssumeRolePolicy"}, Resource: Values{"*"}}, []string{"iam:UpdateAssumeRolePolicy"}},
	}
	for _, tc := range tests {
		got := Escalations(Document{Statement: []Statement{tc.s}})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOpenPolicyWrites(t *testing.T) {
	doc := Document{Statement: []Statement{
		{Effect: "Allow", Action: []string{"s3:PutBucketPolicy", "s3:GetBucketPolicy", "sns:Publish"}, Resource: Values{"*"}},
		{Effect: "Allow", Action: []string{"sns:SetTopicAttributes"}, Resource: Values{"arn:aws:sns:*:1:cisguard-alarms"}},
		{Effect: "Allow", Action: []string{"logs:PutResourcePolicy"}, Resource: Values{"arn:aws:logs:*:1:*"}},
	}}
	if got := OpenPolicyWrites(doc); !slices.Equal(got, []string{"logs:PutResourcePolicy", "s3:PutBucketPolicy"}) {
		t.Errorf("open policy writes %v", got)
	}
}

package perms

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestAction(t *testing.T) {
	tests := map[[2]string]string{
		{"EC2", "DescribeNetworkAcls"}:           "ec2:DescribeNetworkAcls",
		{"CloudWatch Logs", "PutMetricFilter"}:   "logs:PutMetricFilter",
		{"S3", "ListBuckets"}:                    "s3:ListAllMyBuckets",
		{"S3", "GetBucketEncryption"}:            "s3:GetEncryptionConfiguration",
		{"S3", "PutPublicAccessBlock"}:           "s3:PutBucketPublicAccessBlock",
		{"S3 Control", "PutPublicAccessBlock"}:   "s3:PutAccountPublicAccessBlock",
		{"Config Service", "PutDeliveryChannel"}: "config:PutDeliveryChannel",
		{"AccessAnalyzer", "CreateAnalyzer"}:     "access-analyzer:CreateAnalyzer",
	}
	for in, want := range tests {
		if got := Action(in[0], in[1]); got != want {
			t.Errorf("Action(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := Check(context.Background(), "EC2", "DeleteVpc"); err != nil {
		t.Errorf("without a declaration everything is allowed (the engine's own calls): %v", err)
	}
	ctx := Declare(context.Background(), "5.3", []string{"ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroups"})
	if err := Check(ctx, "EC2", "DescribeSecurityGroups"); err != nil {
		t.Error(err)
	}
	err := Check(ctx, "EC2", "DeleteVpc")
	var ue *UndeclaredError
	if !errors.As(err, &ue) || ue.Owner != "5.3" || ue.Action != "ec2:DeleteVpc" || Owner(ctx) != "5.3" {
		t.Errorf("error %v", err)
	}
}

func TestPolicy(t *testing.T) {
	doc := Policy(
		Grant{Owner: "5.3", Actions: []string{"ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroups"}},
		Grant{Owner: "3.4", Actions: []string{"logs:CreateLogGroup", "iam:CreateRole", "ec2:DescribeSecurityGroups"}, PassRoleTo: []string{"cloudtrail.amazonaws.com"}},
		Grant{Owner: "3.9", Actions: []string{"access-analyzer:ListAnalyzers"}, PassRoleTo: []string{"vpc-flow-logs.amazonaws.com", "cloudtrail.amazonaws.com"}},
	)
	var sids []string
	for _, s := range doc.Statement {
		sids = append(sids, s.Sid)
		if s.Effect != "Allow" || s.Resource != "*" {
			t.Errorf("statement %+v", s)
		}
	}
	if want := []string{"AccessAnalyzer", "Ec2", "Iam", "Logs", "PassRolesToLoggingServices"}; !slices.Equal(sids, want) {
		t.Errorf("statements %v, want %v", sids, want)
	}
	if got := doc.Statement[1].Action; !slices.Equal(got, []string{"ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress"}) {
		t.Errorf("ec2 actions %v (deduplicated and sorted)", got)
	}
	pass := doc.Statement[4]
	if !slices.Equal(pass.Action, []string{"iam:PassRole"}) || !slices.Equal(pass.Condition["StringEquals"]["iam:PassedToService"].([]string), []string{"cloudtrail.amazonaws.com", "vpc-flow-logs.amazonaws.com"}) {
		t.Errorf("pass role statement %+v", pass)
	}
	if n := len(doc.Actions()); n != 6 {
		t.Errorf("%d actions: %v", n, doc.Actions())
	}
}

package perms

import (
	"context"
	"errors"
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

package deploy

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The clients of an account and region are built once: a deploy asks for
// them in several passes (survey, members, keys, original configuration).
func TestAWSClientsBuiltOnce(t *testing.T) {
	e := &AWS{Config: aws.Config{Region: "us-east-1"}, caller: Identity{Account: "111111111111", ARN: "arn:aws:iam::111111111111:user/admin"}}
	if a, b := e.Management("eu-west-1"), e.Management("eu-west-1"); a.CloudFormation != b.CloudFormation || a.SecurityHub != b.SecurityHub {
		t.Error("Management built new clients for the same region")
	}
	if a, b := e.Management("eu-west-1"), e.Management("us-east-1"); a.CloudFormation == b.CloudFormation {
		t.Error("two regions share a client")
	}
	m1, err := e.Member(context.Background(), "111111111111", "eu-west-1") // the caller's own account: no role to assume
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := e.Member(context.Background(), "111111111111", "eu-west-1")
	if m1.S3 != m2.S3 || m1.IAM != m2.IAM {
		t.Error("Member built new clients for the same account and region")
	}
}

package awsapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TestBrief: the SDK's operation error becomes the IAM action, AWS's code
// and message; the callers' context around it stays.
func TestBrief(t *testing.T) {
	api := &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}
	resp := &smithyhttp.Response{Response: &http.Response{StatusCode: 403}}
	op := &smithy.OperationError{ServiceID: "EC2", OperationName: "RevokeSecurityGroupIngress", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: resp, Err: api}, RequestID: "b1c2"}}
	dial := &url.Error{Op: "Post", URL: "https://logs.eu-west-1.amazonaws.com/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	network := &smithy.OperationError{ServiceID: "CloudWatch Logs", OperationName: "PutMetricFilter", Err: &smithyhttp.RequestSendError{Err: dial}}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("revoke rule sgr-1: %w", op), "revoke rule sgr-1: ec2:RevokeSecurityGroupIngress: UnauthorizedOperation: You are not authorized to perform this operation."},
		{network, `logs:PutMetricFilter: Post "https://logs.eu-west-1.amazonaws.com/": dial tcp: connection refused`},
		{fmt.Errorf("x: %w", api), "x: UnauthorizedOperation: You are not authorized to perform this operation."},
		{errors.New("plain"), "plain"},
		{fmt.Errorf("securityhub:GetFindings in eu-west-1: %w", &smithy.OperationError{ServiceID: "SecurityHub", OperationName: "GetFindings", Err: api}),
			"securityhub:GetFindings in eu-west-1: UnauthorizedOperation: You are not authorized to perform this operation."},
	} {
		if got := Brief(tt.err); got != tt.want {
			t.Errorf("Brief(%q)\n = %q\nwant %q", tt.err, got, tt.want)
		}
	}
	if Brief(nil) != "" {
		t.Error("Brief(nil)")
	}
}

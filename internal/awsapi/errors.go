package awsapi

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/cisguard/cisguard/internal/perms"
)

// Code returns the AWS error code of err ("NoSuchBucket", "Throttling"),
// or "" when err is not an AWS API error.
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// HasCode reports whether err is an AWS API error with one of the codes.
func HasCode(err error, codes ...string) bool {
	c := Code(err)
	return c != "" && slices.Contains(codes, c)
}

// notFound are the codes with which AWS says a resource does not exist.
var notFound = []string{
	"NoSuchEntity", "NoSuchBucket", "NotFound",
	"InvalidGroup.NotFound", "InvalidGroupId.NotFound", "InvalidSecurityGroupRuleId.NotFound",
	"InvalidNetworkAclID.NotFound", "InvalidNetworkAclId.NotFound", "InvalidVpcID.NotFound",
	"TrailNotFoundException", "ResourceNotFoundException", "NotFoundException",
	"DBInstanceNotFound", "DBInstanceNotFoundFault",
}

// IsNotFound reports whether err says the resource itself does not exist
// (it was deleted since the finding was raised).
func IsNotFound(err error) bool { return HasCode(err, notFound...) }

// Message returns the message of an AWS API error, or err's text.
func Message(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}

// Brief returns err's message with the AWS SDK's operation error in it
// (`operation error EC2: RevokeSecurityGroupIngress, https response error
// StatusCode: 403, RequestID: …, api error UnauthorizedOperation: …`)
// shortened to the IAM action, AWS's code and message
// (`ec2:RevokeSecurityGroupIngress: UnauthorizedOperation: …`); the
// context the callers added around it is kept.
func Brief(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		i := strings.Index(s, oe.Error())
		if i < 0 {
			return s
		}
		brief := briefOperation(oe)
		// The caller's context named the action already: say it once.
		if action := perms.Action(oe.ServiceID, oe.OperationName); strings.Contains(s[:i], action) {
			brief = strings.TrimPrefix(brief, action+": ")
		}
		return s[:i] + brief + s[i+len(oe.Error()):]
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return strings.Replace(s, ae.Error(), ae.ErrorCode()+": "+ae.ErrorMessage(), 1)
	}
	return s
}

func briefOperation(oe *smithy.OperationError) string {
	action := perms.Action(oe.ServiceID, oe.OperationName)
	var ae smithy.APIError
	if errors.As(oe.Err, &ae) {
		return fmt.Sprintf("%s: %s: %s", action, ae.ErrorCode(), ae.ErrorMessage())
	}
	// Not an answer from AWS (no credentials, the network, a cancelled
	// context): the request's URL error (`Post "https://…": dial tcp: …`)
	// where there is one, else the innermost cause.
	cause := oe.Err
	var ue *url.Error
	if errors.As(cause, &ue) {
		return fmt.Sprintf("%s: %s", action, ue)
	}
	for next := errors.Unwrap(cause); next != nil; next = errors.Unwrap(cause) {
		cause = next
	}
	return fmt.Sprintf("%s: %s", action, cause)
}

package awsapi

import (
	"errors"
	"slices"

	"github.com/aws/smithy-go"
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

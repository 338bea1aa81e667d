// Package perms maps the AWS SDK operations cisguard calls to the IAM
// actions that authorize them, enforces that code calls only what it
// declared, and renders the least-privilege policy for the member role.
//
// Every control declares its IAM actions. The engine puts the declaration
// into the context before the control runs; the SDK middleware (and the
// test fakes, through Check) refuse any operation outside it, so an
// undeclared call fails in tests long before it fails in an account with
// AccessDenied.
package perms

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/smithy-go/middleware"
)

// prefixes maps an SDK service id to its IAM service prefix.
var prefixes = map[string]string{
	"AccessAnalyzer":  "access-analyzer",
	"Account":         "account",
	"CloudFormation":  "cloudformation",
	"CloudTrail":      "cloudtrail",
	"CloudWatch":      "cloudwatch",
	"CloudWatch Logs": "logs",
	"Config Service":  "config",
	"EC2":             "ec2",
	"EventBridge":     "events",
	"IAM":             "iam",
	"KMS":             "kms",
	"Lambda":          "lambda",
	"Macie2":          "macie2",
	"Organizations":   "organizations",
	"RDS":             "rds",
	"S3":              "s3",
	"S3 Control":      "s3",
	"SecurityHub":     "securityhub",
	"SNS":             "sns",
	"SQS":             "sqs",
	"STS":             "sts",
}

// renamed lists the operations whose IAM action has another name.
var renamed = map[string]string{
	"S3/ListBuckets":                     "s3:ListAllMyBuckets",
	"S3/HeadBucket":                      "s3:ListBucket",
	"S3/GetBucketEncryption":             "s3:GetEncryptionConfiguration",
	"S3/PutBucketEncryption":             "s3:PutEncryptionConfiguration",
	"S3/GetPublicAccessBlock":            "s3:GetBucketPublicAccessBlock",
	"S3/PutPublicAccessBlock":            "s3:PutBucketPublicAccessBlock",
	"S3/DeletePublicAccessBlock":         "s3:PutBucketPublicAccessBlock",
	"S3/PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
	"S3/GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
	"S3 Control/GetPublicAccessBlock":    "s3:GetAccountPublicAccessBlock",
	"S3 Control/PutPublicAccessBlock":    "s3:PutAccountPublicAccessBlock",
	"S3 Control/DeletePublicAccessBlock": "s3:PutAccountPublicAccessBlock",
}

// Action returns the IAM action that authorizes an SDK operation, as
// "prefix:Action".
func Action(service, operation string) string {
	if a, ok := renamed[service+"/"+operation]; ok {
		return a
	}
	p, ok := prefixes[service]
	if !ok {
		p = strings.ToLower(strings.ReplaceAll(service, " ", ""))
	}
	return p + ":" + operation
}

type declKey struct{}

type declaration struct {
	owner   string
	actions []string // sorted
}

// Declare returns a context in which only the given IAM actions may be
// called; owner (a control id, "notify", …) names the declaration in errors.
func Declare(ctx context.Context, owner string, actions []string) context.Context {
	a := slices.Clone(actions)
	slices.Sort(a)
	return context.WithValue(ctx, declKey{}, declaration{owner: owner, actions: a})
}

// UndeclaredError is returned for an operation outside the declaration.
type UndeclaredError struct {
	Owner, Action string
}

func (e *UndeclaredError) Error() string {
	return fmt.Sprintf("%s called %s without declaring it (add it to its permissions)", e.Owner, e.Action)
}

// Check returns an UndeclaredError when ctx carries a declaration that
// does not include the operation's action. Without a declaration it
// allows everything: the engine's own calls (Security Hub, central SNS)
// use the engine's credentials, not the member role.
func Check(ctx context.Context, service, operation string) error {
	d, ok := ctx.Value(declKey{}).(declaration)
	if !ok {
		return nil
	}
	a := Action(service, operation)
	if _, found := slices.BinarySearch(d.actions, a); !found {
		return &UndeclaredError{Owner: d.owner, Action: a}
	}
	return nil
}

// Middleware adds the declaration check to an SDK client's stack; add it
// with the client option APIOptions.
func Middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("cisguard.perms",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if err := Check(ctx, middleware.GetServiceID(ctx), middleware.GetOperationName(ctx)); err != nil {
				return middleware.InitializeOutput{}, middleware.Metadata{}, err
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

// Owner returns who declared the permissions in ctx, or "".
func Owner(ctx context.Context) string {
	d, _ := ctx.Value(declKey{}).(declaration)
	return d.owner
}

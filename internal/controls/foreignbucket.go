package controls

// Trail buckets of another account: a central log-archive bucket, common
// in organizations. S3 refuses every request that expects this account as
// the bucket's owner, and cisguard writes to no bucket of another
// account, so the trail-bucket controls (3.3, 3.6) leave what to do there,
// and 3.7 asks S3 only where the bucket is, since CloudTrail needs the
// trail's key in the bucket's region.

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// foreignBucketError is bucketClients' error for a bucket that belongs to
// another account than the target's.
type foreignBucketError struct {
	bucket, account string
	err             error
}

func (e *foreignBucketError) Error() string {
	return fmt.Sprintf("bucket %s does not belong to account %s (S3 refused a request expecting it as the owner): cisguard does not touch it: %v", e.bucket, e.account, e.err)
}

func (e *foreignBucketError) Unwrap() error { return e.err }

// foreignBucket is what cisguard knows of a bucket of another account.
type foreignBucket struct {
	name string
	// owner is the account that owns it, "" when unknown: S3 does not
	// say; 3.1's bucketOwner does for its bucket.
	owner string
	// region is where it is, "" when unknown.
	region string
}

// asForeign returns the bucket of a foreignBucketError in err, or nil.
func asForeign(t *Target, err error) *foreignBucket {
	var fe *foreignBucketError
	if !errors.As(err, &fe) {
		return nil
	}
	return &foreignBucket{name: fe.bucket, owner: configuredOwner(t, fe.bucket)}
}

// configuredOwner is 3.1's bucketOwner when bucket is 3.1's bucket.
func configuredOwner(t *Target, bucket string) string {
	if st, ok := t.Settings.For("3.1"); ok {
		if c, _ := st.Params.(*CloudTrailParams); c != nil && c.Bucket == bucket && c.BucketOwner != t.Account() {
			return c.BucketOwner
		}
	}
	return ""
}

func (b *foreignBucket) String() string {
	if b.owner != "" {
		return fmt.Sprintf("bucket %s of account %s", b.name, b.owner)
	}
	return fmt.Sprintf("bucket %s (of another account)", b.name)
}

// ownerAccount names the owner for a person's steps.
func (b *foreignBucket) ownerAccount() string {
	if b.owner != "" {
		return "account " + b.owner
	}
	return "the account that owns it"
}

// locate asks S3 for the bucket's region. HeadBucket answers with it
// (header x-amz-bucket-region) even when it refuses the request, which it
// does unless the owner lets this account list the bucket; the request
// expects the known owner, or this account, so nothing else is read. A
// region S3 does not give stays "".
func (b *foreignBucket) locate(ctx context.Context, t *Target) error {
	owner := b.owner
	if owner == "" {
		owner = t.Account()
	}
	out, err := ownedBy(t.Clients, owner).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b.name)})
	if err == nil {
		b.region = aws.ToString(out.BucketRegion)
		return nil
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if r := re.Response.Header.Get("X-Amz-Bucket-Region"); r != "" {
			b.region = r
			return nil
		}
		if re.HTTPStatusCode() < http.StatusInternalServerError && re.HTTPStatusCode() != http.StatusTooManyRequests {
			return nil // an answer without the region
		}
	}
	if awsapi.HasCode(err, "Forbidden", "AccessDenied", "NotFound", "NoSuchBucket", "MovedPermanently", "PermanentRedirect", "BadRequest") {
		return nil
	}
	return fmt.Errorf("locate bucket %s: %w", b.name, err)
}

// leaveBucketPublicAccess is 3.3 on a bucket of another account.
func (b *foreignBucket) leaveBucketPublicAccess(t *Target, p *plan.Plan) {
	p.Leave(fmt.Sprintf("the trail's %s, not of account %s: cisguard changes no bucket of another account, so its Block Public Access is set there", b, t.Account()),
		fmt.Sprintf("In %s: aws s3api put-public-access-block --bucket %s --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true", b.ownerAccount(), b.name),
		"Or let cisguard do it there: with its member role in that account, 2.1.5.2 (S3.8) fixes the bucket's Block Public Access on that account's own finding")
}

// leaveBucketLogging is 3.6 on a bucket of another account.
func (b *foreignBucket) leaveBucketLogging(t *Target, p *plan.Plan) {
	p.Leave(fmt.Sprintf("the trail's %s, not of account %s: cisguard changes no bucket of another account, so its server access logging is turned on there", b, t.Account()),
		fmt.Sprintf("In %s, into a log bucket of that account in the bucket's region: aws s3api put-bucket-logging --bucket %s --bucket-logging-status '{\"LoggingEnabled\":{\"TargetBucket\":\"<log bucket>\",\"TargetPrefix\":\"%s/\"}}'", b.ownerAccount(), b.name, b.name))
}

// leaveKeyRegion is 3.7 when S3 does not say where a bucket of another
// account is.
func (b *foreignBucket) leaveKeyRegion(tr *trail, p *plan.Plan) {
	p.Leave(fmt.Sprintf("CloudTrail needs the KMS key of %s in the region of its %s, and S3 did not say which region that is", tr, b),
		fmt.Sprintf("Find the region in %s: aws s3api get-bucket-location --bucket %s", b.ownerAccount(), b.name),
		fmt.Sprintf("In this account, in that region, make a symmetric key whose policy lets CloudTrail encrypt (kms:GenerateDataKey* for cloudtrail.amazonaws.com) and encrypt the trail with it: aws cloudtrail update-trail --region %s --name %s --kms-key-id <key ARN>", tr.region(), tr.arn()))
}

// reason is a scan's MANUAL reason for 3.3 and 3.6 on a
// bucket of another account.
func (b *foreignBucket) reason(t *Target) string {
	return fmt.Sprintf("%s belongs to another account than %s: check it there (cisguard reads and changes no bucket of another account)", b, t.Account())
}

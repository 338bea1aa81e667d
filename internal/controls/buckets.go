package controls

// Buckets: every S3 request cisguard makes on a bucket names the account
// that must own it, and the buckets cisguard names itself are created
// compliant.

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/memo"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// managedTag marks what cisguard creates.
var managedTag = map[string]string{"cisguard:managed": "true"}

// ownedS3 is an S3 client that sends every bucket request with
// ExpectedBucketOwner, which S3 refuses (403) when the bucket belongs to
// any other account. Bucket names are global and S3 ARNs carry no
// account, so this is how cisguard makes sure that a bucket it reads or
// changes is the account's own: a finding's bucket, or a name cisguard
// chose that someone else may have taken first.
type ownedS3 struct {
	api   awsapi.S3
	owner *string
}

// ownedBy returns the S3 client of a region whose bucket requests expect
// owner.
func ownedBy(c awsapi.Clients, owner string) awsapi.S3 {
	return ownedS3{api: c.S3(), owner: aws.String(owner)}
}

func (o ownedS3) ListBuckets(ctx context.Context, in *s3.ListBucketsInput, opts ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	return o.api.ListBuckets(ctx, in, opts...)
}

// CreateBucket has no owner to expect: it fails when the name is taken.
func (o ownedS3) CreateBucket(ctx context.Context, in *s3.CreateBucketInput, opts ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	return o.api.CreateBucket(ctx, in, opts...)
}

func (o ownedS3) HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.HeadBucket(ctx, &c, opts...)
}

func (o ownedS3) GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, opts ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.GetBucketLocation(ctx, &c, opts...)
}

func (o ownedS3) GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, opts ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.GetBucketTagging(ctx, &c, opts...)
}

func (o ownedS3) PutBucketTagging(ctx context.Context, in *s3.PutBucketTaggingInput, opts ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.PutBucketTagging(ctx, &c, opts...)
}

func (o ownedS3) GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, opts ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.GetBucketPolicy(ctx, &c, opts...)
}

func (o ownedS3) PutBucketPolicy(ctx context.Context, in *s3.PutBucketPolicyInput, opts ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.PutBucketPolicy(ctx, &c, opts...)
}

func (o ownedS3) DeleteBucketPolicy(ctx context.Context, in *s3.DeleteBucketPolicyInput, opts ...func(*s3.Options)) (*s3.DeleteBucketPolicyOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.DeleteBucketPolicy(ctx, &c, opts...)
}

func (o ownedS3) DeletePublicAccessBlock(ctx context.Context, in *s3.DeletePublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.DeletePublicAccessBlockOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.DeletePublicAccessBlock(ctx, &c, opts...)
}

func (o ownedS3) GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.GetPublicAccessBlock(ctx, &c, opts...)
}

func (o ownedS3) PutPublicAccessBlock(ctx context.Context, in *s3.PutPublicAccessBlockInput, opts ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.PutPublicAccessBlock(ctx, &c, opts...)
}

func (o ownedS3) GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.GetBucketEncryption(ctx, &c, opts...)
}

func (o ownedS3) PutBucketEncryption(ctx context.Context, in *s3.PutBucketEncryptionInput, opts ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.PutBucketEncryption(ctx, &c, opts...)
}

func (o ownedS3) GetBucketLogging(ctx context.Context, in *s3.GetBucketLoggingInput, opts ...func(*s3.Options)) (*s3.GetBucketLoggingOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.GetBucketLogging(ctx, &c, opts...)
}

func (o ownedS3) PutBucketLogging(ctx context.Context, in *s3.PutBucketLoggingInput, opts ...func(*s3.Options)) (*s3.PutBucketLoggingOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.PutBucketLogging(ctx, &c, opts...)
}

func (o ownedS3) GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, opts ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	c := *in
	c.ExpectedBucketOwner = o.owner
	return o.api.GetBucketVersioning(ctx, &c, opts...)
}

// bucketClients returns the S3 client for a bucket's own region, where
// every bucket request must go, expecting the target account as the
// bucket's owner. gone is true when the bucket does not exist. A bucket
// of another account is an error: cisguard never touches it.
func bucketClients(ctx context.Context, t *Target, bucket string) (api awsapi.S3, region string, gone bool, err error) {
	if region := listedRegion(ctx, t, bucket); region != "" {
		c, err := t.Clients.In(region)
		if err != nil {
			return nil, "", false, err
		}
		return ownedBy(c, t.Account()), region, false, nil
	}
	out, err := ownedBy(t.Clients, t.Account()).GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	switch {
	case awsapi.IsNotFound(err):
		return nil, "", true, nil
	case awsapi.HasCode(err, "AccessDenied"):
		return nil, "", false, &foreignBucketError{bucket: bucket, account: t.Account(), err: err}
	case err != nil:
		return nil, "", false, fmt.Errorf("locate bucket %s: %w", bucket, err)
	}
	region = string(out.LocationConstraint)
	switch region {
	case "":
		region = "us-east-1"
	case "EU":
		region = "eu-west-1"
	}
	c, err := t.Clients.In(region)
	if err != nil {
		return nil, "", false, err
	}
	return ownedBy(c, t.Account()), region, false, nil
}

// listedRegion returns the region ListBuckets gave for a bucket of the
// account during a scan, "" when unknown. ListBuckets lists only the
// caller's own buckets, each with its region, so a scan locates every
// bucket with that one call instead of a GetBucketLocation each. Outside
// a scan (no memo), and for a control that does not list buckets, it
// returns "" and the bucket is located as before.
func listedRegion(ctx context.Context, t *Target, bucket string) string {
	m, ok := t.Clients.(memo.Memoizer)
	if !ok || perms.Check(ctx, "S3", "ListBuckets") != nil {
		return ""
	}
	v, err := m.Value(ctx, "s3/bucket-regions", func() (any, error) {
		_, regions, err := bucketList(ctx, t)
		return regions, err
	})
	if err != nil {
		return ""
	}
	return v.(map[string]string)[bucket]
}

// planOwnedBucket makes sure a bucket that cisguard names (the trail
// bucket of 3.1, the AWS Config bucket of 3.5, the access-log bucket of
// 3.6) exists in the target account with stmts in its policy. Such names
// are easy to guess, and another account may hold one first: a name held
// by another account is never written to, and planning fails saying so.
//
// A missing bucket is created in region as CIS asks buckets to be, so that
// creating it raises no finding: tagged cisguard:managed, Block Public
// Access on (2.1.5, 3.3), a policy that denies requests without TLS
// (2.1.2) besides stmts, and S3's default encryption (2.1.1). An existing
// bucket of the account gets stmts merged into its policy; with
// sameRegion it must be in region. created is true when the plan creates
// the bucket. Every writer of a bucket's policy adds the same statements,
// so concurrent remediations converge.
func planOwnedBucket(ctx context.Context, t *Target, bucket, region string, sameRegion bool, stmts []map[string]any, p *plan.Plan) (created bool, err error) {
	_, created, err = planOwnedBucketAt(ctx, t, bucket, region, sameRegion, stmts, p)
	return created, err
}

// planOwnedBucketAt is planOwnedBucket that also returns the bucket's
// region (region for a bucket the plan creates).
func planOwnedBucketAt(ctx context.Context, t *Target, bucket, region string, sameRegion bool, stmts []map[string]any, p *plan.Plan) (at string, created bool, err error) {
	api, at, gone, err := bucketClients(ctx, t, bucket)
	if err != nil {
		return "", false, err
	}
	doc := &policyDocument{Version: "2012-10-17"}
	var was *string // the policy before: nil for none
	if gone {
		c, err := t.Clients.In(region)
		if err != nil {
			return "", false, err
		}
		api, at = ownedBy(c, t.Account()), region
		planCreateBucket(api, t, bucket, region, p)
		stmts = append(stmts, denyInsecureTransport(t, bucket))
	} else {
		if sameRegion && at != region {
			return "", false, fmt.Errorf("bucket %s is in %s, it must be in %s", bucket, at, region)
		}
		out, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
		switch {
		case awsapi.HasCode(err, "NoSuchBucketPolicy"):
		case err != nil:
			return "", false, fmt.Errorf("read policy of bucket %s: %w", bucket, err)
		default:
			if doc, err = parsePolicy(aws.ToString(out.Policy)); err != nil {
				return "", false, fmt.Errorf("policy of bucket %s: %w", bucket, err)
			}
			was = out.Policy
		}
	}
	var sids []string
	for _, s := range stmts {
		if doc.upsert(s) {
			sids = append(sids, s["Sid"].(string))
		}
	}
	if len(sids) == 0 {
		return at, gone, nil
	}
	text := doc.String()
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(text)})
		return err
	}, "merge statements %s into the policy of bucket %s (%d statement(s) in all)", strings.Join(sids, ", "), bucket, len(doc.Statement)).Prior = recordOwnedBucketPolicy(bucket, gone, was, text)
	return at, gone, nil
}

// planCreateBucket plans a new bucket of the account, tagged and with
// Block Public Access on. A bucket of that name that the account created
// meanwhile (another remediation) is the one wanted; a name another
// account took meanwhile stops the plan before anything is written to it.
func planCreateBucket(api awsapi.S3, t *Target, bucket, region string, p *plan.Plan) {
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.CreateBucket(ctx, in)
		switch {
		case awsapi.HasCode(err, "BucketAlreadyOwnedByYou"):
			return nil // created meanwhile by another remediation; later requests check its region
		case awsapi.HasCode(err, "BucketAlreadyExists"):
			return fmt.Errorf("bucket name %s was taken by another account meanwhile; nothing was written to it: name a bucket of your own in the settings: %w", bucket, err)
		}
		return err
	}, "create bucket %s in %s", bucket, region).Prior = plan.Keep(kindCreated, bucket, "it holds log files, and S3 deletes only an empty bucket: empty and delete it by hand once nothing needs them", "s3 bucket")
	var tags []s3types.Tag
	for k, v := range managedTag {
		tags = append(tags, s3types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(bucket), Tagging: &s3types.Tagging{TagSet: tags}})
		return err
	}, "tag bucket %s cisguard:managed=true", bucket).Prior = partOfCreated(kindBucketTags, bucket, "bucket", managedTag)
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}})
		return err
	}, "turn on all four Block Public Access settings of bucket %s", bucket).Prior = partOfCreated(kindBucketPAB, bucket, "bucket", pabAllOn)
}

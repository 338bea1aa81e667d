package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// S3 is a fake S3 client in one region. Buckets live in one region, and
// bucket operations sent to another region fail with PermanentRedirect,
// as they do in AWS. Bucket names are global: the account sees its own
// buckets and the names other accounts hold (AddForeignBucket). A request
// with ExpectedBucketOwner fails with AccessDenied (403) when the bucket
// belongs to another account, and a foreign bucket answers only when it
// grants every account access (GrantsAll).
type S3 struct{ svc }

// Bucket is the state of a fake bucket. Tests seed buckets with
// Account.AddBucket and read them back with Account.Bucket.
type Bucket struct {
	Name   string
	Region string
	// Owner is the account that owns the bucket.
	Owner string
	// GrantsAll makes a bucket of another account answer every account,
	// as a bucket policy allowing "*" would: a name squatted to catch
	// another account's writes.
	GrantsAll bool
	Created   time.Time
	// Policy is the bucket policy JSON, "" when there is none.
	Policy string
	// PublicAccessBlock is nil when none is configured.
	PublicAccessBlock *types.PublicAccessBlockConfiguration
	// Encryption is the default encryption; S3 applies SSE-S3 to every
	// bucket since January 2023, so it is never empty.
	Encryption types.ServerSideEncryptionConfiguration
	// Logging is nil when server access logging is off.
	Logging    *types.LoggingEnabled
	Tags       map[string]string
	Versioning types.BucketVersioningStatus
	MFADelete  types.MFADeleteStatus
}

type s3State struct {
	buckets []*Bucket
}

func (c clients) S3() awsapi.S3 { return c.a.S3(c.region) }

// S3 returns the account's S3 client for a region.
func (a *Account) S3(region string) *S3 { return &S3{svc{a, region, "S3"}} }

func (s *S3) st() *s3State { return stateOf(s.a, "s3", func() *s3State { return &s3State{} }) }

var sseS3 = types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
	ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256},
	BucketKeyEnabled:                   aws.Bool(false),
}}}

// AddBucket creates a bucket of the account in a region and returns it for
// further seeding.
func (a *Account) AddBucket(name, region string) *Bucket {
	return a.AddForeignBucket(a.ID, name, region)
}

// AddForeignBucket records that account owner holds a bucket name (in
// region): S3's namespace is global. It returns the bucket for seeding.
func (a *Account) AddForeignBucket(owner, name, region string) *Bucket {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := &Bucket{Name: name, Region: region, Owner: owner, Created: time.Now(), Encryption: sseS3, Tags: map[string]string{}}
	st := stateOf(a, "s3", func() *s3State { return &s3State{} })
	st.buckets = append(st.buckets, b)
	return b
}

// Bucket returns a copy of a bucket's state, or nil.
func (a *Account) Bucket(name string) *Bucket {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := stateOf(a, "s3", func() *s3State { return &s3State{} })
	if b := st.find(name); b != nil {
		c := *b
		return &c
	}
	return nil
}

// DeleteBucket removes a bucket, as if someone deleted it meanwhile.
func (a *Account) DeleteBucket(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := stateOf(a, "s3", func() *s3State { return &s3State{} })
	st.buckets = slices.DeleteFunc(st.buckets, func(b *Bucket) bool { return b.Name == name })
}

func (st *s3State) find(name string) *Bucket {
	for _, b := range st.buckets {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// find resolves a bucket name for a request and enforces who may reach
// the bucket: a request naming an ExpectedBucketOwner other than the
// bucket's owner is refused, and so is any request to a bucket of another
// account that does not grant everyone access. With RequireBucketOwner
// set on the account, a request without ExpectedBucketOwner fails.
func (s *S3) find(name, expected *string) (*Bucket, error) {
	if name == nil || *name == "" {
		return nil, APIError("InvalidBucketName", "bucket name is required")
	}
	if expected == nil && s.a.RequireBucketOwner {
		return nil, APIError("TestExpectedBucketOwnerMissing", "request on bucket %s without ExpectedBucketOwner (the account requires it in tests)", *name)
	}
	b := s.st().find(*name)
	if b == nil {
		return nil, APIError("NoSuchBucket", "The specified bucket does not exist: %s", *name)
	}
	if expected != nil && *expected != b.Owner || b.Owner != s.a.ID && !b.GrantsAll {
		return nil, APIError("AccessDenied", "Access Denied")
	}
	return b, nil
}

// bucket finds a bucket as find does and enforces that the request went
// to its region.
func (s *S3) bucket(name, expected *string) (*Bucket, error) {
	b, err := s.find(name, expected)
	if err != nil {
		return nil, err
	}
	if b.Region != s.region {
		return nil, APIError("PermanentRedirect", "The bucket %s is in %s; send requests to that region (this client is in %s)", b.Name, b.Region, s.region)
	}
	return b, nil
}

var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ListBuckets returns the account's buckets in pages of MaxBuckets.
func (s *S3) ListBuckets(ctx context.Context, in *s3.ListBucketsInput, _ ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	unlock, err := s.call(ctx, "ListBuckets")
	defer unlock()
	if err != nil {
		return nil, err
	}
	var all []types.Bucket
	for _, b := range s.st().buckets {
		if b.Owner != s.a.ID {
			continue
		}
		all = append(all, types.Bucket{Name: aws.String(b.Name), BucketRegion: aws.String(b.Region), CreationDate: aws.Time(b.Created)})
	}
	items, next, err := page(all, in.ContinuationToken, aws.ToInt32(in.MaxBuckets), 10000)
	if err != nil {
		return nil, err
	}
	return &s3.ListBucketsOutput{Buckets: items, ContinuationToken: next}, nil
}

// HeadBucket answers from any region, as a redirect the SDK follows would.
func (s *S3) HeadBucket(ctx context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	unlock, err := s.call(ctx, "HeadBucket")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.find(in.Bucket, in.ExpectedBucketOwner)
	switch {
	case awsapi.HasCode(err, "NoSuchBucket"):
		return nil, APIError("NotFound", "Not Found")
	case awsapi.HasCode(err, "AccessDenied"):
		// S3 names the bucket's region even when it refuses the request.
		return nil, withHeader(APIError("Forbidden", "Forbidden"), 403, "X-Amz-Bucket-Region", s.st().find(*in.Bucket).Region)
	case err != nil:
		return nil, err
	}
	return &s3.HeadBucketOutput{BucketRegion: aws.String(b.Region)}, nil
}

// GetBucketLocation answers from any region; us-east-1 is reported as "".
func (s *S3) GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, _ ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error) {
	unlock, err := s.call(ctx, "GetBucketLocation")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.find(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	loc := types.BucketLocationConstraint(b.Region)
	if b.Region == "us-east-1" {
		loc = ""
	}
	return &s3.GetBucketLocationOutput{LocationConstraint: loc}, nil
}

// CreateBucket enforces S3's location rules: outside us-east-1 the
// LocationConstraint must name the client's region; in us-east-1 it must
// be absent.
func (s *S3) CreateBucket(ctx context.Context, in *s3.CreateBucketInput, _ ...func(*s3.Options)) (*s3.CreateBucketOutput, error) {
	unlock, err := s.call(ctx, "CreateBucket")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.Bucket)
	if !bucketName.MatchString(name) || strings.Contains(name, "..") {
		return nil, APIError("InvalidBucketName", "The specified bucket is not valid: %q", name)
	}
	var loc string
	if in.CreateBucketConfiguration != nil {
		loc = string(in.CreateBucketConfiguration.LocationConstraint)
	}
	switch {
	case s.region == "us-east-1" && loc != "":
		return nil, APIError("InvalidLocationConstraint", "The specified location-constraint is not valid")
	case s.region != "us-east-1" && loc == "":
		return nil, APIError("IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case s.region != "us-east-1" && loc != s.region:
		return nil, APIError("IllegalLocationConstraintException", "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", loc)
	}
	if b := s.st().find(name); b != nil && b.Owner == s.a.ID {
		return nil, APIError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
	} else if b != nil {
		return nil, APIError("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	}
	s.st().buckets = append(s.st().buckets, &Bucket{Name: name, Region: s.region, Owner: s.a.ID, Created: time.Now(), Encryption: sseS3, Tags: map[string]string{}})
	return &s3.CreateBucketOutput{Location: aws.String("/" + name)}, nil
}

func (s *S3) GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, _ ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error) {
	unlock, err := s.call(ctx, "GetBucketTagging")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, APIError("NoSuchTagSet", "The TagSet does not exist")
	}
	out := &s3.GetBucketTaggingOutput{}
	for k, v := range b.Tags {
		out.TagSet = append(out.TagSet, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out, nil
}

// PutBucketTagging replaces the bucket's tags.
func (s *S3) PutBucketTagging(ctx context.Context, in *s3.PutBucketTaggingInput, _ ...func(*s3.Options)) (*s3.PutBucketTaggingOutput, error) {
	unlock, err := s.call(ctx, "PutBucketTagging")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if in.Tagging == nil {
		return nil, APIError("MalformedXML", "The XML you provided was not well-formed")
	}
	tags := map[string]string{}
	for _, t := range in.Tagging.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	b.Tags = tags
	return &s3.PutBucketTaggingOutput{}, nil
}

func (s *S3) GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, _ ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	unlock, err := s.call(ctx, "GetBucketPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, APIError("NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return &s3.GetBucketPolicyOutput{Policy: aws.String(b.Policy)}, nil
}

// PutBucketPolicy replaces the policy after checking it is a policy
// document: JSON with a Version and a non-empty Statement.
func (s *S3) PutBucketPolicy(ctx context.Context, in *s3.PutBucketPolicyInput, _ ...func(*s3.Options)) (*s3.PutBucketPolicyOutput, error) {
	unlock, err := s.call(ctx, "PutBucketPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if err := validPolicy(aws.ToString(in.Policy)); err != nil {
		return nil, APIError("MalformedPolicy", "%v", err)
	}
	b.Policy = aws.ToString(in.Policy)
	return &s3.PutBucketPolicyOutput{}, nil
}

// validPolicy checks the shape of an IAM policy document.
func validPolicy(doc string) error {
	var p struct{ Version string }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return fmt.Errorf("Policies must be valid JSON: %v", err)
	}
	if p.Version != "2012-10-17" && p.Version != "2008-10-17" {
		return fmt.Errorf("Policy has an invalid version %q", p.Version)
	}
	list := statements(doc)
	if len(list) == 0 {
		return fmt.Errorf("Policy has no statement")
	}
	for i, st := range list {
		if e := st["Effect"]; e != "Allow" && e != "Deny" {
			return fmt.Errorf("statement %d has invalid Effect %v", i, e)
		}
		if st["Action"] == nil && st["NotAction"] == nil {
			return fmt.Errorf("statement %d has no Action", i)
		}
	}
	return nil
}

func (s *S3) GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error) {
	unlock, err := s.call(ctx, "GetPublicAccessBlock")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if b.PublicAccessBlock == nil {
		return nil, APIError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	c := *b.PublicAccessBlock
	return &s3.GetPublicAccessBlockOutput{PublicAccessBlockConfiguration: &c}, nil
}

func (s *S3) PutPublicAccessBlock(ctx context.Context, in *s3.PutPublicAccessBlockInput, _ ...func(*s3.Options)) (*s3.PutPublicAccessBlockOutput, error) {
	unlock, err := s.call(ctx, "PutPublicAccessBlock")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if in.PublicAccessBlockConfiguration == nil {
		return nil, APIError("MissingRequestBodyError", "Request Body is empty")
	}
	c := *in.PublicAccessBlockConfiguration
	b.PublicAccessBlock = &c
	return &s3.PutPublicAccessBlockOutput{}, nil
}

func (s *S3) GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, _ ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	unlock, err := s.call(ctx, "GetBucketEncryption")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	c := b.Encryption
	return &s3.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: &c}, nil
}

func (s *S3) PutBucketEncryption(ctx context.Context, in *s3.PutBucketEncryptionInput, _ ...func(*s3.Options)) (*s3.PutBucketEncryptionOutput, error) {
	unlock, err := s.call(ctx, "PutBucketEncryption")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if in.ServerSideEncryptionConfiguration == nil || len(in.ServerSideEncryptionConfiguration.Rules) == 0 {
		return nil, APIError("MalformedXML", "The XML you provided was not well-formed")
	}
	b.Encryption = *in.ServerSideEncryptionConfiguration
	return &s3.PutBucketEncryptionOutput{}, nil
}

func (s *S3) GetBucketLogging(ctx context.Context, in *s3.GetBucketLoggingInput, _ ...func(*s3.Options)) (*s3.GetBucketLoggingOutput, error) {
	unlock, err := s.call(ctx, "GetBucketLogging")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	out := &s3.GetBucketLoggingOutput{}
	if b.Logging != nil {
		c := *b.Logging
		out.LoggingEnabled = &c
	}
	return out, nil
}

// PutBucketLogging requires the target bucket to exist in the same region
// and account, as S3 does.
func (s *S3) PutBucketLogging(ctx context.Context, in *s3.PutBucketLoggingInput, _ ...func(*s3.Options)) (*s3.PutBucketLoggingOutput, error) {
	unlock, err := s.call(ctx, "PutBucketLogging")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	if in.BucketLoggingStatus == nil {
		return nil, APIError("MalformedXML", "The XML you provided was not well-formed")
	}
	le := in.BucketLoggingStatus.LoggingEnabled
	if le != nil {
		t := s.st().find(aws.ToString(le.TargetBucket))
		if t == nil || t.Region != b.Region || t.Owner != b.Owner {
			return nil, APIError("InvalidTargetBucketForLogging", "The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group.")
		}
		c := *le
		b.Logging = &c
	} else {
		b.Logging = nil
	}
	return &s3.PutBucketLoggingOutput{}, nil
}

func (s *S3) GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, _ ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	unlock, err := s.call(ctx, "GetBucketVersioning")
	defer unlock()
	if err != nil {
		return nil, err
	}
	b, err := s.bucket(in.Bucket, in.ExpectedBucketOwner)
	if err != nil {
		return nil, err
	}
	return &s3.GetBucketVersioningOutput{Status: b.Versioning, MFADelete: b.MFADelete}, nil
}

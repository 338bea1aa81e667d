package controls

// Section 2: Storage: the catalogue of its controls, the bucket controls
// (2.1.1, 2.1.2) with the checks every bucket control shares, and EBS
// encryption by default (2.2.1). Block Public Access (2.1.5) is in
// publicaccess.go, RDS encryption (2.3.1) in rds.go, and the checks
// without an automatic fix (2.1.3, 2.1.4) in s3checks.go.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

func storageControls() []*Control {
	return []*Control{
		{
			ID:          "2.1.1",
			Per:         PerAccount,
			Evaluate:    checkBuckets,
			Permissions: []string{"s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetEncryptionConfiguration", "s3:GetBucketTagging", "s3:PutEncryptionConfiguration"},
			Plan:        planBucketEncryption,
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a bucket without default encryption"},
			Doc: "A bucket without default encryption gets SSE-S3 (AES256); any existing default encryption, SSE-KMS included, is left as it is. " +
				"Rarely needed: since January 2023 S3 applies SSE-S3 to every bucket, and deleting the configuration resets it to SSE-S3.",
		},
		{
			ID:          "2.1.2",
			Per:         PerAccount,
			Evaluate:    checkBuckets,
			Permissions: []string{"s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:GetBucketTagging", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"},
			Plan:        planBucketDenyHTTP,
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a bucket policy without a deny of insecure transport"},
			Doc: "A statement `" + denyHTTPSid + "` denying every S3 action on the bucket and its objects when `aws:SecureTransport` is false is merged into the bucket policy; the other statements are kept, and a statement that already denies insecure transport for the whole bucket counts as compliant. " +
				"Clients that still use plain HTTP are refused, the S3 static website endpoint (HTTP only) included.",
		},
		{
			ID:          "2.1.3",
			Per:         PerAccount,
			Evaluate:    checkMFADelete,
			Permissions: []string{"s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketVersioning"},
			Doc: "Check only: every bucket, failing unless versioning has MFA Delete enabled (GetBucketVersioning), as CIS's audit and Security Hub's related S3.20. " +
				"Only the root user, with its MFA device and an access key, can turn MFA Delete on, so cisguard gives the command and changes nothing.",
		},
		{
			ID:          "2.1.4",
			Per:         PerAccount,
			Evaluate:    checkMacie,
			Permissions: []string{"s3:ListAllMyBuckets", "s3:GetBucketLocation", "macie2:GetMacieSession"},
			Doc: "Check only, one result per region that holds buckets of the account: Amazon Macie must be enabled there (macie2:GetMacieSession ENABLED; paused or off fails), as Security Hub's related Macie.1. " +
				"CIS also accepts another tool that discovers and classifies the data: then the FAIL is an exception to accept. Enabling Macie costs money, so cisguard does not.",
		},
		{
			ID:          "2.1.5.1",
			Per:         PerAccount,
			Permissions: []string{"s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"},
			Plan:        planAccountPublicAccess,
			Writes:      []Singleton{AccountPublicAccessBlock},
			Calls:       Calls{Reads: 1, Writes: 1, Case: "no account-level configuration"},
			Doc: "Turns on the four S3 Block Public Access settings of the account. Disruptive: every bucket of the account stops serving public reads, " +
				"so public websites and downloads served from S3, public objects read by other accounts or anonymous users and public ACL grants stop working; exempt such accounts, or serve through CloudFront with origin access control first.",
		},
		{
			ID:          "2.1.5.2",
			Per:         PerAccount,
			Evaluate:    checkBuckets,
			Permissions: []string{"s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging", "s3:PutBucketPublicAccessBlock"},
			Plan:        planBucketPublicAccess,
			Calls:       Calls{Reads: 3, Writes: 1, Case: "a bucket without Block Public Access"},
			Doc: "Turns on the four S3 Block Public Access settings of the bucket. Disruptive: a public website or download bucket, and public reads by other accounts or anonymous users through its policy or ACLs, stop working; " +
				"tag such buckets with the exemption tag.",
		},
		{
			ID:          "2.2.1",
			Per:         PerRegion,
			Permissions: []string{"ec2:GetEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault", "ec2:DisableEbsEncryptionByDefault"},
			Plan:        planEBSDefaultEncryption,
			Calls:       Calls{Reads: 1, Writes: 1, Case: "default encryption off in the region"},
			Doc:         "Turns on EBS encryption by default in the region; new volumes are encrypted with the region's default EBS key (aws/ebs unless changed). Existing volumes stay as they are.",
		},
		{
			ID:          "2.3.1",
			Per:         PerRegion,
			Evaluate:    checkDBInstances,
			Permissions: []string{"rds:DescribeDBInstances"},
			Params:      &RDSEncryptionParams{KMSKeyID: "alias/aws/rds"},
			Guide:       guideRDSEncryption,
			Doc: "Notify only: storage encryption cannot be turned on for an existing DB instance. The message gives the instance's own steps (snapshot, encrypted copy with `kmsKeyId`, restore with the same settings, switch endpoints, delete the old one) " +
				"with its engine, class and size; the switch means downtime for writes.",
		},
	}
}

// Buckets.

// bucket is the finding's bucket, reached through a client in its region.
type bucket struct {
	api    awsapi.S3
	name   string
	region string
}

// openBucket locates the finding's bucket; gone is true when it no longer
// exists.
func openBucket(ctx context.Context, t *Target) (b *bucket, gone bool, err error) {
	name := t.Resource.Name()
	api, region, gone, err := bucketClients(ctx, t, name)
	if err != nil || gone {
		return nil, gone, err
	}
	return &bucket{api: api, name: name, region: region}, false, nil
}

// exempt reads the bucket's tags and returns an ExemptError when they
// carry the exemption tag. Controls call it only once they know a change
// is needed, so a compliant bucket costs no tag read.
func (b *bucket) exempt(ctx context.Context, t *Target) error {
	if t.ExemptTag.Key == "" {
		return nil
	}
	out, err := b.api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b.name)})
	if awsapi.HasCode(err, "NoSuchTagSet") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read tags of bucket %s: %w", b.name, err)
	}
	tags := make(map[string]string, len(out.TagSet))
	for _, tag := range out.TagSet {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return t.Exempt(b.name, tags)
}

// 2.1.1

func planBucketEncryption(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	b, gone, err := openBucket(ctx, t)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("bucket %s no longer exists: nothing to do", t.Resource.Name())
		return p, nil
	}
	out, err := b.api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b.name)})
	switch {
	case awsapi.HasCode(err, "ServerSideEncryptionConfigurationNotFoundError"):
	case err != nil:
		return nil, fmt.Errorf("read default encryption of bucket %s: %w", b.name, err)
	case hasDefaultEncryption(out.ServerSideEncryptionConfiguration):
		return p, nil
	}
	if err := b.exempt(ctx, t); err != nil {
		return nil, err
	}
	api, name := b.api, b.name
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
			Bucket: aws.String(name),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
			}}},
		})
		return err
	}, "set default encryption of bucket %s (%s): none -> SSE-S3 (AES256)", name, b.region).Prior = recordBucketEncryption(name)
	return p, nil
}

// hasDefaultEncryption reports whether a configuration encrypts new
// objects by default, with any algorithm.
func hasDefaultEncryption(c *s3types.ServerSideEncryptionConfiguration) bool {
	return c != nil && slices.ContainsFunc(c.Rules, func(r s3types.ServerSideEncryptionRule) bool {
		return r.ApplyServerSideEncryptionByDefault != nil && r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != ""
	})
}

// 2.1.2

// denyHTTPSid names the statement cisguard adds to bucket policies.
const denyHTTPSid = "CISGuardDenyInsecureTransport"

// s3PolicyLimit is S3's maximum bucket policy size in bytes.
const s3PolicyLimit = 20 * 1024

func planBucketDenyHTTP(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	b, gone, err := openBucket(ctx, t)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("bucket %s no longer exists: nothing to do", t.Resource.Name())
		return p, nil
	}
	var current string
	out, err := b.api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b.name)})
	switch {
	case awsapi.HasCode(err, "NoSuchBucketPolicy"):
	case err != nil:
		return nil, fmt.Errorf("read policy of bucket %s: %w", b.name, err)
	default:
		current = aws.ToString(out.Policy)
	}
	doc, err := parsePolicy(current)
	if err != nil {
		return nil, fmt.Errorf("policy of bucket %s: %w", b.name, err)
	}
	arn := fmt.Sprintf("arn:%s:s3:::%s", t.Clients.Partition(), b.name)
	if slices.ContainsFunc(doc.Statement, func(s map[string]any) bool { return deniesInsecureTransport(s, arn) }) {
		return p, nil
	}
	if err := b.exempt(ctx, t); err != nil {
		return nil, err
	}
	kept := 0
	for _, s := range doc.Statement {
		if s["Sid"] != denyHTTPSid {
			kept++
		}
	}
	doc.upsert(denyInsecureTransport(t, b.name))
	policy := doc.String()
	if len(policy) > s3PolicyLimit {
		return nil, fmt.Errorf("policy of bucket %s would be %d bytes with statement %s, over S3's limit of %d; nothing was changed", b.name, len(policy), denyHTTPSid, s3PolicyLimit)
	}
	api, name := b.api, b.name
	var was *string
	if current != "" {
		was = &current
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(policy)})
		return err
	}, "add statement %s to the policy of bucket %s (%s): Deny s3:* to everyone on %s and %s/* when aws:SecureTransport is false (%d other statement(s) kept)",
		denyHTTPSid, name, b.region, arn, arn, kept).Prior = plan.Replaced(kindBucketPolicy, name, was, policy)
	return p, nil
}

// denyInsecureTransport is the statement cisguard adds to a bucket
// policy: deny every S3 action on the bucket and its objects to everyone
// when the request is not made over TLS.
func denyInsecureTransport(t *Target, bucket string) map[string]any {
	arn := fmt.Sprintf("arn:%s:s3:::%s", t.Clients.Partition(), bucket)
	return map[string]any{
		"Sid":       denyHTTPSid,
		"Effect":    "Deny",
		"Principal": "*",
		"Action":    "s3:*",
		"Resource":  []string{arn, arn + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}
}

// deniesInsecureTransport reports whether a policy statement denies every
// request made without TLS to the bucket and all its objects: Effect Deny,
// every principal, all S3 actions, resources covering both, and no
// condition but aws:SecureTransport false. This accepts cisguard's own
// statement and the equivalent forms written by hand ("*" or {"AWS": "*"},
// "s3:*" or "*", wildcard resources, false as a string, a boolean or a list).
func deniesInsecureTransport(s map[string]any, bucketARN string) bool {
	if s["Effect"] != "Deny" || s["NotPrincipal"] != nil || s["NotAction"] != nil || s["NotResource"] != nil {
		return false
	}
	return everyone(s["Principal"]) && allS3Actions(s["Action"]) && coversBucket(stringList(s["Resource"]), bucketARN) && onlyInsecureTransport(s["Condition"])
}

func everyone(principal any) bool {
	if principal == "*" {
		return true
	}
	m, ok := principal.(map[string]any)
	return ok && slices.Contains(stringList(m["AWS"]), "*")
}

func allS3Actions(action any) bool {
	return slices.ContainsFunc(stringList(action), func(a string) bool { return a == "*" || strings.EqualFold(a, "s3:*") })
}

// coversBucket reports whether resource patterns match the bucket itself
// and every object key in it. A pattern matches every key exactly when it
// ends with * and matches the bucket ARN followed by "/".
func coversBucket(resources []string, bucketARN string) bool {
	self := slices.ContainsFunc(resources, func(r string) bool { return globMatch(r, bucketARN) })
	objects := slices.ContainsFunc(resources, func(r string) bool { return strings.HasSuffix(r, "*") && globMatch(r, bucketARN+"/") })
	return self && objects
}

// onlyInsecureTransport reports whether a condition block is exactly
// Bool aws:SecureTransport false: any further condition would narrow the
// deny to some of the insecure requests.
func onlyInsecureTransport(cond any) bool {
	ops, ok := cond.(map[string]any)
	if !ok || len(ops) != 1 {
		return false
	}
	keys, ok := ops["Bool"].(map[string]any)
	if !ok || len(keys) != 1 {
		return false
	}
	for k, v := range keys {
		return strings.EqualFold(k, "aws:SecureTransport") && isFalse(v)
	}
	return false
}

// isFalse reports whether a condition value includes false.
func isFalse(v any) bool {
	switch x := v.(type) {
	case bool:
		return !x
	case string:
		return strings.EqualFold(x, "false")
	case []any:
		return slices.ContainsFunc(x, isFalse)
	}
	return false
}

// globMatch reports whether s matches an IAM resource pattern, in which *
// matches any run of characters and ? any one character.
func globMatch(pattern, s string) bool {
	for pattern != "" {
		switch pattern[0] {
		case '*':
			rest := strings.TrimLeft(pattern, "*")
			for i := 0; i <= len(s); i++ {
				if globMatch(rest, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
		}
		pattern, s = pattern[1:], s[1:]
	}
	return s == ""
}

// 2.2.1

func planEBSDefaultEncryption(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	api := t.Clients.EC2()
	out, err := api.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		return nil, fmt.Errorf("read EBS encryption by default in %s: %w", t.Region(), err)
	}
	if aws.ToBool(out.EbsEncryptionByDefault) {
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{})
		return err
	}, "turn on EBS encryption by default for account %s in %s: off -> on (new volumes use the region's default EBS key; existing volumes unchanged)", t.Account(), t.Region()).Prior = plan.Replaced(kindEBSDefault, t.Region(), false, true)
	return p, nil
}

// Checks.

// checkBuckets is the check of a bucket control (2.1.1, 2.1.2, 2.1.5.2):
// every bucket of the account, in a region the scan covers, planned
// read-only. The reads are the plan's own, so a scan's cache sends each
// once per bucket however many bucket controls run.
func checkBuckets(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	return eachBucket(ctx, t, func(res finding.Resource, _ awsapi.S3) Result { return Verdict(ctx, c, t.on(res)) })
}

// eachBucket returns check's result on every bucket of the account in a
// region the scan covers (res names the bucket in its region, api is the
// S3 client of that region), or NOT_APPLICABLE when there is none.
func eachBucket(ctx context.Context, t *Target, check func(res finding.Resource, api awsapi.S3) Result) ([]Result, error) {
	names, err := listBuckets(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	elsewhere := 0
	for _, name := range names {
		api, region, gone, err := bucketClients(ctx, t, name)
		res := bucketResource(t, name)
		switch {
		case gone:
			continue
		case err != nil:
			out = append(out, Errored(res, err))
			continue
		case t.Regions != nil && !slices.Contains(t.Regions, region):
			elsewhere++
			continue
		}
		res.Region = region
		out = append(out, check(res, api))
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no S3 bucket of account %s in the regions scanned (%d elsewhere)", t.Account(), elsewhere))
	}
	return out, nil
}

// listBuckets lists the account's buckets, every page.
func listBuckets(ctx context.Context, t *Target) ([]string, error) {
	names, _, err := bucketList(ctx, t)
	return names, err
}

// bucketList lists the account's buckets, every page, with the regions
// ListBuckets gives (a bucket without one is left out of regions).
func bucketList(ctx context.Context, t *Target) (names []string, regions map[string]string, err error) {
	regions = map[string]string{}
	in := &s3.ListBucketsInput{}
	for {
		out, err := t.Clients.S3().ListBuckets(ctx, in)
		if err != nil {
			return nil, nil, fmt.Errorf("list the S3 buckets of account %s: %w", t.Account(), err)
		}
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
			if r := aws.ToString(b.BucketRegion); r != "" {
				regions[aws.ToString(b.Name)] = r
			}
		}
		if aws.ToString(out.ContinuationToken) == "" {
			return names, regions, nil
		}
		in = &s3.ListBucketsInput{ContinuationToken: out.ContinuationToken}
	}
}

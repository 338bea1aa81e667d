package controls

// Section 2: Storage.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

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

// 2.1.5: Block Public Access.

// publicAccessFlags names the four Block Public Access settings in the
// order S3 shows them.
var publicAccessFlags = [4]string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"}

// publicAccessChange describes turning on all four settings, given their
// current values (nil when nothing is configured); "" when all are on.
func publicAccessChange(cur *[4]bool) string {
	if cur == nil {
		return "none configured -> all four on (" + strings.Join(publicAccessFlags[:], ", ") + ")"
	}
	var ch []string
	for i, on := range cur {
		if !on {
			ch = append(ch, publicAccessFlags[i]+" false -> true")
		}
	}
	return strings.Join(ch, ", ")
}

func planAccountPublicAccess(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	api, account := t.Clients.S3Control(), t.Account()
	out, err := api.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(account)})
	var cur *[4]bool
	switch {
	case awsapi.HasCode(err, "NoSuchPublicAccessBlockConfiguration"):
	case err != nil:
		return nil, fmt.Errorf("read S3 Block Public Access of account %s: %w", account, err)
	default:
		c := out.PublicAccessBlockConfiguration
		if c == nil {
			c = &s3ctltypes.PublicAccessBlockConfiguration{}
		}
		cur = &[4]bool{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets)}
	}
	change := publicAccessChange(cur)
	if change == "" {
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{
			AccountId: aws.String(account),
			PublicAccessBlockConfiguration: &s3ctltypes.PublicAccessBlockConfiguration{
				BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
			},
		})
		return err
	}, "turn on S3 Block Public Access for account %s: %s", account, change).Prior = recordPAB(kindAccountPAB, account, cur)
	return p, nil
}

func planBucketPublicAccess(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	b, gone, err := openBucket(ctx, t)
	if err != nil {
		return nil, err
	}
	if gone {
		p.Note("bucket %s no longer exists: nothing to do", t.Resource.Name())
		return p, nil
	}
	out, err := b.api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b.name)})
	var cur *[4]bool
	switch {
	case awsapi.HasCode(err, "NoSuchPublicAccessBlockConfiguration"):
	case err != nil:
		return nil, fmt.Errorf("read S3 Block Public Access of bucket %s: %w", b.name, err)
	default:
		c := out.PublicAccessBlockConfiguration
		if c == nil {
			c = &s3types.PublicAccessBlockConfiguration{}
		}
		cur = &[4]bool{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets)}
	}
	change := publicAccessChange(cur)
	if change == "" {
		return p, nil
	}
	if err := b.exempt(ctx, t); err != nil {
		return nil, err
	}
	api, name := b.api, b.name
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
			Bucket: aws.String(name),
			PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
				BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
			},
		})
		return err
	}, "turn on S3 Block Public Access for bucket %s (%s): %s", name, b.region, change).Prior = recordPAB(kindBucketPAB, name, cur)
	return p, nil
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

// 2.3.1

// RDSEncryptionParams configures the steps of 2.3.1.
type RDSEncryptionParams struct {
	// KMSKeyID is the key the snapshot copy is encrypted with: a key id,
	// alias or ARN in the instance's region.
	KMSKeyID string `yaml:"kmsKeyId"`
}

var kmsKeyRef = regexp.MustCompile(`^(alias/[a-zA-Z0-9:/_-]+|(mrk-)?[0-9a-f-]{32,36}|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[a-zA-Z0-9:/_-]+)$`)

// Validate checks that the key looks like a key id, alias or ARN.
func (p *RDSEncryptionParams) Validate() error {
	if !kmsKeyRef.MatchString(p.KMSKeyID) {
		return fmt.Errorf("kmsKeyId %q is not a KMS key id, alias/name or key or alias ARN", p.KMSKeyID)
	}
	return nil
}

// guideRDSEncryption writes the steps that replace an unencrypted DB
// instance by an encrypted copy: RDS cannot encrypt an instance in place.
func guideRDSEncryption(ctx context.Context, t *Target) (*Guidance, error) {
	id := t.Resource.Name()
	out, err := t.Clients.RDS().DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe DB instance %s in %s: %w", id, t.Region(), err)
	}
	if len(out.DBInstances) != 1 {
		return nil, fmt.Errorf("describe DB instance %s in %s: got %d instances", id, t.Region(), len(out.DBInstances))
	}
	db := out.DBInstances[0]
	if aws.ToBool(db.StorageEncrypted) {
		return nil, nil
	}
	tags := make(map[string]string, len(db.TagList))
	for _, tag := range db.TagList {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if err := t.Exempt(id, tags); err != nil {
		return nil, err
	}
	r := rdsRecipe{db: db, id: aws.ToString(db.DBInstanceIdentifier), region: t.Region(), key: params[RDSEncryptionParams](t).KMSKeyID}
	switch {
	case db.ReadReplicaSourceDBInstanceIdentifier != nil:
		return r.replica(), nil
	case db.DBClusterIdentifier != nil:
		return r.cluster(), nil
	}
	return r.instance(), nil
}

// rdsRecipe writes the encryption steps for one DB instance.
type rdsRecipe struct {
	db     rdstypes.DBInstance
	id     string
	region string
	key    string
}

// describe names the instance's engine, class and storage.
func (r rdsRecipe) describe() string {
	db := r.db
	s := fmt.Sprintf("%s %s, %s", aws.ToString(db.Engine), aws.ToString(db.EngineVersion), aws.ToString(db.DBInstanceClass))
	if db.DBClusterIdentifier == nil {
		s += fmt.Sprintf(", %d GiB %s", aws.ToInt32(db.AllocatedStorage), aws.ToString(db.StorageType))
	}
	if aws.ToBool(db.MultiAZ) {
		s += ", Multi-AZ"
	}
	return s
}

func (r rdsRecipe) endpoint() string {
	if e := r.db.Endpoint; e != nil {
		return fmt.Sprintf("%s:%d", aws.ToString(e.Address), aws.ToInt32(e.Port))
	}
	return "(no endpoint yet)"
}

// network renders the subnet group and security group options that put
// the copy where the instance is.
func (r rdsRecipe) network() string {
	var groups []string
	for _, g := range r.db.VpcSecurityGroups {
		groups = append(groups, aws.ToString(g.VpcSecurityGroupId))
	}
	var subnetGroup string
	if r.db.DBSubnetGroup != nil {
		subnetGroup = aws.ToString(r.db.DBSubnetGroup.DBSubnetGroupName)
	}
	return strings.TrimSpace(opt("--db-subnet-group-name", subnetGroup) + " " + opt("--vpc-security-group-ids", strings.Join(groups, " ")))
}

// cli renders an AWS CLI command in the instance's region; empty
// arguments are left out.
func (r rdsRecipe) cli(command string, args ...string) string {
	parts := []string{"aws rds", command, "--region", r.region}
	for _, a := range args {
		if a != "" {
			parts = append(parts, a)
		}
	}
	return strings.Join(parts, " ")
}

// opt renders "--flag value", or "" when value is empty.
func opt(flag, value string) string {
	if value == "" {
		return ""
	}
	return flag + " " + value
}

// derivedID appends a suffix to an identifier within RDS's 63 characters.
func derivedID(id, suffix string) string {
	if max := 63 - len(suffix); len(id) > max {
		id = strings.TrimRight(id[:max], "-")
	}
	return id + suffix
}

// downtime is the step every recipe starts with.
func (r rdsRecipe) downtime(what string) string {
	return fmt.Sprintf("Plan a maintenance window: %s is replaced by a new encrypted copy. Writes made after the snapshot are lost unless you stop them first, and clients must switch endpoints: expect downtime for the snapshot, the copy and the restore (minutes to hours, growing with the data size).", what)
}

// switchAndClean are the steps after the restore. The new instance takes
// the old one's name, so clients keep their endpoint; the old one, renamed
// away first, is what gets deleted, never the name the new one now holds.
func (r rdsRecipe) switchAndClean(newID string, finalSnapshot bool, snapshots ...string) []string {
	retired := derivedID(r.id, "-unencrypted")
	steps := []string{
		fmt.Sprintf("Switch over, keeping the endpoint %s: rename the old instance away, %s, wait until it is available again, then give %s the old name, %s. Clients reconnect to the same endpoint; the time between the two renames is downtime.",
			r.endpoint(),
			r.cli("modify-db-instance", "--db-instance-identifier", r.id, "--new-db-instance-identifier", retired, "--apply-immediately"),
			newID,
			r.cli("modify-db-instance", "--db-instance-identifier", newID, "--new-db-instance-identifier", r.id, "--apply-immediately")),
	}
	if aws.ToBool(r.db.DeletionProtection) {
		steps = append(steps, fmt.Sprintf("The old instance, now %s, has deletion protection: turn it off first, %s.", retired,
			r.cli("modify-db-instance", "--db-instance-identifier", retired, "--no-deletion-protection", "--apply-immediately")))
	}
	final := "--skip-final-snapshot"
	if finalSnapshot {
		final = "--final-db-snapshot-identifier " + derivedID(r.id, "-final")
	}
	last := fmt.Sprintf("Once %s (the encrypted one now) is verified, delete the unencrypted original, now %s: %s", r.id, retired,
		r.cli("delete-db-instance", "--db-instance-identifier", retired, final))
	if len(snapshots) > 0 {
		last += "; then the intermediate snapshots " + strings.Join(snapshots, " and ")
	}
	return append(steps, last+".")
}

func (r rdsRecipe) instance() *Guidance {
	db := r.db
	raw, enc, newID := derivedID(r.id, "-cisguard-unencrypted"), derivedID(r.id, "-cisguard-encrypted"), derivedID(r.id, "-encrypted")
	var paramGroup, optionGroup string
	if len(db.DBParameterGroups) > 0 {
		paramGroup = aws.ToString(db.DBParameterGroups[0].DBParameterGroupName)
	}
	if len(db.OptionGroupMemberships) > 0 {
		optionGroup = aws.ToString(db.OptionGroupMemberships[0].OptionGroupName)
	}
	multiAZ, public, protect := "--no-multi-az", "--no-publicly-accessible", ""
	if aws.ToBool(db.DeletionProtection) {
		protect = "--deletion-protection"
	}
	if aws.ToBool(db.MultiAZ) {
		multiAZ = "--multi-az"
	}
	if aws.ToBool(db.PubliclyAccessible) {
		public = "--publicly-accessible"
	}
	steps := []string{
		r.downtime(fmt.Sprintf("DB instance %s (%s)", r.id, r.describe())),
		fmt.Sprintf("Stop writes to %s, then snapshot it: %s, and wait: %s.", r.id,
			r.cli("create-db-snapshot", "--db-instance-identifier", r.id, "--db-snapshot-identifier", raw),
			r.cli("wait db-snapshot-available", "--db-snapshot-identifier", raw)),
		fmt.Sprintf("Copy the snapshot encrypted with KMS key %s: %s, and wait for %s to be available.", r.key,
			r.cli("copy-db-snapshot", "--source-db-snapshot-identifier", raw, "--target-db-snapshot-identifier", enc, "--kms-key-id", r.key), enc),
		fmt.Sprintf("Restore a new encrypted instance with the same settings: %s.",
			r.cli("restore-db-instance-from-db-snapshot", "--db-instance-identifier", newID, "--db-snapshot-identifier", enc,
				"--db-instance-class", aws.ToString(db.DBInstanceClass), opt("--storage-type", aws.ToString(db.StorageType)),
				r.network(), opt("--db-parameter-group-name", paramGroup), opt("--option-group-name", optionGroup), multiAZ, public, protect)),
	}
	if n := len(db.ReadReplicaDBInstanceIdentifiers); n > 0 {
		steps = append(steps, fmt.Sprintf("Recreate its %d read replica(s) (%s) from %s with create-db-instance-read-replica; a replica's encryption follows its source.", n, strings.Join(db.ReadReplicaDBInstanceIdentifiers, ", "), newID))
	}
	steps = append(steps, r.switchAndClean(newID, true, raw, enc)...)
	return &Guidance{
		Summary: fmt.Sprintf("DB instance %s in %s (%s) stores its data unencrypted; RDS cannot encrypt an existing instance, so it must be replaced by an encrypted copy.", r.id, r.region, r.describe()),
		Steps:   steps,
	}
}

// cluster: an Aurora instance is encrypted with its cluster, so the
// cluster is what gets snapshotted and restored.
func (r rdsRecipe) cluster() *Guidance {
	db := r.db
	cl := aws.ToString(db.DBClusterIdentifier)
	raw, enc, newCl, newID := derivedID(cl, "-cisguard-unencrypted"), derivedID(cl, "-cisguard-encrypted"), derivedID(cl, "-encrypted"), derivedID(r.id, "-encrypted")
	steps := []string{
		r.downtime(fmt.Sprintf("Aurora cluster %s (instance %s: %s)", cl, r.id, r.describe())),
		fmt.Sprintf("Stop writes to %s, then snapshot the cluster: %s, and wait: %s.", cl,
			r.cli("create-db-cluster-snapshot", "--db-cluster-identifier", cl, "--db-cluster-snapshot-identifier", raw),
			r.cli("wait db-cluster-snapshot-available", "--db-cluster-snapshot-identifier", raw)),
		fmt.Sprintf("Copy the snapshot encrypted with KMS key %s: %s.", r.key,
			r.cli("copy-db-cluster-snapshot", "--source-db-cluster-snapshot-identifier", raw, "--target-db-cluster-snapshot-identifier", enc, "--kms-key-id", r.key)),
		fmt.Sprintf("Restore a new encrypted cluster and its instances: %s, then %s (and one more per reader of %s).",
			r.cli("restore-db-cluster-from-snapshot", "--db-cluster-identifier", newCl, "--snapshot-identifier", enc, "--engine", aws.ToString(db.Engine), "--engine-version", aws.ToString(db.EngineVersion), r.network()),
			r.cli("create-db-instance", "--db-cluster-identifier", newCl, "--db-instance-identifier", newID, "--db-instance-class", aws.ToString(db.DBInstanceClass), "--engine", aws.ToString(db.Engine)), cl),
		fmt.Sprintf("Switch clients from the endpoints of cluster %s to those of %s (instance %s answered at %s).", cl, newCl, r.id, r.endpoint()),
		fmt.Sprintf("Once the new cluster is verified, delete the instances of %s and the cluster (%s), and the snapshots %s and %s.", cl,
			r.cli("delete-db-cluster", "--db-cluster-identifier", cl, "--final-db-snapshot-identifier", derivedID(cl, "-final")), raw, enc),
	}
	return &Guidance{
		Summary: fmt.Sprintf("DB instance %s in %s belongs to Aurora cluster %s, whose storage is unencrypted; Aurora encrypts per cluster and cannot encrypt an existing one, so the cluster must be replaced by an encrypted copy.", r.id, r.region, cl),
		Steps:   steps,
	}
}

// replica: a read replica is encrypted when its source is, so the source
// comes first.
func (r rdsRecipe) replica() *Guidance {
	src := aws.ToString(r.db.ReadReplicaSourceDBInstanceIdentifier)
	newID := derivedID(r.id, "-encrypted")
	steps := []string{
		fmt.Sprintf("Encrypt the source instance %s first (its own RDS.3 finding carries its steps); a read replica cannot be encrypted on its own.", src),
		fmt.Sprintf("Once the encrypted copy of the source has taken the name %s, create an encrypted replica from it: %s.", src,
			r.cli("create-db-instance-read-replica", "--db-instance-identifier", newID, "--source-db-instance-identifier", src, "--db-instance-class", aws.ToString(r.db.DBInstanceClass))),
	}
	steps = append(steps, r.switchAndClean(newID, false)...)
	return &Guidance{
		Summary: fmt.Sprintf("DB instance %s in %s (%s) is an unencrypted read replica of %s; it becomes encrypted only by recreating it from an encrypted source.", r.id, r.region, r.describe(), src),
		Steps:   steps,
	}
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

// checkDBInstances is 2.3.1's check: every DB instance of the region;
// an unencrypted one fails with the steps that replace it.
func checkDBInstances(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	var out []Result
	pages := rds.NewDescribeDBInstancesPaginator(t.Clients.RDS(), &rds.DescribeDBInstancesInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the DB instances of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, db := range pg.DBInstances {
			res := arnResource(t, "AwsRdsDbInstance", t.Region(), aws.ToString(db.DBInstanceArn))
			if aws.ToBool(db.StorageEncrypted) {
				out = append(out, pass(res, "DB instance %s stores its data encrypted (KMS key %s)", aws.ToString(db.DBInstanceIdentifier), aws.ToString(db.KmsKeyId)))
				continue
			}
			out = append(out, Verdict(ctx, c, t.on(res)))
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no DB instance in %s", t.Region()))
	}
	return out, nil
}

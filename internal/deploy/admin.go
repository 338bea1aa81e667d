package deploy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/plan"
)

// codeBucket is the bucket holding the Lambda zip in the admin account.
func (p *Planner) codeBucket() string {
	return fmt.Sprintf("cisguard-artifacts-%s-%s", p.Opts.AdminAccount, p.Opts.home())
}

// adminStack makes the code bucket what it must be, uploads the Lambda
// zip, creates or updates the admin stack and the custom action.
func (p *Planner) adminStack(ctx context.Context, pl *plan.Plan, admin Services) error {
	o := &p.Opts
	zip, err := os.ReadFile(o.LambdaZip)
	if err != nil {
		return fmt.Errorf("lambda zip: %w", err)
	}
	sum := sha256.Sum256(zip)
	bucket := p.codeBucket()
	key := lambdaKeyPrefix + hex.EncodeToString(sum[:])[:16] + ".zip"
	owner := o.AdminAccount

	state, err := bucketOwnedBy(ctx, admin.S3, bucket, owner)
	if err != nil {
		return fmt.Errorf("admin account %s: %w", owner, err)
	}
	switch state {
	case bucketTaken:
		return fmt.Errorf("bucket %s exists and belongs to another account than the admin account %s: cisguard never writes to it; delete it if it is yours elsewhere, or choose another admin account", bucket, owner)
	case bucketNone:
		pl.Addf(func(ctx context.Context) error { return createBucket(ctx, admin.S3, bucket, o.home(), owner) },
			"create bucket %s for the Lambda code in the admin account", bucket)
	}
	// Secured on every run: a failure between CreateBucket and these
	// leaves a bucket that the next run finishes.
	missing, err := p.bucketGaps(ctx, admin.S3, bucket, owner, state == bucketOurs)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		pl.Addf(func(ctx context.Context) error { return p.secureBucket(ctx, admin.S3, bucket, owner) },
			"secure bucket %s: %s", bucket, strings.Join(missing, ", "))
	}
	haveKey := false
	if state == bucketOurs {
		_, err := admin.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key, ExpectedBucketOwner: &owner})
		switch {
		case err == nil:
			haveKey = true
		case !isNotFound(err):
			return fmt.Errorf("s3:HeadObject s3://%s/%s: %w", bucket, key, err)
		}
	}
	if !haveKey {
		pl.Addf(func(ctx context.Context) error {
			_, err := admin.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(zip), ExpectedBucketOwner: &owner})
			return err
		}, "upload the Lambda code (%d bytes) to s3://%s/%s", len(zip), bucket, key)
	}

	params := map[string]string{
		"OrganizationId":    p.org.id,
		"CodeBucket":        bucket,
		"CodeKey":           key,
		"MemberRoleName":    o.Data.RoleName,
		"NotificationEmail": o.NotifyEmail,
		"ScanSchedule":      o.ScanSchedule,
		"ScanRegions":       strings.Join(o.Regions, ","),
	}
	st := &stack{cfn: admin.CloudFormation, name: AdminStack, where: fmt.Sprintf("admin account %s, %s", o.AdminAccount, o.home()),
		body: string(o.Templates[templates.Admin]), params: params, progress: o.Progress, poll: o.Poll}
	if _, err := st.plan(ctx, pl); err != nil {
		return err
	}
	return p.customAction(ctx, pl, admin.SecurityHub)
}

// The code bucket's settings: no public access, objects owned by the
// bucket owner (ACLs off), TLS only.
var codeBucketBlock = s3types.PublicAccessBlockConfiguration{
	BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
}

func (p *Planner) codeBucketPolicy(bucket string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:%[1]s:s3:::%[2]s","arn:%[1]s:s3:::%[2]s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, p.org.partition, bucket)
}

// bucketGaps lists what the code bucket lacks (everything when it is new).
func (p *Planner) bucketGaps(ctx context.Context, api S3, bucket, owner string, exists bool) ([]string, error) {
	all := []string{"block public access", "bucket owner enforced", "TLS-only policy"}
	if !exists {
		return all, nil
	}
	var gaps []string
	pab, err := api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &bucket, ExpectedBucketOwner: &owner})
	switch {
	case isCode(err, "NoSuchPublicAccessBlockConfiguration"):
		gaps = append(gaps, all[0])
	case err != nil:
		return nil, fmt.Errorf("s3:GetPublicAccessBlock %s: %w", bucket, err)
	case !reflect.DeepEqual(*pab.PublicAccessBlockConfiguration, codeBucketBlock):
		gaps = append(gaps, all[0])
	}
	oc, err := api.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: &bucket, ExpectedBucketOwner: &owner})
	switch {
	case isCode(err, "OwnershipControlsNotFoundError"):
		gaps = append(gaps, all[1])
	case err != nil:
		return nil, fmt.Errorf("s3:GetBucketOwnershipControls %s: %w", bucket, err)
	case len(oc.OwnershipControls.Rules) != 1 || oc.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerEnforced:
		gaps = append(gaps, all[1])
	}
	pol, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &bucket, ExpectedBucketOwner: &owner})
	switch {
	case isCode(err, "NoSuchBucketPolicy"):
		gaps = append(gaps, all[2])
	case err != nil:
		return nil, fmt.Errorf("s3:GetBucketPolicy %s: %w", bucket, err)
	case !sameJSON(aws.ToString(pol.Policy), p.codeBucketPolicy(bucket)):
		gaps = append(gaps, all[2])
	}
	return gaps, nil
}

func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func createBucket(ctx context.Context, api S3, bucket, region, owner string) error {
	in := &s3.CreateBucketInput{Bucket: &bucket, ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	_, err := api.CreateBucket(ctx, in)
	if isCode(err, "BucketAlreadyOwnedByYou") {
		return nil // created by a run that stopped before securing it
	}
	return err
}

func (p *Planner) secureBucket(ctx context.Context, api S3, bucket, owner string) error {
	block := codeBucketBlock
	if _, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &bucket, ExpectedBucketOwner: &owner,
		PublicAccessBlockConfiguration: &block}); err != nil {
		return err
	}
	if _, err := api.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: &bucket, ExpectedBucketOwner: &owner,
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}); err != nil {
		return err
	}
	policy := p.codeBucketPolicy(bucket)
	_, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &policy, ExpectedBucketOwner: &owner})
	return err
}

// actionDescription marks the custom action as cisguard's own.
const actionDescription = "Remediate the selected CIS findings with cisguard (or send the manual steps)"

// actionARN is the custom action's ARN in the admin account's home region.
func (p *Planner) actionARN() string {
	o := &p.Opts
	return fmt.Sprintf("arn:%s:securityhub:%s:%s:action/custom/%s", p.org.partition, o.home(), o.AdminAccount, o.Data.ActionID)
}

// customAction creates the Security Hub custom action the admin stack's
// custom action rule listens to. CloudFormation's
// AWS::SecurityHub::ActionTarget is available in a few regions only, so
// the action is made with the API, in every home region alike. An action
// of the same id that cisguard did not make (the original solution's) is
// used as it is: the rules that sent its findings elsewhere were dealt
// with by original.
func (p *Planner) customAction(ctx context.Context, pl *plan.Plan, hub SecurityHub) error {
	o := &p.Opts
	cur, err := describeAction(ctx, hub, p.actionARN())
	if err != nil {
		return err
	}
	switch {
	case cur == nil:
		pl.Addf(func(ctx context.Context) error {
			_, err := hub.CreateActionTarget(ctx, &securityhub.CreateActionTargetInput{
				Id: aws.String(o.Data.ActionID), Name: aws.String(o.Data.ActionName), Description: aws.String(actionDescription)})
			return err
		}, "create Security Hub custom action %s (%q) in the admin account, %s", o.Data.ActionID, o.Data.ActionName, o.home())
	case aws.ToString(cur.Description) != actionDescription:
		p.Report.Original = append(p.Report.Original, fmt.Sprintf("Security Hub custom action %s (%q) in the admin account: used as it is", o.Data.ActionID, aws.ToString(cur.Name)))
		pl.Note("the Security Hub custom action %s exists and was not made by cisguard (the original solution's?): cisguard's custom action rule uses it as it is", o.Data.ActionID)
	}
	return nil
}

// describeAction returns the custom action, or nil when there is none.
func describeAction(ctx context.Context, hub SecurityHub, arn string) (*shtypes.ActionTarget, error) {
	out, err := hub.DescribeActionTargets(ctx, &securityhub.DescribeActionTargetsInput{ActionTargetArns: []string{arn}})
	switch {
	case isCode(err, "ResourceNotFoundException"), isCode(err, "InvalidAccessException"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("securityhub:DescribeActionTargets %s: %w", arn, err)
	}
	for _, a := range out.ActionTargets {
		if aws.ToString(a.ActionTargetArn) == arn {
			return &a, nil
		}
	}
	return nil, nil
}

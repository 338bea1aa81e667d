package controls

// Undo of section 2's fixes: EBS encryption by default (2.2.1), and the
// buckets' policies, Block Public Access (bucket and account) and default
// encryption (2.1.x, and the trail bucket of 3.3).

import (
	"context"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// EBS encryption by default (2.2.1).

func undoEBSDefault(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was bool
	if err := pr.Decode(&was, nil); err != nil {
		return nil, err
	}
	api := t.Clients.EC2()
	out, err := api.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		return nil, fmt.Errorf("read EBS encryption by default in %s: %w", t.Region(), err)
	}
	p := &plan.Plan{}
	if on := aws.ToBool(out.EbsEncryptionByDefault); on == was {
		p.Note("EBS encryption by default in %s is as it was (%v)", t.Region(), was)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DisableEbsEncryptionByDefault(ctx, &ec2.DisableEbsEncryptionByDefaultInput{})
		return err
	}, "turn off EBS encryption by default for account %s in %s, as it was (new volumes are no longer encrypted unless asked)", t.Account(), t.Region())
	return p, nil
}

// Buckets (2.1.x, and the trail bucket of 3.3).

func undoBucketPolicy(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var was *string
	var set string
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	api, _, gone, err := bucketClients(ctx, t, pr.Resource)
	if err != nil || gone {
		if gone {
			return plan.Changed(pr, "the bucket no longer exists"), nil
		}
		return nil, err
	}
	out, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(pr.Resource)})
	none := awsapi.HasCode(err, "NoSuchBucketPolicy")
	if err != nil && !none {
		return nil, fmt.Errorf("read policy of bucket %s: %w", pr.Resource, err)
	}
	p, name := &plan.Plan{}, aws.String(pr.Resource)
	switch {
	case none && was == nil || !none && was != nil && sameJSON(aws.ToString(out.Policy), *was):
		p.Note("the policy of bucket %s is as it was", pr.Resource)
		return p, nil
	case none:
		return plan.Changed(pr, "the bucket has no policy now"), nil
	case !sameJSON(aws.ToString(out.Policy), set):
		return plan.Changed(pr, "its policy is not the one cisguard wrote"), nil
	}
	if was == nil {
		p.Addf(func(ctx context.Context) error {
			_, err := api.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: name})
			return err
		}, "delete the policy of bucket %s: it had none before cisguard", pr.Resource)
		return p, nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: name, Policy: was})
		return err
	}, "put back the previous policy of bucket %s (%d bytes)", pr.Resource, len(*was))
	return p, nil
}

// pab is a Block Public Access configuration.
type pab struct {
	BlockPublicAcls       bool `json:"blockPublicAcls"`
	IgnorePublicAcls      bool `json:"ignorePublicAcls"`
	BlockPublicPolicy     bool `json:"blockPublicPolicy"`
	RestrictPublicBuckets bool `json:"restrictPublicBuckets"`
}

// pabOf reads the four flags in S3's order; nil for none.
func pabOf(cur *[4]bool) *pab {
	if cur == nil {
		return nil
	}
	return &pab{cur[0], cur[1], cur[2], cur[3]}
}

var pabAllOn = &pab{true, true, true, true}

// recordPAB records turning every flag on, from cur (nil: none).
func recordPAB(kind, resource string, cur *[4]bool) *plan.Prior {
	return plan.Replaced(kind, resource, pabOf(cur), pabAllOn)
}

// undoPAB plans the restore of a Block Public Access configuration: live
// is what is there now (nil: none).
func undoPAB(pr *plan.Prior, what string, live *pab, put func(context.Context, pab) error, del func(context.Context) error) (*plan.Plan, error) {
	var was, set *pab
	if err := pr.Decode(&was, &set); err != nil {
		return nil, err
	}
	p := &plan.Plan{}
	switch {
	case reflect.DeepEqual(live, was):
		p.Note("Block Public Access of %s is as it was", what)
	case !reflect.DeepEqual(live, set):
		return plan.Changed(pr, fmt.Sprintf("Block Public Access is now %+v", live)), nil
	case was == nil:
		p.Addf(del, "delete the Block Public Access configuration of %s: it had none before cisguard", what)
	default:
		w := *was
		p.Addf(func(ctx context.Context) error { return put(ctx, w) }, "put back Block Public Access of %s as it was: %+v", what, w)
	}
	return p, nil
}

func undoBucketPAB(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api, _, gone, err := bucketClients(ctx, t, pr.Resource)
	if err != nil || gone {
		if gone {
			return plan.Changed(pr, "the bucket no longer exists"), nil
		}
		return nil, err
	}
	name := aws.String(pr.Resource)
	out, err := api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: name})
	var live *pab
	switch {
	case awsapi.HasCode(err, "NoSuchPublicAccessBlockConfiguration"):
	case err != nil:
		return nil, fmt.Errorf("read S3 Block Public Access of bucket %s: %w", pr.Resource, err)
	default:
		c := out.PublicAccessBlockConfiguration
		live = &pab{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets)}
	}
	return undoPAB(pr, "bucket "+pr.Resource, live, func(ctx context.Context, w pab) error {
		_, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: name, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(w.BlockPublicAcls), IgnorePublicAcls: aws.Bool(w.IgnorePublicAcls), BlockPublicPolicy: aws.Bool(w.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(w.RestrictPublicBuckets)}})
		return err
	}, func(ctx context.Context) error {
		_, err := api.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: name})
		return err
	})
}

func undoAccountPAB(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api, account := t.Clients.S3Control(), aws.String(t.Account())
	out, err := api.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: account})
	var live *pab
	switch {
	case awsapi.HasCode(err, "NoSuchPublicAccessBlockConfiguration"):
	case err != nil:
		return nil, fmt.Errorf("read S3 Block Public Access of account %s: %w", t.Account(), err)
	default:
		c := out.PublicAccessBlockConfiguration
		live = &pab{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets)}
	}
	return undoPAB(pr, "account "+t.Account(), live, func(ctx context.Context, w pab) error {
		_, err := api.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: account, PublicAccessBlockConfiguration: &s3ctltypes.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(w.BlockPublicAcls), IgnorePublicAcls: aws.Bool(w.IgnorePublicAcls), BlockPublicPolicy: aws.Bool(w.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(w.RestrictPublicBuckets)}})
		return err
	}, func(ctx context.Context) error {
		_, err := api.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: account})
		return err
	})
}

// recordBucketEncryption: 2.1.1's default encryption is kept on revert.
func recordBucketEncryption(bucket string) *plan.Prior {
	return plan.Keep(kindBucketEncrypt, bucket, "S3 has encrypted every new object with SSE-S3 since January 2023; without this configuration the bucket would use the same", "AES256")
}

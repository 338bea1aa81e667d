package controls

// 2.1.5: S3 Block Public Access, all four settings on for the account
// (2.1.5.1) and for every bucket (2.1.5.2).

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

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

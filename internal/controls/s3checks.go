package controls

// Checks of S3 without an automatic fix: MFA Delete (2.1.3) and Amazon
// Macie (2.1.4).

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/macie2"
	macietypes "github.com/aws/aws-sdk-go-v2/service/macie2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/finding"
)

// 2.1.3: every bucket has versioning with MFA Delete. Only the root user,
// signed in with its MFA device, can turn it on.
func checkMFADelete(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	return eachBucket(ctx, t, func(res finding.Resource, api awsapi.S3) Result {
		name := res.Name()
		out, err := api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(name)})
		if err != nil {
			return Errored(res, fmt.Errorf("read the versioning of bucket %s: %w", name, err))
		}
		if out.MFADelete == s3types.MFADeleteStatusEnabled {
			return pass(res, "bucket %s has versioning %s with MFA Delete", name, out.Status)
		}
		versioning := string(out.Status)
		if versioning == "" {
			versioning = "never enabled"
		}
		return fail(res, "bucket %s: versioning %s, MFA Delete off; only the root user with its MFA device can turn it on: "+
			"aws s3api put-bucket-versioning --bucket %s --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa \"<root MFA device ARN> <code>\" (with the root user's access key; delete that key afterwards, see 1.4)",
			name, versioning, name)
	})
}

// 2.1.4: Amazon Macie discovers and classifies the data of every region
// that holds buckets. GetMacieSession fails with AccessDeniedException
// ("Macie is not enabled") where it is off.
func checkMacie(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	names, err := listBuckets(ctx, t)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	var out []Result
	for _, name := range names {
		_, region, gone, err := bucketClients(ctx, t, name)
		switch {
		case gone:
		case err != nil:
			out = append(out, Errored(bucketResource(t, name), err))
		case t.Regions == nil || slices.Contains(t.Regions, region):
			count[region]++
		}
	}
	regions := make([]string, 0, len(count))
	for r := range count {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, region := range regions {
		res := AccountResource(t.Clients.Partition(), t.Account(), region)
		c, err := t.Clients.In(region)
		if err != nil {
			out = append(out, Errored(res, err))
			continue
		}
		s, err := c.Macie().GetMacieSession(ctx, &macie2.GetMacieSessionInput{})
		switch {
		case awsapi.HasCode(err, "AccessDeniedException") && strings.Contains(err.Error(), "not enabled"):
			out = append(out, fail(res, "Amazon Macie is not enabled in %s, where account %s has %d bucket(s): enable it (aws macie2 enable-macie --region %s; it costs money) and turn on automated sensitive data discovery, "+
				"or classify the data with another tool and accept this result", region, t.Account(), count[region], region))
		case err != nil:
			out = append(out, Errored(res, fmt.Errorf("read the Macie session of account %s in %s: %w", t.Account(), region, err)))
		case s.Status == macietypes.MacieStatusEnabled:
			out = append(out, pass(res, "Amazon Macie is enabled in %s (%d bucket(s))", region, count[region]))
		default:
			out = append(out, fail(res, "Amazon Macie is %s in %s, where account %s has %d bucket(s): resume it (aws macie2 update-macie-session --status ENABLED --region %s)", s.Status, region, t.Account(), count[region], region))
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no S3 bucket of account %s in the regions scanned", t.Account()))
	}
	return out, nil
}

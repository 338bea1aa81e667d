package policy

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/cisguard/cisguard/internal/finding"
)

// securityHubProduct is the resource of the ProductArn of the findings
// Security Hub's own controls produce:
// arn:<partition>:securityhub:<region>::product/aws/securityhub.
const securityHubProduct = "product/aws/securityhub"

// Genuine returns why a finding was not produced by Security Hub itself,
// nil when it was: its ProductArn must be Security Hub's own product in a
// real partition and region, and its company AWS. Any account with
// securityhub:BatchImportFindings can import findings of its own product
// (product/<account>/default) with any GeneratorId and resource; those are
// never acted on.
func Genuine(f finding.Finding) error {
	untrusted := func(why string) error {
		return fmt.Errorf("untrusted product %s (company %q): %s; cisguard acts only on findings of Security Hub's own controls (product/aws/securityhub, company AWS)",
			f.ProductARN, f.Company, why)
	}
	a, err := arn.Parse(f.ProductARN)
	switch {
	case err != nil:
		return untrusted("not an ARN")
	case a.Service != "securityhub" || a.AccountID != "" || a.Resource != securityHubProduct:
		return untrusted("not Security Hub's own product")
	case !IsPartition(a.Partition):
		return untrusted(fmt.Sprintf("unknown partition %q", a.Partition))
	case !IsRegion(a.Partition, a.Region):
		return untrusted(fmt.Sprintf("%q is not a region of partition %s", a.Region, a.Partition))
	case f.Company != "AWS":
		return untrusted("company is not AWS")
	}
	return nil
}

// Owned returns why a finding's resource is not its own, nil when it is:
// the resource's account and partition must be the finding's (AwsAccountId,
// and the partition of Security Hub's product), and the regions named must
// be real regions of that partition. So a finding of account A can never
// make cisguard act in account B, and never outside the partition.
//
// S3 bucket ARNs name no account; every S3 call on a finding's bucket
// passes ExpectedBucketOwner = the finding's account, so S3 refuses a
// bucket of another account.
func Owned(f finding.Finding) error {
	r := f.Resource
	if r.Partition != "" && r.Partition != f.Partition {
		return fmt.Errorf("resource %s is in partition %s, the finding in %s: nothing touched", r.ID, r.Partition, f.Partition)
	}
	if !IsRegion(f.Partition, f.Region) {
		return fmt.Errorf("region %q of resource %s is not a region of partition %s: nothing touched", f.Region, r.ID, f.Partition)
	}
	if id, ok := strings.CutPrefix(r.ID, "AWS::::Account:"); ok {
		if id != f.Account {
			return fmt.Errorf("resource %s is account %s, the finding is of account %s: nothing touched", r.ID, id, f.Account)
		}
		return nil
	}
	a, err := arn.Parse(r.ID)
	switch {
	case err != nil:
		return fmt.Errorf("resource id %q is neither an ARN nor AWS::::Account:<id>: cannot tell which account owns it, nothing touched", r.ID)
	case a.Partition != f.Partition:
		return fmt.Errorf("resource %s is in partition %s, the finding in %s: nothing touched", r.ID, a.Partition, f.Partition)
	case a.Region != "" && !IsRegion(f.Partition, a.Region):
		return fmt.Errorf("resource %s names region %q, not a region of partition %s: nothing touched", r.ID, a.Region, f.Partition)
	case a.AccountID == "" && a.Service == "s3" && !strings.Contains(a.Resource, "/"):
		return nil // a bucket: its owner is checked by S3 (ExpectedBucketOwner)
	case a.AccountID == "":
		return fmt.Errorf("resource %s names no account: cannot tell that it belongs to account %s, nothing touched", r.ID, f.Account)
	case a.AccountID != f.Account:
		return fmt.Errorf("resource %s belongs to account %s, the finding is of account %s: nothing touched", r.ID, a.AccountID, f.Account)
	}
	return nil
}

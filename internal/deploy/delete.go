package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/plan"
)

// PlanDelete returns the steps that remove what the deployment created:
// the StackSets and their stacks, the management account's AWS Config
// stacks, the admin stack, the code bucket and the configuration policy.
// It keeps the Security Hub delegated administrator, the finding
// aggregator and central configuration, which Security Hub itself (and
// possibly other tools) rely on, and says so in a note.
func (p *Planner) PlanDelete(ctx context.Context) (*plan.Plan, error) {
	o := &p.Opts
	if o.Partition == "" {
		o.Partition = "aws"
	}
	if err := p.discover(ctx); err != nil {
		return nil, err
	}
	var pl plan.Plan
	mgmt := p.Env.Management(o.home())
	for _, name := range []string{EnableConfigSet, CloudTrailKeySet, MemberTopicSet, MemberRoleSet} {
		s := &stackSet{cfn: mgmt.CloudFormation, name: name, root: p.org.root, progress: o.Progress, poll: o.Poll}
		exists, regions, err := s.exists(ctx)
		if err != nil {
			return nil, err
		}
		if exists {
			pl.Addf(func(ctx context.Context) error { return s.remove(ctx, regions) },
				"delete StackSet %s and its stacks in %s", name, orNone(regions))
		}
	}
	for _, region := range o.Regions {
		st := &stack{cfn: p.Env.Management(region).CloudFormation, name: EnableConfigStack,
			where: fmt.Sprintf("management account %s, %s", p.org.management, region), progress: o.Progress, poll: o.Poll}
		cur, err := st.describe(ctx)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			pl.Addf(st.delete, "delete stack %s in the %s", st.name, st.where)
		}
	}
	admin, err := p.Env.Admin(ctx, o.AdminAccount, o.home())
	if err != nil {
		return nil, fmt.Errorf("admin account %s: %w", o.AdminAccount, err)
	}
	st := &stack{cfn: admin.CloudFormation, name: AdminStack, where: fmt.Sprintf("admin account %s, %s", o.AdminAccount, o.home()),
		progress: o.Progress, poll: o.Poll}
	cur, err := st.describe(ctx)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		pl.Addf(st.delete, "delete stack %s in the %s (Lambda, queues, rules, topic)", st.name, st.where)
	}
	if a, err := describeAction(ctx, admin.SecurityHub, p.actionARN()); err != nil {
		return nil, err
	} else if a != nil && aws.ToString(a.Description) == actionDescription {
		arn := p.actionARN()
		pl.Addf(func(ctx context.Context) error {
			_, err := admin.SecurityHub.DeleteActionTarget(ctx, &securityhub.DeleteActionTargetInput{ActionTargetArn: &arn})
			return err
		}, "delete Security Hub custom action %s", o.Data.ActionID)
	}
	bucket := fmt.Sprintf("cisguard-artifacts-%s-%s", o.AdminAccount, o.home())
	have, err := bucketExists(ctx, admin.S3, bucket)
	if err != nil {
		return nil, err
	}
	if have {
		pl.Addf(func(ctx context.Context) error { return emptyAndDelete(ctx, admin.S3, bucket) }, "delete bucket %s and the Lambda code in it", bucket)
	}
	if err := p.deletePolicy(ctx, &pl, admin.SecurityHub); err != nil {
		return nil, err
	}
	pl.Note("kept: Security Hub's delegated administrator (%s), the finding aggregator and central configuration; findings and other tools depend on them", o.AdminAccount)
	return &pl, nil
}

// exists reports whether the StackSet exists, and the regions of its stacks.
func (s *stackSet) exists(ctx context.Context) (bool, []string, error) {
	out, err := s.cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: &s.name})
	switch {
	case isCode(err, "StackSetNotFoundException"):
		return false, nil, nil
	case err != nil:
		return false, nil, fmt.Errorf("cloudformation:DescribeStackSet %s: %w", s.name, err)
	case out.StackSet == nil || out.StackSet.Status == cfntypes.StackSetStatusDeleted:
		return false, nil, nil
	}
	have, err := s.instances(ctx)
	if err != nil {
		return false, nil, err
	}
	return true, slices.Sorted(maps.Keys(have)), nil
}

func (p *Planner) deletePolicy(ctx context.Context, pl *plan.Plan, hub SecurityHub) error {
	var id string
	var token *string
	for {
		out, err := hub.ListConfigurationPolicies(ctx, &securityhub.ListConfigurationPoliciesInput{NextToken: token})
		if err != nil {
			if isCode(err, "AccessDeniedException") || isCode(err, "InvalidAccessException") {
				return nil // not central: no policy of ours
			}
			return fmt.Errorf("securityhub:ListConfigurationPolicies: %w", err)
		}
		for _, s := range out.ConfigurationPolicySummaries {
			if aws.ToString(s.Name) == ConfigPolicyName {
				id = aws.ToString(s.Id)
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if id == "" {
		return nil
	}
	a, err := hub.GetConfigurationPolicyAssociation(ctx, &securityhub.GetConfigurationPolicyAssociationInput{
		Target: &shtypes.TargetMemberRootId{Value: p.org.root}})
	if err == nil && aws.ToString(a.ConfigurationPolicyId) == id && a.AssociationType == shtypes.AssociationTypeApplied {
		pl.Addf(func(ctx context.Context) error {
			_, err := hub.StartConfigurationPolicyDisassociation(ctx, &securityhub.StartConfigurationPolicyDisassociationInput{
				ConfigurationPolicyIdentifier: aws.String(id), Target: &shtypes.TargetMemberRootId{Value: p.org.root}})
			return err
		}, "detach Security Hub configuration policy %s from the organization root (accounts keep their current settings)", ConfigPolicyName)
	}
	pl.Addf(func(ctx context.Context) error {
		_, err := hub.DeleteConfigurationPolicy(ctx, &securityhub.DeleteConfigurationPolicyInput{Identifier: aws.String(id)})
		return err
	}, "delete Security Hub configuration policy %s", ConfigPolicyName)
	return nil
}

// emptyAndDelete deletes every object of a bucket, then the bucket.
func emptyAndDelete(ctx context.Context, api S3, bucket string) error {
	var token *string
	for {
		out, err := api.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, ContinuationToken: token})
		if err != nil {
			return err
		}
		for _, o := range out.Contents {
			if _, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: o.Key}); err != nil {
				return err
			}
		}
		if token = out.NextContinuationToken; token == nil {
			break
		}
	}
	_, err := api.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
	return err
}

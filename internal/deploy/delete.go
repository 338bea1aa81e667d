package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/plan"
)

// PlanDelete returns the steps that remove what the deployment created:
// the StackSets and their stacks, the management account's AWS Config
// stacks, the admin stack, the custom action, the code bucket and the
// configuration policies (each detached first, waiting until Security Hub
// reports it detached, since a policy still associated cannot be deleted).
// What holds data or keeps the organization working is kept: the
// templates retain the AWS Config buckets and the CloudTrail keys, and
// the Security Hub delegated administrator, aggregator, central
// configuration and the accounts' standards stay. Notes say what was kept
// and what stops.
func (p *Planner) PlanDelete(ctx context.Context) (*plan.Plan, error) {
	o := &p.Opts
	if err := p.discover(ctx); err != nil {
		return nil, err
	}
	var pl plan.Plan
	mgmt := p.Env.Management(o.home())
	configSet, keySet := false, false
	for _, name := range []string{EnableConfigSet, CloudTrailKeySet, MemberTopicSet, MemberRoleSet} {
		s, err := (&stackSet{cfn: mgmt.CloudFormation, name: name, root: p.org.root, progress: o.Progress, poll: o.Poll}).read(ctx)
		if err != nil {
			return nil, err
		}
		if !s.exists {
			continue
		}
		regions := slices.Sorted(maps.Keys(s.instances))
		pl.Addf(func(ctx context.Context) error { return s.remove(ctx, regions) },
			"delete StackSet %s and its stacks in %s", name, orNone(regions))
		configSet = configSet || name == EnableConfigSet && len(regions) > 0
		keySet = keySet || name == CloudTrailKeySet
	}
	configStacks := 0
	for _, region := range o.Regions {
		st := &stack{cfn: p.Env.Management(region).CloudFormation, name: EnableConfigStack,
			where: fmt.Sprintf("management account %s, %s", p.org.management, region), progress: o.Progress, poll: o.Poll}
		cur, err := st.describe(ctx)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			configStacks++
			pl.Addf(st.delete, "delete stack %s in the %s", st.name, st.where)
		}
	}
	admin, err := p.Env.Member(ctx, o.AdminAccount, o.home())
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
	bucket := p.codeBucket()
	state, err := bucketOwnedBy(ctx, admin.S3, bucket, o.AdminAccount)
	if err != nil {
		return nil, err
	}
	if state == bucketOurs {
		owner := o.AdminAccount
		pl.Addf(func(ctx context.Context) error { return emptyAndDelete(ctx, admin.S3, bucket, owner) }, "delete bucket %s and the Lambda code in it", bucket)
	}
	if err := p.deletePolicies(ctx, &pl, admin.SecurityHub); err != nil {
		return nil, err
	}
	pl.Note("kept: Security Hub's delegated administrator (%s), the finding aggregator and central configuration; findings and other tools depend on them", o.AdminAccount)
	pl.Note("kept: the standards enabled in every account, CIS v1.4.0 included; accounts keep their settings as self-managed once cisguard's policies are detached")
	if configSet || configStacks > 0 {
		pl.Note("kept: the AWS Config buckets cisguard-config-<account>-<region> with their history (retained by the template); stopped: AWS Config recording where cisguard enabled it, so Security Hub's controls that depend on AWS Config stop being evaluated there; a later deploy adopts the buckets")
	}
	if keySet {
		pl.Note("kept: CloudTrail KMS keys deployed by cisguard-cloudtrail-key (retained by the template): trails that use them keep delivering and their logs stay readable")
	}
	pl.Note("stopped: automatic remediation, the custom action and notifications; the member role is deleted in every account")
	return &pl, nil
}

// deletePolicies detaches cisguard's configuration policies from every
// target they are applied to, waiting for each, then deletes them.
func (p *Planner) deletePolicies(ctx context.Context, pl *plan.Plan, hub SecurityHub) error {
	policies, err := listPolicies(ctx, hub)
	if isCode(err, "AccessDeniedException") || isCode(err, "InvalidAccessException") || isCode(err, "ResourceConflictException") {
		return nil // not on central configuration: no policy of ours
	}
	if err != nil {
		return err
	}
	root, err := getAssociation(ctx, hub, &shtypes.TargetMemberRootId{Value: p.org.root})
	if err != nil {
		return err
	}
	assoc, err := listAssociations(ctx, hub)
	if err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(policies)) {
		pol := policies[id]
		if !pol.ours {
			continue
		}
		var targets []shtypes.Target
		for _, a := range slices.Sorted(maps.Keys(assoc)) {
			if as := assoc[a]; as.applied && as.policy == id {
				targets = append(targets, &shtypes.TargetMemberAccountId{Value: a})
			}
		}
		if root.policy == id {
			targets = append(targets, &shtypes.TargetMemberRootId{Value: p.org.root})
		}
		for _, t := range targets {
			pl.Addf(func(ctx context.Context) error {
				_, err := hub.StartConfigurationPolicyDisassociation(ctx, &securityhub.StartConfigurationPolicyDisassociationInput{
					ConfigurationPolicyIdentifier: aws.String(id), Target: t})
				if err != nil {
					return err
				}
				return p.waitAssociation(ctx, hub, t, targetText(t), func(a association) bool { return a.policy != id })
			}, "detach Security Hub configuration policy %s from the %s (and wait; its accounts keep their current settings)", pol.name, targetText(t))
		}
		pl.Addf(func(ctx context.Context) error {
			_, err := hub.DeleteConfigurationPolicy(ctx, &securityhub.DeleteConfigurationPolicyInput{Identifier: aws.String(id)})
			return err
		}, "delete Security Hub configuration policy %s", pol.name)
	}
	return nil
}

// emptyAndDelete deletes every object of a bucket, then the bucket.
func emptyAndDelete(ctx context.Context, api S3, bucket, owner string) error {
	var token *string
	for {
		out, err := api.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, ContinuationToken: token, ExpectedBucketOwner: &owner})
		if err != nil {
			return err
		}
		for _, o := range out.Contents {
			if _, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: o.Key, ExpectedBucketOwner: &owner}); err != nil {
				return err
			}
		}
		if token = out.NextContinuationToken; token == nil {
			break
		}
	}
	_, err := api.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket, ExpectedBucketOwner: &owner})
	return err
}

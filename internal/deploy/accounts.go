package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// accountState is what the survey found in one account.
type accountState struct {
	id string
	// err is set when the account could not be reached (its access role
	// cannot be assumed); nothing else is known then.
	err     error
	regions map[string]*regionState
	// role is the ARN of an IAM role named like cisguard's member role,
	// "" when there is none (IAM is global: read once); ourRole says that
	// cisguard's template made it (by its description).
	role    string
	ourRole bool
}

// regionState is what the survey found in one account and region.
type regionState struct {
	// recorder: AWS Config records here; recorderErr: could not tell.
	recorder    bool
	recorderErr error
	// standards are the enabled standards (keys, see standardKey);
	// hubOff: Security Hub is not enabled; standardsErr: could not tell.
	standards    []string
	hubOff       bool
	standardsErr error
	// configBucket says whether cisguard's AWS Config bucket exists here
	// (kept by an earlier deployment), when no recorder exists.
	configBucket bucketState
	// topic is the ARN of a topic named like the member topic (with
	// --member-topics); alias the key behind the CloudTrail key alias
	// (with --cloudtrail-keys, in the key region).
	topic, alias string
}

type bucketState int

const (
	bucketNone  bucketState = iota
	bucketOurs              // exists, owned by the account
	bucketTaken             // the name belongs to another account
)

// surveyWorkers bounds how many accounts are read at once.
const surveyWorkers = 8

// survey reads every account of the organization, in every region: AWS
// Config, the enabled Security Hub standards, and what the original
// solution or an earlier deployment left (a role with the member role's
// name, the AWS Config bucket, the member topic, the CloudTrail key
// alias). Accounts are reached with the access role (the management
// account with the caller's credentials); one that cannot be reached is
// recorded as such and reported by the steps that needed it.
func (p *Planner) survey(ctx context.Context) error {
	p.accounts = map[string]*accountState{}
	var mu sync.Mutex
	work := make(chan string)
	errs := make(chan error, len(p.org.accounts))
	var wg sync.WaitGroup
	for range min(surveyWorkers, len(p.org.accounts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range work {
				st, err := p.surveyAccount(ctx, a)
				if err != nil {
					errs <- err
					continue
				}
				mu.Lock()
				p.accounts[a] = st
				mu.Unlock()
			}
		}()
	}
	for _, a := range p.org.accounts {
		work <- a
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	return nil
}

func (p *Planner) services(ctx context.Context, account, region string) (Services, error) {
	if account == p.org.management {
		return p.Env.Management(region), nil
	}
	return p.Env.Member(ctx, account, region)
}

func (p *Planner) surveyAccount(ctx context.Context, account string) (*accountState, error) {
	o := &p.Opts
	st := &accountState{id: account, regions: map[string]*regionState{}}
	for _, region := range o.Regions {
		svc, err := p.services(ctx, account, region)
		if err != nil {
			st.err = err
			return st, nil
		}
		rs := &regionState{}
		st.regions[region] = rs
		if region == o.home() && account != p.org.management {
			if st.role, st.ourRole, err = roleARN(ctx, svc.IAM, o.Data.RoleName); err != nil {
				return nil, fmt.Errorf("account %s: iam:GetRole %s: %w", account, o.Data.RoleName, err)
			}
		}
		rs.standards, rs.hubOff, rs.standardsErr = enabledStandards(ctx, svc.SecurityHub)
		if !o.SkipConfig {
			out, err := svc.Config.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
			switch {
			case err != nil:
				rs.recorderErr = err
			case len(out.ConfigurationRecorders) > 0:
				rs.recorder = true
			default:
				if rs.configBucket, err = bucketOwnedBy(ctx, svc.S3, configBucket(account, region), account); err != nil {
					return nil, fmt.Errorf("account %s, %s: %w", account, region, err)
				}
			}
		}
		if o.MemberTopics && account != p.org.management {
			if rs.topic, err = topicNamed(ctx, svc.SNS, o.Data.MemberTopic); err != nil {
				return nil, fmt.Errorf("account %s, %s: sns:ListTopics: %w", account, region, err)
			}
		}
		if o.CloudTrailKeys && region == o.keyRegion() && account != p.org.management {
			if rs.alias, err = keyBehind(ctx, svc.KMS, o.Data.KeyAlias); err != nil {
				return nil, fmt.Errorf("account %s, %s: kms:DescribeKey %s: %w", account, region, o.Data.KeyAlias, err)
			}
		}
	}
	if o.CloudTrailKeys && !slices.Contains(o.Regions, o.keyRegion()) && account != p.org.management {
		svc, err := p.services(ctx, account, o.keyRegion())
		if err != nil {
			st.err = err
			return st, nil
		}
		rs := &regionState{recorder: true}
		st.regions[o.keyRegion()] = rs
		if rs.alias, err = keyBehind(ctx, svc.KMS, o.Data.KeyAlias); err != nil {
			return nil, fmt.Errorf("account %s, %s: kms:DescribeKey %s: %w", account, o.keyRegion(), o.Data.KeyAlias, err)
		}
	}
	return st, nil
}

// configBucket is the name the enable-config template gives its bucket.
func configBucket(account, region string) string {
	return fmt.Sprintf("cisguard-config-%s-%s", account, region)
}

// memberRoleDescription starts the description cisguard's member role
// template gives the role (deploy/cloudformation/templates/member-role.yaml.tmpl).
const memberRoleDescription = "cisguard - "

// roleARN returns the ARN of the role ("" when there is none), and
// whether cisguard's member role template made it.
func roleARN(ctx context.Context, api IAM, name string) (string, bool, error) {
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
	switch {
	case isCode(err, "NoSuchEntity"):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return aws.ToString(out.Role.Arn), strings.HasPrefix(aws.ToString(out.Role.Description), memberRoleDescription), nil
}

// enabledStandards returns the keys of the standards enabled in an
// account and region; hubOff when Security Hub is not enabled there.
func enabledStandards(ctx context.Context, hub SecurityHub) (keys []string, hubOff bool, err error) {
	var token *string
	for {
		out, err := hub.GetEnabledStandards(ctx, &securityhub.GetEnabledStandardsInput{NextToken: token})
		if err != nil {
			if isCode(err, "InvalidAccessException") {
				return nil, true, nil // "not subscribed to AWS Security Hub"
			}
			return nil, false, fmt.Errorf("securityhub:GetEnabledStandards: %w", err)
		}
		for _, s := range out.StandardsSubscriptions {
			if s.StandardsStatus == shtypes.StandardsStatusDeleting || s.StandardsStatus == shtypes.StandardsStatusFailed {
				continue
			}
			keys = append(keys, standardKey(aws.ToString(s.StandardsArn)))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys), false, nil
}

// bucketOwnedBy tells whether a bucket exists and belongs to owner.
func bucketOwnedBy(ctx context.Context, api S3, bucket, owner string) (bucketState, error) {
	_, err := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket, ExpectedBucketOwner: &owner})
	switch {
	case err == nil:
		return bucketOurs, nil
	case isNotFound(err):
		return bucketNone, nil
	case isCode(err, "Forbidden") || isCode(err, "403") || isCode(err, "AccessDenied"):
		return bucketTaken, nil
	}
	return bucketNone, fmt.Errorf("s3:HeadBucket %s: %w", bucket, err)
}

// topicNamed returns the ARN of the topic with that name, or "".
func topicNamed(ctx context.Context, api SNS, name string) (string, error) {
	var token *string
	for {
		out, err := api.ListTopics(ctx, &sns.ListTopicsInput{NextToken: token})
		if err != nil {
			return "", err
		}
		for _, t := range out.Topics {
			arn := aws.ToString(t.TopicArn)
			if arn[strings.LastIndex(arn, ":")+1:] == name {
				return arn, nil
			}
		}
		if token = out.NextToken; token == nil {
			return "", nil
		}
	}
}

// keyBehind returns the id of the key an alias names, or "".
func keyBehind(ctx context.Context, api KMS, alias string) (string, error) {
	out, err := api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &alias})
	switch {
	case isCode(err, "NotFoundException"):
		return "", nil
	case err != nil:
		return "", err
	}
	return aws.ToString(out.KeyMetadata.KeyId), nil
}

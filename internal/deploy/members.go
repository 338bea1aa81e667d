package deploy

import (
	"context"
	"fmt"

	"github.com/cisguard/cisguard/internal/deploy/templates"
	"github.com/cisguard/cisguard/internal/plan"
)

func (p *Planner) newSet(cfn CloudFormation, name, describe, body string, params map[string]string) *stackSet {
	o := &p.Opts
	return &stackSet{cfn: cfn, name: name, describe: describe, body: body, params: params, root: p.org.root,
		members: p.org.members(), targets: map[string][]string{}, overrides: map[string]map[string]string{},
		memberStacks: func(ctx context.Context, account, region string) (CloudFormation, error) {
			svc, err := p.services(ctx, account, region)
			return svc.CloudFormation, err
		},
		progress: o.Progress, poll: o.Poll}
}

// memberStackSets plans the member role in every member account (one
// region: IAM is global) and the optional member topic and CloudTrail key
// StackSets, leaving out the accounts where a topic or key alias of the
// same name already exists (they are used as they are).
func (p *Planner) memberStackSets(ctx context.Context, pl *plan.Plan, cfn CloudFormation) error {
	o := &p.Opts
	role := p.newSet(cfn, MemberRoleSet, "the member role "+o.Data.RoleName, string(o.Templates[templates.MemberRole]),
		map[string]string{"RoleName": o.Data.RoleName, "AdminAccountId": o.AdminAccount, "OrganizationId": p.org.id})
	role.autoDeploy = true
	role.targets[o.home()] = p.org.members()
	sets := []*stackSet{role}
	if o.MemberTopics {
		s := p.newSet(cfn, MemberTopicSet, "member notification topics", string(o.Templates[templates.MemberTopic]),
			map[string]string{"NotificationEmail": o.NotifyEmail})
		if err := p.exceptAdopted(ctx, pl, s, o.Regions, "topic", func(rs *regionState) string { return rs.topic }); err != nil {
			return err
		}
		sets = append(sets, s)
	}
	if o.CloudTrailKeys {
		s := p.newSet(cfn, CloudTrailKeySet, "CloudTrail KMS keys", string(o.Templates[templates.CloudTrailKey]), map[string]string{})
		if err := p.exceptAdopted(ctx, pl, s, []string{o.keyRegion()}, "key alias "+o.Data.KeyAlias+" of key", func(rs *regionState) string { return rs.alias }); err != nil {
			return err
		}
		sets = append(sets, s)
	}
	pl.Merge(&p.replacements)
	for _, s := range sets {
		if err := s.plan(ctx, pl, &p.Report.Instances); err != nil {
			return err
		}
		p.addDuration(s, 1)
	}
	return nil
}

// exceptAdopted targets every member account in regions but those where
// a resource of the StackSet's name exists that the StackSet did not
// create. Automatic deployment stays off for such a StackSet when any
// account is left out: accounts that join get nothing, and cisguard's
// remediations create what they need.
func (p *Planner) exceptAdopted(ctx context.Context, pl *plan.Plan, s *stackSet, regions []string, what string, get func(*regionState) string) error {
	if _, err := s.read(ctx); err != nil {
		return err
	}
	adoptedAny := false
	for _, r := range regions {
		var targets []string
		for _, a := range p.org.members() {
			st := p.accounts[a]
			if _, ours := s.instances[r][a]; !ours && st != nil && st.regions[r] != nil && get(st.regions[r]) != "" {
				adoptedAny = true
				pl.Note("%s %s exists in %s %s and was not deployed by cisguard (the original solution's?): it is used as it is, and %s does not deploy there", what, get(st.regions[r]), a, r, s.name)
				p.Report.Original = append(p.Report.Original, fmt.Sprintf("%s in %s %s: used as it is", what, a, r))
				continue
			}
			targets = append(targets, a)
		}
		s.targets[r] = targets
	}
	s.autoDeploy = !adoptedAny
	return nil
}

// awsConfig deploys the enable-config template where AWS Config does not
// record: a StackSet for member accounts (only to those accounts and
// regions), a stack in the management account (StackSets never deploy
// there). Where cisguard's Config bucket is still there from an earlier
// deployment (it is retained on delete), the template adopts it instead
// of failing on its name.
func (p *Planner) awsConfig(ctx context.Context, pl *plan.Plan, cfn CloudFormation) error {
	o := &p.Opts
	if o.SkipConfig {
		pl.Note("AWS Config not checked (--skip-config): Security Hub needs it recording in every account and region")
		return nil
	}
	set := p.newSet(cfn, EnableConfigSet, "AWS Config recorders", string(o.Templates[templates.EnableConfig]),
		map[string]string{"GlobalResourcesRegion": o.home(), "AdoptBucket": "false"})
	if _, err := set.read(ctx); err != nil {
		return err
	}
	for _, account := range p.org.accounts {
		st := p.accounts[account]
		if st.err != nil {
			pl.Note("AWS Config not checked in %s: %v (deploy %s there yourself if it is missing)", account, st.err, templates.EnableConfig)
			continue
		}
		for _, region := range o.Regions {
			rs := st.regions[region]
			_, ours := set.instances[region][account]
			switch {
			case rs.recorderErr != nil:
				pl.Note("AWS Config not checked in %s %s: %v", account, region, rs.recorderErr)
				continue
			case rs.recorder && !ours:
				continue
			case rs.configBucket == bucketTaken:
				pl.Note("AWS Config not enabled in %s %s: bucket %s belongs to another account (cisguard never writes to it); enable AWS Config there yourself", account, region, configBucket(account, region))
				continue
			}
			adopt := "false"
			if rs.configBucket == bucketOurs {
				adopt = "true"
			}
			if account == p.org.management {
				params := map[string]string{"GlobalResourcesRegion": o.home(), "AdoptBucket": adopt}
				s := &stack{cfn: p.Env.Management(region).CloudFormation, name: EnableConfigStack,
					where: fmt.Sprintf("management account %s, %s", account, region), body: string(o.Templates[templates.EnableConfig]),
					params: params, progress: o.Progress, poll: o.Poll}
				cur, err := s.describe(ctx)
				if err != nil {
					return err
				}
				if cur == nil && rs.recorder {
					continue // a recorder of the account's own
				}
				if cur != nil {
					delete(params, "AdoptBucket") // as created; the bucket is the stack's
				}
				if _, err := s.plan(ctx, pl); err != nil {
					return err
				}
				continue
			}
			set.targets[region] = append(set.targets[region], account)
			if adopt == "true" {
				set.overrides[account+"/"+region] = map[string]string{"AdoptBucket": "true"}
			}
		}
	}
	if len(set.targets) == 0 && !set.exists {
		return nil
	}
	if err := set.plan(ctx, pl, &p.Report.Instances); err != nil {
		return err
	}
	p.addDuration(set, 2)
	return nil
}

// Durations, in minutes, for the report: a stack instance of the member
// templates takes about a minute (the Config recorder about two), the
// admin stack about three, central configuration about one.
func (p *Planner) addDuration(s *stackSet, perWave int) {
	longest := 0
	for _, targets := range s.targets { // regions run in parallel
		longest = max(longest, waves(len(targets)))
	}
	p.Report.Minutes += longest * perWave
}

// deleteKeeps says what a later --delete would leave in place.
func (p *Planner) deleteKeeps() []string {
	keeps := []string{
		fmt.Sprintf("Security Hub's delegated administrator (%s), the finding aggregator and central configuration", p.Opts.AdminAccount),
		"the standards enabled in every account, CIS v1.4.0 included (cisguard's configuration policies are detached and deleted; accounts keep their settings as self-managed)",
		"AWS Config buckets (cisguard-config-<account>-<region>) with their configuration history; AWS Config itself stops where cisguard enabled it, and Security Hub's controls that need it stop being evaluated there",
	}
	if p.Opts.CloudTrailKeys {
		keeps = append(keeps, "the CloudTrail KMS keys (trails that use them keep working; their alias is deleted)")
	}
	return keeps
}

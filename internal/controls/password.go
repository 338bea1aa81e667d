package controls

// The account password policy: minimum length (1.8) and reuse
// prevention (1.9). Every update writes the policy whole, in the state
// all the password controls fixed automatically require.

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/plan"
)

// PasswordLengthParams configures 1.8.
type PasswordLengthParams struct {
	// MinimumLength is the least MinimumPasswordLength cisguard leaves.
	MinimumLength int32 `yaml:"minimumLength"`
}

// Validate accepts what IAM accepts, but not less than CIS's 14.
func (p *PasswordLengthParams) Validate() error {
	if p.MinimumLength < 14 || p.MinimumLength > 128 {
		return fmt.Errorf("minimumLength %d is outside 14..128 (CIS asks for at least 14, IAM allows at most 128)", p.MinimumLength)
	}
	return nil
}

// PasswordReuseParams configures 1.9.
type PasswordReuseParams struct {
	// ReusePrevention is the least PasswordReusePrevention cisguard leaves.
	ReusePrevention int32 `yaml:"reusePrevention"`
}

// Validate accepts IAM's range; below 24 Security Hub's IAM.16 still fails.
func (p *PasswordReuseParams) Validate() error {
	if p.ReusePrevention < 1 || p.ReusePrevention > 24 {
		return fmt.Errorf("reusePrevention %d is outside 1..24 (IAM's range)", p.ReusePrevention)
	}
	return nil
}

// passwordField is the numeric field of the password policy a control
// raises.
type passwordField struct {
	name string
	get  func(*types.PasswordPolicy) int32 // 0 when unset
	set  func(*iam.UpdateAccountPasswordPolicyInput, int32)
}

var (
	minimumLengthField = passwordField{
		name: "MinimumPasswordLength",
		get:  func(p *types.PasswordPolicy) int32 { return aws.ToInt32(p.MinimumPasswordLength) },
		set:  func(in *iam.UpdateAccountPasswordPolicyInput, v int32) { in.MinimumPasswordLength = aws.Int32(v) },
	}
	reusePreventionField = passwordField{
		name: "PasswordReusePrevention",
		get:  func(p *types.PasswordPolicy) int32 { return aws.ToInt32(p.PasswordReusePrevention) },
		set:  func(in *iam.UpdateAccountPasswordPolicyInput, v int32) { in.PasswordReusePrevention = aws.Int32(v) },
	}
)

// passwordRule is a numeric field of the password policy that a control
// holds at a least value.
type passwordRule struct {
	control string
	field   passwordField
	least   func(params any) int32
}

// passwordRules are the controls that share the account password policy.
var passwordRules = []passwordRule{
	{"1.8", minimumLengthField, func(p any) int32 { return p.(*PasswordLengthParams).MinimumLength }},
	{"1.9", reusePreventionField, func(p any) int32 { return p.(*PasswordReuseParams).ReusePrevention }},
}

func planPasswordLength(ctx context.Context, t *Target) (*plan.Plan, error) {
	return planPasswordPolicy(ctx, t, "1.8")
}

// iam16Reuse is the PasswordReusePrevention Security Hub's IAM.16 requires.
const iam16Reuse = 24

func planPasswordReuse(ctx context.Context, t *Target) (*plan.Plan, error) {
	p, err := planPasswordPolicy(ctx, t, "1.9")
	want := params[PasswordReuseParams](t).ReusePrevention
	if err != nil || want >= iam16Reuse || !p.Empty() {
		return p, err
	}
	// A lower reusePrevention is the user's exception: once the policy
	// holds it, IAM.16 still fails unless the policy remembers 24.
	cur, _, err := passwordPolicy(ctx, t.Clients.IAM(), t.Account())
	if err != nil {
		return nil, err
	}
	if have := reusePreventionField.get(cur); have < iam16Reuse {
		p.Accept(fmt.Sprintf("the password policy of account %s remembers %d passwords, as controls.1.9.reusePrevention (%d) allows; Security Hub's IAM.16 requires %d", t.Account(), have, want, iam16Reuse),
			fmt.Sprintf("set controls.1.9.reusePrevention to %d to have cisguard raise it", iam16Reuse))
	}
	return p, nil
}

// passwordTarget is a field and the least value an update gives it.
type passwordTarget struct {
	passwordRule
	want int32
}

// passwordTargets returns what an update of the password policy by
// control id must ensure: its own field first, then the field of every
// other password control that cisguard fixes automatically.
func passwordTargets(t *Target, id string) []passwordTarget {
	var own, others []passwordTarget
	for _, r := range passwordRules {
		if r.control == id {
			own = append(own, passwordTarget{r, r.least(t.Params)})
		} else if params, ok := t.Settings.Automatic(r.control); ok {
			others = append(others, passwordTarget{r, r.least(params)})
		}
	}
	return append(own, others...)
}

// raise returns the update that keeps every field of p and raises the
// targets' fields, and the changes it makes ("MinimumPasswordLength 8 ->
// 14"); no changes when p satisfies every target.
func raise(p *types.PasswordPolicy, targets []passwordTarget, own string) (*iam.UpdateAccountPasswordPolicyInput, []string) {
	in := policyInput(p)
	var changes []string
	for _, x := range targets {
		have := x.field.get(p)
		if have >= x.want {
			continue
		}
		x.field.set(in, x.want)
		change := fmt.Sprintf("%s %d -> %d", x.field.name, have, x.want)
		if x.control != own {
			change += fmt.Sprintf(" (CIS %s, also automatic)", x.control)
		}
		changes = append(changes, change)
	}
	return in, changes
}

// planPasswordPolicy raises control id's field of the password policy.
//
// UpdateAccountPasswordPolicy replaces the whole policy, and Security Hub
// raises IAM.15 and IAM.16 together: cisguard may handle them at the same
// time in different processes, and no lock spans those. So every update
// writes the policy whole in the state all the password controls fixed
// automatically require, not only this one's field: whichever update
// lands last, the policy satisfies all of them, and no interleaving loses
// a field. The action reads the policy again just before writing, so that
// fields changed since planning are kept.
func planPasswordPolicy(ctx context.Context, t *Target, id string) (*plan.Plan, error) {
	p := &plan.Plan{}
	api := t.Clients.IAM()
	acct := t.Account()
	cur, exists, err := passwordPolicy(ctx, api, acct)
	if err != nil {
		return nil, err
	}
	targets := passwordTargets(t, id)
	if own := targets[0]; own.field.get(cur) >= own.want {
		return p, nil
	}
	prior := &plan.Prior{Kind: kindPasswordPolicy, Resource: acct}
	do := func(ctx context.Context) error {
		live, exists, err := passwordPolicy(ctx, api, acct)
		if err != nil {
			return err
		}
		in, changes := raise(live, targets, id)
		if len(changes) == 0 {
			prior.Drop()
			return nil // raised meanwhile
		}
		if !exists {
			live = nil
		}
		prior.Update(live, policyOf(in))
		_, err = api.UpdateAccountPasswordPolicy(ctx, in)
		return err
	}
	in, changes := raise(cur, targets, id)
	if !exists {
		fields := fmt.Sprintf("MinimumPasswordLength %d", aws.ToInt32(in.MinimumPasswordLength))
		if n := aws.ToInt32(in.PasswordReusePrevention); n > 0 {
			fields += fmt.Sprintf(", PasswordReusePrevention %d", n)
		}
		p.Addf(do, "create the password policy of account %s: %s, upper- and lowercase letters, numbers and symbols required (it had none; IAM's default asks for 8 characters and three of those four types)", acct, fields).Prior = prior
		return p, nil
	}
	p.Addf(do, "set the password policy of account %s: %s (other fields kept)", acct, strings.Join(changes, ", ")).Prior = prior
	return p, nil
}

// defaultPasswordRules is the custom policy closest to what IAM enforces
// when an account has none (8 characters and three of the four character
// types), rounded up to all four types: a policy cisguard creates never
// weakens the rules in force. Users may not change their own password,
// as without a policy (unless their IAM policies allow it).
var defaultPasswordRules = types.PasswordPolicy{
	MinimumPasswordLength:      aws.Int32(8),
	RequireLowercaseCharacters: true,
	RequireUppercaseCharacters: true,
	RequireNumbers:             true,
	RequireSymbols:             true,
}

// passwordPolicy reads the account password policy; when the account has
// none it returns defaultPasswordRules and exists false.
func passwordPolicy(ctx context.Context, api awsapi.IAM, account string) (p *types.PasswordPolicy, exists bool, err error) {
	out, err := api.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if awsapi.HasCode(err, "NoSuchEntity") {
		d := defaultPasswordRules
		return &d, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get password policy of %s: %w", account, err)
	}
	return out.PasswordPolicy, true, nil
}

// policyInput returns the update that keeps every field of p: IAM resets
// the fields an update leaves out. Zero MaxPasswordAge and
// PasswordReusePrevention mean "off" and must be left out (IAM rejects 0).
func policyInput(p *types.PasswordPolicy) *iam.UpdateAccountPasswordPolicyInput {
	in := &iam.UpdateAccountPasswordPolicyInput{
		AllowUsersToChangePassword: p.AllowUsersToChangePassword,
		HardExpiry:                 p.HardExpiry,
		MinimumPasswordLength:      p.MinimumPasswordLength,
		RequireLowercaseCharacters: p.RequireLowercaseCharacters,
		RequireNumbers:             p.RequireNumbers,
		RequireSymbols:             p.RequireSymbols,
		RequireUppercaseCharacters: p.RequireUppercaseCharacters,
	}
	if aws.ToInt32(p.MaxPasswordAge) > 0 {
		in.MaxPasswordAge = p.MaxPasswordAge
	}
	if aws.ToInt32(p.PasswordReusePrevention) > 0 {
		in.PasswordReusePrevention = p.PasswordReusePrevention
	}
	return in
}

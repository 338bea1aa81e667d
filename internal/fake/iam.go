package fake

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// IAM is a fake IAM (a global service: every region sees the same state).
type IAM struct {
	svc
	awsapi.IAM // TODO(section 1): remove once every method is implemented
}

// Role is the state of a fake IAM role.
type Role struct {
	Name, Path, ARN string
	TrustPolicy     string
	Created         time.Time
	Attached        []string          // managed policy ARNs
	Inline          map[string]string // name → document
}

type iamState struct {
	roles []*Role
}

func (c clients) IAM() awsapi.IAM { return c.a.IAM() }

// IAM returns the account's IAM.
func (a *Account) IAM() *IAM { return &IAM{svc: svc{a, "us-east-1", "IAM"}} }

func (f *IAM) st() *iamState { return stateOf(f.a, "iam", func() *iamState { return &iamState{} }) }

func (st *iamState) role(name string) *Role {
	for _, r := range st.roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// AddRole seeds a role.
func (a *Account) AddRole(name, trustPolicy string, attached ...string) *Role {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := stateOf(a, "iam", func() *iamState { return &iamState{} })
	r := &Role{Name: name, Path: "/", ARN: "arn:" + a.Partition + ":iam::" + a.ID + ":role/" + name, TrustPolicy: trustPolicy, Created: time.Now(), Attached: attached, Inline: map[string]string{}}
	st.roles = append(st.roles, r)
	return r
}

// Role returns a copy of a role's state, or nil.
func (a *Account) Role(name string) *Role {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := stateOf(a, "iam", func() *iamState { return &iamState{} })
	if r := st.role(name); r != nil {
		c := *r
		c.Attached = slices.Clone(r.Attached)
		return &c
	}
	return nil
}

func noSuchRole(name string) error {
	return APIError("NoSuchEntity", "The role with name %s cannot be found.", name)
}

// awsManagedPolicy reports whether an ARN names an AWS managed policy; the
// fake treats every such ARN as existing.
func awsManagedPolicy(arn string) bool {
	return strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") || strings.HasPrefix(arn, "arn:aws-us-gov:iam::aws:policy/") || strings.HasPrefix(arn, "arn:aws-cn:iam::aws:policy/")
}

func (f *IAM) GetRole(ctx context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	unlock, err := f.call(ctx, "GetRole")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := f.st().role(aws.ToString(in.RoleName))
	if r == nil {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	return &iam.GetRoleOutput{Role: &types.Role{RoleName: aws.String(r.Name), Arn: aws.String(r.ARN), Path: aws.String(r.Path),
		AssumeRolePolicyDocument: aws.String(url.QueryEscape(r.TrustPolicy)), CreateDate: aws.Time(r.Created)}}, nil
}

// CreateRole validates the trust policy and refuses a name in use.
func (f *IAM) CreateRole(ctx context.Context, in *iam.CreateRoleInput, _ ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	unlock, err := f.call(ctx, "CreateRole")
	defer unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.RoleName)
	if name == "" || len(name) > 64 {
		return nil, APIError("ValidationError", "invalid role name %q", name)
	}
	if f.st().role(name) != nil {
		return nil, APIError("EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	if err := validPolicy(aws.ToString(in.AssumeRolePolicyDocument)); err != nil {
		return nil, APIError("MalformedPolicyDocument", "%v", err)
	}
	path := aws.ToString(in.Path)
	if path == "" {
		path = "/"
	}
	r := &Role{Name: name, Path: path, ARN: "arn:" + f.a.Partition + ":iam::" + f.a.ID + ":role" + path + name,
		TrustPolicy: aws.ToString(in.AssumeRolePolicyDocument), Created: time.Now(), Inline: map[string]string{}}
	f.st().roles = append(f.st().roles, r)
	return &iam.CreateRoleOutput{Role: &types.Role{RoleName: aws.String(name), Arn: aws.String(r.ARN), Path: aws.String(path), CreateDate: aws.Time(r.Created)}}, nil
}

// AttachRolePolicy attaches a managed policy; the role and the policy must exist.
func (f *IAM) AttachRolePolicy(ctx context.Context, in *iam.AttachRolePolicyInput, _ ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	unlock, err := f.call(ctx, "AttachRolePolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := f.st().role(aws.ToString(in.RoleName))
	if r == nil {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	arn := aws.ToString(in.PolicyArn)
	if !awsManagedPolicy(arn) && !f.customerPolicyExists(arn) {
		return nil, APIError("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
	}
	if !slices.Contains(r.Attached, arn) {
		r.Attached = append(r.Attached, arn)
	}
	return &iam.AttachRolePolicyOutput{}, nil
}

// ListAttachedRolePolicies pages with Marker and MaxItems (default 100).
func (f *IAM) ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	unlock, err := f.call(ctx, "ListAttachedRolePolicies")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := f.st().role(aws.ToString(in.RoleName))
	if r == nil {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	var all []types.AttachedPolicy
	for _, arn := range r.Attached {
		all = append(all, types.AttachedPolicy{PolicyArn: aws.String(arn), PolicyName: aws.String(arn[strings.LastIndex(arn, "/")+1:])})
	}
	items, next, err := page(all, in.Marker, aws.ToInt32(in.MaxItems), 100)
	if err != nil {
		return nil, err
	}
	return &iam.ListAttachedRolePoliciesOutput{AttachedPolicies: items, Marker: next, IsTruncated: next != nil}, nil
}

func (f *IAM) GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, _ ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	unlock, err := f.call(ctx, "GetRolePolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := f.st().role(aws.ToString(in.RoleName))
	if r == nil {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	doc, ok := r.Inline[aws.ToString(in.PolicyName)]
	if !ok {
		return nil, APIError("NoSuchEntity", "The role policy with name %s cannot be found.", aws.ToString(in.PolicyName))
	}
	// IAM returns policy documents URL-encoded.
	return &iam.GetRolePolicyOutput{RoleName: in.RoleName, PolicyName: in.PolicyName, PolicyDocument: aws.String(url.QueryEscape(doc))}, nil
}

func (f *IAM) PutRolePolicy(ctx context.Context, in *iam.PutRolePolicyInput, _ ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	unlock, err := f.call(ctx, "PutRolePolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := f.st().role(aws.ToString(in.RoleName))
	if r == nil {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	if err := validPolicy(aws.ToString(in.PolicyDocument)); err != nil {
		return nil, APIError("MalformedPolicyDocument", "%v", err)
	}
	r.Inline[aws.ToString(in.PolicyName)] = aws.ToString(in.PolicyDocument)
	return &iam.PutRolePolicyOutput{}, nil
}

// customerPolicyExists is replaced by the section-1 work on customer
// managed policies; until then no customer policy exists.
func (f *IAM) customerPolicyExists(arn string) bool { return false }

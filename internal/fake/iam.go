package fake

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// IAM is a fake IAM (a global service: every region sees the same state):
// roles, users with console passwords, access keys and MFA devices, groups,
// customer managed policies with versions, the account password policy and
// the root user's credentials.
type IAM struct{ svc }

// Role is the state of a fake IAM role.
type Role struct {
	Name, Path, ARN string
	TrustPolicy     string
	Created         time.Time
	Attached        []string          // managed policy ARNs
	Inline          map[string]string // name → document
	// Boundary is the ARN of the permissions boundary, "" for none.
	Boundary string
	Tags     map[string]string
}

// User is the state of a fake IAM user. Tests seed users with
// Account.AddUser and read them back with Account.User.
type User struct {
	Name, Path, ARN, ID string
	Created             time.Time
	Tags                map[string]string
	// Password is when the console password (login profile) was set; nil
	// when the user has none.
	Password *time.Time
	// PasswordLastUsed is the user's last console sign-in; IAM keeps it
	// when the password is deleted or reset.
	PasswordLastUsed *time.Time
	AccessKeys       []AccessKey
	// MFA holds the serial numbers of the user's MFA devices.
	MFA      []string
	Attached []string // managed policy ARNs
	// Inline maps the names of the user's inline policies to their
	// documents.
	Inline map[string]string
}

// AccessKey is the state of a fake access key.
type AccessKey struct {
	ID       string
	Status   types.StatusType // Active when seeded empty
	Created  time.Time
	LastUsed *time.Time // nil: never used
}

// Group is the state of a fake IAM group.
type Group struct {
	Name, ARN string
	Attached  []string // managed policy ARNs
}

// Policy is a fake customer managed policy.
type Policy struct {
	Name, ARN string
	// Versions maps a version id ("v1") to its document.
	Versions map[string]string
	Default  string
	next     int // number of the next version
}

type iamState struct {
	roles    []*Role
	users    []*User
	groups   []*Group
	policies []*Policy
	// passwordPolicy is nil when the account has none.
	passwordPolicy *types.PasswordPolicy
	rootAccessKeys bool
	rootMFA        bool
	virtualMFA     []types.VirtualMFADevice
	seq            int
	pageSize       int32 // 0: pages hold MaxItems
}

func (c clients) IAM() awsapi.IAM { return c.a.IAM() }

// IAM returns the account's IAM.
func (a *Account) IAM() *IAM { return &IAM{svc: svc{a, "us-east-1", "IAM"}} }

func (f *IAM) st() *iamState { return iamOf(f.a) }

// iamOf returns the account's IAM state; the caller holds a.mu.
func iamOf(a *Account) *iamState { return stateOf(a, "iam", func() *iamState { return &iamState{} }) }

func (st *iamState) role(name string) *Role {
	for _, r := range st.roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func (st *iamState) user(name string) *User {
	for _, u := range st.users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

func (st *iamState) policy(arn string) *Policy {
	for _, p := range st.policies {
		if p.ARN == arn {
			return p
		}
	}
	return nil
}

// id returns a new unique IAM id with a prefix ("AIDA", "AKIA").
func (st *iamState) id(prefix string) string {
	st.seq++
	return fmt.Sprintf("%s%016X", prefix, st.seq)
}

// iamPage pages an IAM list: MaxItems per page (default 100), or fewer
// when SetIAMPageSize says so.
func iamPage[T any](st *iamState, items []T, marker *string, maxItems *int32) ([]T, *string, error) {
	n := aws.ToInt32(maxItems)
	if st.pageSize > 0 && (n == 0 || st.pageSize < n) {
		n = st.pageSize
	}
	return page(items, marker, n, 100)
}

// Seeding and read-back helpers.

// SetIAMPageSize makes IAM lists return at most n items per page, as IAM
// may ("IAM might return fewer results, even when there are more results
// available"), so that tests page through a user's two access keys.
func (a *Account) SetIAMPageSize(n int32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	iamOf(a).pageSize = n
}

// AddRole seeds a role.
func (a *Account) AddRole(name, trustPolicy string, attached ...string) *Role {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := iamOf(a)
	r := &Role{Name: name, Path: "/", ARN: "arn:" + a.Partition + ":iam::" + a.ID + ":role/" + name, TrustPolicy: trustPolicy, Created: time.Now(), Attached: attached, Inline: map[string]string{}}
	st.roles = append(st.roles, r)
	return r
}

// Role returns a copy of a role's state, or nil.
func (a *Account) Role(name string) *Role {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r := iamOf(a).role(name); r != nil {
		c := *r
		c.Attached = slices.Clone(r.Attached)
		c.Tags = maps.Clone(r.Tags)
		return &c
	}
	return nil
}

// AddUser seeds a user from u: the fake fills in the path ("/"), ARN, id,
// access key ids and key status (Active) left empty. It returns the user
// as stored.
func (a *Account) AddUser(u User) User {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := iamOf(a)
	if st.user(u.Name) != nil {
		panic("fake: user " + u.Name + " already exists")
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.ARN = "arn:" + a.Partition + ":iam::" + a.ID + ":user" + u.Path + u.Name
	u.ID = st.id("AIDA")
	u.AccessKeys = slices.Clone(u.AccessKeys)
	for i := range u.AccessKeys {
		k := &u.AccessKeys[i]
		if k.ID == "" {
			k.ID = st.id("AKIA")
		}
		if k.Status == "" {
			k.Status = types.StatusTypeActive
		}
	}
	st.users = append(st.users, &u)
	return u.clone()
}

// User returns a copy of a user's state, or nil.
func (a *Account) User(name string) *User {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u := iamOf(a).user(name); u != nil {
		c := u.clone()
		return &c
	}
	return nil
}

func (u *User) clone() User {
	c := *u
	c.AccessKeys = slices.Clone(u.AccessKeys)
	c.MFA = slices.Clone(u.MFA)
	c.Attached = slices.Clone(u.Attached)
	c.Inline = maps.Clone(u.Inline)
	return c
}

// DeleteUser removes a user, as if someone deleted it meanwhile.
func (a *Account) DeleteUser(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := iamOf(a)
	st.users = slices.DeleteFunc(st.users, func(u *User) bool { return u.Name == name })
}

// AddGroup seeds a group with attached managed policies.
func (a *Account) AddGroup(name string, attached ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := iamOf(a)
	st.groups = append(st.groups, &Group{Name: name, ARN: "arn:" + a.Partition + ":iam::" + a.ID + ":group/" + name, Attached: attached})
}

// AddPolicy seeds a customer managed policy whose default version v1 is
// document, and returns its ARN.
func (a *Account) AddPolicy(name, document string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := &Policy{Name: name, ARN: "arn:" + a.Partition + ":iam::" + a.ID + ":policy/" + name, Versions: map[string]string{}}
	p.addVersion(document, true)
	st := iamOf(a)
	st.policies = append(st.policies, p)
	return p.ARN
}

// AddPolicyVersion adds a version to a seeded policy and returns its id.
func (a *Account) AddPolicyVersion(arn, document string, setDefault bool) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return iamOf(a).policy(arn).addVersion(document, setDefault)
}

func (p *Policy) addVersion(document string, setDefault bool) string {
	p.next++
	v := fmt.Sprintf("v%d", p.next)
	p.Versions[v] = document
	if setDefault {
		p.Default = v
	}
	return v
}

// SetPasswordPolicy sets the account password policy; nil removes it.
func (a *Account) SetPasswordPolicy(p *types.PasswordPolicy) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p != nil {
		c := *p
		p = &c
	}
	iamOf(a).passwordPolicy = p
}

// PasswordPolicy returns a copy of the account password policy, or nil.
func (a *Account) PasswordPolicy() *types.PasswordPolicy {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := iamOf(a).passwordPolicy; p != nil {
		c := *p
		return &c
	}
	return nil
}

// SetRootCredentials says whether the root user has access keys and an
// MFA device.
func (a *Account) SetRootCredentials(accessKeys, mfa bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := iamOf(a)
	st.rootAccessKeys, st.rootMFA = accessKeys, mfa
}

// AddVirtualMFADevice seeds a virtual MFA device assigned to user: "" for
// none, "root" for the root user (whose MFA it enables), or a user name.
func (a *Account) AddVirtualMFADevice(serial, user string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := iamOf(a)
	d := types.VirtualMFADevice{SerialNumber: aws.String(serial)}
	switch user {
	case "":
	case "root":
		d.User = &types.User{Arn: aws.String("arn:" + a.Partition + ":iam::" + a.ID + ":root"), UserId: aws.String(a.ID)}
		st.rootMFA = true
	default:
		u := st.user(user)
		d.User = &types.User{Arn: aws.String(u.ARN), UserName: aws.String(u.Name), UserId: aws.String(u.ID)}
		u.MFA = append(u.MFA, serial)
	}
	if d.User != nil {
		d.EnableDate = aws.Time(time.Now())
	}
	st.virtualMFA = append(st.virtualMFA, d)
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
	out := &types.Role{RoleName: aws.String(r.Name), Arn: aws.String(r.ARN), Path: aws.String(r.Path),
		AssumeRolePolicyDocument: aws.String(url.QueryEscape(r.TrustPolicy)), CreateDate: aws.Time(r.Created)}
	if r.Boundary != "" {
		out.PermissionsBoundary = &types.AttachedPermissionsBoundary{PermissionsBoundaryArn: aws.String(r.Boundary), PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy}
	}
	for k, v := range r.Tags {
		out.Tags = append(out.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return &iam.GetRoleOutput{Role: out}, nil
}

// CreateRole validates the trust policy, refuses a name in use and a
// permissions boundary that is not an existing managed policy, and keeps
// the boundary and the tags.
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
	boundary := aws.ToString(in.PermissionsBoundary)
	if boundary != "" && !awsManagedPolicy(boundary) && !f.customerPolicyExists(boundary) {
		return nil, APIError("NoSuchEntity", "Scope ARN: %s does not exist or is not attachable.", boundary)
	}
	if len(in.Tags) > 0 {
		if err := f.implied(ctx, "TagRole"); err != nil {
			return nil, err
		}
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	path := aws.ToString(in.Path)
	if path == "" {
		path = "/"
	}
	r := &Role{Name: name, Path: path, ARN: "arn:" + f.a.Partition + ":iam::" + f.a.ID + ":role" + path + name,
		TrustPolicy: aws.ToString(in.AssumeRolePolicyDocument), Created: time.Now(), Inline: map[string]string{}, Boundary: boundary, Tags: tags}
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
	items, next, err := iamPage(f.st(), all, in.Marker, in.MaxItems)
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

// customerPolicyExists reports whether a customer managed policy exists.
func (f *IAM) customerPolicyExists(arn string) bool { return f.st().policy(arn) != nil }

// Account.

// GetAccountSummary reports the root user's credentials and entity counts.
func (f *IAM) GetAccountSummary(ctx context.Context, _ *iam.GetAccountSummaryInput, _ ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error) {
	unlock, err := f.call(ctx, "GetAccountSummary")
	defer unlock()
	if err != nil {
		return nil, err
	}
	st := f.st()
	flag := func(b bool) int32 {
		if b {
			return 1
		}
		return 0
	}
	return &iam.GetAccountSummaryOutput{SummaryMap: map[string]int32{
		"AccountAccessKeysPresent": flag(st.rootAccessKeys),
		"AccountMFAEnabled":        flag(st.rootMFA),
		"Users":                    int32(len(st.users)),
		"Groups":                   int32(len(st.groups)),
		"Roles":                    int32(len(st.roles)),
		"Policies":                 int32(len(st.policies)),
	}}, nil
}

// ListVirtualMFADevices filters by AssignmentStatus (Any by default) and
// pages with Marker and MaxItems (default 100).
func (f *IAM) ListVirtualMFADevices(ctx context.Context, in *iam.ListVirtualMFADevicesInput, _ ...func(*iam.Options)) (*iam.ListVirtualMFADevicesOutput, error) {
	unlock, err := f.call(ctx, "ListVirtualMFADevices")
	defer unlock()
	if err != nil {
		return nil, err
	}
	var all []types.VirtualMFADevice
	for _, d := range f.st().virtualMFA {
		switch in.AssignmentStatus {
		case types.AssignmentStatusTypeAssigned:
			if d.User == nil {
				continue
			}
		case types.AssignmentStatusTypeUnassigned:
			if d.User != nil {
				continue
			}
		case "", types.AssignmentStatusTypeAny:
		default:
			return nil, APIError("ValidationError", "invalid AssignmentStatus %q", in.AssignmentStatus)
		}
		all = append(all, d)
	}
	items, next, err := iamPage(f.st(), all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iam.ListVirtualMFADevicesOutput{VirtualMFADevices: items, Marker: next, IsTruncated: next != nil}, nil
}

// GetAccountPasswordPolicy fails with NoSuchEntity when the account has no
// policy.
func (f *IAM) GetAccountPasswordPolicy(ctx context.Context, _ *iam.GetAccountPasswordPolicyInput, _ ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error) {
	unlock, err := f.call(ctx, "GetAccountPasswordPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	p := f.st().passwordPolicy
	if p == nil {
		return nil, APIError("NoSuchEntity", "The Password Policy with domain name %s cannot be found.", f.a.ID)
	}
	c := *p
	return &iam.GetAccountPasswordPolicyOutput{PasswordPolicy: &c}, nil
}

// UpdateAccountPasswordPolicy replaces the whole policy, as IAM does: a
// field left out takes IAM's default (length 6, no reuse prevention, no
// expiry, no character rules), it does not keep its current value.
func (f *IAM) UpdateAccountPasswordPolicy(ctx context.Context, in *iam.UpdateAccountPasswordPolicyInput, _ ...func(*iam.Options)) (*iam.UpdateAccountPasswordPolicyOutput, error) {
	unlock, err := f.call(ctx, "UpdateAccountPasswordPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	for _, r := range []struct {
		name   string
		v      *int32
		lo, hi int32
	}{{"minimumPasswordLength", in.MinimumPasswordLength, 6, 128}, {"passwordReusePrevention", in.PasswordReusePrevention, 1, 24}, {"maxPasswordAge", in.MaxPasswordAge, 1, 1095}} {
		if r.v != nil && (*r.v < r.lo || *r.v > r.hi) {
			return nil, APIError("ValidationError", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value between %d and %d", *r.v, r.name, r.lo, r.hi)
		}
	}
	p := &types.PasswordPolicy{
		MinimumPasswordLength:      aws.Int32(6),
		AllowUsersToChangePassword: in.AllowUsersToChangePassword,
		HardExpiry:                 aws.Bool(aws.ToBool(in.HardExpiry)),
		MaxPasswordAge:             in.MaxPasswordAge,
		ExpirePasswords:            in.MaxPasswordAge != nil,
		PasswordReusePrevention:    in.PasswordReusePrevention,
		RequireLowercaseCharacters: in.RequireLowercaseCharacters,
		RequireNumbers:             in.RequireNumbers,
		RequireSymbols:             in.RequireSymbols,
		RequireUppercaseCharacters: in.RequireUppercaseCharacters,
	}
	if in.MinimumPasswordLength != nil {
		p.MinimumPasswordLength = aws.Int32(*in.MinimumPasswordLength)
	}
	f.st().passwordPolicy = p
	return &iam.UpdateAccountPasswordPolicyOutput{}, nil
}

// Users and their credentials.

func noSuchUser(name string) error {
	return APIError("NoSuchEntity", "The user with name %s cannot be found.", name)
}

// user returns the named user; IAM's user operations fall back to the
// caller when no name is given, which the fake does not model.
func (f *IAM) user(name *string) (*User, error) {
	if aws.ToString(name) == "" {
		return nil, APIError("ValidationError", "the fake requires UserName")
	}
	u := f.st().user(*name)
	if u == nil {
		return nil, noSuchUser(*name)
	}
	return u, nil
}

// key returns the index of a user's access key.
func (u *User) key(id string) (int, error) {
	i := slices.IndexFunc(u.AccessKeys, func(k AccessKey) bool { return k.ID == id })
	if i < 0 {
		return 0, APIError("NoSuchEntity", "The Access Key with id %s cannot be found.", id)
	}
	return i, nil
}

// GetUser returns the user with its tags and last console sign-in.
func (f *IAM) GetUser(ctx context.Context, in *iam.GetUserInput, _ ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	unlock, err := f.call(ctx, "GetUser")
	defer unlock()
	if err != nil {
		return nil, err
	}
	u, err := f.user(in.UserName)
	if err != nil {
		return nil, err
	}
	out := &types.User{UserName: aws.String(u.Name), Path: aws.String(u.Path), Arn: aws.String(u.ARN), UserId: aws.String(u.ID),
		CreateDate: aws.Time(u.Created), PasswordLastUsed: u.PasswordLastUsed}
	for k, v := range u.Tags {
		out.Tags = append(out.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	slices.SortFunc(out.Tags, func(a, b types.Tag) int { return strings.Compare(*a.Key, *b.Key) })
	return &iam.GetUserOutput{User: out}, nil
}

// ListAccessKeys pages with Marker and MaxItems (default 100).
func (f *IAM) ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, _ ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	unlock, err := f.call(ctx, "ListAccessKeys")
	defer unlock()
	if err != nil {
		return nil, err
	}
	u, err := f.user(in.UserName)
	if err != nil {
		return nil, err
	}
	var all []types.AccessKeyMetadata
	for _, k := range u.AccessKeys {
		all = append(all, types.AccessKeyMetadata{AccessKeyId: aws.String(k.ID), Status: k.Status, CreateDate: aws.Time(k.Created), UserName: aws.String(u.Name)})
	}
	items, next, err := iamPage(f.st(), all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iam.ListAccessKeysOutput{AccessKeyMetadata: items, Marker: next, IsTruncated: next != nil}, nil
}

// GetAccessKeyLastUsed reports "N/A" and no date for a key never used.
func (f *IAM) GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, _ ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error) {
	unlock, err := f.call(ctx, "GetAccessKeyLastUsed")
	defer unlock()
	if err != nil {
		return nil, err
	}
	id := aws.ToString(in.AccessKeyId)
	for _, u := range f.st().users {
		if i, err := u.key(id); err == nil {
			used := &types.AccessKeyLastUsed{Region: aws.String("N/A"), ServiceName: aws.String("N/A")}
			if t := u.AccessKeys[i].LastUsed; t != nil {
				used = &types.AccessKeyLastUsed{Region: aws.String("us-east-1"), ServiceName: aws.String("s3"), LastUsedDate: aws.Time(*t)}
			}
			return &iam.GetAccessKeyLastUsedOutput{UserName: aws.String(u.Name), AccessKeyLastUsed: used}, nil
		}
	}
	return nil, APIError("NoSuchEntity", "The Access Key with id %s cannot be found.", id)
}

// UpdateAccessKey sets a key's status; the key must belong to the user.
func (f *IAM) UpdateAccessKey(ctx context.Context, in *iam.UpdateAccessKeyInput, _ ...func(*iam.Options)) (*iam.UpdateAccessKeyOutput, error) {
	unlock, err := f.call(ctx, "UpdateAccessKey")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if in.Status != types.StatusTypeActive && in.Status != types.StatusTypeInactive {
		return nil, APIError("ValidationError", "invalid Status %q", in.Status)
	}
	u, err := f.user(in.UserName)
	if err != nil {
		return nil, err
	}
	i, err := u.key(aws.ToString(in.AccessKeyId))
	if err != nil {
		return nil, err
	}
	u.AccessKeys[i].Status = in.Status
	return &iam.UpdateAccessKeyOutput{}, nil
}

// DeleteAccessKey deletes a key of the user.
func (f *IAM) DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, _ ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	unlock, err := f.call(ctx, "DeleteAccessKey")
	defer unlock()
	if err != nil {
		return nil, err
	}
	u, err := f.user(in.UserName)
	if err != nil {
		return nil, err
	}
	i, err := u.key(aws.ToString(in.AccessKeyId))
	if err != nil {
		return nil, err
	}
	u.AccessKeys = slices.Delete(u.AccessKeys, i, i+1)
	return &iam.DeleteAccessKeyOutput{}, nil
}

func noLoginProfile(name string) error {
	return APIError("NoSuchEntity", "Login Profile for User %s cannot be found.", name)
}

// GetLoginProfile fails with NoSuchEntity when the user has no console
// password.
func (f *IAM) GetLoginProfile(ctx context.Context, in *iam.GetLoginProfileInput, _ ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error) {
	unlock, err := f.call(ctx, "GetLoginProfile")
	defer unlock()
	if err != nil {
		return nil, err
	}
	u, err := f.user(in.UserName)
	if err != nil {
		return nil, err
	}
	if u.Password == nil {
		return nil, noLoginProfile(u.Name)
	}
	return &iam.GetLoginProfileOutput{LoginProfile: &types.LoginProfile{UserName: aws.String(u.Name), CreateDate: aws.Time(*u.Password)}}, nil
}

// DeleteLoginProfile removes the console password; PasswordLastUsed stays.
func (f *IAM) DeleteLoginProfile(ctx context.Context, in *iam.DeleteLoginProfileInput, _ ...func(*iam.Options)) (*iam.DeleteLoginProfileOutput, error) {
	unlock, err := f.call(ctx, "DeleteLoginProfile")
	defer unlock()
	if err != nil {
		return nil, err
	}
	u, err := f.user(in.UserName)
	if err != nil {
		return nil, err
	}
	if u.Password == nil {
		return nil, noLoginProfile(u.Name)
	}
	u.Password = nil
	return &iam.DeleteLoginProfileOutput{}, nil
}

// ListMFADevices lists a user's MFA devices, paged with Marker and
// MaxItems (default 100).
func (f *IAM) ListMFADevices(ctx context.Context, in *iam.ListMFADevicesInput, _ ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error) {
	unlock, err := f.call(ctx, "ListMFADevices")
	defer unlock()
	if err != nil {
		return nil, err
	}
	u, err := f.user(in.UserName)
	if err != nil {
		return nil, err
	}
	var all []types.MFADevice
	for _, s := range u.MFA {
		all = append(all, types.MFADevice{SerialNumber: aws.String(s), UserName: aws.String(u.Name), EnableDate: aws.Time(u.Created)})
	}
	items, next, err := iamPage(f.st(), all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iam.ListMFADevicesOutput{MFADevices: items, Marker: next, IsTruncated: next != nil}, nil
}

// Managed policies.

func noSuchPolicy(arn string) error {
	return APIError("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
}

// attachments returns the groups, users and roles a managed policy is
// attached to, in that order.
func (st *iamState) attachments(arn string) (groups []types.PolicyGroup, users []types.PolicyUser, roles []types.PolicyRole) {
	for _, g := range st.groups {
		if slices.Contains(g.Attached, arn) {
			groups = append(groups, types.PolicyGroup{GroupName: aws.String(g.Name)})
		}
	}
	for _, u := range st.users {
		if slices.Contains(u.Attached, arn) {
			users = append(users, types.PolicyUser{UserName: aws.String(u.Name), UserId: aws.String(u.ID)})
		}
	}
	for _, r := range st.roles {
		if slices.Contains(r.Attached, arn) {
			roles = append(roles, types.PolicyRole{RoleName: aws.String(r.Name)})
		}
	}
	return groups, users, roles
}

// GetPolicy returns a customer managed policy with its default version and
// attachment count.
func (f *IAM) GetPolicy(ctx context.Context, in *iam.GetPolicyInput, _ ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	unlock, err := f.call(ctx, "GetPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.PolicyArn)
	p := f.st().policy(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	g, u, r := f.st().attachments(arn)
	return &iam.GetPolicyOutput{Policy: &types.Policy{PolicyName: aws.String(p.Name), Arn: aws.String(p.ARN), Path: aws.String("/"),
		DefaultVersionId: aws.String(p.Default), AttachmentCount: aws.Int32(int32(len(g) + len(u) + len(r))), IsAttachable: true}}, nil
}

// GetPolicyVersion returns a version's document URL-encoded, as IAM does.
func (f *IAM) GetPolicyVersion(ctx context.Context, in *iam.GetPolicyVersionInput, _ ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	unlock, err := f.call(ctx, "GetPolicyVersion")
	defer unlock()
	if err != nil {
		return nil, err
	}
	arn, v := aws.ToString(in.PolicyArn), aws.ToString(in.VersionId)
	p := f.st().policy(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	doc, ok := p.Versions[v]
	if !ok {
		return nil, APIError("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", arn, v)
	}
	return &iam.GetPolicyVersionOutput{PolicyVersion: &types.PolicyVersion{VersionId: aws.String(v), IsDefaultVersion: v == p.Default,
		Document: aws.String(url.QueryEscape(doc))}}, nil
}

// ListEntitiesForPolicy lists the groups, users and roles a managed policy
// (customer or AWS) is attached to, filtered by EntityFilter and paged
// with Marker and MaxItems (default 100) across the three lists.
func (f *IAM) ListEntitiesForPolicy(ctx context.Context, in *iam.ListEntitiesForPolicyInput, _ ...func(*iam.Options)) (*iam.ListEntitiesForPolicyOutput, error) {
	unlock, err := f.call(ctx, "ListEntitiesForPolicy")
	defer unlock()
	if err != nil {
		return nil, err
	}
	arn := aws.ToString(in.PolicyArn)
	if !awsManagedPolicy(arn) && !f.customerPolicyExists(arn) {
		return nil, noSuchPolicy(arn)
	}
	groups, users, roles := f.st().attachments(arn)
	type entity struct {
		g *types.PolicyGroup
		u *types.PolicyUser
		r *types.PolicyRole
	}
	var all []entity
	switch in.EntityFilter {
	case "", types.EntityTypeGroup, types.EntityTypeUser, types.EntityTypeRole:
	case types.EntityTypeLocalManagedPolicy, types.EntityTypeAWSManagedPolicy: // valid, and select no principal
	default:
		return nil, APIError("ValidationError", "invalid EntityFilter %q", in.EntityFilter)
	}
	want := func(t types.EntityType) bool { return in.EntityFilter == "" || in.EntityFilter == t }
	if want(types.EntityTypeGroup) {
		for i := range groups {
			all = append(all, entity{g: &groups[i]})
		}
	}
	if want(types.EntityTypeUser) {
		for i := range users {
			all = append(all, entity{u: &users[i]})
		}
	}
	if want(types.EntityTypeRole) {
		for i := range roles {
			all = append(all, entity{r: &roles[i]})
		}
	}
	items, next, err := iamPage(f.st(), all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iam.ListEntitiesForPolicyOutput{Marker: next, IsTruncated: next != nil}
	for _, e := range items {
		switch {
		case e.g != nil:
			out.PolicyGroups = append(out.PolicyGroups, *e.g)
		case e.u != nil:
			out.PolicyUsers = append(out.PolicyUsers, *e.u)
		default:
			out.PolicyRoles = append(out.PolicyRoles, *e.r)
		}
	}
	return out, nil
}

package deploy

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"

	"github.com/cisguard/cisguard/internal/config"
)

// world is a stateful fake of an organization. What the deployment
// creates really exists afterwards (a StackSet deployed to an account
// gives it the role, topic, key alias or recorder its template makes),
// asynchronous changes pass through PENDING or *_IN_PROGRESS first, errors
// carry AWS's codes, lists come in small pages, and the rules AWS enforces
// are enforced here (see each fake's methods): a fake that accepts what
// AWS refuses would hide a defect.
type world struct {
	partition                 string
	caller, orgID, mgmt, root string
	accounts                  []string
	noAccess                  map[string]bool // accounts whose access role cannot be assumed

	stackSetsAccess bool
	delegated       map[string]string // region → delegated admin account

	// Security Hub.
	hubOn          map[string]bool     // account/region → Security Hub enabled
	standards      map[string][]string // account/region → enabled standards' ARNs
	aggregator     *aggregator
	central        bool
	centralStatus  shtypes.OrganizationConfigurationStatus
	centralPending int
	centralFail    string // switching to central configuration ends FAILED with it
	centralMessage string
	policies       map[string]*fakePolicy
	assoc          map[string]*fakeAssoc // "root" or account id → association applied to it
	assocFail      string                // the next association ends FAILED with it
	actionTargets  map[string]shtypes.ActionTarget
	rules          map[string]*fakeRule // admin account's EventBridge rules

	// CloudFormation.
	stacks         map[string]*fakeStack // account/region/name
	sets           map[string]*fakeSet
	ops            map[string]*fakeOp
	failStack      map[string]string // stack name → reason its creation fails
	failDelete     map[string]string // stack name → reason its deletion fails
	failSet        map[string]string // StackSet name → reason every instance fails
	describeCounts map[string]int

	// Resources in accounts.
	buckets   map[string]*fakeBucket
	recorders map[string]bool              // account/region
	roles     map[string]*fakeRole         // account/name
	aliases   map[string]string            // account/region/alias → key id
	topics    map[string]map[string]string // account/region → name → set that made it ("" if another)

	nextID int
	writes []string // mutating calls, in order
}

type aggregator struct {
	owner, region, mode string
	regions             []string
}

type fakePolicy struct {
	name           string
	standards      []string
	serviceEnabled bool
}

type fakeAssoc struct {
	policy        string // id, or selfManaged
	status        shtypes.ConfigurationPolicyAssociationStatus
	message       string
	pending       int
	disassociated bool // the association is being removed
}

type fakeRule struct {
	pattern, state string
	targets        []string
}

type fakeRole struct {
	arn, description           string
	attached, inline, profiles []string
	set                        string // StackSet that made it, "" if another
}

func newWorld() *world {
	w := &world{
		partition: "aws",
		caller:    "111111111111", orgID: "o-abcdefghij", mgmt: "111111111111", root: "r-ab12",
		accounts:  []string{"111111111111", "222222222222", "333333333333", "444444444444"},
		noAccess:  map[string]bool{},
		delegated: map[string]string{}, hubOn: map[string]bool{}, standards: map[string][]string{},
		policies: map[string]*fakePolicy{}, assoc: map[string]*fakeAssoc{},
		actionTargets: map[string]shtypes.ActionTarget{}, rules: map[string]*fakeRule{},
		stacks: map[string]*fakeStack{}, sets: map[string]*fakeSet{}, ops: map[string]*fakeOp{},
		failStack: map[string]string{}, failDelete: map[string]string{}, failSet: map[string]string{}, describeCounts: map[string]int{},
		buckets: map[string]*fakeBucket{}, recorders: map[string]bool{}, roles: map[string]*fakeRole{},
		aliases: map[string]string{}, topics: map[string]map[string]string{},
	}
	return w
}

// withFSBP gives every account Security Hub with FSBP in every region.
func (w *world) withFSBP(regions ...string) {
	for _, a := range w.accounts {
		for _, r := range regions {
			w.hubOn[a+"/"+r] = true
			w.standards[a+"/"+r] = []string{w.standardARN("standards/aws-foundational-security-best-practices/v/1.0.0", r)}
		}
	}
}

// withOriginalRole gives accounts the original solution's member role.
func (w *world) withOriginalRole(accounts ...string) {
	for _, a := range accounts {
		w.roles[a+"/"+config.DefaultRoleName] = &fakeRole{arn: fmt.Sprintf("arn:%s:iam::%s:role/%s", w.partition, a, config.DefaultRoleName),
			attached: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, inline: []string{"CISRemediation"}}
	}
}

func (w *world) standardARN(key, region string) string { return standardARN(key, w.partition, region) }

func apiErr(code, format string, args ...any) error {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (w *world) write(format string, args ...any) {
	w.writes = append(w.writes, fmt.Sprintf(format, args...))
}

func (w *world) id(prefix string) string { w.nextID++; return fmt.Sprintf("%s-%04d", prefix, w.nextID) }

func (w *world) isAccount(a string) bool { return slices.Contains(w.accounts, a) }

// Env.

func (w *world) Caller(context.Context) (Identity, error) {
	return Identity{Account: w.caller, ARN: fmt.Sprintf("arn:%s:iam::%s:user/admin", w.partition, w.caller)}, nil
}
func (w *world) Organizations() Organizations      { return fakeOrg{w} }
func (w *world) Management(region string) Services { return w.services(w.mgmt, region) }
func (w *world) Member(_ context.Context, account, region string) (Services, error) {
	if w.noAccess[account] {
		return Services{}, apiErr("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on arn:%s:iam::%s:role/OrganizationAccountAccessRole", w.caller, w.partition, account)
	}
	return w.services(account, region), nil
}

func (w *world) services(account, region string) Services {
	return Services{CloudFormation: &fakeCFN{w, account, region}, SecurityHub: &fakeHub{w, account, region},
		S3: &fakeS3{w, account, region}, Config: fakeConfig{w, account, region}, IAM: &fakeIAM{w, account},
		KMS: &fakeKMS{w, account, region}, SNS: &fakeSNS{w, account, region}, Events: &fakeEvents{w, account, region}}
}

// Organizations.

type fakeOrg struct{ w *world }

func (f fakeOrg) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	return &organizations.DescribeOrganizationOutput{Organization: &orgtypes.Organization{Id: &f.w.orgID, MasterAccountId: &f.w.mgmt}}, nil
}
func (f fakeOrg) ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error) {
	return &organizations.ListRootsOutput{Roots: []orgtypes.Root{{Id: &f.w.root}}}, nil
}
func (f fakeOrg) ListAccounts(_ context.Context, in *organizations.ListAccountsInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	var accts []orgtypes.Account
	for _, a := range f.w.accounts {
		accts = append(accts, orgtypes.Account{Id: aws.String(a), Status: orgtypes.AccountStatusActive})
	}
	items, next := page(accts, in.NextToken, 2)
	return &organizations.ListAccountsOutput{Accounts: items, NextToken: next}, nil
}

// page returns one page of n items and the token of the next.
func page[T any](all []T, token *string, n int) ([]T, *string) {
	start := 0
	if token != nil {
		fmt.Sscan(*token, &start)
	}
	end := min(start+n, len(all))
	if end < len(all) {
		return all[start:end], aws.String(fmt.Sprint(end))
	}
	return all[start:end], nil
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// param returns a parameter's value from a list, or def.
func param(ps map[string]string, key, def string) string {
	if v, ok := ps[key]; ok {
		return v
	}
	return def
}

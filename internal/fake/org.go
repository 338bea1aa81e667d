package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/hub"
)

// Org is a fake AWS Organization as the engine sees it: member accounts
// reached through the member role, and the Security Hub administrator's
// own Security Hub, SNS, Organizations and STS. It implements engine.Cloud.
type Org struct {
	// Admin is the Security Hub administrator account (central topic).
	Admin *Account
	// Management is the management account id, "" outside an organization.
	Management string
	// Caller is the account of the engine's own credentials (default Admin).
	Caller string
	// Log records the administrator's Organizations and STS calls and
	// injects their failures ("Organizations/DescribeOrganization",
	// "STS/GetCallerIdentity").
	Log *Log
	// STS records the AssumeRole calls of the member roles and injects
	// their failures ("STS/AssumeRole").
	STS *Log

	mu         sync.Mutex
	accounts   map[string]*Account
	hubs       map[string]*SecurityHub
	assumed    map[string]int
	aggregator *Aggregator
	creds      map[string]bool // accounts whose member role credentials are held
}

// Aggregate turns on cross-Region aggregation into home from the linked
// regions: every hub then lists the aggregator. (Findings are held where
// they are imported: a test puts a linked region's finding into home too.)
func (o *Org) Aggregate(home string, linked ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.aggregator = &Aggregator{ARN: fmt.Sprintf("arn:aws:securityhub:%s:%s:finding-aggregator/a1b2c3d4", home, o.Admin.ID), Home: home, Linked: linked}
	for _, h := range o.hubs {
		h.setAggregator(o.aggregator)
	}
}

// NewOrg returns an organization whose administrator is admin.
func NewOrg(admin string) *Org {
	o := &Org{Admin: NewAccount(admin), Caller: admin, Log: &Log{}, STS: &Log{}, accounts: map[string]*Account{}, hubs: map[string]*SecurityHub{}, assumed: map[string]int{}, creds: map[string]bool{}}
	o.Admin.peer = o.find
	return o
}

// find returns an account of the organization (the administrator
// included), or nil; cross-account calls of the fakes go through it.
func (o *Org) find(id string) *Account {
	if id == o.Admin.ID {
		return o.Admin
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.accounts[id]
}

// Account returns a member account, creating it: only created accounts
// have the member role.
func (o *Org) Account(id string) *Account {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.accounts[id]
	if !ok {
		a = NewAccount(id)
		a.peer = o.find
		o.accounts[id] = a
	}
	return a
}

// SecurityHub returns the administrator's Security Hub in a region.
func (o *Org) SecurityHub(region string) *SecurityHub {
	o.mu.Lock()
	defer o.mu.Unlock()
	h, ok := o.hubs[region]
	if !ok {
		h = NewSecurityHub(region)
		h.setAggregator(o.aggregator)
		o.hubs[region] = h
	}
	return h
}

// Assumed returns how many times the member role of an account was
// assumed (sts:AssumeRole calls, failed ones included).
func (o *Org) Assumed(account string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.assumed[account]
}

// Member returns a member account's clients as engine.AWS does: the
// member role is assumed the first time (sts:AssumeRole, see Assumed) and
// its credentials kept for the account's later requests in any region. A
// failure is not kept: the next request assumes again. An
// account never created has no member role, and assuming it fails as AWS
// would.
func (o *Org) Member(ctx context.Context, partition, account, region string) (awsapi.Clients, error) {
	o.mu.Lock()
	a, ok := o.accounts[account]
	held := o.creds[account]
	if !held {
		o.assumed[account]++
	}
	o.mu.Unlock()
	if held {
		return a.Clients(region), nil
	}
	role := fmt.Sprintf("arn:%s:iam::%s:role/CIS_Remediator_Role", partition, account)
	err := o.STS.record(ctx, "STS", "", "AssumeRole")
	if err == nil && !ok {
		err = APIError("AccessDenied", "User: arn:%s:sts::%s:assumed-role/cisguard/cli is not authorized to perform: sts:AssumeRole on resource: %s", partition, o.Caller, role)
	}
	if err != nil {
		return nil, &cloud.AssumeError{Role: role, Err: err}
	}
	o.mu.Lock()
	o.creds[account] = true
	o.mu.Unlock()
	return a.Clients(region), nil
}

// Hub returns the administrator's Security Hub in a region.
func (o *Org) Hub(region string) hub.API { return o.SecurityHub(region) }

// SNS returns the administrator's SNS in a region.
func (o *Org) SNS(region string) awsapi.SNS { return o.Admin.SNS(region) }

// ManagementAccount returns the management account as DescribeOrganization
// tells it, "" outside an organization (AWSOrganizationsNotInUseException).
func (o *Org) ManagementAccount(ctx context.Context) (string, error) {
	if err := o.Log.record(ctx, "Organizations", "", "DescribeOrganization"); err != nil {
		return "", fmt.Errorf("organizations:DescribeOrganization: %w", err)
	}
	return o.Management, nil
}

// CallerAccount returns the account of the engine's credentials.
func (o *Org) CallerAccount(ctx context.Context) (string, error) {
	if err := o.Log.record(ctx, "STS", "", "GetCallerIdentity"); err != nil {
		return "", fmt.Errorf("sts:GetCallerIdentity: %w", err)
	}
	return o.Caller, nil
}

// ImportEvent puts the findings of an EventBridge event into the hub of the
// event's region (a bare ASFF array: each finding's Region), as Security
// Hub holds the findings it sends. An SQS batch imports each message body
// that is JSON.
func (o *Org) ImportEvent(data []byte) error {
	var env struct {
		Region  string `json:"region"`
		Records []struct {
			Body string `json:"body"`
		} `json:"Records"`
	}
	_ = json.Unmarshal(data, &env)
	if env.Records != nil {
		for _, r := range env.Records {
			if json.Valid([]byte(r.Body)) {
				if err := o.ImportEvent([]byte(r.Body)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	fs, err := ParseASFF(data)
	if err != nil {
		return err
	}
	for _, f := range fs {
		region := env.Region
		if region == "" {
			region = aws.ToString(f.Region)
		}
		o.SecurityHub(region).Import(f)
	}
	return nil
}

// Hold puts findings into the hub of their HubRegion as Security Hub holds
// them, for tests that build findings in Go rather than from an event: the
// ASFF fields cisguard reads, with the CIS id among the related requirements.
func (o *Org) Hold(fs ...finding.Finding) {
	for _, f := range fs {
		sf := types.AwsSecurityFinding{
			Id: aws.String(f.ID), ProductArn: aws.String(f.ProductARN), GeneratorId: aws.String(f.GeneratorID), Title: aws.String(f.Title),
			AwsAccountId: aws.String(f.Account), Region: aws.String(f.Region), CompanyName: aws.String(f.Company),
			ProductFields: map[string]string{finding.CompanyField: f.Company},
			RecordState:   types.RecordState(f.RecordState), Workflow: &types.Workflow{Status: types.WorkflowStatus(f.Workflow)},
			Compliance: &types.Compliance{Status: types.ComplianceStatus(f.Compliance), SecurityControlId: aws.String(f.SecurityControl),
				RelatedRequirements: []string{"CIS AWS Foundations Benchmark v1.4.0/" + f.CIS}},
			Resources: []types.Resource{{Type: aws.String(f.Resource.Type), Id: aws.String(f.Resource.ID), Partition: types.Partition(f.Resource.Partition),
				Region: aws.String(f.Resource.Region), Tags: f.Resource.Tags}},
		}
		if f.SecurityControl == "" {
			sf.Compliance.SecurityControlId = nil
		}
		o.SecurityHub(f.HubRegion).Import(sf)
	}
}

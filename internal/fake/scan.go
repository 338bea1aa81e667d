package fake

// What a scan reads beyond the remediations: the enabled regions, the
// account's KMS keys and the IAM credential report.

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// DefaultRegions are the regions AWS enables for every new account.
var DefaultRegions = []string{
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
	"ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

type regionState struct{ enabled []string }

func regionsOf(a *Account) *regionState {
	return stateOf(a, "regions", func() *regionState { return &regionState{enabled: slices.Clone(DefaultRegions)} })
}

// SetRegions sets the regions enabled for the account (DefaultRegions
// until set).
func (a *Account) SetRegions(regions ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	regionsOf(a).enabled = slices.Clone(regions)
}

// DescribeRegions lists the enabled regions; AllRegions is refused, as
// cisguard never needs the regions it cannot use.
func (e *EC2) DescribeRegions(ctx context.Context, in *ec2.DescribeRegionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error) {
	unlock, err := e.call(ctx, "DescribeRegions")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if aws.ToBool(in.AllRegions) || len(in.Filters) > 0 || len(in.RegionNames) > 0 {
		return nil, APIError("InvalidParameterValue", "the fake lists only the enabled regions (AllRegions false, no filter)")
	}
	out := &ec2.DescribeRegionsOutput{}
	for _, r := range regionsOf(e.a).enabled {
		out.Regions = append(out.Regions, ec2types.Region{RegionName: aws.String(r), Endpoint: aws.String("ec2." + r + ".amazonaws.com"), OptInStatus: aws.String("opt-in-not-required")})
	}
	return out, nil
}

// ListKeys lists the region's keys, AWS managed ones included, in pages of
// Limit (default 100).
func (k *KMS) ListKeys(ctx context.Context, in *kms.ListKeysInput, _ ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	unlock, err := k.call(ctx, "ListKeys")
	defer unlock()
	if err != nil {
		return nil, err
	}
	var all []kmstypes.KeyListEntry
	for _, x := range k.st().keys {
		all = append(all, kmstypes.KeyListEntry{KeyId: aws.String(x.ID), KeyArn: aws.String(x.ARN)})
	}
	items, next, err := page(all, in.Marker, aws.ToInt32(in.Limit), 100)
	if err != nil {
		return nil, err
	}
	return &kms.ListKeysOutput{Keys: items, NextMarker: next, Truncated: next != nil}, nil
}

// Credential report. IAM builds it asynchronously: the first
// GenerateCredentialReport starts it (STARTED) from the state at that
// moment, and it is COMPLETE from the next call on (the caller waited);
// GetCredentialReport before that fails with ReportInProgress (ReportNotPresent when none was
// started). As in AWS, a report is reused until it expires (four hours
// there; ExpireCredentialReport here), so it can be older than the state.

type credentialReport struct {
	content  []byte
	complete bool
	at       time.Time
}

func reportOf(a *Account) *credentialReport {
	return stateOf(a, "iam/credential-report", func() *credentialReport { return &credentialReport{} })
}

// CredentialReportTime is the generation time the fake reports; set it
// to the tests' clock.
var CredentialReportTime = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// ExpireCredentialReport forgets the generated report, as AWS does after
// four hours: the next GenerateCredentialReport builds a new one.
func (a *Account) ExpireCredentialReport() {
	a.mu.Lock()
	defer a.mu.Unlock()
	*reportOf(a) = credentialReport{}
}

// GenerateCredentialReport starts the report, or says it is complete.
func (f *IAM) GenerateCredentialReport(ctx context.Context, _ *iam.GenerateCredentialReportInput, _ ...func(*iam.Options)) (*iam.GenerateCredentialReportOutput, error) {
	unlock, err := f.call(ctx, "GenerateCredentialReport")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := reportOf(f.a)
	switch {
	case r.content == nil:
		r.content, r.at = f.report(), CredentialReportTime
		return &iam.GenerateCredentialReportOutput{State: iamtypes.ReportStateTypeStarted, Description: aws.String("No report exists. Starting a new report generation task")}, nil
	case !r.complete:
		r.complete = true // built while the caller waited
	}
	return &iam.GenerateCredentialReportOutput{State: iamtypes.ReportStateTypeComplete}, nil
}

// GetCredentialReport returns the CSV report once it is complete.
func (f *IAM) GetCredentialReport(ctx context.Context, _ *iam.GetCredentialReportInput, _ ...func(*iam.Options)) (*iam.GetCredentialReportOutput, error) {
	unlock, err := f.call(ctx, "GetCredentialReport")
	defer unlock()
	if err != nil {
		return nil, err
	}
	r := reportOf(f.a)
	switch {
	case r.content == nil:
		return nil, APIError("ReportNotPresent", "Credential report not present")
	case !r.complete:
		return nil, APIError("ReportInProgress", "Credential report is being generated")
	}
	return &iam.GetCredentialReportOutput{Content: slices.Clone(r.content), GeneratedTime: aws.Time(r.at), ReportFormat: iamtypes.ReportFormatTypeTextCsv}, nil
}

// report renders the credential report as IAM does: a header, the root
// user's row, then one row per user.
func (f *IAM) report() []byte {
	st := f.st()
	stamp := func(t *time.Time) string {
		if t == nil {
			return "N/A"
		}
		return t.UTC().Format("2006-01-02T15:04:05+00:00")
	}
	b := func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed", "password_next_rotation", "mfa_active",
		"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
		"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
		"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"})
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	root := []string{"<root_account>", "arn:" + f.a.Partition + ":iam::" + f.a.ID + ":root", stamp(&created), "not_supported", "no_information", "not_supported", "not_supported", b(st.rootMFA),
		b(st.rootAccessKeys), "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"}
	if st.rootAccessKeys {
		root[9] = stamp(&created)
	}
	_ = w.Write(root)
	for _, u := range st.users {
		row := []string{u.Name, u.ARN, stamp(&u.Created), b(u.Password != nil), "no_information", "N/A", "N/A", b(len(u.MFA) > 0)}
		if u.PasswordLastUsed != nil {
			row[4] = stamp(u.PasswordLastUsed)
		} else if u.Password == nil {
			row[4] = "N/A"
		}
		if u.Password != nil {
			row[5] = stamp(u.Password)
		}
		for i := 0; i < 2; i++ {
			if i >= len(u.AccessKeys) {
				row = append(row, "false", "N/A", "N/A", "N/A", "N/A")
				continue
			}
			k := u.AccessKeys[i]
			used, region, service := "N/A", "N/A", "N/A"
			if k.LastUsed != nil {
				used, region, service = stamp(k.LastUsed), "us-east-1", "s3"
			}
			created := k.Created
			row = append(row, b(k.Status == "" || k.Status == iamtypes.StatusTypeActive), stamp(&created), used, region, service)
		}
		row = append(row, "false", "N/A", "false", "N/A")
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// AddAWSManagedPolicy seeds an AWS managed policy (AdministratorAccess)
// as IAM holds it, so that GetPolicy and GetPolicyVersion answer for it
// and ListPolicies lists it under Scope AWS; returns its ARN. In AWS they
// all exist; the fake holds those a test seeds.
func (a *Account) AddAWSManagedPolicy(name, document string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := &Policy{Name: name, ARN: "arn:" + a.Partition + ":iam::aws:policy/" + name, Versions: map[string]string{}}
	p.addVersion(document, true)
	iamOf(a).policies = append(iamOf(a).policies, p)
	return p.ARN
}

// ListPolicies lists managed policies by Scope (Local: the account's own,
// AWS: AWS managed ones seeded with AddAWSManagedPolicy, All: both),
// attached ones only with OnlyAttached, in pages.
func (f *IAM) ListPolicies(ctx context.Context, in *iam.ListPoliciesInput, _ ...func(*iam.Options)) (*iam.ListPoliciesOutput, error) {
	unlock, err := f.call(ctx, "ListPolicies")
	defer unlock()
	if err != nil {
		return nil, err
	}
	scope := in.Scope
	if scope == "" {
		scope = iamtypes.PolicyScopeTypeAll
	}
	st := f.st()
	var all []iamtypes.Policy
	for _, p := range st.policies {
		if managed := awsManagedPolicy(p.ARN); managed && scope == iamtypes.PolicyScopeTypeLocal || !managed && scope == iamtypes.PolicyScopeTypeAws {
			continue
		}
		g, u, r := st.attachments(p.ARN)
		n := len(g) + len(u) + len(r)
		if in.OnlyAttached && n == 0 {
			continue
		}
		all = append(all, iamtypes.Policy{PolicyName: aws.String(p.Name), Arn: aws.String(p.ARN), DefaultVersionId: aws.String(p.Default), AttachmentCount: aws.Int32(int32(n)), IsAttachable: true})
	}
	items, next, err := iamPage(st, all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iam.ListPoliciesOutput{Policies: items, Marker: next, IsTruncated: next != nil}, nil
}

package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/hub"
)

// GeneratorPrefix starts the GeneratorId of every finding cisguard
// imports; the recommendation id follows.
const GeneratorPrefix = "cisguard/cis-aws-foundations-benchmark/v/1.4.0/"

// findingType is the ASFF type of a benchmark check.
const findingType = "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"

// ProductARN is the default product of an account in a region: the only
// product under which the account may import its own findings.
func ProductARN(partition, account, region string) string {
	if partition == "" {
		partition = "aws"
	}
	return fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition, region, account, account)
}

// FindingID is a result's stable finding id: the same recommendation,
// account, region and resource give the same id in every scan, so an
// import updates the finding of the last one.
func FindingID(r Result) string {
	sum := sha256.Sum256([]byte(r.Key()))
	return fmt.Sprintf("cisguard/%s/%s/%s/%s", r.CIS, r.Account, r.Region, hex.EncodeToString(sum[:12]))
}

// compliance maps a status to ASFF's; ERROR has none: it is not imported.
var compliance = map[Status]shtypes.ComplianceStatus{
	controls.Pass:          shtypes.ComplianceStatusPassed,
	controls.Fail:          shtypes.ComplianceStatusFailed,
	controls.Manual:        shtypes.ComplianceStatusWarning,
	controls.NotApplicable: shtypes.ComplianceStatusNotAvailable,
}

// Finding returns a result as an ASFF finding, and false for an ERROR
// result, which says nothing about compliance and is not imported.
func Finding(r Result, now time.Time) (shtypes.AwsSecurityFinding, bool) {
	status, ok := compliance[r.Status]
	if !ok {
		return shtypes.AwsSecurityFinding{}, false
	}
	rec, _ := catalog.Lookup(r.CIS)
	title := r.CIS + " " + rec.Title
	severity := shtypes.SeverityLabelInformational
	switch r.Status {
	case controls.Fail:
		severity = shtypes.SeverityLabelMedium
		if rec.Level == 1 {
			severity = shtypes.SeverityLabelHigh
		}
	case controls.Manual:
		severity = shtypes.SeverityLabelLow
	}
	typ := r.Target.Type
	if typ == "" {
		typ = "AwsAccount"
	}
	id := r.Resource
	if id == "" {
		id = "AWS::::Account:" + r.Account
	}
	stamp := now.UTC().Format(time.RFC3339)
	f := shtypes.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"),
		Id:            aws.String(FindingID(r)),
		ProductArn:    aws.String(ProductARN(r.Partition, r.Account, r.Region)),
		GeneratorId:   aws.String(GeneratorPrefix + r.CIS),
		AwsAccountId:  aws.String(r.Account),
		Region:        aws.String(r.Region),
		Types:         []string{findingType},
		CreatedAt:     aws.String(stamp),
		UpdatedAt:     aws.String(stamp),
		Severity:      &shtypes.Severity{Label: severity},
		Title:         aws.String(hub.Truncate(title, 256)),
		Description:   aws.String(hub.Truncate(r.Reason, 1024)),
		Compliance:    &shtypes.Compliance{Status: status},
		Resources:     []shtypes.Resource{{Type: aws.String(typ), Id: aws.String(id), Partition: shtypes.Partition(r.Partition), Region: aws.String(r.Region)}},
		RecordState:   shtypes.RecordStateActive,
		ProductFields: map[string]string{"ProviderName": "cisguard", "cisguard/status": string(r.Status)},
	}
	if r.Partition == "" {
		f.Resources[0].Partition = shtypes.PartitionAws
	}
	if len(r.Remediation) > 0 {
		f.Remediation = &shtypes.Remediation{Recommendation: &shtypes.Recommendation{Text: aws.String(hub.Truncate("cisguard would: "+strings.Join(r.Remediation, "; "), 512))}}
	}
	return f, true
}

// ASFFJSON writes the findings that --import-findings sends, as
// {"Findings": [...]} (ERROR results left out).
func ASFFJSON(w io.Writer, r *Report) error {
	fs := []shtypes.AwsSecurityFinding{}
	for _, x := range r.Results {
		if f, ok := Finding(x, r.Started); ok {
			fs = append(fs, f)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"Findings": fs})
}

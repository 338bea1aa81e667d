package finding

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// CompanyField is the product field in which Security Hub names the company
// of the product that produced a finding ("AWS" for its own controls).
const CompanyField = "aws/securityhub/CompanyName"

// FromSecurityHub maps Security Hub's own copy of a finding, as GetFindings
// returns it, to a Finding, with the same rules as Decode. hubRegion is the
// region it was read in; the result is marked Confirmed. Trigger and
// Message are the caller's to set (they belong to the event).
func FromSecurityHub(f types.AwsSecurityFinding, hubRegion string) (Finding, error) {
	a := asff{
		ID:            aws.ToString(f.Id),
		ProductArn:    aws.ToString(f.ProductArn),
		GeneratorID:   aws.ToString(f.GeneratorId),
		AwsAccount:    aws.ToString(f.AwsAccountId),
		Region:        aws.ToString(f.Region),
		Title:         aws.ToString(f.Title),
		UpdatedAt:     aws.ToString(f.UpdatedAt),
		RecordState:   string(f.RecordState),
		WorkflowState: string(f.WorkflowState),
		ProductFields: f.ProductFields,
	}
	if f.Workflow != nil {
		a.Workflow.Status = string(f.Workflow.Status)
	}
	if c := f.Compliance; c != nil {
		a.Compliance.Status = string(c.Status)
		a.Compliance.SecurityControlID = aws.ToString(c.SecurityControlId)
		a.Compliance.RelatedRequirements = c.RelatedRequirements
	}
	for _, r := range f.Resources {
		a.Resources = append(a.Resources, asffResource{
			Type: aws.ToString(r.Type), ID: aws.ToString(r.Id), Partition: string(r.Partition), Region: aws.ToString(r.Region), Tags: r.Tags,
		})
	}
	d, err := build(a)
	d.HubRegion, d.Confirmed = hubRegion, true
	return d.Finding, err
}

// Package finding decodes Security Hub findings from the shapes they arrive
// in (an EventBridge event, a bare ASFF array, an SQS batch wrapping either)
// into Finding values that name the CIS recommendation, the account, the
// region and the resource to work on.
package finding

import (
	"strings"
	"time"
)

// Trigger says how a finding reached cisguard; it decides whether the
// workflow status is respected.
type Trigger string

const (
	// Imported: Security Hub's automatic "Findings - Imported" event.
	Imported Trigger = "imported"
	// CustomAction: a person chose the findings in the Security Hub console.
	CustomAction Trigger = "custom-action"
	// Direct: a bare ASFF array given on the command line.
	Direct Trigger = "direct"
	// Scan: a resource cisguard's own scan found failing (scan
	// --remediate); there is no Security Hub finding behind it.
	Scan Trigger = "scan"
)

// Finding is one Security Hub finding, reduced to what cisguard acts on.
type Finding struct {
	ID         string `json:"id"`
	ProductARN string `json:"productArn"`
	// Company is ProductFields."aws/securityhub/CompanyName": "AWS" on
	// Security Hub's own findings.
	Company     string `json:"company,omitempty"`
	GeneratorID string `json:"generatorId"`
	Title       string `json:"title"`
	// Account is the member account the finding is about (AwsAccountId).
	Account string `json:"account"`
	// Region is where the resource lives: Resources[0].Region, else the
	// finding's Region.
	Region string `json:"region"`
	// HubRegion is where the finding is updated: the event's region (the
	// aggregation region) or, for a bare finding, the finding's Region.
	HubRegion string `json:"hubRegion"`
	Partition string `json:"partition"`
	// SecurityControl is Compliance.SecurityControlId (EC2.2, …).
	SecurityControl string `json:"securityControl,omitempty"`
	// CIS is the CIS v1.4.0 id (5.3, 2.1.5.1, …), empty when the finding is
	// about no recommendation cisguard knows.
	CIS         string    `json:"cis,omitempty"`
	Compliance  string    `json:"compliance"`
	RecordState string    `json:"recordState"`
	Workflow    string    `json:"workflow"`
	UpdatedAt   time.Time `json:"updatedAt"`
	Resource    Resource  `json:"resource"`
	Trigger     Trigger   `json:"trigger"`
	// Confirmed is true when the fields are Security Hub's own copy of the
	// finding (read with GetFindings), false when they are the event's.
	Confirmed bool `json:"confirmed"`
	// Message is the SQS message id the finding came in, if any, so that a
	// Lambda can report partial batch failures.
	Message string `json:"message,omitempty"`
	// Err is set when the finding itself is malformed; the rest of the
	// event is still handled.
	Err error `json:"-"`
}

// Resource is the first resource of a finding.
type Resource struct {
	Type      string            `json:"type"`
	ID        string            `json:"id"`
	Partition string            `json:"partition,omitempty"`
	Region    string            `json:"region,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
}

// Name returns the short name of the resource: the last segment of an ARN
// (sg-0123…, acl-0123…, a bucket or a user name), or the id as given.
func (r Resource) Name() string {
	id := r.ID
	if strings.HasPrefix(id, "AWS::::Account:") {
		return strings.TrimPrefix(id, "AWS::::Account:")
	}
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	// arn:partition:service:region:account:resource
	parts := strings.SplitN(id, ":", 6)
	if len(parts) < 6 {
		return id
	}
	res := parts[5]
	if i := strings.LastIndexAny(res, "/:"); i >= 0 {
		return res[i+1:]
	}
	return res
}

// IsAccount reports whether the finding is about the account as a whole
// (password policy, EBS default encryption, CloudTrail, …).
func (r Resource) IsAccount() bool {
	return r.Type == "AwsAccount" || strings.HasPrefix(r.ID, "AWS::::Account:")
}

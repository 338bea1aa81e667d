package finding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cisguard/cisguard/internal/catalog"
)

// Detail types of the EventBridge events Security Hub sends.
const (
	DetailImported     = "Security Hub Findings - Imported"
	DetailCustomAction = "Security Hub Findings - Custom Action"
)

// ErrNoFindings is returned when well-formed input holds no finding.
var ErrNoFindings = errors.New("no findings in input")

// Decode reads findings from data: an EventBridge event of either Security
// Hub detail type, a bare ASFF findings array (or {"Findings": [...]} as
// GetFindings returns it), or an SQS batch ({"Records": [...]}) whose
// message bodies hold any of those.
//
// Decode fails only when the input as a whole is unusable: not JSON, not
// one of those shapes, or without a single finding. A malformed finding
// inside a good event is returned with Err set, so it fails alone.
func Decode(data []byte) ([]Finding, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("empty input")
	}
	fs, err := decode(data, "")
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, ErrNoFindings
	}
	return fs, nil
}

// envelope has the fields of every accepted top-level shape. The findings
// stay raw so that each is decoded once, and fails alone.
type envelope struct {
	DetailType string `json:"detail-type"`
	Region     string `json:"region"`
	Detail     *struct {
		Findings json.RawMessage `json:"findings"`
	} `json:"detail"`
	Records  []sqsRecord     `json:"Records"`
	Findings json.RawMessage `json:"Findings"`
}

type sqsRecord struct {
	MessageID   string `json:"messageId"`
	Body        string `json:"body"`
	EventSource string `json:"eventSource"`
}

// syntax turns a JSON syntax error into the message a user needs.
func syntax(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("input is not valid JSON")
	}
	return err
}

func decode(data []byte, message string) ([]Finding, error) {
	if data[0] == '[' {
		return decodeArray(data, Direct, "", message)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		if err = syntax(err); err.Error() == "input is not valid JSON" {
			return nil, err
		}
		return nil, fmt.Errorf("input is neither an event, an SQS batch nor a findings array: %w", err)
	}
	switch {
	case env.Records != nil:
		if message != "" {
			return nil, errors.New("SQS message body is itself an SQS batch")
		}
		return decodeSQS(env.Records)
	case env.DetailType != "":
		var trigger Trigger
		switch env.DetailType {
		case DetailImported:
			trigger = Imported
		case DetailCustomAction:
			trigger = CustomAction
		default:
			return nil, fmt.Errorf("event detail-type %q is not a Security Hub findings event", env.DetailType)
		}
		if env.Detail == nil {
			return nil, errors.New("event has no detail")
		}
		if len(env.Detail.Findings) == 0 {
			return nil, errors.New("event detail has no findings")
		}
		return decodeArray(env.Detail.Findings, trigger, env.Region, message)
	case env.Findings != nil:
		return decodeArray(env.Findings, Direct, "", message)
	default:
		return nil, errors.New("input is neither an EventBridge event, an SQS batch nor a findings array")
	}
}

func decodeSQS(records []sqsRecord) ([]Finding, error) {
	var all []Finding
	for i, r := range records {
		if r.EventSource != "" && r.EventSource != "aws:sqs" {
			return nil, fmt.Errorf("record %d: event source %q is not aws:sqs", i, r.EventSource)
		}
		id := r.MessageID
		if id == "" {
			id = fmt.Sprintf("record-%d", i)
		}
		var fs []Finding
		var err error
		if body := bytes.TrimSpace([]byte(r.Body)); len(body) == 0 {
			err = errors.New("message body is empty")
		} else {
			fs, err = decode(body, id)
		}
		if err != nil {
			if err.Error() == "input is not valid JSON" {
				err = errors.New("message body is not valid JSON")
			}
			// One bad message must not sink the batch: it becomes a failed
			// pseudo-finding so the Lambda reports that message as failed.
			all = append(all, Finding{Message: id, Err: fmt.Errorf("SQS message %s: %w", id, err)})
			continue
		}
		all = append(all, fs...)
	}
	return all, nil
}

func decodeArray(data json.RawMessage, trigger Trigger, eventRegion, message string) ([]Finding, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		if err = syntax(err); err.Error() == "input is not valid JSON" {
			return nil, err
		}
		return nil, fmt.Errorf("findings are not an array: %w", err)
	}
	fs := make([]Finding, 0, len(raws))
	for i, raw := range raws {
		f, err := decodeOne(raw)
		if err != nil {
			f.Err = fmt.Errorf("finding %d: %w", i, err)
		}
		f.Trigger, f.Message = trigger, message
		f.HubRegion = eventRegion
		if f.HubRegion == "" {
			f.HubRegion = f.findingRegion
		}
		fs = append(fs, f.Finding)
	}
	return fs, nil
}

// asff holds the fields of the AWS Security Finding Format that cisguard
// reads. It is filled from JSON (an event) or from the SDK's typed finding
// (Security Hub's own copy, see FromSecurityHub); both become a Finding
// through the same mapping, build.
type asff struct {
	ID          string `json:"Id"`
	ProductArn  string `json:"ProductArn"`
	GeneratorID string `json:"GeneratorId"`
	AwsAccount  string `json:"AwsAccountId"`
	Region      string `json:"Region"`
	Title       string `json:"Title"`
	UpdatedAt   string `json:"UpdatedAt"`
	RecordState string `json:"RecordState"`
	Workflow    struct {
		Status string `json:"Status"`
	} `json:"Workflow"`
	WorkflowState string `json:"WorkflowState"`
	Compliance    struct {
		Status              string   `json:"Status"`
		SecurityControlID   string   `json:"SecurityControlId"`
		RelatedRequirements []string `json:"RelatedRequirements"`
	} `json:"Compliance"`
	ProductFields map[string]string `json:"ProductFields"`
	Resources     []asffResource    `json:"Resources"`
}

type asffResource struct {
	Type      string            `json:"Type"`
	ID        string            `json:"Id"`
	Partition string            `json:"Partition"`
	Region    string            `json:"Region"`
	Tags      map[string]string `json:"Tags"`
}

type decoded struct {
	Finding
	findingRegion string
}

var accountID = regexp.MustCompile(`^\d{12}$`)

func decodeOne(raw json.RawMessage) (decoded, error) {
	var a asff
	if err := json.Unmarshal(raw, &a); err != nil {
		return decoded{}, fmt.Errorf("not an ASFF finding: %w", err)
	}
	return build(a)
}

// build maps the ASFF fields to a Finding and checks that it is usable.
func build(a asff) (decoded, error) {
	d := decoded{findingRegion: a.Region}
	f := &d.Finding
	f.ID, f.ProductARN, f.GeneratorID, f.Title = a.ID, a.ProductArn, a.GeneratorID, a.Title
	f.Company = a.ProductFields[CompanyField]
	f.Account, f.Region = a.AwsAccount, a.Region
	f.Compliance, f.RecordState = a.Compliance.Status, a.RecordState
	f.Workflow = a.Workflow.Status
	if f.Workflow == "" {
		f.Workflow = a.WorkflowState // deprecated field, still sent
	}
	f.SecurityControl = a.Compliance.SecurityControlID
	if t, err := time.Parse(time.RFC3339Nano, a.UpdatedAt); err == nil {
		f.UpdatedAt = t
	}
	if len(a.Resources) > 0 {
		r := a.Resources[0]
		f.Resource = Resource{Type: r.Type, ID: r.ID, Partition: r.Partition, Region: r.Region, Tags: r.Tags}
		if r.Region != "" {
			f.Region = r.Region
		}
	}
	// The product's partition is Security Hub's own: the member role is
	// assumed there, and the resource must be in the same one.
	f.Partition = PartitionOf(a.ProductArn)
	if f.Partition == "" {
		f.Partition = f.Resource.Partition
	}
	if f.Partition == "" {
		f.Partition = "aws"
	}
	f.CIS = cisID(a)

	switch {
	case f.ID == "":
		return d, errors.New("no Id")
	case f.ProductARN == "":
		return d, fmt.Errorf("%s: no ProductArn", f.ID)
	case !accountID.MatchString(f.Account):
		return d, fmt.Errorf("%s: AwsAccountId %q is not a 12-digit account id", f.ID, f.Account)
	case f.Region == "":
		return d, fmt.Errorf("%s: no Region", f.ID)
	case len(a.Resources) == 0:
		return d, fmt.Errorf("%s: no Resources", f.ID)
	}
	return d, nil
}

// PartitionOf returns the partition field of an ARN, "" when s is not one.
func PartitionOf(s string) string {
	if p := strings.SplitN(s, ":", 3); len(p) == 3 && p[0] == "arn" {
		return p[1]
	}
	return ""
}

const (
	cis140Prefix   = "cis-aws-foundations-benchmark/v/1.4.0/"
	cis140Standard = "CIS AWS Foundations Benchmark v1.4.0/"
	controlPrefix  = "security-control/"
)

// shControl matches a Security Hub control id (EC2.2, CloudWatch.14).
var shControl = regexp.MustCompile(`^[A-Za-z0-9]+\.\d+$`)

// cisID names the CIS v1.4.0 recommendation a finding is about.
//
// Compliance.SecurityControlId is authoritative where present: it is set on
// standard-specific and consolidated findings and on findings of other
// standards about the same control. When it maps to several
// recommendations (CloudWatch.1 is 4.3 and 1.7) the CIS id the finding
// names (GeneratorId first, then RelatedRequirements) picks one. Without it
// the GeneratorId is read in both forms, and, for other standards, its last
// segment when that is a Security Hub control id.
func cisID(a asff) string {
	named := generatorCIS(a.GeneratorID)
	control := a.Compliance.SecurityControlID
	if control == "" {
		if rest, ok := strings.CutPrefix(a.GeneratorID, controlPrefix); ok {
			control = rest
		} else if named == "" {
			if i := strings.LastIndex(a.GeneratorID, "/"); i >= 0 && shControl.MatchString(a.GeneratorID[i+1:]) {
				control = a.GeneratorID[i+1:]
			}
		}
	}
	ids := catalog.ForSecurityHub(control)
	if len(ids) == 0 {
		return named
	}
	if slices.Contains(ids, named) {
		return named
	}
	for _, id := range ids {
		if slices.Contains(a.Compliance.RelatedRequirements, cis140Standard+id) {
			return id
		}
	}
	return ids[0]
}

// generatorCIS is the CIS v1.4.0 id a standard-specific GeneratorId names.
func generatorCIS(generator string) string {
	if i := strings.Index(generator, cis140Prefix); i >= 0 {
		if id := generator[i+len(cis140Prefix):]; catalog.IsControl(id) {
			return id
		}
	}
	return ""
}

package bridge

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Security Hub: moto 5.2.5 stores imported findings but its GetFindings
// returns every finding whatever the filters say, and it has no
// BatchUpdateFindings at all. cisguard reads findings back by Id (to
// confirm an event's findings) and moves them to RESOLVED or NOTIFIED, so
// the proxy implements both on moto's store: GetFindings fetches moto's
// findings of the caller's account and region and applies AWS's string
// filter semantics; BatchUpdateFindings changes Workflow and Note and
// writes the finding back with BatchImportFindings (which replaces it in
// moto). Filters the proxy does not implement are refused, never ignored.

// findingFields maps a GetFindings string filter to where its value is in
// a finding (a path through objects; a list on the way yields every
// element).
var findingFields = map[string][]string{
	"Id":                              {"Id"},
	"ProductArn":                      {"ProductArn"},
	"ProductName":                     {"ProductName"},
	"CompanyName":                     {"CompanyName"},
	"AwsAccountId":                    {"AwsAccountId"},
	"Region":                          {"Region"},
	"GeneratorId":                     {"GeneratorId"},
	"Title":                           {"Title"},
	"RecordState":                     {"RecordState"},
	"WorkflowState":                   {"WorkflowState"},
	"WorkflowStatus":                  {"Workflow", "Status"},
	"ComplianceStatus":                {"Compliance", "Status"},
	"ComplianceSecurityControlId":     {"Compliance", "SecurityControlId"},
	"ComplianceAssociatedStandardsId": {"Compliance", "AssociatedStandards", "StandardsId"},
	"SeverityLabel":                   {"Severity", "Label"},
	"ResourceId":                      {"Resources", "Id"},
	"ResourceType":                    {"Resources", "Type"},
}

type stringFilter struct {
	Value      string
	Comparison string
}

func (p *Proxy) getFindings(w http.ResponseWriter, r *request) {
	var in struct {
		Filters    map[string]json.RawMessage
		MaxResults int
		NextToken  string
	}
	if err := json.Unmarshal(r.body, &in); err != nil && len(r.body) > 0 {
		writeError(w, r, http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	filters := map[string][]stringFilter{}
	for key, raw := range in.Filters {
		if _, ok := findingFields[key]; !ok {
			writeError(w, r, http.StatusNotImplemented, "BridgeUnsupported",
				"test bridge: GetFindings filter "+key+" is not implemented (add it to findingFields in test/bridge/securityhub.go)")
			return
		}
		var fs []stringFilter
		if err := json.Unmarshal(raw, &fs); err != nil {
			writeError(w, r, http.StatusBadRequest, "InvalidInputException", "filter "+key+": "+err.Error())
			return
		}
		filters[key] = fs
	}
	all, err := p.allFindings(r)
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BridgeError", err.Error())
		return
	}
	var matched []map[string]any
	for _, f := range all {
		if matches(f, filters) {
			matched = append(matched, f)
		}
	}
	limit := in.MaxResults
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	start, _ := strconv.Atoi(in.NextToken)
	start = min(start, len(matched))
	end := min(start+limit, len(matched))
	out := map[string]any{"Findings": append([]map[string]any{}, matched[start:end]...)}
	if end < len(matched) {
		out["NextToken"] = strconv.Itoa(end)
	}
	writeJSON(w, out)
}

// allFindings reads every finding of the caller's account and region
// from moto, page by page.
func (p *Proxy) allFindings(r *request) ([]map[string]any, error) {
	var all []map[string]any
	token := ""
	for {
		req := map[string]any{"MaxResults": 100}
		if token != "" {
			req["NextToken"] = token
		}
		var page struct {
			Findings  []map[string]any
			NextToken string
		}
		if err := p.motoJSON(r, http.MethodPost, "/findings", req, &page); err != nil {
			return nil, fmt.Errorf("read findings from moto: %w", err)
		}
		all = append(all, page.Findings...)
		if page.NextToken == "" {
			return all, nil
		}
		token = page.NextToken
	}
}

// matches applies AWS's rules: filters on different fields must all hold;
// of one field's filters, the positive ones (EQUALS, PREFIX, CONTAINS) are
// joined by OR and the negative ones (NOT_EQUALS, PREFIX_NOT_EQUALS,
// NOT_CONTAINS) by AND.
func matches(f map[string]any, filters map[string][]stringFilter) bool {
	for key, fs := range filters {
		values := lookup(f, findingFields[key])
		anyPositive, positive := false, false
		for _, flt := range fs {
			switch flt.Comparison {
			case "EQUALS", "PREFIX", "CONTAINS", "":
				anyPositive = true
				for _, v := range values {
					if compare(v, flt) {
						positive = true
					}
				}
			default: // negative: no value may match the positive form
				for _, v := range values {
					if !compare(v, flt) {
						return false
					}
				}
			}
		}
		if anyPositive && !positive {
			return false
		}
	}
	return true
}

// compare says whether one value passes one filter.
func compare(v string, f stringFilter) bool {
	switch f.Comparison {
	case "EQUALS", "":
		return v == f.Value
	case "NOT_EQUALS":
		return v != f.Value
	case "PREFIX":
		return strings.HasPrefix(v, f.Value)
	case "PREFIX_NOT_EQUALS":
		return !strings.HasPrefix(v, f.Value)
	case "CONTAINS":
		return strings.Contains(v, f.Value)
	case "NOT_CONTAINS":
		return !strings.Contains(v, f.Value)
	}
	return false
}

// lookup returns the string values at a path in a finding.
func lookup(v any, path []string) []string {
	if len(path) == 0 {
		if s, ok := v.(string); ok {
			return []string{s}
		}
		return nil
	}
	switch v := v.(type) {
	case map[string]any:
		return lookup(v[path[0]], path[1:])
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, lookup(e, path)...)
		}
		return out
	}
	return nil
}

func (p *Proxy) batchUpdateFindings(w http.ResponseWriter, r *request) {
	var in struct {
		FindingIdentifiers []struct{ Id, ProductArn string }
		Note               *struct{ Text, UpdatedBy string }
		Workflow           *struct{ Status string }
	}
	var rest map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &in); err != nil {
		writeError(w, r, http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	json.Unmarshal(r.body, &rest)
	for k := range rest {
		switch k {
		case "FindingIdentifiers", "Note", "Workflow":
		default:
			writeError(w, r, http.StatusNotImplemented, "BridgeUnsupported", "test bridge: BatchUpdateFindings of "+k+" is not implemented")
			return
		}
	}
	if in.Note != nil && (in.Note.Text == "" || in.Note.UpdatedBy == "") {
		writeError(w, r, http.StatusBadRequest, "InvalidInputException", "Note requires Text and UpdatedBy")
		return
	}
	if in.Workflow != nil {
		switch in.Workflow.Status {
		case "NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED":
		default:
			writeError(w, r, http.StatusBadRequest, "InvalidInputException", "invalid Workflow.Status "+in.Workflow.Status)
			return
		}
	}
	all, err := p.allFindings(r)
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BridgeError", err.Error())
		return
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	processed := []map[string]string{}
	unprocessed := []map[string]any{}
	var changed []map[string]any
	seen := map[string]bool{}
	for _, id := range in.FindingIdentifiers {
		ident := map[string]string{"Id": id.Id, "ProductArn": id.ProductArn}
		key := id.Id + "\x00" + id.ProductArn
		if seen[key] {
			unprocessed = append(unprocessed, map[string]any{"FindingIdentifier": ident, "ErrorCode": "DuplicatedFindingIdentifier", "ErrorMessage": "Finding Identifier is duplicated"})
			continue
		}
		seen[key] = true
		var f map[string]any
		for _, c := range all {
			if c["Id"] == id.Id && c["ProductArn"] == id.ProductArn {
				f = c
			}
		}
		if f == nil {
			unprocessed = append(unprocessed, map[string]any{"FindingIdentifier": ident, "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"})
			continue
		}
		if in.Workflow != nil {
			f["Workflow"] = map[string]any{"Status": in.Workflow.Status}
		}
		if in.Note != nil {
			f["Note"] = map[string]any{"Text": in.Note.Text, "UpdatedBy": in.Note.UpdatedBy, "UpdatedAt": now}
		}
		f["UpdatedAt"] = now
		changed = append(changed, f)
		processed = append(processed, ident)
	}
	if len(changed) > 0 {
		var res struct{ FailedCount int }
		if err := p.motoJSON(r, http.MethodPost, "/findings/import", map[string]any{"Findings": changed}, &res); err != nil || res.FailedCount > 0 {
			writeError(w, r, http.StatusInternalServerError, "InternalException", fmt.Sprintf("test bridge: write findings back to moto: %v (%d failed)", err, res.FailedCount))
			return
		}
	}
	writeJSON(w, map[string]any{"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})
}

// motoJSON makes a REST JSON call to moto's Security Hub with the
// caller's headers (so moto picks the caller's account and region).
func (p *Proxy) motoJSON(r *request, method, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	h := http.Header{}
	for _, k := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
		if v := r.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	h.Set("Content-Type", "application/json")
	resp, err := p.send(method, path, "", h, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %.300s", method, path, resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

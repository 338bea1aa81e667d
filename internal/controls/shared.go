package controls

// Helpers shared by several sections: policy documents and buckets.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

// policyDocument is an IAM or resource policy. Statements are kept as
// generic maps so that merging preserves every field cisguard does not
// interpret.
type policyDocument struct {
	Version   string           `json:"Version"`
	ID        string           `json:"Id,omitempty"`
	Statement []map[string]any `json:"Statement"`
}

// parsePolicy reads a policy document, URL-encoded (as IAM returns them)
// or not, with Statement as a list or a single object. "" is an empty
// policy.
func parsePolicy(doc string) (*policyDocument, error) {
	if doc == "" {
		return &policyDocument{Version: "2012-10-17"}, nil
	}
	if strings.HasPrefix(doc, "%7B") || strings.HasPrefix(doc, "%7b") {
		if d, err := url.QueryUnescape(doc); err == nil {
			doc = d
		}
	}
	var raw struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, fmt.Errorf("policy is not valid JSON: %w", err)
	}
	p := &policyDocument{Version: raw.Version, ID: raw.ID}
	if len(raw.Statement) > 0 && raw.Statement[0] == '{' {
		var one map[string]any
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, fmt.Errorf("policy statement: %w", err)
		}
		p.Statement = []map[string]any{one}
	} else if len(raw.Statement) > 0 {
		if err := json.Unmarshal(raw.Statement, &p.Statement); err != nil {
			return nil, fmt.Errorf("policy statements: %w", err)
		}
	}
	if p.Version == "" {
		p.Version = "2012-10-17"
	}
	return p, nil
}

// upsert adds a statement, or replaces the one with the same Sid; it
// reports whether the document changed.
func (p *policyDocument) upsert(stmt map[string]any) bool {
	sid, _ := stmt["Sid"].(string)
	// Compare through JSON so that a statement read back from AWS equals
	// the one cisguard would write.
	norm := func(v any) any {
		b, _ := json.Marshal(v)
		var out any
		_ = json.Unmarshal(b, &out)
		return out
	}
	for i, s := range p.Statement {
		if id, _ := s["Sid"].(string); id != "" && id == sid {
			if reflect.DeepEqual(norm(s), norm(stmt)) {
				return false
			}
			p.Statement[i] = stmt
			return true
		}
	}
	p.Statement = append(p.Statement, stmt)
	return true
}

// String renders the document as compact JSON.
func (p *policyDocument) String() string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // only maps of JSON values: cannot fail
	}
	return string(b)
}

// strings returns a statement field that may be a string or a list of
// strings (Action, Resource, Principal.AWS …) as a list.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	return nil
}

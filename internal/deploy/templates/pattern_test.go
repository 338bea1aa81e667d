package templates

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cisguard/cisguard/internal/catalog"
)

// No EventBridge pattern library for Go is served by the module proxy here
// (quamina is not), so this file carries a matcher for exactly the pattern
// features the templates use: nested objects, arrays of exact string
// values and of prefix and suffix matches, and $or. It follows
// EventBridge's documented semantics: every
// field named in the pattern must be present; an array in the event
// matches when any of its elements does, and the fields of array elements
// are flattened, so two fields of a pattern may be satisfied by two
// different elements of an event's array. Anything else in a pattern
// fails the test, so a new operator in a template cannot go unchecked.
// The e2e suite checks the same patterns with EventBridge's own
// TestEventPattern where an endpoint offers it.

// flatten maps each dotted path of an event to every scalar found there,
// descending through arrays the way EventBridge does.
func flatten(v any, prefix string, out map[string][]any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(x, p, out)
		}
	case []any:
		for _, x := range v {
			flatten(x, prefix, out)
		}
	default:
		out[prefix] = append(out[prefix], v)
	}
}

// matches reports whether an event matches a pattern.
func matches(pattern map[string]any, event any) (bool, error) {
	flat := map[string][]any{}
	flatten(event, "", flat)
	return matchAt(pattern, "", flat)
}

func matchAt(pattern map[string]any, prefix string, flat map[string][]any) (bool, error) {
	for k, v := range pattern {
		if k == "$or" {
			branches, ok := v.([]any)
			if !ok || len(branches) < 2 {
				return false, fmt.Errorf("$or at %q: want an array of at least two patterns", prefix)
			}
			matched := false
			for _, b := range branches {
				bm, ok := b.(map[string]any)
				if !ok {
					return false, fmt.Errorf("$or at %q: branch is not an object", prefix)
				}
				ok, err := matchAt(bm, prefix, flat)
				if err != nil {
					return false, err
				}
				matched = matched || ok
			}
			if !matched {
				return false, nil
			}
			continue
		}
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		switch v := v.(type) {
		case map[string]any:
			ok, err := matchAt(v, path, flat)
			if err != nil || !ok {
				return false, err
			}
		case []any:
			ok, err := matchValues(v, flat[path], path)
			if err != nil || !ok {
				return false, err
			}
		default:
			return false, fmt.Errorf("pattern field %q: want an object or an array, got %T", path, v)
		}
	}
	return true, nil
}

// matchValues reports whether any allowed value matches any event value:
// an exact string, or {"prefix": s} / {"suffix": s} on a string.
func matchValues(allowed, values []any, path string) (bool, error) {
	for _, a := range allowed {
		match, err := valueMatcher(a, path)
		if err != nil {
			return false, err
		}
		for _, v := range values {
			if s, ok := v.(string); ok && match(s) {
				return true, nil
			}
		}
	}
	return false, nil
}

func valueMatcher(a any, path string) (func(string) bool, error) {
	switch a := a.(type) {
	case string:
		return func(s string) bool { return s == a }, nil
	case map[string]any:
		if len(a) == 1 {
			for op, arg := range a {
				want, ok := arg.(string)
				switch {
				case !ok:
				case op == "prefix":
					return func(s string) bool { return strings.HasPrefix(s, want) }, nil
				case op == "suffix":
					return func(s string) bool { return strings.HasSuffix(s, want) }, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("pattern field %q: only exact strings, prefix and suffix are supported by this matcher, got %v", path, a)
}

func TestMatcher(t *testing.T) {
	event := map[string]any{"detail": map[string]any{"findings": []any{
		map[string]any{"A": "1", "B": "x"},
		map[string]any{"A": "2", "B": "y"},
	}}}
	for _, c := range []struct {
		pattern string
		want    bool
	}{
		{`{"detail":{"findings":{"A":["1"]}}}`, true},
		{`{"detail":{"findings":{"A":["3"]}}}`, false},
		{`{"detail":{"findings":{"C":["1"]}}}`, false},
		{`{"detail":{"findings":{"A":["1"],"B":["y"]}}}`, true}, // flattened: different elements
		{`{"detail":{"findings":{"$or":[{"A":["3"]},{"B":["x"]}]}}}`, true},
		{`{"detail":{"findings":{"$or":[{"A":["3"]},{"B":["z"]}]}}}`, false},
		{`{"detail":{"findings":{"B":[{"suffix":"y"}]}}}`, true},
		{`{"detail":{"findings":{"B":[{"prefix":"z"},{"suffix":"x"}]}}}`, true},
		{`{"detail":{"findings":{"B":[{"suffix":"z"}]}}}`, false},
		{`{"detail":{"findings":{"A":[{"prefix":"1"}],"B":[{"suffix":"y"}]}}}`, true}, // flattened
	} {
		var p map[string]any
		if err := json.Unmarshal([]byte(c.pattern), &p); err != nil {
			t.Fatal(err)
		}
		got, err := matches(p, event)
		if err != nil || got != c.want {
			t.Errorf("%s: got %v, %v; want %v", c.pattern, got, err, c.want)
		}
	}
	var p map[string]any
	_ = json.Unmarshal([]byte(`{"detail":{"n":[{"wildcard":"a*"}]}}`), &p)
	if _, err := matches(p, event); err == nil {
		t.Error("an unsupported operator was accepted")
	}
}

// rulePattern returns a rule's EventPattern from the rendered admin
// template, with !Ref of a list parameter replaced by its default and the
// custom action's ARN by actionARN, as CloudFormation would resolve them.
func rulePattern(t *testing.T, rule, actionARN string) map[string]any {
	t.Helper()
	return rulePatternOf(t, rendered(t)[Admin], rule, actionARN)
}

func rulePatternOf(t *testing.T, admin []byte, rule, actionARN string) map[string]any {
	t.Helper()
	c := parseTemplate(t, Admin, admin)
	r, ok := c.resources[rule]
	if !ok || c.types[rule] != "AWS::Events::Rule" {
		t.Fatalf("admin template has no rule %s", rule)
	}
	n := field(field(r, "Properties"), "EventPattern")
	var resolve func(n *yaml.Node) any
	resolve = func(n *yaml.Node) any {
		switch fn, arg := intrinsic(n); fn {
		case "Ref":
			p := c.parameters[arg.Value]
			if p == nil || field(p, "Type").Value != "CommaDelimitedList" {
				t.Fatalf("%s: !Ref %s is not a list parameter", rule, arg.Value)
			}
			var out []any
			for _, s := range strings.Split(field(p, "Default").Value, ",") {
				out = append(out, s)
			}
			return out
		case "Fn::Sub":
			// The custom action's ARN, in this account and region.
			if arg.Value != "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:action/custom/${ActionId}" {
				t.Fatalf("%s: unexpected !Sub %s", rule, arg.Value)
			}
			return actionARN
		case "":
		default:
			t.Fatalf("%s: unexpected %s in the pattern", rule, fn)
		}
		switch n.Kind {
		case yaml.MappingNode:
			m := map[string]any{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				m[n.Content[i].Value] = resolve(n.Content[i+1])
			}
			return m
		case yaml.SequenceNode:
			var out []any
			for _, ch := range n.Content {
				v := resolve(ch)
				if list, ok := v.([]any); ok && ch.Tag == "!Ref" {
					out = append(out, list...) // a list parameter inside a list
				} else {
					out = append(out, v)
				}
			}
			return out
		default:
			return n.Value
		}
	}
	p, ok := resolve(n).(map[string]any)
	if !ok {
		t.Fatalf("%s: EventPattern is not an object", rule)
	}
	// EventBridge's default quota for an event pattern is 2,048 characters
	// (adjustable per account, which cisguard cannot count on). The
	// pattern EventBridge receives is the JSON CloudFormation sends:
	// measured here without whitespace, as encoding/json writes it.
	if b, _ := json.Marshal(p); len(b) > maxPattern {
		t.Errorf("%s: EventPattern is %d characters; EventBridge allows %d by default", rule, len(b), maxPattern)
	} else {
		t.Logf("%s: EventPattern is %d characters (limit %d)", rule, len(b), maxPattern)
	}
	return p
}

// TestPatternSizeEveryControlAuto: with every recommendation in auto mode
// (the largest list of Security Hub controls a configuration can select),
// the automatic rule still fits EventBridge's default quota.
func TestPatternSizeEveryControlAuto(t *testing.T) {
	d := defaultData(t)
	d.AutoControls = catalog.ControlIDs()
	d.AutoSecurityControlIDs = AutoSecurityControls(d.AutoControls)
	files, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	rulePatternOf(t, files[Admin], "AutoRemediationRule", "")
}

func loadEvent(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return e
}

func mustMatch(t *testing.T, p map[string]any, e any, want bool, what string) {
	t.Helper()
	got, err := matches(p, e)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got != want {
		t.Errorf("%s: matched=%v, want %v", what, got, want)
	}
}

const events = "../../../testdata/events"

// maxPattern is EventBridge's default quota on an event pattern's size.
const maxPattern = 2048

// TestAutoRuleMatchesAutoControls builds, for every control in auto mode,
// a FAILED/NEW/ACTIVE finding in both GeneratorId forms from a real sample,
// and for every other control the same finding: only the former match.
// Then each state that must not trigger (PASSED, NOTIFIED, RESOLVED,
// ARCHIVED) is checked on a finding that otherwise matches.
func TestAutoRuleMatchesAutoControls(t *testing.T) {
	p := rulePattern(t, "AutoRemediationRule", "")
	d := defaultData(t)
	base := loadEvent(t, filepath.Join(events, "imported-standard-5.3.json"))
	auto := map[string]bool{}
	for _, id := range autoIDs(t) {
		auto[id] = true
	}
	if len(auto) == 0 {
		t.Fatal("no control is in auto mode by default")
	}
	// Security Hub controls that report an auto control: a non-auto
	// control sharing one (CloudWatch.1 reports 1.7 and 4.3) matches by it.
	autoSH := map[string]bool{}
	for _, sh := range d.AutoSecurityControlIDs {
		autoSH[sh] = true
	}
	for _, id := range catalog.ControlIDs() {
		for _, sh := range securityHubControls(id) {
			for _, form := range []string{"standard", "consolidated"} {
				e := withFinding(base, id, sh, form)
				want := auto[id] || autoSH[sh]
				mustMatch(t, p, e, want, fmt.Sprintf("%s (%s, %s form)", id, sh, form))
			}
		}
	}
	for name, mut := range map[string]func(map[string]any){
		"PASSED":   func(f map[string]any) { f["Compliance"].(map[string]any)["Status"] = "PASSED" },
		"NOTIFIED": func(f map[string]any) { f["Workflow"].(map[string]any)["Status"] = "NOTIFIED" },
		"RESOLVED": func(f map[string]any) { f["Workflow"].(map[string]any)["Status"] = "RESOLVED" },
		"ARCHIVED": func(f map[string]any) { f["RecordState"] = "ARCHIVED" },
		// Forged: imported by an account with BatchImportFindings, whose
		// product ARN names that account; Security Hub itself sets
		// aws/securityhub/CompanyName from the product.
		"forged product": func(f map[string]any) {
			f["ProductArn"] = "arn:aws:securityhub:eu-central-1:444455556666:product/444455556666/default"
			f["ProductFields"].(map[string]any)["aws/securityhub/CompanyName"] = "Personal"
		},
		"forged product claiming AWS": func(f map[string]any) {
			f["ProductArn"] = "arn:aws:securityhub:eu-central-1:444455556666:product/444455556666/default"
		},
		"another AWS product": func(f map[string]any) {
			f["ProductArn"] = "arn:aws:securityhub:eu-central-1::product/aws/guardduty"
		},
		"not AWS": func(f map[string]any) {
			f["ProductFields"].(map[string]any)["aws/securityhub/CompanyName"] = "Personal"
		},
		"no SecurityControlId": func(f map[string]any) { delete(f["Compliance"].(map[string]any), "SecurityControlId") },
	} {
		e := withFinding(base, "5.3", "EC2.2", "consolidated")
		mut(e["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any))
		mustMatch(t, p, e, false, "5.3 "+name)
	}
}

func autoIDs(t *testing.T) []string {
	t.Helper()
	return defaultData(t).AutoControls
}

// withFinding returns a copy of an Imported event whose only finding is
// about CIS id (and Security Hub control sh) in the given GeneratorId form.
func withFinding(base map[string]any, id, sh, form string) map[string]any {
	b, _ := json.Marshal(base)
	var e map[string]any
	_ = json.Unmarshal(b, &e)
	f := e["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	comp := f["Compliance"].(map[string]any)
	if sh == "" {
		delete(comp, "SecurityControlId")
	} else {
		comp["SecurityControlId"] = sh
	}
	if form == "standard" {
		f["GeneratorId"] = StandardGeneratorPrefix + id
	} else {
		f["GeneratorId"] = ControlGeneratorPrefix + sh
	}
	return e
}

// TestRulesAgainstSampleEvents runs both rules over every sample event:
// the reference samples and the deployment's own under testdata/events/deploy.
func TestRulesAgainstSampleEvents(t *testing.T) {
	const action = "arn:aws:securityhub:eu-central-1:777788889999:action/custom/CISRemediation"
	autoRule := rulePattern(t, "AutoRemediationRule", action)
	actionRule := rulePattern(t, "CustomActionRule", action)
	isAuto := map[string]bool{}
	for _, id := range autoIDs(t) {
		isAuto[id] = true
	}
	// want[file] = {auto rule matches, custom action rule matches}
	want := map[string][2]bool{
		"custom-action-two-findings.json":           {false, true},
		"imported-control-EC2.21.json":              {isAuto["5.1"], false},
		"imported-standard-5.3.json":                {isAuto["5.3"], false},
		"imported-control-CloudWatch.1.json":        {isAuto["4.3"] || isAuto["1.7"], false},
		"imported-standard-1.7.json":                {isAuto["4.3"] || isAuto["1.7"], false},
		"imported-fsbp-EC2.13.json":                 {isAuto["5.2"], false},
		"imported-mixed-states.json":                {isAuto["2.2.1"] || isAuto["5.3"], false},
		"not-securityhub.json":                      {false, false},
		"deploy/imported-5.3-passed.json":           {false, false},
		"deploy/imported-5.3-notified.json":         {false, false},
		"deploy/imported-5.3-resolved.json":         {false, false},
		"deploy/imported-5.3-archived.json":         {false, false},
		"deploy/imported-control-IAM.4-notify.json": {false, false},
		"deploy/imported-cis-1.2.0-EC2.2.json":      {isAuto["5.3"], false},
		"deploy/custom-action-other-target.json":    {false, false},
		"deploy/forged-imported-EC2.2.json":         {false, false},
		"deploy/forged-imported-claims-aws.json":    {false, false},
		"deploy/forged-custom-action.json":          {false, false},
	}
	for file, w := range want {
		e := loadEvent(t, filepath.Join(events, file))
		mustMatch(t, autoRule, e, w[0], file+" (automatic rule)")
		mustMatch(t, actionRule, e, w[1], file+" (custom action rule)")
	}
	// Every sample event is accounted for.
	for _, dir := range []string{events, filepath.Join(events, "deploy")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			rel, _ := filepath.Rel(events, f)
			b, _ := os.ReadFile(f)
			var e map[string]any
			if json.Unmarshal(b, &e) != nil || e["detail-type"] == nil {
				continue // SQS batches and bare findings arrays never reach a rule
			}
			if _, ok := want[filepath.ToSlash(rel)]; !ok {
				t.Errorf("sample event %s has no expectation here", rel)
			}
		}
	}
	if !slices.Contains(autoIDs(t), "5.3") {
		t.Log("5.3 is not in auto mode by default: its samples only check non-matching")
	}
}

package perms

import (
	"encoding/json"
	"slices"
	"strings"
)

// Grant is what one part of cisguard needs in the member account.
type Grant struct {
	// Owner names the part (a control id, "notify").
	Owner string
	// Actions are IAM actions ("ec2:DescribeNetworkAcls").
	Actions []string
	// PassRoleTo names services the part passes roles to
	// ("cloudtrail.amazonaws.com").
	PassRoleTo []string
}

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document.
type Statement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Action    []string                  `json:"Action"`
	Resource  string                    `json:"Resource"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// Policy builds the least-privilege policy that covers the grants: one
// statement per service (so a reviewer reads it service by service) and
// iam:PassRole limited to the services roles are passed to.
func Policy(grants ...Grant) Document {
	byService := map[string][]string{}
	var passTo []string
	for _, g := range grants {
		for _, a := range g.Actions {
			svc, _, _ := strings.Cut(a, ":")
			if !slices.Contains(byService[svc], a) {
				byService[svc] = append(byService[svc], a)
			}
		}
		for _, s := range g.PassRoleTo {
			if !slices.Contains(passTo, s) {
				passTo = append(passTo, s)
			}
		}
	}
	services := make([]string, 0, len(byService))
	for s := range byService {
		services = append(services, s)
	}
	slices.Sort(services)
	doc := Document{Version: "2012-10-17"}
	for _, s := range services {
		actions := byService[s]
		slices.Sort(actions)
		doc.Statement = append(doc.Statement, Statement{Sid: sid(s), Effect: "Allow", Action: actions, Resource: "*"})
	}
	if len(passTo) > 0 {
		slices.Sort(passTo)
		doc.Statement = append(doc.Statement, Statement{
			Sid: "PassRolesToLoggingServices", Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: "*",
			Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": passTo}},
		})
	}
	return doc
}

// Actions lists every action of the document, sorted.
func (d Document) Actions() []string {
	var out []string
	for _, s := range d.Statement {
		out = append(out, s.Action...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// JSON renders the document indented, as it goes into templates.
func (d Document) JSON() string {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

func sid(service string) string {
	var b strings.Builder
	up := true
	for _, r := range service {
		if r == '-' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

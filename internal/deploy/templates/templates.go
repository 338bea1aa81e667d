// Package templates renders cisguard's CloudFormation templates from the
// embedded sources (deploy/cloudformation/templates) and the settings they
// depend on: the member role's name and generated policy, and the controls
// remediated automatically, which the admin stack's EventBridge rule
// matches. The same rendering feeds `cisguard templates`, `cisguard deploy`
// and the checked-in files, so what a pipeline deploys is what the
// command deploys.
package templates

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/cisguard/cisguard/deploy/cloudformation"
	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/perms"
)

// File names of the rendered templates.
const (
	Admin         = "cisguard-admin.yaml"
	MemberRole    = "cisguard-member-role.yaml"
	MemberTopic   = "cisguard-member-topic.yaml"
	CloudTrailKey = "cisguard-cloudtrail-key.yaml"
	EnableConfig  = "cisguard-enable-config.yaml"
)

// sources maps each rendered file to its source under templates/.
var sources = map[string]string{
	Admin:         "admin.yaml.tmpl",
	MemberRole:    "member-role.yaml.tmpl",
	MemberTopic:   "member-topic.yaml.tmpl",
	CloudTrailKey: "cloudtrail-key.yaml.tmpl",
	EnableConfig:  "enable-config.yaml.tmpl",
}

// Names lists the rendered templates in deployment order.
func Names() []string {
	return []string{Admin, MemberRole, MemberTopic, CloudTrailKey, EnableConfig}
}

// Defaults shared with the engine and the deploy command.
const (
	// DefaultActionID is the Security Hub custom action's id (at most 20
	// letters and digits); its ARN is
	// arn:<partition>:securityhub:<region>:<account>:action/custom/<id>.
	DefaultActionID = "CISRemediation"
	// DefaultActionName is the custom action's name in the console.
	DefaultActionName = "CIS Remediation"
	// DefaultKeyAlias is the alias the 3.7 remediation looks up by default
	// (the original solution's template created this alias but its code
	// looked for another: cisguard uses one name everywhere).
	DefaultKeyAlias = "alias/CIS_CloudTrail_Encryption_Key"
)

// Data is what the sources are rendered with.
type Data struct {
	// RoleName is the member role's name.
	RoleName string
	// MemberTopic is the part of a member topic's name cisguard looks for.
	MemberTopic string
	// KeyAlias is the CloudTrail key alias.
	KeyAlias string
	// AlarmTopic names the SNS topic of section 4's alarms in member
	// accounts, to which the admin stack's alarm queue is subscribed.
	AlarmTopic string
	// ActionID and ActionName name the Security Hub custom action.
	ActionID, ActionName string
	// AutoControls are the CIS ids in auto mode; AutoSecurityControlIDs
	// select their findings for the automatic rule (see
	// AutoSecurityControls).
	AutoControls           []string
	AutoSecurityControlIDs []string
	// MemberPolicy is the member role's permissions policy.
	MemberPolicy perms.Document
	// RoleBoundary is the permissions boundary of the roles cisguard
	// creates (perms.Boundary), created by the member stack.
	RoleBoundary perms.Document
	// BoundaryName is RoleBoundary's name (perms.BoundaryName).
	BoundaryName string
}

// For returns the data for a configuration, the ids of the controls in
// auto mode ((*controls.Settings).Auto) and the member policy for that
// configuration (engine.MemberPolicy).
func For(cfg *config.Config, auto []string, policy perms.Document) Data {
	return Data{
		RoleName:               cfg.RoleName,
		MemberTopic:            cfg.Notifications.MemberTopic,
		KeyAlias:               DefaultKeyAlias,
		AlarmTopic:             controls.AlarmTopic(cfg),
		ActionID:               DefaultActionID,
		ActionName:             DefaultActionName,
		AutoControls:           slices.Sorted(slices.Values(auto)),
		AutoSecurityControlIDs: AutoSecurityControls(auto),
		MemberPolicy:           policy,
		RoleBoundary:           perms.Boundary(),
		BoundaryName:           perms.BoundaryName,
	}
}

// GeneratorID prefixes of the two forms a CIS v1.4.0 finding comes in.
const (
	StandardGeneratorPrefix = "cis-aws-foundations-benchmark/v/1.4.0/"
	ControlGeneratorPrefix  = "security-control/"
)

// AutoSecurityControls returns, for CIS ids in auto mode, the Security Hub
// controls that report them (Compliance.SecurityControlId), including the
// related controls of other standards, whose findings get the same fix.
// Security Hub sets Compliance.SecurityControlId on every control finding,
// in the standard-specific form (GeneratorId
// "cis-aws-foundations-benchmark/v/1.4.0/5.3") as in the consolidated one
// ("security-control/EC2.2"), so these ids alone select both forms. The
// list is sorted and free of duplicates, so the rendered template is
// stable.
func AutoSecurityControls(auto []string) []string {
	var ids []string
	for _, id := range auto {
		ids = append(ids, securityHubControls(id)...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// securityHubControls returns the Security Hub controls that report a CIS
// id: a part's own control (2.1.5.1 → S3.1), else the recommendation's
// controls and related controls.
func securityHubControls(id string) []string {
	r, ok := catalog.Lookup(id)
	if !ok {
		return nil
	}
	for _, p := range r.Parts {
		if p.ID == id {
			return []string{p.SecurityHub}
		}
	}
	if len(r.Parts) > 0 {
		var out []string
		for _, p := range r.Parts {
			out = append(out, p.SecurityHub)
		}
		return out
	}
	return append(slices.Clone(r.SecurityHub), r.Related...)
}

// Render renders every template; the map is keyed by file name (Names).
func Render(d Data) (map[string][]byte, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, name := range Names() {
		src, err := fs.ReadFile(cloudformation.Sources, "templates/"+sources[name])
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		t, err := template.New(sources[name]).Option("missingkey=error").Funcs(funcs).Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

// Write renders every template into dir.
func Write(dir string, d Data) ([]string, error) {
	files, err := Render(d)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, name := range Names() {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}

// validate rejects values that would make a template invalid YAML or an
// invalid parameter default, before CloudFormation does it less clearly.
func (d Data) validate() error {
	for _, v := range []struct{ name, value string }{
		{"role name", d.RoleName}, {"member topic", d.MemberTopic}, {"key alias", d.KeyAlias}, {"alarm topic", d.AlarmTopic},
		{"action id", d.ActionID}, {"action name", d.ActionName},
	} {
		if v.value == "" || strings.ContainsAny(v.value, "\"'\n:#{}[],&*!|>%@`") {
			return fmt.Errorf("templates: %s %q is empty or has characters a template parameter default cannot hold", v.name, v.value)
		}
	}
	if len(d.ActionName) > 20 {
		return fmt.Errorf("templates: action name %q is longer than 20 characters", d.ActionName)
	}
	for _, id := range d.AutoSecurityControlIDs {
		if strings.ContainsAny(id, ",\"\n") {
			return fmt.Errorf("templates: finding selector %q contains a comma, quote or newline", id)
		}
	}
	if len(d.MemberPolicy.Statement) == 0 {
		return fmt.Errorf("templates: the member policy has no statement")
	}
	return nil
}

var funcs = template.FuncMap{
	"join": strings.Join,
	// indent renders a value (a perms.Document as its JSON, placeholders
	// through Fn::Sub) with every line indented by n spaces: JSON is YAML,
	// so the policy goes into the template as `cisguard policy` prints it.
	"indent": func(n int, v any) (string, error) {
		var s string
		switch v := v.(type) {
		case perms.Document:
			s = v.CloudFormation()
		case string:
			s = v
		default:
			return "", fmt.Errorf("indent: unsupported %T", v)
		}
		pad := strings.Repeat(" ", n)
		return pad + strings.ReplaceAll(s, "\n", "\n"+pad), nil
	},
}

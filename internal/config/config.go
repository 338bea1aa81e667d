// Package config reads cisguard's YAML settings: which role to assume,
// where to send notifications, which accounts and resources to leave
// alone, and how each control behaves. Unknown keys and bad values are
// rejected when the file is loaded, never discovered mid-remediation.
//
// Per-control settings (mode and parameters) are kept raw here and
// resolved by package controls, which knows each control's parameters.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cisguard/cisguard/internal/catalog"
)

// DefaultRoleName is the role cisguard assumes in member accounts.
const DefaultRoleName = "CIS_Remediator_Role"

// DefaultMemberTopic is the part of a topic name that marks, in a member
// account, the notification topic of the original deployment.
const DefaultMemberTopic = "CISRemediationSNSTopic"

// Config is the whole configuration.
type Config struct {
	// RoleName is the role assumed in each member account.
	RoleName string `yaml:"roleName"`
	// ExternalID is passed to sts:AssumeRole when the member role requires one.
	ExternalID    string        `yaml:"externalId"`
	Notifications Notifications `yaml:"notifications"`
	// ExcludedAccounts are never changed.
	ExcludedAccounts []string `yaml:"excludedAccounts"`
	// IncludeManagementAccount lets cisguard change the organization's
	// management account, which is excluded by default.
	IncludeManagementAccount bool `yaml:"includeManagementAccount"`
	// ManagementAccount names the management account; when empty it is
	// discovered with organizations:DescribeOrganization.
	ManagementAccount string `yaml:"managementAccount"`
	// ExemptTag marks resources cisguard must not touch.
	ExemptTag Tag `yaml:"exemptTag"`
	// Concurrency bounds how many findings are handled at once.
	Concurrency int `yaml:"concurrency"`
	// AccountConcurrency bounds how many findings of one account are
	// handled at once (default Concurrency): lower it to cap the API rate
	// cisguard makes in one member account. Accounts take turns either way.
	AccountConcurrency int `yaml:"accountConcurrency"`
	// SecurityHub controls the finding updates after handling.
	SecurityHub SecurityHub `yaml:"securityHub"`
	// Controls holds per-control settings keyed by CIS id ("5.1") or by a
	// prefix that applies to every control under it ("4", "2.1.5").
	Controls map[string]yaml.Node `yaml:"controls"`

	// lines maps each key path set in the file to its line, for messages.
	lines map[string]int
}

// Notifications says where messages go.
type Notifications struct {
	// TopicARN is the central SNS topic, published to with the engine's own
	// credentials. When empty, cisguard looks in the member account and
	// region for a topic whose name contains MemberTopic.
	TopicARN    string `yaml:"topicArn"`
	MemberTopic string `yaml:"memberTopic"`
	// AlarmQueueARN is the SQS queue of the administrator account that
	// receives the section 4 alarms of every member account: cisguard
	// subscribes it, with its own credentials, to each alarm topic it sets
	// up, and the Lambda forwards what arrives to TopicARN.
	AlarmQueueARN string `yaml:"alarmQueueArn"`
	// Disabled turns notifications off.
	Disabled bool `yaml:"disabled"`
}

// SecurityHub settings.
type SecurityHub struct {
	// UpdateFindings moves handled findings out of NEW (default true).
	UpdateFindings *bool `yaml:"updateFindings"`
	// ImportFindings lets the member role import scan results into its
	// account's Security Hub (cisguard scan --import-findings, the
	// scheduled scan): BatchImportFindings under the account's own
	// default product only. Off by default.
	ImportFindings bool `yaml:"importFindings"`
}

// Update reports whether findings are updated after handling.
func (s SecurityHub) Update() bool { return s.UpdateFindings == nil || *s.UpdateFindings }

// Tag is a tag key and the value that means "exempt".
type Tag struct {
	Key   string `yaml:"key"`
	Value string `yaml:"value"`
}

// Matches reports whether tags carry the tag (value compared case-insensitively).
func (t Tag) Matches(tags map[string]string) bool {
	v, ok := tags[t.Key]
	return ok && strings.EqualFold(v, t.Value)
}

// Default returns the configuration used when no file is given.
func Default() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

func (c *Config) applyDefaults() {
	if c.RoleName == "" {
		c.RoleName = DefaultRoleName
	}
	if c.Notifications.MemberTopic == "" {
		c.Notifications.MemberTopic = DefaultMemberTopic
	}
	if c.ExemptTag.Key == "" {
		c.ExemptTag.Key = "cisguard:exempt"
	}
	if c.ExemptTag.Value == "" {
		c.ExemptTag.Value = "true"
	}
	if c.Concurrency == 0 {
		c.Concurrency = 8
	}
	if c.AccountConcurrency == 0 {
		c.AccountConcurrency = c.Concurrency
	}
}

// Load reads a configuration file; "" means the defaults.
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse reads a configuration from YAML. Unknown keys (with the closest
// valid one), values of the wrong kind, invalid values and a second YAML
// document are all reported at once, each with its key path and line.
func Parse(b []byte) (*Config, error) {
	c := &Config{lines: map[string]int{}}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		c.applyDefaults()
		return c, nil
	case err != nil:
		return nil, cleanYAMLError(err)
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		line := second.Line
		if err != nil {
			return nil, cleanYAMLError(err)
		}
		return nil, fmt.Errorf("line %d: a second YAML document (after ---) is not allowed: cisguard reads one configuration per file", line)
	}
	if len(doc.Content) == 0 {
		c.applyDefaults()
		return c, nil
	}
	if err := Decode(doc.Content[0], c, "", c.lines); err != nil {
		return nil, err
	}
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	roleRE    = regexp.MustCompile(`^[\w+=,.@/-]{1,64}$`)
	topicRE   = regexp.MustCompile(`^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$`)
	queueRE   = regexp.MustCompile(`^arn:aws[\w-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]{1,80}$`)
)

// At returns path followed by its line in the file, "concurrency (line 4)",
// or path alone for a value the file did not set.
func (c *Config) At(path string) string {
	if l := c.lines[path]; l > 0 {
		return fmt.Sprintf("%s (line %d)", path, l)
	}
	return path
}

// Validate checks the values; Parse calls it, callers that change a
// loaded configuration call it again.
func (c *Config) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", c.At(path), fmt.Sprintf(format, args...)))
	}
	if !roleRE.MatchString(c.RoleName) {
		bad("roleName", "%q is not a valid IAM role name", c.RoleName)
	}
	if t := c.Notifications.TopicARN; t != "" && !topicRE.MatchString(t) {
		bad("notifications.topicArn", "%q is not an SNS topic ARN", t)
	}
	if q := c.Notifications.AlarmQueueARN; q != "" && !queueRE.MatchString(q) {
		bad("notifications.alarmQueueArn", "%q is not an SQS queue ARN", q)
	}
	for i, a := range c.ExcludedAccounts {
		if !accountRE.MatchString(a) {
			bad(fmt.Sprintf("excludedAccounts[%d]", i), "%q is not a 12-digit account id", a)
		}
	}
	if m := c.ManagementAccount; m != "" && !accountRE.MatchString(m) {
		bad("managementAccount", "%q is not a 12-digit account id", m)
	}
	if c.Concurrency < 1 || c.Concurrency > 64 {
		bad("concurrency", "%d is outside 1..64", c.Concurrency)
	}
	if c.AccountConcurrency < 1 || c.AccountConcurrency > c.Concurrency {
		bad("accountConcurrency", "%d is outside 1..%d (concurrency)", c.AccountConcurrency, c.Concurrency)
	}
	keys := make([]string, 0, len(c.Controls))
	for key := range c.Controls {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		n := c.Controls[key]
		if !validControlKey(key) {
			bad("controls."+key, "not a CIS v1.4.0 id or section%s", suggestControl(key))
		} else if n.Kind != yaml.MappingNode {
			bad("controls."+key, "want a mapping of settings (mode, parameters), got %s", describe(&n))
		}
	}
	return errors.Join(errs...)
}

// suggestControl names the closest control ids to a mistyped key.
func suggestControl(key string) string {
	if s := closest(key, catalog.ControlIDs()); s != "" {
		return "; did you mean " + s + "?"
	}
	return ""
}

// Excluded reports whether an account is on the exclusion list.
func (c *Config) Excluded(account string) bool { return slices.Contains(c.ExcludedAccounts, account) }

// yaml.v3 prefixes its errors with "yaml: "; the caller already says which file.
func cleanYAMLError(err error) error {
	return errors.New(strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n  ", "; "))
}

// validControlKey accepts a control id (5.1, 2.1.5.1) or a prefix that
// groups controls (4, 2.1, 2.1.5).
func validControlKey(key string) bool {
	for _, id := range catalog.ControlIDs() {
		if id == key || strings.HasPrefix(id, key+".") {
			return true
		}
	}
	return false
}

// Scopes returns the keys that apply to a control id, most general first:
// "2.1.5.1" → "2", "2.1", "2.1.5", "2.1.5.1".
func Scopes(id string) []string {
	parts := strings.Split(id, ".")
	scopes := make([]string, len(parts))
	for i := range parts {
		scopes[i] = strings.Join(parts[:i+1], ".")
	}
	return scopes
}

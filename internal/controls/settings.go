package controls

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/config"
)

// Mode is how a control acts on a FAILED finding.
type Mode string

const (
	// Auto remediates.
	Auto Mode = "auto"
	// Notify sends the manual steps and changes nothing.
	Notify Mode = "notify"
	// Off ignores the control's findings.
	Off Mode = "off"
)

// Setting is a control with its resolved mode and parameters.
type Setting struct {
	Control *Control
	Mode    Mode
	Params  any
}

// Settings are the resolved settings of every control.
type Settings struct {
	byID map[string]Setting
}

// For returns the setting of a control id; none when s is nil.
func (s *Settings) For(id string) (Setting, bool) {
	if s == nil {
		return Setting{}, false
	}
	st, ok := s.byID[id]
	return st, ok
}

// Automatic returns the parameters of a control that cisguard fixes
// automatically (mode auto); ok is false for any other mode, or when s is
// nil.
func (s *Settings) Automatic(id string) (params any, ok bool) {
	if s == nil {
		return nil, false
	}
	st, ok := s.byID[id]
	if !ok || st.Mode != Auto {
		return nil, false
	}
	return st.Params, true
}

// Validator is implemented by parameters that check their own values.
type Validator interface{ Validate() error }

// Configure resolves every control's mode and parameters from cfg.
//
// Settings under a control's own id must all be known to it. Settings under
// a prefix ("4", "2.1.5") apply to every control under it that takes them,
// and each must be taken by at least one; an inherited mode "auto" leaves
// controls without an automatic fix in "notify".
func Configure(cfg *config.Config) (*Settings, error) {
	s := &Settings{byID: map[string]Setting{}}
	var errs []error
	used := map[string]map[string]bool{} // scope → keys taken by some control
	for _, c := range All() {
		st, err := resolve(c, cfg, used)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.byID[c.ID] = st
	}
	for scope, n := range cfg.Controls {
		for _, key := range mappingKeys(&n) {
			if !used[scope][key] {
				errs = append(errs, fmt.Errorf("controls.%s.%s (line %d): no control under %s takes this setting", scope, key, n.Line, scope))
			}
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func resolve(c *Control, cfg *config.Config, used map[string]map[string]bool) (Setting, error) {
	st := Setting{Control: c, Mode: Notify, Params: cloneParams(c.Params)}
	if c.Recommendation().Handling == catalog.Auto && c.Plan != nil {
		st.Mode = Auto
	}
	known := append(yamlKeys(st.Params), "mode")
	for _, scope := range config.Scopes(c.ID) {
		n, ok := cfg.Controls[scope]
		if !ok {
			continue
		}
		own := scope == c.ID
		if used[scope] == nil {
			used[scope] = map[string]bool{}
		}
		rest := &yaml.Node{Kind: yaml.MappingNode}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if !own && !slices.Contains(known, k.Value) {
				continue
			}
			used[scope][k.Value] = true
			if k.Value != "mode" {
				rest.Content = append(rest.Content, k, v)
				continue
			}
			m := Mode(v.Value)
			switch {
			case m != Auto && m != Notify && m != Off:
				return st, fmt.Errorf("controls.%s.mode (line %d): %q is not auto, notify or off", scope, v.Line, v.Value)
			case m == Auto && c.Plan == nil && own:
				return st, fmt.Errorf("controls.%s.mode (line %d): %s has no automatic fix; use notify or off", scope, v.Line, c.ID)
			case m == Auto && c.Plan == nil:
				st.Mode = Notify
			default:
				st.Mode = m
			}
		}
		if len(rest.Content) == 0 {
			continue
		}
		if st.Params == nil {
			return st, fmt.Errorf("controls.%s.%s (line %d): %s takes no parameters", scope, rest.Content[0].Value, rest.Content[0].Line, c.ID)
		}
		if err := config.Decode(rest, st.Params, "controls."+scope, nil); err != nil {
			return st, err
		}
	}
	if v, ok := st.Params.(Validator); ok {
		if err := v.Validate(); err != nil {
			return st, fmt.Errorf("%s: %w", paramPath(c, cfg, err), err)
		}
	}
	return st, nil
}

// paramPath names where a parameter error comes from: the key path and
// line of the setting the message starts with ("unusedDays -3 is …"), as
// set in the most specific scope, else the control itself.
func paramPath(c *Control, cfg *config.Config, err error) string {
	key, _, _ := strings.Cut(err.Error(), " ")
	scopes := config.Scopes(c.ID)
	for i := len(scopes) - 1; i >= 0; i-- {
		n, ok := cfg.Controls[scopes[i]]
		if !ok {
			continue
		}
		for j := 0; j+1 < len(n.Content); j += 2 {
			if k := n.Content[j]; k.Value == key {
				return fmt.Sprintf("controls.%s.%s (line %d)", scopes[i], key, k.Line)
			}
		}
	}
	return "controls." + c.ID
}

func mappingKeys(n *yaml.Node) []string {
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

// cloneParams returns a shallow copy of a parameters struct so that
// decoding never changes a control's defaults.
func cloneParams(p any) any {
	if p == nil {
		return nil
	}
	v := reflect.ValueOf(p)
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	return c.Interface()
}

// yamlKeys lists the keys a parameters struct accepts.
func yamlKeys(p any) []string {
	if p == nil {
		return nil
	}
	var keys []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if strings.Contains(opts, "inline") {
				walk(f.Type)
				continue
			}
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			keys = append(keys, name)
		}
	}
	walk(reflect.TypeOf(p).Elem())
	return keys
}

// All returns the setting of every control, in benchmark order.
func (s *Settings) All() []Setting {
	var out []Setting
	for _, c := range All() {
		if st, ok := s.byID[c.ID]; ok {
			out = append(out, st)
		}
	}
	return out
}

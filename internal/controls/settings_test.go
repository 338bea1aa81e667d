package controls

import (
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/config"
)

func configure(t *testing.T, yaml string) (*Settings, error) {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return Configure(cfg)
}

func TestConfigureDefaults(t *testing.T) {
	s, err := configure(t, "")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]Mode{"5.1": Auto, "5.3": Auto, "5.2": Notify} {
		if st, ok := s.For(id); !ok || st.Mode != want {
			t.Errorf("%s: mode %s, want %s", id, st.Mode, want)
		}
	}
	st, _ := s.For("5.1")
	if p := st.Params.(*NACLParams); p.Strategy != "narrow" || p.EntryQuota != 20 {
		t.Errorf("5.1 params %+v", p)
	}
}

func TestConfigureScopes(t *testing.T) {
	s, err := configure(t, `
controls:
  "5": {mode: notify, strategy: remove}
  "5.2": {mode: auto}
  "5.1": {entryQuota: 40}
`)
	if err != nil {
		t.Fatal(err)
	}
	st51, _ := s.For("5.1")
	st52, _ := s.For("5.2")
	st53, _ := s.For("5.3")
	if st51.Mode != Notify || st52.Mode != Auto || st53.Mode != Notify {
		t.Errorf("modes 5.1 %s, 5.2 %s, 5.3 %s", st51.Mode, st52.Mode, st53.Mode)
	}
	if p := st51.Params.(*NACLParams); p.Strategy != "remove" || p.EntryQuota != 40 {
		t.Errorf("5.1 params %+v", p)
	}
	if p := st52.Params.(*SecurityGroupParams); p.Strategy != "remove" {
		t.Errorf("5.2 params %+v", p)
	}
	// Defaults are not changed by a configuration.
	c, _ := Lookup("5.1")
	if c.Params.(*NACLParams).Strategy != "narrow" {
		t.Error("Configure changed the control's defaults")
	}
}

func TestConfigureRejects(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"controls: {'5.1': {strategy: cut}}", `controls.5.1.strategy (line 1): strategy "cut" is not narrow, remove or replace`},
		{"controls:\n  '5':\n    strategy: replace\n  '5.1':\n    adminCidr: 10.0.0.0/8\n    strategy: cut", `controls.5.1.strategy (line 6): strategy "cut"`},
		{"controls:\n  '1.12':\n    mode: auto\n    unusedDays: -3", "controls.1.12.unusedDays (line 4): unusedDays -3 is outside"},
		{"controls: {'5.1': {stratgy: narrow}}", "controls.5.1.stratgy (line 1): unknown setting; did you mean strategy?"},
		{"controls: {'5.3': {strategy: narrow}}", "5.3 takes no parameters"},
		{"controls: {'5': {colour: blue}}", "controls.5.colour (line 1): no control under 5 takes this setting"},
		{"controls: {'5.1': {mode: sometimes}}", `"sometimes" is not auto, notify or off`},
		{"controls:\n  '5.1':\n    entryQuota: lots", `controls.5.1.entryQuota (line 3): want a whole number, got "lots"`},
		{"controls: {'5.1': {strategy: replace}}", "strategy replace needs adminCidr"},
	}
	for _, tt := range tests {
		_, err := configure(t, tt.yaml)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

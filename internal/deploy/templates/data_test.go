package templates

import (
	"testing"

	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
)

// defaultData is what the checked-in templates are rendered with: the
// default configuration and the engine's member policy.
func defaultData(t *testing.T) Data {
	t.Helper()
	cfg := config.Default()
	s, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return For(cfg, s.Auto(), engine.MemberPolicy(cfg, s))
}

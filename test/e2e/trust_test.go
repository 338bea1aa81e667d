package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestForgedFindingIsSkipped: anyone holding securityhub:BatchImportFindings
// in an account can import a finding of the account's own product
// (product/<account>/default) that says security-control/EC2.2 about a
// default security group. Security Hub holds it, the event is well formed,
// and cisguard still skips it, naming the product, and changes nothing.
func TestForgedFindingIsSkipped(t *testing.T) {
	requireEndpoint(t)
	sg := defaultGroup(t, newVPC(t, "10.47.0.0/16"))
	allowIngress(t, sg, tcpFrom(22, 22, "0.0.0.0/0"))
	before := groupRuleCount(t, sg)

	event := sample(t, "deploy/forged-imported-EC2.2.json", func(_ int, f map[string]any) {
		setResource(f, groupARN(sg))
	})
	seedFindings(t, event) // as the importing account would have
	code, rs, stderr := remediate(t, event, quiet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	expect(t, rs[0], "skipped")
	product := fmt.Sprintf("arn:aws:securityhub:%s:%s:product/%s/default", region, account, account)
	if !strings.Contains(rs[0].Reason, "untrusted product "+product) {
		t.Errorf("reason %q does not name the product %s", rs[0].Reason, product)
	}
	if n := groupRuleCount(t, sg); n != before {
		t.Errorf("the default group's rules changed: %d -> %d", before, n)
	}
	if w := workflow(t, rs[0].ID); w != "NEW" {
		t.Errorf("workflow %s, want NEW (untouched)", w)
	}
}

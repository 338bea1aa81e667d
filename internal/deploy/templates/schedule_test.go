package templates

import (
	"strings"
	"testing"
)

// The scheduled scan is off unless ScanSchedule is set: every resource of
// it carries the HasScanSchedule condition, and the function learns its
// queue only through that condition.
func TestScanScheduleIsConditional(t *testing.T) {
	c := parseTemplate(t, Admin, rendered(t)[Admin])
	var scans []string
	for id, r := range c.resources {
		if !strings.HasPrefix(id, "Scan") {
			continue
		}
		scans = append(scans, id)
		if cond := field(r, "Condition"); cond == nil || cond.Value != "HasScanSchedule" {
			t.Errorf("resource %s exists without a schedule", id)
		}
	}
	if len(scans) != 5 {
		t.Errorf("scan resources %v, want the queue, its policy and event source, the rule and its permission", scans)
	}
	env := field(field(field(field(c.resources["Function"], "Properties"), "Environment"), "Variables"), "CISGUARD_SCAN_QUEUE_URL")
	if env == nil || env.Tag != "!If" || env.Content[0].Value != "HasScanSchedule" {
		t.Errorf("CISGUARD_SCAN_QUEUE_URL is not conditional on the schedule: %+v", env)
	}
	rule := field(field(c.resources["ScanRule"], "Properties"), "ScheduleExpression")
	if rule == nil || rule.Tag != "!Ref" || rule.Value != "ScanSchedule" {
		t.Errorf("the rule's schedule is not the ScanSchedule parameter")
	}
}

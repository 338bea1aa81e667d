package scan

import (
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
	"github.com/cisguard/cisguard/internal/report"
)

// Remediable returns the FAIL results whose control fixes automatically
// (mode auto), for engine.RunScan; the others are left to the report.
func Remediable(rep *report.Report, s *controls.Settings) []engine.Failing {
	var out []engine.Failing
	for _, r := range rep.Results {
		if r.Status != controls.Fail {
			continue
		}
		if _, auto := s.Automatic(r.CIS); !auto {
			continue
		}
		out = append(out, engine.Failing{ID: report.FindingID(r), CIS: r.CIS, Partition: r.Partition, Account: r.Account, Region: r.Region, Resource: r.Target})
	}
	return out
}

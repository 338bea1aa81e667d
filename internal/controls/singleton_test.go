package controls

import (
	"slices"
	"testing"
)

// singletonWrites are the write actions that reach something an account
// has once, whatever the finding's resource: a control whose fix calls one
// must declare one of the listed singletons in Writes. Writes that reach
// only the finding's own resource (a bucket's settings, a security group's
// rules, a key's rotation) need none.
var singletonWrites = map[string][]Singleton{
	"iam:UpdateAccountPasswordPolicy": {PasswordPolicy},
	"s3:PutAccountPublicAccessBlock":  {AccountPublicAccessBlock},
	"cloudtrail:CreateTrail":          {TrailChain},
	"cloudtrail:UpdateTrail":          {TrailChain},
	"cloudtrail:StartLogging":         {TrailChain},
	"cloudtrail:PutEventSelectors":    {TrailChain},
	"kms:CreateKey":                   {TrailChain},
	"kms:CreateAlias":                 {TrailChain},
	"kms:PutKeyPolicy":                {TrailChain},
	"logs:PutMetricFilter":            {TrailChain},
	"cloudwatch:PutMetricAlarm":       {TrailChain},
	"sns:CreateTopic":                 {TrailChain},
	"logs:CreateLogGroup":             {TrailChain, FlowLogDelivery},
	"iam:CreateRole":                  {TrailChain, FlowLogDelivery, SupportRole},
	"iam:PutRolePolicy":               {TrailChain, FlowLogDelivery},
	"iam:AttachRolePolicy":            {SupportRole},
}

// TestControlsDeclareSingletonsTheyWrite: a fix that writes an account's
// singleton says so, so that the engine orders it with the other findings
// that write it.
func TestControlsDeclareSingletonsTheyWrite(t *testing.T) {
	for _, c := range All() {
		if c.Plan == nil {
			if len(c.Writes) > 0 {
				t.Errorf("%s has no fix but declares writes %v", c.ID, c.Writes)
			}
			continue
		}
		for _, a := range c.Permissions {
			want, ok := singletonWrites[a]
			if ok && !slices.ContainsFunc(want, func(s Singleton) bool { return slices.Contains(c.Writes, s) }) {
				t.Errorf("%s calls %s but declares none of %v in Writes", c.ID, a, want)
			}
		}
	}
}

package finding

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// TestFromSecurityHubMatchesDecode: Security Hub's typed copy of a finding
// maps to the same Finding as its JSON in an event.
func TestFromSecurityHubMatchesDecode(t *testing.T) {
	for _, name := range []string{"imported-standard-5.3.json", "custom-action-two-findings.json", "imported-control-CloudWatch.1.json",
		"imported-fsbp-EC2.13.json", "imported-mixed-states.json", "deploy/forged-imported-EC2.2.json"} {
		data := readEvent(t, name)
		fs, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Region string `json:"region"`
			Detail struct {
				Findings []types.AwsSecurityFinding `json:"findings"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, sdk := range ev.Detail.Findings {
			got, err := FromSecurityHub(sdk, ev.Region)
			want := fs[i]
			if (err == nil) != (want.Err == nil) {
				t.Errorf("%s #%d: err %v, Decode's %v", name, i, err, want.Err)
			}
			if !got.Confirmed {
				t.Errorf("%s #%d: not marked Confirmed", name, i)
			}
			got.Confirmed, got.Trigger, got.Message, got.Err, want.Err = false, want.Trigger, want.Message, nil, nil
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(want)
			if string(a) != string(b) {
				t.Errorf("%s #%d:\nSDK   %s\nevent %s", name, i, a, b)
			}
		}
	}
}

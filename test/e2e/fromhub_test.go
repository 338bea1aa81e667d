package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestFromHub: the backlog read straight from Security Hub. A NEW and a
// NOTIFIED finding of 2.2.1 (EC2.7) in an account of their own: the dry
// run plans the NEW one and changes nothing; the real run fixes it and
// moves it to RESOLVED; the NOTIFIED one is never read.
func TestFromHub(t *testing.T) {
	requireEndpoint(t)
	ctx := context.Background()
	const acct = "303030303030" // no other test uses it: --accounts isolates this test's findings
	member := asAccount(acct)
	if err := ensureMemberRole(ctx, iam.NewFromConfig(member)); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2.NewFromConfig(member).DisableEbsEncryptionByDefault(ctx, &ec2.DisableEbsEncryptionByDefaultInput{}); err != nil {
		t.Fatal(err)
	}
	event := controlEvent(t,
		finding{Control: "EC2.7", CIS: "2.2.1", ResourceType: "AwsAccount", Account: acct},
		finding{Control: "EC2.7", CIS: "2.2.1", ResourceType: "AwsAccount", Account: acct},
	)
	ev := decode(t, event)
	fs := eventFindings(t, ev)
	fs[1]["Workflow"] = map[string]any{"Status": "NOTIFIED"}
	event = encode(t, ev)
	seedFindings(t, event)
	newID, notifiedID := fs[0]["Id"].(string), fs[1]["Id"].(string)
	args := []string{"remediate", "--from-hub", "--region", region, "--accounts", acct, "--controls", "2.2.1", "--config", writeConfig(t, quiet)}

	// Dry run, as a person reads it.
	code, out, stderr := cisguard(t, append(args, "--dry-run")...)
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"PLANNED 2.2.1 (EC2.7)  account " + acct, "finding:  " + newID, "2.2.1  EC2.7             0        1         0        0       0"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, notifiedID) {
		t.Errorf("a NOTIFIED finding was read:\n%s", out)
	}
	if ebsOn(t, member) || workflow(t, newID) != "NEW" {
		t.Fatal("the dry run changed something")
	}

	// The real run.
	code, out, stderr = cisguard(t, append(args, "--output", "json")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	var res struct{ Findings []result }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Findings) != 1 || res.Findings[0].ID != newID {
		t.Fatalf("results %+v", res.Findings)
	}
	resolved(t, res.Findings[0])
	if !ebsOn(t, member) {
		t.Error("EBS encryption by default is still off")
	}
	if w := workflow(t, notifiedID); w != "NOTIFIED" {
		t.Errorf("the NOTIFIED finding is %s", w)
	}
	// Nothing left: a second run finds no backlog.
	if code, out, _ := cisguard(t, args...); code != 0 || !strings.Contains(out, "Security Hub holds no ACTIVE, FAILED, NEW finding") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}
}

func ebsOn(t *testing.T, c aws.Config) bool {
	t.Helper()
	out, err := ec2.NewFromConfig(c).GetEbsEncryptionByDefault(context.Background(), &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToBool(out.EbsEncryptionByDefault)
}

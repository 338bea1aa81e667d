package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
)

// accountFinding returns the sample 1.7 finding rewritten as the finding
// of CIS id (Security Hub control sc) on the member account.
func accountFinding(t *testing.T, id, sc, uuid string) []finding.Finding {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", "imported-standard-1.7.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("1.4.0/1.7", "1.4.0/"+id, `"1.7"`, `"`+id+`"`, "1.7 Eliminate", id+" Ensure", "CloudWatch.1", sc,
		"7d2f5b4a-0a6e-4c43-9c1d-3a1c7f0e9e21", uuid).Replace(string(b))
	fs, err := finding.Decode([]byte(s))
	if err != nil || len(fs) != 1 || fs[0].CIS != id {
		t.Fatalf("finding %s: %v %+v", id, err, fs)
	}
	return fs
}

// IAM.15 and IAM.16 handled at the same time by two Lambda invocations
// (two engines, nothing shared but the account): one is held between
// reading the password policy and writing it while the other runs to
// the end; the policy ends with both fields, and both findings resolve.
func TestTwoEnginesConvergeOnThePasswordPolicy(t *testing.T) {
	w := fake.NewOrg(admin)
	acct := w.Account(member)
	acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(8), RequireSymbols: true})
	length := accountFinding(t, "1.8", "IAM.15", "00000000-0000-4000-8000-000000000015")
	reuse := accountFinding(t, "1.9", "IAM.16", "00000000-0000-4000-8000-000000000016")
	seedHub(w, append(length, reuse...))
	cfg := "notifications: {disabled: true}"

	pause := acct.Log.Pause("IAM/UpdateAccountPasswordPolicy")
	first := make(chan []Result, 1)
	go func() { first <- newEngine(t, w, cfg, false).Run(context.Background(), length) }()
	var held []Result
	select {
	case <-pause.Held():
	case held = <-first:
		t.Fatalf("the first engine never wrote the password policy: %+v", held)
	}
	second := newEngine(t, w, cfg, false).Run(context.Background(), reuse)
	pause.Release()
	held = <-first

	for _, r := range append(held, second...) {
		if r.Decision != Remediated || !strings.HasSuffix(r.Reason, "verified") {
			t.Errorf("%s: %s %s", r.CIS, r.Decision, r.Reason)
		}
	}
	got := acct.PasswordPolicy()
	if aws.ToInt32(got.MinimumPasswordLength) != 14 || aws.ToInt32(got.PasswordReusePrevention) != 24 || !got.RequireSymbols {
		t.Errorf("password policy %+v", got)
	}
}

package controls

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/plan"
)

func userRes(name string) finding.Resource {
	return resource("AwsIamUser", "arn:aws:iam::"+testAccount+":user/"+name)
}

func policyRes(arn string) finding.Resource { return resource("AwsIamPolicy", arn) }

// ago returns the time d days before testNow.
func ago(d float64) time.Time { return testNow.Add(-time.Duration(d * float64(24*time.Hour))) }

func agoPtr(d float64) *time.Time { t := ago(d); return &t }

// mustGuide returns the guidance (h.guide, from storage_test.go), failing when there is an error or none.
func (h *harness) mustGuide(id string, res finding.Resource) *Guidance {
	h.t.Helper()
	g, err := h.guide(id, res, "")
	if err != nil || g == nil {
		h.t.Fatalf("%s guide: %v, %v", id, g, err)
	}
	return g
}

// noGuide asserts that a compliant resource gets no guidance.
func (h *harness) noGuide(id string, res finding.Resource) {
	h.t.Helper()
	if g, err := h.guide(id, res, ""); err != nil || g != nil {
		h.t.Errorf("%s guide: %+v, %v; want nothing", id, g, err)
	}
}

func guideText(g *Guidance) []string { return append([]string{g.Summary}, g.Steps...) }

var errBoom = fake.APIError("ServiceFailure", "boom")

// Password policy (1.8, 1.9).

func TestPasswordLengthKeepsOtherFields(t *testing.T) {
	h := newHarness(t)
	h.configure("1.9", "mode: notify") // 1.8 alone: reuse prevention is not its to change
	before := types.PasswordPolicy{
		MinimumPasswordLength: aws.Int32(8), PasswordReusePrevention: aws.Int32(5), MaxPasswordAge: aws.Int32(90), ExpirePasswords: true,
		HardExpiry: aws.Bool(true), AllowUsersToChangePassword: true, RequireSymbols: true, RequireNumbers: true,
	}
	h.acct.SetPasswordPolicy(&before)
	p := h.measure("1.8", accountResource(), "")
	containsAll(t, descriptions(p), "set the password policy of account 111122223333: MinimumPasswordLength 8 -> 14 (other fields kept)")
	want := before
	want.MinimumPasswordLength = aws.Int32(14)
	if got := h.acct.PasswordPolicy(); !samePolicy(got, &want) {
		t.Errorf("policy %s, want %s", showPolicy(got), showPolicy(&want))
	}
}

func TestPasswordReuseKeepsOtherFields(t *testing.T) {
	h := newHarness(t)
	// No expiry and no reuse prevention: those fields must be left out of
	// the update (IAM rejects 0), which the fake enforces.
	before := types.PasswordPolicy{MinimumPasswordLength: aws.Int32(16), HardExpiry: aws.Bool(false), RequireUppercaseCharacters: true, RequireLowercaseCharacters: true}
	h.acct.SetPasswordPolicy(&before)
	p := h.measure("1.9", accountResource(), "")
	containsAll(t, descriptions(p), "PasswordReusePrevention 0 -> 24 (other fields kept)")
	want := before
	want.PasswordReusePrevention = aws.Int32(24)
	if got := h.acct.PasswordPolicy(); !samePolicy(got, &want) {
		t.Errorf("policy %s, want %s", showPolicy(got), showPolicy(&want))
	}
}

// A reusePrevention under IAM.16's 24 is the user's exception: cisguard
// raises the policy to it and SUPPRESSES, never RESOLVES, the finding; a
// policy that already remembers 24 is compliant whatever the setting.
func TestPasswordReuseBelowIAM16IsAnException(t *testing.T) {
	h := newHarness(t)
	h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(14), PasswordReusePrevention: aws.Int32(3)})
	p := h.remediate("1.9", accountResource(), "reusePrevention: 12")
	containsAll(t, descriptions(p), "PasswordReusePrevention 3 -> 12")
	wantState(t, h.check("1.9", accountResource(), "reusePrevention: 12"), plan.Excepted, "remembers 12 passwords, as controls.1.9.reusePrevention (12) allows; Security Hub's IAM.16 requires 24")

	h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(14), PasswordReusePrevention: aws.Int32(24)})
	wantState(t, h.check("1.9", accountResource(), "reusePrevention: 12"), plan.Compliant)
}

// Each password control writes the policy whole, holding the fields of
// the other password controls that are automatic, and only those.
func TestPasswordPolicyHoldsAutomaticSiblings(t *testing.T) {
	before := types.PasswordPolicy{MinimumPasswordLength: aws.Int32(8), PasswordReusePrevention: aws.Int32(5), RequireSymbols: true}
	tests := []struct {
		id, sibling, siblingMode, want, lacks string
		length, reuse                         int32
	}{
		{"1.8", "1.9", "auto", "MinimumPasswordLength 8 -> 14, PasswordReusePrevention 5 -> 24 (CIS 1.9, also automatic)", "", 14, 24},
		{"1.9", "1.8", "auto", "PasswordReusePrevention 5 -> 24, MinimumPasswordLength 8 -> 14 (CIS 1.8, also automatic)", "", 14, 24},
		{"1.8", "1.9", "notify", "MinimumPasswordLength 8 -> 14 (other", "PasswordReusePrevention", 14, 5},
		{"1.9", "1.8", "off", "PasswordReusePrevention 5 -> 24 (other", "MinimumPasswordLength", 8, 24},
	}
	for _, tc := range tests {
		t.Run(tc.id+" with "+tc.sibling+" "+tc.siblingMode, func(t *testing.T) {
			h := newHarness(t)
			h.configure(tc.sibling, "mode: "+tc.siblingMode)
			h.acct.SetPasswordPolicy(&before)
			d := descriptions(h.remediate(tc.id, accountResource(), ""))
			containsAll(t, d, tc.want)
			if tc.lacks != "" && strings.Contains(strings.Join(d, "\n"), tc.lacks) {
				t.Errorf("plan changes %s: %v", tc.lacks, d)
			}
			got := h.acct.PasswordPolicy()
			if aws.ToInt32(got.MinimumPasswordLength) != tc.length || aws.ToInt32(got.PasswordReusePrevention) != tc.reuse || !got.RequireSymbols {
				t.Errorf("policy %s", showPolicy(got))
			}
		})
	}
	// The sibling's own parameters are the ones held.
	h := newHarness(t)
	h.configure("1.8", "minimumLength: 20")
	h.acct.SetPasswordPolicy(&before)
	h.remediate("1.9", accountResource(), "")
	if got := h.acct.PasswordPolicy(); aws.ToInt32(got.MinimumPasswordLength) != 20 {
		t.Errorf("1.9 held 1.8 at %d, want its minimumLength 20", aws.ToInt32(got.MinimumPasswordLength))
	}
}

func TestPasswordPolicyCreatedWhenNone(t *testing.T) {
	h := newHarness(t)
	h.configure("1.8", "mode: notify")
	p := h.remediate("1.9", accountResource(), "")
	containsAll(t, descriptions(p), "create the password policy of account 111122223333: MinimumPasswordLength 8, PasswordReusePrevention 24, upper- and lowercase letters, numbers and symbols required (it had none")
	got := h.acct.PasswordPolicy()
	// IAM's own default is 8 characters and three character types; an
	// update that left length out would set 6.
	want := types.PasswordPolicy{MinimumPasswordLength: aws.Int32(8), PasswordReusePrevention: aws.Int32(24), HardExpiry: aws.Bool(false),
		RequireLowercaseCharacters: true, RequireUppercaseCharacters: true, RequireNumbers: true, RequireSymbols: true}
	if !samePolicy(got, &want) {
		t.Errorf("policy %s, want %s", showPolicy(got), showPolicy(&want))
	}

	h = newHarness(t)
	p = h.remediate("1.8", accountResource(), "")
	containsAll(t, descriptions(p), "create the password policy of account 111122223333: MinimumPasswordLength 14, PasswordReusePrevention 24, upper- and lowercase")
	want.MinimumPasswordLength = aws.Int32(14)
	if got := h.acct.PasswordPolicy(); !samePolicy(got, &want) {
		t.Errorf("1.8 with 1.9 automatic: policy %s, want %s", showPolicy(got), showPolicy(&want))
	}
}

// Security Hub raises IAM.15 and IAM.16 together, and two processes may
// handle them at once: whichever is held between its read and its write,
// both fields hold in the end, and nothing else is lost.
func TestPasswordPolicyConvergesAcrossProcesses(t *testing.T) {
	for _, pair := range [][2]string{{"1.8", "1.9"}, {"1.9", "1.8"}} {
		for _, seed := range []*types.PasswordPolicy{nil, {MinimumPasswordLength: aws.Int32(8), RequireSymbols: true, MaxPasswordAge: aws.Int32(90)}} {
			t.Run(fmt.Sprintf("%s held, policy %v", pair[0], seed != nil), func(t *testing.T) {
				h := newHarness(t)
				if seed != nil {
					h.acct.SetPasswordPolicy(seed)
				}
				h.interleave("IAM/UpdateAccountPasswordPolicy",
					h.remediation(pair[0], testRegion, accountResource(), ""), h.remediation(pair[1], testRegion, accountResource(), ""))
				got := h.acct.PasswordPolicy()
				if aws.ToInt32(got.MinimumPasswordLength) != 14 || aws.ToInt32(got.PasswordReusePrevention) != 24 || seed != nil && (!got.RequireSymbols || aws.ToInt32(got.MaxPasswordAge) != 90) {
					t.Errorf("policy %s", showPolicy(got))
				}
				for _, id := range pair {
					if p := h.mustPlan(id, accountResource(), ""); !p.Empty() {
						t.Errorf("%s still plans %s", id, p)
					}
				}
			})
		}
	}
}

func TestPasswordPolicyNeverWeakened(t *testing.T) {
	h := newHarness(t)
	h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(20), PasswordReusePrevention: aws.Int32(24)})
	for _, id := range []string{"1.8", "1.9"} {
		h.acct.Log.Reset()
		if p := h.mustPlan(id, accountResource(), ""); !p.Empty() {
			t.Errorf("%s plans %s", id, p)
		}
		if h.writes() != 0 {
			t.Errorf("%s wrote", id)
		}
	}
	// A stricter configured minimum raises it further.
	p := h.remediate("1.8", accountResource(), "minimumLength: 24")
	containsAll(t, descriptions(p), "MinimumPasswordLength 20 -> 24")
}

func TestPasswordPolicyRaisedMeanwhile(t *testing.T) {
	h := newHarness(t)
	h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(8)})
	c, tgt := h.target("1.8", accountResource(), "")
	p, err := h.plan(c, tgt)
	if err != nil {
		t.Fatal(err)
	}
	h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(16), PasswordReusePrevention: aws.Int32(24)})
	h.acct.Log.Reset()
	if err := applyPlan(h, c, p); err != nil {
		t.Fatal(err)
	}
	if h.writes() != 0 || aws.ToInt32(h.acct.PasswordPolicy().MinimumPasswordLength) != 16 {
		t.Errorf("%d writes, policy %s: a stronger value set meanwhile must stay", h.writes(), showPolicy(h.acct.PasswordPolicy()))
	}
}

func TestPasswordPolicyErrors(t *testing.T) {
	t.Run("read fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Log.Fail("IAM/GetAccountPasswordPolicy", fake.Throttled())
		err := h.planErr("1.8", accountResource(), "")
		if !strings.Contains(err.Error(), "get password policy of 111122223333") || !strings.Contains(err.Error(), "Throttling") {
			t.Error(err)
		}
	})
	t.Run("update fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(8)})
		h.acct.Log.Fail("IAM/UpdateAccountPasswordPolicy", errBoom)
		c, tgt := h.target("1.8", accountResource(), "")
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		err = applyPlan(h, c, p)
		if err == nil || !strings.Contains(err.Error(), "MinimumPasswordLength 8 -> 14") || !strings.Contains(err.Error(), "boom") {
			t.Errorf("apply: %v", err)
		}
		if aws.ToInt32(h.acct.PasswordPolicy().MinimumPasswordLength) != 8 {
			t.Error("policy changed")
		}
	})
}

// The fake behaves as IAM: an update replaces the whole policy and 0 is
// not a valid reuse count.
func TestFakePasswordPolicyUpdateReplaces(t *testing.T) {
	h := newHarness(t)
	h.acct.SetPasswordPolicy(&types.PasswordPolicy{MinimumPasswordLength: aws.Int32(14), PasswordReusePrevention: aws.Int32(24), RequireSymbols: true})
	api := h.acct.IAM()
	if _, err := api.UpdateAccountPasswordPolicy(t.Context(), &iamsdk.UpdateAccountPasswordPolicyInput{PasswordReusePrevention: aws.Int32(0)}); err == nil || !strings.Contains(err.Error(), "ValidationError") {
		t.Errorf("reuse 0: %v", err)
	}
	if _, err := api.UpdateAccountPasswordPolicy(t.Context(), &iamsdk.UpdateAccountPasswordPolicyInput{RequireNumbers: true}); err != nil {
		t.Fatal(err)
	}
	got := h.acct.PasswordPolicy()
	if aws.ToInt32(got.MinimumPasswordLength) != 6 || got.PasswordReusePrevention != nil || got.RequireSymbols || !got.RequireNumbers {
		t.Errorf("omitted fields not reset: %s", showPolicy(got))
	}
}

func samePolicy(a, b *types.PasswordPolicy) bool { return showPolicy(a) == showPolicy(b) }

func showPolicy(p *types.PasswordPolicy) string {
	if p == nil {
		return "<none>"
	}
	return fmt.Sprintf("{len %d reuse %d maxAge %d expire %v hard %v change %v lower %v upper %v num %v sym %v}",
		aws.ToInt32(p.MinimumPasswordLength), aws.ToInt32(p.PasswordReusePrevention), aws.ToInt32(p.MaxPasswordAge), p.ExpirePasswords,
		aws.ToBool(p.HardExpiry), p.AllowUsersToChangePassword, p.RequireLowercaseCharacters, p.RequireUppercaseCharacters, p.RequireNumbers, p.RequireSymbols)
}

func TestIAMParams(t *testing.T) {
	bad := map[string][]string{
		"1.8":  {"minimumLength: 8", "minimumLength: 129"},
		"1.9":  {"reusePrevention: 0", "reusePrevention: 25"},
		"1.12": {"unusedDays: 0", "unusedDays: 90", "keyAction: remove"},
		"1.14": {"maxKeyAgeDays: 0", "maxKeyAgeDays: 120"},
		"1.17": {`roleName: ""`, "roleName: bad name", "roleName: " + strings.Repeat("r", 65)},
	}
	for id, settings := range bad {
		c, _ := Lookup(id)
		for _, s := range settings {
			p := cloneParams(c.Params)
			err := decodeYAML(s, p)
			if err == nil {
				err = p.(Validator).Validate()
			}
			if err == nil {
				t.Errorf("%s: %q accepted", id, s)
			}
		}
	}
}

// Unused credentials (1.12).

func TestUnusedCredentials(t *testing.T) {
	h := newHarness(t)
	u := h.acct.AddUser(fake.User{Name: "alice", Created: ago(200), Password: agoPtr(100), AccessKeys: []fake.AccessKey{{Created: ago(60)}}})
	key := u.AccessKeys[0].ID
	p := h.measure("1.12", userRes("alice"), "")
	containsAll(t, descriptions(p),
		"deactivate access key "+key+" of IAM user alice: unused for 60 days (never used; created 2026-09-27)",
		"delete the console password (login profile) of IAM user alice: unused for 100 days (never used; set 2026-08-18)")
	got := h.acct.User("alice")
	if got.AccessKeys[0].Status != types.StatusTypeInactive || got.Password != nil {
		t.Errorf("user after: %+v", got)
	}
}

func TestUnusedCredentialsCases(t *testing.T) {
	tests := []struct {
		name     string
		user     fake.User
		settings string
		want     []string // substrings of the plan, in order of its actions
		keys     []types.StatusType
		password bool   // still has one
		left     string // what the plan leaves to a person (NOTIFIED)
	}{
		{name: "key used 45 days ago is deactivated (the window includes day 45)",
			user: fake.User{AccessKeys: []fake.AccessKey{{Created: ago(300), LastUsed: agoPtr(45)}}},
			want: []string{"unused for 45 days (last used 2026-10-12 with s3 in us-east-1)"}, keys: []types.StatusType{"Inactive"}},
		{name: "key used 44.9 days ago stays",
			user: fake.User{AccessKeys: []fake.AccessKey{{Created: ago(300), LastUsed: agoPtr(44.9)}}},
			keys: []types.StatusType{"Active"}},
		{name: "key never used but created 30 days ago stays",
			user: fake.User{AccessKeys: []fake.AccessKey{{Created: ago(30)}}},
			keys: []types.StatusType{"Active"}},
		{name: "an inactive key is not the problem",
			user: fake.User{AccessKeys: []fake.AccessKey{{Created: ago(400), Status: "Inactive"}}},
			keys: []types.StatusType{"Inactive"}},
		{name: "only the stale one of two keys",
			user: fake.User{AccessKeys: []fake.AccessKey{{Created: ago(100), LastUsed: agoPtr(1)}, {Created: ago(100), LastUsed: agoPtr(80)}}},
			want: []string{"unused for 80 days"}, keys: []types.StatusType{"Active", "Inactive"}},
		{name: "keyAction delete",
			user:     fake.User{AccessKeys: []fake.AccessKey{{Created: ago(100), LastUsed: agoPtr(50)}, {Created: ago(10)}}},
			settings: "keyAction: delete",
			want:     []string{"delete access key AKIA"}, keys: []types.StatusType{"Active"}},
		{name: "stricter unusedDays",
			user:     fake.User{AccessKeys: []fake.AccessKey{{Created: ago(100), LastUsed: agoPtr(31)}}},
			settings: "unusedDays: 30",
			want:     []string{"unused for 31 days"}, keys: []types.StatusType{"Inactive"}},
		{name: "password last used 50 days ago is deleted",
			user: fake.User{Password: agoPtr(400), PasswordLastUsed: agoPtr(50)},
			want: []string{"console password (login profile) of IAM user u: unused for 50 days (last sign-in 2026-10-07)"}},
		{name: "password used 10 days ago stays",
			user: fake.User{Password: agoPtr(400), PasswordLastUsed: agoPtr(10)}, password: true},
		{name: "password set 20 days ago, never used, stays",
			user: fake.User{Password: agoPtr(20)}, password: true},
		{name: "password reset after its last use counts from the reset",
			user: fake.User{Password: agoPtr(5), PasswordLastUsed: agoPtr(100)}, password: true,
			left: "set on 2026-11-21, after its last sign-in on 2026-08-18: cisguard keeps it until it has been unused for 45 days, but IAM.22 counts from the last sign-in"},
		{name: "no credentials at all",
			user: fake.User{PasswordLastUsed: agoPtr(300)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tt.user.Name, tt.user.Created = "u", ago(500)
			h.acct.AddUser(tt.user)
			p := h.remediate("1.12", userRes("u"), tt.settings)
			if len(p.Actions) != len(tt.want) {
				t.Errorf("%d actions, want %d:\n%s", len(p.Actions), len(tt.want), p)
			}
			containsAll(t, descriptions(p), tt.want...)
			if tt.left != "" {
				wantState(t, h.check("1.12", userRes("u"), tt.settings), plan.Unresolved, tt.left, "aws iam delete-login-profile --user-name u")
			} else {
				wantState(t, h.check("1.12", userRes("u"), tt.settings), plan.Compliant)
			}
			got := h.acct.User("u")
			var status []types.StatusType
			for _, k := range got.AccessKeys {
				status = append(status, k.Status)
			}
			if fmt.Sprint(status) != fmt.Sprint(tt.keys) {
				t.Errorf("keys %v, want %v", status, tt.keys)
			}
			if (got.Password != nil) != tt.password {
				t.Errorf("has password: %v, want %v", got.Password != nil, tt.password)
			}
		})
	}
}

func TestUnusedCredentialsKeysOverPages(t *testing.T) {
	h := newHarness(t)
	h.acct.SetIAMPageSize(1)
	h.acct.AddUser(fake.User{Name: "u", AccessKeys: []fake.AccessKey{{Created: ago(1)}, {Created: ago(90)}}})
	h.remediate("1.12", userRes("u"), "")
	if k := h.acct.User("u").AccessKeys; k[1].Status != types.StatusTypeInactive {
		t.Errorf("the key on the second page was not read: %+v", k)
	}
}

func TestUserControlsVanishedAndExempt(t *testing.T) {
	for _, id := range []string{"1.12", "1.14"} {
		t.Run(id, func(t *testing.T) {
			h := newHarness(t)
			p := h.mustPlan(id, userRes("ghost"), "")
			if !p.Empty() || !strings.Contains(strings.Join(p.Notes, ""), "IAM user ghost no longer exists: nothing to do") {
				t.Errorf("vanished user: %s", p)
			}
			h.acct.AddUser(fake.User{Name: "breakglass", Tags: map[string]string{"cisguard:exempt": "true"}, Password: agoPtr(400), AccessKeys: []fake.AccessKey{{Created: ago(400)}}})
			if err := h.planErr(id, userRes("breakglass"), ""); !IsExempt(err) || !strings.Contains(err.Error(), "IAM user breakglass is exempt") {
				t.Errorf("exempt user: %v", err)
			}
			wantState(t, h.check(id, userRes("breakglass"), ""), plan.Excepted, "IAM user breakglass is exempt")
		})
	}
}

func TestUnusedCredentialsErrors(t *testing.T) {
	t.Run("last use unreadable", func(t *testing.T) {
		h := newHarness(t)
		u := h.acct.AddUser(fake.User{Name: "u", AccessKeys: []fake.AccessKey{{Created: ago(100)}}})
		h.acct.Log.Fail("IAM/GetAccessKeyLastUsed", fake.Throttled())
		err := h.planErr("1.12", userRes("u"), "")
		if !strings.Contains(err.Error(), "get last use of access key "+u.AccessKeys[0].ID+" of IAM user u") {
			t.Error(err)
		}
	})
	t.Run("deactivation fails: the password is not deleted", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddUser(fake.User{Name: "u", Password: agoPtr(100), AccessKeys: []fake.AccessKey{{Created: ago(100)}}})
		h.acct.Log.Fail("IAM/UpdateAccessKey", errBoom)
		c, tgt := h.target("1.12", userRes("u"), "")
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		o := plan.Apply(h.ctx(c), p)
		if o.Err == nil || o.Results[0].Done || o.Results[1].Error != "not run: an earlier action failed" {
			t.Errorf("outcome %+v", o)
		}
		if got := h.acct.User("u"); got.AccessKeys[0].Status != types.StatusTypeActive || got.Password == nil {
			t.Errorf("user changed: %+v", got)
		}
	})
}

// Key rotation (1.14).

func TestKeyRotation(t *testing.T) {
	h := newHarness(t)
	u := h.acct.AddUser(fake.User{Name: "ci", AccessKeys: []fake.AccessKey{{Created: ago(120), LastUsed: agoPtr(1)}}})
	id := u.AccessKeys[0].ID
	p := h.measure("1.14", userRes("ci"), "")
	containsAll(t, descriptions(p), "deactivate access key "+id+" of IAM user ci: created 2026-07-29, 120 days ago (limit 90)")
	containsAll(t, p.Notes, "aws iam create-access-key --user-name ci", "aws iam delete-access-key --user-name ci --access-key-id "+id)
	if h.acct.User("ci").AccessKeys[0].Status != types.StatusTypeInactive {
		t.Error("key still active")
	}
}

func TestKeyRotationCases(t *testing.T) {
	tests := []struct {
		name     string
		keys     []fake.AccessKey
		settings string
		want     []types.StatusType
	}{
		{"exactly 90 days old stays", []fake.AccessKey{{Created: ago(90)}}, "", []types.StatusType{"Active"}},
		{"90 days and a minute is deactivated", []fake.AccessKey{{Created: ago(90.001)}}, "", []types.StatusType{"Inactive"}},
		{"an old inactive key is left alone", []fake.AccessKey{{Created: ago(400), Status: "Inactive"}, {Created: ago(3)}}, "", []types.StatusType{"Inactive", "Active"}},
		{"both keys old", []fake.AccessKey{{Created: ago(91)}, {Created: ago(300)}}, "", []types.StatusType{"Inactive", "Inactive"}},
		{"stricter maxKeyAgeDays", []fake.AccessKey{{Created: ago(31)}, {Created: ago(29)}}, "maxKeyAgeDays: 30", []types.StatusType{"Inactive", "Active"}},
		{"no keys", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.acct.SetIAMPageSize(1) // every key on its own page
			h.acct.AddUser(fake.User{Name: "u", AccessKeys: tt.keys})
			h.remediate("1.14", userRes("u"), tt.settings)
			var got []types.StatusType
			for _, k := range h.acct.User("u").AccessKeys {
				got = append(got, k.Status)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("keys %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKeyRotationPartialFailure(t *testing.T) {
	h := newHarness(t)
	h.acct.AddUser(fake.User{Name: "u", AccessKeys: []fake.AccessKey{{Created: ago(100)}, {Created: ago(200)}}})
	h.acct.Log.Fail("IAM/UpdateAccessKey", nil, errBoom) // the first succeeds, the second fails
	c, tgt := h.target("1.14", userRes("u"), "")
	p, err := h.plan(c, tgt)
	if err != nil {
		t.Fatal(err)
	}
	o := plan.Apply(h.ctx(c), p)
	if o.Err == nil || !o.Results[0].Done || o.Results[1].Done {
		t.Fatalf("outcome %+v", o)
	}
	// Planning again picks up only what is left.
	again := h.remediate("1.14", userRes("u"), "")
	if len(again.Actions) != 1 || !strings.Contains(again.Actions[0].Description, "200 days ago") {
		t.Errorf("re-plan %s", again)
	}
}

func TestKeyRotationListFails(t *testing.T) {
	h := newHarness(t)
	h.acct.AddUser(fake.User{Name: "u"})
	h.acct.Log.Fail("IAM/ListAccessKeys", errBoom)
	if err := h.planErr("1.14", userRes("u"), ""); !strings.Contains(err.Error(), "list access keys of IAM user u") {
		t.Error(err)
	}
}

// Support role (1.17).

const supportPolicy = "arn:aws:iam::aws:policy/AWSSupportAccess"

func TestSupportRoleCreated(t *testing.T) {
	h := newHarness(t)
	p := h.measure("1.17", accountResource(), "")
	containsAll(t, descriptions(p),
		"create IAM role SupportAccessRole trusted by arn:aws:iam::111122223333:root",
		"attach arn:aws:iam::aws:policy/AWSSupportAccess to IAM role SupportAccessRole")
	r := h.acct.Role("SupportAccessRole")
	if r == nil || len(r.Attached) != 1 || r.Attached[0] != supportPolicy {
		t.Fatalf("role %+v", r)
	}
	doc, err := parsePolicy(r.TrustPolicy)
	if err != nil || len(doc.Statement) != 1 {
		t.Fatalf("trust policy %q: %v", r.TrustPolicy, err)
	}
	s := doc.Statement[0]
	principal, _ := s["Principal"].(map[string]any)
	if s["Effect"] != "Allow" || s["Action"] != "sts:AssumeRole" || principal["AWS"] != "arn:aws:iam::111122223333:root" {
		t.Errorf("trust statement %v", s)
	}
}

func TestSupportRoleCases(t *testing.T) {
	t.Run("any role with the policy is enough", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddRole("ops-support", "{}", supportPolicy)
		h.acct.Log.Reset()
		if p := h.mustPlan("1.17", accountResource(), ""); !p.Empty() || h.writes() != 0 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("a user with the policy is not a role", func(t *testing.T) {
		h := newHarness(t)
		h.acct.AddUser(fake.User{Name: "helpdesk", Attached: []string{supportPolicy}})
		if p := h.remediate("1.17", accountResource(), ""); len(p.Actions) != 2 {
			t.Errorf("plan %s", p)
		}
	})
	t.Run("existing role of that name only gets the policy", func(t *testing.T) {
		h := newHarness(t)
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Admin"},"Action":"sts:AssumeRole"}]}`
		h.acct.AddRole("Support", trust, "arn:aws:iam::aws:policy/ReadOnlyAccess")
		p := h.remediate("1.17", accountResource(), "roleName: Support")
		if len(p.Actions) != 1 || !strings.Contains(p.Actions[0].Description, "attach "+supportPolicy+" to IAM role Support") {
			t.Errorf("plan %s", p)
		}
		containsAll(t, p.Notes, "IAM role Support already exists; its trust policy is kept")
		if r := h.acct.Role("Support"); r.TrustPolicy != trust || len(r.Attached) != 2 {
			t.Errorf("role %+v", r)
		}
	})
	t.Run("other partition", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Partition = "aws-us-gov"
		p := h.remediate("1.17", accountResource(), "")
		containsAll(t, descriptions(p), "trusted by arn:aws-us-gov:iam::111122223333:root", "attach arn:aws-us-gov:iam::aws:policy/AWSSupportAccess")
	})
	t.Run("attach fails after create: the next run only attaches", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Log.Fail("IAM/AttachRolePolicy", errBoom)
		c, tgt := h.target("1.17", accountResource(), "")
		p, err := h.plan(c, tgt)
		if err != nil {
			t.Fatal(err)
		}
		if o := plan.Apply(h.ctx(c), p); o.Err == nil || !o.Results[0].Done || o.Results[1].Done {
			t.Fatalf("outcome %+v", o)
		}
		if again := h.remediate("1.17", accountResource(), ""); len(again.Actions) != 1 {
			t.Errorf("re-plan %s", again)
		}
	})
	t.Run("role lookup fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Log.Fail("IAM/GetRole", errBoom)
		if err := h.planErr("1.17", accountResource(), ""); !strings.Contains(err.Error(), "get IAM role SupportAccessRole") {
			t.Error(err)
		}
	})
}

// Root user (1.4, 1.5, 1.6).

func TestRootAccessKeysGuide(t *testing.T) {
	h := newHarness(t)
	h.noGuide("1.4", accountResource())
	h.acct.SetRootCredentials(true, true)
	g := h.mustGuide("1.4", accountResource())
	containsAll(t, guideText(g), "root user of account 111122223333 has access keys", "Credential report",
		"Actions > Deactivate", "aws sts assume-root --target-principal 111122223333 --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials")
}

func TestRootMFAGuide(t *testing.T) {
	h := newHarness(t)
	g := h.mustGuide("1.5", accountResource())
	containsAll(t, guideText(g), "root user of account 111122223333 has no MFA device", "Assign MFA device")
	h.acct.SetRootCredentials(false, true)
	h.noGuide("1.5", accountResource())
}

func TestRootHardwareMFAGuide(t *testing.T) {
	t.Run("no MFA at all", func(t *testing.T) {
		h := newHarness(t)
		g := h.mustGuide("1.6", accountResource())
		containsAll(t, guideText(g), "no MFA device at all", "Security key (FIDO) or Hardware TOTP token")
	})
	t.Run("hardware MFA only", func(t *testing.T) {
		h := newHarness(t)
		h.acct.SetRootCredentials(false, true)
		h.acct.AddUser(fake.User{Name: "alice"})
		h.acct.AddVirtualMFADevice("arn:aws:iam::111122223333:mfa/alice", "alice")
		h.acct.AddVirtualMFADevice("arn:aws:iam::111122223333:mfa/spare", "")
		h.noGuide("1.6", accountResource())
	})
	t.Run("virtual devices of root on later pages", func(t *testing.T) {
		h := newHarness(t)
		h.acct.SetIAMPageSize(1)
		h.acct.AddUser(fake.User{Name: "alice"})
		h.acct.AddVirtualMFADevice("arn:aws:iam::111122223333:mfa/alice", "alice")
		h.acct.AddVirtualMFADevice("arn:aws:iam::111122223333:mfa/root-account-mfa-device", "root")
		h.acct.AddVirtualMFADevice("arn:aws:iam::111122223333:mfa/phone", "root") // a named root device
		g := h.mustGuide("1.6", accountResource())
		containsAll(t, guideText(g),
			"uses virtual MFA (arn:aws:iam::111122223333:mfa/root-account-mfa-device, arn:aws:iam::111122223333:mfa/phone)",
			"select the virtual device arn:aws:iam::111122223333:mfa/phone and choose Remove")
		if strings.Contains(strings.Join(guideText(g), "\n"), "mfa/alice") {
			t.Error("a user's device is named as root's")
		}
	})
	t.Run("summary fails", func(t *testing.T) {
		h := newHarness(t)
		h.acct.Log.Fail("IAM/GetAccountSummary", errBoom)
		if _, err := h.guide("1.6", accountResource(), ""); err == nil || !strings.Contains(err.Error(), "get IAM account summary of 111122223333") {
			t.Error(err)
		}
	})
}

// Console users without MFA (1.10).

func TestUserMFAGuide(t *testing.T) {
	h := newHarness(t)
	h.acct.AddUser(fake.User{Name: "alice", Password: agoPtr(30), PasswordLastUsed: agoPtr(2)})
	g := h.mustGuide("1.10", userRes("alice"))
	containsAll(t, guideText(g),
		"IAM user alice of account 111122223333 has a console password (last sign-in 2026-11-24) and no MFA device",
		"IAM > Users > alice > Security credentials",
		"aws iam enable-mfa-device --user-name alice --serial-number arn:aws:iam::111122223333:mfa/alice",
		"aws iam delete-login-profile --user-name alice")

	h.acct.AddUser(fake.User{Name: "bob", Password: agoPtr(30), MFA: []string{"GAHT12345678"}})
	h.noGuide("1.10", userRes("bob"))
	h.acct.AddUser(fake.User{Name: "svc", AccessKeys: []fake.AccessKey{{Created: ago(1)}}})
	h.noGuide("1.10", userRes("svc")) // no console password
	h.noGuide("1.10", userRes("ghost"))

	h.acct.Log.Fail("IAM/ListMFADevices", errBoom)
	if _, err := h.guide("1.10", userRes("alice"), ""); err == nil || !strings.Contains(err.Error(), "list MFA devices of IAM user alice") {
		t.Error(err)
	}
}

// Full-admin policies (1.16).

const adminDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"ReadLogs","Effect":"Allow","Action":"logs:Get*","Resource":"*"},{"Sid":"FullAccess","Effect":"Allow","Action":"*","Resource":"*"}]}`

func TestAdminPolicyGuide(t *testing.T) {
	h := newHarness(t)
	arn := h.acct.AddPolicy("Admins", adminDoc)
	h.acct.AddGroup("admins", arn)
	h.acct.AddUser(fake.User{Name: "bob", Attached: []string{arn}})
	h.acct.AddRole("ops", "{}", arn)
	g := h.mustGuide("1.16", policyRes(arn))
	containsAll(t, guideText(g),
		`IAM policy Admins (arn:aws:iam::111122223333:policy/Admins) allows Action "*" on Resource "*" in its default version v1 (statement FullAccess) and is attached to group admins; user bob; role ops.`,
		"aws iam create-policy-version --policy-arn "+arn+" --policy-document file://least-privilege.json --set-as-default",
		"group admins: aws iam detach-group-policy --group-name admins --policy-arn "+arn,
		"user bob: aws iam detach-user-policy --user-name bob --policy-arn "+arn,
		"role ops: aws iam detach-role-policy --role-name ops --policy-arn "+arn)
}

func TestAdminPolicyGuideCases(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		admin bool
	}{
		{"lists and single statement", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:*","*"],"Resource":["arn:aws:s3:::b","*"]}}`, true},
		{"*:* counts as everything", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*:*","Resource":"*"}]}`, true},
		{"every action on some resources", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}]}`, false},
		{"a service's actions everywhere", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, false},
		{"deny all", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			arn := h.acct.AddPolicy("P", tt.doc)
			g, err := h.guide("1.16", policyRes(arn), "")
			if err != nil || (g != nil) != tt.admin {
				t.Errorf("guidance %+v, %v; want admin=%v", g, err, tt.admin)
			}
			if g != nil {
				containsAll(t, guideText(g), "statement #1", "attached to no user, group or role", "aws iam delete-policy --policy-arn "+arn)
			}
		})
	}
}

func TestAdminPolicyDefaultVersion(t *testing.T) {
	narrow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	h := newHarness(t)
	fixed := h.acct.AddPolicy("Fixed", adminDoc)
	h.acct.AddPolicyVersion(fixed, narrow, true)
	h.noGuide("1.16", policyRes(fixed))

	broken := h.acct.AddPolicy("Broken", narrow)
	h.acct.AddPolicyVersion(broken, adminDoc, true)
	g := h.mustGuide("1.16", policyRes(broken))
	containsAll(t, guideText(g), "in its default version v2")

	h.noGuide("1.16", policyRes("arn:aws:iam::111122223333:policy/Gone"))
}

func TestAdminPolicyAttachmentsOverPages(t *testing.T) {
	h := newHarness(t)
	arn := h.acct.AddPolicy("Admins", adminDoc)
	for i := range 150 {
		h.acct.AddRole(fmt.Sprintf("role-%03d", i), "{}", arn)
	}
	g := h.mustGuide("1.16", policyRes(arn))
	containsAll(t, guideText(g), "roles role-000, role-001", "role-149", "role role-149: aws iam detach-role-policy --role-name role-149")
}

func TestAdminPolicyErrors(t *testing.T) {
	h := newHarness(t)
	arn := h.acct.AddPolicy("Admins", adminDoc)
	h.acct.Log.Fail("IAM/ListEntitiesForPolicy", nil, fake.Throttled()) // the second page fails
	h.acct.SetIAMPageSize(1)
	h.acct.AddGroup("a", arn)
	h.acct.AddGroup("b", arn)
	if _, err := h.guide("1.16", policyRes(arn), ""); err == nil || !strings.Contains(err.Error(), "list entities of policy "+arn) {
		t.Errorf("error %v", err)
	}
	h.acct.Log.Fail("IAM/GetPolicyVersion", errBoom)
	if _, err := h.guide("1.16", policyRes(arn), ""); err == nil || !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "get version v1 of policy") {
		t.Errorf("error %v", err)
	}
}

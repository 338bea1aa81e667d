package controls

// The IAM credential report: every user's console password, MFA and
// access keys in one download. A scan generates it once per account
// (memo.Memoizer) and screens users with it; a user the screen fails is
// planned read-only, so a FAIL is the plan's verdict on live state.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/memo"
)

// credentialRow is one user of the report.
type credentialRow struct {
	user, arn string
	root      bool
	password  bool
	// passwordUsed and passwordSet are nil when the report has no date.
	passwordUsed, passwordSet *time.Time
	mfa                       bool
	keys                      []reportKey // active keys only
}

// reportKey is an active access key of the report.
type reportKey struct {
	n        int // 1 or 2
	rotated  time.Time
	lastUsed *time.Time
}

// credentialReport is the account's report and when IAM generated it.
type credentialReport struct {
	rows []credentialRow
	at   time.Time
}

// reportPoll is the first wait between polls while IAM generates the
// report; it doubles up to ten seconds.
var reportPoll = 200 * time.Millisecond

// credentialReportOf returns the account's credential report, generated
// (or reused, when IAM has one under four hours old) once per scan.
func credentialReportOf(ctx context.Context, t *Target) (*credentialReport, error) {
	get := func() (any, error) { return fetchCredentialReport(ctx, t.Clients.IAM(), t.Account()) }
	if m, ok := t.Clients.(memo.Memoizer); ok {
		v, err := m.Value(ctx, "iam/credential-report", get)
		r, _ := v.(*credentialReport)
		return r, err
	}
	v, err := get()
	r, _ := v.(*credentialReport)
	return r, err
}

func fetchCredentialReport(ctx context.Context, api awsapi.IAM, account string) (*credentialReport, error) {
	wait := reportPoll
	for deadline := time.Now().Add(5 * time.Minute); ; {
		out, err := api.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return nil, fmt.Errorf("generate the IAM credential report of account %s: %w", account, err)
		}
		if out.State == iamtypes.ReportStateTypeComplete {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("generate the IAM credential report of account %s: still %s after 5 minutes", account, out.State)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
	out, err := api.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		return nil, fmt.Errorf("get the IAM credential report of account %s: %w", account, err)
	}
	rows, err := parseCredentialReport(out.Content)
	if err != nil {
		return nil, fmt.Errorf("IAM credential report of account %s: %w", account, err)
	}
	r := &credentialReport{rows: rows}
	if out.GeneratedTime != nil {
		r.at = *out.GeneratedTime
	}
	return r, nil
}

// parseCredentialReport reads the CSV by column name, as IAM documents it.
func parseCredentialReport(content []byte) ([]credentialRow, error) {
	recs, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("empty")
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, need := range []string{"user", "arn", "password_enabled", "password_last_used", "password_last_changed", "mfa_active",
		"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("no column %s", need)
		}
	}
	var rows []credentialRow
	for _, rec := range recs[1:] {
		f := func(name string) string {
			if i := col[name]; i < len(rec) {
				return rec[i]
			}
			return ""
		}
		r := credentialRow{user: f("user"), arn: f("arn"), root: f("user") == "<root_account>",
			password: f("password_enabled") == "true", mfa: f("mfa_active") == "true",
			passwordUsed: reportTime(f("password_last_used")), passwordSet: reportTime(f("password_last_changed"))}
		for n := 1; n <= 2; n++ {
			k := fmt.Sprintf("access_key_%d_", n)
			if f(k+"active") != "true" {
				continue
			}
			rk := reportKey{n: n, lastUsed: reportTime(f(k + "last_used_date"))}
			if t := reportTime(f(k + "last_rotated")); t != nil {
				rk.rotated = *t
			}
			r.keys = append(r.keys, rk)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// reportTime reads a date of the report; nil for N/A, no_information,
// not_supported.
func reportTime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &t
}

// reportMargin widens the screens: the report may be up to four hours
// old, so a credential a little short of a limit is planned too, and the
// plan decides on live state.
const reportMargin = 24 * time.Hour

// users returns the report's IAM users (not root) as resources.
func (r *credentialReport) users() []credentialRow {
	var out []credentialRow
	for _, row := range r.rows {
		if !row.root {
			out = append(out, row)
		}
	}
	return out
}

// checkUsers runs a report screen over every user: screen returns "" for a
// user it passes (with why in pass), else the user is planned read-only.
func checkUsers(ctx context.Context, c *Control, t *Target, screen func(credentialRow) (failing bool, why string)) ([]Result, error) {
	rep, err := credentialReportOf(ctx, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, u := range rep.users() {
		res := arnResource(t, "AwsIamUser", t.Region(), u.arn)
		failing, why := screen(u)
		if !failing {
			out = append(out, pass(res, "IAM user %s: %s (credential report of %s)", u.user, why, rep.at.UTC().Format(time.RFC3339)))
			continue
		}
		out = append(out, Verdict(ctx, c, t.on(res)))
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no IAM user in account %s", t.Account()))
	}
	return out, nil
}

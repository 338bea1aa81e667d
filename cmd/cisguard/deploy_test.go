package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cisguard/cisguard/internal/plan"
)

// awsEndpoint is a tiny AWS for the checks deploy makes before building:
// STS answers who the caller is, EC2 lists the partition's regions, and
// Organizations says the account is in no organization.
func awsEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(body))
		switch {
		case q.Get("Action") == "GetCallerIdentity":
			fmt.Fprint(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:user/ana</Arn><UserId>AIDA</UserId><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
		case q.Get("Action") == "DescribeRegions":
			fmt.Fprint(w, `<DescribeRegionsResponse><requestId>1</requestId><regionInfo>`)
			for _, r := range []string{"eu-west-1", "us-east-1", "eu-central-1"} {
				fmt.Fprintf(w, `<item><regionName>%s</regionName><optInStatus>opt-in-not-required</optInStatus></item>`, r)
			}
			fmt.Fprint(w, `</regionInfo></DescribeRegionsResponse>`)
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSOrganizationsV20161128."):
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"AWSOrganizationsNotInUseException","message":"Your account is not a member of an organization."}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<ErrorResponse><Error><Code>InvalidAction</Code><Message>%s %s</Message></Error></ErrorResponse>`, q.Get("Action"), r.Header.Get("X-Amz-Target"))
		}
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
}

// TestDeployChecksBeforeBuilding: a misspelt region is refused with the
// valid names, and an account outside an organization with the reason,
// before anything is built or planned (no build line, no plan).
func TestDeployChecksBeforeBuilding(t *testing.T) {
	awsEndpoint(t)
	t.Chdir(filepath.Join("..", "..")) // the source tree, which deploy would build
	code, out, stderr := cli(t, "", "deploy", "--admin-account", "222222222222", "--regions", "eu-west-1,eu-wst-1", "--dry-run")
	want := `cisguard: --regions: "eu-wst-1" is not a region of partition aws (did you mean eu-west-1?); valid names: eu-central-1, eu-west-1, us-east-1` + "\n"
	if code != exitBadInput || stderr != want || out != "" {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant   %q", code, out, stderr, want)
	}

	code, out, stderr = cli(t, "", "deploy", "--admin-account", "222222222222", "--regions", "eu-west-1,us-east-1", "--dry-run")
	if code != exitBadInput || !strings.Contains(stderr, "organizations:DescribeOrganization (is this account in an AWS Organization?)") || strings.Contains(stderr, "building") || out != "" {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, stderr)
	}
}

// TestDeployWithoutCredentials fails in one line, before building.
func TestDeployWithoutCredentials(t *testing.T) {
	withoutCredentials(t)
	t.Chdir(filepath.Join("..", ".."))
	code, out, stderr := cli(t, "", "deploy", "--admin-account", "222222222222", "--regions", "eu-west-1", "--dry-run")
	if code != exitBadInput || !strings.HasPrefix(stderr, "cisguard: no AWS credentials found; ") || strings.Count(stderr, "\n") != 1 || out != "" {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, stderr)
	}
}

// TestAnnouncedSteps: while a deployment applies, each step says when it
// starts and ends; a failed step stops the rest.
func TestAnnouncedSteps(t *testing.T) {
	var pl plan.Plan
	pl.Add("create StackSet cisguard-member-role", func(context.Context) error { return nil })
	pl.Add("deploy StackSet cisguard-member-role in eu-west-1 to 3 accounts", func(context.Context) error { return errors.New("boom") })
	pl.Add("never", func(context.Context) error { t.Error("ran after a failure"); return nil })
	var out bytes.Buffer
	o := plan.Apply(context.Background(), announced(&out, &pl))
	want := "[1/3] create StackSet cisguard-member-role …\n[1/3] done in 0s\n[2/3] deploy StackSet cisguard-member-role in eu-west-1 to 3 accounts …\n"
	if out.String() != want || o.Err == nil {
		t.Errorf("output %q\nwant   %q", out.String(), want)
	}
	var steps bytes.Buffer
	renderSteps(&steps, &pl)
	if !strings.Contains(steps.String(), "  1. create StackSet cisguard-member-role\n       cloudformation:CreateStackSet\n  2. deploy StackSet") {
		t.Errorf("steps:\n%s", steps.String())
	}
}

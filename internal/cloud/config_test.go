package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// noAWSEnv clears every source of credentials the SDK would find here and
// points the instance metadata service at addr.
func noAWSEnv(t *testing.T, imdsEndpoint string) {
	dir := t.TempDir()
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsEndpoint)
	t.Setenv("AWS_REGION", "eu-west-1")
}

// closedPort returns the URL of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestIMDSProbeIsBounded: the instance-role lookup makes IMDSAttempts
// attempts per call (the SDK's default is 3 with backoff), so that no
// credentials fail fast off EC2. Its timing is measured outside the unit
// tests (README, "No credentials").
func TestIMDSProbeIsBounded(t *testing.T) {
	o := imdsOptions(logging.Nop{})
	if got := o.Retryer.MaxAttempts(); got != IMDSAttempts || IMDSAttempts > 2 {
		t.Errorf("IMDS attempts %d (IMDSAttempts %d), want at most 2", got, IMDSAttempts)
	}
	if o.HTTPClient != nil || o.DisableDefaultTimeout {
		t.Error("the IMDS client must keep its own short connect and response timeouts")
	}
	if o.EnableFallback != aws.FalseTernary || !o.DisableDefaultMaxBackoff {
		t.Error("IMDSv1 fallback (a second probe) or the 1 s backoff is on")
	}
}

// TestNoCredentials: with nothing configured and no instance metadata
// service, WhoAmI fails with one line that says what to do, asking IMDS
// no more than the bound allows.
func TestNoCredentials(t *testing.T) {
	var probes int
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probes++
		w.WriteHeader(http.StatusNotFound) // not on EC2: no token, no role
	}))
	defer imds.Close()
	noAWSEnv(t, imds.URL)
	cfg, err := LoadConfig(context.Background(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = WhoAmI(context.Background(), cfg)
	var env *EnvError
	if !errors.As(err, &env) {
		t.Fatalf("error %v is not an EnvError", err)
	}
	want := "no AWS credentials found; set AWS_PROFILE to a configured profile, export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure sso` then `aws sso login`"
	if err.Error() != want {
		t.Errorf("error %q\nwant  %q", err, want)
	}
	if probes == 0 || probes > IMDSAttempts {
		t.Errorf("%d IMDS requests, want 1 to %d (token requests only)", probes, IMDSAttempts)
	}

	// Unreachable IMDS, and IMDS switched off: the same answer.
	noAWSEnv(t, closedPort(t))
	cfg, _ = LoadConfig(context.Background(), nil, "")
	if _, err := WhoAmI(context.Background(), cfg); err == nil || err.Error() != want {
		t.Errorf("unreachable IMDS: %v", err)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg, _ = LoadConfig(context.Background(), nil, "")
	if _, err := WhoAmI(context.Background(), cfg); err == nil || err.Error() != want {
		t.Errorf("IMDS disabled: %v", err)
	}
}

// TestProfileWithoutCredentials names the profile and the SSO fix.
func TestProfileWithoutCredentials(t *testing.T) {
	noAWSEnv(t, closedPort(t))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "audit")
	_, err := LoadConfig(context.Background(), nil, "")
	if err == nil || !strings.Contains(err.Error(), "audit") || strings.Count(err.Error(), "\n") > 0 {
		t.Errorf("error %v", err)
	}
}

// sts answers GetCallerIdentity with an error code, or with an identity.
func stsAnswering(t *testing.T, code string) aws.Config {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code == "" {
			fmt.Fprint(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws-us-gov:iam::222233334444:user/ana</Arn><UserId>AIDA</UserId><Account>222233334444</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>The security token included in the request is expired</Message></Error><RequestId>1</RequestId></ErrorResponse>`, code)
	}))
	t.Cleanup(srv.Close)
	return aws.Config{Region: "us-gov-west-1", Credentials: credentials.NewStaticCredentialsProvider("ASIA", "s", "t"), BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client()}
}

func TestWhoAmI(t *testing.T) {
	id, err := WhoAmI(context.Background(), stsAnswering(t, ""))
	if err != nil || id != (Identity{Account: "222233334444", ARN: "arn:aws-us-gov:iam::222233334444:user/ana", Partition: "aws-us-gov"}) {
		t.Errorf("identity %+v, %v", id, err)
	}
	_, err = WhoAmI(context.Background(), stsAnswering(t, "ExpiredToken"))
	if err == nil || !strings.HasPrefix(err.Error(), "your AWS credentials have expired (ExpiredToken); sign in again: `aws sso login`") {
		t.Errorf("expired: %v", err)
	}
	_, err = WhoAmI(context.Background(), stsAnswering(t, "InvalidClientTokenId"))
	if err == nil || !strings.Contains(err.Error(), "AWS does not accept your credentials (InvalidClientTokenId") {
		t.Errorf("invalid: %v", err)
	}
	_, err = WhoAmI(context.Background(), aws.Config{Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	if err == nil || !strings.Contains(err.Error(), "set AWS_REGION") {
		t.Errorf("no region: %v", err)
	}
}

// TestSDKLogsGoThroughSlog: the SDK's warnings reach the logger at warn,
// its other lines at debug, and the level filters them.
func TestSDKLogsGoThroughSlog(t *testing.T) {
	var buf bytes.Buffer
	l := SDKLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	l.Logf(logging.Warn, "falling back to IMDSv1: %s", "403")
	l.Logf(logging.Debug, "retrying request %d", 2)
	if got := buf.String(); !strings.Contains(got, `level=WARN msg="aws sdk: falling back to IMDSv1: 403"`) || strings.Contains(got, "retrying") {
		t.Errorf("log %q", got)
	}
}

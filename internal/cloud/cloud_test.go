package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/cisguard/cisguard/internal/perms"
)

// endpoint is a tiny AWS: STS AssumeRole and EC2 GetEbsEncryptionByDefault
// over the query protocol, recording what it was asked.
type endpoint struct {
	mu       sync.Mutex
	assumed  []string // role ARNs
	ec2Auth  []string // access key ids that signed EC2 calls
	throttle int      // EC2 calls to throttle before answering
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	q, _ := url.ParseQuery(string(body))
	e.mu.Lock()
	defer e.mu.Unlock()
	switch q.Get("Action") {
	case "AssumeRole":
		role := q.Get("RoleArn")
		e.assumed = append(e.assumed, role)
		if strings.Contains(role, "999999999999") {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMED%d</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>%s/cisguard</Arn><AssumedRoleId>AROA:cisguard</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`, len(e.assumed), role)
	case "GetEbsEncryptionByDefault":
		auth := r.Header.Get("Authorization")
		if i := strings.Index(auth, "Credential="); i >= 0 {
			e.ec2Auth = append(e.ec2Auth, strings.SplitN(auth[i+len("Credential="):], "/", 2)[0])
		}
		if e.throttle > 0 {
			e.throttle--
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>1</RequestID></Response>`)
			return
		}
		fmt.Fprint(w, `<GetEbsEncryptionByDefaultResponse><requestId>1</requestId><ebsEncryptionByDefault>true</ebsEncryptionByDefault></GetEbsEncryptionByDefaultResponse>`)
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse><Error><Code>InvalidAction</Code><Message>%s</Message></Error></ErrorResponse>`, q.Get("Action"))
	}
}

func newFactory(t *testing.T, e *endpoint) *Factory {
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	base := aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAENGINE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
	}
	return New(base, Options{RoleName: "CIS_Remediator_Role", MaxAttempts: 3})
}

var declared = perms.Declare(context.Background(), "2.2.1", []string{"ec2:GetEbsEncryptionByDefault"})

func TestAssumesOncePerAccount(t *testing.T) {
	e := &endpoint{}
	f := newFactory(t, e)
	for _, region := range []string{"eu-west-1", "us-east-1", "eu-west-1"} {
		c := f.Clients("aws", "444455556666", region)
		if _, err := c.EC2().GetEbsEncryptionByDefault(declared, &ec2.GetEbsEncryptionByDefaultInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Assume(context.Background(), "aws", "444455556666"); err != nil {
		t.Fatal(err)
	}
	want := "arn:aws:iam::444455556666:role/CIS_Remediator_Role"
	if len(e.assumed) != 1 || e.assumed[0] != want {
		t.Errorf("assumed %v, want once %s", e.assumed, want)
	}
	for _, k := range e.ec2Auth {
		if k != "ASIAASSUMED1" {
			t.Errorf("EC2 call signed with %s, not the member role's credentials", k)
		}
	}
	if f.Clients("aws", "444455556666", "eu-west-1") != f.Clients("aws", "444455556666", "eu-west-1") {
		t.Error("clients rebuilt for the same account and region")
	}
}

func TestAssumeFailureNamesTheRole(t *testing.T) {
	f := newFactory(t, &endpoint{})
	err := f.Assume(context.Background(), "aws", "999999999999")
	want := "cannot assume the member role arn:aws:iam::999999999999:role/CIS_Remediator_Role: sts:AssumeRole: AccessDenied: not authorized to perform: sts:AssumeRole; deploy the member role StackSet there (cisguard deploy), or check roleName and externalId in the configuration"
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant  %s", err, want)
	}
}

func TestUndeclaredCallIsRefusedBeforeSending(t *testing.T) {
	e := &endpoint{}
	f := newFactory(t, e)
	ctx := perms.Declare(context.Background(), "5.3", []string{"ec2:DescribeSecurityGroups"})
	_, err := f.Clients("aws", "444455556666", "eu-west-1").EC2().GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	var ue *perms.UndeclaredError
	if !errors.As(err, &ue) || ue.Action != "ec2:GetEbsEncryptionByDefault" || ue.Owner != "5.3" {
		t.Fatalf("error %v", err)
	}
	if len(e.ec2Auth) != 0 {
		t.Error("the undeclared call reached AWS")
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	e := &endpoint{throttle: 2}
	f := newFactory(t, e)
	f.opts.NoAssume = true
	c := f.Clients("aws", "444455556666", "eu-west-1")
	if _, err := c.EC2().GetEbsEncryptionByDefault(declared, &ec2.GetEbsEncryptionByDefaultInput{}); err != nil {
		t.Fatalf("throttled call not retried to success: %v", err)
	}
	if len(e.ec2Auth) != 3 || e.ec2Auth[0] != "AKIAENGINE" {
		t.Errorf("calls %v", e.ec2Auth)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/controls"
	"github.com/cisguard/cisguard/internal/engine"
)

// stubAWS is just enough of AWS, over HTTP in each service's own protocol,
// for the production client factory, engine.AWS and the SDK's retryer to
// handle a 2.2.1 finding (EC2.7, EBS encryption by default) end to end:
// STS AssumeRole, Organizations DescribeOrganization, Security Hub
// GetFindings and BatchUpdateFindings, EC2 Get/EnableEbsEncryptionByDefault,
// SNS ListTopics and Publish. It counts the calls and can fail the first
// attempt of every operation, alternately throttled and with a 5xx.
type stubAWS struct {
	mu        sync.Mutex
	calls     map[string]int  // "service/Operation" → attempts
	faulted   map[string]bool // operations already failed once
	faults    bool            // fail the first attempt of every operation
	encrypted bool            // EBS encryption by default in the member account
	finding   map[string]any  // the 2.2.1 finding as Security Hub holds it
	published []string        // message subjects
}

const memberTopic = "arn:aws:sns:eu-central-1:444455556666:CISRemediationSNSTopic"

func newStubAWS(t *testing.T) *stubAWS {
	t.Helper()
	var ev struct {
		Detail struct{ Findings []map[string]any } `json:"detail"`
	}
	if err := json.Unmarshal(read(t, "custom-action-two-findings.json"), &ev); err != nil {
		t.Fatal(err)
	}
	return &stubAWS{calls: map[string]int{}, faulted: map[string]bool{}, finding: ev.Detail.Findings[1]}
}

// event is the Imported event of the finding as Security Hub holds it now.
func (s *stubAWS) event(t *testing.T) json.RawMessage {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(map[string]any{"version": "0", "id": "e1", "detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub",
		"account": "777788889999", "region": "eu-central-1", "detail": map[string]any{"findings": []any{s.finding}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reraise is Security Hub raising the finding again: someone turned the
// setting off, and the finding is NEW.
func (s *stubAWS) reraise() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.encrypted = false
	s.finding["Workflow"] = map[string]any{"Status": "NEW"}
}

func (s *stubAWS) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *stubAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	service := signingService(r.Header.Get("Authorization"))
	op := ""
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		op = r.Header.Get("X-Amz-Target")[strings.LastIndex(r.Header.Get("X-Amz-Target"), ".")+1:]
	case service == "securityhub" && r.URL.Path == "/findings":
		op = "GetFindings"
	case service == "securityhub" && r.URL.Path == "/findings/batchupdate":
		op = "BatchUpdateFindings"
	default:
		q, _ := url.ParseQuery(string(body))
		op = q.Get("Action")
	}
	key := service + "/" + op
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[key]++
	if s.faults && !s.faulted[key] {
		s.faulted[key] = true
		fail(w, service, len(s.faulted)%2 == 0)
		return
	}
	switch key {
	case "sts/AssumeRole":
		fmt.Fprintf(w, `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAMEMBER</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::444455556666:assumed-role/CIS_Remediator_Role/cisguard</Arn><AssumedRoleId>AROA:cisguard</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	case "organizations/DescribeOrganization":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, `{"Organization":{"Id":"o-abcdefghij","MasterAccountId":"999999999999"}}`)
	case "securityhub/GetFindings":
		json.NewEncoder(w).Encode(map[string]any{"Findings": []any{s.finding}})
	case "securityhub/BatchUpdateFindings":
		var in struct {
			FindingIdentifiers []map[string]string
			Workflow           struct{ Status string }
		}
		json.Unmarshal(body, &in)
		s.finding["Workflow"] = map[string]any{"Status": in.Workflow.Status}
		json.NewEncoder(w).Encode(map[string]any{"ProcessedFindings": in.FindingIdentifiers, "UnprocessedFindings": []any{}})
	case "ec2/GetEbsEncryptionByDefault", "ec2/EnableEbsEncryptionByDefault":
		if op == "EnableEbsEncryptionByDefault" {
			s.encrypted = true
		}
		fmt.Fprintf(w, `<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><ebsEncryptionByDefault>%t</ebsEncryptionByDefault></%sResponse>`, op, s.encrypted, op)
	case "sns/ListTopics":
		fmt.Fprintf(w, `<ListTopicsResponse><ListTopicsResult><Topics><member><TopicArn>%s</TopicArn></member></Topics></ListTopicsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></ListTopicsResponse>`, memberTopic)
	case "sns/Publish":
		q, _ := url.ParseQuery(string(body))
		s.published = append(s.published, q.Get("Subject"))
		fmt.Fprint(w, `<PublishResponse><PublishResult><MessageId>m1</MessageId></PublishResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></PublishResponse>`)
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse><Error><Code>InvalidAction</Code><Message>stub: %s</Message></Error></ErrorResponse>`, key)
	}
}

// signingService is the service of a SigV4 Authorization header's scope.
func signingService(auth string) string {
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return ""
	}
	scope := strings.Split(strings.SplitN(auth[i+len("Credential="):], ",", 2)[0], "/")
	if len(scope) < 4 {
		return ""
	}
	return scope[3]
}

// fail answers as the service does when it throttles, or fails inside.
func fail(w http.ResponseWriter, service string, throttle bool) {
	code, status := "InternalFailure", http.StatusInternalServerError
	switch {
	case throttle && service == "ec2":
		code, status = "RequestLimitExceeded", http.StatusServiceUnavailable
	case throttle && (service == "securityhub" || service == "organizations"):
		code, status = "TooManyRequestsException", http.StatusTooManyRequests
	case throttle:
		code, status = "Throttling", http.StatusBadRequest
	case service == "ec2":
		code = "InternalError"
	}
	switch service {
	case "securityhub":
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"Code":%q,"Message":"stub fault"}`, code)
	case "organizations":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":"stub fault"}`, code)
	case "ec2":
		w.WriteHeader(status)
		fmt.Fprintf(w, `<Response><Errors><Error><Code>%s</Code><Message>stub fault</Message></Error></Errors><RequestID>1</RequestID></Response>`, code)
	default:
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>stub fault</Message></Error><RequestId>1</RequestId></ErrorResponse>`, code)
	}
}

// awsHandler is the function's handler as setup builds it (engine.AWS on
// cloud.Factory, one engine for the container), on stub AWS.
func awsHandler(t *testing.T, stub *stubAWS) *handler {
	t.Helper()
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	base := aws.Config{
		Region:       "eu-central-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAENGINE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
	}
	cfg := config.Default()
	set, err := controls.Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	factory := cloud.New(base, cloud.Options{RoleName: cfg.RoleName, MaxBackoff: time.Millisecond})
	log := slog.New(slog.DiscardHandler)
	return &handler{engine: engine.New(cfg, set, &engine.AWS{Factory: factory}, engine.Options{Logger: log}), log: log}
}

// TestFixedCostsOncePerContainer: two invocations of one warm function,
// each remediating a finding of the same account and region, pay the
// fixed costs once: the management account lookup, the member role's
// credentials, the member topic lookup.
func TestFixedCostsOncePerContainer(t *testing.T) {
	stub := newStubAWS(t)
	h := awsHandler(t, stub)
	for i := range 2 {
		if i == 1 {
			stub.reraise()
		}
		out, err := h.handle(context.Background(), stub.event(t))
		if err != nil {
			t.Fatal(err)
		}
		if got := out.(map[string]int); got[engine.Remediated] != 1 {
			t.Fatalf("invocation %d: %v", i+1, got)
		}
	}
	for op, want := range map[string]int{
		"organizations/DescribeOrganization": 1, "sts/AssumeRole": 1, "sns/ListTopics": 1, // once per container
		"securityhub/GetFindings": 2, "ec2/EnableEbsEncryptionByDefault": 2, "sns/Publish": 2, "securityhub/BatchUpdateFindings": 2, // once per finding
	} {
		if n := stub.count(op); n != want {
			t.Errorf("%s: %d calls in two invocations, want %d", op, n, want)
		}
	}
}

// TestThrottlingAndServerErrorsRetried: the first attempt of every call
// fails, throttled or with a 5xx; the SDK's retryer carries each through,
// and the finding is reported as what it is: remediated, notified,
// RESOLVED; nothing failed.
func TestThrottlingAndServerErrorsRetried(t *testing.T) {
	stub := newStubAWS(t)
	stub.faults = true
	out, err := awsHandler(t, stub).handle(context.Background(), sqsOf(t, "m-1", stub.event(t)))
	if err != nil {
		t.Fatal(err)
	}
	if resp := out.(events.SQSEventResponse); len(resp.BatchItemFailures) != 0 {
		t.Errorf("batch item failures %+v", resp.BatchItemFailures)
	}
	if !stub.encrypted || len(stub.published) != 1 || !strings.Contains(stub.published[0], "CIS 2.2.1 remediated") {
		t.Errorf("encrypted %t, messages %q", stub.encrypted, stub.published)
	}
	if w := stub.finding["Workflow"].(map[string]any)["Status"]; w != "RESOLVED" {
		t.Errorf("workflow %v", w)
	}
	stub.mu.Lock()
	defer stub.mu.Unlock()
	for _, op := range []string{"organizations/DescribeOrganization", "sts/AssumeRole", "securityhub/GetFindings", "ec2/GetEbsEncryptionByDefault",
		"ec2/EnableEbsEncryptionByDefault", "sns/ListTopics", "sns/Publish", "securityhub/BatchUpdateFindings"} {
		if !stub.faulted[op] {
			t.Errorf("%s never failed: the test proves nothing about it (calls %v)", op, stub.calls)
		}
	}
}

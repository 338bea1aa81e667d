package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// upstream is a stand-in for moto: it records what reaches it and
// answers with a handler per test.
type upstream struct {
	mu       sync.Mutex
	requests []recorded
	handle   func(w http.ResponseWriter, r *http.Request, body []byte)
}

type recorded struct {
	Method, Path, Target, ContentType, Account string
	Body                                       []byte
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.requests = append(u.requests, recorded{r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"), r.Header.Get("X-Moto-Account-Id"), body})
	u.mu.Unlock()
	u.handle(w, r, body)
}

// start runs a proxy in front of an upstream and returns an AWS
// configuration whose clients reach it as cisguard does in the suite.
func start(t *testing.T, up *upstream) (*Proxy, aws.Config) {
	t.Helper()
	moto := httptest.NewServer(up)
	t.Cleanup(moto.Close)
	p, err := New(moto.URL, "aws.e2e.test")
	if err != nil {
		t.Fatal(err)
	}
	addr, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	proxyURL, _ := url.Parse(addr)
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://aws.e2e.test"),
		HTTPClient:   awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.Proxy = http.ProxyURL(proxyURL) }),
	}
	cfg.Credentials = staticCreds{}
	return p, cfg
}

type staticCreds struct{}

func (staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
}

func TestCloudWatchCBORBecomesJSON(t *testing.T) {
	up := &upstream{handle: func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		io.WriteString(w, `{"MetricAlarms":[{"AlarmName":"root","Threshold":1.0,"EvaluationPeriods":1,"Period":300,
			"StateUpdatedTimestamp":1767225600.5,"AlarmActions":["arn:aws:sns:us-east-1:123456789012:t"],"ActionsEnabled":true}]}`)
	}}
	_, cfg := start(t, up)
	out, err := cloudwatch.NewFromConfig(cfg).DescribeAlarmsForMetric(context.Background(), &cloudwatch.DescribeAlarmsForMetricInput{
		MetricName: aws.String("RootAccountUsage"), Namespace: aws.String("CISBenchmark"), Period: aws.Int32(300)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 1 {
		t.Fatalf("alarms %+v", out.MetricAlarms)
	}
	a := out.MetricAlarms[0]
	if aws.ToString(a.AlarmName) != "root" || aws.ToFloat64(a.Threshold) != 1 || aws.ToInt32(a.Period) != 300 || !aws.ToBool(a.ActionsEnabled) ||
		!a.StateUpdatedTimestamp.Equal(time.UnixMilli(1767225600500)) || len(a.AlarmActions) != 1 {
		t.Errorf("alarm decoded as %+v", a)
	}
	req := up.requests[0]
	if req.Path != "/" || req.Target != "GraniteServiceVersion20100801.DescribeAlarmsForMetric" || req.ContentType != "application/x-amz-json-1.0" {
		t.Errorf("moto got %s %s %s", req.Path, req.Target, req.ContentType)
	}
	var in map[string]any
	if err := json.Unmarshal(req.Body, &in); err != nil || in["MetricName"] != "RootAccountUsage" || in["Period"] != 300.0 {
		t.Errorf("moto got body %s (%v)", req.Body, err)
	}
}

func TestCloudWatchErrorKeepsItsCode(t *testing.T) {
	up := &upstream{handle: func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"com.amazonaws.cloudwatch#LimitExceededFault","message":"too many alarms"}`)
	}}
	_, cfg := start(t, up)
	_, err := cloudwatch.NewFromConfig(cfg).PutMetricAlarm(context.Background(), &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("a"), EvaluationPeriods: aws.Int32(1), ComparisonOperator: "GreaterThanThreshold"})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "LimitExceededFault" {
		t.Fatalf("error %v", err)
	}
}

func TestCloudWatchOperationNotTranslatedIsRefused(t *testing.T) {
	_, cfg := start(t, &upstream{handle: func(w http.ResponseWriter, r *http.Request, body []byte) { t.Error("reached moto") }})
	_, err := cloudwatch.NewFromConfig(cfg).ListDashboards(context.Background(), &cloudwatch.ListDashboardsInput{})
	if err == nil || !strings.Contains(err.Error(), "not translated") {
		t.Fatalf("error %v", err)
	}
}

// hubStore answers moto's Security Hub routes from a list of findings.
func hubStore(findings *[]map[string]any) func(w http.ResponseWriter, r *http.Request, body []byte) {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch r.URL.Path {
		case "/findings": // moto ignores filters; so does this stand-in
			var in struct{ NextToken string }
			json.Unmarshal(body, &in)
			// two pages, to check the proxy reads them all
			page, next := *findings, ""
			if in.NextToken == "" && len(page) > 1 {
				page, next = page[:1], "p2"
			} else if in.NextToken == "p2" {
				page = page[1:]
			}
			json.NewEncoder(w).Encode(map[string]any{"Findings": page, "NextToken": next})
		case "/findings/import":
			var in struct{ Findings []map[string]any }
			json.Unmarshal(body, &in)
			for _, nf := range in.Findings {
				for i, f := range *findings {
					if f["Id"] == nf["Id"] {
						(*findings)[i] = nf
					}
				}
			}
			json.NewEncoder(w).Encode(map[string]any{"FailedCount": 0, "SuccessCount": len(in.Findings)})
		default:
			w.WriteHeader(404)
		}
	}
}

func finding(id, workflow string) map[string]any {
	return map[string]any{"Id": id, "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
		"Workflow": map[string]any{"Status": workflow}, "RecordState": "ACTIVE", "Compliance": map[string]any{"Status": "FAILED"},
		"Resources": []any{map[string]any{"Id": "arn:aws:s3:::b", "Type": "AwsS3Bucket"}}}
}

func TestGetFindingsFilters(t *testing.T) {
	store := []map[string]any{finding("a", "NEW"), finding("b", "NOTIFIED"), finding("c", "NEW")}
	_, cfg := start(t, &upstream{handle: hubStore(&store)})
	api := securityhub.NewFromConfig(cfg)
	eq := func(v string) shtypes.StringFilter {
		return shtypes.StringFilter{Value: aws.String(v), Comparison: shtypes.StringFilterComparisonEquals}
	}
	ids := func(f *shtypes.AwsSecurityFindingFilters) string {
		out, err := api.GetFindings(context.Background(), &securityhub.GetFindingsInput{Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, f := range out.Findings {
			s = append(s, aws.ToString(f.Id))
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		filters *shtypes.AwsSecurityFindingFilters
		want    string
	}{
		{&shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{eq("b")}}, "b"},
		{&shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{eq("a"), eq("b")}}, "a,b"},
		{&shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{eq("a"), eq("b")}, WorkflowStatus: []shtypes.StringFilter{eq("NEW")}}, "a"},
		{&shtypes.AwsSecurityFindingFilters{WorkflowStatus: []shtypes.StringFilter{{Value: aws.String("NEW"), Comparison: shtypes.StringFilterComparisonNotEquals}}}, "b"},
		{&shtypes.AwsSecurityFindingFilters{ResourceType: []shtypes.StringFilter{{Value: aws.String("AwsS3"), Comparison: shtypes.StringFilterComparisonPrefix}}}, "a,b,c"},
		{&shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{eq("z")}}, ""},
	} {
		if got := ids(c.filters); got != c.want {
			t.Errorf("filters %+v: got %q, want %q", c.filters, got, c.want)
		}
	}
	_, err := api.GetFindings(context.Background(), &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{
		Sample: []shtypes.BooleanFilter{{Value: aws.Bool(true)}}}})
	if err == nil || !strings.Contains(err.Error(), "not implemented") {
		t.Errorf("an unknown filter must be refused, got %v", err)
	}
}

func TestBatchUpdateFindings(t *testing.T) {
	store := []map[string]any{finding("a", "NEW"), finding("b", "NEW")}
	_, cfg := start(t, &upstream{handle: hubStore(&store)})
	pa := aws.String("arn:aws:securityhub:us-east-1::product/aws/securityhub")
	out, err := securityhub.NewFromConfig(cfg).BatchUpdateFindings(context.Background(), &securityhub.BatchUpdateFindingsInput{
		FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: aws.String("b"), ProductArn: pa}, {Id: aws.String("gone"), ProductArn: pa}},
		Workflow:           &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatusResolved},
		Note:               &shtypes.NoteUpdate{Text: aws.String("fixed"), UpdatedBy: aws.String("cisguard")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ProcessedFindings) != 1 || aws.ToString(out.ProcessedFindings[0].Id) != "b" {
		t.Errorf("processed %+v", out.ProcessedFindings)
	}
	if len(out.UnprocessedFindings) != 1 || aws.ToString(out.UnprocessedFindings[0].ErrorCode) != "FindingNotFound" {
		t.Errorf("unprocessed %+v", out.UnprocessedFindings)
	}
	if w := store[1]["Workflow"].(map[string]any)["Status"]; w != "RESOLVED" {
		t.Errorf("b's workflow %v", w)
	}
	if n := store[1]["Note"].(map[string]any); n["Text"] != "fixed" || n["UpdatedBy"] != "cisguard" {
		t.Errorf("b's note %v", n)
	}
	if w := store[0]["Workflow"].(map[string]any)["Status"]; w != "NEW" {
		t.Errorf("a changed too: %v", w)
	}
}

func TestInjectedThrottlingIsRetried(t *testing.T) {
	up := &upstream{handle: func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><vpcSet/></DescribeVpcsResponse>`)
	}}
	p, cfg := start(t, up)
	p.Inject(Fault{Service: "ec2", Operation: "DescribeVpcs", Code: "RequestLimitExceeded", Status: 503, Times: 2})
	// The SDK's standard retryer makes three attempts: two throttled, one through.
	_, err := ec2.NewFromConfig(cfg).DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatalf("the SDK should have retried through the throttling: %v", err)
	}
	var injected int
	for _, c := range p.Calls() {
		if c.Injected == "RequestLimitExceeded" {
			injected++
		}
	}
	if injected != 2 || len(up.requests) != 1 {
		t.Errorf("%d injected, %d reached moto; want 2 and 1", injected, len(up.requests))
	}
}

func TestHostPrefixesBecomePathStyle(t *testing.T) {
	up := &upstream{handle: func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<?xml version="1.0"?><PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>`)
	}}
	_, cfg := start(t, up)
	if _, err := s3control.NewFromConfig(cfg).GetPublicAccessBlock(context.Background(), &s3control.GetPublicAccessBlockInput{AccountId: aws.String("123456789012")}); err != nil {
		t.Fatal(err)
	}
	s3.NewFromConfig(cfg).GetBucketPolicyStatus(context.Background(), &s3.GetBucketPolicyStatusInput{Bucket: aws.String("my-bucket")})
	if got := up.requests[0].Path; got != "/v20180820/configuration/publicAccessBlock" {
		t.Errorf("S3 Control path %s", got)
	}
	if got := up.requests[1].Path; got != "/my-bucket/" {
		t.Errorf("S3 path %s, want path-style /my-bucket/", got)
	}
}

func TestAssumeRoleOfMissingRoleIsDenied(t *testing.T) {
	up := &upstream{handle: func(w http.ResponseWriter, r *http.Request, body []byte) {
		form, _ := url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "text/xml")
		switch form.Get("Action") {
		case "GetRole":
			if r.Header.Get("X-Moto-Account-Id") == "111111111111" && form.Get("RoleName") == "R" {
				io.WriteString(w, `<GetRoleResponse><GetRoleResult><Role><RoleName>R</RoleName></Role></GetRoleResult></GetRoleResponse>`)
				return
			}
			w.WriteHeader(404)
			io.WriteString(w, `<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>no</Message></Error></ErrorResponse>`)
		case "AssumeRole":
			io.WriteString(w, `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`)
		}
	}}
	_, cfg := start(t, up)
	api := sts.NewFromConfig(cfg)
	if _, err := api.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/R"), RoleSessionName: aws.String("s")}); err != nil {
		t.Fatalf("existing role: %v", err)
	}
	_, err := api.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/R"), RoleSessionName: aws.String("s")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(ae.ErrorMessage(), "arn:aws:iam::222222222222:role/R") {
		t.Fatalf("missing role: %v", err)
	}
}

func TestServerCertificateTagsOfCertificateMotoHas(t *testing.T) {
	up := &upstream{handle: func(w http.ResponseWriter, r *http.Request, body []byte) {
		form, _ := url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "text/xml")
		if form.Get("Action") != "GetServerCertificate" {
			w.WriteHeader(400)
			io.WriteString(w, `<ErrorResponse><Error><Code>InvalidAction</Code><Message>not implemented</Message></Error></ErrorResponse>`)
			return
		}
		if form.Get("ServerCertificateName") == "web" {
			io.WriteString(w, `<GetServerCertificateResponse><GetServerCertificateResult><ServerCertificate><ServerCertificateMetadata><ServerCertificateName>web</ServerCertificateName></ServerCertificateMetadata></ServerCertificate></GetServerCertificateResult></GetServerCertificateResponse>`)
			return
		}
		w.WriteHeader(404)
		io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>no</Message></Error></ErrorResponse>`)
	}}
	_, cfg := start(t, up)
	api := iam.NewFromConfig(cfg)
	out, err := api.ListServerCertificateTags(context.Background(), &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String("web")})
	if err != nil || len(out.Tags) != 0 || out.IsTruncated {
		t.Fatalf("existing certificate: %+v %v", out, err)
	}
	_, err = api.ListServerCertificateTags(context.Background(), &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String("gone")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("missing certificate: %v", err)
	}
}

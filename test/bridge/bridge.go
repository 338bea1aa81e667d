// Package bridge is a test-only HTTP proxy between the cisguard binary (and
// the end-to-end suite's own SDK clients) and moto in server mode. It
// bridges the places where moto differs from AWS in a way that stops the
// AWS SDK for Go v2 from talking to it at all, and injects faults on
// request. cisguard itself always codes to AWS; nothing here is part of
// the product.
//
// What it bridges, and why:
//
//   - Host-prefixed endpoints. The SDK puts the account id in front of the
//     S3 Control host (<account>.<endpoint>) and the bucket in front of the
//     S3 host (virtual-hosted style). Neither name resolves for an emulator,
//     so clients send every request through this proxy as an HTTP proxy
//     (HTTP_PROXY), the names are never looked up, and the proxy turns the
//     request into the path-style form moto serves.
//   - CloudWatch's Smithy RPC v2 CBOR protocol. aws-sdk-go-v2's CloudWatch
//     client (service/cloudwatch v1.53.0 and later) speaks only RPC v2 CBOR;
//     moto's CloudWatch speaks AWS JSON 1.0 and query. The proxy translates
//     CBOR requests to JSON and JSON responses back to CBOR, typed by the
//     SDK's own schemas (see cloudwatch.go).
//   - Security Hub findings. moto's GetFindings ignores every filter and
//     moto has no BatchUpdateFindings; the proxy filters moto's findings and
//     implements BatchUpdateFindings on top of moto's store (see
//     securityhub.go).
//   - DescribeTrails by name. moto ignores trailNameList and returns every
//     trail; the proxy returns only the trails named, as AWS does (see
//     cloudtrail.go).
//   - ListServerCertificateTags. moto keeps server certificates but has no
//     such operation and keeps no tags on them; the proxy answers with no
//     tags for a certificate moto has, and moto's NoSuchEntity otherwise
//     (see iam.go).
//   - AssumeRole of a role that does not exist. moto hands out credentials
//     for any role ARN; AWS refuses with AccessDenied. The proxy asks moto's
//     IAM whether the role exists in the target account and refuses as AWS
//     does when it does not (see sts.go).
//
// Faults: Inject makes the proxy answer matching calls with an AWS error
// (throttling, 5xx) in the protocol of the service, a given number of
// times, before moto sees them.
package bridge

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Call is one request that reached the proxy.
type Call struct {
	Service   string // the SigV4 signing name: ec2, s3, monitoring, securityhub, ...
	Operation string // the API operation, where the proxy can tell
	Region    string
	Injected  string // the error code the proxy answered with, if it injected a fault
}

// Fault makes the proxy answer matching calls with an error.
type Fault struct {
	Service   string // signing name; required
	Operation string // "" matches every operation of the service
	Code      string // AWS error code, e.g. RequestLimitExceeded, ThrottlingException, InternalError
	Status    int    // HTTP status, e.g. 400, 500, 503
	Times     int    // how many matching calls fail; then calls pass
}

// Rewrite changes moto's successful answers to one operation before the
// client sees them: for state moto cannot be told to have, such as an
// access key created months ago (moto dates everything now).
type Rewrite struct {
	Service, Operation string
	Body               func([]byte) []byte
}

// Proxy is the bridge. Create it with New and serve it with Start.
type Proxy struct {
	upstream *url.URL
	endpoint string // host of AWS_ENDPOINT_URL as clients see it (never resolved)
	client   *http.Client

	mu     sync.Mutex
	calls  []Call
	faults []*Fault
	edits  []Rewrite

	srv *http.Server
	ln  net.Listener
}

// New returns a proxy that forwards to moto at upstream (e.g.
// http://127.0.0.1:5000). endpointHost is the host name the clients use in
// AWS_ENDPOINT_URL; requests for <prefix>.<endpointHost> are host-prefixed
// ones.
func New(upstream, endpointHost string) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bridge: upstream %q is not a URL", upstream)
	}
	return &Proxy{
		upstream: u,
		endpoint: strings.ToLower(endpointHost),
		client:   &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 32}},
	}, nil
}

// Start listens on a free loopback port and returns the proxy's URL, for
// HTTP_PROXY.
func (p *Proxy) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	p.ln = ln
	p.srv = &http.Server{Handler: p}
	go p.srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// Close stops the proxy.
func (p *Proxy) Close() error {
	if p.srv == nil {
		return nil
	}
	return p.srv.Close()
}

// Inject adds a fault. Faults are matched in the order they were added.
func (p *Proxy) Inject(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, &f)
}

// ClearFaults drops the faults not yet spent and returns how many
// injections were left.
func (p *Proxy) ClearFaults() (left int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		left += f.Times
	}
	p.faults = nil
	return left
}

// Edit adds a rewrite of answers; it applies until the proxy is closed or
// the returned function removes it.
func (p *Proxy) Edit(r Rewrite) (remove func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.edits = append(p.edits, r)
	n := len(p.edits) - 1
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.edits[n].Body = nil
	}
}

func (p *Proxy) edit(r *request) func([]byte) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var fns []func([]byte) []byte
	for _, e := range p.edits {
		if e.Body != nil && e.Service == r.service && e.Operation == r.op {
			fns = append(fns, e.Body)
		}
	}
	if len(fns) == 0 {
		return nil
	}
	return func(b []byte) []byte {
		for _, fn := range fns {
			b = fn(b)
		}
		return b
	}
}

// Calls returns the calls seen so far.
func (p *Proxy) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// request is an incoming request with its body read.
type request struct {
	*http.Request
	body    []byte
	service string
	region  string
	op      string
	prefix  string // host label in front of the endpoint host, if any
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bridge: read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	req := &request{Request: r, body: body}
	req.service, req.region = signingScope(r.Header.Get("Authorization"))
	req.prefix = p.hostPrefix(r)
	req.op = operation(req)

	call := Call{Service: req.service, Operation: req.op, Region: req.region}
	if f := p.fault(req); f != nil {
		call.Injected = f.Code
		p.record(call)
		writeError(w, req, f.Status, f.Code, "injected by the test bridge")
		return
	}
	p.record(call)

	switch {
	case isCBOR(r):
		p.cloudWatch(w, req)
	case req.service == "securityhub" && req.op == "GetFindings":
		p.getFindings(w, req)
	case req.service == "securityhub" && req.op == "BatchUpdateFindings":
		p.batchUpdateFindings(w, req)
	case req.service == "sts" && req.op == "AssumeRole":
		p.assumeRole(w, req)
	case req.service == "cloudtrail" && req.op == "DescribeTrails":
		p.describeTrails(w, req)
	case req.service == "iam" && req.op == "ListServerCertificateTags":
		p.listServerCertificateTags(w, req)
	default:
		p.forward(w, req)
	}
}

func (p *Proxy) record(c Call) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, c)
}

func (p *Proxy) fault(r *request) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if f.Times > 0 && f.Service == r.service && (f.Operation == "" || f.Operation == r.op) {
			f.Times--
			return f
		}
	}
	return nil
}

// hostPrefix returns the label in front of the endpoint host: the account
// of an S3 Control request or the bucket of a virtual-hosted S3 request.
func (p *Proxy) hostPrefix(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	if p.endpoint == "" || !strings.HasSuffix(host, "."+p.endpoint) {
		return ""
	}
	return strings.TrimSuffix(host, "."+p.endpoint)
}

// signingScope reads the service and region from a SigV4 Authorization
// header: "AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...".
func signingScope(auth string) (service, region string) {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return "", ""
	}
	return parts[3], parts[2]
}

// operation names the API operation of a request where the protocol says
// it: X-Amz-Target (JSON protocols), Action (query protocols), the path
// (RPC v2 CBOR), or, for the REST services the bridge handles (and S3's
// GetBucketTagging), the route.
func operation(r *request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if v, err := url.ParseQuery(string(r.body)); err == nil {
			return v.Get("Action")
		}
	}
	if isCBOR(r.Request) {
		return r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	}
	if r.service == "s3" && r.Method == http.MethodGet && r.URL.Query().Has("tagging") {
		return "GetBucketTagging" // for faults in exemption tag lookups
	}
	if r.service == "securityhub" {
		switch r.Method + " " + r.URL.Path {
		case "POST /findings":
			return "GetFindings"
		case "PATCH /findings/batchupdate":
			return "BatchUpdateFindings"
		case "POST /findings/import":
			return "BatchImportFindings"
		}
	}
	return ""
}

func isCBOR(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor")
}

// forward sends a request to moto as it is, except that host-prefixed
// requests become path-style: S3 Control's account prefix is dropped (the
// account is in x-amz-account-id as well) and a virtual-hosted bucket moves
// into the path.
func (p *Proxy) forward(w http.ResponseWriter, r *request) {
	path := r.URL.EscapedPath()
	if r.prefix != "" && r.service == "s3" && !strings.HasPrefix(path, "/v20180820/") {
		path = "/" + r.prefix + path
	}
	resp, err := p.send(r.Method, path, r.URL.RawQuery, r.Header, r.body)
	if err != nil {
		http.Error(w, "bridge: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if fn := p.edit(r); fn != nil && resp.StatusCode == http.StatusOK {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, "bridge: "+err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body = io.NopCloser(bytes.NewReader(fn(body)))
	}
	copyResponse(w, resp)
}

// send makes one request to moto.
func (p *Proxy) send(method, path, query string, header http.Header, body []byte) (*http.Response, error) {
	u := *p.upstream
	u.RawPath = path
	u.Path, _ = url.PathUnescape(path)
	u.RawQuery = query
	out, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		if isHopByHop(k) {
			continue
		}
		out.Header[k] = vs
	}
	out.Host = p.upstream.Host
	out.ContentLength = int64(len(body))
	return p.client.Do(out)
}

func isHopByHop(h string) bool {
	switch http.CanonicalHeaderKey(h) {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length":
		return true
	}
	return false
}

func copyResponse(w http.ResponseWriter, resp *http.Response) {
	for k, vs := range resp.Header {
		if isHopByHop(k) {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

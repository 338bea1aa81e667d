package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cisguard/cisguard/internal/controls"
)

// xss is a resource name (and reason) an attacker could give a resource:
// the page must show it as text.
const xss = `<img src=x onerror=alert(1)>`

// sample returns a report of n results over three accounts, three regions,
// every section and every status, with remediation on failures and the
// markup above as one resource's name and another's reason.
func sample(n int) *Report {
	ids := []string{"1.4", "1.8", "1.10", "1.20", "2.1.1", "2.1.5.1", "2.2.1", "3.1", "3.7", "4.3", "4.15", "5.1", "5.2", "5.3"}
	accounts := []string{"111111111111", "222222222222", "333333333333"}
	regions := []string{"eu-west-1", "us-east-1", "ap-south-1"}
	statuses := []Status{controls.Pass, controls.Fail, controls.Pass, controls.Manual, controls.Pass, controls.Error, controls.NotApplicable, controls.Fail}
	rs := make([]Result, 0, n)
	for i := range n {
		r := Result{
			CIS:      ids[i%len(ids)],
			Account:  accounts[i%len(accounts)],
			Region:   regions[i/len(accounts)%len(regions)],
			Resource: fmt.Sprintf("arn:aws:s3:::bucket-%05d", (i*7919)%n),
			Status:   statuses[i*3%len(statuses)],
			Reason:   fmt.Sprintf("reason %d: encryption is off", i),
		}
		if i%97 == 0 {
			r.Resource = fmt.Sprintf("needle-%d", i)
		}
		if r.Status == controls.Fail {
			r.Remediation = []string{"turn on default encryption (SSE-S3) on " + r.Resource}
			if i%4 == 0 {
				r.Left = []string{"a person must rotate the key by hand"}
			}
		}
		rs = append(rs, r)
	}
	rs[1].Resource, rs[1].Status = xss, controls.Fail
	rs[2].Reason = "</script>" + xss
	return New(rs, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
}

func renderHTML(t testing.TB, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, "html"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The page carries markup from the scan only as escaped text: nowhere as
// an element, in the embedded JSON neither as '<' nor as "</script>".
func TestHTMLEscapes(t *testing.T) {
	page := renderHTML(t, sample(50))
	if strings.Contains(page, "<img") || strings.Contains(page, "onerror=alert(1)>") {
		t.Fatalf("the page holds the resource name as markup")
	}
	if n := strings.Count(page, "</script>"); n != 2 {
		t.Fatalf("%d </script> in the page, want 2 (the data's and the script's)", n)
	}
	data := embedded(t, page)
	var got struct {
		Results []pageResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(data), &got); err != nil {
		t.Fatal(err)
	}
	names, reasons := 0, 0
	for _, x := range got.Results {
		if x.Resource == xss {
			names++
		}
		if x.Reason == "</script>"+xss {
			reasons++
		}
	}
	if names != 1 || reasons != 1 {
		t.Fatalf("the data holds the name %d and the reason %d times, want once each", names, reasons)
	}
}

// embedded returns the JSON in the page's data script.
func embedded(t testing.TB, page string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="cisguard-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data script in the page")
	}
	return m[1]
}

// The Content-Security-Policy allows exactly the page's own script and
// style, and no request.
func TestHTMLContentSecurityPolicy(t *testing.T) {
	page := renderHTML(t, sample(10))
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no Content-Security-Policy")
	}
	csp := html.UnescapeString(m[1])
	for _, want := range []string{"default-src 'none'", "script-src 'sha256-" + hashOf(pageJS) + "'", "style-src 'sha256-" + hashOf(pageCSS) + "'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("policy %q lacks %q", csp, want)
		}
	}
	if !strings.Contains(page, "<script>"+pageJS+"</script>") || !strings.Contains(page, "<style>"+pageCSS+"</style>") {
		t.Error("the inline script or style differs from what the policy's hash covers")
	}
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(page) {
		t.Error("the page refers to another origin")
	}
}

// An empty scan renders too, with nothing decided shown as a dash.
func TestHTMLEmpty(t *testing.T) {
	page := renderHTML(t, New(nil, time.Time{}))
	if !strings.Contains(page, `<span class="big" id="score">–</span>`) {
		t.Error("an empty scan shows a score")
	}
}

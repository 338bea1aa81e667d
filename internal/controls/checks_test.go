package controls

// Tests of the checks of 1.1–1.3, 1.11, 1.13, 1.15, 1.18–1.21, 2.1.3,
// 2.1.4 and 5.4, and of the fixes of 1.2, 1.19 and 1.20.

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	macietypes "github.com/aws/aws-sdk-go-v2/service/macie2/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

func TestCheckContactDetails(t *testing.T) {
	h := newHarness(t)
	rs := h.scan("1.1", "")
	want(t, rs, map[string]Status{testAccount: Manual})
	if r := rs[0].Reason; !strings.Contains(r, "Example Corp Cloud Team") || !strings.Contains(r, "root user's email") {
		t.Errorf("1.1 does not show what to review: %q", r)
	}
	h.acct.Log.Fail("Account/GetContactInformation", fake.APIError("AccessDeniedException", "denied"))
	if rs := h.scan("1.1", ""); rs[0].Status != Error || !strings.Contains(rs[0].Reason, "AccessDeniedException") {
		t.Errorf("a failing read: %+v, want ERROR", rs)
	}
	rs = h.scan("1.3", "")
	want(t, rs, map[string]Status{testAccount: Manual})
	if !strings.Contains(rs[0].Reason, "Security Challenge Questions") {
		t.Errorf("1.3: %q", rs[0].Reason)
	}
}

const securityContact = `{name: Security Team, title: CSIRT, emailAddress: security@example.com, phoneNumber: "+1 555 0100"}`

func TestSecurityContact(t *testing.T) {
	h := newHarness(t)
	// No contact, none configured: FAIL with the steps, nothing to apply.
	rs := h.scan("1.2", "")
	want(t, rs, map[string]Status{testAccount: Fail})
	if p := rs[0].Plan; p == nil || p.State() != plan.Unresolved || !strings.Contains(rs[0].Reason, "no security contact") {
		t.Fatalf("without a configured contact: %+v", rs[0])
	}
	// Configured: one read, one write, then compliant.
	p := h.measure("1.2", accountResource(), securityContact)
	containsAll(t, descriptions(p), "register the security contact of account "+testAccount+": Security Team, CSIRT <security@example.com>")
	c := h.acct.AccountManagement().AlternateContact(accttypes.AlternateContactTypeSecurity)
	if c == nil || aws.ToString(c.EmailAddress) != "security@example.com" || aws.ToString(c.PhoneNumber) != "+1 555 0100" {
		t.Fatalf("security contact %+v", c)
	}
	want(t, h.scan("1.2", ""), map[string]Status{testAccount: Pass})
	// An existing contact is never replaced by the configured one.
	h.acct.AccountManagement().SetAlternateContact(accttypes.AlternateContactTypeSecurity, &accttypes.AlternateContact{Name: aws.String("Someone Else"), Title: aws.String("CISO"), EmailAddress: aws.String("ciso@example.org"), PhoneNumber: aws.String("1")})
	if p := h.mustPlan("1.2", accountResource(), securityContact); !p.Empty() || len(p.Residuals) > 0 {
		t.Errorf("an existing contact is replaced: %s", p)
	}
}

func TestSecurityContactParams(t *testing.T) {
	for text, ok := range map[string]bool{
		`{}`: true, securityContact: true,
		`{name: Security Team, emailAddress: security@example.com}`:                                             false,
		`{name: Security Team, title: CSIRT, emailAddress: not-an-email, phoneNumber: "+1 555 0100"}`:           false,
		`{name: Security Team, title: CSIRT, emailAddress: security@example.com, phoneNumber: "call us maybe"}`: false,
	} {
		var p SecurityContactParams
		err := decodeYAML(text, &p)
		if err == nil {
			err = p.Validate()
		}
		if (err == nil) != ok {
			t.Errorf("%s: error %v, want ok %v", text, err, ok)
		}
	}
}

// reportUsersHarness seeds users for the credential-report checks.
func reportUsersHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.acct.SetRootCredentials(true, true) // root's key is 1.4's, never a user's
	h.acct.AddUser(fake.User{Name: "console-fresh-key", Password: agoPtr(10), AccessKeys: []fake.AccessKey{{Created: days(10)}}})
	h.acct.AddUser(fake.User{Name: "console-used-key", Password: agoPtr(10), AccessKeys: []fake.AccessKey{{Created: days(10), LastUsed: agoPtr(1)}}})
	h.acct.AddUser(fake.User{Name: "console-inactive-key", Password: agoPtr(10), AccessKeys: []fake.AccessKey{{Created: days(10), Status: "Inactive"}}})
	h.acct.AddUser(fake.User{Name: "console-only", Password: agoPtr(10)})
	h.acct.AddUser(fake.User{Name: "api-never-used", AccessKeys: []fake.AccessKey{{Created: days(3)}}})
	h.acct.AddUser(fake.User{Name: "two-keys", AccessKeys: []fake.AccessKey{{Created: days(100), LastUsed: agoPtr(1)}, {Created: days(2), LastUsed: agoPtr(1)}}})
	h.acct.AddUser(fake.User{Name: "rotated", AccessKeys: []fake.AccessKey{{Created: days(100), Status: "Inactive"}, {Created: days(2), LastUsed: agoPtr(1)}}})
	return h
}

func TestCheckInitialAccessKeys(t *testing.T) {
	h := reportUsersHarness(t)
	rs := h.scan("1.11", "")
	// Users without a console password are not what 1.11 is about.
	want(t, rs, map[string]Status{"console-fresh-key": Fail, "console-used-key": Pass, "console-inactive-key": Pass, "console-only": Pass})
	if r := result(t, rs, "console-fresh-key"); !strings.Contains(r.Reason, "never used: key 1") || !strings.Contains(r.Reason, "delete-access-key --user-name console-fresh-key") {
		t.Errorf("1.11 FAIL: %q", r.Reason)
	}
	want(t, newHarness(t).scan("1.11", ""), map[string]Status{testAccount: NotApplicable})
}

func TestCheckActiveAccessKeys(t *testing.T) {
	h := reportUsersHarness(t)
	want(t, h.scan("1.13", ""), map[string]Status{"console-fresh-key": Pass, "console-used-key": Pass, "console-inactive-key": Pass, "console-only": Pass,
		"api-never-used": Pass, "two-keys": Fail, "rotated": Pass})
	// Another partition's ARNs name the users.
	h = newHarness(t)
	h.acct.Partition = "aws-cn"
	h.acct.AddUser(fake.User{Name: "two-keys", AccessKeys: []fake.AccessKey{{Created: days(9)}, {Created: days(2)}}})
	if r := result(t, h.scan("1.13", ""), "two-keys"); !strings.HasPrefix(r.Resource.ID, "arn:aws-cn:iam::") || r.Status != Fail {
		t.Errorf("aws-cn: %+v", r)
	}
}

func TestCheckUserPolicies(t *testing.T) {
	h := newHarness(t)
	h.acct.SetIAMPageSize(2) // three pages of users
	h.acct.AddUser(fake.User{Name: "grouped"})
	h.acct.AddUser(fake.User{Name: "attached", Attached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}})
	h.acct.AddUser(fake.User{Name: "inline", Inline: map[string]string{"s3": `{"Version":"2012-10-17","Statement":[]}`}})
	h.acct.AddUser(fake.User{Name: "both", Attached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, Inline: map[string]string{"x": "{}"}})
	h.acct.AddUser(fake.User{Name: "plain"})
	rs := h.scan("1.15", "")
	want(t, rs, map[string]Status{"grouped": Pass, "attached": Fail, "inline": Fail, "both": Fail, "plain": Pass})
	if r := result(t, rs, "both"); !strings.Contains(r.Reason, "attached ReadOnlyAccess, inline x") {
		t.Errorf("1.15 FAIL: %q", r.Reason)
	}
	want(t, newHarness(t).scan("1.15", ""), map[string]Status{testAccount: NotApplicable})
}

func TestCheckInstanceProfiles(t *testing.T) {
	h := newHarness(t)
	e := h.acct.EC2(testRegion)
	e.SetPageSize(2)
	withRole := e.AddInstance("", "web")
	bare := e.AddInstance(ec2types.InstanceStateNameRunning, "")
	stopped := e.AddInstance(ec2types.InstanceStateNameStopped, "")
	e.AddInstance(ec2types.InstanceStateNameTerminated, "")
	e.AddInstance(ec2types.InstanceStateNameShuttingDown, "")
	rs := h.scan("1.18", "")
	want(t, rs, map[string]Status{withRole: Pass, bare: Fail, stopped: Fail})
	if r := result(t, rs, bare); r.Resource.ID != "arn:aws:ec2:"+testRegion+":"+testAccount+":instance/"+bare || !strings.Contains(r.Reason, "associate-iam-instance-profile") {
		t.Errorf("1.18 FAIL: %+v", r)
	}
	want(t, newHarness(t).scan("1.18", ""), map[string]Status{testAccount: NotApplicable})
}

func TestExpiredCertificates(t *testing.T) {
	h := newHarness(t)
	h.acct.AddServerCertificate(fake.ServerCertificate{Name: "valid", Expiration: testNow.AddDate(0, 3, 0)})
	expired := h.acct.AddServerCertificate(fake.ServerCertificate{Name: "expired", Path: "/cloudfront/", Expiration: testNow.AddDate(0, -1, 0)})
	h.acct.AddServerCertificate(fake.ServerCertificate{Name: "kept", Expiration: testNow.AddDate(-1, 0, 0), Tags: map[string]string{"cisguard:exempt": "true"}})
	rs := h.scan("1.19", "")
	want(t, rs, map[string]Status{"valid": Pass, "expired": Fail, "kept": Fail})
	if r := result(t, rs, "kept"); !strings.HasPrefix(r.Reason, "accepted exception") {
		t.Errorf("exempt certificate: %q", r.Reason)
	}
	r := result(t, rs, "expired")
	if r.Resource.ID != expired || r.Plan == nil || len(r.Plan.Actions) != 1 || !strings.Contains(r.Plan.Actions[0].Description, "expired on") {
		t.Fatalf("expired certificate: %+v", r)
	}
	p := h.measure("1.19", r.Resource, "{mode: auto}")
	containsAll(t, descriptions(p), "delete IAM server certificate expired")
	if got := strings.Join(h.acct.ServerCertificates(), " "); got != "valid kept" {
		t.Errorf("certificates left: %s", got)
	}
	// A valid certificate is compliant; one gone meanwhile is nothing to do.
	for _, name := range []string{"valid", "gone"} {
		if p := h.mustPlan("1.19", resource("AwsIamServerCertificate", "arn:aws:iam::"+testAccount+":server-certificate/"+name), "{mode: auto}"); !p.Empty() || len(p.Notes) != 1 {
			t.Errorf("%s: %s", name, p)
		}
	}
	want(t, newHarness(t).scan("1.19", ""), map[string]Status{testAccount: NotApplicable})
}

func TestAccessAnalyzer(t *testing.T) {
	h := newHarness(t)
	aa := h.acct.AccessAnalyzer(testRegion)
	aa.AddAnalyzer("unused", aatypes.TypeAccountUnusedAccess, aatypes.AnalyzerStatusActive) // not about external access
	rs := h.scan("1.20", "")
	want(t, rs, map[string]Status{testAccount: Fail})
	if rs[0].Plan == nil || len(rs[0].Plan.Actions) != 1 {
		t.Fatalf("1.20 FAIL without the plan: %+v", rs[0])
	}
	p := h.measure("1.20", accountResource(), "")
	containsAll(t, descriptions(p), "create IAM Access Analyzer analyzer cisguard-account-analyzer (zone of trust: account "+testAccount+") in "+testRegion)
	var made aatypes.AnalyzerSummary
	for _, a := range aa.Analyzers() {
		if aws.ToString(a.Name) == analyzerName {
			made = a
		}
	}
	if made.Type != aatypes.TypeAccount || made.Tags["cisguard:managed"] != "true" {
		t.Errorf("analyzer made: %+v", made)
	}
	if h.acct.Role(fake.AccessAnalyzerSLR) == nil {
		t.Error("the first analyzer did not create Access Analyzer's service-linked role")
	}
	want(t, h.scan("1.20", ""), map[string]Status{testAccount: Pass})
}

func TestAccessAnalyzerStates(t *testing.T) {
	for _, c := range []struct {
		name   string
		typ    aatypes.Type
		status aatypes.AnalyzerStatus
		want   plan.State
	}{
		{"organization analyzer active", aatypes.TypeOrganization, aatypes.AnalyzerStatusActive, plan.Compliant},
		{"being created", aatypes.TypeAccount, aatypes.AnalyzerStatusCreating, plan.Unresolved},
		{"failed", aatypes.TypeAccount, aatypes.AnalyzerStatusFailed, plan.Unresolved},
		{"disabled organization analyzer", aatypes.TypeOrganization, aatypes.AnalyzerStatusDisabled, plan.Unresolved},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			h.acct.AccessAnalyzer(testRegion).AddAnalyzer("existing", c.typ, c.status)
			if p := h.check("1.20", accountResource(), ""); p.State() != c.want {
				t.Errorf("state %s, want %s:\n%s", p.State(), c.want, p)
			}
		})
	}
	// An active analyzer beyond the first page of ListAnalyzers counts.
	h := newHarness(t)
	for i := range 12 {
		h.acct.AccessAnalyzer(testRegion).AddAnalyzer("unused-"+string(rune('a'+i)), aatypes.TypeAccountUnusedAccess, aatypes.AnalyzerStatusActive)
	}
	h.acct.AccessAnalyzer(testRegion).AddAnalyzer("last", aatypes.TypeAccount, aatypes.AnalyzerStatusActive)
	want(t, h.scan("1.20", ""), map[string]Status{testAccount: Pass})
}

func TestCheckCentralUsers(t *testing.T) {
	h := newHarness(t)
	h.acct.AddUser(fake.User{Name: "no-credentials"})
	rs := h.scan("1.21", "")
	want(t, rs, map[string]Status{testAccount: Pass})
	if !strings.Contains(rs[0].Reason, "no SAML or OIDC identity provider") {
		t.Errorf("1.21 PASS: %q", rs[0].Reason)
	}
	// Keys only: a machine, or a person's command line: MANUAL.
	h.acct.AddUser(fake.User{Name: "deployer", AccessKeys: []fake.AccessKey{{Created: days(3), LastUsed: agoPtr(1)}}})
	h.acct.ExpireCredentialReport()
	rs = h.scan("1.21", "")
	want(t, rs, map[string]Status{testAccount: Manual})
	if !strings.Contains(rs[0].Reason, "(deployer)") {
		t.Errorf("1.21 MANUAL: %q", rs[0].Reason)
	}
	// A console password: a person's IAM user.
	h.acct.AddIdentityProvider("saml", "Okta")
	h.acct.AddIdentityProvider("oidc", "token.actions.githubusercontent.com")
	h.acct.AddUser(fake.User{Name: "alice", Password: agoPtr(30)})
	h.acct.ExpireCredentialReport()
	rs = h.scan("1.21", "")
	want(t, rs, map[string]Status{testAccount: Fail})
	if r := rs[0].Reason; !strings.Contains(r, "(alice)") || !strings.Contains(r, "SAML Okta, OIDC token.actions.githubusercontent.com") {
		t.Errorf("1.21 FAIL: %q", r)
	}
}

func TestCheckMFADelete(t *testing.T) {
	h := newHarness(t)
	good := h.acct.AddBucket("guarded", testRegion)
	good.Versioning, good.MFADelete = s3types.BucketVersioningStatusEnabled, s3types.MFADeleteStatusEnabled
	versioned := h.acct.AddBucket("versioned", "us-east-1")
	versioned.Versioning = s3types.BucketVersioningStatusEnabled
	h.acct.AddBucket("plain", testRegion)
	h.acct.AddBucket("elsewhere", "ap-south-1")
	rs := h.scan("2.1.3", "", testRegion, "us-east-1")
	want(t, rs, map[string]Status{"guarded": Pass, "versioned": Fail, "plain": Fail})
	if r := result(t, rs, "plain"); !strings.Contains(r.Reason, "never enabled") || !strings.Contains(r.Reason, "MFADelete=Enabled") {
		t.Errorf("2.1.3 FAIL: %q", r.Reason)
	}
	if r := result(t, rs, "versioned"); r.Resource.Region != "us-east-1" {
		t.Errorf("bucket region %s", r.Resource.Region)
	}
	h.acct.Log.Fail("S3/GetBucketVersioning", fake.APIError("AccessDenied", "denied"))
	if r := result(t, h.scan("2.1.3", ""), "guarded"); r.Status != Error || !strings.Contains(r.Reason, "bucket guarded") {
		t.Errorf("a failing read: %+v", r)
	}
}

func TestCheckMacie(t *testing.T) {
	h := newHarness(t)
	h.acct.AddBucket("a", testRegion)
	h.acct.AddBucket("b", testRegion)
	h.acct.AddBucket("c", "us-east-1")
	h.acct.AddBucket("d", "eu-central-1")
	h.acct.AddBucket("far", "ap-south-1") // not scanned
	h.acct.Macie(testRegion).SetStatus(macietypes.MacieStatusEnabled)
	h.acct.Macie("eu-central-1").SetStatus(macietypes.MacieStatusPaused)
	rs := h.scan("2.1.4", "", testRegion, "us-east-1", "eu-central-1", "us-west-2")
	got := map[string]Status{}
	for _, r := range rs {
		got[r.Resource.Region] = r.Status
	}
	if len(rs) != 3 || got[testRegion] != Pass || got["us-east-1"] != Fail || got["eu-central-1"] != Fail {
		t.Fatalf("2.1.4: %+v", rs)
	}
	for _, r := range rs {
		if r.Resource.Region == "us-east-1" && !strings.Contains(r.Reason, "not enabled in us-east-1, where account "+testAccount+" has 1 bucket(s)") {
			t.Errorf("2.1.4 FAIL: %q", r.Reason)
		}
	}
	h.acct.Log.Fail("Macie2/GetMacieSession", fake.APIError("AccessDeniedException", "User is not authorized to perform: macie2:GetMacieSession"))
	rs = h.scan("2.1.4", "", testRegion)
	if len(rs) != 1 || rs[0].Status != Error {
		t.Errorf("an access denied that is not Macie's 'not enabled': %+v, want ERROR", rs)
	}
	want(t, newHarness(t).scan("2.1.4", ""), map[string]Status{testAccount: NotApplicable})
}

func TestCheckPeeringRoutes(t *testing.T) {
	h := newHarness(t)
	e := h.acct.EC2(testRegion)
	vpc, _, _ := e.AddVPC("10.0.0.0/16")
	peer := "vpc-0peer"
	pcx := e.AddPeering(
		ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String(vpc), OwnerId: aws.String(testAccount), CidrBlock: aws.String("10.0.0.0/16")},
		ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String(peer), OwnerId: aws.String("444455556666"), CidrBlock: aws.String("10.1.0.0/16"),
			CidrBlockSet:     []ec2types.CidrBlock{{CidrBlock: aws.String("10.1.0.0/16")}, {CidrBlock: aws.String("172.16.0.0/20")}},
			Ipv6CidrBlockSet: []ec2types.Ipv6CidrBlock{{Ipv6CidrBlock: aws.String("2600:1f18:abcd:1200::/56")}}})
	route := func(cidr string) ec2types.Route {
		r := ec2types.Route{VpcPeeringConnectionId: aws.String(pcx)}
		if strings.Contains(cidr, ":") {
			r.DestinationIpv6CidrBlock = aws.String(cidr)
		} else {
			r.DestinationCidrBlock = aws.String(cidr)
		}
		return r
	}
	local := ec2types.Route{DestinationCidrBlock: aws.String("10.0.0.0/16"), GatewayId: aws.String("local")}
	cases := map[string]struct {
		routes []ec2types.Route
		want   Status
	}{
		"host route":           {[]ec2types.Route{local, route("10.1.2.10/32")}, Pass},
		"subnets":              {[]ec2types.Route{route("10.1.2.0/24"), route("172.16.1.0/24")}, Pass},
		"default":              {[]ec2types.Route{route("0.0.0.0/0")}, Fail},
		"ipv6 default":         {[]ec2types.Route{route("::/0")}, Fail},
		"whole peer":           {[]ec2types.Route{route("10.1.0.0/16")}, Fail},
		"wider than the peer":  {[]ec2types.Route{route("10.0.0.0/8")}, Fail},
		"peer's second block":  {[]ec2types.Route{route("10.1.2.0/24"), route("172.16.0.0/20")}, Fail},
		"peer's ipv6 block":    {[]ec2types.Route{route("2600:1f18:abcd:1200::/56")}, Fail},
		"part of the ipv6":     {[]ec2types.Route{route("2600:1f18:abcd:1200::/64")}, Pass},
		"prefix list":          {[]ec2types.Route{{DestinationPrefixListId: aws.String("pl-123"), VpcPeeringConnectionId: aws.String(pcx)}}, Manual},
		"unknown connection":   {[]ec2types.Route{{DestinationCidrBlock: aws.String("10.9.0.0/16"), VpcPeeringConnectionId: aws.String("pcx-gone")}}, Manual},
		"blackhole to default": {[]ec2types.Route{{DestinationCidrBlock: aws.String("0.0.0.0/0"), VpcPeeringConnectionId: aws.String("pcx-gone"), State: ec2types.RouteStateBlackhole}}, ""},
	}
	wanted := map[string]Status{}
	for name, c := range cases {
		id := e.AddRouteTable(vpc, c.routes...)
		if c.want != "" {
			wanted[id] = c.want
		}
		if name == "wider than the peer" {
			defer func() {
				if r := result(t, h.scan("5.4", ""), id); !strings.Contains(r.Reason, "10.0.0.0/8 through "+pcx+" (the whole of peer vpc-0peer's 10.1.0.0/16)") {
					t.Errorf("5.4 FAIL: %q", r.Reason)
				}
			}()
		}
	}
	e.AddRouteTable(vpc, local) // no peering route: not evaluated
	e.SetPageSize(3)
	want(t, h.scan("5.4", ""), wanted)
	want(t, newHarness(t).scan("5.4", ""), map[string]Status{testAccount: NotApplicable})
}

// TestCheckOnlyControlsSayWhatTheyAre: a control with a check but no
// fix and no steps is "check only" in docs/controls.md and the catalogue.
func TestCheckOnlyControlsSayWhatTheyAre(t *testing.T) {
	for _, id := range []string{"1.1", "1.3", "1.11", "1.13", "1.15", "1.18", "1.21", "2.1.3", "2.1.4", "5.4"} {
		if got := Does(id); got != DoesCheckOnly {
			t.Errorf("%s: %q, want %q", id, got, DoesCheckOnly)
		}
	}
	for id, want := range map[string]string{"1.2": DoesAutoFix, "1.20": DoesAutoFix, "2.1.1": DoesAutoFix, "1.19": DoesOptInFix, "5.2": DoesOptInFix} {
		if got := Does(id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}

// TestAnalyzerNeedsItsImpliedActions: AWS authorizes the tags and the
// service-linked role of CreateAnalyzer with actions of their own; the
// fake refuses the call when 1.20 would not declare them.
func TestAnalyzerNeedsItsImpliedActions(t *testing.T) {
	for _, drop := range []string{"access-analyzer:TagResource", "iam:CreateServiceLinkedRole"} {
		h := newHarness(t)
		c, tg := h.target("1.20", accountResource(), "")
		p, err := h.plan(c, tg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := perms.Declare(context.Background(), c.ID, slices.DeleteFunc(slices.Clone(c.Permissions), func(a string) bool { return a == drop }))
		if o := plan.Apply(ctx, p); o.Err == nil || !strings.Contains(o.Err.Error(), drop) {
			t.Errorf("without %s: %v", drop, o.Err)
		}
	}
}

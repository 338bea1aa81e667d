package controls

// The account's contacts (1.1, 1.2) and security questions (1.3): what
// AWS uses to reach the account's owners.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	acct "github.com/aws/aws-sdk-go-v2/service/account"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// 1.1: no API can tell whether contact details are current; the check
// shows them for review.
func checkContactDetails(ctx context.Context, _ *Control, t *Target) ([]Result, error) {
	out, err := t.Clients.AccountManagement().GetContactInformation(ctx, &acct.GetContactInformationInput{})
	if err != nil {
		return nil, fmt.Errorf("read the contact information of account %s (account:GetContactInformation): %w", t.Account(), err)
	}
	c := out.ContactInformation
	if c == nil {
		c = &accttypes.ContactInformation{}
	}
	var parts []string
	for _, f := range []struct{ name, value string }{
		{"name", aws.ToString(c.FullName)}, {"company", aws.ToString(c.CompanyName)}, {"phone", aws.ToString(c.PhoneNumber)},
		{"address", strings.Join(nonEmpty(aws.ToString(c.AddressLine1), aws.ToString(c.City), aws.ToString(c.PostalCode), aws.ToString(c.CountryCode)), ", ")},
	} {
		if f.value != "" {
			parts = append(parts, f.name+" "+f.value)
		}
	}
	return []Result{{Resource: t.Resource, Status: Manual, Reason: fmt.Sprintf(
		"no API can tell whether contact details are current: confirm that the contact information of account %s (%s) and the root user's email address reach the account's owners "+
			"(Billing and Cost Management > Account > Contact information; the email address is shown to the root user only)", t.Account(), strings.Join(parts, "; "))}}, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// 1.3: security questions have no API at all.
func checkSecurityQuestions(_ context.Context, _ *Control, t *Target) ([]Result, error) {
	return []Result{{Resource: t.Resource, Status: Manual, Reason: fmt.Sprintf(
		"no API reads security questions: sign in as the root user of account %s, open Account (top right menu) and check that Configure Security Challenge Questions has three questions set, if the console still offers them; "+
			"accounts made by AWS Organizations have no root password and are recovered through the management account", t.Account())}}, nil
}

// 1.2: the security alternate contact.

// SecurityContactParams is the security contact cisguard registers where
// none is (1.2); empty, cisguard only reports.
type SecurityContactParams struct {
	Name         string `yaml:"name"`
	Title        string `yaml:"title"`
	EmailAddress string `yaml:"emailAddress"`
	PhoneNumber  string `yaml:"phoneNumber"`
}

var phoneRe = regexp.MustCompile(`^[\s0-9()+-]{1,25}$`)

// configured reports whether a contact is set.
func (p *SecurityContactParams) configured() bool { return *p != SecurityContactParams{} }

// Validate checks that the contact is complete and well formed, or empty.
func (p *SecurityContactParams) Validate() error {
	switch {
	case !p.configured():
		return nil
	case p.Name == "" || p.Title == "" || p.EmailAddress == "" || p.PhoneNumber == "":
		return fmt.Errorf("name, title, emailAddress and phoneNumber are all required for a security contact (or none of them)")
	case len(p.Name) > 64 || len(p.Title) > 50:
		return fmt.Errorf("name %q must be at most 64 characters and title %q at most 50", p.Name, p.Title)
	case !emailRe.MatchString(p.EmailAddress) || len(p.EmailAddress) > 254:
		return fmt.Errorf("emailAddress %q is not an email address", p.EmailAddress)
	case !phoneRe.MatchString(p.PhoneNumber):
		return fmt.Errorf("phoneNumber %q may hold only digits, spaces, +, -, ( and ), at most 25", p.PhoneNumber)
	}
	return nil
}

// securityContactScopes allow writing the security contact only when one
// is configured.
func securityContactScopes(p any, _ config.Tag) []perms.Scope {
	s := perms.Scope{Sid: "SecurityContactFromConfiguration", Actions: []string{"account:PutAlternateContact", "account:DeleteAlternateContact"}}
	if p.(*SecurityContactParams).configured() {
		s.Resources = []string{"*"}
	}
	return []perms.Scope{s}
}

func planSecurityContact(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	api := t.Clients.AccountManagement()
	out, err := api.GetAlternateContact(ctx, &acct.GetAlternateContactInput{AlternateContactType: accttypes.AlternateContactTypeSecurity})
	switch {
	case awsapi.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("read the security contact of account %s (account:GetAlternateContact): %w", t.Account(), err)
	default:
		c := out.AlternateContact
		p.Note("account %s has a security contact: %s <%s>", t.Account(), aws.ToString(c.Name), aws.ToString(c.EmailAddress))
		return p, nil
	}
	want := params[SecurityContactParams](t)
	if !want.configured() {
		p.Leave(fmt.Sprintf("account %s has no security contact", t.Account()),
			"set one under controls.\"1.2\" (name, title, emailAddress, phoneNumber) and cisguard registers it, or",
			fmt.Sprintf("in account %s open Account > Alternate contacts > Edit, fill in Security contact (a team address, not one person's), or run: aws account put-alternate-contact --alternate-contact-type SECURITY --name <name> --title <title> --email-address <email> --phone-number <phone>", t.Account()))
		return p, nil
	}
	in := &acct.PutAlternateContactInput{AlternateContactType: accttypes.AlternateContactTypeSecurity,
		Name: aws.String(want.Name), Title: aws.String(want.Title), EmailAddress: aws.String(want.EmailAddress), PhoneNumber: aws.String(want.PhoneNumber)}
	p.Addf(func(ctx context.Context) error {
		_, err := api.PutAlternateContact(ctx, in)
		if awsapi.HasCode(err, "AccessDeniedException") {
			return fmt.Errorf("%w (in an organization, AWS Account Management may need trusted access enabled)", err)
		}
		return err
	}, "register the security contact of account %s: %s, %s <%s>", t.Account(), want.Name, want.Title, want.EmailAddress).Prior = recordSecurityContact(t.Account(), in)
	return p, nil
}

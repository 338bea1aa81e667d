package controls

// Undo of the account-level fixes of section 1 that came with the scan
// checks: the security contact (1.2), the Access Analyzer analyzer
// (1.20); a deleted server certificate (1.19) is lost.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	acct "github.com/aws/aws-sdk-go-v2/service/account"
	accttypes "github.com/aws/aws-sdk-go-v2/service/account/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

const (
	kindSecurityContact   = "account:security-contact"
	kindAnalyzer          = "access-analyzer:analyzer"
	kindServerCertificate = "iam:server-certificate-deleted"
)

// contactRecord is an alternate contact.
type contactRecord struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Email string `json:"emailAddress"`
	Phone string `json:"phoneNumber"`
}

// recordSecurityContact records the security contact registered where the
// account had none (1.2 never replaces one).
func recordSecurityContact(account string, in *acct.PutAlternateContactInput) *plan.Prior {
	return plan.Replaced(kindSecurityContact, account, nil, contactRecord{aws.ToString(in.Name), aws.ToString(in.Title), aws.ToString(in.EmailAddress), aws.ToString(in.PhoneNumber)})
}

func undoSecurityContact(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	var set contactRecord
	if err := pr.Decode(nil, &set); err != nil {
		return nil, err
	}
	api, p := t.Clients.AccountManagement(), &plan.Plan{}
	out, err := api.GetAlternateContact(ctx, &acct.GetAlternateContactInput{AlternateContactType: accttypes.AlternateContactTypeSecurity})
	switch {
	case awsapi.IsNotFound(err):
		p.Note("account %s has no security contact, as before", t.Account())
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("read the security contact of account %s: %w", t.Account(), err)
	}
	c := out.AlternateContact
	if live := (contactRecord{aws.ToString(c.Name), aws.ToString(c.Title), aws.ToString(c.EmailAddress), aws.ToString(c.PhoneNumber)}); live != set {
		return plan.Changed(pr, fmt.Sprintf("the security contact is now %s <%s>", live.Name, live.Email)), nil
	}
	p.Addf(func(ctx context.Context) error {
		_, err := api.DeleteAlternateContact(ctx, &acct.DeleteAlternateContactInput{AlternateContactType: accttypes.AlternateContactTypeSecurity})
		return err
	}, "remove the security contact %s <%s> of account %s: it had none before cisguard", set.Name, set.Email, t.Account())
	return p, nil
}

// analyzerRecord is an analyzer cisguard created.
type analyzerRecord struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// undoAnalyzer deletes the analyzer cisguard created while it still
// carries cisguard's tag (the member policy deletes no other). Its
// findings are derived from the account's policies: a new analyzer finds
// them again.
func undoAnalyzer(ctx context.Context, t *Target, pr *plan.Prior) (*plan.Plan, error) {
	api, p := t.Clients.AccessAnalyzer(), &plan.Plan{}
	pages := accessanalyzer.NewListAnalyzersPaginator(api, &accessanalyzer.ListAnalyzersInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the IAM Access Analyzer analyzers of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, a := range pg.Analyzers {
			if aws.ToString(a.Name) != pr.Resource {
				continue
			}
			if a.Tags[perms.ManagedTagKey] != perms.ManagedTagValue {
				return plan.Changed(pr, "the analyzer no longer carries "+perms.ManagedTagKey), nil
			}
			p.Addf(func(ctx context.Context) error {
				_, err := api.DeleteAnalyzer(ctx, &accessanalyzer.DeleteAnalyzerInput{AnalyzerName: aws.String(pr.Resource)})
				return err
			}, "delete IAM Access Analyzer analyzer %s in %s, created by cisguard (its findings are derived from the account's policies; a new analyzer finds them again)", pr.Resource, t.Region())
			return p, nil
		}
	}
	p.Note("analyzer %s no longer exists in %s", pr.Resource, t.Region())
	return p, nil
}

package controls

// 1.20: IAM Access Analyzer in every enabled region.

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/config"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// analyzerName is the analyzer cisguard creates.
const analyzerName = "cisguard-account-analyzer"

// analyzerScopes: the analyzer is created tagged cisguard:managed only,
// and the service-linked role created with it is Access Analyzer's own; a
// revert deletes only that analyzer, while it carries the tag.
func analyzerScopes(any, config.Tag) []perms.Scope {
	return []perms.Scope{
		{Sid: "TagCreatedAnalyzer", Actions: []string{"access-analyzer:TagResource"}, Resources: []string{perms.ARN("access-analyzer", "*", "analyzer/"+analyzerName)}, Condition: onlyManagedTag},
		{Sid: "DeleteCreatedAnalyzer", Actions: []string{"access-analyzer:DeleteAnalyzer"}, Resources: []string{perms.ARN("access-analyzer", "*", "analyzer/"+analyzerName)},
			Condition: perms.Condition{"StringEquals": {"aws:ResourceTag/" + perms.ManagedTagKey: {perms.ManagedTagValue}}}},
		{Sid: "AccessAnalyzerServiceLinkedRole", Actions: []string{"iam:CreateServiceLinkedRole"},
			Resources: []string{perms.ARN("iam", "", "role/aws-service-role/access-analyzer.amazonaws.com/AWSServiceRoleForAccessAnalyzer")},
			Condition: perms.Condition{"StringEquals": {"iam:AWSServiceName": {"access-analyzer.amazonaws.com"}}}},
	}
}

// externalAccess reports whether an analyzer looks for external access
// (what CIS 1.20 means): zone of trust the account or the organization,
// not the unused- or internal-access kinds.
func externalAccess(a aatypes.AnalyzerSummary) bool {
	return a.Type == aatypes.TypeAccount || a.Type == aatypes.TypeOrganization
}

func planAccessAnalyzer(ctx context.Context, t *Target) (*plan.Plan, error) {
	p := &plan.Plan{}
	var found []aatypes.AnalyzerSummary
	pages := accessanalyzer.NewListAnalyzersPaginator(t.Clients.AccessAnalyzer(), &accessanalyzer.ListAnalyzersInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the IAM Access Analyzer analyzers of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, a := range pg.Analyzers {
			if externalAccess(a) {
				found = append(found, a)
			}
		}
	}
	var idle []string
	for _, a := range found {
		if a.Status == aatypes.AnalyzerStatusActive {
			p.Note("analyzer %s (%s) is active in %s", aws.ToString(a.Name), a.Type, t.Region())
			return p, nil
		}
		why := string(a.Status)
		if a.StatusReason != nil {
			why += ": " + string(a.StatusReason.Code)
		}
		idle = append(idle, fmt.Sprintf("%s (%s, %s)", aws.ToString(a.Name), a.Type, why))
	}
	if len(idle) > 0 {
		p.Leave(fmt.Sprintf("no IAM Access Analyzer analyzer is active in account %s, %s: %s", t.Account(), t.Region(), strings.Join(idle, "; ")),
			"an analyzer being created becomes active within minutes: check again",
			fmt.Sprintf("a failed or disabled one: read its status in IAM > Access analyzer (%s); an organization analyzer needs trusted access for Access Analyzer in AWS Organizations; delete a failed account analyzer and create it again", t.Region()))
		return p, nil
	}
	api, region := t.Clients.AccessAnalyzer(), t.Region()
	record := plan.Replaced(kindAnalyzer, analyzerName, nil, analyzerRecord{Name: analyzerName, Type: string(aatypes.TypeAccount)})
	p.Addf(func(ctx context.Context) error {
		_, err := api.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String(analyzerName), Type: aatypes.TypeAccount, Tags: managedTag})
		if awsapi.HasCode(err, "ConflictException") {
			record.Drop()
			return nil // made meanwhile by another remediation
		}
		return err
	}, "create IAM Access Analyzer analyzer %s (zone of trust: account %s) in %s", analyzerName, t.Account(), region).Prior = record
	return p, nil
}

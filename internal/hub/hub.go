// Package hub is cisguard's side of Security Hub in the administrator
// account, with the engine's own credentials: Get reads Security Hub's own
// copy of findings before anything is done (confirm.go), and Apply and the
// Flusher set workflow status and note after (BatchUpdateFindings in
// batches of up to 100 findings).
package hub

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// API is the part of Security Hub cisguard calls.
type API interface {
	GetFindings(context.Context, *securityhub.GetFindingsInput, ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error)
	BatchUpdateFindings(context.Context, *securityhub.BatchUpdateFindingsInput, ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error)
	ListFindingAggregators(context.Context, *securityhub.ListFindingAggregatorsInput, ...func(*securityhub.Options)) (*securityhub.ListFindingAggregatorsOutput, error)
	GetFindingAggregator(context.Context, *securityhub.GetFindingAggregatorInput, ...func(*securityhub.Options)) (*securityhub.GetFindingAggregatorOutput, error)
}

var _ API = (*securityhub.Client)(nil)

// MaxBatch is the most findings one BatchUpdateFindings call takes.
const MaxBatch = 100

// MaxNote is the longest note Security Hub accepts.
const MaxNote = 512

// Update is the change to one finding.
type Update struct {
	ID, ProductARN string
	Status         types.WorkflowStatus
	Note           string
}

// Apply sends the updates, grouping findings that get the same status and
// note into calls of up to MaxBatch. It returns an error per finding id
// that was not updated; an update's failure never undoes a remediation.
func Apply(ctx context.Context, api API, updates []Update) map[string]error {
	failed := map[string]error{}
	type group struct {
		status types.WorkflowStatus
		note   string
	}
	var order []group
	byGroup := map[group][]Update{}
	for _, u := range updates {
		g := group{u.Status, truncate(u.Note, MaxNote)}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], u)
	}
	for _, g := range order {
		for batch := range slices.Chunk(byGroup[g], MaxBatch) {
			in := &securityhub.BatchUpdateFindingsInput{
				Workflow: &types.WorkflowUpdate{Status: g.status},
				Note:     &types.NoteUpdate{Text: aws.String(g.note), UpdatedBy: aws.String("cisguard")},
			}
			for _, u := range batch {
				in.FindingIdentifiers = append(in.FindingIdentifiers, types.AwsSecurityFindingIdentifier{Id: aws.String(u.ID), ProductArn: aws.String(u.ProductARN)})
			}
			out, err := api.BatchUpdateFindings(ctx, in)
			if err != nil {
				for _, u := range batch {
					failed[u.ID] = fmt.Errorf("update finding workflow to %s: %w", g.status, err)
				}
				continue
			}
			for _, un := range out.UnprocessedFindings {
				id := aws.ToString(un.FindingIdentifier.Id)
				failed[id] = fmt.Errorf("update finding workflow to %s: %s: %s", g.status, aws.ToString(un.ErrorCode), aws.ToString(un.ErrorMessage))
			}
		}
	}
	return failed
}

// truncate shortens s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

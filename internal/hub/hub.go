// Package hub is cisguard's side of Security Hub in the administrator
// account, with the engine's own credentials: Get reads Security Hub's own
// copy of findings before anything is done (confirm.go), and Apply and the
// Flusher set workflow status and note after (BatchUpdateFindings in
// batches of up to 100 findings).
package hub

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

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
	// Note is this finding's own note.
	Note string
	// Group names the findings that may share a call (the engine uses the
	// CIS control), and Shared is the note of a call that updates more
	// than one of them: the control and outcome, without any finding's
	// detail. "" keeps Note always (see Flusher).
	Group, Shared string
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
		g := group{u.Status, Truncate(u.Note, MaxNote)}
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
			for id, err := range update(ctx, api, in) {
				failed[id] = fmt.Errorf("update finding workflow to %s: %w", g.status, err)
			}
		}
	}
	return failed
}

// retryable are the UnprocessedFindings codes worth another call:
// Security Hub was busy with the finding, or failed inside.
var retryable = []string{"ConcurrentUpdateError", "InternalFailure"}

// retryWait is how long update waits before each new call of the findings
// Security Hub left unprocessed with a retryable code (plus jitter).
var retryWait = []time.Duration{250 * time.Millisecond, time.Second, 4 * time.Second}

// update makes one BatchUpdateFindings call (the SDK retries throttling
// and server errors), then calls again for the findings it left
// unprocessed with a retryable code, waiting longer each time. It returns
// an error per finding id that was not updated.
func update(ctx context.Context, api API, in *securityhub.BatchUpdateFindingsInput) map[string]error {
	failed := map[string]error{}
	for attempt := 0; ; attempt++ {
		out, err := api.BatchUpdateFindings(ctx, in)
		if err != nil {
			for _, id := range in.FindingIdentifiers {
				failed[aws.ToString(id.Id)] = err
			}
			return failed
		}
		var again []types.AwsSecurityFindingIdentifier
		for _, un := range out.UnprocessedFindings {
			id := aws.ToString(un.FindingIdentifier.Id)
			failed[id] = fmt.Errorf("%s: %s", aws.ToString(un.ErrorCode), aws.ToString(un.ErrorMessage))
			if slices.Contains(retryable, aws.ToString(un.ErrorCode)) && un.FindingIdentifier != nil {
				again = append(again, *un.FindingIdentifier)
			}
		}
		if len(again) == 0 || attempt == len(retryWait) {
			return failed
		}
		select {
		case <-ctx.Done():
			return failed
		case <-time.After(retryWait[attempt] + rand.N(retryWait[attempt]/2+1)):
		}
		for _, id := range again {
			delete(failed, aws.ToString(id.Id))
		}
		next := *in
		next.FindingIdentifiers = again
		in = &next
	}
}

// Truncate shortens s to at most n bytes without splitting a character,
// ending it with "…" when it was cut (Security Hub counts a field in bytes).
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

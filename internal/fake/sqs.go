package fake

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS is a fake of SQS in one account and region as a sender sees it:
// queues that hold the messages sent to them. SendMessageBatch refuses
// what SQS refuses: an unknown queue, an empty batch or one of more than
// ten entries, entry ids repeated or not 1-80 letters, digits, '-' or
// '_', a message or a batch over 1 MiB, an empty body or characters
// outside SQS's set. Per-entry failures (the answer's Failed list, which
// a sender must check) are injected with FailEntries.
type SQS struct {
	Log *Log

	mu      sync.Mutex
	queues  map[string][]string // URL → bodies, in order
	failing int                 // entries still to fail
	batches []int               // entries per SendMessageBatch call
}

// NewSQS returns a fake SQS with no queue.
func NewSQS() *SQS { return &SQS{Log: &Log{}, queues: map[string][]string{}} }

// CreateQueue makes a queue known by its URL.
func (s *SQS) CreateQueue(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.queues[url]; !ok {
		s.queues[url] = []string{}
	}
}

// Messages returns the bodies a queue holds, in the order sent.
func (s *SQS) Messages(url string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queues[url]...)
}

// Batches returns the number of entries of each SendMessageBatch call
// that SQS accepted.
func (s *SQS) Batches() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.batches...)
}

// FailEntries makes the next n entries sent fail one by one, as SQS
// reports an entry it could not store (Failed, SenderFault false).
func (s *SQS) FailEntries(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing += n
}

const sqsMaxBytes = 1 << 20 // a message, and a batch's messages together

var sqsEntryID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// SendMessageBatch stores up to ten messages.
func (s *SQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if err := s.Log.record(ctx, "SQS", "", "SendMessageBatch"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	url := aws.ToString(in.QueueUrl)
	if _, ok := s.queues[url]; !ok {
		return nil, APIError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist: %s", url)
	}
	switch n := len(in.Entries); {
	case n == 0:
		return nil, APIError("AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.")
	case n > 10:
		return nil, APIError("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent %d.", n)
	}
	ids, total := map[string]bool{}, 0
	for _, e := range in.Entries {
		id, body := aws.ToString(e.Id), aws.ToString(e.MessageBody)
		if !sqsEntryID.MatchString(id) {
			return nil, APIError("AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long: %q", id)
		}
		if ids[id] {
			return nil, APIError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id %s repeated.", id)
		}
		ids[id] = true
		if body == "" || !utf8.ValidString(body) {
			return nil, APIError("InvalidParameterValue", "The request must contain the parameter MessageBody.")
		}
		if len(body) > sqsMaxBytes {
			return nil, APIError("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", sqsMaxBytes)
		}
		for _, r := range body {
			if !(r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
				return nil, APIError("InvalidMessageContents", "Invalid binary character '#x%X' was found in the message body.", r)
			}
		}
		total += len(body)
	}
	if total > sqsMaxBytes {
		return nil, APIError("AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", sqsMaxBytes, total)
	}
	out := &sqs.SendMessageBatchOutput{}
	for i, e := range in.Entries {
		if s.failing > 0 {
			s.failing--
			out.Failed = append(out.Failed, sqstypes.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("injected"), SenderFault: false})
			continue
		}
		s.queues[url] = append(s.queues[url], aws.ToString(e.MessageBody))
		out.Successful = append(out.Successful, sqstypes.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String(fmt.Sprintf("msg-%d-%d", len(s.queues[url]), i))})
	}
	s.batches = append(s.batches, len(in.Entries))
	return out, nil
}

// Package notify writes and sends the SNS message that tells a finding's
// owner exactly what cisguard changed, planned, or asks them to do.
package notify

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/catalog"
	"github.com/cisguard/cisguard/internal/finding"
	"github.com/cisguard/cisguard/internal/perms"
	"github.com/cisguard/cisguard/internal/plan"
)

// memberActions are what looking up and publishing to a member account's
// topic call.
var memberActions = []string{"sns:ListTopics", "sns:Publish"}

// MemberGrant is what looking up and publishing to a member account's
// topic needs in the member role: publishing only to topics whose name
// contains topic (notifications.memberTopic).
func MemberGrant(topic string) perms.Grant {
	return perms.Grant{Owner: "notify", Actions: memberActions, Scopes: []perms.Scope{
		{Sid: "PublishToMemberTopic", Actions: []string{"sns:Publish"}, Resources: []string{perms.ARN("sns", "*", "*"+topic+"*")}},
	}}
}

// Report is what happened to one finding, as the message tells it.
type Report struct {
	Finding  finding.Finding
	Decision string // remediated, planned, notified, skipped, failed
	Reason   string
	Actions  []plan.Result
	Notes    []string
	// Summary and Steps are the manual guidance, for notified findings.
	Summary string
	Steps   []string
	// Revert is the finding's result as JSON, for `cisguard revert
	// --result FILE`, when applied actions recorded what they replaced.
	Revert string
}

// RevertMarker starts the revert record in a message: `cisguard revert
// --result` reads a saved message from the line after it.
const RevertMarker = "--- cisguard revert record ---"

// Message is an SNS message.
type Message struct {
	Subject string
	Body    string
}

// MaxSubject is SNS's limit on the subject (fewer than 100 characters).
const MaxSubject = 99

// Compose writes the message for a report.
func Compose(r Report) Message {
	f := r.Finding
	rec, _ := catalog.Lookup(f.CIS)
	verb := map[string]string{
		"remediated": "remediated", "planned": "planned", "notified": "needs action", "failed": "FAILED", "skipped": "skipped",
	}[r.Decision]
	if r.Decision == "remediated" && (r.Summary != "" || len(r.Steps) > 0) {
		verb = "remediated, needs action" // what the fix leaves to a person
	}
	subject := fmt.Sprintf("[cisguard] CIS %s %s: %s %s", f.CIS, verb, f.Account, f.Region)
	if utf8.RuneCountInString(subject) > MaxSubject {
		subject = string([]rune(subject)[:MaxSubject])
	}

	var b strings.Builder
	fmt.Fprintf(&b, "CIS AWS Foundations Benchmark v1.4.0 %s: %s\n", f.CIS, rec.Title)
	if f.SecurityControl != "" {
		fmt.Fprintf(&b, "Security Hub control: %s\n", f.SecurityControl)
	}
	fmt.Fprintf(&b, "Account:  %s\nRegion:   %s\nResource: %s (%s)\n", f.Account, f.Region, f.Resource.ID, f.Resource.Type)
	fmt.Fprintf(&b, "Impact:   %s\n", impactLine(rec.Impact))
	fmt.Fprintf(&b, "Result:   %s", r.Decision)
	if r.Reason != "" {
		fmt.Fprintf(&b, " (%s)", r.Reason)
	}
	b.WriteString("\n")
	if len(r.Actions) > 0 {
		b.WriteString("\nActions:\n")
		for i, a := range r.Actions {
			state := "done"
			switch {
			case a.Error != "":
				state = "FAILED: " + a.Error
			case !a.Done && r.Decision == "planned":
				state = "planned, not applied"
			case !a.Done:
				state = "not run"
			}
			fmt.Fprintf(&b, "  %d. %s [%s]\n", i+1, a.Description, state)
			if a.Done && a.Prior != nil {
				fmt.Fprintf(&b, "     replaced: %s\n", a.Prior)
			}
		}
	}
	if r.Summary != "" || len(r.Steps) > 0 {
		b.WriteString("\nWhat to do:\n")
		if r.Summary != "" {
			fmt.Fprintf(&b, "  %s\n", r.Summary)
		}
		for i, s := range r.Steps {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	fmt.Fprintf(&b, "\nFinding: %s\n%s\n", f.ID, ConsoleLink(f))
	if r.Revert != "" {
		fmt.Fprintf(&b, "\nTo undo: save this message as a file and run cisguard revert --result FILE [--dry-run]; it restores what is recorded below while the resource still holds what cisguard set.\n%s\n%s\n", RevertMarker, r.Revert)
	}
	return Message{Subject: subject, Body: b.String()}
}

func impactLine(i catalog.Impact) string {
	switch i {
	case catalog.Disruptive:
		return "disruptive: this change can break access or traffic; check the affected workloads"
	case catalog.Possible:
		return "possible: may affect some setups"
	}
	return "safe: cannot break a workload"
}

// ConsoleLink returns the Security Hub console address that opens the finding.
func ConsoleLink(f finding.Finding) string {
	host := "console.aws.amazon.com"
	switch f.Partition {
	case "aws-us-gov":
		host = "console.amazonaws-us-gov.com"
	case "aws-cn":
		host = "console.amazonaws.cn"
	}
	region := f.HubRegion
	if region == "" {
		region = f.Region
	}
	// The console's search syntax is itself URL-encoded inside the fragment.
	value := url.QueryEscape(`\operator\:EQUALS\:` + f.ID)
	return fmt.Sprintf("https://%s.%s/securityhub/home?region=%s#/findings?search=Id%%3D%s", region, host, region, url.QueryEscape(value))
}

// Sender publishes messages: to the central topic with cisguard's own
// credentials when one is configured, otherwise to the member account's
// topic of the original deployment, found by name.
type Sender struct {
	// Central is the SNS client for the central topic (nil when none).
	Central awsapi.SNS
	// TopicARN is the central topic.
	TopicARN string
	// MemberTopic is the part of a member topic's name to look for.
	MemberTopic string

	mu     sync.Mutex
	topics map[string]string // account/region → member topic ARN
}

// ErrNoTopic is returned when no topic could be found for a message.
var ErrNoTopic = fmt.Errorf("no notification topic")

// Send publishes a message about a finding. member gives the member
// account's clients in the finding's region, for the member topic.
func (s *Sender) Send(ctx context.Context, m Message, member awsapi.Clients) error {
	api, topic := s.Central, s.TopicARN
	if topic == "" {
		ctx = perms.Declare(ctx, "notify", memberActions)
		var err error
		topic, err = s.memberTopic(ctx, member)
		if err != nil {
			return err
		}
		api = member.SNS()
	}
	_, err := api.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Subject: aws.String(m.Subject), Message: aws.String(m.Body)})
	if err != nil {
		return fmt.Errorf("publish to %s: %w", topic, err)
	}
	return nil
}

// memberTopic finds (once per account and region) the topic whose name
// contains MemberTopic.
func (s *Sender) memberTopic(ctx context.Context, c awsapi.Clients) (string, error) {
	key := c.Account() + "/" + c.Region()
	s.mu.Lock()
	t, ok := s.topics[key]
	s.mu.Unlock()
	if !ok {
		pages := sns.NewListTopicsPaginator(c.SNS(), &sns.ListTopicsInput{})
		for pages.HasMorePages() && t == "" {
			p, err := pages.NextPage(ctx)
			if err != nil {
				return "", fmt.Errorf("list SNS topics in %s %s: %w", c.Account(), c.Region(), err)
			}
			for _, topic := range p.Topics {
				arn := aws.ToString(topic.TopicArn)
				if strings.Contains(arn[strings.LastIndex(arn, ":")+1:], s.MemberTopic) {
					t = arn
					break
				}
			}
		}
		if t != "" { // a missing topic may be created later: look again next time
			s.mu.Lock()
			if s.topics == nil {
				s.topics = map[string]string{}
			}
			s.topics[key] = t
			s.mu.Unlock()
		}
	}
	if t == "" {
		return "", fmt.Errorf("%w: notifications.topicArn is not set and account %s has no topic named *%s* in %s", ErrNoTopic, c.Account(), s.MemberTopic, c.Region())
	}
	return t, nil
}

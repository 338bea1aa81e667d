package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// rie is AWS's Lambda Runtime Interface Emulator, built from the Go module
// proxy at a pinned version (outside this module's go.mod: `go install
// module@version` builds it in its own module).
const rie = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// TestLambdaUnderRuntimeInterfaceEmulator runs the Lambda function's
// bootstrap (built for this machine) under AWS's Runtime Interface
// Emulator, with the emulator's AWS endpoint behind it, and invokes it
// with an SQS batch of two Security Hub events as the SQS event source
// mapping delivers them. The batch response must report exactly the
// message whose finding failed, so that SQS retries only that one.
func TestLambdaUnderRuntimeInterfaceEmulator(t *testing.T) {
	requireEndpoint(t)
	if runtime.GOOS != "linux" {
		t.Fatalf("the Runtime Interface Emulator runs on Linux only, not %s", runtime.GOOS)
	}
	dir := t.TempDir()
	start := time.Now()
	build(t, dir, "install", rie)
	build(t, dir, "build", "-o", filepath.Join(dir, "bootstrap"), "../../cmd/lambda")
	t.Logf("built the Runtime Interface Emulator and bootstrap in %s", time.Since(start).Round(time.Millisecond))

	// Good: a bucket without Block Public Access in the suite's account.
	// Bad: a finding in an account where the member role was never deployed.
	bucket := newBucket(t)
	good := controlEvent(t, finding{Control: "S3.8", CIS: "2.1.5.2", ResourceType: "AwsS3Bucket", ResourceID: "arn:aws:s3:::" + bucket})
	bad := controlEvent(t, finding{Control: "EC2.7", CIS: "2.2.1", ResourceType: "AwsAccount", Account: "333344445555"})
	seedFindings(t, good)
	seedFindings(t, bad)

	batch, ids := sqsBatch(t, map[string][]byte{"good": good, "bad": bad})
	url := startRIE(t, dir)
	start = time.Now()
	resp, err := http.Post(url+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(batch))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		BatchItemFailures []struct{ ItemIdentifier string } `json:"batchItemFailures"`
	}
	var raw bytes.Buffer
	raw.ReadFrom(resp.Body)
	if err := json.Unmarshal(raw.Bytes(), &out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("invocation answered %d %s (%v)", resp.StatusCode, raw.String(), err)
	}
	t.Logf("invocation took %s", time.Since(start).Round(time.Millisecond))
	var failed []string
	for _, f := range out.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !slices.Equal(failed, []string{ids["bad"]}) {
		t.Errorf("batch item failures %v, want only the bad message %s (good: %s)", failed, ids["bad"], ids["good"])
	}
	if !bucketBlocksPublicAccess(t, bucket) {
		t.Errorf("the good message's bucket %s was not fixed", bucket)
	}
	if w := workflow(t, findingID(t, good)); w != "RESOLVED" {
		t.Errorf("good finding: workflow %s, want RESOLVED", w)
	}
	if w := workflow(t, findingID(t, bad)); w != "NEW" {
		t.Errorf("bad finding: workflow %s, want NEW", w)
	}
}

// build runs the go command into dir (GOBIN for go install).
func build(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOBIN="+dir) // the host's build settings: the suite's build cache serves both
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// sqsBatch sends the events to a queue of the emulator and receives them,
// then shapes them as Lambda's SQS event source hands a batch to the
// function. It returns the batch and each event's message id.
func sqsBatch(t *testing.T, events map[string][]byte) ([]byte, map[string]string) {
	t.Helper()
	ctx := context.Background()
	api := sqs.NewFromConfig(cfg)
	name := unique("cisguard-findings")
	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	byID := map[string]string{}
	for label, ev := range events {
		out, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(string(ev))})
		if err != nil {
			t.Fatal(err)
		}
		ids[label] = aws.ToString(out.MessageId)
		byID[aws.ToString(out.MessageId)] = label
	}
	var msgs []sqstypes.Message
	for deadline := time.Now().Add(10 * time.Second); len(msgs) < len(events) && time.Now().Before(deadline); {
		out, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, out.Messages...)
	}
	if len(msgs) != len(events) {
		t.Fatalf("received %d of %d messages", len(msgs), len(events))
	}
	arn := fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, account, name)
	var records []map[string]any
	for _, m := range msgs {
		body := aws.ToString(m.Body)
		sum := md5.Sum([]byte(body))
		records = append(records, map[string]any{
			"messageId":         aws.ToString(m.MessageId),
			"receiptHandle":     aws.ToString(m.ReceiptHandle),
			"body":              body,
			"attributes":        m.Attributes,
			"messageAttributes": map[string]any{},
			"md5OfBody":         hex.EncodeToString(sum[:]),
			"eventSource":       "aws:sqs",
			"eventSourceARN":    arn,
			"awsRegion":         region,
		})
	}
	return encode(t, map[string]any{"Records": records}), ids
}

// startRIE runs bootstrap under the Runtime Interface Emulator with the
// emulator's AWS endpoint (through the bridge) and returns its URL.
func startRIE(t *testing.T, dir string) string {
	t.Helper()
	invoke, api := freePort(t), freePort(t)
	conf := filepath.Join(dir, "cisguard.yaml")
	if err := os.WriteFile(conf, []byte(quiet), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "aws-lambda-rie"),
		"--runtime-interface-emulator-address", invoke, "--runtime-api-address", api, filepath.Join(dir, "bootstrap"))
	cmd.Dir = dir
	cmd.Env = append(slices.Clone(env), "CISGUARD_CONFIG="+conf, "AWS_LAMBDA_FUNCTION_TIMEOUT=120",
		"AWS_LAMBDA_FUNCTION_NAME=cisguard", "LOG_LEVEL=warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("Runtime Interface Emulator and function output:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", invoke, time.Second)
		if err == nil {
			c.Close()
			return "http://" + invoke
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Runtime Interface Emulator does not listen on %s:\n%s", invoke, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// findingID returns the id of an event's only finding.
func findingID(t *testing.T, event []byte) string {
	t.Helper()
	return fmt.Sprint(eventFindings(t, decode(t, event))[0]["Id"])
}

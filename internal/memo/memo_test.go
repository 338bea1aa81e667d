package memo_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cisguard/cisguard/internal/awsapi"
	"github.com/cisguard/cisguard/internal/fake"
	"github.com/cisguard/cisguard/internal/memo"
	"github.com/cisguard/cisguard/internal/perms"
)

// uncached are reads that must reach AWS every time: polling the
// credential report.
var uncached = map[string]bool{"GenerateCredentialReport": true, "GetCredentialReport": true}

func isRead(name string) bool {
	for _, p := range []string{"Get", "Describe", "List", "Head"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// TestEveryReadIsKept calls every read of every service twice through
// the memo clients: AWS (the fake) must see it once. A read added to
// package awsapi but not to services.go reaches AWS twice and fails here.
func TestEveryReadIsKept(t *testing.T) {
	a := fake.NewAccount("111122223333")
	m := memo.New(a.Clients("eu-west-1"))
	cv := reflect.ValueOf(awsapi.Clients(m))
	ctx := context.Background()
	checked := 0
	for i := 0; i < cv.NumMethod(); i++ {
		acc, typ := cv.Type().Method(i), cv.Method(i).Type()
		if typ.NumIn() != 0 || typ.NumOut() != 1 || typ.Out(0).Kind() != reflect.Interface {
			continue // Account, Region, In …
		}
		api := cv.Method(i).Call(nil)[0]
		for j := 0; j < api.NumMethod(); j++ {
			op := api.Type().Method(j)
			if !isRead(op.Name) || uncached[op.Name] {
				continue
			}
			a.Log.Reset()
			in := reflect.New(api.Method(j).Type().In(1).Elem())
			for range 2 {
				api.Method(j).Call([]reflect.Value{reflect.ValueOf(ctx), in})
			}
			if n := len(a.Log.Calls()); n != 1 {
				t.Errorf("%s.%s reached AWS %d times for two identical reads, want 1 (add it to services.go)", acc.Name, op.Name, n)
			}
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("checked %d reads; the reflection missed the services", checked)
	}
}

func TestConcurrentReadsShareOneCall(t *testing.T) {
	a := fake.NewAccount("111122223333")
	a.AddBucket("b", "eu-west-1")
	m := memo.New(a.Clients("eu-west-1"))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := m.S3().GetBucketLocation(context.Background(), &s3.GetBucketLocationInput{Bucket: aws.String("b")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(a.Log.Calls()); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
}

func TestRegionsAreKeptApartAndShareTheStore(t *testing.T) {
	a := fake.NewAccount("111122223333")
	m := memo.New(a.Clients("eu-west-1"))
	ctx := context.Background()
	us, _ := m.In("us-east-1")
	again, _ := m.In("us-east-1")
	for _, c := range []awsapi.Clients{m, us, again} {
		_, _ = c.S3().ListBuckets(ctx, &s3.ListBucketsInput{})
	}
	if n := len(a.Log.Calls()); n != 2 {
		t.Fatalf("%d calls, want one per region", n)
	}
}

// TestDeclarationHoldsOnKeptAnswers: an answer kept for one check is not
// given to a check that did not declare the read.
func TestDeclarationHoldsOnKeptAnswers(t *testing.T) {
	a := fake.NewAccount("111122223333")
	m := memo.New(a.Clients("eu-west-1"))
	ok := perms.Declare(context.Background(), "2.1.1", []string{"s3:ListAllMyBuckets"})
	if _, err := m.S3().ListBuckets(ok, &s3.ListBucketsInput{}); err != nil {
		t.Fatal(err)
	}
	other := perms.Declare(context.Background(), "5.3", []string{"ec2:DescribeVpcs"})
	_, err := m.S3().ListBuckets(other, &s3.ListBucketsInput{})
	var u *perms.UndeclaredError
	if !errorsAs(err, &u) {
		t.Fatalf("undeclared read of a kept answer: %v, want UndeclaredError", err)
	}
}

func TestCancelledCallIsNotKept(t *testing.T) {
	a := fake.NewAccount("111122223333")
	m := memo.New(a.Clients("eu-west-1"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.S3().ListBuckets(ctx, &s3.ListBucketsInput{}); err == nil {
		t.Fatal("cancelled call succeeded")
	}
	if _, err := m.S3().ListBuckets(context.Background(), &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("the next caller got the cancelled answer: %v", err)
	}
}

func TestValueOnce(t *testing.T) {
	m := memo.New(fake.NewAccount("111122223333").Clients("eu-west-1"))
	n := 0
	for range 3 {
		v, err := m.Value(context.Background(), "k", func() (any, error) { n++; return n, nil })
		if err != nil || v != 1 {
			t.Fatalf("got %v, %v", v, err)
		}
	}
}

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }

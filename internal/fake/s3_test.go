package fake

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Bucket names are global, and ExpectedBucketOwner is enforced.
func TestS3BucketOwners(t *testing.T) {
	a := NewAccount("111122223333")
	a.AddBucket("mine", "eu-west-1")
	a.AddForeignBucket("999988887777", "theirs", "eu-west-1")
	open := a.AddForeignBucket("999988887777", "open", "eu-west-1")
	open.GrantsAll = true
	api := a.S3("eu-west-1")
	create := func(name string) error {
		_, err := api.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(name), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}})
		return err
	}
	wantCode(t, create("mine"), "BucketAlreadyOwnedByYou")
	wantCode(t, create("theirs"), "BucketAlreadyExists")
	me, them := aws.String("111122223333"), aws.String("999988887777")
	get := func(name string, owner *string) error {
		_, err := api.GetBucketPolicy(bg, &s3.GetBucketPolicyInput{Bucket: aws.String(name), ExpectedBucketOwner: owner})
		return err
	}
	wantCode(t, get("mine", me), "NoSuchBucketPolicy")
	wantCode(t, get("mine", them), "AccessDenied")
	wantCode(t, get("theirs", nil), "AccessDenied") // no grant
	wantCode(t, get("open", nil), "NoSuchBucketPolicy")
	wantCode(t, get("open", me), "AccessDenied")
	wantCode(t, get("open", them), "NoSuchBucketPolicy")
	if _, err := api.GetBucketLocation(bg, &s3.GetBucketLocationInput{Bucket: aws.String("open"), ExpectedBucketOwner: me}); err == nil {
		t.Error("location of another account's bucket answered despite ExpectedBucketOwner")
	}
	out, err := api.ListBuckets(bg, &s3.ListBucketsInput{})
	if err != nil || len(out.Buckets) != 1 || *out.Buckets[0].Name != "mine" {
		t.Errorf("list %+v %v", out, err)
	}
	// Access logs go only to a bucket of the same owner.
	_, err = api.PutBucketLogging(bg, &s3.PutBucketLoggingInput{Bucket: aws.String("mine"), BucketLoggingStatus: &types.BucketLoggingStatus{
		LoggingEnabled: &types.LoggingEnabled{TargetBucket: aws.String("open"), TargetPrefix: aws.String("x/")}}})
	wantCode(t, err, "InvalidTargetBucketForLogging")
	// In tests that promise it, a request without an owner fails.
	a.RequireBucketOwner = true
	wantCode(t, get("mine", nil), "TestExpectedBucketOwnerMissing")
}

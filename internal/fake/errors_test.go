package fake

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// TestFaultsAreRetryable: the faults the fakes inject are errors the SDK's
// retryer retries, as AWS's throttling and 5xx answers are; an access
// denial is not.
func TestFaultsAreRetryable(t *testing.T) {
	retryable := retry.IsErrorRetryables(retry.DefaultRetryables)
	for _, err := range []error{Throttled(), ServerError()} {
		if retryable.IsErrorRetryable(err) != aws.TrueTernary {
			t.Errorf("%v (%s) is not retried by the SDK", err, awsapi.Code(err))
		}
	}
	if err := APIError("AccessDenied", "no"); retryable.IsErrorRetryable(err) == aws.TrueTernary {
		t.Errorf("%v is retried", err)
	}
}

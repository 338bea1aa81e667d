package fake

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// A paused call holds only its caller: other calls to the account go on
// meanwhile, and the paused one then sees what they did.
func TestPauseHoldsOneCall(t *testing.T) {
	a := NewAccount("111122223333")
	api := a.IAM()
	pause := a.Log.Pause("IAM/UpdateAccountPasswordPolicy")
	done := make(chan error, 1)
	go func() {
		_, err := api.UpdateAccountPasswordPolicy(bg, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(10)})
		done <- err
	}()
	<-pause.Held()
	// The hook ran once: this call is not held, and the account is not locked.
	if _, err := api.UpdateAccountPasswordPolicy(bg, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(20)}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(a.PasswordPolicy().MinimumPasswordLength); got != 20 {
		t.Fatalf("length %d while the first call is held", got)
	}
	pause.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(a.PasswordPolicy().MinimumPasswordLength); got != 10 {
		t.Errorf("length %d, want the held call's 10 written last", got)
	}
}

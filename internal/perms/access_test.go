package perms

import (
	"slices"
	"strings"
	"testing"
)

// TestAccessLists keeps the read and write lists apart, sorted, and in
// line with AWS's naming: a read is named Describe, Get, List or Head; a
// write that is named like a read needs a reason here.
func TestAccessLists(t *testing.T) {
	readLike := func(a string) bool {
		_, name, _ := strings.Cut(a, ":")
		return slices.ContainsFunc([]string{"Describe", "Get", "List", "Head"}, func(p string) bool { return strings.HasPrefix(name, p) })
	}
	for _, list := range [][]string{reads, writes} {
		if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
			t.Errorf("list not sorted or has repeats: %v", list)
		}
	}
	for _, a := range reads {
		if slices.Contains(writes, a) {
			t.Errorf("%s is both a read and a write", a)
		}
		// IAM's access level of GenerateCredentialReport is Read: it
		// builds a report of what exists and changes nothing.
		if !readLike(a) && a != "iam:GenerateCredentialReport" {
			t.Errorf("read %s is not named like one", a)
		}
	}
	for _, a := range writes {
		if readLike(a) {
			t.Errorf("write %s is named like a read", a)
		}
	}
}

func TestWrite(t *testing.T) {
	for a, want := range map[string]bool{
		"ec2:DescribeVpcs": false, "s3:ListBucket": false, "iam:CreateRole": true, "sns:Publish": true,
		"iam:GetSomethingNew": true, // unknown: a write until listed
	} {
		if Write(a) != want {
			t.Errorf("Write(%s) = %v", a, !want)
		}
	}
	if got := Reads([]string{"iam:CreateRole", "iam:GetRole", "x:Unknown"}); !slices.Equal(got, []string{"iam:GetRole"}) {
		t.Errorf("Reads: %v", got)
	}
	if Classified("iam:GetSomethingNew") || !Classified("iam:CreateRole") {
		t.Error("Classified")
	}
}

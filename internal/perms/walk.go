package perms

import (
	"slices"
	"strings"
)

// guarded are the services whose writes set who may do what: policies,
// roles and their trust, user credentials, key policies, grants and
// the tags key policies can depend on, organization policies.
var guarded = []string{"iam", "kms", "organizations"}

// harmless are the writes of guarded services that grant nothing, each
// with why; every other write of those services is Sensitive.
var harmless = map[string]string{
	"iam:UpdateAccountPasswordPolicy": "sets the account's password rules; it has no resource or condition key, and grants no access",
	"iam:DeleteAccountPasswordPolicy": "removes the account's password rules (a revert of 1.8/1.9 to none); it grants no access",
	"kms:EnableKeyRotation":           "turns on rotation of a key's material; it changes no access",
	"kms:DisableKeyRotation":          "turns off rotation of a key's material (a revert of 3.8); it changes no access",
	"kms:CreateAlias":                 "names a key; the policy limits it to the configured alias",
}

// Sensitive reports whether an action can write a policy, a role or its
// trust, a user credential or what a key policy depends on: a write of
// IAM, KMS or Organizations that is not known to be harmless. A wildcard
// ("iam:*", "*") is sensitive when it may cover such a write.
func Sensitive(action string) bool {
	svc, name, _ := strings.Cut(action, ":")
	if action == "*" || (strings.Contains(name, "*") && slices.Contains(guarded, svc)) {
		return true
	}
	if !slices.Contains(guarded, svc) || !Write(action) {
		return false
	}
	_, ok := harmless[action]
	return !ok
}

// Escalations walks a policy and returns the sensitive actions it allows
// on every resource of their type without a condition ("*", "…:role/*"):
// the grants with which whoever runs as the role could make itself or a
// new role an administrator, or open a key. An Allow with NotAction
// counts as allowing "*".
func Escalations(d Document) []string { return open(d, Sensitive) }

// policyWrites are the actions of other services that write a resource
// policy: who else may use a bucket, topic, queue, log group, function.
var policyWrites = []string{
	"events:PutPermission", "lambda:AddPermission", "logs:PutResourcePolicy",
	"s3:PutAccessPointPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutObjectAcl",
	"sns:AddPermission", "sns:CreateTopic", "sns:SetTopicAttributes",
	"sqs:AddPermission", "sqs:CreateQueue", "sqs:SetQueueAttributes",
}

// OpenPolicyWrites walks a policy like Escalations and returns the actions
// of other services that write a resource policy (a bucket policy, a
// topic's Policy attribute) that it allows on every resource without a
// condition.
func OpenPolicyWrites(d Document) []string {
	return open(d, func(a string) bool { return slices.Contains(policyWrites, a) })
}

// open returns the actions matching match that a policy allows on every
// resource of their type without a condition.
func open(d Document, match func(string) bool) []string {
	var out []string
	for _, s := range d.Statement {
		if s.Effect != "Allow" || len(s.Condition) > 0 || !slices.ContainsFunc(s.Resource, unbounded) {
			continue
		}
		actions := s.Action
		if len(s.NotAction) > 0 {
			actions = []string{"*"}
		}
		for _, a := range actions {
			if match(a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unbounded reports whether a resource pattern covers every resource of
// its type: "*", or an ARN whose resource part is only a wildcard
// ("arn:aws:iam::1:role/*", "arn:aws:kms:*:1:key/*", "arn:aws:s3:::*").
func unbounded(resource string) bool {
	if resource == "*" {
		return true
	}
	parts := strings.SplitN(resource, ":", 6)
	if len(parts) < 6 {
		return false
	}
	res := parts[5]
	if i := strings.LastIndexAny(res, "/:"); i >= 0 {
		res = res[i+1:]
	}
	return res == "*"
}

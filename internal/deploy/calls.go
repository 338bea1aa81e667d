package deploy

import "strings"

// The AWS API calls each kind of step makes, for the plan that
// `cisguard deploy --dry-run` prints: what a reviewer approves is the
// steps and, under each, the calls that carry it out. The waits read the
// state until it is final, and on failure the events or operation results
// that say why.
var (
	waitStack    = "cloudformation:DescribeStacks until complete (DescribeStackEvents on failure)"
	waitStackSet = "cloudformation:DescribeStackSetOperation until SUCCEEDED (ListStackSetOperationResults on failure)"
	waitPolicy   = "securityhub:GetConfigurationPolicyAssociation until SUCCESS"
)

var stepCalls = []struct {
	prefix, contains string
	calls            []string
}{
	{"activate trusted access", "", []string{"cloudformation:ActivateOrganizationsAccess"}},
	{"designate ", "delegated administrator", []string{"securityhub:EnableOrganizationAdminAccount"}},
	{"create the Security Hub finding aggregator", "", []string{"securityhub:CreateFindingAggregator"}},
	{"link ", "finding aggregator", []string{"securityhub:UpdateFindingAggregator"}},
	{"switch Security Hub to central configuration", "", []string{"securityhub:UpdateOrganizationConfiguration", "securityhub:DescribeOrganizationConfiguration until ENABLED"}},
	{"wait for Security Hub central configuration", "", []string{"securityhub:DescribeOrganizationConfiguration until ENABLED"}},
	{"create Security Hub configuration policy", "", []string{"securityhub:CreateConfigurationPolicy"}},
	{"apply ", "", []string{"securityhub:StartConfigurationPolicyAssociation", waitPolicy}},
	{"detach Security Hub configuration policy", "", []string{"securityhub:StartConfigurationPolicyDisassociation", "securityhub:GetConfigurationPolicyAssociation until detached"}},
	{"delete Security Hub configuration policy", "", []string{"securityhub:DeleteConfigurationPolicy"}},
	{"create Security Hub custom action", "", []string{"securityhub:CreateActionTarget"}},
	{"delete Security Hub custom action", "", []string{"securityhub:DeleteActionTarget"}},
	{"create bucket", "", []string{"s3:CreateBucket"}},
	{"secure bucket", "", []string{"s3:PutPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy"}},
	{"upload the Lambda code", "", []string{"s3:PutObject"}},
	{"delete bucket", "", []string{"s3:ListObjectsV2", "s3:DeleteObject", "s3:DeleteBucket"}},
	{"delete stack", "create it again", []string{"cloudformation:DeleteStack", waitStack, "cloudformation:CreateStack", waitStack}},
	{"delete stack", "", []string{"cloudformation:DeleteStack", waitStack}},
	{"continue the rollback of stack", "", []string{"cloudformation:ContinueUpdateRollback", waitStack, "cloudformation:UpdateStack", waitStack}},
	{"create stack", "", []string{"cloudformation:CreateStack", waitStack}},
	{"update stack", "", []string{"cloudformation:UpdateStack", waitStack}},
	{"create StackSet", "", []string{"cloudformation:CreateStackSet"}},
	{"update StackSet", "", []string{"cloudformation:UpdateStackSet", waitStackSet}},
	{"deploy StackSet", " again ", []string{"cloudformation:UpdateStackInstances", waitStackSet}},
	{"deploy StackSet", "", []string{"cloudformation:CreateStackInstances", waitStackSet}},
	{"remove the INOPERABLE stack instances", "", []string{"cloudformation:DeleteStackInstances (RetainStacks)", waitStackSet, "cloudformation:DeleteStack in each account", "cloudformation:CreateStackInstances", waitStackSet}},
	{"delete StackSet", "", []string{"cloudformation:DeleteStackInstances", waitStackSet, "cloudformation:DeleteStackSet"}},
	{"delete role", "", []string{"iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:ListInstanceProfilesForRole", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteRole"}},
	{"disable EventBridge rule", "", []string{"events:DisableRule"}},
}

// Calls returns the AWS API calls a deployment step makes, from its
// description; nil for a step this table does not know (a test keeps
// every step the planner makes known).
func Calls(step string) []string {
	for _, s := range stepCalls {
		if strings.HasPrefix(step, s.prefix) && strings.Contains(step, s.contains) {
			return s.calls
		}
	}
	return nil
}

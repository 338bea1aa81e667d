package catalog

// recommendations is the benchmark, in order. Titles follow CIS v1.4.0;
// handling and impact are cisguard's defaults (see docs/controls.md).
var recommendations = []Recommendation{
	// 1 Identity and Access Management
	{ID: "1.1", Title: "Maintain current contact details", Section: IAM, Level: 1, Handling: Check, Impact: Safe},
	{ID: "1.2", Title: "Ensure security contact information is registered", Section: IAM, Level: 1, Handling: Auto, Impact: Safe},
	{ID: "1.3", Title: "Ensure security questions are registered in the AWS account", Section: IAM, Level: 1, Handling: Notify, Impact: Safe},
	{ID: "1.4", Title: "Ensure no 'root' user account access key exists", Section: IAM, Level: 1, SecurityHub: []string{"IAM.4"}, Handling: Notify, Impact: Possible},
	{ID: "1.5", Title: "Ensure MFA is enabled for the 'root' user account", Section: IAM, Level: 1, SecurityHub: []string{"IAM.9"}, Handling: Notify, Impact: Safe},
	{ID: "1.6", Title: "Ensure hardware MFA is enabled for the 'root' user account", Section: IAM, Level: 2, SecurityHub: []string{"IAM.6"}, Handling: Notify, Impact: Safe},
	{ID: "1.7", Title: "Eliminate use of the 'root' user for administrative and daily tasks", Section: IAM, Level: 1, SecurityHub: []string{"CloudWatch.1"}, Handling: Auto, Impact: Safe},
	{ID: "1.8", Title: "Ensure IAM password policy requires minimum length of 14 or greater", Section: IAM, Level: 1, SecurityHub: []string{"IAM.15"}, Handling: Auto, Impact: Safe},
	{ID: "1.9", Title: "Ensure IAM password policy prevents password reuse", Section: IAM, Level: 1, SecurityHub: []string{"IAM.16"}, Handling: Auto, Impact: Safe},
	{ID: "1.10", Title: "Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a console password", Section: IAM, Level: 1, SecurityHub: []string{"IAM.5"}, Handling: Notify, Impact: Safe},
	{ID: "1.11", Title: "Do not setup access keys during initial user setup for all IAM users that have a console password", Section: IAM, Level: 1, Handling: Check, Impact: Possible},
	{ID: "1.12", Title: "Ensure credentials unused for 45 days or greater are disabled", Section: IAM, Level: 1, SecurityHub: []string{"IAM.22"}, Handling: Auto, Impact: Possible},
	{ID: "1.13", Title: "Ensure there is only one active access key available for any single IAM user", Section: IAM, Level: 1, Handling: Check, Impact: Possible},
	{ID: "1.14", Title: "Ensure access keys are rotated every 90 days or less", Section: IAM, Level: 1, SecurityHub: []string{"IAM.3"}, Handling: Auto, Impact: Possible},
	{ID: "1.15", Title: "Ensure IAM Users Receive Permissions Only Through Groups", Section: IAM, Level: 1, Related: []string{"IAM.2"}, Handling: Check, Impact: Possible},
	{ID: "1.16", Title: "Ensure IAM policies that allow full \"*:*\" administrative privileges are not attached", Section: IAM, Level: 1, SecurityHub: []string{"IAM.1"}, Handling: Notify, Impact: Disruptive},
	{ID: "1.17", Title: "Ensure a support role has been created to manage incidents with AWS Support", Section: IAM, Level: 1, SecurityHub: []string{"IAM.18"}, Handling: Auto, Impact: Safe},
	{ID: "1.18", Title: "Ensure IAM instance roles are used for AWS resource access from instances", Section: IAM, Level: 2, Handling: Check, Impact: Possible},
	{ID: "1.19", Title: "Ensure that all the expired SSL/TLS certificates stored in AWS IAM are removed", Section: IAM, Level: 1, Related: []string{"IAM.26"}, Handling: Check, Impact: Safe},
	{ID: "1.20", Title: "Ensure that IAM Access analyzer is enabled for all regions", Section: IAM, Level: 1, Related: []string{"IAM.28"}, Handling: Auto, Impact: Safe},
	{ID: "1.21", Title: "Ensure IAM users are managed centrally via identity federation or AWS Organizations for multi-account environments", Section: IAM, Level: 2, Handling: Check, Impact: Possible},

	// 2 Storage
	{ID: "2.1.1", Title: "Ensure all S3 buckets employ encryption-at-rest", Section: Storage, Level: 2, Handling: Auto, Impact: Safe},
	{ID: "2.1.2", Title: "Ensure S3 Bucket Policy is set to deny HTTP requests", Section: Storage, Level: 2, SecurityHub: []string{"S3.5"}, Handling: Auto, Impact: Safe},
	{ID: "2.1.3", Title: "Ensure MFA Delete is enabled on S3 buckets", Section: Storage, Level: 1, Related: []string{"S3.20"}, Handling: Check, Impact: Safe},
	{ID: "2.1.4", Title: "Ensure all data in Amazon S3 has been discovered, classified and secured when required", Section: Storage, Level: 2, Related: []string{"Macie.1"}, Handling: Check, Impact: Safe},
	{ID: "2.1.5", Title: "Ensure that S3 Buckets are configured with 'Block public access (bucket settings)'", Section: Storage, Level: 1, SecurityHub: []string{"S3.1", "S3.8"}, Handling: Auto, Impact: Disruptive,
		Parts: []Part{
			{ID: "2.1.5.1", Title: "S3 Block Public Access (account settings) is enabled", SecurityHub: "S3.1"},
			{ID: "2.1.5.2", Title: "S3 Block Public Access (bucket settings) is enabled", SecurityHub: "S3.8"},
		}},
	{ID: "2.2.1", Title: "Ensure EBS volume encryption is enabled", Section: Storage, Level: 1, SecurityHub: []string{"EC2.7"}, Handling: Auto, Impact: Safe},
	{ID: "2.3.1", Title: "Ensure that encryption is enabled for RDS Instances", Section: Storage, Level: 1, SecurityHub: []string{"RDS.3"}, Handling: Notify, Impact: Disruptive},

	// 3 Logging
	{ID: "3.1", Title: "Ensure CloudTrail is enabled in all regions", Section: Logging, Level: 1, SecurityHub: []string{"CloudTrail.1"}, Handling: Auto, Impact: Safe},
	{ID: "3.2", Title: "Ensure CloudTrail log file validation is enabled", Section: Logging, Level: 2, SecurityHub: []string{"CloudTrail.4"}, Handling: Auto, Impact: Safe},
	{ID: "3.3", Title: "Ensure the S3 bucket used to store CloudTrail logs is not publicly accessible", Section: Logging, Level: 1, SecurityHub: []string{"CloudTrail.6"}, Handling: Auto, Impact: Safe},
	{ID: "3.4", Title: "Ensure CloudTrail trails are integrated with CloudWatch Logs", Section: Logging, Level: 1, SecurityHub: []string{"CloudTrail.5"}, Handling: Auto, Impact: Safe},
	{ID: "3.5", Title: "Ensure AWS Config is enabled in all regions", Section: Logging, Level: 2, SecurityHub: []string{"Config.1"}, Handling: Notify, Impact: Safe},
	{ID: "3.6", Title: "Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket", Section: Logging, Level: 1, SecurityHub: []string{"CloudTrail.7"}, Handling: Auto, Impact: Safe},
	{ID: "3.7", Title: "Ensure CloudTrail logs are encrypted at rest using KMS CMKs", Section: Logging, Level: 2, SecurityHub: []string{"CloudTrail.2"}, Handling: Auto, Impact: Safe},
	{ID: "3.8", Title: "Ensure rotation for customer created symmetric CMKs is enabled", Section: Logging, Level: 2, SecurityHub: []string{"KMS.4"}, Handling: Auto, Impact: Safe},
	{ID: "3.9", Title: "Ensure VPC flow logging is enabled in all VPCs", Section: Logging, Level: 2, SecurityHub: []string{"EC2.6"}, Handling: Auto, Impact: Safe},
	{ID: "3.10", Title: "Ensure that Object-level logging for write events is enabled for S3 bucket", Section: Logging, Level: 2, Related: []string{"S3.22"}, Handling: Check, Impact: Safe},
	{ID: "3.11", Title: "Ensure that Object-level logging for read events is enabled for S3 bucket", Section: Logging, Level: 2, Related: []string{"S3.23"}, Handling: Check, Impact: Safe},

	// 4 Monitoring
	{ID: "4.1", Title: "Ensure a log metric filter and alarm exist for unauthorized API calls", Section: Monitoring, Level: 2, Handling: Auto, Impact: Safe},
	{ID: "4.2", Title: "Ensure a log metric filter and alarm exist for Management Console sign-in without MFA", Section: Monitoring, Level: 1, Handling: Auto, Impact: Safe},
	{ID: "4.3", Title: "Ensure a log metric filter and alarm exist for usage of 'root' account", Section: Monitoring, Level: 1, SecurityHub: []string{"CloudWatch.1"}, Handling: Auto, Impact: Safe},
	{ID: "4.4", Title: "Ensure a log metric filter and alarm exist for IAM policy changes", Section: Monitoring, Level: 1, SecurityHub: []string{"CloudWatch.4"}, Handling: Auto, Impact: Safe},
	{ID: "4.5", Title: "Ensure a log metric filter and alarm exist for CloudTrail configuration changes", Section: Monitoring, Level: 1, SecurityHub: []string{"CloudWatch.5"}, Handling: Auto, Impact: Safe},
	{ID: "4.6", Title: "Ensure a log metric filter and alarm exist for AWS Management Console authentication failures", Section: Monitoring, Level: 2, SecurityHub: []string{"CloudWatch.6"}, Handling: Auto, Impact: Safe},
	{ID: "4.7", Title: "Ensure a log metric filter and alarm exist for disabling or scheduled deletion of customer created CMKs", Section: Monitoring, Level: 2, SecurityHub: []string{"CloudWatch.7"}, Handling: Auto, Impact: Safe},
	{ID: "4.8", Title: "Ensure a log metric filter and alarm exist for S3 bucket policy changes", Section: Monitoring, Level: 1, SecurityHub: []string{"CloudWatch.8"}, Handling: Auto, Impact: Safe},
	{ID: "4.9", Title: "Ensure a log metric filter and alarm exist for AWS Config configuration changes", Section: Monitoring, Level: 2, SecurityHub: []string{"CloudWatch.9"}, Handling: Auto, Impact: Safe},
	{ID: "4.10", Title: "Ensure a log metric filter and alarm exist for security group changes", Section: Monitoring, Level: 2, SecurityHub: []string{"CloudWatch.10"}, Handling: Auto, Impact: Safe},
	{ID: "4.11", Title: "Ensure a log metric filter and alarm exist for changes to Network Access Control Lists (NACL)", Section: Monitoring, Level: 2, SecurityHub: []string{"CloudWatch.11"}, Handling: Auto, Impact: Safe},
	{ID: "4.12", Title: "Ensure a log metric filter and alarm exist for changes to network gateways", Section: Monitoring, Level: 1, SecurityHub: []string{"CloudWatch.12"}, Handling: Auto, Impact: Safe},
	{ID: "4.13", Title: "Ensure a log metric filter and alarm exist for route table changes", Section: Monitoring, Level: 1, SecurityHub: []string{"CloudWatch.13"}, Handling: Auto, Impact: Safe},
	{ID: "4.14", Title: "Ensure a log metric filter and alarm exist for VPC changes", Section: Monitoring, Level: 1, SecurityHub: []string{"CloudWatch.14"}, Handling: Auto, Impact: Safe},
	{ID: "4.15", Title: "Ensure a log metric filter and alarm exists for AWS Organizations changes", Section: Monitoring, Level: 1, Handling: Auto, Impact: Safe},

	// 5 Networking
	{ID: "5.1", Title: "Ensure no Network ACLs allow ingress from 0.0.0.0/0 to remote server administration ports", Section: Networking, Level: 1, SecurityHub: []string{"EC2.21"}, Handling: Auto, Impact: Disruptive},
	{ID: "5.2", Title: "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports", Section: Networking, Level: 1, Related: []string{"EC2.13", "EC2.14", "EC2.53", "EC2.54"}, Handling: Check, Impact: Disruptive},
	{ID: "5.3", Title: "Ensure the default security group of every VPC restricts all traffic", Section: Networking, Level: 2, SecurityHub: []string{"EC2.2"}, Handling: Auto, Impact: Possible},
	{ID: "5.4", Title: "Ensure routing tables for VPC peering are \"least access\"", Section: Networking, Level: 2, Handling: Check, Impact: Possible},
}

// Package awsapi lists the slice of the AWS SDK that cisguard calls: one
// small interface per service, naming only the operations the controls
// use. The SDK clients satisfy them (checked below); package fake gives
// stateful stand-ins for tests.
package awsapi

// Clients gives a control the AWS services of one account and region,
// authenticated as the member role.
type Clients interface {
	Account() string
	Region() string
	Partition() string

	EC2() EC2
	IAM() IAM
	S3() S3
	S3Control() S3Control
	CloudTrail() CloudTrail
	Logs() Logs
	CloudWatch() CloudWatch
	SNS() SNS
	KMS() KMS
	Config() Config
	RDS() RDS
	AccessAnalyzer() AccessAnalyzer
	AccountManagement() Account
	Macie() Macie

	// In returns the clients of the same account in another region (a
	// bucket's or a trail's home region).
	In(region string) (Clients, error)
}

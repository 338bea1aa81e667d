package controls

// Singleton is something one account has once (or once per region) that
// the fixes of several findings write: the password policy, the trail and
// what hangs off it. A control lists the singletons its fix writes in
// Control.Writes; the engine fixes findings that share one (or the same
// resource) one after the other, so that each plans on the state the
// previous fix left, and findings about different resources of an account
// at the same time.
//
// This is an economy, not what keeps shared resources correct: other
// processes write them too, and every fix converges whatever the
// interleaving (see docs/architecture.md, "Correct whatever the
// interleaving").
type Singleton struct {
	// Name says what it is.
	Name string
	// Regional is true for one per region of the account.
	Regional bool
}

var (
	// PasswordPolicy is the account's IAM password policy (1.8, 1.9).
	PasswordPolicy = Singleton{Name: "IAM password policy"}
	// AccountPublicAccessBlock is the account's S3 Block Public Access (2.1.5.1).
	AccountPublicAccessBlock = Singleton{Name: "account S3 Block Public Access"}
	// TrailChain is the account's trail and what hangs off it: its bucket
	// and the access-log bucket, its KMS key, its CloudWatch Logs group and
	// delivery role, the metric filters, alarms and alarm topic (3.x, 4.x).
	TrailChain = Singleton{Name: "trail, its buckets, key, log group, delivery role, metric filters, alarms and alarm topic"}
	// SupportRole is the role that holds AWSSupportAccess (1.17).
	SupportRole = Singleton{Name: "AWS Support role"}
	// FlowLogDelivery is the flow logs' log group and delivery role (3.9),
	// one per region: the role is the account's, but its creation
	// converges, and ordering every VPC of every region behind one another
	// made a new account's burst wait (docs/performance.md).
	FlowLogDelivery = Singleton{Name: "VPC flow log group and delivery role", Regional: true}
)

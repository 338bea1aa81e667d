package controls

// 2.3.1: RDS instances store their data encrypted. RDS cannot encrypt an
// instance in place, so cisguard guides: the steps replace an unencrypted
// instance (or cluster member, or read replica) by an encrypted copy.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// RDSEncryptionParams configures the steps of 2.3.1.
type RDSEncryptionParams struct {
	// KMSKeyID is the key the snapshot copy is encrypted with: a key id,
	// alias or ARN in the instance's region.
	KMSKeyID string `yaml:"kmsKeyId"`
}

var kmsKeyRef = regexp.MustCompile(`^(alias/[a-zA-Z0-9:/_-]+|(mrk-)?[0-9a-f-]{32,36}|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[a-zA-Z0-9:/_-]+)$`)

// Validate checks that the key looks like a key id, alias or ARN.
func (p *RDSEncryptionParams) Validate() error {
	if !kmsKeyRef.MatchString(p.KMSKeyID) {
		return fmt.Errorf("kmsKeyId %q is not a KMS key id, alias/name or key or alias ARN", p.KMSKeyID)
	}
	return nil
}

// guideRDSEncryption writes the steps that replace an unencrypted DB
// instance by an encrypted copy: RDS cannot encrypt an instance in place.
func guideRDSEncryption(ctx context.Context, t *Target) (*Guidance, error) {
	id := t.Resource.Name()
	out, err := t.Clients.RDS().DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe DB instance %s in %s: %w", id, t.Region(), err)
	}
	if len(out.DBInstances) != 1 {
		return nil, fmt.Errorf("describe DB instance %s in %s: got %d instances", id, t.Region(), len(out.DBInstances))
	}
	db := out.DBInstances[0]
	if aws.ToBool(db.StorageEncrypted) {
		return nil, nil
	}
	tags := make(map[string]string, len(db.TagList))
	for _, tag := range db.TagList {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if err := t.Exempt(id, tags); err != nil {
		return nil, err
	}
	r := rdsRecipe{db: db, id: aws.ToString(db.DBInstanceIdentifier), region: t.Region(), key: params[RDSEncryptionParams](t).KMSKeyID}
	switch {
	case db.ReadReplicaSourceDBInstanceIdentifier != nil:
		return r.replica(), nil
	case db.DBClusterIdentifier != nil:
		return r.cluster(), nil
	}
	return r.instance(), nil
}

// rdsRecipe writes the encryption steps for one DB instance.
type rdsRecipe struct {
	db     rdstypes.DBInstance
	id     string
	region string
	key    string
}

// describe names the instance's engine, class and storage.
func (r rdsRecipe) describe() string {
	db := r.db
	s := fmt.Sprintf("%s %s, %s", aws.ToString(db.Engine), aws.ToString(db.EngineVersion), aws.ToString(db.DBInstanceClass))
	if db.DBClusterIdentifier == nil {
		s += fmt.Sprintf(", %d GiB %s", aws.ToInt32(db.AllocatedStorage), aws.ToString(db.StorageType))
	}
	if aws.ToBool(db.MultiAZ) {
		s += ", Multi-AZ"
	}
	return s
}

func (r rdsRecipe) endpoint() string {
	if e := r.db.Endpoint; e != nil {
		return fmt.Sprintf("%s:%d", aws.ToString(e.Address), aws.ToInt32(e.Port))
	}
	return "(no endpoint yet)"
}

// network renders the subnet group and security group options that put
// the copy where the instance is.
func (r rdsRecipe) network() string {
	var groups []string
	for _, g := range r.db.VpcSecurityGroups {
		groups = append(groups, aws.ToString(g.VpcSecurityGroupId))
	}
	var subnetGroup string
	if r.db.DBSubnetGroup != nil {
		subnetGroup = aws.ToString(r.db.DBSubnetGroup.DBSubnetGroupName)
	}
	return strings.TrimSpace(opt("--db-subnet-group-name", subnetGroup) + " " + opt("--vpc-security-group-ids", strings.Join(groups, " ")))
}

// cli renders an AWS CLI command in the instance's region; empty
// arguments are left out.
func (r rdsRecipe) cli(command string, args ...string) string {
	parts := []string{"aws rds", command, "--region", r.region}
	for _, a := range args {
		if a != "" {
			parts = append(parts, a)
		}
	}
	return strings.Join(parts, " ")
}

// opt renders "--flag value", or "" when value is empty.
func opt(flag, value string) string {
	if value == "" {
		return ""
	}
	return flag + " " + value
}

// derivedID appends a suffix to an identifier within RDS's 63 characters.
func derivedID(id, suffix string) string {
	if max := 63 - len(suffix); len(id) > max {
		id = strings.TrimRight(id[:max], "-")
	}
	return id + suffix
}

// downtime is the step every recipe starts with.
func (r rdsRecipe) downtime(what string) string {
	return fmt.Sprintf("Plan a maintenance window: %s is replaced by a new encrypted copy. Writes made after the snapshot are lost unless you stop them first, and clients must switch endpoints: expect downtime for the snapshot, the copy and the restore (minutes to hours, growing with the data size).", what)
}

// switchAndClean are the steps after the restore. The new instance takes
// the old one's name, so clients keep their endpoint; the old one, renamed
// away first, is what gets deleted, never the name the new one now holds.
func (r rdsRecipe) switchAndClean(newID string, finalSnapshot bool, snapshots ...string) []string {
	retired := derivedID(r.id, "-unencrypted")
	steps := []string{
		fmt.Sprintf("Switch over, keeping the endpoint %s: rename the old instance away, %s, wait until it is available again, then give %s the old name, %s. Clients reconnect to the same endpoint; the time between the two renames is downtime.",
			r.endpoint(),
			r.cli("modify-db-instance", "--db-instance-identifier", r.id, "--new-db-instance-identifier", retired, "--apply-immediately"),
			newID,
			r.cli("modify-db-instance", "--db-instance-identifier", newID, "--new-db-instance-identifier", r.id, "--apply-immediately")),
	}
	if aws.ToBool(r.db.DeletionProtection) {
		steps = append(steps, fmt.Sprintf("The old instance, now %s, has deletion protection: turn it off first, %s.", retired,
			r.cli("modify-db-instance", "--db-instance-identifier", retired, "--no-deletion-protection", "--apply-immediately")))
	}
	final := "--skip-final-snapshot"
	if finalSnapshot {
		final = "--final-db-snapshot-identifier " + derivedID(r.id, "-final")
	}
	last := fmt.Sprintf("Once %s (the encrypted one now) is verified, delete the unencrypted original, now %s: %s", r.id, retired,
		r.cli("delete-db-instance", "--db-instance-identifier", retired, final))
	if len(snapshots) > 0 {
		last += "; then the intermediate snapshots " + strings.Join(snapshots, " and ")
	}
	return append(steps, last+".")
}

func (r rdsRecipe) instance() *Guidance {
	db := r.db
	raw, enc, newID := derivedID(r.id, "-cisguard-unencrypted"), derivedID(r.id, "-cisguard-encrypted"), derivedID(r.id, "-encrypted")
	var paramGroup, optionGroup string
	if len(db.DBParameterGroups) > 0 {
		paramGroup = aws.ToString(db.DBParameterGroups[0].DBParameterGroupName)
	}
	if len(db.OptionGroupMemberships) > 0 {
		optionGroup = aws.ToString(db.OptionGroupMemberships[0].OptionGroupName)
	}
	multiAZ, public, protect := "--no-multi-az", "--no-publicly-accessible", ""
	if aws.ToBool(db.DeletionProtection) {
		protect = "--deletion-protection"
	}
	if aws.ToBool(db.MultiAZ) {
		multiAZ = "--multi-az"
	}
	if aws.ToBool(db.PubliclyAccessible) {
		public = "--publicly-accessible"
	}
	steps := []string{
		r.downtime(fmt.Sprintf("DB instance %s (%s)", r.id, r.describe())),
		fmt.Sprintf("Stop writes to %s, then snapshot it: %s, and wait: %s.", r.id,
			r.cli("create-db-snapshot", "--db-instance-identifier", r.id, "--db-snapshot-identifier", raw),
			r.cli("wait db-snapshot-available", "--db-snapshot-identifier", raw)),
		fmt.Sprintf("Copy the snapshot encrypted with KMS key %s: %s, and wait for %s to be available.", r.key,
			r.cli("copy-db-snapshot", "--source-db-snapshot-identifier", raw, "--target-db-snapshot-identifier", enc, "--kms-key-id", r.key), enc),
		fmt.Sprintf("Restore a new encrypted instance with the same settings: %s.",
			r.cli("restore-db-instance-from-db-snapshot", "--db-instance-identifier", newID, "--db-snapshot-identifier", enc,
				"--db-instance-class", aws.ToString(db.DBInstanceClass), opt("--storage-type", aws.ToString(db.StorageType)),
				r.network(), opt("--db-parameter-group-name", paramGroup), opt("--option-group-name", optionGroup), multiAZ, public, protect)),
	}
	if n := len(db.ReadReplicaDBInstanceIdentifiers); n > 0 {
		steps = append(steps, fmt.Sprintf("Recreate its %d read replica(s) (%s) from %s with create-db-instance-read-replica; a replica's encryption follows its source.", n, strings.Join(db.ReadReplicaDBInstanceIdentifiers, ", "), newID))
	}
	steps = append(steps, r.switchAndClean(newID, true, raw, enc)...)
	return &Guidance{
		Summary: fmt.Sprintf("DB instance %s in %s (%s) stores its data unencrypted; RDS cannot encrypt an existing instance, so it must be replaced by an encrypted copy.", r.id, r.region, r.describe()),
		Steps:   steps,
	}
}

// cluster: an Aurora instance is encrypted with its cluster, so the
// cluster is what gets snapshotted and restored.
func (r rdsRecipe) cluster() *Guidance {
	db := r.db
	cl := aws.ToString(db.DBClusterIdentifier)
	raw, enc, newCl, newID := derivedID(cl, "-cisguard-unencrypted"), derivedID(cl, "-cisguard-encrypted"), derivedID(cl, "-encrypted"), derivedID(r.id, "-encrypted")
	steps := []string{
		r.downtime(fmt.Sprintf("Aurora cluster %s (instance %s: %s)", cl, r.id, r.describe())),
		fmt.Sprintf("Stop writes to %s, then snapshot the cluster: %s, and wait: %s.", cl,
			r.cli("create-db-cluster-snapshot", "--db-cluster-identifier", cl, "--db-cluster-snapshot-identifier", raw),
			r.cli("wait db-cluster-snapshot-available", "--db-cluster-snapshot-identifier", raw)),
		fmt.Sprintf("Copy the snapshot encrypted with KMS key %s: %s.", r.key,
			r.cli("copy-db-cluster-snapshot", "--source-db-cluster-snapshot-identifier", raw, "--target-db-cluster-snapshot-identifier", enc, "--kms-key-id", r.key)),
		fmt.Sprintf("Restore a new encrypted cluster and its instances: %s, then %s (and one more per reader of %s).",
			r.cli("restore-db-cluster-from-snapshot", "--db-cluster-identifier", newCl, "--snapshot-identifier", enc, "--engine", aws.ToString(db.Engine), "--engine-version", aws.ToString(db.EngineVersion), r.network()),
			r.cli("create-db-instance", "--db-cluster-identifier", newCl, "--db-instance-identifier", newID, "--db-instance-class", aws.ToString(db.DBInstanceClass), "--engine", aws.ToString(db.Engine)), cl),
		fmt.Sprintf("Switch clients from the endpoints of cluster %s to those of %s (instance %s answered at %s).", cl, newCl, r.id, r.endpoint()),
		fmt.Sprintf("Once the new cluster is verified, delete the instances of %s and the cluster (%s), and the snapshots %s and %s.", cl,
			r.cli("delete-db-cluster", "--db-cluster-identifier", cl, "--final-db-snapshot-identifier", derivedID(cl, "-final")), raw, enc),
	}
	return &Guidance{
		Summary: fmt.Sprintf("DB instance %s in %s belongs to Aurora cluster %s, whose storage is unencrypted; Aurora encrypts per cluster and cannot encrypt an existing one, so the cluster must be replaced by an encrypted copy.", r.id, r.region, cl),
		Steps:   steps,
	}
}

// replica: a read replica is encrypted when its source is, so the source
// comes first.
func (r rdsRecipe) replica() *Guidance {
	src := aws.ToString(r.db.ReadReplicaSourceDBInstanceIdentifier)
	newID := derivedID(r.id, "-encrypted")
	steps := []string{
		fmt.Sprintf("Encrypt the source instance %s first (its own RDS.3 finding carries its steps); a read replica cannot be encrypted on its own.", src),
		fmt.Sprintf("Once the encrypted copy of the source has taken the name %s, create an encrypted replica from it: %s.", src,
			r.cli("create-db-instance-read-replica", "--db-instance-identifier", newID, "--source-db-instance-identifier", src, "--db-instance-class", aws.ToString(r.db.DBInstanceClass))),
	}
	steps = append(steps, r.switchAndClean(newID, false)...)
	return &Guidance{
		Summary: fmt.Sprintf("DB instance %s in %s (%s) is an unencrypted read replica of %s; it becomes encrypted only by recreating it from an encrypted source.", r.id, r.region, r.describe(), src),
		Steps:   steps,
	}
}

// checkDBInstances is 2.3.1's check: every DB instance of the region;
// an unencrypted one fails with the steps that replace it.
func checkDBInstances(ctx context.Context, c *Control, t *Target) ([]Result, error) {
	var out []Result
	pages := rds.NewDescribeDBInstancesPaginator(t.Clients.RDS(), &rds.DescribeDBInstancesInput{})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the DB instances of account %s in %s: %w", t.Account(), t.Region(), err)
		}
		for _, db := range pg.DBInstances {
			res := arnResource(t, "AwsRdsDbInstance", t.Region(), aws.ToString(db.DBInstanceArn))
			if aws.ToBool(db.StorageEncrypted) {
				out = append(out, pass(res, "DB instance %s stores its data encrypted (KMS key %s)", aws.ToString(db.DBInstanceIdentifier), aws.ToString(db.KmsKeyId)))
				continue
			}
			out = append(out, Verdict(ctx, c, t.on(res)))
		}
	}
	if len(out) == 0 {
		out = append(out, notApplicable(t.Resource, "no DB instance in %s", t.Region()))
	}
	return out, nil
}

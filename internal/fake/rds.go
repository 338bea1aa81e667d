package fake

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// RDS is a fake RDS in one region.
type RDS struct{ svc }

type rdsState struct {
	instances []types.DBInstance
}

func (c clients) RDS() awsapi.RDS { return c.a.RDS(c.region) }

// RDS returns the account's RDS in a region.
func (a *Account) RDS(region string) *RDS { return &RDS{svc: svc{a, region, "RDS"}} }

func (r *RDS) st() *rdsState {
	return stateOf(r.a, "rds/"+r.region, func() *rdsState { return &rdsState{} })
}

// AddDBInstance seeds a DB instance. The identifier is stored in lower
// case, as RDS does; the ARN and status are filled in when empty. It
// returns the identifier.
func (r *RDS) AddDBInstance(db types.DBInstance) string {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	id := strings.ToLower(aws.ToString(db.DBInstanceIdentifier))
	db.DBInstanceIdentifier = aws.String(id)
	if db.DBInstanceArn == nil {
		db.DBInstanceArn = aws.String(fmt.Sprintf("arn:%s:rds:%s:%s:db:%s", r.a.Partition, r.region, r.a.ID, id))
	}
	if db.DBInstanceStatus == nil {
		db.DBInstanceStatus = aws.String("available")
	}
	r.st().instances = append(r.st().instances, db)
	return id
}

// DeleteDBInstance removes a DB instance, as if someone deleted it meanwhile.
func (r *RDS) DeleteDBInstance(id string) {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	r.st().instances = slices.DeleteFunc(r.st().instances, func(db types.DBInstance) bool { return matchesDB(db, id) })
}

// matchesDB reports whether an identifier or ARN names the instance;
// identifiers are not case-sensitive.
func matchesDB(db types.DBInstance, id string) bool {
	return strings.EqualFold(aws.ToString(db.DBInstanceIdentifier), id) || aws.ToString(db.DBInstanceArn) == id
}

// DescribeDBInstances returns the instance named by DBInstanceIdentifier
// (an identifier or an ARN; DBInstanceNotFound when there is none), or
// every instance in pages of MaxRecords (20 to 100, default 100). Filters
// are not implemented and refused, rather than silently ignored.
func (r *RDS) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	unlock, err := r.call(ctx, "DescribeDBInstances")
	defer unlock()
	if err != nil {
		return nil, err
	}
	if len(in.Filters) > 0 {
		return nil, APIError("InvalidParameterValue", "the fake RDS does not implement filters")
	}
	if m := aws.ToInt32(in.MaxRecords); in.MaxRecords != nil && (m < 20 || m > 100) {
		return nil, APIError("InvalidParameterValue", "Invalid value %d for MaxRecords. Must be between 20 and 100", m)
	}
	all := r.st().instances
	if id := aws.ToString(in.DBInstanceIdentifier); id != "" {
		i := slices.IndexFunc(all, func(db types.DBInstance) bool { return matchesDB(db, id) })
		if i < 0 {
			return nil, APIError("DBInstanceNotFound", "DBInstance %s not found.", id)
		}
		all = all[i : i+1]
	}
	items, next, err := page(all, in.Marker, aws.ToInt32(in.MaxRecords), 100)
	if err != nil {
		return nil, err
	}
	return &rds.DescribeDBInstancesOutput{DBInstances: slices.Clone(items), Marker: next}, nil
}

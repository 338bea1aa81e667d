package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// RDS is the part of RDS cisguard calls.
type RDS interface {
	DescribeDBInstances(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
}

var _ RDS = (*rds.Client)(nil)

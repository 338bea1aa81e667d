package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
)

// AccessAnalyzer is the part of IAM Access Analyzer cisguard calls (1.20).
type AccessAnalyzer interface {
	ListAnalyzers(context.Context, *accessanalyzer.ListAnalyzersInput, ...func(*accessanalyzer.Options)) (*accessanalyzer.ListAnalyzersOutput, error)
	// CreateAnalyzer also creates Access Analyzer's service-linked role
	// when the account has none (iam:CreateServiceLinkedRole), and tags
	// given at creation need access-analyzer:TagResource.
	CreateAnalyzer(context.Context, *accessanalyzer.CreateAnalyzerInput, ...func(*accessanalyzer.Options)) (*accessanalyzer.CreateAnalyzerOutput, error)
	// DeleteAnalyzer serves a revert of 1.20.
	DeleteAnalyzer(context.Context, *accessanalyzer.DeleteAnalyzerInput, ...func(*accessanalyzer.Options)) (*accessanalyzer.DeleteAnalyzerOutput, error)
}

var _ AccessAnalyzer = (*accessanalyzer.Client)(nil)

package cloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/cisguard/cisguard/internal/awsapi"
)

// IMDSAttempts bounds the attempts of each call to the EC2 instance
// metadata service (IMDS) that looks for an instance role. Off EC2 the
// probe fails at the IMDS client's own timeouts (250 ms to connect, 500 ms
// for the response headers): one IMDSv2 token request of IMDSAttempts
// attempts, 200 ms apart at most, so about 1.2 s at worst, instead of the
// SDK's default of three attempts with up to 1 s of backoff, then the same
// again for IMDSv1, each call under a 5 s timeout.
// AWS_EC2_METADATA_DISABLED=true skips the probe entirely.
const IMDSAttempts = 2

// LoadConfig loads the AWS configuration from the environment as the SDK
// resolves it (credentials, region, AWS_ENDPOINT_URL), with the SDK's own
// warnings and logs sent to logger (debug adds retries), and the instance
// role lookup bounded (IMDSAttempts). region, when set, overrides the
// configured region. A nil logger is slog.Default().
func LoadConfig(ctx context.Context, logger *slog.Logger, region string) (aws.Config, error) {
	if logger == nil {
		logger = slog.Default()
	}
	sdkLog := SDKLogger(logger)
	opts := []func(*config.LoadOptions) error{
		config.WithLogger(sdkLog),
		config.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) { o.Client = imdsClient(sdkLog) }),
	}
	if logger.Enabled(ctx, slog.LevelDebug) {
		opts = append(opts, config.WithClientLogMode(aws.LogRetries|aws.LogDeprecatedUsage))
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, &EnvError{Problem: "the AWS configuration cannot be loaded: " + err.Error(), Fix: "check AWS_PROFILE and the files it names (~/.aws/config, ~/.aws/credentials)"}
	}
	return cfg, nil
}

// imdsClient is the IMDS client of the instance role lookup, bounded (see
// IMDSAttempts). It honours AWS_EC2_METADATA_DISABLED and
// AWS_EC2_METADATA_SERVICE_ENDPOINT.
func imdsClient(logger logging.Logger) *imds.Client {
	return imds.New(imdsOptions(logger))
}

func imdsOptions(logger logging.Logger) imds.Options {
	return imds.Options{
		Logger: logger,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = IMDSAttempts
			o.MaxBackoff = 200 * time.Millisecond
		}),
		DisableDefaultMaxBackoff: true, // ours is shorter than the client's 1 s
		// IMDSv2 only: no second probe with the insecure IMDSv1 flow (and
		// no "falling back to IMDSv1" warning) when the token request fails.
		EnableFallback: aws.FalseTernary,
	}
}

// SDKLogger sends the SDK's log lines to a slog logger: its warnings as
// warnings, the rest at debug.
func SDKLogger(l *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		level := slog.LevelDebug
		if c == logging.Warn {
			level = slog.LevelWarn
		}
		l.Log(context.Background(), level, "aws sdk: "+fmt.Sprintf(format, v...))
	})
}

// Identity is whose credentials cisguard runs with.
type Identity struct {
	Account, ARN, Partition string
}

// EnvError is an environment cisguard cannot work in (no credentials,
// expired ones, no region): what is wrong and what to do, in one line.
type EnvError struct {
	Problem, Fix string
	Err          error
}

func (e *EnvError) Error() string {
	if e.Fix == "" {
		return e.Problem
	}
	return e.Problem + "; " + e.Fix
}

func (e *EnvError) Unwrap() error { return e.Err }

// callerTimeout bounds the whole identity check, retries included.
const callerTimeout = 20 * time.Second

// WhoAmI checks the credentials of cfg once, before any other call: it
// obtains them (the provider chain, the instance role probe bounded) and
// asks sts:GetCallerIdentity whose they are. Every failure is an
// *EnvError that says what to do.
func WhoAmI(ctx context.Context, cfg aws.Config) (Identity, error) {
	ctx, cancel := context.WithTimeout(ctx, callerTimeout)
	defer cancel()
	var credErr error
	if cfg.Credentials == nil {
		credErr = errors.New("no credentials provider")
	} else if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		credErr = err
	}
	switch {
	case cfg.Region == "" && credErr != nil:
		// A machine never set up for AWS: say everything that is missing
		// at once, not one thing per attempt.
		e := noCredentials(credErr)
		if e.Problem == noCredentialsProblem {
			e.Problem, e.Fix = "no AWS credentials found and no AWS region configured",
				"set AWS_PROFILE to a configured profile (with its region), export AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION, or run `aws configure sso` then `aws sso login`"
		} else {
			e.Fix += ", and set AWS_REGION (or a region in the profile) or pass --region"
		}
		return Identity{}, e
	case cfg.Region == "":
		return Identity{}, &EnvError{Problem: "no AWS region is configured", Fix: "set AWS_REGION (or a region in your AWS profile), or pass --region"}
	case credErr != nil:
		return Identity{}, noCredentials(credErr)
	}
	out, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.RetryMaxAttempts = 3 }).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		switch code := awsapi.Code(err); code {
		case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
			return Identity{}, &EnvError{Problem: "your AWS credentials have expired (" + code + ")", Fix: "sign in again: `aws sso login` (with your AWS_PROFILE) or fresh temporary credentials", Err: err}
		case "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken":
			return Identity{}, &EnvError{Problem: "AWS does not accept your credentials (" + code + ": " + awsapi.Message(err) + ")", Fix: "check AWS_PROFILE / AWS_ACCESS_KEY_ID, or sign in again with `aws sso login`", Err: err}
		}
		return Identity{}, &EnvError{Problem: "cannot reach AWS STS in " + cfg.Region + ": " + awsapi.Brief(err), Fix: "check the network, the region and AWS_ENDPOINT_URL", Err: err}
	}
	id := Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}
	if parts := strings.SplitN(id.ARN, ":", 3); len(parts) == 3 {
		id.Partition = parts[1]
	}
	return id, nil
}

const noCredentialsProblem = "no AWS credentials found"

// noCredentials says that no usable credentials were found and how to
// provide them, naming the profile when one is set.
func noCredentials(err error) *EnvError {
	msg := err.Error()
	fix := "set AWS_PROFILE to a configured profile, export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure sso` then `aws sso login`"
	problem := noCredentialsProblem
	switch p := os.Getenv("AWS_PROFILE"); {
	case strings.Contains(msg, "SSO") || strings.Contains(msg, "sso"):
		problem = "your AWS SSO session has expired or was never started"
		fix = "run `aws sso login`"
		if p != "" {
			fix = "run `aws sso login --profile " + p + "`"
		}
	case p != "":
		problem = "no usable AWS credentials in profile " + p
		fix = "check the profile in ~/.aws/config, or run `aws sso login --profile " + p + "`"
	}
	return &EnvError{Problem: problem, Fix: fix, Err: err}
}

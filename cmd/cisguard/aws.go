package main

import (
	"context"
	"log/slog"

	"github.com/cisguard/cisguard/internal/cloud"
	"github.com/cisguard/cisguard/internal/engine"
)

// session is what a command needs of AWS once the environment was checked.
type session struct {
	// Cloud gives the engine its clients.
	Cloud engine.Cloud
	// Caller is whose credentials these are.
	Caller cloud.Identity
	// Region is the region of the engine's own calls.
	Region string
}

// connectOptions say how to reach AWS.
type connectOptions struct {
	Logger *slog.Logger
	// Region overrides the configured region; Fallback is used when none
	// is configured (an event's hub region).
	Region, Fallback string
	Cloud            cloud.Options
}

// connect loads the AWS configuration and checks it before anything else
// is asked: one sts:GetCallerIdentity. No credentials, expired ones or no
// region fail here, in one line that says what to do (a *cloud.EnvError:
// exit status 2). Tests replace it with fakes.
var connect = func(ctx context.Context, o connectOptions) (*session, error) {
	base, err := cloud.LoadConfig(ctx, o.Logger, o.Region)
	if err != nil {
		return nil, err
	}
	if base.Region == "" {
		base.Region = o.Fallback
	}
	id, err := cloud.WhoAmI(ctx, base)
	if err != nil {
		return nil, err
	}
	o.Logger.Debug("credentials", "account", id.Account, "arn", id.ARN, "region", base.Region)
	return &session{Cloud: &engine.AWS{Factory: cloud.New(base, o.Cloud)}, Caller: id, Region: base.Region}, nil
}

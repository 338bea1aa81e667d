//go:generate go run ../../cmd/cisguard templates --out .

// Package cloudformation holds cisguard's CloudFormation templates as the
// binary embeds them. The sources (templates/*.yaml.tmpl) are Go text
// templates: the member-role policy and the default list of automatically
// remediated controls are filled in from the engine and the configuration,
// so the templates can never drift from the code. The rendered files beside
// this one are the templates for the default configuration, for people who
// deploy with their own pipeline; a test fails when they are stale.
//
// Regenerate them with:
//
//	go run ./cmd/cisguard templates --out deploy/cloudformation
package cloudformation

import "embed"

// Sources are the template sources, under templates/.
//
//go:embed templates/*.yaml.tmpl
var Sources embed.FS

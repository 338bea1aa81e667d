// Command cisguard remediates CIS AWS Foundations Benchmark v1.4.0 findings
// from AWS Security Hub across an AWS Organization: the same engine the
// Lambda runs, from a terminal.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cisguard/cisguard/internal/cloud"
)

// Exit codes.
const (
	exitOK       = 0 // nothing failed
	exitFailed   = 1 // a finding (or an operation) failed
	exitBadInput = 2 // unusable input, flags or environment (no credentials, no region)
)

// exitError carries an exit code up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func badInput(format string, args ...any) error {
	return &exitError{code: exitBadInput, err: fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stderr)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var env *cloud.EnvError
	if errors.As(err, &env) {
		fmt.Fprintln(stderr, "cisguard:", env)
		return exitBadInput
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "cisguard:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "cisguard:", err)
	if strings.HasPrefix(err.Error(), "unknown command") {
		return exitBadInput
	}
	return exitFailed
}

// globals are the flags every command takes.
type globals struct {
	configPath string
	logLevel   string
	stderr     io.Writer // where logs go
}

func newRootCmd(stderr io.Writer) *cobra.Command {
	g := &globals{stderr: stderr}
	root := &cobra.Command{
		Use:   "cisguard",
		Short: "Remediate CIS AWS Foundations Benchmark v1.4.0 findings across an AWS Organization",
		Long: `cisguard fixes (or explains) the CIS AWS Foundations Benchmark v1.4.0 findings
that Security Hub reports, in the member account and region they came from.
It runs as a Lambda function behind EventBridge, and from this command line
with the same engine: dry-run any remediation against an event file first.`,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "configuration file (YAML); defaults apply when omitted")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn or error (logs go to stderr)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitBadInput, err: fmt.Errorf("%w\nsee '%s --help'", err, c.CommandPath())}
	})
	root.AddCommand(
		newControlsCmd(g),
		newConfigCmd(g),
		newVersionCmd(),
		newRemediateCmd(g),
		newScanCmd(g),
		newRevertCmd(g),
		newPolicyCmd(g),
		newBuildLambdaCmd(g),
		newTemplatesCmd(g),
		newDeployCmd(g),
	)
	return root
}

// logger returns a text logger on stderr at the chosen level; the AWS
// SDK's own warnings and logs go through it too (cloud.LoadConfig).
func (g *globals) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, badInput("--log-level %q: want debug, info, warn or error", g.logLevel)
	}
	w := g.stderr
	if w == nil {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl})), nil
}

// perFinding lowers the engine's warnings and errors about one finding
// (records with a "finding" attribute) to info: on the command line each
// finding's outcome is in the results and the summary, so a batch of
// 6,000 failures is not 6,000 log lines unless --log-level info asks.
type perFinding struct{ slog.Handler }

func (h perFinding) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, min(l, slog.LevelInfo))
}

func (h perFinding) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelInfo {
		finding := false
		r.Attrs(func(a slog.Attr) bool {
			finding = a.Key == "finding"
			return !finding
		})
		if finding {
			r.Level = slog.LevelInfo
		}
	}
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h perFinding) WithAttrs(as []slog.Attr) slog.Handler {
	for _, a := range as {
		if a.Key == "finding" {
			return perFinding{demoted{h.Handler.WithAttrs(as)}}
		}
	}
	return perFinding{h.Handler.WithAttrs(as)}
}

func (h perFinding) WithGroup(name string) slog.Handler { return perFinding{h.Handler.WithGroup(name)} }

// demoted handles every record at most at info (a logger already bound to
// one finding).
type demoted struct{ slog.Handler }

func (h demoted) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, min(l, slog.LevelInfo))
}

func (h demoted) Handle(ctx context.Context, r slog.Record) error {
	r.Level = min(r.Level, slog.LevelInfo)
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h demoted) WithAttrs(as []slog.Attr) slog.Handler { return demoted{h.Handler.WithAttrs(as)} }
func (h demoted) WithGroup(name string) slog.Handler    { return demoted{h.Handler.WithGroup(name)} }

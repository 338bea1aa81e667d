package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal (tests set it to fake one).
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress is a progress bar on a terminal; on anything else (a pipe, a
// file, a CI log) it shows nothing. Its methods are safe on a nil bar.
type progress struct{ bar *progressbar.ProgressBar }

// newProgress returns a bar describing what is counted, drawn on w only
// when w is a terminal; total may be unknown (-1) and set later.
func newProgress(w io.Writer, description string, total int) *progress {
	if !isTerminal(w) {
		return nil
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	_ = bar.RenderBlank() // shown at once, whatever the throttle
	return &progress{bar}
}

// Set shows done of total.
func (p *progress) Set(done, total int) {
	if p == nil {
		return
	}
	if int64(total) != p.bar.GetMax64() {
		p.bar.ChangeMax(total)
	}
	_ = p.bar.Set(done)
}

// Describe changes the text before the bar.
func (p *progress) Describe(s string) {
	if p != nil {
		p.bar.Describe(s)
	}
}

// Done clears the bar, so that what follows starts on a clean line.
func (p *progress) Done() {
	if p != nil {
		_ = p.bar.Finish() // and clears it (OptionClearOnFinish)
	}
}

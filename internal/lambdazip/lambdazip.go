// Package lambdazip builds the deployable Lambda package: the cmd/lambda
// binary, named bootstrap, for the provided.al2023 runtime on arm64, in a
// zip archive (optionally with a configuration file beside it).
package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// ConfigName is the name the configuration file gets inside the zip; the
// Lambda reads it from its task directory.
const ConfigName = "cisguard.yaml"

// Options says what to build.
type Options struct {
	// ModuleDir is the root of the cisguard source tree.
	ModuleDir string
	// Out is the zip to write.
	Out string
	// Config is an optional configuration file to ship with the function.
	Config string
}

// Build compiles ./cmd/lambda for linux/arm64 without cgo and writes the zip.
// It needs the Go toolchain and the source tree.
func Build(ctx context.Context, o Options) error {
	tmp, err := os.MkdirTemp("", "cisguard-lambda")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", bin, "./cmd/lambda")
	cmd.Dir = o.ModuleDir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/lambda: %w\n%s", err, stderr.String())
	}
	files := map[string]string{"bootstrap": bin}
	if o.Config != "" {
		files[ConfigName] = o.Config
	}
	return Zip(o.Out, files)
}

// Zip writes the files (name in archive → path on disk) into a zip with a
// fixed timestamp, so that the same inputs give the same archive. bootstrap
// is made executable.
func Zip(out string, files map[string]string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, name := range sortedKeys(files) {
		src, err := os.Open(files[name])
		if err != nil {
			f.Close()
			return err
		}
		mode := os.FileMode(0o644)
		if name == "bootstrap" {
			mode = 0o755
		}
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = io.Copy(w, src)
		}
		src.Close()
		if err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

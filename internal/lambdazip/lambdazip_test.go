package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestZipIsReproducible(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "b")
	cfg := filepath.Join(dir, "c")
	os.WriteFile(bin, []byte("binary"), 0o644)
	os.WriteFile(cfg, []byte("roleName: x\n"), 0o644)
	a, b := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	for _, out := range []string{a, b} {
		if err := Zip(out, map[string]string{"bootstrap": bin, ConfigName: cfg}); err != nil {
			t.Fatal(err)
		}
	}
	x, _ := os.ReadFile(a)
	y, _ := os.ReadFile(b)
	if !bytes.Equal(x, y) {
		t.Error("the same inputs gave different archives")
	}
	r, err := zip.OpenReader(a)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.File) != 2 || r.File[0].Name != "bootstrap" || r.File[0].Mode().Perm() != 0o755 || r.File[1].Name != ConfigName {
		t.Errorf("entries %v", r.File)
	}
}

// TestBuild cross-compiles the Lambda: bootstrap must be a static
// linux/arm64 executable.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the Lambda")
	}
	out := filepath.Join(t.TempDir(), "lambda.zip")
	if err := Build(context.Background(), Options{ModuleDir: filepath.Join("..", ".."), Out: out}); err != nil {
		t.Fatal(err)
	}
	r, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f, err := r.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	e, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("bootstrap is not ELF: %v", err)
	}
	if e.Machine != elf.EM_AARCH64 {
		t.Errorf("machine %v, want arm64", e.Machine)
	}
	for _, p := range e.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("bootstrap is dynamically linked (CGO_ENABLED must be 0)")
		}
	}
	t.Logf("zip %d bytes, bootstrap %d bytes", fileSize(t, out), len(data))
}

func fileSize(t *testing.T, p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

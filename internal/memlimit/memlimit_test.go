package memlimit

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestLimit(t *testing.T) {
	tests := map[string]struct {
		file, content string
		want          int64
	}{
		"cgroup v2, 512Mi":     {"memory.max", "536870912\n", 536870912},
		"cgroup v2, unlimited": {"memory.max", "max\n", 0},
		"cgroup v1, 256Mi":     {filepath.Join("memory", "memory.limit_in_bytes"), "268435456\n", 268435456},
		"cgroup v1, unlimited": {filepath.Join("memory", "memory.limit_in_bytes"), "9223372036854771712\n", 0},
		"no cgroup files":      {"", "", 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			if tc.file != "" {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(root, tc.file)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(root, tc.file), []byte(tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Limit(root)
			if err != nil || got != tc.want {
				t.Fatalf("Limit = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "memory.max"), []byte("lots\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Limit(root); err == nil {
		t.Fatal("a limit that is no number was accepted")
	}
}

func TestSet(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "memory.max"), []byte("536870912\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMEMLIMIT", "")
	soft, from, err := Set(root)
	if err != nil || soft != 483183820 || from != "90% of the container's memory limit (512 MiB)" {
		t.Fatalf("Set = %d, %q, %v", soft, from, err)
	}
	if got := debug.SetMemoryLimit(-1); got != soft {
		t.Fatalf("the runtime's limit is %d, want %d", got, soft)
	}
	// GOMEMLIMIT given explicitly wins; the runtime applied it at start.
	t.Setenv("GOMEMLIMIT", "300MiB")
	if _, from, _ := Set(root); from != "GOMEMLIMIT=300MiB" {
		t.Fatalf("with GOMEMLIMIT set: %q", from)
	}
}

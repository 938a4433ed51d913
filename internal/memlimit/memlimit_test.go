package memlimit

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestLimit(t *testing.T) {
	const (
		v1Self = "12:memory:/kubepods/pod1/c1\n11:cpu,cpuacct:/kubepods/pod1/c1\n0::/\n"
		v2Self = "0::/kubepods.slice/pod1/c1\n"
	)
	tests := map[string]struct {
		self  string
		files map[string]string
		want  int64
	}{
		"cgroup v2 namespaced, 512Mi": {"0::/\n", map[string]string{"memory.max": "536870912\n"}, 536870912},
		"cgroup v2, unlimited":        {"0::/\n", map[string]string{"memory.max": "max\n"}, 0},
		"cgroup v1 namespaced, 256Mi": {"4:memory:/\n", map[string]string{"memory/memory.limit_in_bytes": "268435456\n"}, 268435456},
		"cgroup v1, unlimited":        {"4:memory:/\n", map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0},
		"no cgroup files":             {"0::/\n", nil, 0},
		"no /proc/self/cgroup":        {"", map[string]string{"memory.max": "536870912\n"}, 536870912},
		"cgroup v1, own cgroup's limit": {v1Self, map[string]string{
			"memory/memory.limit_in_bytes":                  "9223372036854771712\n",
			"memory/kubepods/memory.limit_in_bytes":         "9223372036854771712\n",
			"memory/kubepods/pod1/c1/memory.limit_in_bytes": "167772160\n",
		}, 167772160},
		"cgroup v2, a parent's lower limit": {v2Self, map[string]string{
			"kubepods.slice/memory.max":         "max\n",
			"kubepods.slice/pod1/memory.max":    "134217728\n",
			"kubepods.slice/pod1/c1/memory.max": "268435456\n",
		}, 134217728},
		"cgroup v2 path missing, the root's": {v2Self, map[string]string{"memory.max": "536870912\n"}, 536870912},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			for file, content := range tc.files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(root, file)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(root, file), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Limit(root, tc.self)
			if err != nil || got != tc.want {
				t.Fatalf("Limit = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "memory.max"), []byte("lots\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Limit(root, "0::/\n"); err == nil || err.Error() != "reading "+filepath.Join(root, "memory.max")+`: strconv.ParseInt: parsing "lots": invalid syntax` {
		t.Fatalf("a limit that is no number: %v", err)
	}
}

func TestSoft(t *testing.T) {
	for limit, want := range map[int64]int64{
		512 << 20: 483183820, // 90 %
		480 << 20: 432 << 20, // 90 % = the limit less 48 MiB
		160 << 20: 112 << 20, // the limit less 48 MiB, below 90 % (144 MiB)
		64 << 20:  32 << 20,  // at least half
	} {
		if got := Soft(limit); got != want {
			t.Errorf("Soft(%d MiB) = %d, want %d", limit>>20, got, want)
		}
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
	if err != nil || soft != 483183820 || from != "460 MiB of the container's memory limit of 512 MiB" {
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

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/kudus-diskominfo/subdomain-operator/internal/memlimit"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// The operator runs in a Deployment with a memory limit; the benchmark runs it as a
// process. So that what it measures is what that container would do, each operator
// process starts inside a memory cgroup of its own with the Deployment's limit
// (-memory-limit, by default the one in config/manager/manager.yaml): the kernel
// enforces the limit (the process is killed past it) and the operator derives its soft
// limit from it as it would in the container (internal/memlimit reads the process's
// own cgroup). Where no cgroup can be made (no permission, no memory controller), the
// operator runs without one and gets GOMEMLIMIT set to what it would derive, and the
// results say the limit was not enforced.

// memoryCgroup is where an operator process's memory cgroup is made.
type memoryCgroup struct {
	// limit in bytes; 0: none (the operator runs unconfined).
	limit int64
	// parent is the directory the per-process cgroups are made in (empty: none can
	// be made); file is the limit's file name in it, peak the peak usage's.
	parent, file, peak string
}

// deploymentMemoryLimit is the memory limit of the operator's container in
// config/manager/manager.yaml.
func deploymentMemoryLimit() (int64, error) {
	path := filepath.Join(testenv.RepoRoot(), "config", "manager", "manager.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var d appsv1.Deployment
		if err := dec.Decode(&d); err != nil {
			return 0, fmt.Errorf("no Deployment with a memory limit in %s: %w", path, err)
		}
		if d.Kind != "Deployment" {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if q, ok := c.Resources.Limits["memory"]; ok {
				return q.Value(), nil
			}
		}
	}
}

// newMemoryCgroup finds where memory cgroups can be made for the operator processes:
// under this process's own memory cgroup, cgroup v2 first, then v1.
func newMemoryCgroup(limit string) (memoryCgroup, error) {
	var m memoryCgroup
	switch limit {
	case "none", "0", "":
		return m, nil
	case "manifest":
		v, err := deploymentMemoryLimit()
		if err != nil {
			return m, err
		}
		m.limit = v
	default:
		q, err := resource.ParseQuantity(limit)
		if err != nil {
			return m, fmt.Errorf("-memory-limit: %w", err)
		}
		m.limit = q.Value()
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return m, nil
	}
	for _, line := range strings.Split(string(self), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, file, peak string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir, file, peak = filepath.Join("/sys/fs/cgroup", parts[2]), "memory.max", "memory.peak"
			if ctl, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control")); err != nil || !strings.Contains(string(ctl), "memory") {
				continue
			}
		case strings.Contains(","+parts[1]+",", ",memory,"):
			dir, file, peak = filepath.Join("/sys/fs/cgroup/memory", parts[2]), "memory.limit_in_bytes", "memory.max_usage_in_bytes"
		default:
			continue
		}
		probe := filepath.Join(dir, fmt.Sprintf("kudus-bench-probe-%d", os.Getpid()))
		if err := os.Mkdir(probe, 0o755); err != nil {
			continue
		}
		err := os.WriteFile(filepath.Join(probe, file), []byte(strconv.FormatInt(m.limit, 10)), 0o644)
		_ = os.Remove(probe)
		if err == nil {
			m.parent, m.file, m.peak = dir, file, peak
			return m, nil
		}
	}
	return m, nil
}

// enforced: the limit is the kernel's, not only the Go runtime's.
func (m memoryCgroup) enforced() bool { return m.limit > 0 && m.parent != "" }

// wrap returns the command line and environment that start bin inside a new cgroup
// named for label, and a function that removes the cgroup once the process ended.
func (m memoryCgroup) wrap(label, bin string, args []string) (string, []string, []string, func() (peak int64), error) {
	none := func() int64 { return 0 }
	if m.limit == 0 {
		return bin, args, nil, none, nil
	}
	if !m.enforced() {
		soft := memlimit.Soft(m.limit)
		return bin, args, []string{"GOMEMLIMIT=" + strconv.FormatInt(soft, 10)}, none, nil
	}
	dir := filepath.Join(m.parent, fmt.Sprintf("kudus-bench-%d-%s", os.Getpid(), label))
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return "", nil, nil, none, err
	}
	if err := os.WriteFile(filepath.Join(dir, m.file), []byte(strconv.FormatInt(m.limit, 10)), 0o644); err != nil {
		return "", nil, nil, none, err
	}
	done := func() int64 {
		data, _ := os.ReadFile(filepath.Join(dir, m.peak))
		peak, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		_ = os.Remove(dir)
		return peak
	}
	// The shell moves itself into the cgroup and then becomes the operator, so that
	// the operator's first allocation is already counted and its start reads the
	// limit.
	script := `echo $$ > "$1/cgroup.procs" && shift && exec "$@"`
	return "/bin/sh", append([]string{"-c", script, "sh", dir, bin}, args...), nil, done, nil
}

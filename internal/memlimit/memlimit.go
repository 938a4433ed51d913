// Package memlimit gives the Go runtime a soft memory limit (GOMEMLIMIT) derived from
// the container's memory limit, so that the garbage collector works against the limit
// instead of letting the heap grow to twice what is live and the kernel kill the
// process.
package memlimit

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// Fraction of the container's limit given to the Go runtime, at most the limit less
// Reserve: the rest is for what the runtime does not count (the binary's pages the
// kernel counts in the container's memory, thread stacks outside the heap) and for
// headroom while the collector catches up. The binary's pages alone are 28 MiB of the
// operator's RSS (figure 7, docs/benchmarks.md; 45 MiB before the metrics checks
// stopped linking the API server's libraries), which 10 % of a small limit does not
// hold; under 160Mi at 10,000 sites the process still peaked at 160 MiB with this
// reserve, so it is kept.
const (
	Fraction = 0.9
	Reserve  = 48 << 20
)

// Soft is the soft limit for a container limit: Fraction of it, at most the limit
// less Reserve, at least half of it.
func Soft(limit int64) int64 {
	return max(min(int64(float64(limit)*Fraction), limit-Reserve), limit/2)
}

// unlimitedV1 is above any real limit: cgroup v1 reports an unlimited group as a page-
// rounded maximum int64.
const unlimitedV1 = 1 << 62

// Limit is the memory limit that applies to a process in the cgroups named by
// selfCgroup (the content of /proc/self/cgroup) under root (normally /sys/fs/cgroup):
// the lowest limit from the process's own cgroup up to the root of the hierarchy, as
// the kernel enforces it; 0 when there is none. cgroup v2 (memory.max, "max" when
// unlimited) is read first, then v1's memory controller (memory.limit_in_bytes). In a
// container with its own cgroup namespace the own cgroup is "/", i.e. root itself;
// without one (cgroup v1 runtimes, or a process put in a cgroup by hand, as the
// benchmark does) it is the path /proc/self/cgroup names.
func Limit(root, selfCgroup string) (int64, error) {
	v2, v1 := "/", "/"
	for _, line := range strings.Split(selfCgroup, "\n") {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2 = parts[2]
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			v1 = parts[2]
		}
	}
	for _, h := range []struct{ dir, own, file string }{
		{root, v2, "memory.max"},
		{filepath.Join(root, "memory"), v1, "memory.limit_in_bytes"},
	} {
		found, lowest := false, int64(0)
		for dir := path.Clean("/" + h.own); ; dir = path.Dir(dir) {
			v, ok, err := readLimit(filepath.Join(h.dir, filepath.FromSlash(dir), h.file))
			if err != nil {
				return 0, err
			}
			if ok {
				found = true
				if v > 0 && (lowest == 0 || v < lowest) {
					lowest = v
				}
			}
			if dir == "/" {
				break
			}
		}
		if found {
			return lowest, nil
		}
	}
	return 0, nil
}

// readLimit reads one limit file: ok false when it does not exist, 0 when unlimited.
func readLimit(file string) (int64, bool, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	s := strings.TrimSpace(string(data))
	if s == "max" {
		return 0, true, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("reading %s: %w", file, err)
	}
	if v <= 0 || v >= unlimitedV1 {
		return 0, true, nil
	}
	return v, true, nil
}

// Set gives the runtime Soft of the container's limit as its soft limit, unless
// GOMEMLIMIT is set (the runtime then applied it already) or there is no limit. It
// returns the limit set (0: none) and where it came from, for the log.
func Set(root string) (int64, string, error) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT=" + v, nil
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, "", err
	}
	limit, err := Limit(root, string(self))
	if err != nil || limit == 0 {
		return 0, "", err
	}
	soft := Soft(limit)
	debug.SetMemoryLimit(soft)
	return soft, fmt.Sprintf("%d MiB of the container's memory limit of %d MiB", soft>>20, limit>>20), nil
}

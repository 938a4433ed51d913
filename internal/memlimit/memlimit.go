// Package memlimit gives the Go runtime a soft memory limit (GOMEMLIMIT) derived from
// the container's memory limit, so that the garbage collector works against the limit
// instead of letting the heap grow to twice what is live and the kernel kill the
// process.
package memlimit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// Fraction of the container's limit given to the Go runtime: the rest is for what the
// runtime does not count (thread stacks outside the heap, the binary's mappings) and
// for headroom while the collector catches up.
const Fraction = 0.9

// cgroupFiles are where the memory limit of the process's cgroup is read, version 2
// first (memory.max, "max" when unlimited), then version 1.
var cgroupFiles = []string{"memory.max", filepath.Join("memory", "memory.limit_in_bytes")}

// unlimitedV1 is above any real limit: cgroup v1 reports an unlimited group as a page-
// rounded maximum int64.
const unlimitedV1 = 1 << 62

// Limit reads the memory limit under root (normally /sys/fs/cgroup): 0 when there is
// none.
func Limit(root string) (int64, error) {
	for _, f := range cgroupFiles {
		data, err := os.ReadFile(filepath.Join(root, f))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		s := strings.TrimSpace(string(data))
		if s == "max" {
			return 0, nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("reading %s: %w", f, err)
		}
		if v <= 0 || v >= unlimitedV1 {
			return 0, nil
		}
		return v, nil
	}
	return 0, nil
}

// Set gives the runtime Fraction of the container's limit as its soft limit, unless
// GOMEMLIMIT is set (the runtime then applied it already) or there is no limit. It
// returns the limit set (0: none) and where it came from, for the log.
func Set(root string) (int64, string, error) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT=" + v, nil
	}
	limit, err := Limit(root)
	if err != nil || limit == 0 {
		return 0, "", err
	}
	soft := int64(float64(limit) * Fraction)
	debug.SetMemoryLimit(soft)
	return soft, fmt.Sprintf("%.0f%% of the container's memory limit (%d MiB)", Fraction*100, limit>>20), nil
}

package grants

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestShardSpreadsAndIsStable(t *testing.T) {
	seen := map[string]int{}
	for i := 0; i < 3200; i++ {
		seen[Shard("granted-hosts", fmt.Sprintf("unit-%d.kuduskab.go.id", i))]++
	}
	if len(seen) != Shards {
		t.Fatalf("%d shards used, want %d", len(seen), Shards)
	}
	name := regexp.MustCompile(`^granted-hosts-[0-3][0-9]$`)
	for shard, n := range seen {
		if !name.MatchString(shard) || n <= 50 { // 100 expected
			t.Errorf("%s holds %d", shard, n)
		}
	}
	// The hash is fixed: a grant recorded by one version of the operator is found by
	// the next.
	if got := Shard("granted-hosts", "dinkes.kuduskab.go.id"); got != "granted-hosts-"+fmt.Sprintf("%02d", fnv32a("dinkes.kuduskab.go.id")%Shards) {
		t.Fatalf("Shard = %s", got)
	}
}

func TestChangedHosts(t *testing.T) {
	old := &corev1.ConfigMap{Data: map[string]string{"a.x": "web-a a", "b.x": "web-b b", "c.x": "web-c c"}}
	cur := &corev1.ConfigMap{Data: map[string]string{"a.x": "web-a a", "b.x": "web-z z", "d.x": "web-d d"}}
	tests := map[string]struct {
		cur  *corev1.ConfigMap
		want []string
	}{
		"changed and removed entries": {cur, []string{"b.x", "c.x"}},
		"the map deleted":             {nil, []string{"a.x", "b.x", "c.x"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := ChangedHosts(old, tc.cur)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

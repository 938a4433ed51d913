package controllers

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/grants"
)

func TestReturnedRecently(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { v := metav1.NewTime(now.Add(-d)); return &v }
	tests := map[string]struct {
		records []hostingv1.NotificationRecord
		key     string
		limited bool
	}{
		"nothing sent yet": {key: "returned:a"},
		"sent for another name an hour ago": {key: "returned:b", limited: true,
			records: []hostingv1.NotificationRecord{{Key: "returned:a/email", SentAt: at(time.Hour)}}},
		"being sent for another name": {key: "returned:b", limited: true,
			records: []hostingv1.NotificationRecord{{Key: "returned:a/email", LastAttemptAt: at(time.Minute), LastError: "sending"}}},
		"sent for another name a day and a minute ago": {key: "returned:b",
			records: []hostingv1.NotificationRecord{{Key: "returned:a/email", SentAt: at(24*time.Hour + time.Minute)}}},
		"its own earlier attempts do not count": {key: "returned:a",
			records: []hostingv1.NotificationRecord{{Key: "returned:a/email", LastAttemptAt: at(time.Minute)}}},
		"other events do not count": {key: "returned:a",
			records: []hostingv1.NotificationRecord{{Key: "rejected/email", SentAt: at(time.Minute)}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, limited := returnedRecently(tc.records, tc.key, now); limited != tc.limited {
				t.Fatalf("limited = %v, want %v", limited, tc.limited)
			}
		})
	}
}

// config/policies/granted-hosts.yaml installs exactly the maps GrantShard chooses
// from, with the label the host-hijacking policy's binding selects.
func TestShippedGrantShards(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "config", "policies", "granted-hosts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	cfg := config.Default()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	seen := map[string]bool{}
	for {
		var cm corev1.ConfigMap
		if err := dec.Decode(&cm); err != nil {
			break
		}
		if cm.Name == "" { // the comment before the first document
			continue
		}
		if cm.Namespace != cfg.GrantedHosts.Namespace || cm.Labels[hostingv1.GrantShardLabel] != cfg.GrantedHosts.Name || len(cm.Data) != 0 {
			t.Fatalf("unexpected ConfigMap %s/%s labels %v data %v", cm.Namespace, cm.Name, cm.Labels, cm.Data)
		}
		seen[cm.Name] = true
	}
	for i := 0; i < grants.Shards; i++ {
		name := fmt.Sprintf("%s-%02d", cfg.GrantedHosts.Name, i)
		if !seen[name] {
			t.Errorf("%s is not installed", name)
		}
	}
	if len(seen) != grants.Shards {
		t.Errorf("%d maps installed, want %d", len(seen), grants.Shards)
	}
	// Every host lands in one of them.
	for _, host := range []string{"dinkes.kuduskab.go.id", "a.kuduskab.go.id", "x"} {
		if !seen[grants.Shard(cfg.GrantedHosts.Name, host)] {
			t.Errorf("grants.Shard(%s) = %s is not installed", host, grants.Shard(cfg.GrantedHosts.Name, host))
		}
	}
}

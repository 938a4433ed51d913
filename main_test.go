package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// client-go's own logging (klog, and the errors it hands to utilruntime.HandleError,
// such as a reflector's failed list) comes out as the operator's structured lines.
func TestClientGoLogsThroughTheStructuredLogger(t *testing.T) {
	var buf bytes.Buffer
	setLoggers(zap.New(zap.WriteTo(&buf)))
	klog.InfoS("from client-go", "resource", "dnsendpoints")
	klog.Errorf("failed to list %s", "externaldns.k8s.io/v1alpha1")
	utilruntime.HandleError(errors.New("could not find the requested resource"))
	klog.Flush()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %d:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		var entry map[string]any
		if err := json.Unmarshal([]byte(l), &entry); err != nil || entry["msg"] == nil {
			t.Errorf("not a structured line: %s", l)
		}
	}
	if !strings.Contains(lines[2], `"could not find the requested resource"`) {
		t.Errorf("HandleError's line: %s", lines[2])
	}
}

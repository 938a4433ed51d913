package testenv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	sigsyaml "sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// AuditPolicy is the audit policy of the tests: every write of a SubdomainRequest
// itself (create, update, patch, delete; not its status, which the operator writes
// often) at level Request, that is with who, what, the response code and the object
// or patch sent, and nothing else, so that the log stays small.
func AuditPolicy() ([]byte, error) {
	return sigsyaml.Marshal(auditv1.Policy{
		TypeMeta:   metav1.TypeMeta{APIVersion: auditv1.SchemeGroupVersion.String(), Kind: "Policy"},
		OmitStages: []auditv1.Stage{auditv1.StageRequestReceived},
		Rules: []auditv1.PolicyRule{
			{
				Level: auditv1.LevelRequest,
				Verbs: []string{"create", "update", "patch", "delete", "deletecollection"},
				Resources: []auditv1.GroupResources{{Group: hostingv1.GroupVersion.Group,
					Resources: []string{"subdomainrequests"}}},
			},
			{Level: auditv1.LevelNone},
		},
	})
}

// WriteAuditPolicy writes AuditPolicy into dir and returns the file's path, for
// Options.AuditPolicyFile.
func WriteAuditPolicy(dir string) (string, error) {
	data, err := AuditPolicy()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("writing the audit policy: %w", err)
	}
	return path, nil
}

// AuditEvent is one event of the API server's audit log.
type AuditEvent = auditv1.Event

// ReadAuditLog reads the events of an audit log written with --audit-log-format=json
// (one event a line); a line still being written at the end is left out.
func ReadAuditLog(path string) ([]AuditEvent, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var events []AuditEvent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e AuditEvent
		if err := json.Unmarshal(line, &e); err != nil {
			if !sc.Scan() {
				break // the last line, not complete yet
			}
			return nil, fmt.Errorf("reading the audit log %s: %w", path, err)
		}
		events = append(events, e)
	}
	return events, sc.Err()
}

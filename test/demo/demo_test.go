// Package demo runs `make demo ONCE=1`'s script as a newcomer would and checks what
// they would see, and that nothing it started is left running.
package demo

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

func TestDemoOnce(t *testing.T) {
	root := testenv.RepoRoot()
	scratch := t.TempDir()
	// Every process the demo starts carries this folder in its command line: the data
	// folder for BIND, mailpit, external-dns and the operator, TMPDIR for envtest's etcd
	// and kube-apiserver.
	tmp := filepath.Join(scratch, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "hack", "demo.sh"), "-dir", filepath.Join(scratch, "demo"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "ONCE=1", "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("make demo ONCE=1 failed: %v\n%s", err, text)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^dinkes\.kuduskab\.go\.id\.\s+60\s+IN\s+A\s+192\.0\.2\.10$`),
		regexp.MustCompile(`(?m)^To: dinkes@kuduskab\.go\.id$`),
		regexp.MustCompile(`(?m)^Subject: Subdomain dinkes\.kuduskab\.go\.id sudah aktif / Your subdomain is ready$`),
		regexp.MustCompile(`Alamat situs   : https://dinkes\.kuduskab\.go\.id`),
		regexp.MustCompile(`(?m)^dinkes\s+dinkes\s+Dinas Kesehatan Kabupaten Kudus\s+Ready`),
		regexp.MustCompile(`budi`),
		regexp.MustCompile(`agus`),
		regexp.MustCompile(`dewi`),
	} {
		if !want.MatchString(text) {
			t.Errorf("the demo's output lacks %q\n%s", want, text)
		}
	}
	if left := processesMentioning(scratch); len(left) > 0 {
		t.Errorf("processes left running after the demo:\n%s", strings.Join(left, "\n"))
	}
}

// processesMentioning lists the running processes whose command line contains s.
func processesMentioning(s string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		line := strings.ReplaceAll(string(cmdline), "\x00", " ")
		if strings.Contains(line, s) {
			found = append(found, e.Name()+": "+line)
		}
	}
	return found
}

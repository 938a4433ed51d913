package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	sigsyaml "sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/refusal"
)

// checkFieldManager is the field manager of check's dry runs (nothing is stored).
const checkFieldManager = "kubectl-subdomain-check"

func newCheckCommand(o *options) *cobra.Command {
	var local bool
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Check request manifests before applying them: duplicate keys, then the API server's dry run",
		Long: `Check SubdomainRequest manifests (YAML or JSON; several documents per file are fine; "-"
reads stdin) before kubectl apply, for applicants and for GitOps CI.

First, what the API server never sees: kubectl, like most tools, reads YAML on your
machine and silently keeps only the last value of a key written twice (two subdomain:
lines, for instance), so the request would be filed with a value nobody checked. Such a
duplicate, and any YAML error, is refused here with the file and the line.

Then each request is sent to the API server as a server-side dry run, as you: a create,
or for a request that already exists the change kubectl apply would make (a
server-side apply). The server answers with every message of the CRD's schema, of its
strict field validation (a mistyped field) and of the admission policies, exactly as a
real kubectl apply would get them, but nothing is stored or changed.

Each problem is printed as FILE:LINE: MESSAGE; the exit code is 1 when there is any.
With --local only the first part runs, without contacting the API server.`,
		Example: `  kubectl subdomain check permohonan-dinkes.yaml
  kubectl subdomain check --lang id permohonan/*.yaml
  kubectl subdomain check --local permohonan/*.yaml      # in CI without cluster access`,
		Args: cobra.MinimumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml", "json"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.check(cmd.Context(), args, local)
		},
	}
	cmd.Flags().BoolVar(&local, "local", false, "only look for duplicate keys and YAML errors; do not contact the API server")
	return cmd
}

// check checks the files and reports every problem; the error is errReported when
// there was any.
func (o *options) check(ctx context.Context, files []string, local bool) error {
	l := o.lang()
	var s *session
	if !local {
		var err error
		if s, err = o.session(); err != nil {
			return l.errorf("check.session", err)
		}
	}
	c := &checker{o: o, l: l, s: s}
	for _, f := range files {
		c.file(ctx, f)
	}
	if c.problems > 0 {
		fprintf(o.streams.ErrOut, "%s\n", l.t("check.summary", c.problems))
		return errReported
	}
	return nil
}

type checker struct {
	o        *options
	l        language
	s        *session // nil with --local
	problems int
}

func (c *checker) problem(key string, args ...any) {
	c.problems++
	fprintf(c.o.streams.ErrOut, "%s\n", c.l.t(key, args...))
}

func (c *checker) ok(key string, args ...any) {
	fprintf(c.o.streams.Out, "%s\n", c.l.t(key, args...))
}

// file checks one file, document by document.
func (c *checker) file(ctx context.Context, name string) {
	var data []byte
	var err error
	if name == "-" {
		name = "(stdin)"
		data, err = io.ReadAll(c.o.streams.In)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		c.problem("check.read", name, err)
		return
	}
	docs := splitDocuments(name, data)
	if len(docs) == 0 {
		c.problem("check.empty", name)
		return
	}
	for _, d := range docs {
		c.document(ctx, d)
	}
}

// dupKey is goyaml's strict complaint about a key written twice (the second time).
var (
	dupKey   = regexp.MustCompile(`line (\d+): key (.+) already set in map`)
	yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

func (c *checker) document(ctx context.Context, d *document) {
	j, err := sigsyaml.YAMLToJSONStrict(d.data)
	if err != nil {
		if dups := dupKey.FindAllStringSubmatch(err.Error(), -1); len(dups) > 0 {
			for _, m := range dups {
				n, _ := strconv.Atoi(m[1])
				key := m[2]
				if k, uerr := strconv.Unquote(key); uerr == nil {
					key = k
				}
				line, parent, first := d.duplicate(d.start+n-1, key)
				if parent == "" {
					parent = c.l.t("check.topLevel")
				}
				if first > 0 {
					c.problem("check.duplicate", d.file, line, key, parent, first)
				} else {
					c.problem("check.duplicateNoFirst", d.file, line, key)
				}
			}
		} else {
			line, msg := d.first, strings.TrimPrefix(err.Error(), "yaml: ")
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				n, _ := strconv.Atoi(m[1])
				line, msg = d.start+n-1, m[2]
			}
			c.problem("check.yaml", d.file, line, msg)
		}
		if c.s != nil {
			fprintf(c.o.streams.ErrOut, "%s\n", c.l.t("check.notSent", d.file, d.first))
		}
		return
	}
	var obj map[string]any
	if err := json.Unmarshal(j, &obj); err != nil || obj == nil {
		c.problem("check.notObject", d.file, d.first)
		return
	}
	u := &unstructured.Unstructured{Object: obj}
	want := hostingv1.GroupVersion.String()
	if u.GetAPIVersion() == "" || u.GetKind() == "" {
		c.problem("check.noKind", d.file, d.first, want)
		return
	}
	if gvk := u.GroupVersionKind(); gvk.Group != hostingv1.GroupVersion.Group || gvk.Kind != sdrKind.Kind {
		c.problem("check.notRequest", d.file, d.first, u.GetKind(), u.GetAPIVersion(), want)
		return
	}
	name := u.GetName()
	if name == "" {
		name = "(no metadata.name)"
	}
	if c.s == nil {
		c.ok("check.okLocal", d.file, d.first, name)
		return
	}
	_, err = c.s.sdrs.Create(ctx, u, metav1.CreateOptions{
		DryRun: []string{metav1.DryRunAll}, FieldManager: checkFieldManager, FieldValidation: metav1.FieldValidationStrict,
	})
	if err == nil {
		c.ok("check.ok", d.file, d.first, name)
		return
	}
	if apierrors.IsAlreadyExists(err) && u.GetName() != "" {
		// The request exists: check the change applying this manifest would make.
		_, err = c.s.sdrs.Patch(ctx, u.GetName(), types.ApplyPatchType, j, metav1.PatchOptions{
			DryRun: []string{metav1.DryRunAll}, FieldManager: checkFieldManager, Force: ptr.To(true),
			FieldValidation: metav1.FieldValidationStrict,
		})
		if err == nil {
			c.ok("check.okUpdate", d.file, d.first, name)
			return
		}
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		// No answer from the API server (network, TLS, credentials): nothing was checked.
		c.problem("check.unreachable", d.file, d.first, name, err)
		return
	}
	c.serverRefusal(d, name, err)
}

// mustBeString is the schema's complaint about a number or a boolean where text is
// expected (an unquoted NIP or phone number).
var mustBeString = regexp.MustCompile(`must be of type string|expected string`)

// fieldInMessage finds a field path in a message that has no separate causes, e.g.
// `unknown field "spec.subdomian"` or `.spec.applicant.nip: expected string`.
var fieldInMessage = regexp.MustCompile(`unknown field "([^"]+)"|(?:^|\s)\.?((?:metadata|spec)(?:\.[A-Za-z0-9_]+)+):`)

// serverRefusal reports the API server's refusal, one line per cause, each at the line
// of its field when the manifest is written in the usual block style.
func (c *checker) serverRefusal(d *document, name string, err error) {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if det := status.Status().Details; det != nil && len(det.Causes) > 0 {
			for _, cause := range det.Causes {
				msg := refusal.Strip(cause.Message)
				line := d.first
				if cause.Field != "" && cause.Field != "<nil>" {
					line = d.locate(cause.Field)
					if !strings.HasPrefix(msg, cause.Field+":") {
						msg = cause.Field + ": " + msg
					}
				} else if m := fieldInMessage.FindStringSubmatch(msg); m != nil {
					line = d.locate(m[1] + m[2])
				}
				c.problem("check.refused", d.file, line, name, msg)
				if mustBeString.MatchString(msg) {
					fprintf(c.o.streams.ErrOut, "%s\n", c.l.t("check.quote", d.file, line))
				}
			}
			return
		}
	}
	msg := refusal.Message(err)
	line := d.first
	if m := fieldInMessage.FindStringSubmatch(msg); m != nil {
		line = d.locate(m[1] + m[2])
	}
	c.problem("check.refused", d.file, line, name, msg)
	if mustBeString.MatchString(msg) {
		fprintf(c.o.streams.ErrOut, "%s\n", c.l.t("check.quote", d.file, line))
	}
}

// document is one YAML document of a file.
type document struct {
	file  string
	start int    // the line of the file where the document's text starts (1-based)
	first int    // the line of its first content, reported for the document as a whole
	data  []byte // the document's text
	keys  []keyLine
}

// keyLine is a line of block-style YAML that starts a "key:" entry.
type keyLine struct {
	line   int // in the file
	indent int // the key's column
	key    string
	seq    bool // the line starts a sequence item: "- key: ..."
}

var keyPattern = regexp.MustCompile(`^(\s*)(-\s+)?("(?:[^"\\]|\\.)*"|'[^']*'|[^\s#'"{\[][^:#]*?)\s*:(?:\s|$)`)

// splitDocuments splits a YAML stream at its "---" lines and keeps the documents that
// hold more than comments.
func splitDocuments(file string, data []byte) []*document {
	var docs []*document
	var lines []string
	start := 1
	flush := func() {
		d := &document{file: file, start: start, data: []byte(strings.Join(lines, "\n"))}
		for i, l := range lines {
			t := strings.TrimSpace(l)
			if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "%") {
				continue
			}
			if d.first == 0 {
				d.first = start + i
			}
			if m := keyPattern.FindStringSubmatch(l); m != nil {
				key := m[3]
				if k, err := strconv.Unquote(key); err == nil {
					key = k
				} else if strings.HasPrefix(key, "'") {
					key = strings.Trim(key, "'")
				}
				d.keys = append(d.keys, keyLine{line: start + i, indent: len(m[1]) + len(m[2]), key: key, seq: m[2] != ""})
			}
		}
		if d.first > 0 {
			docs = append(docs, d)
		}
	}
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if l == "---" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "---\t") || l == "..." {
			flush()
			lines, start = nil, i+2
			continue
		}
		lines = append(lines, l)
	}
	flush()
	return docs
}

// duplicate finds, for a key written twice whose second occurrence is on line, the
// path of the mapping that holds it (e.g. "spec.applicant"; empty at the top level)
// and the line of its first occurrence (0 when not found, e.g. in flow style).
func (d *document) duplicate(line int, key string) (int, string, int) {
	idx := -1
	for i, k := range d.keys {
		if k.line == line && k.key == key {
			idx = i
			break
		}
	}
	if idx < 0 {
		return line, "", 0
	}
	indent := d.keys[idx].indent
	first := 0
	for i := idx - 1; i >= 0; i-- {
		k := d.keys[i]
		if k.indent < indent {
			break
		}
		if k.indent == indent && k.key == key {
			first = k.line
			break
		}
		if k.indent == indent && k.seq {
			break
		}
	}
	var path []string
	cur := indent
	for i := idx - 1; i >= 0 && cur > 0; i-- {
		if k := d.keys[i]; k.indent < cur {
			path = append([]string{k.key}, path...)
			cur = k.indent
		}
	}
	return line, strings.Join(path, "."), first
}

// locate returns the line of a field, e.g. "spec.applicant.nip" or
// "metadata.annotations[approval.hosting.kuduskab.go.id/kepala-dinas]": the deepest
// part of the path found in block-style YAML, or the document's first line.
func (d *document) locate(field string) int {
	line, from, parentIndent := d.first, 0, -1
	for _, seg := range fieldPath(field) {
		childIndent, found := -1, -1
		for i := from; i < len(d.keys); i++ {
			k := d.keys[i]
			if k.indent <= parentIndent {
				break
			}
			if childIndent < 0 {
				childIndent = k.indent
			}
			if k.indent == childIndent && k.key == seg {
				found = i
				break
			}
		}
		if found < 0 {
			return line
		}
		line, from, parentIndent = d.keys[found].line, found+1, d.keys[found].indent
	}
	return line
}

// fieldPath splits a field path at its dots, keeping [bracketed] keys whole; it stops
// at a list index, which block-style lookup does not follow.
func fieldPath(field string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(field); i++ {
		switch ch := field[i]; ch {
		case '.':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		case '[':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			end := strings.IndexByte(field[i:], ']')
			if end < 0 {
				return out
			}
			inner := field[i+1 : i+end]
			if _, err := strconv.Atoi(inner); err == nil {
				return out
			}
			out = append(out, inner)
			i += end
		default:
			cur.WriteByte(ch)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// sample is one series of a Prometheus text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrapeText reads a Prometheus text exposition and keeps the series whose metric
// name starts with one of the prefixes.
func scrapeText(ctx context.Context, hc *http.Client, url string, prefixes ...string) ([]sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	var out []sample
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		keep := false
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				keep = true
				break
			}
		}
		if !keep {
			continue
		}
		s, ok := parseSample(line)
		if ok {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}

// parseSample parses `name{k="v",...} value [timestamp]`.
func parseSample(line string) (sample, bool) {
	s := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, false
	}
	s.name = line[:i]
	rest := line[i:]
	if rest[0] == '{' {
		j := 1
		for j < len(rest) && rest[j] != '}' {
			eq := strings.IndexByte(rest[j:], '=')
			if eq < 0 {
				return s, false
			}
			key := strings.TrimSpace(strings.TrimLeft(rest[j:j+eq], ","))
			j += eq + 1
			if j >= len(rest) || rest[j] != '"' {
				return s, false
			}
			j++
			var val strings.Builder
			for j < len(rest) && rest[j] != '"' {
				if rest[j] == '\\' && j+1 < len(rest) {
					j++
					switch rest[j] {
					case 'n':
						val.WriteByte('\n')
					default:
						val.WriteByte(rest[j])
					}
				} else {
					val.WriteByte(rest[j])
				}
				j++
			}
			j++ // closing quote
			s.labels[key] = val.String()
			for j < len(rest) && rest[j] == ',' {
				j++
			}
		}
		if j >= len(rest) {
			return s, false
		}
		rest = rest[j+1:]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return s, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return s, false
	}
	s.value = v
	return s, true
}

// Flow schemas put the operator's own requests into named buckets of the API
// server's priority-and-fairness metrics (apiserver_flowcontrol_dispatched_requests_total
// by flow_schema), so that its writes are counted exactly, apart from the
// benchmark's, external-dns's and the API server's own. They send the operator's
// requests to the priority level it gets anyway (that of the suggested
// "service-accounts" flow schema), so its scheduling does not change.
const (
	fsSDRStatus = "bench-operator-sdr-status"
	fsSDR       = "bench-operator-sdr"
	fsEvents    = "bench-operator-events"
	fsCreate    = "bench-operator-create"
	fsUpdate    = "bench-operator-update"
	fsDelete    = "bench-operator-delete"
	fsRead      = "bench-operator-read"
)

var writeVerbs = []string{"create", "update", "patch", "delete", "deletecollection"}

func (b *bench) installFlowSchemas(ctx context.Context) error {
	base := &flowcontrolv1.FlowSchema{}
	if err := b.admin.Get(ctx, client.ObjectKey{Name: "service-accounts"}, base); err != nil {
		return fmt.Errorf("reading the suggested flow schema service-accounts: %w", err)
	}
	level := base.Spec.PriorityLevelConfiguration.Name
	b.res.Setup.OperatorPriorityLevel = level
	type rule struct {
		name      string
		verbs     []string
		groups    []string
		resources []string
	}
	rules := []rule{
		{fsSDRStatus, writeVerbs, []string{"hosting.kuduskab.go.id"}, []string{"subdomainrequests/status"}},
		{fsSDR, writeVerbs, []string{"hosting.kuduskab.go.id"}, []string{"subdomainrequests"}},
		{fsEvents, writeVerbs, []string{"", "events.k8s.io"}, []string{"events"}},
		{fsCreate, []string{"create"}, []string{"*"}, []string{"*"}},
		{fsUpdate, []string{"update", "patch"}, []string{"*"}, []string{"*"}},
		{fsDelete, []string{"delete", "deletecollection"}, []string{"*"}, []string{"*"}},
		{fsRead, []string{"get", "list", "watch"}, []string{"*"}, []string{"*"}},
	}
	for i, r := range rules {
		fs := &flowcontrolv1.FlowSchema{
			ObjectMeta: metav1.ObjectMeta{Name: r.name},
			Spec: flowcontrolv1.FlowSchemaSpec{
				PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: level},
				MatchingPrecedence:         int32(500 + i),
				DistinguisherMethod:        base.Spec.DistinguisherMethod,
				Rules: []flowcontrolv1.PolicyRulesWithSubjects{{
					Subjects: []flowcontrolv1.Subject{{Kind: flowcontrolv1.SubjectKindUser, User: &flowcontrolv1.UserSubject{Name: operatorUser}}},
					ResourceRules: []flowcontrolv1.ResourcePolicyRule{{
						Verbs: r.verbs, APIGroups: r.groups, Resources: r.resources, ClusterScope: true, Namespaces: []string{"*"},
					}},
				}},
			},
		}
		if err := b.admin.Create(ctx, fs); err != nil {
			return fmt.Errorf("creating flow schema %s: %w", r.name, err)
		}
	}
	// The API server picks flow schemas up asynchronously: wait until a read as the
	// operator lands in ours.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_ = b.floor.Get(ctx, client.ObjectKey{Name: "default"}, &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}})
		c, err := b.opCounters(ctx)
		if err != nil {
			return err
		}
		if c.Reads > 0 {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the API server did not start using the benchmark's flow schemas within 30s")
}

// opCounters are the operator's requests as the API server counted them.
type opCounters struct {
	SDRStatus float64 `json:"sdrStatusWrites"`
	SDR       float64 `json:"sdrMetadataWrites"`
	Events    float64 `json:"eventWrites"`
	Creates   float64 `json:"creates"`
	Updates   float64 `json:"updatesPatches"`
	Deletes   float64 `json:"deletes"`
	Reads     float64 `json:"reads"`
}

func (c opCounters) Writes() float64 {
	return c.SDRStatus + c.SDR + c.Events + c.Creates + c.Updates + c.Deletes
}

func (c opCounters) Sub(o opCounters) opCounters {
	return opCounters{c.SDRStatus - o.SDRStatus, c.SDR - o.SDR, c.Events - o.Events, c.Creates - o.Creates,
		c.Updates - o.Updates, c.Deletes - o.Deletes, c.Reads - o.Reads}
}

func (c opCounters) Div(n float64) opCounters {
	return opCounters{c.SDRStatus / n, c.SDR / n, c.Events / n, c.Creates / n, c.Updates / n, c.Deletes / n, c.Reads / n}
}

func (b *bench) apiMetrics(ctx context.Context) ([]sample, error) {
	return scrapeText(ctx, b.adminHTTP, strings.TrimSuffix(b.env.Config.Host, "/")+"/metrics",
		"apiserver_flowcontrol_dispatched_requests_total", "apiserver_request_total",
		"apiserver_request_duration_seconds_sum", "apiserver_request_duration_seconds_count",
		"apiserver_flowcontrol_request_wait_duration_seconds_sum", "apiserver_flowcontrol_request_wait_duration_seconds_count",
		"apiserver_storage_consistency_checks_total")
}

// consistencyChecks lists the resources whose watch cache the API server checked
// against etcd between two scrapes (its periodic consistency check, every 5 to 7.5
// minutes per resource: each lists every object of the resource from etcd, a cost of
// the API server's own that lands in a measured window by chance).
func consistencyChecks(before, after []sample) []string {
	seen := map[string]float64{}
	for _, s := range before {
		if s.name == "apiserver_storage_consistency_checks_total" {
			seen[s.labels["resource"]+"."+s.labels["group"]] += s.value
		}
	}
	now := map[string]float64{}
	for _, s := range after {
		if s.name == "apiserver_storage_consistency_checks_total" {
			now[s.labels["resource"]+"."+s.labels["group"]] += s.value
		}
	}
	var out []string
	for r, n := range now {
		if n > seen[r] {
			out = append(out, strings.TrimSuffix(r, "."))
		}
	}
	sort.Strings(out)
	return out
}

func countersFrom(samples []sample) opCounters {
	var c opCounters
	for _, s := range samples {
		if s.name != "apiserver_flowcontrol_dispatched_requests_total" {
			continue
		}
		switch s.labels["flow_schema"] {
		case fsSDRStatus:
			c.SDRStatus += s.value
		case fsSDR:
			c.SDR += s.value
		case fsEvents:
			c.Events += s.value
		case fsCreate:
			c.Creates += s.value
		case fsUpdate:
			c.Updates += s.value
		case fsDelete:
			c.Deletes += s.value
		case fsRead:
			c.Reads += s.value
		}
	}
	return c
}

func (b *bench) opCounters(ctx context.Context) (opCounters, error) {
	s, err := b.apiMetrics(ctx)
	if err != nil {
		return opCounters{}, err
	}
	return countersFrom(s), nil
}

// requestKey names one write series of apiserver_request_total.
func requestKey(l map[string]string) string {
	res := l["resource"]
	if l["group"] != "" {
		res += "." + l["group"]
	}
	if l["subresource"] != "" {
		res += "/" + l["subresource"]
	}
	return l["verb"] + " " + res + " " + l["code"]
}

func isWriteVerb(v string) bool {
	switch strings.ToUpper(v) {
	case "POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION", "CREATE", "UPDATE":
		return true
	}
	return false
}

// writeBreakdown is the delta of apiserver_request_total write series between two
// scrapes, from every client; the API server's own lease renewals are left out.
func writeBreakdown(before, after []sample) map[string]float64 {
	sum := func(samples []sample) map[string]float64 {
		m := map[string]float64{}
		for _, s := range samples {
			if s.name != "apiserver_request_total" || !isWriteVerb(s.labels["verb"]) || s.labels["resource"] == "leases" {
				continue
			}
			m[requestKey(s.labels)] += s.value
		}
		return m
	}
	b, a := sum(before), sum(after)
	out := map[string]float64{}
	for k, v := range a {
		if d := v - b[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// procStats reads a process's peak and current resident memory and CPU time.
type procStats struct {
	PeakRSSMiB float64 `json:"peakRSSMiB"`
	RSSMiB     float64 `json:"rssMiB"`
	// RSSFileMiB is the part of RSSMiB that is the binary's pages (and other files
	// mapped), which the Go runtime's soft limit does not count.
	RSSFileMiB float64 `json:"rssFileMiB"`
	CPUSeconds float64 `json:"cpuSeconds"`
}

func readProc(pid int) (procStats, error) {
	var p procStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kib, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			p.PeakRSSMiB = kib / 1024
		case "VmRSS:":
			p.RSSMiB = kib / 1024
		case "RssFile:":
			p.RSSFileMiB = kib / 1024
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// Fields after the command name (which may hold spaces) start at state (field 3);
	// utime and stime are fields 14 and 15, in clock ticks (CLK_TCK is 100 on Linux).
	rest := string(stat)[strings.LastIndexByte(string(stat), ')')+2:]
	f := strings.Fields(rest)
	if len(f) < 13 {
		return p, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	p.CPUSeconds = (utime + stime) / 100
	return p, nil
}

// serverLatency is the API server's own mean time per write request, by verb and
// resource, between two scrapes (admission included), and the operator's mean wait
// in the priority-and-fairness queues.
func serverLatency(before, after []sample) map[string]float64 {
	type acc struct{ sum, count float64 }
	collect := func(samples []sample, sign float64, m map[string]*acc) {
		for _, s := range samples {
			var key string
			switch s.name {
			case "apiserver_request_duration_seconds_sum", "apiserver_request_duration_seconds_count":
				if !isWriteVerb(s.labels["verb"]) || s.labels["resource"] == "leases" {
					continue
				}
				key = s.labels["verb"] + " " + s.labels["resource"]
				if s.labels["subresource"] != "" {
					key += "/" + s.labels["subresource"]
				}
			case "apiserver_flowcontrol_request_wait_duration_seconds_sum", "apiserver_flowcontrol_request_wait_duration_seconds_count":
				if !strings.HasPrefix(s.labels["flow_schema"], "bench-operator") {
					continue
				}
				key = "APF queue wait (operator identity)"
			default:
				continue
			}
			a := m[key]
			if a == nil {
				a = &acc{}
				m[key] = a
			}
			if strings.HasSuffix(s.name, "_sum") {
				a.sum += sign * s.value
			} else {
				a.count += sign * s.value
			}
		}
	}
	m := map[string]*acc{}
	collect(after, 1, m)
	collect(before, -1, m)
	out := map[string]float64{}
	for k, a := range m {
		if a.count > 0 {
			out[k] = round(a.sum/a.count*1000, 1)
		}
	}
	return out
}

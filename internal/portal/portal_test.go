package portal

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/oidctest"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// The people of these tests log in at an OpenID Connect provider (oidctest) that the
// API server (envtest, --authentication-config) trusts; their groups come from the
// groups claim as the provider wrote them (user names prefixed oidc:), and are bound to the ClusterRoles of
// config/officials/roles.yaml. Nobody has a client certificate or a kubeconfig: what
// they do, they do through the portal with their own ID token.
var people = append(oidctest.CastUsers(),
	// A second Kepala Dinas, who comes after the first has decided.
	oidctest.User{Name: "rina", Password: "rina-rahasia", DisplayName: "Rina Wati", Groups: []string{"diskominfo:kepala-dinas"}})

// bindings bind the roles to the groups as the API server names them.
var bindings = oidctest.CastBindings()

const clientID = "subdomain-portal"

var (
	ctx      context.Context
	env      *testenv.Env
	admin    client.Client
	provider *oidctest.Provider
	portal   *Server
	// portalURL is the portal's address (plain HTTP: --cookie-secure false).
	portalURL string
	// clockOffset moves the portal's clock, for the session's expiry.
	clockOffset atomic.Int64
	// clockAt, when not zero, is the portal's time (Unix nanoseconds), for the
	// official's queue read at one instant.
	clockAt atomic.Int64
	// logs is everything the portal logged.
	logs syncBuffer
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	var cancel context.CancelFunc
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	ctrl.SetLogger(logr.Discard())
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	defer func() { _ = provider.Close() }()
	return m.Run()
}

func setup() error {
	// The portal's address must be known before the provider starts: it is the
	// client's registered redirect URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	portalURL = "http://" + ln.Addr().String()
	provider, err = oidctest.Start(oidctest.Options{Users: people,
		Clients: []oidctest.Client{{ID: clientID, RedirectURLs: []string{portalURL + "/auth/callback"}}}})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "portal-test-")
	if err != nil {
		return err
	}
	authConfig, err := testenv.WriteJWTAuthenticationConfig(dir, provider.Issuer, provider.CAPEM, clientID)
	if err != nil {
		return err
	}
	if env, err = testenv.StartWith(ctx, testenv.Options{AuthenticationConfig: authConfig}); err != nil {
		return err
	}
	admin = env.Client
	for role, group := range bindings {
		if err := env.BindGroup(ctx, role, group); err != nil {
			return err
		}
	}
	if err := waitForJWTAuthenticator(); err != nil {
		return err
	}

	// The operator runs in-process without provisioning, so that the requests get the
	// status (phase, waitingFor, the timeline) an official's queue and the applicant's
	// timeline read, as in a cluster.
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: testenv.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0", Cache: controllers.CacheOptions(config.Default(), env.Config),
	})
	if err != nil {
		return err
	}
	r := &controllers.SubdomainRequestReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder("subdomain-operator"),
		Config: config.Default(), Provisioning: false,
	}
	if err := r.SetupWithManager(ctx, mgr, 4); err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()

	portal, err = New(Config{
		IssuerURL: provider.Issuer, IssuerCA: provider.CAPEM, ClientID: clientID, RedirectURL: portalURL + "/auth/callback",
		APIServer: env.Config.Host, APIServerCA: env.Config.CAData, CookieSecure: false,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Now: func() time.Time {
			if at := clockAt.Load(); at != 0 {
				return time.Unix(0, at)
			}
			return time.Now().Add(time.Duration(clockOffset.Load()))
		},
	})
	if err != nil {
		return err
	}
	srv := httptest.NewUnstartedServer(portal)
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	return nil
}

// waitForJWTAuthenticator waits until the API server has read the provider's keys.
func waitForJWTAuthenticator() error {
	token, err := provider.Login(ctx, clientID, portalURL+"/auth/callback", "siti", "siti-rahasia")
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(env.TokenConfig(token))
	if err != nil {
		return err
	}
	var lastErr error
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, lastErr = cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return lastErr == nil, nil
	}); err != nil {
		return fmt.Errorf("the API server does not take the provider's tokens: %v", lastErr)
	}
	return nil
}

// ---- A browser without JavaScript: net/http with a cookie jar ----

type browser struct {
	t    *testing.T
	user string
	hc   *http.Client
	// setCookies are the Set-Cookie headers the portal sent.
	setCookies []string
}

type recorder struct {
	next http.RoundTripper
	b    *browser
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil && strings.HasPrefix(req.URL.String(), portalURL) {
		r.b.setCookies = append(r.b.setCookies, resp.Header.Values("Set-Cookie")...)
	}
	return resp, err
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(provider.CAPEM)
	b := &browser{t: t}
	b.hc = &http.Client{Jar: jar, Timeout: 60 * time.Second,
		Transport: recorder{next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}, b: b}}
	return b
}

// page is a response as a person sees it.
type page struct {
	status int
	url    *url.URL
	header http.Header
	body   string
}

// text is the page's text without tags, with entities decoded and spaces collapsed.
func (p page) text() string {
	noTags := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(p.body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(noTags)), " ")
}

// element is the text of the element with the id (up to its first closing tag of
// the same name: the portal does not nest an element in one of its kind).
func (p page) element(id string) string {
	open := regexp.MustCompile(`<(\w+)[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindStringSubmatchIndex(p.body)
	if open == nil {
		return ""
	}
	rest := p.body[open[1]:]
	end := strings.Index(rest, "</"+p.body[open[2]:open[3]]+">")
	if end < 0 {
		return ""
	}
	return page{body: rest[:end]}.text()
}

// tag is the opening tag of the element with the id.
func (p page) tag(id string) string {
	return regexp.MustCompile(`<\w+[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(p.body)
}

var csrfInput = regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]*)">`)

// csrf is the CSRF token in the page's forms.
func (p page) csrf() string {
	m := csrfInput.FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s as %s: %v", req.Method, req.URL, b.user, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if strings.HasPrefix(resp.Request.URL.String(), portalURL) && strings.Contains(string(body), "%!") {
		b.t.Errorf("%s %s: a message was formatted with the wrong arguments: %s", req.Method, req.URL, body)
	}
	return page{status: resp.StatusCode, url: resp.Request.URL, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = portalURL + path
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	b.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = portalURL + u
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var (
	formTag   = regexp.MustCompile(`<form[^>]*\baction="([^"]*)"`)
	hiddenTag = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// login logs a person in as a browser does: the portal sends it to the provider, the
// person fills in the provider's login form, the provider sends it back to the
// portal with a code.
func login(t *testing.T, user string) *browser {
	t.Helper()
	g := NewWithT(t)
	b := newBrowser(t)
	b.user = user
	form := b.get("/masuk")
	g.Expect(form.status).To(Equal(http.StatusOK), form.body)
	g.Expect(form.url.String()).To(HavePrefix(provider.Issuer + oidctest.LoginPath + "?"))
	m := formTag.FindStringSubmatch(form.body)
	g.Expect(m).NotTo(BeNil(), "the provider's login form: %s", form.body)
	fields := url.Values{}
	for _, h := range hiddenTag.FindAllStringSubmatch(form.body, -1) {
		fields.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	password := ""
	for _, p := range people {
		if p.Name == user {
			password = p.Password
		}
	}
	fields.Set("username", user)
	fields.Set("password", password)
	action, err := form.url.Parse(html.UnescapeString(m[1]))
	g.Expect(err).NotTo(HaveOccurred())
	home := b.post(action.String(), fields)
	g.Expect(home.status).To(Equal(http.StatusOK), home.body)
	g.Expect(home.url.String()).To(Equal(portalURL + "/"))
	g.Expect(home.text()).To(ContainSubstring("(nama pengguna di server API: oidc:" + user + ")"))
	return b
}

func getRequest(t *testing.T, name string) *hostingv1.SubdomainRequest {
	t.Helper()
	sdr := &hostingv1.SubdomainRequest{}
	if err := admin.Get(ctx, client.ObjectKey{Name: name}, sdr); err != nil {
		t.Fatalf("getting %s: %v", name, err)
	}
	return sdr
}

func waitPhase(t *testing.T, name string, phase hostingv1.Phase) *hostingv1.SubdomainRequest {
	t.Helper()
	var sdr *hostingv1.SubdomainRequest
	NewWithT(t).Eventually(func() hostingv1.Phase {
		sdr = getRequest(t, name)
		return sdr.Status.Phase
	}).WithTimeout(30*time.Second).WithPolling(100*time.Millisecond).Should(Equal(phase), "phase of %s", name)
	return sdr
}

// theForm is the SOP's form as the applicant fills it in.
func theForm(csrf, subdomain, nip string) url.Values {
	return url.Values{"csrf": {csrf}, "unit": {"Dinas Kesehatan Kabupaten Kudus"}, "contactName": {"Siti Aminah"},
		"position": {"Kepala Subbagian Umum dan Kepegawaian"}, "nip": {nip}, "email": {"dinkes@kuduskab.go.id"},
		"phone": {"+62291438713"}, "letterNumber": {"555/123/20.01/2026"}, "letterDate": {"2026-11-20"},
		"purpose": {"Informasi layanan kesehatan bagi masyarakat Kabupaten Kudus"}, "subdomain": {subdomain},
		"group": {"opd:dinkes"}, "plan": {"small"}, "deletionPolicy": {"Retain"}}
}

// approveAs posts an official's approval through the request page's form.
func approveAs(b *browser, name string, role hostingv1.Role) page {
	b.t.Helper()
	p := b.get("/permohonan/" + name)
	NewWithT(b.t).Expect(p.status).To(Equal(http.StatusOK))
	return b.post("/permohonan/"+name+"/setujui", url.Values{"csrf": {p.csrf()}, "peran": {string(role)}})
}

// The whole procedure through the portal, each person as themselves.
func TestProcedureThroughThePortal(t *testing.T) {
	g := NewWithT(t)
	const name = "portal-dinkes"

	// The applicant files the form; a malformed NIP first.
	siti := login(t, "siti")
	form := siti.get("/permohonan/baru")
	g.Expect(form.status).To(Equal(http.StatusOK))
	for _, id := range formFieldOrder {
		g.Expect(form.body).To(ContainSubstring(`<label for="`+id+`">`), "the label of %s", id)
		g.Expect(form.tag(id)).NotTo(BeEmpty(), "the input of %s", id)
	}
	g.Expect(form.body).To(MatchRegexp(`<option value="opd:dinkes"[^>]*>opd:dinkes</option>`), "the group is a select of the user's own groups")

	bad := siti.post("/permohonan", theForm(form.csrf(), name, "19800101 2005"))
	g.Expect(bad.status).To(Equal(http.StatusUnprocessableEntity), bad.body)
	g.Expect(bad.element("nip-galat")).To(Equal("NIP harus tepat 18 angka, tanpa spasi."))
	g.Expect(bad.tag("nip")).To(SatisfyAll(ContainSubstring(`aria-invalid="true"`),
		ContainSubstring(`aria-describedby="nip-galat nip-petunjuk"`), ContainSubstring(`value="19800101 2005"`)))
	g.Expect(bad.element("ringkasan")).To(ContainSubstring("NIP harus tepat 18 angka, tanpa spasi."))
	g.Expect(bad.body).To(ContainSubstring(`<a href="#nip">NIP</a>: NIP harus tepat 18 angka, tanpa spasi.`), "the summary links to the field")
	g.Expect(bad.tag("unit")).To(ContainSubstring(`value="Dinas Kesehatan Kabupaten Kudus"`), "what was typed is kept")
	g.Expect(bad.text()).NotTo(ContainSubstring("Invalid value"))
	g.Expect(admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{})).NotTo(Succeed())
	// In English the API server's own sentence is shown, at the same place.
	g.Expect(siti.get("/permohonan/baru?lang=en").body).To(ContainSubstring(`<label for="nip">NIP (civil-servant number)</label>`))
	badEnglish := siti.post("/permohonan", theForm(form.csrf(), name, "19800101 2005"))
	g.Expect(badEnglish.element("nip-galat")).To(Equal("spec.applicant.nip must be exactly 18 digits, without spaces"))
	siti.get("/?lang=id")

	filed := siti.post("/permohonan", theForm(form.csrf(), name, "198001012005012001"))
	g.Expect(filed.status).To(Equal(http.StatusOK), filed.body)
	g.Expect(filed.url.Path).To(Equal("/permohonan/" + name))
	g.Expect(filed.text()).To(ContainSubstring("Permohonan " + name + " sudah diajukan."))
	sdr := getRequest(t, name)
	g.Expect(sdr.Annotations).To(HaveKeyWithValue(hostingv1.RequestedByAnnotation, "oidc:siti"))
	g.Expect(sdr.Spec.Applicant.NIP).To(Equal("198001012005012001"))
	waitPhase(t, name, hostingv1.PhasePendingKepalaDinas)

	// The Kepala Bidang tries first: nothing waits for him yet, and the API server
	// refuses his approval out of turn, which he reads in plain Indonesian.
	agus := login(t, "agus")
	queue := agus.get("/pejabat")
	g.Expect(queue.text()).To(ContainSubstring("Tidak ada permohonan yang menunggu Anda."))
	page := agus.get("/permohonan/" + name)
	g.Expect(page.text()).To(ContainSubstring("Permohonan ini sekarang menunggu Kepala Dinas."))
	early := agus.post("/permohonan/"+name+"/setujui", url.Values{"csrf": {page.csrf()}, "peran": {string(hostingv1.RoleKepalaBidangInformatika)}})
	g.Expect(early.status).To(Equal(http.StatusForbidden))
	g.Expect(early.element("penolakan")).To(Equal("Keputusan tidak dicatat Belum giliran Kepala Bidang Informatika: urutan SOP adalah " +
		"Kepala Dinas, lalu Kepala Bidang Informatika, lalu Kepala Seksi TI dan Persandian, dan Kepala Dinas belum menyetujui."))
	g.Expect(early.text()).NotTo(ContainSubstring("ValidatingAdmissionPolicy"))
	g.Expect(getRequest(t, name).Annotations).NotTo(HaveKey(hostingv1.ApprovalAnnotation(hostingv1.RoleKepalaBidangInformatika)))

	// The three officials approve in order, each from their queue.
	budi := login(t, "budi")
	queue = budi.get("/pejabat")
	g.Expect(queue.text()).To(ContainSubstring("Permohonan yang menunggu peran Anda (Kepala Dinas)"))
	g.Expect(queue.body).To(ContainSubstring(`<a href="/permohonan/` + name + `">`))
	g.Expect(queue.text()).To(ContainSubstring("10 menit"), "the Kepala Dinas's time standard")
	for _, step := range []struct {
		who  *browser
		role hostingv1.Role
		next hostingv1.Phase
	}{
		{budi, hostingv1.RoleKepalaDinas, hostingv1.PhasePendingKepalaBidang},
		{agus, hostingv1.RoleKepalaBidangInformatika, hostingv1.PhasePendingKepalaSeksi},
		{login(t, "dewi"), hostingv1.RoleKepalaSeksiTIPersandian, hostingv1.PhaseApproved},
	} {
		done := approveAs(step.who, name, step.role)
		g.Expect(done.status).To(Equal(http.StatusOK), done.body)
		g.Expect(done.text()).To(ContainSubstring(fmt.Sprintf("Persetujuan Anda sebagai %s sudah dicatat atas nama oidc:%s.",
			roleTitle(step.role), step.who.user)))
		sdr := waitPhase(t, name, step.next)
		// The annotation carries the official's own name as the API server knows it,
		// written as the plugin writes it: a merge patch by one field manager per role.
		g.Expect(sdr.Annotations).To(HaveKeyWithValue(hostingv1.ApprovalAnnotation(step.role), "oidc:"+step.who.user))
		if step.role == hostingv1.RoleKepalaDinas {
			// Another Kepala Dinas, too late: the decision is made, and it stays budi's.
			rina := login(t, "rina")
			stale := rina.get("/permohonan/" + name)
			g.Expect(stale.body).NotTo(ContainSubstring(`name="peran" value="kepala-dinas"`), "no form for a decided step")
			late := rina.post("/permohonan/"+name+"/setujui", url.Values{"csrf": {stale.csrf()}, "peran": {"kepala-dinas"}})
			g.Expect(late.status).To(Equal(http.StatusForbidden))
			g.Expect(late.element("penolakan")).To(Equal("Keputusan tidak dicatat Keputusan Kepala Dinas atas permohonan ini " +
				"sudah diberikan (oleh oidc:budi) dan tidak dapat diubah atau dihapus."))
			// budi sending his form twice is no error: his approval is on record.
			again := approveAs(budi, name, step.role)
			g.Expect(again.status).To(Equal(http.StatusOK))
			g.Expect(again.text()).To(ContainSubstring("Persetujuan Anda sebagai Kepala Dinas sudah dicatat atas nama oidc:budi."))
			g.Expect(getRequest(t, name).Annotations).To(HaveKeyWithValue(hostingv1.ApprovalAnnotation(step.role), "oidc:budi"))
		}
		managers := []string{}
		for _, mf := range sdr.ManagedFields {
			managers = append(managers, mf.Manager)
		}
		g.Expect(managers).To(ContainElement("subdomain-portal-" + string(step.role)))
	}

	// The applicant follows the request: her list and its timeline.
	// Her unit's requests filed by someone else (here through GitOps, by the
	// administrator) are hers to follow too; another unit's are not.
	colleague := formOf(theForm("", name+"-rekan", "198001012005012001")).request()
	other := formOf(theForm("", name+"-lain", "198001012005012001")).request()
	other.Spec.Applicant.Group = "opd:dishub"
	for _, sdr := range []*hostingv1.SubdomainRequest{colleague, other} {
		g.Expect(admin.Create(ctx, sdr)).To(Succeed())
	}
	mine := siti.get("/permohonan")
	g.Expect(mine.body).To(ContainSubstring(`<a href="/permohonan/` + name + `">`))
	g.Expect(mine.body).To(ContainSubstring(`<a href="/permohonan/` + name + `-rekan">`))
	g.Expect(mine.body).NotTo(ContainSubstring(`<a href="/permohonan/` + name + `-lain">`))
	g.Expect(mine.text()).To(ContainSubstring("Permohonan yang diajukan oleh oidc:siti atau atas nama unit Anda (opd:dinkes)."))
	timeline := siti.get("/permohonan/" + name)
	text := timeline.text()
	for _, want := range []string{"Pengajuan", "Disposisi Kepala Dinas Selesai Kepala Dinas oidc:budi",
		"Tanda tangan Kepala Bidang Selesai Kepala Bidang Informatika oidc:agus",
		"Pemeriksaan Kepala Seksi Selesai Kepala Seksi TI dan Persandian oidc:dewi", "10 menit", "Disetujui"} {
		g.Expect(text).To(ContainSubstring(want))
	}
	g.Expect(timeline.body).NotTo(ContainSubstring(`action="/permohonan/`+name+`/setujui"`), "the applicant gets no decision form")

	// The auditor: the register and its CSV, as kubectl subdomain register -o csv.
	ratna := login(t, "ratna")
	reg := ratna.get("/register?unit=kesehatan")
	g.Expect(reg.status).To(Equal(http.StatusOK))
	g.Expect(reg.text()).To(ContainSubstring(name + " 555/123/20.01/2026 tanggal 2026-11-20 Dinas Kesehatan Kabupaten Kudus " + name + " oidc:siti"))
	download := ratna.get("/register.csv?unit=kesehatan&hasil=Approved")
	g.Expect(download.status).To(Equal(http.StatusOK))
	g.Expect(download.header.Get("Content-Type")).To(Equal("text/csv; charset=utf-8"))
	g.Expect(download.header.Get("Content-Disposition")).To(ContainSubstring("attachment"))
	rows, err := csv.NewReader(strings.NewReader(download.body)).ReadAll()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rows[0]).To(Equal([]string{"name", "letterNumber", "letterDate", "unit", "contact", "subdomain", "requestedBy", "created",
		"kepalaDinas", "kepalaDinasDecidedAt", "kepalaBidang", "kepalaBidangDecidedAt", "kepalaSeksi", "kepalaSeksiDecidedAt",
		"provisionedAt", "result", "url"}))
	var row []string
	for _, r := range rows[1:] {
		if r[0] == name {
			row = r
		}
	}
	g.Expect(row).NotTo(BeNil(), "the request's row in %s", download.body)
	g.Expect(row[1:9]).To(Equal([]string{"555/123/20.01/2026", "2026-11-20", "Dinas Kesehatan Kabupaten Kudus",
		"Siti Aminah <dinkes@kuduskab.go.id>", name, "oidc:siti", getRequest(t, name).CreationTimestamp.UTC().Format(time.RFC3339), "oidc:budi"}))
	g.Expect([]string{row[10], row[12], row[15]}).To(Equal([]string{"oidc:agus", "oidc:dewi", "Approved"}))
	g.Expect(row[9]).NotTo(BeEmpty(), "when the Kepala Dinas decided")
	// The filters keep other units and results out.
	for _, q := range []string{"unit=Pendidikan", "hasil=Rejected", "sampai=2020-01-01"} {
		other := ratna.get("/register.csv?" + q)
		g.Expect(other.body).NotTo(ContainSubstring(name+","), q)
	}
}

// queueRow is a row of the official's queue: its overdue cell (and whether it is
// marked late) and the request it links to.
var queueRow = regexp.MustCompile(`<tr><td( class="late")?>([^<]*)</td><td><a href="/permohonan/([^"]+)">`)

// The official's queue puts the overdue first, then the nearest deadline, whatever
// the requests' age, and says by how much each is late against the time standard.
func TestOfficialQueueOverdueFirst(t *testing.T) {
	g := NewWithT(t)
	siti, budi, agus := login(t, "siti"), login(t, "budi"), login(t, "agus")
	form := siti.get("/permohonan/baru")
	// The older request reaches the Kepala Bidang later: the Kepala Dinas approves
	// the newer one first. (The portal lists requests oldest first.)
	const older, newer = "portal-antrean-a", "portal-antrean-b"
	for _, name := range []string{older, newer} {
		g.Expect(siti.post("/permohonan", theForm(form.csrf(), name, "198001012005012001")).status).To(Equal(http.StatusOK))
		waitPhase(t, name, hostingv1.PhasePendingKepalaDinas)
	}
	deadline := func(sdr *hostingv1.SubdomainRequest) time.Time {
		for _, st := range sdr.Status.Steps {
			if st.State == hostingv1.StepStateWaiting && st.Deadline != nil {
				return st.Deadline.Time
			}
		}
		t.Fatalf("%s has no waiting step with a deadline: %+v", sdr.Name, sdr.Status.Steps)
		return time.Time{}
	}
	g.Expect(approveAs(budi, newer, hostingv1.RoleKepalaDinas).status).To(Equal(http.StatusOK))
	dFirst := deadline(waitPhase(t, newer, hostingv1.PhasePendingKepalaBidang))
	// The second approval in a later second, so that its deadline (kept to the
	// second) is later.
	g.Eventually(time.Now).WithTimeout(3 * time.Second).Should(BeTemporally(">=", dFirst.Add(-10*time.Minute+time.Second)))
	g.Expect(approveAs(budi, older, hostingv1.RoleKepalaDinas).status).To(Equal(http.StatusOK))
	dSecond := deadline(waitPhase(t, older, hostingv1.PhasePendingKepalaBidang))
	g.Expect(dSecond).To(BeTemporally(">", dFirst))

	// order reads the two requests' rows of the Kepala Bidang's queue at the instant.
	order := func(at time.Time) [][2]string {
		clockAt.Store(at.UnixNano())
		defer clockAt.Store(0)
		q := agus.get("/pejabat")
		g.Expect(q.status).To(Equal(http.StatusOK), q.body)
		g.Expect(q.text()).To(ContainSubstring("Batas waktu"))
		var rows [][2]string
		for _, m := range queueRow.FindAllStringSubmatch(q.body, -1) {
			if m[3] == older || m[3] == newer {
				g.Expect(m[1] != "").To(Equal(strings.HasPrefix(m[2], "ya")), "the late class on an overdue row: %q", m[0])
				rows = append(rows, [2]string{m[3], m[2]})
			}
		}
		return rows
	}
	// Before either deadline: the nearest deadline first.
	g.Expect(order(dFirst.Add(-time.Minute))).To(Equal([][2]string{{newer, "tidak"}, {older, "tidak"}}))
	// Between the two deadlines: the overdue one first, and by how much.
	between := dFirst.Add(dSecond.Sub(dFirst) / 2)
	g.Expect(order(between)).To(Equal([][2]string{{newer, "ya, lewat " + durationID(between.Sub(dFirst))}, {older, "tidak"}}))
	// Both overdue: the longer overdue first.
	at := dSecond.Add(2 * time.Minute)
	g.Expect(order(at)).To(Equal([][2]string{{newer, "ya, lewat " + durationID(at.Sub(dFirst))}, {older, "ya, lewat 2 menit"}}))
}

// durationID is a duration as the portal writes it in Bahasa Indonesia.
func durationID(d time.Duration) string { return indonesian.durationText(d) }

// A name already requested sends the later request back to its applicant; she sees
// why and renames it, and a malformed new name gets the field's message.
func TestReturnedAndRenamed(t *testing.T) {
	g := NewWithT(t)
	siti := login(t, "siti")
	form := siti.get("/permohonan/baru")
	first := siti.post("/permohonan", theForm(form.csrf(), "portal-dishub", "198001012005012001"))
	g.Expect(first.url.Path).To(Equal("/permohonan/portal-dishub"))
	waitPhase(t, "portal-dishub", hostingv1.PhasePendingKepalaDinas)

	// The same subdomain again: filed under a generated name, then returned.
	second := siti.post("/permohonan", theForm(form.csrf(), "portal-dishub", "198001012005012001"))
	g.Expect(second.status).To(Equal(http.StatusOK), second.body)
	name := strings.TrimPrefix(second.url.Path, "/permohonan/")
	g.Expect(name).To(HavePrefix("portal-dishub-"))
	waitPhase(t, name, hostingv1.PhaseReturnedToApplicant)
	page := siti.get("/permohonan/" + name)
	g.Expect(page.text()).To(ContainSubstring("Dikembalikan kepada pemohon: "))
	g.Expect(page.text()).To(ContainSubstring("portal-dishub"), "the reason names where the name is used")
	g.Expect(page.body).To(ContainSubstring(`<label for="subdomain">`))

	bad := siti.post("/permohonan/"+name+"/ganti-nama", url.Values{"csrf": {page.csrf()}, "subdomain": {"Dishub2"}})
	g.Expect(bad.status).To(Equal(http.StatusUnprocessableEntity))
	g.Expect(bad.element("subdomain-galat")).To(Equal(`Subdomain harus huruf kecil: tulis "dishub2", bukan "Dishub2".`))
	g.Expect(bad.tag("subdomain")).To(ContainSubstring(`aria-describedby="subdomain-galat"`))

	good := siti.post("/permohonan/"+name+"/ganti-nama", url.Values{"csrf": {page.csrf()}, "subdomain": {"portal-dishub-baru"}})
	g.Expect(good.status).To(Equal(http.StatusOK), good.body)
	g.Expect(good.text()).To(ContainSubstring("Nama subdomain sudah diganti"))
	g.Expect(getRequest(t, name).Spec.Subdomain).To(Equal("portal-dishub-baru"))
	waitPhase(t, name, hostingv1.PhasePendingKepalaDinas)
}

// The portal is no way around the API server, nor around another user's session.
func TestSecurity(t *testing.T) {
	g := NewWithT(t)
	siti := login(t, "siti")
	budi := login(t, "budi")
	form := siti.get("/permohonan/baru")
	const name = "portal-keamanan"

	// The headers of every page.
	h := form.header
	g.Expect(h.Get("Content-Security-Policy")).To(SatisfyAll(ContainSubstring("default-src 'self'"),
		ContainSubstring("frame-ancestors 'none'"), ContainSubstring("script-src 'none'")))
	g.Expect(h.Get("X-Content-Type-Options")).To(Equal("nosniff"))
	g.Expect(h.Get("Referrer-Policy")).To(Equal("no-referrer"))
	g.Expect(form.body).NotTo(ContainSubstring("<script"))
	// The session cookie.
	var sessionCookie string
	for _, c := range siti.setCookies {
		if strings.HasPrefix(c, "portal-session=") && !strings.HasPrefix(c, "portal-session=;") {
			sessionCookie = c
		}
	}
	g.Expect(sessionCookie).To(SatisfyAll(ContainSubstring("HttpOnly"), ContainSubstring("SameSite=Lax"), ContainSubstring("Path=/")))

	// A form without the CSRF token, and with another user's.
	noToken := theForm("", name, "198001012005012001")
	noToken.Del("csrf")
	for what, values := range map[string]url.Values{
		"no CSRF token":        noToken,
		"budi's CSRF token":    theForm(budi.get("/").csrf(), name, "198001012005012001"),
		"a made-up CSRF token": theForm("made-up", name, "198001012005012001"),
	} {
		refused := siti.post("/permohonan", values)
		g.Expect(refused.status).To(Equal(http.StatusForbidden), what)
		g.Expect(refused.element("pesan")).To(Equal("Permintaan ditolak: formulir ini tidak berasal dari sesi Anda atau sudah kedaluwarsa. "+
			"Buka kembali halamannya, lalu kirim ulang."), what)
	}
	g.Expect(admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{})).NotTo(Succeed(), "nothing was filed")
	// Without any session a form post is refused, and a page asks to log in.
	stranger := newBrowser(t)
	g.Expect(stranger.post("/permohonan", theForm("x", name, "198001012005012001")).status).To(Equal(http.StatusForbidden))
	g.Expect(stranger.get("/pejabat").url.String()).To(HavePrefix(provider.Issuer + oidctest.LoginPath + "?"))

	filed := siti.post("/permohonan", theForm(form.csrf(), name, "198001012005012001"))
	g.Expect(filed.status).To(Equal(http.StatusOK), filed.body)
	waitPhase(t, name, hostingv1.PhasePendingKepalaDinas)

	// An approval posted by users without the role: the applicant (the approval
	// chain refuses: not her role) and the auditor (RBAC refuses: no patch at all).
	page := siti.get("/permohonan/" + name)
	g.Expect(page.body).NotTo(ContainSubstring("/setujui"), "no decision form for the applicant")
	byApplicant := siti.post("/permohonan/"+name+"/setujui", url.Values{"csrf": {page.csrf()}, "peran": {"kepala-dinas"}})
	g.Expect(byApplicant.status).To(Equal(http.StatusForbidden))
	g.Expect(byApplicant.element("penolakan")).To(Equal("Keputusan tidak dicatat Anda (oidc:siti) tidak memegang peran Kepala Dinas, " +
		"jadi tidak dapat memutuskan sebagai Kepala Dinas. Jika seharusnya Anda, mintalah tim platform menambahkan akun Anda ke grup " +
		"yang terhubung dengan ClusterRole subdomain-kepala-dinas."))
	ratna := login(t, "ratna")
	auditorPage := ratna.get("/permohonan/" + name)
	byAuditor := ratna.post("/permohonan/"+name+"/setujui", url.Values{"csrf": {auditorPage.csrf()}, "peran": {"kepala-dinas"}})
	g.Expect(byAuditor.status).To(Equal(http.StatusForbidden))
	g.Expect(byAuditor.element("penolakan")).To(ContainSubstring("Anda (oidc:ratna) tidak berhak mengubah permohonan"))
	// A rejection without a reason is not even sent.
	noReason := budi.post("/permohonan/"+name+"/tolak", url.Values{"csrf": {budi.get("/").csrf()}, "peran": {"kepala-dinas"}, "alasan": {"  "}})
	g.Expect(noReason.status).To(Equal(http.StatusUnprocessableEntity))
	g.Expect(noReason.element("alasan-kepala-dinas-galat")).To(Equal("Penolakan wajib disertai alasan."))
	ann := getRequest(t, name).Annotations
	for _, r := range hostingv1.Roles {
		g.Expect(ann).NotTo(HaveKey(hostingv1.ApprovalAnnotation(r)))
		g.Expect(ann).NotTo(HaveKey(hostingv1.RejectionAnnotation(r)))
	}

	// budi rejects with a reason, under his own name.
	rejected := budi.post("/permohonan/"+name+"/tolak", url.Values{"csrf": {budi.get("/").csrf()}, "peran": {"kepala-dinas"},
		"alasan": {"Surat permohonan belum ditandatangani"}})
	g.Expect(rejected.status).To(Equal(http.StatusOK), rejected.body)
	g.Expect(getRequest(t, name).Annotations).To(SatisfyAll(
		HaveKeyWithValue(hostingv1.RejectionAnnotation(hostingv1.RoleKepalaDinas), "oidc:budi"),
		HaveKeyWithValue(hostingv1.RejectionReasonAnnotation, "Surat permohonan belum ditandatangani")))

	// Logging out ends the session: its CSRF token and cookie are worth nothing after.
	home := siti.get("/")
	g.Expect(siti.post("/keluar", url.Values{"csrf": {home.csrf()}}).text()).To(ContainSubstring("Masuk dengan akun"))
	g.Expect(siti.post("/permohonan", theForm(home.csrf(), "portal-lagi", "")).status).To(Equal(http.StatusForbidden))

	// No token was ever logged.
	g.Expect(logs.String()).NotTo(ContainSubstring("eyJ"))
	g.Expect(logs.String()).To(ContainSubstring("user=oidc:budi"))
}

// The login: PKCE S256, a state bound to the browser, and a session that ends with
// the ID token.
func TestLogin(t *testing.T) {
	g := NewWithT(t)
	b := newBrowser(t)
	b.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	start := b.get("/masuk?next=/pejabat")
	g.Expect(start.status).To(Equal(http.StatusFound))
	loc, err := url.Parse(start.header.Get("Location"))
	g.Expect(err).NotTo(HaveOccurred())
	q := loc.Query()
	g.Expect(q.Get("code_challenge_method")).To(Equal("S256"))
	g.Expect(q.Get("code_challenge")).To(HaveLen(43))
	g.Expect(q.Get("state")).NotTo(BeEmpty())
	g.Expect(q.Get("nonce")).NotTo(BeEmpty())
	g.Expect(q.Get("client_id")).To(Equal(clientID))

	// A callback with another state (a login started elsewhere) is refused.
	forged := b.get("/auth/callback?code=anything&state=" + url.QueryEscape(q.Get("state")+"x"))
	g.Expect(forged.status).To(Equal(http.StatusBadRequest))
	g.Expect(forged.element("pesan")).To(HavePrefix("Proses masuk tidak dapat diselesaikan"))
	// And the state cannot be used again from another browser.
	other := newBrowser(t)
	g.Expect(other.get("/auth/callback?code=anything&state=" + url.QueryEscape(q.Get("state"))).status).To(Equal(http.StatusBadRequest))

	// The session lasts as long as the ID token (an hour at the provider).
	dewi := login(t, "dewi")
	g.Expect(dewi.get("/pejabat").status).To(Equal(http.StatusOK))
	clockOffset.Store(int64(61 * time.Minute))
	defer clockOffset.Store(0)
	expired := dewi.get("/pejabat")
	g.Expect(expired.url.String()).To(HavePrefix(provider.Issuer+oidctest.LoginPath+"?"), "sent to log in again")

	// English on request, kept in a cookie.
	en := newBrowser(t)
	g.Expect(en.get("/?lang=en").text()).To(ContainSubstring("Log in with your Kudus Regency account"))
	g.Expect(en.get("/").text()).To(ContainSubstring("Log in with your Kudus Regency account"))
}

package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/oidctest"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// portalClientID is the portal's client at the provider, and the audience the API
// server's JWT authenticator expects.
const portalClientID = "subdomain-portal"

// portalPeople log in at the OpenID Connect provider the API server trusts (their user
// names there are oidc:<name>; their groups are the groups claim as written here):
// an applicant of the Dinas Kesehatan, the three officials of Diskominfo and an
// auditor. They have no kubeconfig: what they do, they do in the browser.
var portalPeople = oidctest.CastUsers()

// portalBindings bind the ClusterRoles of config/officials/roles.yaml to their groups
// (the officials' and the auditors' are also in example-bindings.yaml; the unit's
// group is the portal's own applicant).
var portalBindings = oidctest.CastBindings()

// startPortal starts the built cmd/portal on portalURL: plain HTTP on 127.0.0.1
// (--cookie-secure=false), the provider's issuer and CA, and of the admin's kubeconfig
// only the API server's address and CA (the portal ignores its credentials). It
// returns once the portal answers and the API server takes the provider's tokens.
func startPortal(bin string) *harness.Process {
	caFile := filepath.Join(workDir, "oidc-ca.pem")
	ExpectWithOffset(1, os.WriteFile(caFile, provider.CAPEM, 0o600)).To(Succeed())
	p, err := harness.Start(workDir, "portal", bin, []string{
		"--listen=" + strings.TrimPrefix(portalURL, "http://"), "--issuer-url=" + provider.Issuer, "--issuer-ca-file=" + caFile,
		"--client-id=" + portalClientID, "--redirect-url=" + portalURL + "/auth/callback",
		"--kubeconfig=" + kubeconfigs["admin"], "--cookie-secure=false"})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	ExpectWithOffset(1, harness.WaitFor(ctx, p, 30*time.Second, "the portal", func() error {
		resp, err := http.Get(portalURL + "/healthz")
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /healthz: %s", resp.Status)
		}
		return nil
	})).To(Succeed())

	// The JWT authenticator fetches the provider's keys in the background.
	token, err := provider.Login(ctx, portalClientID, portalURL+"/auth/callback", "siti", "siti-rahasia")
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	cs, err := kubernetes.NewForConfig(env.TokenConfig(token))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	EventuallyWithOffset(1, func() error {
		_, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		return err
	}).WithTimeout(30*time.Second).Should(Succeed(), "the API server takes the provider's ID tokens")
	return p
}

// chromiumPath is Debian's chromium (hack/install-test-tools.sh installs it).
const chromiumPath = "/usr/bin/chromium"

// screenshotDir keeps a full-page screenshot of every page the browser test visits,
// for review: bin/ is ignored by git.
func screenshotDir() string {
	return filepath.Join(testenv.RepoRoot(), "bin", "test-output", "portal-screenshots")
}

// servingKeyHash is the base64 SHA-256 of the public key of the certificate the
// provider serves, checked against the provider's CA: the form chromium's
// --ignore-certificate-errors-spki-list takes. (The provider presents only its own
// certificate, not the CA's, so it is this key that chromium can match.)
func servingKeyHash(issuer string, caPEM []byte) string {
	pool := x509.NewCertPool()
	ExpectWithOffset(1, pool.AppendCertsFromPEM(caPEM)).To(BeTrue(), "the provider's CA is PEM")
	conn, err := tls.Dial("tcp", strings.TrimPrefix(issuer, "https://"), &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "the provider's certificate is of its CA")
	defer func() { _ = conn.Close() }()
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// visitor is one person in the browser: a browser context of their own (their own
// cookies, like a separate browser profile) with one tab.
type visitor struct {
	user, password string
	ctx            context.Context
	cancel         context.CancelFunc
	// shots numbers the screenshots across all visitors, in the order taken.
	shots *atomic.Int32
}

// pageTimeout bounds one step in the browser (a page load, a query).
const pageTimeout = time.Minute

func (v *visitor) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(v.ctx, pageTimeout)
}

// do runs browser steps that return nothing.
func (v *visitor) do(steps ...chromedp.Action[chromedp.Void]) {
	c, cancel := v.step()
	defer cancel()
	ExpectWithOffset(1, chromedp.Do(c, steps...)).To(Succeed(), "in %s's browser", v.user)
}

// open loads a page of the portal and returns its HTTP status.
func (v *visitor) open(path string) int64 {
	c, cancel := v.step()
	defer cancel()
	resp, err := chromedp.Run(c, chromedp.NavigateResponse(portalURL+path))
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s opens %s", v.user, path)
	return resp.Status
}

// click clicks what the CSS selector finds, waits for the page it leads to and
// returns that page's HTTP status (after redirects).
func (v *visitor) click(selector string) int64 {
	c, cancel := v.step()
	defer cancel()
	resp, err := chromedp.RunResponse(c, chromedp.Click(chromedp.CSS(selector)))
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s clicks %s", v.user, selector)
	return resp.Status
}

// text is the visible text of the first element the CSS selector finds, its
// white space collapsed as a reader sees it.
func (v *visitor) text(selector string) string {
	c, cancel := v.step()
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(selector)))
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s reads %s", v.user, selector)
	return strings.Join(strings.Fields(s), " ")
}

// lines are the visible lines of the element's text (for a table: one a row), each
// with its white space collapsed.
func (v *visitor) lines(selector string) []string {
	c, cancel := v.step()
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(selector)))
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%s reads %s", v.user, selector)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// count is how many elements the CSS selector finds now (without waiting for one).
func (v *visitor) count(selector string) int {
	c, cancel := v.step()
	defer cancel()
	nodes, err := chromedp.Run(c, chromedp.Nodes(chromedp.CSS(selector), chromedp.AtLeast(0)))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return len(nodes)
}

func (v *visitor) attribute(selector, name string) string {
	c, cancel := v.step()
	defer cancel()
	a, err := chromedp.Run(c, chromedp.AttributeValue(chromedp.CSS(selector), name))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return a.Value
}

func (v *visitor) value(selector string) string {
	c, cancel := v.step()
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Value(chromedp.CSS(selector)))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return s
}

func (v *visitor) location() string {
	c, cancel := v.step()
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Location())
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return s
}

// accessibilityProblems is evaluated in the page (DevTools evaluation, which the
// portal's script-src 'none' does not stop) and lists what a reader would stumble on:
// text whose contrast with its background is under WCAG 2's AA (4.5:1, 3:1 for large
// text), a form control without a label, a page without its language, and a page
// wider than the screen (a table may scroll within its own box, the page may not).
const accessibilityProblems = `(() => {
  const problems = [];
  const rgba = (s) => {
    const m = s.match(/rgba?\(([^)]*)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const cs = getComputedStyle(el), box = el.getBoundingClientRect();
    if (cs.visibility === 'hidden' || box.width === 0 || box.height === 0 || box.right <= 0) continue;
    const fg = rgba(cs.color), bg = background(el);
    const l1 = luminance(fg), l2 = luminance(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(cs.fontSize), large = size >= 24 || (parseInt(cs.fontWeight, 10) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push('contrast ' + ratio.toFixed(2) + ':1 of "' + node.textContent.trim().slice(0, 40) + '" (' + cs.color + ' on rgb(' + bg.slice(0, 3).join(', ') + '))');
    }
  }
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
      problems.push('no label for ' + el.outerHTML.slice(0, 80));
    }
  }
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push('the page is ' + document.documentElement.scrollWidth + ' px wide on a ' + window.innerWidth + ' px screen');
  }
  return problems;
})()`

// accessible checks, on the portal's own pages, what accessibilityProblems checks.
func (v *visitor) accessible(label string) {
	if !strings.HasPrefix(v.location(), portalURL) {
		return // the provider's login form, an attacker's page
	}
	c, cancel := v.step()
	defer cancel()
	problems, err := chromedp.Run(c, chromedp.Evaluate[[]string](accessibilityProblems))
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	ExpectWithOffset(2, problems).To(BeEmpty(), "on %s's page %s (%s)", v.user, label, v.location())
}

// focus is the element that has the keyboard's focus, as a reader sees it.
type focus struct {
	ID, Text string
	// Outline is the focus ring (style and width).
	Outline  string
	OnScreen bool
}

func (v *visitor) focused() focus {
	c, cancel := v.step()
	defer cancel()
	f, err := chromedp.Run(c, chromedp.Evaluate[focus](`(() => {
  const e = document.activeElement, cs = getComputedStyle(e), b = e.getBoundingClientRect();
  return {ID: e.id, Text: e.matches('input, select, textarea') ? '' : e.textContent.trim(),
    Outline: cs.outlineStyle + ' ' + cs.outlineWidth,
    OnScreen: b.width > 0 && b.left >= 0 && b.right <= window.innerWidth && b.top >= 0 && b.bottom <= window.innerHeight};
})()`))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return f
}

// shot writes a full-page screenshot of what the visitor sees now, after checking
// that a reader can read it (accessible).
func (v *visitor) shot(label string) {
	v.accessible(label)
	c, cancel := v.step()
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100)) // 100: PNG
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	file := filepath.Join(screenshotDir(), fmt.Sprintf("%02d-%s-%s.png", v.shots.Add(1), v.user, label))
	ExpectWithOffset(1, os.WriteFile(file, png, 0o644)).To(Succeed())
}

// phoneShot is shot on a phone's viewport (390×844 CSS pixels, mobile).
func (v *visitor) phoneShot(label string) {
	v.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	v.shot(label)
	v.do(chromedp.ResetViewport())
}

// login logs the visitor in as a person does: the portal's "Masuk" button, the
// provider's login form typed in and sent, and back at the portal's home page.
func (v *visitor) login() {
	ExpectWithOffset(1, v.open("/")).To(BeEquivalentTo(http.StatusOK))
	ExpectWithOffset(1, v.text("main")).To(ContainSubstring("Masuk dengan akun Pemerintah Kabupaten Kudus"))
	v.shot("beranda-tamu")
	ExpectWithOffset(1, v.click(`main a.button[href="/masuk"]`)).To(BeEquivalentTo(http.StatusOK))
	ExpectWithOffset(1, v.location()).To(HavePrefix(provider.Issuer+oidctest.LoginPath+"?"), "the provider's login form")
	v.do(chromedp.SendKeys(chromedp.ID("username"), v.user), chromedp.SendKeys(chromedp.ID("password"), v.password))
	v.shot("masuk-penyedia-oidc")
	ExpectWithOffset(1, v.click(`button[type="submit"]`)).To(BeEquivalentTo(http.StatusOK))
	ExpectWithOffset(1, v.location()).To(Equal(portalURL + "/"))
	ExpectWithOffset(1, v.text("main")).To(ContainSubstring("(nama pengguna di server API: oidc:" + v.user + ")."))
	v.shot("beranda")
}

// fillRequestForm types the SOP's form as the applicant does.
func (v *visitor) fillRequestForm(subdomain, nip string) {
	ExpectWithOffset(1, v.click(`nav a[href="/permohonan/baru"]`)).To(BeEquivalentTo(http.StatusOK))
	for _, f := range [][2]string{
		{"unit", "Dinas Kesehatan Kabupaten Kudus"}, {"contactName", "Siti Aminah"}, {"position", "Kepala Subbagian Umum dan Kepegawaian"},
		{"nip", nip}, {"email", "dinkes@kuduskab.go.id"}, {"phone", "+62291438713"}, {"letterNumber", "555/123/20.01/2026"},
		{"purpose", "Informasi layanan kesehatan bagi masyarakat Kabupaten Kudus"}, {"subdomain", subdomain},
	} {
		v.do(chromedp.SendKeys(chromedp.ID(f[0]), f[1]))
	}
	// A date input takes its value in its own widget; set as the widget would.
	v.do(chromedp.SetValue(chromedp.ID("letterDate"), "2026-11-20"))
	ExpectWithOffset(1, v.value("#group")).To(Equal("opd:dinkes"), "the unit's group is chosen from the user's own groups")
}

const sendRequestButton = `main form[action="/permohonan"] button[type="submit"]`

// wantPhase waits until the operator has put the request in the phase.
func wantPhase(name string, phase hostingv1.Phase) {
	EventuallyWithOffset(1, phaseOf(name)).Should(Equal(phase), "phase of %s", name)
}

// csrfRefusal is what the portal shows for a form that does not carry the CSRF
// token of the session the browser sends.
const csrfRefusal = "Permintaan ditolak: formulir ini tidak berasal dari sesi Anda atau sudah kedaluwarsa. Buka kembali halamannya, lalu kirim ulang."

var _ = Describe("The portal in a real browser (chromium)", Ordered, func() {
	const (
		// name is the request filed through the procedure.
		name = "layanan-dinkes"
		// attacked is a request that forged and out-of-role decisions are aimed at.
		attacked = "portal-serangan"
	)
	var (
		browserCtx context.Context
		shots      atomic.Int32
		visitors   = map[string]*visitor{}
	)

	// person is the visitor for a user, in a browser context of their own.
	person := func(user string) *visitor {
		if v, ok := visitors[user]; ok {
			return v
		}
		v := &visitor{user: user, shots: &shots}
		for _, p := range portalPeople {
			if p.Name == user {
				v.password = p.Password
			}
		}
		v.ctx, v.cancel = chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
		// The first run opens the tab; it binds the tab's life to v.ctx, so it has no timeout.
		Expect(chromedp.Do(v.ctx)).To(Succeed())
		visitors[user] = v
		return v
	}

	BeforeAll(func() {
		if _, err := os.Stat(chromiumPath); err != nil {
			Fail(chromiumPath + " is missing: run 'make test-tools' (hack/install-test-tools.sh installs Debian's chromium)")
		}
		Expect(os.RemoveAll(screenshotDir())).To(Succeed())
		Expect(os.MkdirAll(screenshotDir(), 0o755)).To(Succeed())
		AddReportEntry("portal screenshots", screenshotDir())
		GinkgoWriter.Println("portal screenshots in", screenshotDir())

		allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
			chromedp.ExecPath(chromiumPath),
			chromedp.Flag("headless", true),
			chromedp.Flag("no-sandbox", true), // as root in a container
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("no-first-run", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			// The provider serves HTTPS with a certificate of a CA made for this run,
			// which chromium cannot be told to trust by a flag (it reads the system's
			// NSS store). Rather than --ignore-certificate-errors for every site, the
			// browser accepts, besides what it trusts anyway, only the provider's own
			// certificate, pinned by its key (honoured with a --user-data-dir).
			chromedp.Flag("ignore-certificate-errors-spki-list", servingKeyHash(provider.Issuer, provider.CAPEM)),
			chromedp.UserDataDir(GinkgoT().TempDir()),
			chromedp.WindowSize(1280, 900),
		)
		DeferCleanup(cancelAlloc)
		var cancelBrowser context.CancelFunc
		browserCtx, cancelBrowser = chromedp.NewContext(allocCtx)
		DeferCleanup(cancelBrowser)
		Expect(chromedp.Do(browserCtx)).To(Succeed(), "starting chromium")
		// Each person's browser context is closed before the browser.
		DeferCleanup(func() {
			for _, v := range visitors {
				v.cancel()
			}
		})
	})

	It("takes the applicant, the three officials and the auditor through the procedure", func() {
		By("the applicant logs in at the provider and files the form, a malformed NIP first")
		siti := person("siti")
		siti.login()

		By("a keyboard user: the first Tab shows the skip link, which leads to the form; focus is always visible")
		Expect(siti.open("/permohonan/baru")).To(BeEquivalentTo(http.StatusOK))
		siti.do(chromedp.KeyEvent(kb.Tab))
		Expect(siti.focused()).To(Equal(focus{Text: "Langsung ke isi", Outline: "solid 3px", OnScreen: true}))
		siti.shot("fokus-lompat-ke-isi")
		siti.do(chromedp.KeyEvent(kb.Enter))
		Expect(siti.location()).To(HaveSuffix("/permohonan/baru#isi"))
		siti.do(chromedp.KeyEvent(kb.Tab))
		Expect(siti.focused()).To(Equal(focus{ID: "unit", Outline: "solid 3px", OnScreen: true}), "the form's first field")
		siti.shot("fokus-isian-pertama")

		siti.fillRequestForm(name, "19800101 2005")
		siti.shot("formulir-terisi")
		Expect(siti.click(sendRequestButton)).To(BeEquivalentTo(http.StatusUnprocessableEntity))
		Expect(siti.text("#nip-galat")).To(Equal("NIP harus tepat 18 angka, tanpa spasi."))
		// Beside the field: in the field's own box, right above its input, which is
		// marked invalid, described by the message, and keeps what was typed.
		Expect(siti.count(`div.field.invalid > label[for="nip"] ~ p#nip-galat + input#nip`)).To(Equal(1))
		Expect(siti.attribute("#nip", "aria-invalid")).To(Equal("true"))
		Expect(siti.attribute("#nip", "aria-describedby")).To(Equal("nip-galat nip-petunjuk"))
		Expect(siti.value("#nip")).To(Equal("19800101 2005"))
		Expect(siti.value("#unit")).To(Equal("Dinas Kesehatan Kabupaten Kudus"))
		Expect(siti.text("#ringkasan")).To(Equal("Server API menolak permohonan ini. Perbaiki isian berikut: NIP: NIP harus tepat 18 angka, tanpa spasi."))
		// And the browser shows it: the message is laid out directly above the input.
		c, cancel := siti.step()
		msgBox, err := chromedp.Run(c, chromedp.Dimensions(chromedp.CSS("#nip-galat")))
		Expect(err).NotTo(HaveOccurred())
		inputBox, err := chromedp.Run(c, chromedp.Dimensions(chromedp.CSS("#nip")))
		Expect(err).NotTo(HaveOccurred())
		cancel()
		msgBottom, inputTop := msgBox.Border[5], inputBox.Border[1]
		Expect(msgBox.Height).To(BeNumerically(">", 0), "the message is displayed")
		Expect(inputTop-msgBottom).To(BeNumerically("~", 0, 32), "the message sits right above the NIP input")
		siti.shot("formulir-nip-salah")
		siti.phoneShot("formulir-nip-salah-ponsel")
		err = admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "nothing was filed: %v", err)

		siti.do(chromedp.Clear(chromedp.ID("nip")), chromedp.SendKeys(chromedp.ID("nip"), "198001012005012001"))
		Expect(siti.click(sendRequestButton)).To(BeEquivalentTo(http.StatusOK))
		Expect(siti.location()).To(Equal(portalURL + "/permohonan/" + name + "?ok=filed"))
		Expect(siti.text("p.flash")).To(Equal("Permohonan " + name + " sudah diajukan. Sekarang menunggu Kepala Dinas."))
		siti.shot("permohonan-diajukan")
		Expect(getSDR(name).Annotations).To(HaveKeyWithValue(hostingv1.RequestedByAnnotation, "oidc:siti"))
		Expect(getSDR(name).Spec.Applicant.NIP).To(Equal("198001012005012001"))
		wantPhase(name, hostingv1.PhasePendingKepalaDinas)

		By("the Kepala Bidang tries first and reads why not")
		agus := person("agus")
		agus.login()
		Expect(agus.click(`nav a[href="/pejabat"]`)).To(BeEquivalentTo(http.StatusOK))
		Expect(agus.text("main")).To(ContainSubstring("Tidak ada permohonan yang menunggu Anda."))
		agus.shot("antrean-kosong")
		Expect(agus.open("/permohonan/" + name)).To(BeEquivalentTo(http.StatusOK))
		Expect(agus.text("section.decide p.notice")).To(Equal(
			"Permohonan ini sekarang menunggu Kepala Dinas. Server API hanya menerima keputusan sesuai urutan SOP."))
		agus.shot("permohonan-belum-giliran")
		Expect(agus.click(`form[action="/permohonan/` + name + `/setujui"] button`)).To(BeEquivalentTo(http.StatusForbidden))
		Expect(agus.text("#penolakan")).To(Equal("Keputusan tidak dicatat Belum giliran Kepala Bidang Informatika: urutan SOP adalah " +
			"Kepala Dinas, lalu Kepala Bidang Informatika, lalu Kepala Seksi TI dan Persandian, dan Kepala Dinas belum menyetujui."))
		agus.shot("ditolak-belum-giliran")
		Expect(getSDR(name).Annotations).NotTo(HaveKey(hostingv1.ApprovalAnnotation(hostingv1.RoleKepalaBidangInformatika)))

		By("the three officials log in and approve in the SOP's order, each from their queue")
		for _, step := range []struct {
			user  string
			role  hostingv1.Role
			title string
			next  hostingv1.Phase
		}{
			{"budi", hostingv1.RoleKepalaDinas, "Kepala Dinas", hostingv1.PhasePendingKepalaBidang},
			{"agus", hostingv1.RoleKepalaBidangInformatika, "Kepala Bidang Informatika", hostingv1.PhasePendingKepalaSeksi},
			{"dewi", hostingv1.RoleKepalaSeksiTIPersandian, "Kepala Seksi TI dan Persandian", hostingv1.PhaseApproved},
		} {
			v := person(step.user)
			if step.user != "agus" {
				v.login()
			}
			Expect(v.click(`nav a[href="/pejabat"]`)).To(BeEquivalentTo(http.StatusOK))
			Expect(v.text("main")).To(ContainSubstring("Permohonan yang menunggu peran Anda (" + step.title + "), yang terlambat di atas."))
			v.shot("antrean")
			if step.user == "budi" {
				v.phoneShot("antrean-ponsel")
			}
			Expect(v.click(`main a[href="/permohonan/` + name + `"]`)).To(BeEquivalentTo(http.StatusOK))
			v.shot("permohonan")
			Expect(v.click(`form[action="/permohonan/` + name + `/setujui"] button`)).To(BeEquivalentTo(http.StatusOK))
			Expect(v.text("p.flash")).To(Equal(fmt.Sprintf("Persetujuan Anda sebagai %s sudah dicatat atas nama oidc:%s.", step.title, step.user)))
			v.shot("disetujui")
			Expect(getSDR(name).Annotations).To(HaveKeyWithValue(hostingv1.ApprovalAnnotation(step.role), "oidc:"+step.user))
			if step.next != hostingv1.PhaseApproved {
				wantPhase(name, step.next)
			}
		}

		By("the applicant follows the timeline until the site is live")
		Expect(siti.click(`nav a[href="/permohonan"]`)).To(BeEquivalentTo(http.StatusOK))
		siti.shot("permohonan-saya")
		Expect(siti.click(`main a[href="/permohonan/` + name + `"]`)).To(BeEquivalentTo(http.StatusOK))
		Eventually(func() (string, error) {
			c, cancel := siti.step()
			defer cancel()
			if err := chromedp.Do(c, chromedp.Reload()); err != nil {
				return "", err
			}
			return chromedp.Run(c, chromedp.Text(chromedp.CSS("p.phase")))
		}).WithTimeout(3 * time.Minute).WithPolling(time.Second).Should(HavePrefix("Posisi: Situs aktif"))
		Expect(siti.text("main dl")).To(ContainSubstring("Alamat situs https://" + name + "." + zone))
		rows := siti.lines("#riwayat + div.table tbody")
		GinkgoWriter.Println("timeline:\n" + strings.Join(rows, "\n"))
		Expect(rows).To(ContainElements(
			HavePrefix("Pengajuan Selesai"),
			HavePrefix("Disposisi Kepala Dinas Selesai Kepala Dinas oidc:budi"),
			HavePrefix("Tanda tangan Kepala Bidang Selesai Kepala Bidang Informatika oidc:agus"),
			HavePrefix("Pemeriksaan Kepala Seksi Selesai Kepala Seksi TI dan Persandian oidc:dewi"),
			HavePrefix("Pembuatan subdomain dan hosting Selesai operator (pelaksana teknis)"),
		))
		Expect(strings.Join(rows, "\n")).To(ContainSubstring("10 menit"), "the officials' time standard")
		Expect(siti.lines("main ul")).To(ContainElement(HavePrefix("Ready: True")), "the site's Ready condition")
		Expect(siti.count(`form[action="/permohonan/`+name+`/setujui"]`)).To(BeZero(), "the applicant gets no decision form")
		siti.shot("riwayat-situs-aktif")
		siti.phoneShot("riwayat-situs-aktif-ponsel")

		By("the auditor filters the register and downloads the CSV")
		ratna := person("ratna")
		ratna.login()
		Expect(ratna.click(`nav a[href="/register"]`)).To(BeEquivalentTo(http.StatusOK))
		ratna.do(chromedp.SendKeys(chromedp.ID("unit"), "Kesehatan"), chromedp.SetValue(chromedp.ID("hasil"), "Ready"))
		Expect(ratna.click(`form.filter button[type="submit"]`)).To(BeEquivalentTo(http.StatusOK))
		filtered, err := url.Parse(ratna.location())
		Expect(err).NotTo(HaveOccurred())
		Expect(filtered.Path).To(Equal("/register"))
		Expect(filtered.Query()).To(SatisfyAll(HaveKeyWithValue("unit", []string{"Kesehatan"}), HaveKeyWithValue("hasil", []string{"Ready"})))
		Expect(ratna.lines("main table tbody")).To(ConsistOf(HavePrefix(name + " 555/123/20.01/2026 tanggal 2026-11-20 Dinas Kesehatan Kabupaten Kudus " +
			name + " oidc:siti")))
		ratna.shot("register")
		ratna.phoneShot("register-ponsel")

		downloads := GinkgoT().TempDir()
		c, cancel = ratna.step()
		defer cancel()
		_, err = chromedp.CallBrowser(c, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: chromedp.FromContext(ratna.ctx).BrowserContextID,
			DownloadPath: downloads, EventsEnabled: new(true)})
		Expect(err).NotTo(HaveOccurred())
		begun := chromedp.BrowserEvents(c, browser.DownloadWillBegin)
		progress := chromedp.BrowserEvents(c, browser.DownloadProgress)
		Expect(chromedp.Do(c, chromedp.Click(chromedp.CSS(`main a[href^="/register.csv"]`)))).To(Succeed())
		var guid string
		for ev, err := range begun {
			Expect(err).NotTo(HaveOccurred(), "waiting for the download to begin")
			GinkgoWriter.Println("register page:", filtered, "download:", ev.URL)
			csvURL, err := url.Parse(ev.URL)
			Expect(err).NotTo(HaveOccurred())
			Expect(csvURL.Path).To(Equal("/register.csv"))
			Expect(csvURL.Query()).To(Equal(filtered.Query()), "the CSV has the register's filters")
			Expect(ev.SuggestedFilename).To(HaveSuffix(".csv"))
			guid = ev.GUID
			break
		}
		for ev, err := range progress {
			Expect(err).NotTo(HaveOccurred(), "waiting for the download to complete")
			if ev.GUID == guid && ev.State != browser.DownloadProgressStateInProgress {
				Expect(ev.State).To(Equal(browser.DownloadProgressStateCompleted))
				break
			}
		}
		data, err := os.ReadFile(filepath.Join(downloads, guid))
		Expect(err).NotTo(HaveOccurred())
		records, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
		Expect(err).NotTo(HaveOccurred(), string(data))
		Expect(records).To(HaveLen(2), "the header and the one request the filter keeps: %s", data)
		Expect(records[0]).To(Equal([]string{"name", "letterNumber", "letterDate", "unit", "contact", "subdomain", "requestedBy", "created",
			"kepalaDinas", "kepalaDinasDecidedAt", "kepalaBidang", "kepalaBidangDecidedAt", "kepalaSeksi", "kepalaSeksiDecidedAt",
			"provisionedAt", "result", "url"}))
		row := records[1]
		sdr := getSDR(name)
		Expect(row[:9]).To(Equal([]string{name, "555/123/20.01/2026", "2026-11-20", "Dinas Kesehatan Kabupaten Kudus",
			"Siti Aminah <dinkes@kuduskab.go.id>", name, "oidc:siti", sdr.CreationTimestamp.UTC().Format(time.RFC3339), "oidc:budi"}))
		Expect([]string{row[10], row[12], row[15], row[16]}).To(Equal([]string{"oidc:agus", "oidc:dewi", "Ready", "https://" + name + "." + zone}))
		for _, i := range []int{9, 11, 13, 14} {
			Expect(row[i]).To(MatchRegexp(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`), "column %s", records[0][i])
		}
	})

	It("refuses a forged cross-site form, another session's CSRF token and an approval by an official without the role", func() {
		siti, budi, agus := person("siti"), person("budi"), person("agus")
		By("the applicant files another request")
		siti.fillRequestForm(attacked, "198001012005012001")
		Expect(siti.click(sendRequestButton)).To(BeEquivalentTo(http.StatusOK))
		wantPhase(attacked, hostingv1.PhasePendingKepalaDinas)
		approveURL := portalURL + "/permohonan/" + attacked + "/setujui"

		By("pages elsewhere make the logged-in Kepala Dinas send an approval")
		Expect(budi.open("/permohonan/" + attacked)).To(BeEquivalentTo(http.StatusOK))
		budiToken := budi.attribute(`form[action="/permohonan/`+attacked+`/setujui"] input[name="csrf"]`, "value")
		Expect(budiToken).NotTo(BeEmpty())
		forged := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Hadiah</title></head><body>
<h1>Selamat! Anda mendapat hadiah.</h1>
<form id="tanpa-token" method="post" action="%[1]s"><input type="hidden" name="peran" value="kepala-dinas"><button type="submit">Klaim hadiah</button></form>
<form id="token-bocor" method="post" action="%[1]s"><input type="hidden" name="csrf" value="%[2]s"><input type="hidden" name="peran" value="kepala-dinas"><button type="submit">Klaim hadiah lagi</button></form>
</body></html>`, html.EscapeString(approveURL), html.EscapeString(budiToken))
		}))
		defer forged.Close()
		for _, attack := range []struct{ what, page, form string }{
			// On the portal's own site (127.0.0.1, another port) the browser sends
			// the session cookie along: only the missing CSRF token stops the form.
			{"same site, no CSRF token", forged.URL, "tanpa-token"},
			// From another site (localhost), even with budi's own CSRF token (as if
			// it had leaked), the browser does not send the SameSite=Lax cookie.
			{"other site, budi's token", strings.Replace(forged.URL, "127.0.0.1", "localhost", 1), "token-bocor"},
		} {
			c, cancel := budi.step()
			_, err := chromedp.Run(c, chromedp.NavigateResponse(attack.page))
			cancel()
			Expect(err).NotTo(HaveOccurred())
			budi.shot("halaman-palsu-" + attack.form)
			Expect(budi.click("#"+attack.form+" button")).To(BeEquivalentTo(http.StatusForbidden), attack.what)
			Expect(budi.location()).To(Equal(approveURL))
			Expect(budi.text("#pesan")).To(Equal(csrfRefusal), attack.what)
			budi.shot("ditolak-csrf-" + attack.form)
		}

		By("the Kepala Bidang sends his form with the Kepala Dinas's CSRF token, in his own session")
		Expect(agus.open("/permohonan/" + attacked)).To(BeEquivalentTo(http.StatusOK))
		agusForm := `form[action="/permohonan/` + attacked + `/setujui"]`
		agus.do(chromedp.SetAttributeValue(chromedp.CSS(agusForm+` input[name="csrf"]`), "value", budiToken),
			chromedp.SetAttributeValue(chromedp.CSS(agusForm+` input[name="peran"]`), "value", string(hostingv1.RoleKepalaDinas)))
		Expect(agus.click(agusForm + " button")).To(BeEquivalentTo(http.StatusForbidden))
		Expect(agus.text("#pesan")).To(Equal(csrfRefusal))
		agus.shot("ditolak-csrf-sesi-lain")

		By("the Kepala Bidang, with his own token, approves as Kepala Dinas (the form's role changed)")
		Expect(agus.open("/permohonan/" + attacked)).To(BeEquivalentTo(http.StatusOK))
		agus.do(chromedp.SetAttributeValue(chromedp.CSS(agusForm+` input[name="peran"]`), "value", string(hostingv1.RoleKepalaDinas)))
		Expect(agus.click(agusForm + " button")).To(BeEquivalentTo(http.StatusForbidden))
		Expect(agus.text("#penolakan")).To(Equal("Keputusan tidak dicatat Anda (oidc:agus) tidak memegang peran Kepala Dinas, " +
			"jadi tidak dapat memutuskan sebagai Kepala Dinas. Jika seharusnya Anda, mintalah tim platform menambahkan akun Anda ke grup " +
			"yang terhubung dengan ClusterRole subdomain-kepala-dinas."))
		agus.shot("ditolak-bukan-perannya")
		for _, r := range hostingv1.Roles {
			Expect(getSDR(attacked).Annotations).NotTo(HaveKey(hostingv1.ApprovalAnnotation(r)))
		}

		By("the Kepala Dinas himself rejects it, with a reason")
		Expect(budi.open("/permohonan/" + attacked)).To(BeEquivalentTo(http.StatusOK))
		budi.do(chromedp.SendKeys(chromedp.ID("alasan-kepala-dinas"), "Surat permohonan belum ditandatangani"))
		Expect(budi.click(`form[action="/permohonan/` + attacked + `/tolak"] button`)).To(BeEquivalentTo(http.StatusOK))
		Expect(budi.text("p.flash")).To(Equal("Penolakan Anda sebagai Kepala Dinas sudah dicatat atas nama oidc:budi."))
		budi.shot("ditolak-dengan-alasan")
		wantPhase(attacked, hostingv1.PhaseRejected)
		Expect(siti.open("/permohonan/" + attacked)).To(BeEquivalentTo(http.StatusOK))
		Expect(siti.text("main")).To(ContainSubstring("Ditolak oleh oidc:budi sebagai Kepala Dinas. Alasan: Surat permohonan belum ditandatangani"))
		siti.shot("permohonan-ditolak")
	})

	It("leaves in the API server's audit log every decision under the official's own user name", func() {
		type write struct {
			verb, user, userAgent string
			code                  int32
			name                  string
			annotations           map[string]string
		}
		// writes are the audited writes of the two requests (the log has only
		// SubdomainRequest writes: testenv.AuditPolicy).
		writes := func() []write {
			events, err := testenv.ReadAuditLog(auditLog)
			Expect(err).NotTo(HaveOccurred())
			var out []write
			for _, e := range events {
				if e.ObjectRef == nil || e.ObjectRef.Resource != "subdomainrequests" || e.ObjectRef.Subresource != "" {
					continue
				}
				w := write{verb: e.Verb, user: e.User.Username, userAgent: e.UserAgent, name: e.ObjectRef.Name}
				if e.ResponseStatus != nil {
					w.code = e.ResponseStatus.Code
				}
				if e.RequestObject != nil {
					// An object or a merge patch; other specs also send JSON patches.
					var obj struct {
						Metadata struct {
							Name        string            `json:"name"`
							Annotations map[string]string `json:"annotations"`
						} `json:"metadata"`
					}
					var ops []struct {
						Op, Path string
						Value    any
					}
					if json.Unmarshal(e.RequestObject.Raw, &obj) == nil {
						if w.name == "" {
							w.name = obj.Metadata.Name
						}
						w.annotations = obj.Metadata.Annotations
					} else {
						Expect(json.Unmarshal(e.RequestObject.Raw, &ops)).To(Succeed(), string(e.RequestObject.Raw))
						w.annotations = map[string]string{}
						for _, op := range ops {
							if key, ok := strings.CutPrefix(op.Path, "/metadata/annotations/"); ok && (op.Op == "add" || op.Op == "replace") {
								w.annotations[strings.NewReplacer("~1", "/", "~0", "~").Replace(key)] = fmt.Sprint(op.Value)
							}
						}
					}
				}
				if w.name == name || w.name == attacked {
					out = append(out, w)
				}
			}
			return out
		}
		by := func(user, request string) []write {
			var out []write
			for _, w := range writes() {
				if w.user == user && w.name == request {
					out = append(out, w)
				}
			}
			return out
		}
		decision := func(verb string, code int32, key, value string) types.GomegaMatcher {
			return And(
				WithTransform(func(w write) string { return w.verb }, Equal(verb)),
				WithTransform(func(w write) int32 { return w.code }, Equal(code)),
				WithTransform(func(w write) string { return w.userAgent }, HavePrefix("subdomain-portal")),
				WithTransform(func(w write) map[string]string { return w.annotations }, HaveKeyWithValue(key, value)))
		}
		approval := func(role hostingv1.Role) string { return hostingv1.ApprovalAnnotation(role) }

		// The applicant's create, first refused by the API server itself (the NIP),
		// then made, both under her own name.
		Eventually(func() []write { return by("oidc:siti", name) }).Should(ConsistOf(
			And(WithTransform(func(w write) string { return w.verb }, Equal("create")),
				WithTransform(func(w write) int32 { return w.code }, Equal(int32(http.StatusUnprocessableEntity)))),
			And(WithTransform(func(w write) string { return w.verb }, Equal("create")),
				WithTransform(func(w write) int32 { return w.code }, Equal(int32(http.StatusCreated))),
				WithTransform(func(w write) string { return w.userAgent }, HavePrefix("subdomain-portal"))),
		))
		// Each approval a patch by the official's own user, accepted (200), carrying
		// the annotation with that same name; the Kepala Bidang's early try refused.
		Expect(by("oidc:budi", name)).To(ConsistOf(decision("patch", 200, approval(hostingv1.RoleKepalaDinas), "oidc:budi")))
		Expect(by("oidc:agus", name)).To(ConsistOf(
			decision("patch", 403, approval(hostingv1.RoleKepalaBidangInformatika), "oidc:agus"),
			decision("patch", 200, approval(hostingv1.RoleKepalaBidangInformatika), "oidc:agus")))
		Expect(by("oidc:dewi", name)).To(ConsistOf(decision("patch", 200, approval(hostingv1.RoleKepalaSeksiTIPersandian), "oidc:dewi")))
		// Every accepted write that set an approval of the request (the operator's
		// own patches set none) was sent by that role's official, under the name it set.
		officials := map[hostingv1.Role]string{hostingv1.RoleKepalaDinas: "oidc:budi",
			hostingv1.RoleKepalaBidangInformatika: "oidc:agus", hostingv1.RoleKepalaSeksiTIPersandian: "oidc:dewi"}
		approvals := 0
		for _, w := range writes() {
			for role, official := range officials {
				if v, ok := w.annotations[approval(role)]; ok && w.name == name && w.code < 300 {
					Expect([]string{w.user, v}).To(Equal([]string{official, official}), "%s's approval", role)
					approvals++
				}
			}
		}
		Expect(approvals).To(Equal(3))

		// The attacked request: the forged posts never reached the API server, so the
		// Kepala Dinas's only write is his rejection; the Kepala Bidang's approval as
		// Kepala Dinas reached it and was refused there.
		Expect(by("oidc:budi", attacked)).To(ConsistOf(And(
			decision("patch", 200, hostingv1.RejectionAnnotation(hostingv1.RoleKepalaDinas), "oidc:budi"),
			WithTransform(func(w write) map[string]string { return w.annotations },
				HaveKeyWithValue(hostingv1.RejectionReasonAnnotation, "Surat permohonan belum ditandatangani")))))
		Expect(by("oidc:agus", attacked)).To(ConsistOf(decision("patch", 403, approval(hostingv1.RoleKepalaDinas), "oidc:agus")))
		Expect(by("oidc:siti", attacked)).To(ConsistOf(And(WithTransform(func(w write) string { return w.verb }, Equal("create")),
			WithTransform(func(w write) int32 { return w.code }, Equal(int32(http.StatusCreated))))))
	})
})

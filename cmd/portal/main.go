// Command portal serves the Bahasa Indonesia web portal of the subdomain procedure
// (package internal/portal): users log in with the regency's OpenID Connect provider
// and every call to the API server is made with their own ID token. The portal's own
// credentials are never used: of a kubeconfig, or of the in-cluster environment, only
// the API server's address and CA are read.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // the portal shows times in Asia/Jakarta, also in an image without zoneinfo

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kudus-diskominfo/subdomain-operator/internal/portal"
)

// inClusterCA is where the Deployment in config/portal mounts the cluster's CA (the
// kube-root-ca.crt ConfigMap): the service account token is not mounted at all.
const inClusterCA = "/etc/portal/kube-ca/ca.crt"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		listen       = flag.String("listen", ":8080", "address to serve HTTP on (TLS is terminated in front of the portal)")
		issuerURL    = flag.String("issuer-url", "", "the OpenID Connect provider's issuer URL (required)")
		issuerCA     = flag.String("issuer-ca-file", "", "PEM file of the CA of the provider's serving certificate; the system's roots when empty")
		clientID     = flag.String("client-id", "", "the portal's client ID at the provider, also the audience the API server's JWT authenticator expects (required)")
		redirectURL  = flag.String("redirect-url", "", "the portal's callback URL as registered at the provider, e.g. https://portal.kuduskab.go.id/auth/callback (required)")
		kubeconfig   = flag.String("kubeconfig", "", "kubeconfig to take the API server's address and CA from (its credentials are ignored); in-cluster when empty")
		apiServer    = flag.String("api-server", "", "the API server's URL (in-cluster: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)")
		apiServerCA  = flag.String("api-server-ca-file", "", "PEM file of the API server's CA (in-cluster: "+inClusterCA+")")
		baseDomain   = flag.String("base-domain", "kuduskab.go.id", "the base domain the subdomains are under")
		lang         = flag.String("lang", "id", "default language of the pages: id (Bahasa Indonesia) or en")
		cookieSecure = flag.Bool("cookie-secure", true, "mark the cookies Secure (set false only for plain-HTTP tests)")
		timeZone     = flag.String("time-zone", "Asia/Jakarta", "time zone in which times are shown")
	)
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))

	if *lang != "id" && *lang != "en" {
		return fmt.Errorf("--lang must be id or en, not %q", *lang)
	}
	loc, err := time.LoadLocation(*timeZone)
	if err != nil {
		return fmt.Errorf("--time-zone: %w", err)
	}
	host, ca, err := apiServerAddress(*kubeconfig, *apiServer, *apiServerCA)
	if err != nil {
		return err
	}
	var issuerPEM []byte
	if *issuerCA != "" {
		if issuerPEM, err = os.ReadFile(*issuerCA); err != nil {
			return fmt.Errorf("--issuer-ca-file: %w", err)
		}
	}
	srv, err := portal.New(portal.Config{
		IssuerURL: *issuerURL, IssuerCA: issuerPEM, ClientID: *clientID, RedirectURL: *redirectURL,
		APIServer: host, APIServerCA: ca, BaseDomain: *baseDomain, Language: *lang, CookieSecure: *cookieSecure,
		Location: loc, Logger: log,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	log.Info("serving the portal", "address", ln.Addr().String(), "apiServer", host, "issuer", *issuerURL)
	errs := make(chan error, 1)
	go func() { errs <- hs.Serve(ln) }()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// apiServerAddress returns the API server's URL and CA: from the flags, from a
// kubeconfig's current context (never its credentials), or in-cluster.
func apiServerAddress(kubeconfig, server, caFile string) (string, []byte, error) {
	var host string
	var ca []byte
	if kubeconfig != "" {
		raw, err := clientcmd.LoadFromFile(kubeconfig)
		if err != nil {
			return "", nil, fmt.Errorf("--kubeconfig: %w", err)
		}
		cfg, err := clientcmd.NewDefaultClientConfig(*raw, &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			return "", nil, fmt.Errorf("--kubeconfig: %w", err)
		}
		host, ca = cfg.Host, cfg.CAData
		if len(ca) == 0 && cfg.CAFile != "" {
			if ca, err = os.ReadFile(cfg.CAFile); err != nil {
				return "", nil, fmt.Errorf("--kubeconfig: the CA file: %w", err)
			}
		}
	}
	if server != "" {
		host = server
	}
	if host == "" {
		h, p := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
		if h == "" || p == "" {
			return "", nil, errors.New("no API server: give --api-server or --kubeconfig, or run in a cluster")
		}
		host = "https://" + net.JoinHostPort(h, p)
		if caFile == "" {
			caFile = inClusterCA
		}
	}
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return "", nil, fmt.Errorf("the API server's CA: %w", err)
		}
		ca = b
	}
	return host, ca, nil
}

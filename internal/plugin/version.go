package plugin

import (
	"encoding/json"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/yaml"
)

// Version is the plugin's version, set when the release is built:
//
//	go build -ldflags "-X github.com/kudus-diskominfo/subdomain-operator/internal/plugin.Version=v1.2.0" ./cmd/kubectl-subdomain
//
// make plugin-dist does so; a plain go build or make build leaves "dev".
var Version = "dev"

// versionTimeout bounds the question to the API server when --request-timeout is not
// given: version answers at once, even when the cluster cannot be reached.
const versionTimeout = 5 * time.Second

// clientVersion is the plugin's own version.
type clientVersion struct {
	Version   string `json:"version"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// versionInfo is what version prints with -o json|yaml.
type versionInfo struct {
	ClientVersion clientVersion `json:"clientVersion"`
	ServerVersion *version.Info `json:"serverVersion,omitempty"`
}

func newVersionCommand(o *options) *cobra.Command {
	var clientOnly bool
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the plugin's version and, when reachable, the API server's",
		Long: `Show the version of this plugin and, when the API server can be reached, the
Kubernetes version of the cluster. When it cannot be reached, the plugin's version is
shown all the same and the reason is written to stderr (the exit code stays 0).`,
		Example: `  kubectl subdomain version
  kubectl subdomain version --client
  kubectl subdomain version -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l := o.lang()
			if output != "" && output != "json" && output != "yaml" {
				return l.errorf("err.output", "json, yaml", output)
			}
			info := versionInfo{ClientVersion: clientVersion{
				Version: Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
			}}
			var serverErr error
			if !clientOnly {
				info.ServerVersion, serverErr = o.serverVersion()
			}
			out := o.streams.Out
			switch output {
			case "json":
				b, err := json.MarshalIndent(info, "", "  ")
				if err != nil {
					return err
				}
				fprintf(out, "%s\n", b)
			case "yaml":
				b, err := yaml.Marshal(info)
				if err != nil {
					return err
				}
				fprintf(out, "%s", b)
			default:
				fprintf(out, "%s\n", l.t("version.client", info.ClientVersion.Version))
				if info.ServerVersion != nil {
					fprintf(out, "%s\n", l.t("version.server", info.ServerVersion.GitVersion))
				}
			}
			if serverErr != nil {
				fprintf(o.streams.ErrOut, "%s\n", l.t("version.unreachable", serverErr))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "show only the plugin's version, without asking the API server")
	cmd.Flags().StringVarP(&output, "output", "o", "", "empty for text, or json or yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// serverVersion asks the API server for its version.
func (o *options) serverVersion() (*version.Info, error) {
	cfg, err := o.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = versionTimeout
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return dc.ServerVersion()
}

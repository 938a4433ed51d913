// Command kubectl-subdomain is the kubectl plugin of the Kudus subdomain operator:
// "kubectl subdomain list|approve|reject|describe|register|check|version|completion".
// Put it on the PATH (or install it with krew: plugin/krew, make plugin-dist) and
// kubectl finds it; kubectl_complete-subdomain beside it gives kubectl the plugin's
// completion. All the logic is in internal/plugin.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kudus-diskominfo/subdomain-operator/internal/plugin"
)

func main() {
	os.Exit(plugin.Run(os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}

// Command kubectl-subdomain is the kubectl plugin of the Kudus subdomain operator:
// "kubectl subdomain list|approve|reject|describe|register". Put it on the PATH and
// kubectl finds it. All the logic is in internal/plugin.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kudus-diskominfo/subdomain-operator/internal/plugin"
)

func main() {
	os.Exit(plugin.Run(os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}

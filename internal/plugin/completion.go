package plugin

import (
	"context"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// registerCompletions completes the plugin's own flags and the kubeconfig's contexts,
// clusters and users. The completion command itself is cobra's ("completion bash|zsh|
// fish|powershell"); for "kubectl subdomain <TAB>" kubectl (1.26 and later) runs the
// script kubectl_complete-subdomain shipped beside the plugin.
func registerCompletions(cmd *cobra.Command, o *options) {
	_ = cmd.RegisterFlagCompletionFunc("lang", cobra.FixedCompletions([]string{"en\tEnglish", "id\tBahasa Indonesia"}, cobra.ShellCompDirectiveNoFileComp))
	fromKubeconfig := func(names func() []string) cobra.CompletionFunc {
		return func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
			var out []string
			for _, n := range names() {
				if strings.HasPrefix(n, prefix) {
					out = append(out, n)
				}
			}
			sort.Strings(out)
			return out, cobra.ShellCompDirectiveNoFileComp
		}
	}
	raw := func() (contexts, clusters, users []string) {
		cfg, err := o.flags.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return nil, nil, nil
		}
		for n := range cfg.Contexts {
			contexts = append(contexts, n)
		}
		for n := range cfg.Clusters {
			clusters = append(clusters, n)
		}
		for n := range cfg.AuthInfos {
			users = append(users, n)
		}
		return contexts, clusters, users
	}
	_ = cmd.RegisterFlagCompletionFunc("context", fromKubeconfig(func() []string { c, _, _ := raw(); return c }))
	_ = cmd.RegisterFlagCompletionFunc("cluster", fromKubeconfig(func() []string { _, c, _ := raw(); return c }))
	_ = cmd.RegisterFlagCompletionFunc("user", fromKubeconfig(func() []string { _, _, u := raw(); return u }))
}

// completeRequestNames completes a request's name from the API server; with
// pendingOnly, only the requests that wait for one of the officials.
func completeRequestNames(o *options, pendingOnly bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, err := o.session()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		items, err := s.list(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, it := range items {
			if !strings.HasPrefix(it.Name, prefix) {
				continue
			}
			if pendingOnly && !waitsForOfficial(it.Status.WaitingFor) {
				continue
			}
			out = append(out, it.Name+"\t"+it.Spec.Applicant.Unit)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// waitsForOfficial is true when status.waitingFor names one of the officials' roles.
func waitsForOfficial(waitingFor string) bool {
	for _, r := range hostingv1.Roles {
		if waitingFor == string(r) {
			return true
		}
	}
	return false
}

package plugin

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
)

// outputFlags are -o/--output of list and describe, as kubectl get has them: empty for
// the plugin's own table or description, "wide" for the same with more columns, or
// any format of cli-runtime's printers (json, yaml, kyaml, name, jsonpath=...,
// go-template=..., with --template, --show-managed-fields, ...). json and yaml print
// the objects exactly as the API server sent them, a list as kubectl's v1 List.
type outputFlags struct {
	print *genericclioptions.PrintFlags
}

func newOutputFlags() *outputFlags {
	return &outputFlags{print: genericclioptions.NewPrintFlags("")}
}

// addFlags binds -o/--output and the printers' own flags to cmd.
func (f *outputFlags) addFlags(cmd *cobra.Command) {
	f.print.JSONYamlPrintFlags.AddFlags(cmd)
	f.print.NamePrintFlags.AddFlags(cmd)
	f.print.TemplatePrinterFlags.AddFlags(cmd)
	cmd.Flags().StringVarP(f.print.OutputFormat, "output", "o", "",
		"output format: empty for the table, or one of: "+strings.Join(f.formats(), ", "))
	f.print.OutputFlagSpecified = func() bool { return cmd.Flags().Changed("output") }
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return f.formats(), cobra.ShellCompDirectiveNoFileComp
	})
}

// formats are the values -o takes besides empty.
func (f *outputFlags) formats() []string {
	return append([]string{"wide"}, f.print.AllowedFormats()...)
}

// human is true for the plugin's own text: no -o (and no --template), or -o wide.
func (f *outputFlags) human() bool {
	format := *f.print.OutputFormat
	template := f.print.TemplatePrinterFlags.TemplateArgument
	return format == "wide" || (format == "" && (template == nil || *template == ""))
}

func (f *outputFlags) wide() bool { return *f.print.OutputFormat == "wide" }

// printer is the cli-runtime printer for a format other than the plugin's own text.
func (f *outputFlags) printer(l language) (printers.ResourcePrinter, error) {
	p, err := f.print.ToPrinter()
	if genericclioptions.IsNoCompatiblePrinterError(err) {
		return nil, l.errorf("err.output", strings.Join(f.formats(), ", "), *f.print.OutputFormat)
	}
	return p, err
}

// validate refuses an unknown format before anything is asked of the API server.
func (f *outputFlags) validate(l language) error {
	if f.human() {
		return nil
	}
	_, err := f.printer(l)
	return err
}

// printObject prints one object as the API server sent it.
func (f *outputFlags) printObject(l language, obj runtime.Object, out io.Writer) error {
	p, err := f.printer(l)
	if err != nil {
		return err
	}
	return p.PrintObj(obj, out)
}

// asList is what kubectl get prints for several objects: a v1 List of them.
func asList(items []unstructured.Unstructured) *unstructured.UnstructuredList {
	return &unstructured.UnstructuredList{
		Object: map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}},
		Items:  items,
	}
}

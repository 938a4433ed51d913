{{/*
Object names are those config/default gives (kustomize's namePrefix subdomain-operator-),
so that the README, the metrics Service's name and the operator's identity
(system:serviceaccount:<namespace>:subdomain-operator-controller-manager) are the same
whichever way the operator was installed. One release per cluster: the CRD, the
admission policies and the ClusterRoles are cluster-wide.
*/}}
{{- define "subdomain-operator.name" -}}subdomain-operator{{- end }}

{{- define "subdomain-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: subdomain-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* What helm uninstall must leave: the register and what protects it. */}}
{{- define "subdomain-operator.keep" -}}
helm.sh/resource-policy: keep
{{- end }}

{{- define "subdomain-operator.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
The operator's defaults for the fields the admission policies also read
(internal/config.Default); used only when values.config leaves a field out.
*/}}
{{- define "subdomain-operator.configDefaults" -}}
baseDomain: kuduskab.go.id
namespacePrefix: web-
ingressTarget:
  ips: ["203.0.113.10"]
reservedNames: [www, mail, smtp, imap, pop, webmail, ns, ns1, ns2, ns3, helpdesktik, kominfo, diskominfo, api, admin, ftp, vpn, cpanel, autodiscover, localhost]
groupPattern: "^opd:[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
podSecurity: restricted
{{- end }}

{{/*
The operator's configuration file: values.config, with the policy fields' defaults
filled in and grantedHosts.namespace set to the release's namespace (where the
policy settings and the granted-hosts ConfigMaps are). Rendered as YAML.
*/}}
{{- define "subdomain-operator.config" -}}
{{- $c := deepCopy (.Values.config | default dict) -}}
{{- range $k, $v := (include "subdomain-operator.configDefaults" . | fromYaml) }}
{{- if not (hasKey $c $k) }}{{ $_ := set $c $k $v }}{{ end }}
{{- end }}
{{- $gh := deepCopy ($c.grantedHosts | default dict) -}}
{{- if not (hasKey $gh "name") }}{{ $_ := set $gh "name" "granted-hosts" }}{{ end }}
{{- if and (hasKey $gh "namespace") (ne (toString $gh.namespace) .Release.Namespace) }}
{{- fail (printf "config.grantedHosts.namespace is %s, but the policy settings and the granted-hosts ConfigMaps are installed in the release's namespace %s: leave it out" $gh.namespace .Release.Namespace) }}
{{- end }}
{{- $_ := set $gh "namespace" .Release.Namespace -}}
{{- $_ := set $c "grantedHosts" $gh -}}
{{- if and $c.ingressTarget.ips $c.ingressTarget.cname }}
{{- fail "config.ingressTarget takes ips or cname, not both (set the other to null)" }}
{{- end }}
{{- toYaml $c }}
{{- end }}

{{/*
The data of the ConfigMap policy-settings for the configuration above: what
internal/policysettings.Data makes of it (and what `manager --print-policy-settings`
prints).
*/}}
{{- define "subdomain-operator.policySettings" -}}
{{- $c := include "subdomain-operator.config" . | fromYaml -}}
{{- $targets := $c.ingressTarget.ips | default list -}}
{{- if $c.ingressTarget.cname }}{{ $targets = list $c.ingressTarget.cname }}{{ end -}}
baseDomain: {{ $c.baseDomain | toString | trim | lower | trimSuffix "." | quote }}
namespacePrefix: {{ $c.namespacePrefix | toString | quote }}
reservedNames: {{ join " " ($c.reservedNames | default list) | quote }}
legacyNamespaces: {{ join " " ($c.legacyNamespaces | default list) | quote }}
groupPattern: {{ $c.groupPattern | toString | quote }}
dnsTargets: {{ join " " $targets | quote }}
podSecurity: {{ $c.podSecurity | toString | quote }}
grantedHostsName: {{ $c.grantedHosts.name | toString | quote }}
{{- end }}

{{/*
Every object of a file copied from config/ into files/ (make manifests copies them; a
test keeps them identical), in the release's namespace: the namespace
subdomain-operator-system becomes the release's, the host-hijacking binding selects
the granted-hosts ConfigMaps by config.grantedHosts.name, and each object gets the
chart's labels and, with keep, helm.sh/resource-policy: keep.
Arguments: root (the top context), file, keep (bool), and optionally name (a new
metadata.name, for a file of one object).
*/}}
{{- define "subdomain-operator.fromFile" -}}
{{- $root := .root -}}
{{- $keep := .keep -}}
{{- $newName := .name -}}
{{- $gh := (include "subdomain-operator.config" $root | fromYaml).grantedHosts.name -}}
{{- $text := $root.Files.Get .file | replace "subdomain-operator-system" $root.Release.Namespace -}}
{{- if not $text }}{{ fail (printf "%s is missing from the chart: run make manifests" .file) }}{{ end -}}
{{- range $doc := regexSplit "(?m)^---[ \t]*$" $text -1 }}
{{- $obj := fromYaml $doc }}
{{- if $obj.Error }}{{ fail (printf "parsing a document of %s: %s" $.file $obj.Error) }}{{ end }}
{{- if $obj.kind }}
{{- $meta := $obj.metadata }}
{{- if $newName }}{{ $_ := set $meta "name" $newName }}{{ end }}
{{- $_ := set $meta "labels" (merge ($meta.labels | default dict) (include "subdomain-operator.labels" $root | fromYaml)) }}
{{- if $keep }}
{{- $_ := set $meta "annotations" (merge ($meta.annotations | default dict) (include "subdomain-operator.keep" $root | fromYaml)) }}
{{- end }}
{{- $paramRef := dig "spec" "paramRef" dict $obj }}
{{- if hasKey (dig "selector" "matchLabels" dict $paramRef) "hosting.kuduskab.go.id/granted-hosts" }}
{{- $_ := set $paramRef.selector.matchLabels "hosting.kuduskab.go.id/granted-hosts" $gh }}
{{- end }}
---
{{ toYaml $obj }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The portal's labels: the chart's, with the portal's name and component, as
config/portal labels its objects.
*/}}
{{- define "subdomain-operator.portalLabels" -}}
{{- $l := include "subdomain-operator.labels" . | fromYaml -}}
{{- $_ := set $l "app.kubernetes.io/name" "subdomain-portal" -}}
{{- $_ := set $l "app.kubernetes.io/part-of" "subdomain-operator" -}}
{{- $_ := set $l "app.kubernetes.io/component" "portal" -}}
{{- toYaml $l }}
{{- end }}

{{- define "subdomain-operator.portalImage" -}}
{{- $p := .Values.portal.image | default dict -}}
{{ $p.repository | default .Values.image.repository }}:{{ $p.tag | default .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
The portal's base domain: portal.baseDomain, or the operator's (config.baseDomain).
*/}}
{{- define "subdomain-operator.portalBaseDomain" -}}
{{- $c := include "subdomain-operator.config" . | fromYaml -}}
{{- .Values.portal.baseDomain | default $c.baseDomain | toString | trim | lower | trimSuffix "." }}
{{- end }}

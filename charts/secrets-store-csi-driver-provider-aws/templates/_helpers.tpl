{{/*
Chart name, truncated to 63 characters (a Kubernetes name limit).
*/}}
{{- define "provider.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: fullnameOverride, else the release name when it already contains the chart name, else
<release>-<name>; truncated to 63 characters. Same rule as the Go provider's chart, so an upgraded
release keeps its object names.
*/}}
{{- define "provider.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "provider.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object. `app` is also the DaemonSet's selector.
*/}}
{{- define "provider.labels" -}}
helm.sh/chart: {{ include "provider.chart" . }}
app.kubernetes.io/name: {{ include "provider.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app: {{ include "provider.name" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "provider.serviceAccountName" -}}
{{- default (include "provider.fullname" .) .Values.rbac.serviceAccountName }}
{{- end }}

{{/*
The kubelet's pods directory, or "" when the driver writes the files (then the provider needs no
access to it at all).
*/}}
{{- define "provider.kubeletPodsDir" -}}
{{- if not .Values.driverWritesSecrets }}
{{- printf "%s/pods" .Values.kubeletPath }}
{{- end }}
{{- end }}

{{/*
host:port of awsEndpointUrl (default port from the scheme), or "".
*/}}
{{- define "provider.endpointHost" -}}
{{- with .Values.awsEndpointUrl }}
{{- $url := urlParse . }}
{{- if not (has $url.scheme (list "http" "https")) }}
{{- fail (printf "awsEndpointUrl %q: the scheme must be http or https" .) }}
{{- end }}
{{- if regexMatch ":[0-9]+$" $url.host }}
{{- $url.host }}
{{- else }}
{{- printf "%s:%s" $url.host (ternary "443" "80" (eq $url.scheme "https")) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The Deno permission flags of the provider, one per line. This must equal `permissionFlags()` in
src/cli/permissions.ts for the same settings (test/chart checks it): read the socket directory,
the kubelet pods directory (provider-writes mode only) and the service account files (not proto/:
the gRPC codec is hand-written); write the socket directory and the kubelet pods directory; reach the socket, AWS (every
partition, HTTPS), the Pod Identity agent, the Kubernetes API, our own HTTP port and a custom
endpoint; read AWS_* and the Kubernetes service variables only.
*/}}
{{- define "provider.permissionFlags" -}}
{{- $podsDir := include "provider.kubeletPodsDir" . }}
{{- $writable := list .Values.providerVolume }}
{{- if $podsDir }}{{ $writable = append $writable $podsDir }}{{ end }}
{{- $readable := concat $writable (list "/var/run/secrets/kubernetes.io/serviceaccount") }}
{{- $net := list (printf "unix:%s/aws.sock" .Values.providerVolume) "*.amazonaws.com:443" "*.amazonaws.com.cn:443" "*.api.aws:443" "169.254.170.23:80" "[fd00:ec2::23]:80" "kubernetes.default.svc" (printf "[::]:%v" .Values.port) (printf "0.0.0.0:%v" .Values.port) }}
{{- with include "provider.endpointHost" . }}{{ $net = append $net . }}{{ end }}
- --no-prompt
- --allow-read={{ join "," $readable }}
- --allow-write={{ join "," $writable }}
- --allow-net={{ join "," $net }}
- --allow-env=AWS_*,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT,KUBECONFIG
- --ignore-env
- --allow-sys=osRelease,homedir,uid
- --v8-flags=--max-old-space-size={{ .Values.maxHeapSizeMb }},--max-semi-space-size=2,--expose-gc
{{- end }}

{{/*
Provider flags: the Go provider's, then ours.
*/}}
{{- define "provider.args" -}}
- --provider-volume={{ .Values.providerVolume }}
{{- if .Values.driverWritesSecrets }}
- --driver-writes-secrets=true
{{- else if ne .Values.kubeletPath "/var/lib/kubelet" }}
{{- /* The provider writes only below the kubelet's pods directory. */}}
- --kubelet-pods-dir={{ .Values.kubeletPath }}/pods
{{- end }}
{{- with .Values.k8sThrottlingParams }}
{{- if .qps }}
- --qps={{ .qps }}
{{- end }}
{{- if .burst }}
- --burst={{ .burst }}
{{- end }}
{{- end }}
{{- with .Values.eksAddonVersion }}
- --eks-addon-version={{ . }}
{{- end }}
{{- with .Values.podIdentityHttpTimeout }}
- --pod-identity-http-timeout={{ . }}
{{- end }}
{{- if ne (toString .Values.port) "8989" }}
{{- /* The provider listens on :8989 unless told otherwise. */}}
- --metrics-addr=:{{ .Values.port }}
{{- end }}
{{- with .Values.logLevel }}
- --log-level={{ . }}
{{- end }}
{{- with .Values.k8sCacheTtl }}
- --k8s-cache-ttl={{ . }}
{{- end }}
{{- with .Values.mountConcurrency }}
- --mount-concurrency={{ . }}
{{- end }}
{{- if not .Values.batchGetSecretValue }}
- --batch-get-secret-value=false
{{- end }}
{{- with .Values.extraArgs }}
{{ toYaml . }}
{{- end }}
{{- end }}

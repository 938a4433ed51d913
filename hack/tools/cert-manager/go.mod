// The pinned cert-manager whose CRDs (deploy/crds, plain controller-gen output from
// which cert-manager's Helm chart templates its own) internal/testenv installs into
// envtest. Nothing here is built: internal/testenv runs `go mod download -json
// github.com/cert-manager/cert-manager` in this folder, which fetches only this
// module (4 MB) from the module proxy, checked against go.sum. cert-manager is kept
// out of the main module on purpose (its go.mod pulls cloud SDKs). Do not run
// `go mod tidy` here: no package imports cert-manager, so tidy would drop the require.
module github.com/kudus-diskominfo/subdomain-operator/hack/tools/cert-manager

go 1.26.0

require github.com/cert-manager/cert-manager v1.21.2

# The manager image, with the kubectl plugin and the portal beside it (needs a Docker engine):
#   make docker-build IMG=registry.example/subdomain-operator:v0.1.0                 # linux/amd64 and linux/arm64
#   make docker-push  IMG=registry.example/subdomain-operator:v0.1.0
# The build stage runs on the build machine's platform and cross-compiles for the
# target's (TARGETOS/TARGETARCH, set by docker buildx), so no emulation is needed.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH
ARG VERSION=v0.0.0-dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY internal/ internal/
COPY main.go main.go
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags "-s -w" -o /out/manager . && \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X github.com/kudus-diskominfo/subdomain-operator/internal/plugin.Version=$VERSION" \
      -o /out/kubectl-subdomain ./cmd/kubectl-subdomain && \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags "-s -w" -o /out/portal ./cmd/portal

FROM gcr.io/distroless/static:nonroot
# The operator runs /manager; /kubectl-subdomain is the kubectl plugin of the same
# version (copy it out: docker create, docker cp <id>:/kubectl-subdomain .); /portal is
# the web portal, which its own Deployment runs (command: ["/portal"], config/portal
# and the chart's portal.enabled). The portal's templates and static files are
# embedded in it; it carries its time zone data (Asia/Jakarta).
COPY --from=build /out/manager /manager
COPY --from=build /out/kubectl-subdomain /kubectl-subdomain
COPY --from=build /out/portal /portal
USER 65532:65532
ENTRYPOINT ["/manager"]

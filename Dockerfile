# The AWS provider for the Secrets Store CSI driver, on Deno.
#
# Multi-arch: the official Deno image is published for linux/amd64 and linux/arm64 and every
# dependency is plain JavaScript, so one Dockerfile builds both:
#   docker buildx build --platform linux/amd64,linux/arm64 -t <repo>:<tag> .
#
# At run time the provider fetches nothing (--cached-only against the cache baked in below), can
# write only its socket directory and the kubelet's pod volumes, and can reach only AWS, the Pod
# Identity agent and the Kubernetes API (see src/cli/permissions.ts). The root file system can be
# mounted read-only (the chart does): Deno opens its caches read-only when it cannot write them.
FROM denoland/deno:2.9.6

# The module cache, filled at build time and only read afterwards. No update check: it would try
# to reach the network and write into the cache.
ENV DENO_DIR=/deno-dir \
    GLIBC_TUNABLES=glibc.malloc.arena_max=1 \
    DENO_NO_UPDATE_CHECK=1 \
    NO_COLOR=1

# The provider's own configuration: deno.provider.json (the provider's imports only, same
# versions as the development deno.json) becomes the image's deno.json, found from the working
# directory, so keep /app as the workdir. Its lock, deno.provider.lock, holds only the provider's
# npm packages: `deno install` caches every package of the lock it uses, so with the development
# lock the image would also carry the test and e2e tooling (test/chart/image_packages_test.ts
# checks that nothing but the provider's module graph is in it).
WORKDIR /app
COPY deno.provider.json ./deno.json
COPY deno.provider.lock ./
COPY src/ src/

# Every module of the provider's graph and every npm package exactly as deno.provider.lock pins
# them (--frozen fails the build instead of changing the lock). No proto/: the gRPC codec is
# hand-written (src/server/provider_codec.ts), so nothing at run time reads the .proto.
RUN deno install --frozen --entrypoint src/main.ts

# Root, like the Go provider: the socket lives in a hostPath directory and the files are written
# into kubelet-owned pod volumes.
USER root

# Same permission flags as `deno task start` and the chart's defaults (test/chart checks that they
# equal permissionFlags(DEFAULT_PERMISSIONS)). The chart and the installers set the full command
# themselves; this entrypoint serves `docker run` and plain manifests that only give args.
ENTRYPOINT ["deno", "run", "--no-prompt", "--allow-read=/var/run/secrets-store-csi-providers,/var/lib/kubelet/pods,/var/run/secrets/kubernetes.io/serviceaccount", "--allow-write=/var/run/secrets-store-csi-providers,/var/lib/kubelet/pods", "--allow-net=unix:/var/run/secrets-store-csi-providers/aws.sock,*.amazonaws.com:443,*.amazonaws.com.cn:443,*.api.aws:443,169.254.170.23:80,[fd00:ec2::23]:80,kubernetes.default.svc,[::]:8989,0.0.0.0:8989", "--allow-env=AWS_*,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT,KUBECONFIG", "--ignore-env", "--allow-sys=osRelease,homedir,uid", "--v8-flags=--max-old-space-size=160,--max-semi-space-size=2,--expose-gc", "--cached-only", "/app/src/main.ts"]
CMD ["--provider-volume=/var/run/secrets-store-csi-providers"]

# emailauth in a container: built from source, run from slim Debian 12 with only the
# runtime libraries, as a non-root user; `emailauth serve` by default, health-checked on
# /healthz. The Kubernetes example in docs/scaling.md runs `emailauth scan` from it.
#   docker build -t emailauth:0.1.0 .   (podman build / buildah bud: add --format docker,
#                                        or the OCI format drops HEALTHCHECK)
#   docker run -p 8080:8080 emailauth:0.1.0
#   docker run --rm emailauth:0.1.0 ses example.com --tokens T1,T2,T3
# Where no registry is reachable, make the base image locally (docs/install.md):
#   --build-arg BUILD_IMAGE=localhost/debian:bookworm --build-arg RUN_IMAGE=localhost/debian:bookworm
ARG BUILD_IMAGE=debian:bookworm
ARG RUN_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config meson ninja-build python3 \
      libc-ares-dev libknot-dev libssl-dev libjansson-dev libmicrohttpd-dev libidn2-dev \
      libpsl-dev libxml2-dev zlib1g-dev libarchive-dev libgoogle-perftools-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The program only (no man pages, no unit: a container has neither man nor systemd).
RUN meson setup /build --prefix=/usr --buildtype=release -Dman=disabled -Dsystemdunitdir=no \
 && ninja -C /build tools/cli/emailauth \
 && install -D -m 0755 /build/tools/cli/emailauth /out/usr/bin/emailauth

FROM ${RUN_IMAGE}
# The libraries the program links (ldd), the public suffix list, nothing else.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libc-ares2 libknot13 libzscanner4 libssl3 libjansson4 libmicrohttpd12 libidn2-0 \
      libpsl5 publicsuffix libxml2 zlib1g libarchive13 libtcmalloc-minimal4 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin emailauth
COPY --from=build /out/usr/bin/emailauth /usr/bin/emailauth
USER 10001:10001
EXPOSE 8080
# /healthz over bash's /dev/tcp: no HTTP client in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/bin/emailauth"]
CMD ["serve", "--listen", "0.0.0.0:8080"]

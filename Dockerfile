# feedserver: a multi-stage build of the cgo binary (SQLite) into a small Debian image.
#
#   docker build -t feedserver .
#   docker run -v feedserver-data:/data -p 5000:5000 feedserver
#
# The base image names are build arguments so machines without a registry can build
# them locally under these names (scripts/docker-smoke does that with debootstrap).
ARG BUILDER_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# --- build ---------------------------------------------------------------------------
FROM ${BUILDER_IMAGE} AS build
WORKDIR /src
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO for github.com/mattn/go-sqlite3; -trimpath keeps build paths out of the binary.
RUN CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o /out/feedserver ./cmd/feedserver

# --- run -----------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# ca-certificates: for an https FEEDSERVER_PUBLIC_URL's sake and any outbound TLS later.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates \
	&& rm -rf /var/lib/apt/lists/*
# A fixed non-root uid, so a bind-mounted data folder can be chowned to it on the host.
RUN groupadd --system --gid 10001 feedserver \
	&& useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin feedserver \
	&& mkdir -p /data && chown 10001:10001 /data
COPY --from=build /out/feedserver /usr/local/bin/feedserver

ENV FEEDSERVER_DATA=/data \
	FEEDSERVER_LISTEN=0.0.0.0:5000
VOLUME /data
EXPOSE 5000
USER 10001:10001
WORKDIR /data

# Liveness through bash's /dev/tcp (no curl or wget in the image): GET /healthz on the
# port FEEDSERVER_LISTEN names, on loopback whatever host it binds.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
	CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${FEEDSERVER_LISTEN##*:} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/usr/local/bin/feedserver"]

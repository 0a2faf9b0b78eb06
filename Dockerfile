# Attune in a container: a release build on the Rust image, run on a slim Debian as an
# unprivileged user. `docker compose up` (compose.yaml) runs it beside Postgres.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin attune

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/attune --create-home attune
COPY --from=build /src/target/release/attune /usr/local/bin/attune
USER attune
WORKDIR /var/lib/attune
ENV ATTUNE_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["attune"]
CMD ["serve"]

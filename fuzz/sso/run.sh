#!/bin/sh
# Runs the token cache fuzz target for $1 seconds (default 30) on stable Rust (RUSTC_BOOTSTRAP).
# `--fuzz-dir .`: cargo-fuzz otherwise looks for the project at <repo>/fuzz/.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/token_cache
printf '{"accessToken":"a","expiresAt":"2030-01-02T03:04:05UTC","refreshToken":"r","clientId":"c","clientSecret":"s","registrationExpiresAt":"2030-01-01T00:00:00Z","region":"us-east-1","startUrl":"https://x/start"}' > corpus/token_cache/full.json
printf '{"accessToken":"a","expiresAt":"2030-01-02T03:04:05.123+02:00"}' > corpus/token_cache/minimal.json
RUSTC_BOOTSTRAP=1 exec cargo fuzz run --fuzz-dir . token_cache corpus/token_cache -- -max_total_time="${1:-30}" -max_len=4096

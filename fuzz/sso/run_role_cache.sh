#!/bin/sh
# Runs the SSO role-credential cache fuzz target for $1 seconds (default 30) on stable Rust
# (RUSTC_BOOTSTRAP). `--fuzz-dir .`: cargo-fuzz otherwise looks for the project at <repo>/fuzz/.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/role_cache
printf '%s' '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "SECRETSECRET", "SessionToken": "TOKEN", "Expiration": "2030-01-02T03:04:05Z", "AccountId": "123456789012"}}' > corpus/role_cache/cli.json
printf '%s' '{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2030-01-02T03:04:05UTC"}}' > corpus/role_cache/utc.json
RUSTC_BOOTSTRAP=1 exec cargo fuzz run --fuzz-dir . role_cache corpus/role_cache -- -max_total_time="${1:-30}" -max_len=4096

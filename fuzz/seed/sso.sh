#!/usr/bin/env bash
# Seeds the corpora of `sso_token_cache` (~/.aws/sso/cache/<key>.json) and `sso_role_cache` (the
# role-credential cache entry), run by `cargo xtask fuzz` in fuzz/.
set -euo pipefail
mkdir -p corpus/sso_token_cache
printf '{"accessToken":"a","expiresAt":"2030-01-02T03:04:05UTC","refreshToken":"r","clientId":"c","clientSecret":"s","registrationExpiresAt":"2030-01-01T00:00:00Z","region":"us-east-1","startUrl":"https://x/start"}' > corpus/sso_token_cache/full.json
printf '{"accessToken":"a","expiresAt":"2030-01-02T03:04:05.123+02:00"}' > corpus/sso_token_cache/minimal.json
mkdir -p corpus/sso_role_cache
printf '%s' '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "SECRETSECRET", "SessionToken": "TOKEN", "Expiration": "2030-01-02T03:04:05Z", "AccountId": "123456789012"}}' > corpus/sso_role_cache/cli.json
printf '%s' '{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2030-01-02T03:04:05UTC"}}' > corpus/sso_role_cache/utc.json

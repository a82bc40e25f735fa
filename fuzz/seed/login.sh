#!/usr/bin/env bash
# Seeds the corpora of the `aws login` refresh targets (run by `cargo xtask fuzz` in
# fuzz/). The key is the cross-SDK suite's (login-provider-test-cases.json); its PKCS#8 form
# is `openssl pkcs8 -topk8 -nocrypt` of it, its other forms `openssl ec -no_public` and
# `openssl ec -conv_form compressed` (both refused: the public point is missing or compressed).
set -euo pipefail

sec1='MHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49AwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/Iffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ=='
pkcs8='MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+3+7wic8ulB5AslO9Vf6w0POeLy8wMy3cuK76cwGKB+hRANCAAQguQYbus06fGIgmUyCKZjVQ8/x4MwU/QMBjpYaOeA/hu9MCJQJD8h9+63bfv24/44EKbai8akE4lGCuXVGylQ5'
no_public='MDECAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49AwEH'
compressed='MFcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49AwEHoSQDIgADILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4Y='

# PEM with 64-column lines, as openssl writes it.
pem() { printf -- '-----BEGIN %s-----\n%s\n-----END %s-----\n' "$1" "$(printf '%s' "$2" | fold -w 64)" "$1"; }

dir=corpus/login_dpop_key
mkdir -p "$dir"
pem 'EC PRIVATE KEY' "$sec1" > "$dir/sec1.pem"
pem 'PRIVATE KEY' "$pkcs8" > "$dir/pkcs8.pem"
pem 'EC PRIVATE KEY' "$no_public" > "$dir/no-public.pem"
pem 'EC PRIVATE KEY' "$compressed" > "$dir/compressed.pem"
# The bodies alone (the target wraps its input in BEGIN/END lines too).
printf '%s' "$sec1" | fold -w 64 > "$dir/sec1.body"
printf '%s' "$pkcs8" > "$dir/pkcs8.body"
# The DER itself (the target also base64-encodes its input and wraps it).
printf '%s' "$sec1" | base64 -d > "$dir/sec1.der"
printf '%s' "$pkcs8" | base64 -d > "$dir/pkcs8.der"
# Truncations: inside the base64, at the end of the public key, without the END line, DER cut
# inside the public key and inside the private scalar.
head -c 40 "$dir/sec1.pem" > "$dir/sec1-cut-40.pem"
head -c 150 "$dir/sec1.pem" > "$dir/sec1-cut-150.pem"
head -c 226 "$dir/sec1.pem" > "$dir/sec1-cut-226.pem"
printf '%s' "$sec1" | head -c 100 > "$dir/sec1-cut-100.body"
head -c 100 "$dir/sec1.der" > "$dir/sec1-cut-100.der"
head -c 20 "$dir/sec1.der" > "$dir/sec1-cut-20.der"
head -c 130 "$dir/pkcs8.der" > "$dir/pkcs8-cut-130.der"

dir=corpus/login_refresh_answer
mkdir -p "$dir"
printf '%s' '{"accessToken":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T"},"tokenType":"aws_sigv4","expiresIn":900,"refreshToken":"R"}' > "$dir/valid.json"
printf '%s' '{"accessToken": {"accessKeyId": "ASIA\u00e9", "secretAccessKey": "S\n", "sessionToken": "T\ud83d\ude00", "accountId": "999"}, "expiresIn": 900.5, "refreshToken": "R", "idToken": "I", "extra": [null, true]}' > "$dir/escapes.json"
printf '%s' '{"accessToken":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T"},"expiresIn":31622400,"refreshToken":"R"}' > "$dir/a-year.json"
printf '%s' '{"accessToken":{"accessKeyId":"A","secretAccessKey":"S"},"expiresIn":-1,"refreshToken":7}' > "$dir/invalid.json"
# A first byte of 0x80 or more picks the status: 0x86 is 400, 0x88 403, 0x8b 429, 0x8c 500.
printf '\x86%s' '{"error":"TOKEN_EXPIRED","message":"expired"}' > "$dir/400-expired.bin"
printf '\x88%s' '{"__type":"AccessDeniedException","error":"INSUFFICIENT_PERMISSIONS","message":"no"}' > "$dir/403-denied.bin"
printf '\x8b%s' '{"__type":"ThrottlingException","message":"slow down"}' > "$dir/429.bin"
printf '\x8c%s' 'Internal Server Error' > "$dir/500.bin"
# The CLI's messages for the service's refusals (AccessDeniedException and its `error`).
printf '\x88%s' '{"__type":"AccessDeniedException","error":"TOKEN_EXPIRED","message":"expired"}' > "$dir/403-expired.bin"
printf '\x86%s' '{"__type":"AccessDeniedException","error":"USER_CREDENTIALS_CHANGED"}' > "$dir/400-changed.bin"
printf '\x86%s' '{"__type":"com.amazonaws.signin#AccessDeniedException","error":"server_error","error_description":"other"}' > "$dir/400-other.bin"

#!/usr/bin/env bash
# Seeds the corpus with valid and nearly valid credential process documents.
set -euo pipefail
dir=corpus/process_output
mkdir -p "$dir"
printf '%s' '{"Version": 1, "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "SECRETKEYEXAMPLE"}' > "$dir/minimal.json"
printf '%s' '{"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "S3CR3TS3CR3T", "SessionToken": "TOKEN", "Expiration": "2030-01-02T03:04:05Z", "AccountId": "123456789012"}' > "$dir/full.json"
printf '%s' '{"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "S"}' > "$dir/string-version.json"
printf '%s' '{"Version": 1.0, "AccessKeyId": "A", "SecretAccessKey": null, "Expiration": "2030-01-02T03:04:05.123+02:00"}' > "$dir/odd.json"
printf '%s' "helper --profile 'a b' \"c\\\"d\" e\\ f" > "$dir/command-line.txt"

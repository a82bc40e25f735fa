#!/bin/sh
# Fuzzes the credentials reader for SECONDS (default 60) from a small seed corpus written here.
# Needs cargo-fuzz; works on stable through RUSTC_BOOTSTRAP when no nightly is installed.
# `--fuzz-dir .` is required: cargo-fuzz otherwise looks for the project at <repo>/fuzz/.
set -eu
cd "$(dirname "$0")"
seconds="${1:-60}"
mkdir -p corpus/credentials
printf '%s' '{"Code":"Success","LastUpdated":"2021-09-20T21:42:26Z","Type":"AWS-HMAC","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE","Expiration":"2021-09-21T04:16:53Z"}' > corpus/credentials/imds
printf '%s' '{"RoleArn":"arn:aws:iam::123456789012:role/r","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE","AccountId":"123456789012","Expiration":"2009-02-13T23:31:30+00:00"}' > corpus/credentials/container
printf 'web-role\nsecond-role\n' > corpus/credentials/roles
printf '%s' '{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"}' > corpus/credentials/error
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    exec cargo +nightly fuzz run --fuzz-dir . credentials corpus/credentials -- -max_total_time="$seconds"
else
    RUSTC_BOOTSTRAP=1 exec cargo fuzz run --fuzz-dir . credentials corpus/credentials -- -max_total_time="$seconds"
fi

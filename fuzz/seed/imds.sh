#!/usr/bin/env bash
# Seeds the corpus of `imds_credentials` (run by `cargo xtask fuzz` in fuzz/):
# IMDS's credentials document, its role listing, and an error.
set -euo pipefail
mkdir -p corpus/imds_credentials
printf '%s' '{"Code":"Success","LastUpdated":"2021-09-20T21:42:26Z","Type":"AWS-HMAC","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE","Expiration":"2021-09-21T04:16:53Z"}' > corpus/imds_credentials/imds
printf '%s' '{"RoleArn":"arn:aws:iam::123456789012:role/r","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE","AccountId":"123456789012","Expiration":"2009-02-13T23:31:30+00:00"}' > corpus/imds_credentials/container
printf 'web-role\nsecond-role\n' > corpus/imds_credentials/roles
printf '%s' '{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"}' > corpus/imds_credentials/error

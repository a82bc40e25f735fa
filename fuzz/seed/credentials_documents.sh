#!/usr/bin/env bash
# Writes the credentials documents IMDS and the container endpoints answer (and an error, and a
# role listing) into the corpus folder DIR; seed/ecs.sh and seed/imds.sh call it for their target.
set -euo pipefail
dir="$1"
mkdir -p "$dir"
printf '%s' '{"Code":"Success","LastUpdated":"2021-09-20T21:42:26Z","Type":"AWS-HMAC","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE","Expiration":"2021-09-21T04:16:53Z"}' > "$dir/imds"
printf '%s' '{"RoleArn":"arn:aws:iam::123456789012:role/r","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE","AccountId":"123456789012","Expiration":"2009-02-13T23:31:30+00:00"}' > "$dir/container"
printf 'web-role\nsecond-role\n' > "$dir/roles"
printf '%s' '{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"}' > "$dir/error"

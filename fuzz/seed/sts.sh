#!/usr/bin/env bash
# Seeds the corpus with STS responses: success, error, caller identity, and near misses.
set -euo pipefail
dir=corpus/sts_xml
mkdir -p "$dir"
printf '%s' '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>SECRETSECRET</SecretAccessKey><SessionToken>TOKEN</SessionToken><Expiration>2030-01-02T03:04:05Z</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>' > "$dir/assume-role.xml"
printf '%s' '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not &lt;authorized&gt; &#x41;</Message></Error><RequestId>x</RequestId></ErrorResponse>' > "$dir/error.xml"
printf '%s' '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/u</Arn><UserId>AIDA</UserId><Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>' > "$dir/caller.xml"
printf '%s' '<?xml version="1.0"?><a><![CDATA[x]]><b/><!-- c --></a>' > "$dir/misc.xml"
# The role-credential cache (~/.aws/cli/cache/<key>.json) as botocore's JSONFileCache writes it.
dir=corpus/sts_role_cache
mkdir -p "$dir"
printf '%s' '{"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "SECRETSECRET", "SessionToken": "TOKENTOKEN", "Expiration": "2030-01-02T03:04:05UTC", "AccountId": "123456789012"}, "AssumedRoleUser": {"AssumedRoleId": "AROA:s", "Arn": "arn:aws:sts::123456789012:assumed-role/r/s"}, "ResponseMetadata": {"RequestId": "r", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}}' > "$dir/cli.json"
printf '%s' '{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2030-01-02T03:04:05.5+02:00"}}' > "$dir/offset.json"
printf '%s' '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2030-01-02T03:04:05Z"}}' > "$dir/sso.json"

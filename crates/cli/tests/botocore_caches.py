"""Fills a home's caches the way the AWS CLI v2 does, with botocore's own fetchers, for
tests/status.rs.

Reads {"env": {...}, "profiles": [str]} on stdin. For each profile, a botocore session set up as
the CLI sets it up (awscli/customizations/assumerole.py and sso/__init__.py give the assume-role,
web-identity and SSO providers a JSONFileCache in ~/.aws/cli/cache; the SSO token cache is
~/.aws/sso/cache) reads the profile's credentials: botocore writes the role cache entries, and
refreshes (and writes back) an SSO token close to its expiry. Prints one line per profile:
"<profile> ok" or "<profile> error: <message>".
"""

import json
import os
import sys

import botocore.credentials
import botocore.session
import botocore.tokens
from botocore.utils import JSONFileCache


def main():
    case = json.load(sys.stdin)
    os.environ.clear()
    os.environ.update(case['env'])
    aws = os.path.join(os.environ['HOME'], '.aws')
    sso_cache = os.path.join(aws, 'sso', 'cache')
    botocore.credentials.SSOProvider._SSO_TOKEN_CACHE_DIR = sso_cache
    botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR = sso_cache
    cli_cache = os.path.join(aws, 'cli', 'cache')
    for profile in case['profiles']:
        session = botocore.session.Session(profile=profile)
        chain = session.get_component('credential_provider')
        for name in ('assume-role', 'assume-role-with-web-identity', 'sso'):
            chain.get_provider(name).cache = JSONFileCache(cli_cache)
        try:
            session.get_credentials().get_frozen_credentials()
            print(f'{profile} ok')
        except Exception as e:  # reported to the test, which fails on it
            print(f'{profile} error: {e}')


if __name__ == '__main__':
    main()

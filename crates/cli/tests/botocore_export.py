"""What `aws configure export-credentials` (AWS CLI v2) prints, computed with botocore.

Reads a JSON list of cases on stdin, each {"env": {...}, "profile": str|null, "format": str},
runs every case in this one process, and writes a JSON list of results on stdout, each
{"stdout": str, "code": int, "message": str|null, "plain": bool (optional)}.

Per case this does what the CLI does (awscli/clidriver.py, awscli/customizations/configure/
exportcreds.py, read for reference, not copied):
  1. a botocore Session; `--profile` becomes the session's `profile` instance variable;
  2. the `session-initialized` handlers read the scoped config, so a file that cannot be parsed
     exits 255; a named profile that does not exist raises ProfileNotFound, which the CLI v2
     meets again in export-credentials' get_credentials: exit 253 ("plain": written without
     the error code);
  3. export-credentials: the _AWS_CLI_PROFILE_CHAIN recursion check (exit 253), then
     get_credentials(); an exception or no credentials is a ConfigurationError, exit 253;
  4. the credentials printed in the chosen format; botocore fetches deferred credentials (assume
     role, web identity, SSO) and refreshes credentials close to expiry while reading them,
     outside the CLI's try block, so a failure there reaches the CLI's error handlers
     (awscli/errorhandler.py): a ClientError exits 254, NoRegionError 253 (with the handler's
     sentence), anything else 255.

One difference from stock botocore, to match the CLI v2 (whose bundled botocore looks
AWS_PROFILE up before AWS_DEFAULT_PROFILE, the reverse of botocore on PyPI): the `profile`
session variable is overridden with the CLI v2 order.
"""

import csv
import io
import json
import os
import sys
from datetime import datetime

import botocore.credentials
import botocore.exceptions
import botocore.session
import botocore.tokens

CLI_V2_SESSION_VARS = {
    'profile': (None, ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'], None, None),
}

LINE_FORMATS = {
    'env': 'export {0}={1}',
    'env-no-export': '{0}={1}',
    'powershell': '$Env:{0}="{1}"',
    'windows-cmd': 'set {0}={1}',
    'fish': 'set -gx {0} "{1}"',
}

RECURSION_VAR = '_AWS_CLI_PROFILE_CHAIN'
MAX_RECURSION = 4


class ConfigurationError(Exception):
    pass


class ClientFailure(Exception):
    pass


class GeneralError(Exception):
    pass


def render(fmt, access_key, secret_key, token, expiry):
    if fmt == 'process':
        output = {'Version': 1, 'AccessKeyId': access_key, 'SecretAccessKey': secret_key}
        if token is not None:
            output['SessionToken'] = token
        if expiry is not None:
            output['Expiration'] = expiry
        return json.dumps(output, indent=2, separators=(',', ': ')) + '\n'
    line = LINE_FORMATS[fmt]
    text = line.format('AWS_ACCESS_KEY_ID', access_key) + '\n'
    text += line.format('AWS_SECRET_ACCESS_KEY', secret_key) + '\n'
    if token is not None:
        text += line.format('AWS_SESSION_TOKEN', token) + '\n'
    if expiry is not None:
        text += line.format('AWS_CREDENTIAL_EXPIRATION', expiry) + '\n'
    return text


def parse_chain(value):
    return list(csv.reader([value]))[0]


def serialize_chain(profiles):
    out = io.StringIO()
    csv.writer(out).writerow(profiles)
    return out.getvalue().strip()


def export(session, fmt):
    profile = session.get_config_variable('profile')
    if profile is None:
        profile = 'default'
    seen = parse_chain(os.environ.get(RECURSION_VAR, ''))
    if len(seen) >= MAX_RECURSION:
        raise ConfigurationError(
            f"Maximum recursive credential process resolution reached ({MAX_RECURSION}).\n"
            f"Profiles seen: {' -> '.join(seen)}"
        )
    if profile in seen:
        raise ConfigurationError(
            "Credential process resolution detected an infinite loop, "
            f"profile cycle: {' -> '.join(seen + [profile])}\n"
        )
    os.environ[RECURSION_VAR] = serialize_chain(seen + [profile])
    try:
        creds = session.get_credentials()
    except Exception as e:
        raise ConfigurationError(f"Unable to retrieve credentials: {str(e).strip()}\n")
    if creds is None:
        raise ConfigurationError("Unable to retrieve credentials: no credentials found")
    # Outside the CLI's try block: an exception here (refreshed credentials still expired)
    # reaches the general error handler.
    try:
        frozen = creds.get_frozen_credentials()
    except botocore.exceptions.ClientError as e:
        raise ClientFailure(str(e))
    except botocore.exceptions.NoRegionError as e:
        raise ConfigurationError(
            f'{e} You can also configure your region by running "aws configure".'
        )
    except Exception as e:
        raise GeneralError(str(e))
    expiry = getattr(creds, '_expiry_time', None)
    expiry = expiry.isoformat() if isinstance(expiry, datetime) else None
    return render(fmt, frozen.access_key, frozen.secret_key, frozen.token, expiry)


def run_case(case):
    os.environ.clear()
    os.environ.update(case['env'])
    # botocore computes the SSO token cache directory from HOME when it is imported; the CLI
    # starts once per command, so each case's HOME must count, as it does for awscred.
    sso_cache = os.path.expanduser(os.path.join('~', '.aws', 'sso', 'cache'))
    botocore.credentials.SSOProvider._SSO_TOKEN_CACHE_DIR = sso_cache
    botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR = sso_cache
    try:
        session = botocore.session.Session(session_vars=CLI_V2_SESSION_VARS)
        if case.get('profile'):
            session.set_config_variable('profile', case['profile'])
        # The CLI's session-initialized handlers (CLI history) read the scoped config.
        session.get_scoped_config()
    except botocore.exceptions.ProfileNotFound as e:
        # The CLI v2 gets past its session set-up without the profile, and export-credentials
        # meets ProfileNotFound in get_credentials: a ConfigurationError (253), which its error
        # handlers write in the legacy format, without the error code (they cannot read the
        # profile's cli_error_format).
        return {'stdout': '', 'code': 253, 'plain': True,
                'message': f'Unable to retrieve credentials: {str(e).strip()}'}
    except Exception as e:
        return {'stdout': '', 'code': 255, 'message': str(e).strip()}
    try:
        return {'stdout': export(session, case.get('format') or 'process'), 'code': 0,
                'message': None}
    except ConfigurationError as e:
        return {'stdout': '', 'code': 253, 'message': str(e).strip()}
    except ClientFailure as e:
        return {'stdout': '', 'code': 254, 'message': str(e).strip()}
    except GeneralError as e:
        return {'stdout': '', 'code': 255, 'message': str(e).strip()}


def main():
    cases = json.load(sys.stdin)
    saved = dict(os.environ)
    results = [run_case(case) for case in cases]
    os.environ.clear()
    os.environ.update(saved)
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()

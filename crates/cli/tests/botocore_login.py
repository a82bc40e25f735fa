"""What `aws configure export-credentials` (AWS CLI v2) does on an `aws login` profile, one case
at a time, for tests/login_refresh.rs.

Reads one JSON case per line on stdin, {"env": {...}, "profile": str, "format": str,
"token_path": str}, and answers each with one JSON line on stdout:
{"stdout", "code", "message"} as tests/botocore_export.py's `run_case` computes them (this reuses
it: the CLI's session, the recursion guard, get_credentials() then get_frozen_credentials() and
its exit statuses), plus:
  - "account_id": on success, the account id a second botocore session reads afterwards (the CLI
    does not print it; the second session finds the file fresh, so it makes no call);
  - "written_as_cli": whether the token file, before the case ran, was byte for byte what
    Python's json.dumps writes for its contents (the format of the CLI's JSONFileCache), so that
    both programs start from the file the CLI would have left.

One case per line, answered at once, so that the caller runs awscred and botocore on each case
moments apart: the refreshed expiry both write is "now + expiresIn".
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.session  # noqa: E402

from botocore_export import CLI_V2_SESSION_VARS, run_case  # noqa: E402


def account_id(case):
    os.environ.clear()
    os.environ.update(case['env'])
    session = botocore.session.Session(session_vars=CLI_V2_SESSION_VARS)
    session.set_config_variable('profile', case['profile'])
    return session.get_credentials().get_frozen_credentials().account_id


def main():
    saved = dict(os.environ)
    for line in sys.stdin:
        case = json.loads(line)
        with open(case['token_path'], encoding='utf-8') as f:
            text = f.read()
        written_as_cli = json.dumps(json.loads(text)) == text
        result = run_case(case)
        result['written_as_cli'] = written_as_cli
        result['account_id'] = account_id(case) if result['code'] == 0 else None
        os.environ.clear()
        os.environ.update(saved)
        sys.stdout.write(json.dumps(result) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()

"""Loads config/credentials file pairs with botocore, the engine of the AWS CLI, and prints what
it makes of them as JSON, one object per case, in input order.

stdin: a JSON list of {"config": path-or-null, "credentials": path-or-null}.
stdout: a JSON list of {"profiles": {...}, "sso_sessions": {...}, "services": {...}}
        or {"error": "..."} when botocore refuses a file (the CLI then fails).
Values are strings, or objects for nested sub-properties.

With the argument `selection`, stdin is instead a JSON list of environments (name -> value) and
stdout the profile name botocore selects in each (null: none, so `default` implicitly).
"""
import json
import os
import sys

import botocore.exceptions
import botocore.session

MISSING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "does-not-exist")


def load(case):
    session = botocore.session.Session()
    session.set_config_variable("config_file", case.get("config") or MISSING)
    session.set_config_variable("credentials_file", case.get("credentials") or MISSING)
    try:
        full = session.full_config
    except botocore.exceptions.ConfigParseError as e:
        return {"error": str(e)}
    return {
        "profiles": full.get("profiles", {}),
        "sso_sessions": full.get("sso_sessions", {}),
        "services": full.get("services", {}),
    }


def selected(environment):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(environment)
    # The AWS CLI v2 bundles its own botocore, whose table lists AWS_PROFILE first
    # (awscli/botocore/configprovider.py: 'profile': (None, ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'],
    # ...)); botocore on PyPI lists AWS_DEFAULT_PROFILE first. Select as the CLI v2 does.
    cli_v2_order = {"profile": (None, ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"], None, None)}
    return botocore.session.Session(session_vars=cli_v2_order).get_config_variable("profile")


def main():
    cases = json.load(sys.stdin)
    if sys.argv[1:] == ["selection"]:
        json.dump([selected(case) for case in cases], sys.stdout)
    else:
        json.dump([load(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()

"""Records what the AWS CLI v2 writes for `configure sso` and `login --remote`, played on a
pseudo-terminal (tests/pty_drive.py) against the loopback fakes (`cargo run -p awscred-testkit
--example setup_fakes`), into tests/fixtures/setup_cliv2.json for tests/setup_cliv2.rs, which
plays the same steps on awscred and compares the files.

    cargo build -p awscred-testkit --example setup_fakes
    /work/ref/venv-cliv2/bin/python crates/cli/tests/record_setup_fixtures.py /work/ref/venv-cliv2/bin/aws

Token files hold random values (keys, times): they are recorded with every string value
replaced by "...", which keeps what must match, the keys, their order and the JSON spacing.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
FAKES = os.path.join(ROOT, "target", "debug", "examples", "setup_fakes")

DOWN = "\x1b[B"

SSO_STEPS = [
    {"expect": "SSO session name (Recommended):"}, {"send": "corp\r"},
    # A start URL without a scheme is refused with the CLI's message; it is erased (backspace
    # does nothing on the fresh line awscred asks with) and typed again.
    {"expect": "SSO start URL [None]:"}, {"send": "d-123.awsapps.com/start\r"},
    {"expect": "Not a valid Start URL"},
    {"send": "\x7f" * 23 + "https://d-123.awsapps.com/start\r"},
    {"expect": "SSO region [None]:"}, {"send": "us-east-1\r"},
    {"expect": "SSO registration scopes [sso:account:access]:"}, {"send": "\r"},
    {"expect": "/authorize?"}, {"expect": "\n"}, {"browse": True},
    {"expect": "There are 3 AWS accounts available to you."}, {"expect": "Prod"},
    {"send": DOWN + "\r"},
    {"expect": "Using the account ID 777788889999"},
    {"expect": "There are 2 roles available to you."}, {"expect": "Ops"},
    {"send": DOWN + "\r"},
    {"expect": "Using the role name \"Ops\""},
    {"expect": "Default client Region"}, {"send": "eu-west-1\r"},
    {"expect": "(json if not specified)"}, {"send": "\r"},
    {"expect": "Profile name [Ops-777788889999]:"}, {"send": "\r"},
    {"expect": "get-caller-identity --profile Ops-777788889999"},
]

SCENARIOS = [
    {
        "name": "configure sso, empty home",
        "args": ["configure", "sso", "--no-browser"],
        "config": None,
        "env": {},
        "steps": SSO_STEPS,
    },
    {
        "name": "configure sso, the profile already there, comments kept",
        "args": ["configure", "sso", "--no-browser"],
        "config": "# my settings\n[default]\nregion = us-west-2\n\n"
                  "[profile Ops-777788889999]\noutput = text\n# trailing comment\n",
        "env": {},
        "steps": SSO_STEPS,
    },
    {
        "name": "login --remote into a profile",
        "args": ["login", "--remote", "--profile", "dev"],
        "config": "[profile dev]\nregion = eu-west-1\n",
        "env": {},
        "steps": [
            {"expect": "Enter the authorization code displayed in your browser:"},
            {"paste_code": True},
            {"expect": "Updated profile dev to use"},
        ],
    },
]


def structure(text):
    return re.sub(r'": "(?:[^"\\]|\\.)*"', '": "..."', text)


def run(aws, urls, scenario):
    home = tempfile.mkdtemp(prefix="cliv2-setup-")
    if scenario["config"] is not None:
        os.makedirs(os.path.join(home, ".aws"))
        with open(os.path.join(home, ".aws", "config"), "w", newline="") as f:
            f.write(scenario["config"])
    env = {
        "HOME": home, "PATH": os.environ["PATH"], "TERM": "xterm",
        "AWS_ENDPOINT_URL_SSO": urls["sso"], "AWS_ENDPOINT_URL_SSO_OIDC": urls["sso"],
        "AWS_ENDPOINT_URL_SIGNIN": urls["signin"], "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update(scenario["env"])
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "pty_drive.py"), json.dumps(scenario["steps"]), aws]
        + scenario["args"],
        env=env, capture_output=True, check=True, timeout=300,
    )
    report = json.loads(out.stdout)
    assert report["failed"] is None and report["status"] == 0, report
    with open(os.path.join(home, ".aws", "config"), newline="") as f:
        config = f.read()
    tokens = []
    cache = os.path.join(home, ".aws", "login", "cache")
    if os.path.isdir(cache):
        for name in sorted(os.listdir(cache)):
            with open(os.path.join(cache, name)) as f:
                tokens.append(structure(f.read()))
    return {**scenario, "after": config, "login_tokens": tokens}


def main():
    aws = sys.argv[1]
    fakes = subprocess.Popen([FAKES], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    urls = json.loads(fakes.stdout.readline())
    try:
        recorded = [run(aws, urls, s) for s in SCENARIOS]
    finally:
        fakes.stdin.close()
        fakes.wait()
    path = os.path.join(HERE, "fixtures", "setup_cliv2.json")
    with open(path, "w") as f:
        json.dump(recorded, f, indent=1)
        f.write("\n")
    print(f"recorded {len(recorded)} scenarios in {path}")


main()

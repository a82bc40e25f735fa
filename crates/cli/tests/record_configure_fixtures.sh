#!/bin/sh
# Records the AWS CLI v2's answers for tests/configure_cliv2.rs (CI cannot run the CLI v2):
#   sh crates/cli/tests/record_configure_fixtures.sh /work/ref/venv-cliv2/bin/aws \
#       > crates/cli/tests/fixtures/configure_cliv2.json
# Each case: the files before, the command, then stdout, the exit status and the files after,
# with the temporary directory written as DIR.
set -eu
AWS=$1
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
export HOME="$DIR" AWS_CONFIG_FILE="$DIR/config" AWS_SHARED_CREDENTIALS_FILE="$DIR/credentials" AWS_EC2_METADATA_DISABLED=true
CONFIG='[default]\nregion = us-west-2\ns3 =\n    max_concurrent_requests = 10\n[profile dev]\nregion=eu-west-1\n[profile empty]\n\n[sso-session corp]\nsso_region = us-east-1\n\n[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:1\n'
CREDS='[creds-only]\naws_access_key_id=AKID2\naws_secret_access_key=S2\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n[tok]\naws_access_key_id=ASIAOLD\naws_secret_access_key=S\naws_session_token=T\n'
CSV='User name,Password,Access key ID,Secret access key,Console login link\nalice,pw,AKIA1,S1,https://x\n,,,,\nbob,,AKIA2,S2,\n'
python3 - "$AWS" "$DIR" "$CONFIG" "$CREDS" "$CSV" <<'PY'
import json, os, subprocess, sys
aws, d, config, creds, csv = sys.argv[1:]
unescape = lambda s: s.encode().decode('unicode_escape')
cases = [
    ["configure", "list-profiles"],
    ["configure", "list"],
    ["configure", "list", "--profile", "dev"],
    ["configure", "list", "--profile", "creds-only"],
    ["configure", "import", "--csv", "file://DIR/users.csv", "--profile-prefix", "imp-", "--skip-invalid"],
    ["configure", "import", "--csv", "file://DIR/users.csv"],
    ["configure", "import", "--csv", "file://DIR/nothere.csv"],
    ["configure", "set", "sso_region", "us-west-2", "--sso-session", "corp"],
    ["configure", "set", "sso_start_url", "https://x", "--sso-session", "new corp"],
    ["configure", "set", "s3.endpoint_url", "http://127.0.0.1:2", "--services", "local"],
    ["configure", "set", "sts.endpoint_url", "http://127.0.0.1:3", "--services", "local"],
    ["configure", "set", "a.b.c", "x", "--sso-session", "corp"],
    ["configure", "set", "region", "x", "--sso-session", "corp", "--services", "local"],
    ["configure", "get", "sso_region", "--sso-session", "corp"],
    ["configure", "get", "s3.endpoint_url", "--services", "local"],
    ["configure", "get", "s3", "--services", "local"],
    ["configure", "get", "x", "--sso-session", "nope"],
    ["configure", "get", "s3"],
    ["configure", "get", "output", "--profile", "missing"],
    ["configure", "list", "--profile", "missing"],
    ["configure", "set", "preview.cloudfront", "true"],
    ["configure", "set", "lug.x", "y"],
    ["configure", "set", "region", "x", "--profile", "my dev"],
    ["configure", "set", "aws_session_token", "tok", "--profile", "dev"],
    # `configure` itself: the answers on stdin after "<<".
    ["configure", "--profile", "p", "<<", "AKIANEWKEY1234\nnewsecret\neu-west-1\n\n"],
    ["configure", "<<", "\n\n\njson\n"],
    ["configure", "--profile", "creds-only", "<<", "ASIATEMPKEY\n\ntoken\n\n\n"],
    ["configure", "--profile", "empty", "<<", "\n\n\n\n"],
    ["configure", "--profile", "tok", "<<", "AKIALONGTERM\n\n\n\n"],
    ["configure", "--profile", "tok", "<<", "\n\nnewtoken\n\n\n"],
]
out = []
for args in cases:
    files = {"config": unescape(config), "credentials": unescape(creds), "users.csv": unescape(csv)}
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(d, name), 0o600)
    stdin = None
    if "<<" in args:
        stdin = args[args.index("<<") + 1]
        args = args[: args.index("<<")]
    run = subprocess.run([aws] + [a.replace("DIR", d) for a in args], capture_output=True, text=True, input=stdin or "")
    after = {n: open(os.path.join(d, n)).read() for n in ("config", "credentials")}
    out.append({"before": files, "args": args, "stdin": stdin or "", "stdout": run.stdout.replace(d, "DIR"),
                "status": run.returncode, "stderr": run.stderr.replace(d, "DIR"), "after": after})
print(json.dumps(out, indent=1))
PY

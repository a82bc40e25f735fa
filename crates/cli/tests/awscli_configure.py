"""Runs `aws configure ...` of the AWS CLI v1 (.venv-awscli) for many cases in one process, for
tests/configure_diff.rs: Python's start-up is paid once instead of once per case.

stdin: a JSON list of {"dir": DIR, "args": [...]}; each case's files are DIR/config and
DIR/credentials. stdout: a JSON list of {"status", "stdout", "stderr"}, in the same order.
"""
import io
import json
import os
import sys

from awscli.clidriver import create_clidriver

cases = json.load(sys.stdin)
# Importing awscli sets AWS_DATA_PATH (where its own data files are); keep that one variable.
data_path = os.environ.get("AWS_DATA_PATH")
real_stdout, real_stderr = sys.stdout, sys.stderr
results = []
for case in cases:
    d = case["dir"]
    os.environ.clear()
    os.environ.update({
        "HOME": d,
        "AWS_CONFIG_FILE": os.path.join(d, "config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(d, "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    if data_path is not None:
        os.environ["AWS_DATA_PATH"] = data_path
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    try:
        status = create_clidriver().main(case["args"])
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else 255
    except Exception as e:  # what the CLI's own entry point would end with a traceback
        err.write(f"{type(e).__name__}: {e}\n")
        status = 255
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    results.append({"status": status, "stdout": out.getvalue(), "stderr": err.getvalue()})
json.dump(results, sys.stdout)

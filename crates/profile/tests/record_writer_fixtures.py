"""Records the AWS CLI v2's ConfigFileWriter answers for the writer's unit tests.

Run with the CLI v2's own Python (its source tree holds the writer):
    /work/ref/venv-cliv2/bin/python crates/profile/tests/record_writer_fixtures.py \
        > crates/profile/tests/fixtures/writer_cliv2.json
Each case: the file's text before (null: no file), the section, the values ([key, value] pairs; a
value is a string, [sub, value] pairs, or null to remove), and the CLI's answer: the file after, or the
exception it raised. The file is written with newline='' so CRLF reaches the CLI intact; the
CLI's answer is read back the same way.
"""
import copy
import json
import os
import tempfile

from awscli.customizations.configure.writer import ConfigFileWriter

BASE = "# top comment\n[default]\nregion = us-east-1\n\n[profile dev]\noutput = json\n"
CASES = [
    (None, "default", {"region": "eu-west-1"}),
    (None, "profile dev", {"s3": {"max_concurrent_requests": "20"}}),
    ("", "default", {"region": "x"}),
    ("\n", "default", {"region": "x"}),
    (BASE, "default", {"region": "eu-west-1"}),
    (BASE, "default", {"output": "text"}),
    (BASE, "profile dev", {"region": "x"}),
    (BASE, "profile dev", {"output": "yaml"}),
    (BASE, "profile new", {"region": "x"}),
    (BASE, "sso-session corp", {"sso_start_url": "https://x", "sso_region": "us-east-1"}),
    (BASE, "default", {"region": None}),
    (BASE, "default", {"nothere": None}),
    (BASE.replace("\n", "\r\n"), "default", {"output": "text"}),
    (BASE.replace("\n", "\r\n"), "profile dev", {"region": "x"}),
    (BASE.replace("\n", "\r\n"), "profile new", {"region": "x"}),
    ("[default]\nregion = a", "default", {"output": "json"}),
    ("[default]\nregion = a", "default", {"region": "b"}),
    ("[default]\nregion = a", "other", {"k": "v"}),
    ("[default]\nregion = a\n# trailing", "default", {"output": "json"}),
    ("[default]\nregion = a\n# trailing = x", "default", {"output": "json"}),
    ("[default]\nregion = a\n\n\n", "default", {"output": "json"}),
    ("[default]\nregion = a\n\n# about b\n[b]\nk = v\n", "default", {"output": "json"}),
    ("[default]\n\tregion\t=\ta\n", "default", {"region": "b"}),
    ("[default]\n  region = a\n", "default", {"region": "b"}),
    ("[default]\nregion=a\n", "default", {"region": "b"}),
    ("[default]\nregion : a\n", "default", {"region": "b"}),
    ("[default]\nregion    =    a   \n", "default", {"region": "b"}),
    ("[default]\n# region = old\nregion = a\n", "default", {"region": "b"}),
    ("[default]\n;region = old\n", "default", {"region": "b"}),
    ("#[default]\n[default]\nregion = a\n", "default", {"region": "b"}),
    ("  [default]\nregion = a\n", "default", {"region": "b"}),
    ("[default]  \nregion = a\n", "default", {"region": "b"}),
    ("[profile default]\nregion = a\n", "default", {"region": "b"}),
    ("[default]\nregion = a\n", "profile default", {"region": "b"}),
    ('[profile "my dev"]\nregion = a\n', "profile my dev", {"region": "b"}),
    ("[profile 'my dev']\nregion = a\n", "profile 'my dev'", {"region": "b"}),
    ("[default]\ns3 =\n    max_concurrent_requests = 10\n", "default", {"s3": {"max_concurrent_requests": "20"}}),
    ("[default]\ns3 =\n    max_concurrent_requests = 10\n", "default", {"s3": {"multipart_threshold": "64MB"}}),
    ("[default]\ns3 =\n    a = 1\nregion = x\n", "default", {"s3": {"b": "2"}}),
    ("[default]\ns3 =\n    a = 1\n\n[next]\nk = v\n", "default", {"s3": {"b": "2"}}),
    ("[default]\ns3 =\n    a = 1\n[next]\n", "default", {"s3": {"a": "9"}}),
    ("[default]\ns3 =\n  a = 1\n  b = 2\n", "default", {"s3": {"b": "3", "c": "4"}}),
    ("[default]\ns3 = plain\nregion = x\n", "default", {"s3": {"a": "1"}}),
    ("[default]\nregion = x\n", "default", {"s3": {"a": "1"}}),
    ("[default]\ns3 =\n    a = 1", "default", {"s3": {"b": "2"}}),
    ("[default]\ns3 =\n\n[x]\n", "default", {"s3": {"a": "1"}}),
    ("[default]\ns3 =\n", "default", {"s3": {"a": "1"}}),
    ("[default]\nregion = a\n[default]\nregion = b\n", "default", {"region": "c"}),
    ("[default]\nregion = a\n[other]\n", "default", {"output": "json"}),
    ("[services local]\ns3 =\n    endpoint_url = http://127.0.0.1:1\n", "services local", {"s3": {"endpoint_url": "http://127.0.0.1:2"}}),
    ("[plugins]\ncli_legacy_plugin_path = /x\n", "plugins", {"foo": "bar"}),
    ("[default]\n=weird = a\n", "default", {"weird": "b"}),
    ("[default]\nkey: with = both\n", "default", {"key": "c"}),
    ("[default]\nregion = a\n", "default", {"a": "1", "b": "2", "c": "3"}),
    ("[default]\nregion = a\n", "new", {"a": "1", "s3": {"x": "y"}, "b": "2"}),
    ("[default]\nregion = a\r\n", "default", {"x": "y"}),
    ("[default]\rregion = a\r", "default", {"x": "y"}),
    ("[default]\nregion = a\n", "default", {"x": "a\nb"}),
    ("[default]\nregion = a\n", "de\nfault", {"x": "y"}),
    ("[default]\nregion = a\n", "default", {"x\ny": "z"}),
    ("[default]\nr\u00e9gion = \u00e9\n", "default", {"r\u00e9gion": "\u00fc"}),
]


def run(text, section, values):
    d = tempfile.mkdtemp()
    path = os.path.join(d, "config")
    if text is not None:
        with open(path, "w", newline="") as f:
            f.write(text)
    spec = copy.deepcopy(values)
    spec["__section__"] = section
    try:
        ConfigFileWriter().update_config(spec, path)
    except Exception as e:  # the CLI's own failure is the answer
        return {"error": type(e).__name__ + ": " + str(e)}
    with open(path, newline="") as f:
        return {"after": f.read()}


out = []
for text, section, values in CASES:
    # Pairs, not objects: the order of the keys is the order they are written in.
    pairs = [
        [k, [[sk, sv] for sk, sv in v.items()] if isinstance(v, dict) else v]
        for k, v in values.items()
    ]
    case = {"before": text, "section": section, "values": pairs}
    case.update(run(text, section, values))
    out.append(case)
print(json.dumps(out, indent=1, ensure_ascii=False))

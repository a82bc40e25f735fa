"""Writes the seed corpus for the `profile_parse` target from the cross-SDK conformance suite, at
run time, so no copy of the suite lives in the repository. Usage: profile.py [OUT_DIR]
(default: fuzz/corpus/profile_parse, where `cargo fuzz run profile_parse` looks)."""
import hashlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
suite = os.path.join(here, "../../../shared/conformance/smithy-rs/aws-runtime/profile-parser-tests.json")
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "corpus", "profile_parse")
os.makedirs(out, exist_ok=True)
with open(suite, encoding="utf-8") as f:
    tests = json.load(f)["tests"]
for test in tests:
    config = test["input"].get("configFile", "")
    credentials = test["input"].get("credentialsFile")
    data = config.encode()
    if credentials is not None:
        data += b"\0" + credentials.encode()
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"{len(tests)} seeds in {out}")

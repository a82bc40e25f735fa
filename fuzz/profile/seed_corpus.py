"""Writes the seed corpus for the `parse` target from the cross-SDK conformance suite, at run
time, so no copy of the suite lives in the repository. Usage: seed_corpus.py [OUT_DIR]
(default: corpus/parse beside this script, where `cargo fuzz run parse` looks)."""
import hashlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
suite = os.path.join(here, "../../../shared/conformance/smithy-rs/aws-runtime/profile-parser-tests.json")
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "parse") if len(sys.argv) > 1 else os.path.join(here, "corpus", "parse")
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

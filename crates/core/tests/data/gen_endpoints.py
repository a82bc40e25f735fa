"""Re-record `endpoints.tsv`: what botocore's own endpoint rules answer for STS, the SSO portal,
SSO-OIDC and the sign-in service (CreateOAuth2Token) in every partition, for each listed region,
a region that only matches the partition's pattern, and a region no partition claims; plain,
FIPS, dual-stack and both.

Run with the botocore the tests pin (1.44.8, in `.venv/`):

    .venv/bin/python crates/core/tests/data/gen_endpoints.py > crates/core/tests/data/endpoints.tsv
"""
import gzip
import json
import os

import botocore
from botocore.endpoint_provider import EndpointProvider
from botocore.exceptions import EndpointResolutionError

DATA = os.path.join(os.path.dirname(botocore.__file__), "data")
SERVICES = [
    ("sts", "sts/2011-06-15", {"UseGlobalEndpoint": False}),
    ("sso", "sso/2019-06-10", {}),
    ("sso-oidc", "sso-oidc/2019-06-10", {}),
    ("signin", "signin/2023-01-01", {"IsControlPlane": False}),
]


def main():
    with open(os.path.join(DATA, "partitions.json")) as f:
        partitions = json.load(f)
    regions = []
    for p in partitions["partitions"]:
        regions.extend(sorted(p["regions"]))
        # A region only the pattern knows, built from the partition's first real region.
        real = sorted(r for r in p["regions"] if not r.endswith("-global"))[0]
        regions.append(real.rsplit("-", 2)[0] + "-north-9")
    regions.append("xx-unknown-1")
    print(f"# botocore {botocore.__version__}: service\tregion\tfips\tdual_stack\turl or !error")
    for name, path, extra in SERVICES:
        with gzip.open(os.path.join(DATA, path, "endpoint-rule-set-1.json.gz")) as f:
            rules = json.load(f)
        provider = EndpointProvider(rules, partitions)
        for region in regions:
            for fips in (False, True):
                for dual in (False, True):
                    params = dict(Region=region, UseFIPS=fips, UseDualStack=dual, **extra)
                    try:
                        answer = provider.resolve_endpoint(**params).url
                    except EndpointResolutionError as e:
                        answer = "!" + str(e).split(": ", 1)[-1].replace("\t", " ")
                    print(f"{name}\t{region}\t{int(fips)}\t{int(dual)}\t{answer}")


if __name__ == "__main__":
    main()

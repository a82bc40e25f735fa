#!/usr/bin/env bash
# Seeds the corpus of `imds_credentials` (run by `cargo xtask fuzz` in fuzz/): IMDS's credentials
# document, its role listing, the container one, and an error.
set -euo pipefail
bash "$(dirname "$0")/credentials_documents.sh" corpus/imds_credentials

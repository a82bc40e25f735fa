#!/usr/bin/env bash
# Seeds the corpus of `ecs_credentials` (run by `cargo xtask fuzz` in fuzz/): the container
# credentials documents the ECS and EKS Pod Identity endpoints answer, the IMDS one, an error.
set -euo pipefail
bash "$(dirname "$0")/credentials_documents.sh" corpus/ecs_credentials

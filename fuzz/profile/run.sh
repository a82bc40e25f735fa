#!/bin/sh
# Fuzzes ProfileSet::parse for SECONDS (default 60) from a corpus seeded with the conformance
# suite. Needs cargo-fuzz; works on stable through RUSTC_BOOTSTRAP when no nightly is installed.
# `--fuzz-dir .` is required: cargo-fuzz otherwise looks for the project at <repo>/fuzz/.
set -eu
cd "$(dirname "$0")"
seconds="${1:-60}"
python3 seed_corpus.py corpus/parse
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    exec cargo +nightly fuzz run --fuzz-dir . parse corpus/parse -- -max_total_time="$seconds"
else
    RUSTC_BOOTSTRAP=1 exec cargo fuzz run --fuzz-dir . parse corpus/parse -- -max_total_time="$seconds"
fi

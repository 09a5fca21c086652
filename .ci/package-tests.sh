#!/usr/bin/env bash
# Packages every published crate (`cargo package --workspace`, which builds each
# .crate on its own) and then runs each crate's tests and doc tests from its
# unpacked .crate, outside the workspace: what a user of crates.io would get.
# The crates of this workspace are not on crates.io yet: they are patched to
# their unpacked packages, never to the workspace sources.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
crates=(mssante-types mssante-bal mssante-cr mssante-envelope mssante-incident mssante-policy mssante-cli)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

# cargo extracts the packages of its temporary local registry under
# $CARGO_HOME/registry/src/-<hash>/ and reuses an extraction of the same
# version: remove them so that a rerun never verifies against stale sources.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
find "$cargo_home/registry/src" -maxdepth 1 -name '-*' -exec rm -rf {} +
rm -rf target/package target/package-build/package
# Registry crates are assumed immutable: their build artefacts are reused by
# version alone. Ours change under the same version, so their artefacts go too.
export CARGO_TARGET_DIR="$root/target/package-build"
rm -rf "$CARGO_TARGET_DIR"/debug/deps/*mssante* "$CARGO_TARGET_DIR"/debug/.fingerprint/mssante*

cargo package --workspace --exclude mssante-examples ${PACKAGE_FLAGS:-}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
patch=()
for c in "${crates[@]}"; do
    tar -xzf "$CARGO_TARGET_DIR/package/$c-$version.crate" -C "$out"
    patch+=(--config "patch.crates-io.$c.path=\"$out/$c-$version\"")
done
export CARGO_TARGET_DIR="$root/target/package-tests"
# Same here: an older build of one of our crates under the same version can be
# picked up by a doc test (seen on a rerun: `stable_codes` not found).
rm -rf "$CARGO_TARGET_DIR"/debug/deps/*mssante* "$CARGO_TARGET_DIR"/debug/.fingerprint/mssante*
for c in "${crates[@]}"; do
    echo "--- tests of the packaged $c"
    cp "$root/Cargo.lock" "$out/$c-$version/Cargo.lock"
    log="$out/$c.log"
    if ! (cd "$out/$c-$version" && cargo test --all-features "${patch[@]}" >"$log" 2>&1); then
        tail -n 80 "$log"
        echo "the packaged $c fails its tests" >&2
        exit 1
    fi
    grep -E '^test result' "$log"
done
echo "packaged crates pass their tests"

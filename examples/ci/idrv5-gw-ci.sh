#!/usr/bin/env bash
# The pipeline's steps, one place for GitHub Actions (github-actions.yml), GitLab CI
# (gitlab-ci.yml) and the test suite (tests/it/pipeline.rs runs this very file against an
# emulator). Each step leaves what it made in $OUT.
#
#   STACK=stacks/idrv5/prod.yaml CONTRACT=examples/idrv5/openapi.yaml \
#     examples/ci/idrv5-gw-ci.sh review origin/main   # pull request: validate, contract gate, plan comment
#   ... idrv5-gw-ci.sh plan                            # merge: the plan to approve ($OUT/plan.json)
#   ... idrv5-gw-ci.sh apply                           # after approval: carry out exactly that plan
#   ... idrv5-gw-ci.sh drift                           # nightly: $OUT/drift.md, and $OUT/drift if any
#
# ALLOW_BREAKING=1 lets a breaking contract change through the review (say so in the PR).
set -euo pipefail

: "${STACK:?set STACK to the environment's stack file}"
: "${CONTRACT:?set CONTRACT to the API's contract}"
OUT=${OUT:-idrv5-gw-out}
IDRV5_GW=${IDRV5_GW:-idrv5-gw}
mkdir -p "$OUT"

step=${1:?usage: idrv5-gw-ci.sh review BASE_REF | plan | apply | drift}
case "$step" in
review)
    base=${2:?usage: idrv5-gw-ci.sh review BASE_REF (e.g. origin/main)}
    "$IDRV5_GW" validate --stack "$STACK"
    allow=()
    [ "${ALLOW_BREAKING:-}" = 1 ] && allow=(--allow-breaking)
    gate=0
    "$IDRV5_GW" contract-diff "$base:$CONTRACT" "$CONTRACT" --format markdown ${allow[@]+"${allow[@]}"} \
        > "$OUT/contract.md" || gate=$?
    code=0
    # Drift (what the base branch would change back too) shown apart from this change.
    "$IDRV5_GW" plan --stack "$STACK" --baseline "$base" --format markdown --detailed-exitcode \
        > "$OUT/plan.md" || code=$?
    # 0: no changes, 2: changes; anything else is an error.
    [ "$code" = 0 ] || [ "$code" = 2 ] || exit "$code"
    cat "$OUT/contract.md" "$OUT/plan.md" > "$OUT/comment.md"
    exit "$gate"
    ;;
plan)
    code=0
    "$IDRV5_GW" plan --stack "$STACK" --out "$OUT/plan.json" --format markdown \
        --detailed-exitcode > "$OUT/plan.md" || code=$?
    [ "$code" = 0 ] || [ "$code" = 2 ] || exit "$code"
    echo "$code" > "$OUT/plan.exitcode"
    ;;
apply)
    # The saved plan is the approval: it names its stack file, and is refused if the live
    # state or a stack file changed since it was made.
    "$IDRV5_GW" apply "$OUT/plan.json"
    ;;
drift)
    rm -f "$OUT/drift"
    code=0
    "$IDRV5_GW" plan --stack "$STACK" --format markdown --detailed-exitcode > "$OUT/drift.md" || code=$?
    case "$code" in
    0) echo "no drift: the account is what $STACK declares" ;;
    2) touch "$OUT/drift"; echo "drift: see $OUT/drift.md" ;;
    *) exit "$code" ;;
    esac
    ;;
*)
    echo "unknown step $step: review | plan | apply | drift" >&2
    exit 1
    ;;
esac

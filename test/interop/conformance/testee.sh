#!/usr/bin/env bash
# Starts courier's conformance testee; conformance_test_runner execs this file (it passes its own path as
# the first argument, which is ignored). The protobuf source is the one build.sh fetched.
here=$(cd "$(dirname "$0")" && pwd)
src=$(ls -d "$here"/build/src/protobuf-*/ | head -n 1)
cd "$here/../../.." && exec node --import tsx "$here/testee.ts" "$src"

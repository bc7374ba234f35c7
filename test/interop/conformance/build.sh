#!/usr/bin/env bash
# Builds protobuf's conformance_test_runner from Debian's protobuf source package, as cheaply as possible:
# only the runner's own sources are compiled, against the system's libprotobuf-dev, with the system's
# protoc generating the test messages. The binary is cached in build/ (gitignored) and rebuilt only when
# missing. Needs: protobuf-compiler, libprotobuf-dev, g++, dpkg-dev (for apt-get source).
# Usage: test/interop/conformance/build.sh   → prints the runner's path on its last line; exit 3 when
# the source package cannot be fetched here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build="$here/build"
runner="$build/conformance_test_runner"
if [ -x "$runner" ]; then echo "$runner"; exit 0; fi

# The source package must match the installed library: generated code checks the version it was made for.
version=$(dpkg-query -W -f='${Version}' libprotobuf-dev)
upstream=${version%%-*}
src="$build/src/protobuf-$upstream"
if [ ! -d "$src/conformance" ]; then
  tools="$here/../../../../shared/tools"
  [ -x "$tools/debian-source" ] || tools=/work/shared/tools
  echo "conformance: fetching Debian's protobuf $version source" >&2
  # Exit 3 means "the source could not be had here" (no network, no deb-src): the test skips with a notice.
  "$tools/debian-source" protobuf "$build/src" >/dev/null || { echo "conformance: could not fetch Debian's protobuf source" >&2; exit 3; }
fi
[ -d "$src/conformance" ] || { echo "conformance: $src/conformance not found (Debian's source is another version than libprotobuf-dev $version?)" >&2; exit 3; }

gen="$build/gen"
mkdir -p "$gen/include/google/protobuf/stubs"
# stringprintf.h is an internal header the -dev package does not ship; its functions are exported.
cp "$src/src/google/protobuf/stubs/stringprintf.h" "$gen/include/google/protobuf/stubs/"
protoc -I"$src/conformance" -I"$src/src" --cpp_out="$gen" \
  "$src/conformance/conformance.proto" \
  "$src/src/google/protobuf/test_messages_proto3.proto" \
  "$src/src/google/protobuf/test_messages_proto2.proto"

c="$src/conformance"
sources=(
  "$c/conformance_test.cc" "$c/conformance_test_main.cc" "$c/binary_json_conformance_suite.cc"
  "$c/text_format_conformance_suite.cc" "$c/conformance_test_runner.cc" "$c/third_party/jsoncpp/jsoncpp.cpp"
  "$gen/conformance.pb.cc" "$gen/google/protobuf/test_messages_proto3.pb.cc" "$gen/google/protobuf/test_messages_proto2.pb.cc"
)
objs=()
mkdir -p "$build/obj"
pids=()
for s in "${sources[@]}"; do
  o="$build/obj/$(basename "$s").o"
  objs+=("$o")
  # -O0: the runner spends its time waiting on the testee, and -O0 compiles several times faster.
  g++ -std=c++14 -O0 -w -I"$gen" -I"$gen/include" -I"$c" -c "$s" -o "$o" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
g++ -o "$runner.tmp" "${objs[@]}" -lprotobuf -lpthread
mv "$runner.tmp" "$runner"
echo "$runner"

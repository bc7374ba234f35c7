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

# apt-get source into $1 without touching the machine's apt configuration: the deb lines of the system's
# sources become deb-src lines in a private list, with private package lists (CI machines have no deb-src).
fetch_source() {
  local dir=$1 state="$1/.apt-src" f
  mkdir -p "$state/parts" "$state/lists/partial"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types: deb$/Types: deb-src/' "$f" > "$state/parts/$(basename "$f")"
  done
  if [ -f /etc/apt/sources.list ]; then sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$state/parts/main.list"; fi
  local opts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$state/parts" -o Dir::State::Lists="$state/lists" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update && (cd "$dir" && apt-get "${opts[@]}" source protobuf)
}

# The source package must match the installed library: generated code checks the version it was made for.
version=$(dpkg-query -W -f='${Version}' libprotobuf-dev)
upstream=${version%%-*}
src="$build/src/protobuf-$upstream"
if [ ! -d "$src/conformance" ]; then
  echo "conformance: fetching Debian's protobuf $version source" >&2
  # Exit 3 means "the source could not be had here" (no network, no deb-src): the test skips with a notice.
  fetch_source "$build/src" >/dev/null 2>&1 || { echo "conformance: could not fetch Debian's protobuf source" >&2; exit 3; }
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

#!/bin/bash
# Install what building and testing memqos needs on Debian 12, once: the
# packages already present are not asked for again. The VM suite installs
# its own (tests/vm/deps.sh).
set -euo pipefail

packages=(gcc make pkg-config libc6-dev
          libyajl-dev libjson-c-dev libseccomp-dev libcmocka-dev
          cppcheck clang-tidy clang-format
          prometheus # promtool: the agent's metrics are checked with it
          clang libclang-rt-14-dev # make fuzz: libFuzzer, ASan, UBSan
          valgrind)               # make check-valgrind

missing=()
for p in "${packages[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# tests/admission runs on Node.js: Debian's nodejs and npm when there is no
# node or npm at all (a node from elsewhere, with its own npm, is kept).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
        exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs everything rtmp-hooks needs to build, test and benchmark, from
# Debian 12's packages only. Idempotent; run as root (or with sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libzmq3-dev cppzmq-dev libprotobuf-dev protobuf-compiler
  libcurl4-openssl-dev libssl-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libnats-dev
  libavformat-dev libavcodec-dev libavutil-dev
  libsrt-openssl-dev  # SRT ingest (headers; the library is libavformat's libsrt-gnutls)
)
# Real clients and peers the tests and benchmarks drive.
test_pkgs=(
  ffmpeg rtmpdump
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-libav
  python3 jq curl procps util-linux
  clang libclang-rt-14-dev
  docker-compose
  prometheus  # for promtool: `promtool check metrics` on our /metrics output
  nginx libnginx-mod-rtmp wrk
  nats-server  # the JetStream hook's tests
  iproute2  # ip netns, ip link: the tests that run in network namespaces of their own
  chromium chromium-driver python3-selenium  # the dashboard's headless browser test
)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--build-only" ] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# nginx is installed for the benchmarks only; never leave it serving port 80.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  $SUDO systemctl stop nginx || true
fi
# prometheus is installed for promtool only; never leave its server running.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $SUDO systemctl stop prometheus || true
fi

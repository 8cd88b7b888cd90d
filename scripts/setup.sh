#!/usr/bin/env bash
# setup.sh installs the system packages Kumo's build, run and tests need.
# Idempotent: it prints nothing when everything is already there.
set -euo pipefail

# Debian package → a file that proves it is installed.
declare -A need=(
  [awscli]=/usr/bin/aws
  [curl]=/usr/bin/curl
  [iproute2]=/usr/sbin/ip
  [procps]=/usr/bin/pgrep
  [openssh-client]=/usr/bin/ssh-keygen
  [openssl]=/usr/bin/openssl
  [putty-tools]=/usr/bin/puttygen
  [qemu-system-x86]=/usr/bin/qemu-system-x86_64
  [qemu-utils]=/usr/bin/qemu-img
  [nftables]=/usr/sbin/nft
  [e2fsprogs]=/usr/sbin/mke2fs
  [cpio]=/usr/bin/cpio
  [busybox-static]=/bin/busybox
)

missing=()
for pkg in "${!need[@]}"; do
  [ -e "${need[$pkg]}" ] || missing+=("$pkg")
done
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  echo "setup: Go is not installed; install Go 1.26 (https://go.dev/doc/install) to /usr/local/go" >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or: sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "setup: installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/kumo-setup.log 2>&1; then
  apt-get update -qq >>/tmp/kumo-setup.log 2>&1 || true
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/kumo-setup.log 2>&1; then
    echo "setup: apt-get install failed; see /tmp/kumo-setup.log" >&2
    tail -20 /tmp/kumo-setup.log >&2
    exit 1
  fi
fi
echo "setup: done"

#!/usr/bin/env bash
# e2e-cli.sh drives a real `kumo serve` with Debian's aws CLI, as a new user would:
# the README walkthrough, a wrong secret, and a kill -9 + restart that must keep
# every key pair and tag.
set -uo pipefail
cd "$(dirname "$0")/.."

KUMO=${KUMO:-bin/kumo}
work=$(mktemp -d /tmp/kumo-e2e.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

passed=0 failed=0
ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: want [$2], got [$3]"; fi; }

export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1

start() {
  "$KUMO" serve --listen "127.0.0.1:${port:-0}" --data-dir "$work/data" >"$work/out" 2>"$work/log" &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q '^export AWS_SECRET_ACCESS_KEY' "$work/out" 2>/dev/null && break
    sleep 0.1
  done
  url=$(sed -n 's/^# Kumo is serving the EC2 API at \([^ ]*\) .*/\1/p' "$work/out")
  if [ -z "$url" ]; then echo "kumo serve did not start:"; cat "$work/log"; exit 1; fi
  port=${url##*:}
  eval "$(grep '^export' "$work/out")"
}
AWS=${AWS:-/usr/bin/aws}  # Debian's CLI, not a pyenv shim
aws_() { "$AWS" --endpoint-url "$url" --output text "$@"; }

start
check "health" "ok" "$(curl -s "$url/_kumo/health")"
check "describe-regions" "us-east-1" "$(aws_ ec2 describe-regions --query 'Regions[].RegionName')"
check "describe-availability-zones" "us-east-1a	us-east-1b	us-east-1c" \
  "$(aws_ ec2 describe-availability-zones --query 'AvailabilityZones[].ZoneName')"
check "describe-instance-types" \
  "c5d.4xlarge	16	32768	400	Up to 10 Gigabit	4750
m5.8xlarge	32	131072	None	10 Gigabit	6800
r5.16xlarge	64	524288	None	20 Gigabit	13600
t2.micro	1	1024	None	Low to Moderate	None" \
  "$(aws_ ec2 describe-instance-types --instance-types t2.micro c5d.4xlarge r5.16xlarge m5.8xlarge \
      --query 'sort_by(InstanceTypes,&InstanceType)[].[InstanceType,VCpuInfo.DefaultVCpus,MemoryInfo.SizeInMiB,InstanceStorageInfo.TotalSizeInGB,NetworkInfo.NetworkPerformance,EbsInfo.EbsOptimizedInfo.MaximumBandwidthInMbps]')"

key=$(aws_ ec2 create-key-pair --key-name e2e-key --query KeyMaterial)
case "$key" in "-----BEGIN RSA PRIVATE KEY-----"*) ok "create-key-pair returns a PEM key";; *) fail "create-key-pair: $key";; esac
keyid=$(aws_ ec2 describe-key-pairs --filters Name=key-name,Values=e2e-* --query 'KeyPairs[0].KeyPairId')
case "$keyid" in key-*) ok "describe-key-pairs --filters";; *) fail "describe-key-pairs: $keyid";; esac
aws_ ec2 create-tags --resources "$keyid" --tags Key=env,Value=e2e >/dev/null && ok "create-tags" || fail "create-tags"
check "describe-tags" "env	$keyid	key-pair	e2e" "$(aws_ ec2 describe-tags --query 'Tags[].[Key,ResourceId,ResourceType,Value]')"
account=$(sed -n 's/.*operator account \([0-9]*\)).*/\1/p' "$work/out")
check "sts get-caller-identity" "$account	arn:aws:iam::$account:root" \
  "$(aws_ sts get-caller-identity --query '[Account,Arn]')"
err=$(AWS_SECRET_ACCESS_KEY=wrong aws_ ec2 describe-regions 2>&1 >/dev/null)
case "$err" in *AuthFailure*) ok "wrong secret gets AuthFailure";; *) fail "wrong secret: $err";; esac
err=$(aws_ ec2 describe-key-pairs --key-names nope 2>&1 >/dev/null)
case "$err" in *InvalidKeyPair.NotFound*) ok "unknown key pair gets InvalidKeyPair.NotFound";; *) fail "unknown key: $err";; esac

kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
start
check "key pair survives kill -9" "e2e-key" "$(aws_ ec2 describe-key-pairs --key-pair-ids "$keyid" --query 'KeyPairs[0].KeyName')"
check "tag survives kill -9" "e2e" "$(aws_ ec2 describe-key-pairs --key-pair-ids "$keyid" --query 'KeyPairs[0].Tags[0].Value')"
check "same credentials after restart" "$account" "$(aws_ sts get-caller-identity --query Account)"

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

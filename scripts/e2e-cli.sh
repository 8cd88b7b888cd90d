#!/usr/bin/env bash
# e2e-cli.sh drives a real `kumo serve` with Debian's aws CLI, as a new user would:
# the README walkthrough, a wrong secret, and a kill -9 + restart that must keep
# every key pair and tag.
set -uo pipefail
cd "$(dirname "$0")/.."

KUMO=${KUMO:-bin/kumo}
work=$(mktemp -d /tmp/kumo-e2e.XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  pkill -9 -f "qemu-system.*$work/" 2>/dev/null
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^ke2e-'); do ip netns del "$ns"; ip link del "$ns" 2>/dev/null; done
  [ "$failed" -gt 0 ] && { echo "--- kumo log (tail)"; tail -30 "$work/log"; }
  rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
ok()   { passed=$((passed+1)); echo "ok   - $*"; }
fail() { failed=$((failed+1)); echo "FAIL - $*"; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" == "$3" ]; then ok "$1"; else fail "$1: want [$2], got [$3]"; fi; }

export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1

start() {
  "$KUMO" serve --listen "127.0.0.1:${port:-0}" --data-dir "$work/data" --image-dir "${KUMO_IMAGE_DIR:-/tmp/kumo-test-images}" --net-prefix ke2e \
    >"$work/out" 2>>"$work/log" &
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

# --- a real instance: key pair, AMI, user data, SSH, console, stop/start, terminate
wait_state() { # id state seconds
  for _ in $(seq 1 $(($3 * 4))); do
    s=$(aws_ ec2 describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].State.Name')
    [ "$s" == "$2" ] && return 0
    sleep 0.25
  done
  echo "instance $1 is $s, want $2"; return 1
}
ssh_() { # ip command...
  local ip=$1; shift
  for _ in $(seq 1 120); do
    out=$(ssh -i "$work/vm.pem" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
          -o ConnectTimeout=5 -o BatchMode=yes "ec2-user@$ip" "$@" 2>/dev/null) && { echo "$out"; return 0; }
    sleep 1
  done
  return 1
}
aws_ ec2 create-key-pair --key-name vm --key-type ed25519 --query KeyMaterial >"$work/vm.pem"; chmod 600 "$work/vm.pem"
ami=$(aws_ ec2 describe-images --owners amazon --filters Name=name,Values=kumo-minimal --query 'Images[0].ImageId')
case "$ami" in ami-*) ok "describe-images --owners amazon finds kumo-minimal";; *) fail "kumo-minimal: $ami";; esac
printf '#!/bin/sh\necho "user data ran as $(id -un)" > /var/tmp/hello\n' >"$work/script.sh"
iid=$(aws_ ec2 run-instances --image-id "$ami" --instance-type t2.micro --key-name vm \
      --user-data "file://$work/script.sh" --query 'Instances[0].InstanceId')
wait_state "$iid" running 300 && ok "run-instances reaches running" || fail "run-instances: $iid"
# The default group admits only its own members; open SSH (the host reaches
# public addresses from the link-local range, 0.0.0.0/0 works too).
aws_ ec2 authorize-security-group-ingress --group-name default --protocol tcp --port 22 --cidr 169.254.0.0/16 >/dev/null \
  && ok "authorize-security-group-ingress tcp/22" || fail "authorize-security-group-ingress"
ip=$(aws_ ec2 describe-instances --instance-ids "$iid" --query 'Reservations[0].Instances[0].PublicIpAddress')
check "ssh ec2-user@public-ip sees the user data" "user data ran as root" \
  "$(ssh_ "$ip" 'for i in $(seq 60); do [ -s /var/tmp/hello ] && break; sleep 0.5; done; cat /var/tmp/hello')"
console=$(aws_ ec2 get-console-output --instance-id "$iid" --query Output)  # no pipe: grep -q would SIGPIPE the CLI
case "$console" in *"kumo-init: ssh ready"*) ok "get-console-output shows the boot";; *) fail "get-console-output: ${console: -300}";; esac
aws_ ec2 stop-instances --instance-ids "$iid" >/dev/null
wait_state "$iid" stopped 120 && ok "stop-instances" || fail "stop-instances"
aws_ ec2 start-instances --instance-ids "$iid" >/dev/null
wait_state "$iid" running 120 && ok "start-instances" || fail "start-instances"
ip=$(aws_ ec2 describe-instances --instance-ids "$iid" --query 'Reservations[0].Instances[0].PublicIpAddress')
check "root disk kept across stop/start" "user data ran as root" "$(ssh_ "$ip" cat /var/tmp/hello)"

kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
start
check "instance still running after kill -9 of kumo" "running" \
  "$(aws_ ec2 describe-instances --instance-ids "$iid" --query 'Reservations[0].Instances[0].State.Name')"
check "ssh still works after the restart" "user data ran as root" "$(ssh_ "$ip" cat /var/tmp/hello)"
aws_ ec2 terminate-instances --instance-ids "$iid" >/dev/null
wait_state "$iid" terminated 120 && ok "terminate-instances" || fail "terminate-instances"
pgrep -f "qemu-system.*$iid" >/dev/null && fail "qemu left running after terminate" || ok "no qemu left after terminate"

# --- the user guide's VPC with the CLI alone: a public and a private subnet,
# an internet gateway and a route table; a web server and a backend; the
# reachability matrix is exactly what the groups and routes say.
vpc=$(aws_ ec2 create-vpc --cidr-block 10.0.0.0/16 --query Vpc.VpcId)
pub=$(aws_ ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.1.0/24 --query Subnet.SubnetId)
priv=$(aws_ ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.2.0/24 --query Subnet.SubnetId)
aws_ ec2 modify-subnet-attribute --subnet-id "$pub" --map-public-ip-on-launch
igw=$(aws_ ec2 create-internet-gateway --query InternetGateway.InternetGatewayId)
aws_ ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
rtb=$(aws_ ec2 create-route-table --vpc-id "$vpc" --query RouteTable.RouteTableId)
aws_ ec2 create-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" >/dev/null
aws_ ec2 associate-route-table --route-table-id "$rtb" --subnet-id "$pub" >/dev/null
check "describe-route-tables shows the internet route" "0.0.0.0/0	$igw	active" \
  "$(aws_ ec2 describe-route-tables --route-table-ids "$rtb" --query 'RouteTables[0].Routes[?GatewayId!=`local`].[DestinationCidrBlock,GatewayId,State]')"
websg=$(aws_ ec2 create-security-group --group-name web --description "web servers" --vpc-id "$vpc" --query GroupId)
besg=$(aws_ ec2 create-security-group --group-name backend --description "backends" --vpc-id "$vpc" --query GroupId)
aws_ ec2 authorize-security-group-ingress --group-id "$websg" --ip-permissions \
  'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=169.254.0.0/16}]' 'IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=169.254.0.0/16}]' >/dev/null
aws_ ec2 authorize-security-group-ingress --group-id "$besg" --protocol tcp --port 5432 --source-group "$websg" >/dev/null
printf '#!/bin/sh\nmkdir -p /var/www && echo "hello from web" > /var/www/index.html\nhttpd -p 80 -h /var/www\n' >"$work/web.sh"
printf '#!/bin/sh\n(while true; do echo backend | nc -l -p 5432; done) >/dev/null 2>&1 &\n' >"$work/backend.sh"
web=$(aws_ ec2 run-instances --image-id "$ami" --instance-type t2.micro --key-name vm --subnet-id "$pub" \
      --security-group-ids "$websg" --user-data "file://$work/web.sh" --query 'Instances[0].InstanceId')
backend=$(aws_ ec2 run-instances --image-id "$ami" --instance-type t2.micro --key-name vm --subnet-id "$priv" \
      --security-group-ids "$besg" --private-ip-address 10.0.2.20 --user-data "file://$work/backend.sh" --query 'Instances[0].InstanceId')
wait_state "$web" running 300 && wait_state "$backend" running 300 && ok "web and backend reach running" || fail "web/backend launch"
webip=$(aws_ ec2 describe-instances --instance-ids "$web" --query 'Reservations[0].Instances[0].PublicIpAddress')
check "the backend in the private subnet has no public address" "None" \
  "$(aws_ ec2 describe-instances --instance-ids "$backend" --query 'Reservations[0].Instances[0].PublicIpAddress')"
check "host→web:22 (ssh)" "ip-10-0-1" "$(ssh_ "$webip" hostname | cut -c1-9)"
for _ in $(seq 1 60); do page=$(curl -s -m 2 "http://$webip/") && break; sleep 0.5; done
check "host→web:80" "hello from web" "$page"
curl -s -m 3 -o /dev/null "http://$webip:8080/"; rc=$?
check "host→web:8080 times out (no rule: dropped, not refused)" "28" "$rc"
check "web→backend:5432 through the group reference" "backend" \
  "$(ssh_ "$webip" 'for i in $(seq 60); do r=$(nc -w 2 10.0.2.20 5432 </dev/null 2>/dev/null) && [ -n "$r" ] && break; sleep 0.5; done; echo $r')"
check "web→backend:22 is not allowed" "blocked" "$(ssh_ "$webip" 'nc -w 2 10.0.2.20 22 </dev/null >/dev/null 2>&1 || echo blocked')"
aws_ ec2 terminate-instances --instance-ids "$web" "$backend" >/dev/null
wait_state "$web" terminated 120 && wait_state "$backend" terminated 120 && ok "terminate web and backend" || fail "terminate web/backend"

# --- EBS and AMIs, the seed workflow: configure an instance over SSH,
# create-image, launch from it, the configuration is there; a volume and a
# snapshot; an operator-imported disk image boots.
iid=$(aws_ ec2 run-instances --image-id "$ami" --instance-type t2.micro --key-name vm --query 'Instances[0].InstanceId')
wait_state "$iid" running 300 || fail "run-instances for the image"
ip=$(aws_ ec2 describe-instances --instance-ids "$iid" --query 'Reservations[0].Instances[0].PublicIpAddress')
ssh_ "$ip" 'echo seeded-by-e2e | sudo tee /etc/e2e-config >/dev/null' >/dev/null
newami=$(aws_ ec2 create-image --instance-id "$iid" --name e2e-configured --query ImageId)
for _ in $(seq 1 240); do
  st=$(aws_ ec2 describe-images --image-ids "$newami" --query 'Images[0].State'); [ "$st" == available ] && break; sleep 0.5
done
check "create-image reaches available" "available" "$st"
iid2=$(aws_ ec2 run-instances --image-id "$newami" --instance-type t2.micro --key-name vm --query 'Instances[0].InstanceId')
wait_state "$iid2" running 300 || fail "run-instances from the new image"
ip2=$(aws_ ec2 describe-instances --instance-ids "$iid2" --query 'Reservations[0].Instances[0].PublicIpAddress')
check "the new instance has the configuration" "seeded-by-e2e" "$(ssh_ "$ip2" cat /etc/e2e-config)"
zone=$(aws_ ec2 describe-instances --instance-ids "$iid2" --query 'Reservations[0].Instances[0].Placement.AvailabilityZone')
vol=$(aws_ ec2 create-volume --availability-zone "$zone" --size 1 --volume-type gp3 --query VolumeId)
aws_ ec2 wait volume-available --volume-ids "$vol" && ok "create-volume reaches available" || fail "create-volume"
aws_ ec2 attach-volume --volume-id "$vol" --instance-id "$iid2" --device /dev/sdf >/dev/null
aws_ ec2 wait volume-in-use --volume-ids "$vol" && ok "attach-volume" || fail "attach-volume"
snap=$(aws_ ec2 create-snapshot --volume-id "$vol" --query SnapshotId)
aws_ ec2 wait snapshot-completed --snapshot-ids "$snap" && ok "create-snapshot completes" || fail "create-snapshot"
err=$(aws_ ec2 delete-volume --volume-id "$vol" 2>&1 >/dev/null)
case "$err" in *VolumeInUse*) ok "delete-volume of an attached volume gets VolumeInUse";; *) fail "delete in use: $err";; esac
root=$(ls -d "${KUMO_IMAGE_DIR:-/tmp/kumo-test-images}"/kumo-minimal/*/root.qcow2 | head -1)
imported=$("$KUMO" image import "$root" --name e2e-imported --data-dir "$work/data" 2>>"$work/log" | cut -d' ' -f1)
case "$imported" in ami-*) ok "kumo image import registers an AMI";; *) fail "kumo image import: $imported";; esac
iid3=$(aws_ ec2 run-instances --image-id "$imported" --instance-type t2.micro --key-name vm --query 'Instances[0].InstanceId')
wait_state "$iid3" running 300 || fail "run-instances from the imported image"
ip3=$(aws_ ec2 describe-instances --instance-ids "$iid3" --query 'Reservations[0].Instances[0].PublicIpAddress')
check "the imported image boots and answers ssh" "ec2-user" "$(ssh_ "$ip3" whoami)"
aws_ ec2 terminate-instances --instance-ids "$iid" "$iid2" "$iid3" >/dev/null
wait_state "$iid3" terminated 120 && ok "terminate the image instances" || fail "terminate the image instances"

# --- IAM and accounts: the operator makes two accounts; in one, a user with a
# limited policy can do exactly what it says; an instance launched with a
# profile gets role credentials from 169.254.169.254 that work from the host
# and end with the association; nothing of one account is visible from the other.
acct_a=$("$KUMO" account create team-a --data-dir "$work/data" 2>>"$work/log")
acct_b=$("$KUMO" account create team-b --data-dir "$work/data" 2>>"$work/log")
as() { local creds=$1; shift; ( eval "$creds"; unset AWS_SESSION_TOKEN; aws_ "$@" ); }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
listed=$("$KUMO" account list --data-dir "$work/data" 2>>"$work/log" | awk 'NR>1{print $2}' | sort | tr '\n' ' ')
case "$listed" in *team-a*team-b*) ok "kumo account create/list";; *) fail "kumo account list: $listed";; esac
as "$acct_a" iam create-user --user-name dev >/dev/null
as "$acct_a" iam put-user-policy --user-name dev --policy-name stop-dev --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"},
  {"Effect":"Allow","Action":["ec2:StopInstances","ec2:StartInstances"],"Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"ec2:ResourceTag/env":"dev"}}}]}'
devkey=$(as "$acct_a" iam create-access-key --user-name dev --query 'AccessKey.[AccessKeyId,SecretAccessKey]')
dev_creds="export AWS_ACCESS_KEY_ID=$(cut -f1 <<<"$devkey") AWS_SECRET_ACCESS_KEY=$(cut -f2 <<<"$devkey")"
as "$acct_a" iam create-role --role-name describer --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
as "$acct_a" iam put-role-policy --role-name describer --policy-name describe --policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}'
as "$acct_a" iam create-instance-profile --instance-profile-name describer >/dev/null
as "$acct_a" iam add-role-to-instance-profile --instance-profile-name describer --role-name describer
ssh-keygen -y -f "$work/vm.pem" >"$work/vm.pub"
as "$acct_a" ec2 import-key-pair --key-name vm --public-key-material "fileb://$work/vm.pub" >/dev/null
as "$acct_a" ec2 authorize-security-group-ingress --group-name default --protocol tcp --port 22 --cidr 169.254.0.0/16 >/dev/null
ia=$(as "$acct_a" ec2 run-instances --image-id "$ami" --instance-type t2.micro --key-name vm --iam-instance-profile Name=describer \
     --tag-specifications 'ResourceType=instance,Tags=[{Key=env,Value=dev}]' --query 'Instances[0].InstanceId')
case "$ia" in i-*) ok "run-instances with an instance profile";; *) fail "run-instances --iam-instance-profile: $ia";; esac

err=$(as "$dev_creds" ec2 run-instances --image-id "$ami" --instance-type t2.micro 2>&1 >/dev/null)
case "$err" in *UnauthorizedOperation*) ok "the user may not run instances";; *) fail "user run-instances: $err";; esac
check "the user may describe" "$ia" "$(as "$dev_creds" ec2 describe-instances --query 'Reservations[0].Instances[0].InstanceId')"
err=$(as "$dev_creds" ec2 stop-instances --instance-ids "$ia" --dry-run 2>&1 >/dev/null)
case "$err" in *DryRunOperation*) ok "the user may stop an env=dev instance (dry run)";; *) fail "user stop dev: $err";; esac
as "$acct_a" ec2 delete-tags --resources "$ia" --tags Key=env
err=$(as "$dev_creds" ec2 stop-instances --instance-ids "$ia" --dry-run 2>&1 >/dev/null)
case "$err" in *UnauthorizedOperation*"on resource: arn:aws:ec2:us-east-1:"*":instance/$ia"*) ok "the user may not stop it untagged";; *) fail "user stop untagged: $err";; esac
msg=$(sed -n 's/.*Encoded authorization failure message: \([^ ]*\).*/\1/p' <<<"$err")
decoded=$(as "$acct_a" sts decode-authorization-message --encoded-message "$msg" --query DecodedMessage)
check "sts decode-authorization-message" "ec2:StopInstances False" "$(json '["context"]["action"], d["allowed"]' <<<"$decoded")"

( eval "$acct_a"; wait_state "$ia" running 300 ) || fail "the profile instance runs"
ipa=$(as "$acct_a" ec2 describe-instances --instance-ids "$ia" --query 'Reservations[0].Instances[0].PublicIpAddress')
imds='tok=$(printf "PUT /latest/api/token HTTP/1.0\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\n\r\n" | nc 169.254.169.254 80 | tail -n 1)
printf "GET /latest/meta-data/iam/security-credentials/describer HTTP/1.0\r\nX-aws-ec2-metadata-token: %s\r\n\r\n" "$tok" | nc 169.254.169.254 80 | sed "1,/^\r$/d"'
for _ in $(seq 1 60); do
  creds=$(ssh_ "$ipa" "$imds"); [ "$(json '["Code"]' <<<"$creds" 2>/dev/null)" == Success ] && break; sleep 0.5
done
check "the guest reads its role credentials" "Success AWS-HMAC" "$(json '["Code"], d["Type"]' <<<"$creds" 2>/dev/null)"
role_creds="export AWS_ACCESS_KEY_ID=$(json '["AccessKeyId"]' <<<"$creds") AWS_SECRET_ACCESS_KEY=$(json '["SecretAccessKey"]' <<<"$creds")"
token=$(json '["Token"]' <<<"$creds")
as_role() { ( eval "$role_creds"; export AWS_SESSION_TOKEN=$token; aws_ "$@" ); }
check "role credentials act as the assumed role" "arn:aws:sts::$(as "$acct_a" sts get-caller-identity --query Account):assumed-role/describer/$ia" \
  "$(as_role sts get-caller-identity --query Arn)"
check "the role may describe" "$ia" "$(as_role ec2 describe-instances --instance-ids "$ia" --query 'Reservations[0].Instances[0].InstanceId')"
err=$(as_role ec2 create-key-pair --key-name nope 2>&1 >/dev/null)
case "$err" in *UnauthorizedOperation*) ok "the role may not create key pairs";; *) fail "role create-key-pair: $err";; esac

err=$(as "$acct_b" ec2 describe-instances --instance-ids "$ia" 2>&1 >/dev/null)
case "$err" in *InvalidInstanceID.NotFound*) ok "team-b gets not-found for team-a's instance";; *) fail "team-b describe: $err";; esac
check "team-b sees no instances, users or key pairs" "0 0 0" \
  "$(as "$acct_b" ec2 describe-instances --query 'length(Reservations)') $(as "$acct_b" iam list-users --query 'length(Users)') $(as "$acct_b" ec2 describe-key-pairs --query 'length(KeyPairs)')"

assoc=$(as "$acct_a" ec2 describe-iam-instance-profile-associations --query 'IamInstanceProfileAssociations[0].AssociationId')
as "$acct_a" ec2 disassociate-iam-instance-profile --association-id "$assoc" >/dev/null
err=$(as_role ec2 describe-regions 2>&1 >/dev/null)
case "$err" in *AuthFailure*) ok "role credentials stop working after disassociation";; *) fail "after disassociation: $err";; esac
as "$acct_a" ec2 terminate-instances --instance-ids "$ia" >/dev/null

check "key pair survives kill -9" "e2e-key" "$(aws_ ec2 describe-key-pairs --key-pair-ids "$keyid" --query 'KeyPairs[0].KeyName')"
check "tag survives kill -9" "e2e" "$(aws_ ec2 describe-key-pairs --key-pair-ids "$keyid" --query 'KeyPairs[0].Tags[0].Value')"
check "same credentials after restart" "$account" "$(aws_ sts get-caller-identity --query Account)"

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

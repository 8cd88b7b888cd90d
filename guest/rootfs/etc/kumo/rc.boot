#!/bin/sh
# rc.boot: what cloud-init does on EC2, for kumo-minimal. busybox init starts
# it once per boot, after rc.sysinit. Steps: DHCP on eth0; metadata (IMDSv2,
# falling back to v1); hostname; ec2-user's SSH key; SSH host keys (new per
# instance, kept across reboots); start and keep dropbear running; run the
# user data once per instance. Secondary network interfaces, present at boot
# or attached later, get their addresses by DHCP (hotplug). Progress goes to
# the console as "kumo-init: …" lines, which tests and GetConsoleOutput
# users read.
. /etc/kumo/functions

md=/run/kumo/imds
cloud=/var/lib/cloud

# A fresh image has no SSH host keys: make them while DHCP and the metadata
# service are awaited, when the CPU is idle. They are used below if the keys
# are still missing then (a new instance of an image made from another
# instance's disk deletes that one's keys, and makes new ones later).
keys=/etc/dropbear
mkdir -p $keys
keygen=
rm -f $keys/.new_*
if [ ! -s $keys/dropbear_ed25519_host_key ]; then
	(
		for t in ed25519 ecdsa; do
			dropbearkey -t $t -f $keys/.new_$t >/dev/null 2>&1
		done
	) &
	keygen=$!
fi

# --- network ---------------------------------------------------------------
# Secondary interfaces come and go while the instance runs (attached ENIs):
# busybox uevent runs hotplug for each kernel event from now on, and the
# interfaces already present are handed to it here.
uevent /etc/kumo/hotplug </dev/null &
for d in /sys/class/net/eth*; do
	[ -e "$d" ] && ACTION=add SUBSYSTEM=net INTERFACE=${d##*/} /etc/kumo/hotplug
done
ip=
if ip link show eth0 >/dev/null 2>&1; then
	ip link set eth0 up
	# -b: if no lease comes, keep trying in the background and boot on.
	udhcpc -i eth0 -s /etc/kumo/udhcpc.script -p /run/udhcpc.eth0.pid \
		-t 10 -T 1 -A 5 -b -O mtu -O staticroutes -O search >/var/log/udhcpc.log 2>&1
	ip=$(cat /run/kumo/eth0.ip 2>/dev/null)
fi
if [ -n "$ip" ]; then
	say "network up $ip ($(uptime_s)s)"
else
	say "warning: no DHCP lease on eth0; no network"
fi

# --- metadata --------------------------------------------------------------
iid=
if [ -n "$ip" ]; then
	rm -rf "$md"
	kumo-guest-agent imds -wait 60s -out "$md" \
		meta-data/instance-id meta-data/local-hostname \
		meta-data/public-keys/0/openssh-key user-data 2>>/var/log/kumo-init.log
	case $? in
	0) iid=$(cat "$md/meta-data/instance-id" 2>/dev/null) ;;
	3) say "warning: instance metadata is disabled; no SSH key or user data" ;;
	*) say "warning: metadata service did not answer; no SSH key or user data" ;;
	esac
	# The id names a directory: accept nothing that could escape it.
	case $iid in
	*[!A-Za-z0-9-]*) say "warning: odd instance id from metadata; ignored"; iid= ;;
	esac
fi

if [ -n "$iid" ]; then
	say "metadata: instance $iid ($(uptime_s)s)"
	inst=$cloud/instances/$iid
	mkdir -p "$inst/sem"
	if [ "$(cat $cloud/data/instance-id 2>/dev/null)" != "$iid" ]; then
		# A new instance, maybe launched from an image of another one's
		# disk: it must not share that one's SSH host identity.
		say "first boot of $iid"
		rm -f /etc/dropbear/dropbear_*_host_key
		mkdir -p $cloud/data
		echo "$iid" >$cloud/data/instance-id
		ln -sfn "$inst" $cloud/instance
	fi

	h=$(cat "$md/meta-data/local-hostname" 2>/dev/null)
	case $h in
	"" | *[!A-Za-z0-9.-]*) ;;
	*)
		: >/run/kumo/hostname-from-metadata
		hostname "$h"
		echo "$h" >/etc/hostname
		grep -v ' # kumo-init$' /etc/hosts >/etc/hosts.tmp
		printf '127.0.1.1\t%s %s # kumo-init\n' "$h" "${h%%.*}" >>/etc/hosts.tmp
		mv /etc/hosts.tmp /etc/hosts
		;;
	esac

	# Add the launch key pair's key; keep keys the user added since.
	key=$md/meta-data/public-keys/0/openssh-key
	if [ -s "$key" ]; then
		ssh=/home/ec2-user/.ssh
		mkdir -p $ssh
		touch $ssh/authorized_keys
		# The last line may lack a newline (EC2's IMDS sends none); read
		# returns false on it but still fills line.
		tr -d '\r' <"$key" | while read -r line || [ -n "$line" ]; do
			[ -n "$line" ] || continue
			grep -qxF "$line" $ssh/authorized_keys || echo "$line" >>$ssh/authorized_keys
		done
		chmod 700 $ssh
		chmod 600 $ssh/authorized_keys
		chown -R 1000:1000 $ssh
		say "installed the SSH key for ec2-user"
	fi
fi

# --- SSH -------------------------------------------------------------------
# ed25519 and ECDSA keys take a fraction of a second to make even under
# emulation; RSA takes seconds, so it is made in the background and the
# listener restarted to offer it. It must exist eventually: Debian's
# dropbear 2022.83 offers RSA host key algorithms even without an RSA key
# and aborts any client that picks one.
[ -n "$keygen" ] && wait "$keygen"
for t in ed25519 ecdsa; do
	k=$keys/dropbear_${t}_host_key
	[ -s $k ] && continue
	if [ -s $keys/.new_$t ]; then
		mv $keys/.new_$t $k
	else
		dropbearkey -t $t -f $k.tmp >/dev/null 2>&1 && mv $k.tmp $k
	fi
done
rm -f $keys/.new_*

# Keep dropbear running; killing it makes it start again with every key
# present. Sessions are separate processes and survive that.
(
	while :; do
		args=
		for k in $keys/dropbear_*_host_key; do
			[ -s "$k" ] && args="$args -r $k"
		done
		# -s: no passwords; -w: no root login, as on EC2 images.
		dropbear -F -E -s -w -p 22 $args 2>>/var/log/dropbear.log &
		echo $! >/run/kumo/dropbear.pid
		wait $!
		sleep 0.3 # no busy loop if it cannot start
	done
) </dev/null >/dev/null 2>&1 &
print_host_keys $keys/dropbear_*_host_key
i=0
while ! grep -q '^ *[0-9]*: [0-9A-F]*:0016 [0-9A-F]*:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && break
	sleep 0.05
done
if [ $i -gt 200 ]; then
	say "warning: dropbear is not listening on port 22; see /var/log/dropbear.log"
else
	say "ssh ready ($(uptime_s)s)"
fi
k=$keys/dropbear_rsa_host_key
if [ ! -s $k ]; then
	(
		# At the lowest priority, so it does not slow the user data.
		sh -c 'renice -n 19 -p $$; exec dropbearkey -t rsa -s 3072 -f "$1"' sh $k.tmp >/dev/null 2>&1 &&
			mv $k.tmp $k || exit
		kill "$(cat /run/kumo/dropbear.pid)" 2>/dev/null
		print_host_keys $k
		say "RSA host key ready ($(uptime_s)s)"
	) &
fi

# --- user data -------------------------------------------------------------
# Like cloud-init's scripts-user: once per instance, as root, only "#!"
# scripts; gzip-compressed user data is unpacked first.
ud=$md/user-data
if [ -z "$iid" ]; then
	:
elif [ ! -s "$ud" ]; then
	say "no user data"
elif [ -e "$inst/sem/user-data" ]; then
	say "user data already ran for $iid; not running it again"
else
	if [ "$(head -c 2 "$ud" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
		gunzip -c "$ud" >"$inst/user-data" || : >"$inst/user-data"
	else
		cp "$ud" "$inst/user-data"
	fi
	chmod 700 "$inst/user-data"
	if [ "$(head -c 2 "$inst/user-data")" != "#!" ]; then
		say "user data is not a script (no #!); kumo-minimal runs only scripts"
	else
		# The semaphore goes first: a script that reboots must not loop.
		date >"$inst/sem/user-data"
		say "running user data"
		rcf=/run/kumo/user-data.rc
		(
			cd / && HOME=/root "$inst/user-data" </dev/null 2>&1
			echo $? >$rcf
		) | tee -a /var/log/cloud-init-output.log
		say "user data ran, exit $(cat $rcf) ($(uptime_s)s)"
	fi
fi
say "boot finished ($(uptime_s)s)"

#!/bin/sh
# rc.boot: what cloud-init does on EC2, for kumo-minimal. busybox init starts
# it once per boot, beside dropbear. Steps: DHCP on eth0; metadata (IMDSv2,
# falling back to v1); hostname; ec2-user's SSH key; SSH host key (new per
# instance, kept across reboots); start SSH; run the user data once per
# instance.
. /etc/kumo/functions

md=/run/kumo/imds
cloud=/var/lib/cloud

# --- network ---------------------------------------------------------------
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
		tr -d '\r' <"$key" | while read -r line; do
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
hk=/etc/dropbear/dropbear_ed25519_host_key
mkdir -p /etc/dropbear
if [ ! -s $hk ]; then
	# ed25519: RSA key generation takes many seconds under emulation.
	dropbearkey -t ed25519 -f $hk.tmp >/dev/null 2>&1 && mv $hk.tmp $hk
fi
# cloud-init prints the host keys so that users can check them with
# GetConsoleOutput before their first connection.
echo "-----BEGIN SSH HOST KEY KEYS-----"
dropbearkey -y -f $hk 2>/dev/null | grep '^ssh-' | cut -d' ' -f1,2
echo "-----END SSH HOST KEY KEYS-----"
: >/run/kumo/sshd.go
i=0
while ! grep -q '^ *[0-9]*: [0-9A-F]*:0016 [0-9A-F]*:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done
if [ $i -gt 100 ]; then
	say "warning: dropbear is not listening on port 22; see /var/log/dropbear.log"
else
	say "ssh ready ($(uptime_s)s)"
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

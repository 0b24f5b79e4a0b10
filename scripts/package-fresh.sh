#!/bin/bash
# make package-fresh: the packages `make package` left in build-deb/, installed with apt in a
# fresh Debian 12 minbase root (debootstrap, as root), and used there as a new user would:
# `emailauth --version`, `man emailauth`, the example program built against libemailauth-dev
# and run on the demo zones, and the systemd unit (systemd-analyze verify and security, then
# its ExecStart run as an unprivileged user, answering /healthz). systemd itself cannot run
# as PID 1 in a chroot, so the unit is not started by systemd here (docs/install.md).
# usage: scripts/package-fresh.sh [MIRROR]     prints "package-fresh: N passed, N failed" last.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
mirror=${1:-http://deb.debian.org/debian}
cache=/var/cache/emailauth-newcomer/bookworm-minbase.tar
step_timeout_s=900
passed=0
failed=0

check() {	# check "what" command...: one line per step, its output on failure
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		passed=$((passed + 1))
		echo "ok - $what"
		printf '%s\n' "$out" | sed -n 's/^note: /#   /p'	# what a step measured
	else
		failed=$((failed + 1))
		echo "not ok - $what"
		printf '%s\n' "$out" | tail -20 | sed 's/^/#   /'
	fi
}

[[ $(id -u) -eq 0 ]] || { echo "package-fresh: needs root (debootstrap, chroot)" >&2; exit 64; }
ls build-deb/*.deb >/dev/null 2>&1 || { echo "package-fresh: no build-deb/*.deb: run make package first" >&2; exit 66; }
if [[ ! -f $cache ]]; then
	command -v debootstrap >/dev/null || apt-get install -y debootstrap
	tmp=$(mktemp -d)
	debootstrap --variant=minbase bookworm "$tmp" "$mirror" || { echo "package-fresh: debootstrap failed" >&2; exit 1; }
	mkdir -p "$(dirname "$cache")"
	tar -C "$tmp" -cf "$cache" . && rm -rf --one-file-system "$tmp"
fi
root=$(mktemp -d -t package-fresh.XXXX)
tar -C "$root" -xf "$cache"
chmod 755 "$root"	# after tar: the cached root's own entry is mktemp's 0700, and / must be 0755
cp /etc/resolv.conf "$root/etc/" 2>/dev/null
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
cleanup() {
	umount -R "$root/dev" 2>/dev/null || umount -l "$root/dev"
	umount "$root/proc" 2>/dev/null || umount -l "$root/proc"
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT
mkdir -p "$root/tmp/debs" "$root/tmp/zones"
for deb in build-deb/*.deb; do
	case $deb in *-dbgsym_*) ;; *) cp "$deb" "$root/tmp/debs/" ;; esac
done
cp examples/zones/*.zone examples/example.net.identity.json "$root/tmp/zones/"

in_root() {	# a command in the fresh root, as root, with a clean environment
	timeout "$step_timeout_s" chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive /bin/bash -c "$1"
}

check "apt installs the three packages in a fresh Debian 12 root" \
	in_root 'apt-get update -q && apt-get install -y -q /tmp/debs/*.deb'
check "emailauth --version runs there" \
	in_root 'v=$(emailauth --version) && echo "note: $v" && echo "$v" | grep -q "^emailauth [0-9]"'
check "the SES check of the demo's broken zone exits 2 there" \
	in_root 'emailauth ses example.com --tokens e4kejweyq6cuvex4qcqqwjhxcy24telf,zy2jfaqoufk4cnlo74lsorfm35onrqnm,xldc6yfvijkg3xv26yueyjeun7pu6ldy --zone /tmp/zones/example.com.zone --zone /tmp/zones/amazonses.com.zone; test $? -eq 2'
check "man emailauth and man emailauth-ses render there (with man-db)" \
	in_root 'apt-get install -y -q man-db >/dev/null && man -P cat emailauth | grep -q "ses" && man -P cat emailauth-ses | grep -qi "token"'
check "the example program builds against libemailauth-dev with pkg-config" \
	in_root 'apt-get install -y -q gcc make pkg-config libc6-dev >/dev/null && cp -r /usr/share/doc/libemailauth-dev/examples /tmp/ex && cd /tmp/ex && make'
check "the example finds the demo's broken setup (exit 2) and passes the fixed one (exit 0)" \
	in_root 'cd /tmp/zones && /tmp/ex/ses_check example.com e4kejweyq6cuvex4qcqqwjhxcy24telf,zy2jfaqoufk4cnlo74lsorfm35onrqnm,xldc6yfvijkg3xv26yueyjeun7pu6ldy example.com.zone amazonses.com.zone; test $? -eq 2 && tokens=$(grep -o "\"[a-z0-9]\{32\}\"" example.net.identity.json | tr -d "\"" | paste -sd,) && /tmp/ex/ses_check example.net "$tokens" example.net.zone amazonses.com.zone'
check "the unit is installed and passes systemd-analyze verify" \
	in_root 'apt-get install -y -q systemd >/dev/null && test -f /lib/systemd/system/emailauth.service && systemd-analyze verify /lib/systemd/system/emailauth.service'
check "systemd-analyze security rates the unit's exposure at most 2.0" \
	in_root 'score=$(systemd-analyze security --offline=true /lib/systemd/system/emailauth.service 2>&1 | sed -n "s/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p"); echo "note: exposure $score"; awk -v s="$score" "BEGIN{exit !(s != \"\" && s <= 2.0)}"'
check "the unit's ExecStart, run as an unprivileged user, answers /healthz" \
	in_root 'cmd=$(sed -n "s/^ExecStart=//p" /lib/systemd/system/emailauth.service | sed "s/\$EMAILAUTH_SERVE_ARGS/--listen 127.0.0.1:18080/"); setpriv --reuid=65534 --regid=65534 --clear-groups $cmd & pid=$!; for i in $(seq 50); do sleep 0.2; exec 3<>/dev/tcp/127.0.0.1/18080 2>/dev/null && break; done; printf "GET /healthz HTTP/1.0\r\n\r\n" >&3; reply=$(cat <&3); kill $pid; echo "note: /healthz as uid 65534: $(echo "$reply" | head -1)"; echo "$reply" | head -1 | grep -q " 200"'
check "emailauth serve refuses to run as root and says why" \
	in_root 'out=$(emailauth serve --listen 127.0.0.1:18081 2>&1); rc=$?; echo "$out"; test $rc -ne 0 && echo "$out" | grep -qi root'
echo "package-fresh: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

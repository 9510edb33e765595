#!/usr/bin/env bash
# Starts and stops a private CUPS server for the printing tests.
#
#   scripts/cups-test.sh start DIR   prints PFORTE_CUPS_TEST=127.0.0.1:PORT
#   scripts/cups-test.sh stop DIR
#
# The server keeps everything under DIR (config, spool, logs, its socket)
# and listens on 127.0.0.1 only, so it never clashes with a system CUPS.
# It has two queues:
#   pforte-pdf       writes every job as a PDF to DIR/out.pdf
#   pforte-stopped   the same, but stopped (to test "printer unavailable")
# Never run cupsctl against it: cupsctl rewrites the configuration to the
# system socket. PORT may be set in the environment; otherwise a free one
# is picked.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

# CUPS runs its filters as the user lp, so the server's directory must be
# reachable by lp. A checkout inside a private directory (mktemp -d makes
# it 0700) is not: the server then lives in a directory of its own under
# /tmp, named in DIR/server-dir, and only DIR/address stays in DIR.
link=$dir
if [[ -f $link/server-dir ]]; then
	dir=$(cat "$link/server-dir")
elif [[ $cmd == start && $(id -u) == 0 ]] && id lp >/dev/null 2>&1 &&
	! runuser -u lp -- test -x "$dir" 2>/dev/null; then
	dir=$(mktemp -d /tmp/pforte-cups.XXXXXX)
	chmod 755 "$dir"
	echo "$dir" >"$link/server-dir"
fi

ppd_for_pdf() {
	local p
	for p in /usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd \
		/usr/share/cups/model/Generic-PDF_Printer-PDF.ppd; do
		[[ -f $p ]] && { echo "$p"; return; }
	done
	p=$(find /usr/share/ppd /usr/share/cups/model -name 'Generic-PDF_Printer-PDF.ppd*' 2>/dev/null | head -n1)
	[[ -n $p ]] || { echo "cups-test: Generic-PDF_Printer-PDF.ppd not found; install cups and printer-driver-cups-pdf (cups-filters)" >&2; exit 1; }
	echo "$p"
}

# quiet runs a CUPS admin command, dropping its warning that PPD drivers
# are deprecated (they still work, and the PDF queue needs one).
quiet() {
	local out
	if ! out=$("$@" 2>&1); then
		echo "$out" >&2
		return 1
	fi
	grep -v 'Printer drivers are deprecated' <<<"$out" >&2 || true
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_port picks a free port below the kernel's ephemeral range: a port in
# it may be the local end of one of the many connections the Go tests just
# made (TIME_WAIT), and cupsd's bind then fails with "Address already in
# use" although nothing listens there.
pick_port() {
	local p lo=32768 span
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	span=$((lo - 20000))
	((span >= 1000)) || span=12000
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % span))
		port_is_free "$p" && { echo "$p"; return; }
	done
	echo "cups-test: no free port found" >&2
	exit 1
}

stop() {
	local pidfile=$dir/cupsd.pid
	[[ -f $pidfile ]] || return 0
	local pid
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
	fi
	rm -f "$pidfile" "$link/address"
	if [[ $dir != "$link" && $cmd == stop ]]; then
		rm -rf "$dir" "$link/server-dir"
	fi
}

start() {
	command -v cupsd >/dev/null || [[ -x /usr/sbin/cupsd ]] || { echo "cups-test: cupsd not installed (apt-get install cups)" >&2; exit 1; }
	stop # a leftover server from an interrupted run
	local ppd port
	ppd=$(ppd_for_pdf)
	port=${PORT:-$(pick_port)}
	mkdir -p "$dir"/{spool,cache,state,tmp,log,ppd}
	rm -f "$dir/out.pdf"

	cat >"$dir/cups-files.conf" <<-EOF
		ServerRoot $dir
		RequestRoot $dir/spool
		CacheDir $dir/cache
		StateDir $dir/state
		TempDir $dir/tmp
		ErrorLog $dir/log/error_log
		AccessLog $dir/log/access_log
		PageLog $dir/log/page_log
		ServerBin /usr/lib/cups
		DataDir /usr/share/cups
		FileDevice Yes
		SystemGroup root
	EOF
	cat >"$dir/cupsd.conf" <<-EOF
		LogLevel warn
		Listen 127.0.0.1:$port
		Listen $dir/cups.sock
		Browsing No
		WebInterface No
		DefaultAuthType None
		MaxJobs 0
		PreserveJobFiles No
		<Location />
		  Order allow,deny
		  Allow all
		</Location>
		<Location /admin>
		  Order allow,deny
		  Allow all
		</Location>
		<Policy default>
		  <Limit All>
		    Order deny,allow
		  </Limit>
		</Policy>
	EOF

	local cupsd=/usr/sbin/cupsd
	command -v cupsd >/dev/null && cupsd=$(command -v cupsd)
	setsid "$cupsd" -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" \
		>"$dir/log/cupsd.out" 2>&1 </dev/null &
	echo $! >"$dir/cupsd.pid"

	for _ in $(seq 1 100); do
		if ! port_is_free "$port" && [[ -S $dir/cups.sock ]]; then
			break
		fi
		if ! kill -0 "$(cat "$dir/cupsd.pid")" 2>/dev/null; then
			echo "cups-test: cupsd exited; see $dir/log" >&2
			cat "$dir/log/cupsd.out" "$dir/log/error_log" 2>/dev/null >&2 || true
			exit 1
		fi
		sleep 0.1
	done
	if port_is_free "$port"; then
		stop
		if [[ -z ${PORT:-} && ${CUPS_TEST_TRY:-1} -lt 3 ]]; then
			echo "cups-test: cupsd could not listen on $port ($(grep -o 'Unable to open listen socket.*' "$dir/log/error_log" | tail -n1)); another port" >&2
			CUPS_TEST_TRY=$((${CUPS_TEST_TRY:-1} + 1)) start
			return
		fi
		echo "cups-test: cupsd does not listen on $port; see $dir/log" >&2
		exit 1
	fi

	export CUPS_SERVER=$dir/cups.sock
	quiet lpadmin -p pforte-pdf -E -v "file://$dir/out.pdf" -P "$ppd" \
		-D "Pforte Test-PDF" -L "Testumgebung"
	quiet lpadmin -p pforte-stopped -E -v "file://$dir/stopped.pdf" -P "$ppd" \
		-D "Pforte Test (angehalten)" -L "Testumgebung"
	quiet cupsdisable -r "angehalten für den Test" pforte-stopped

	echo "127.0.0.1:$port" >"$link/address"
	echo "PFORTE_CUPS_TEST=127.0.0.1:$port"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac

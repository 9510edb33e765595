#!/usr/bin/env bash
# desktop-smoke.sh BINARY OUTDIR
#
# Starts the desktop build of Pforte under a private Xvfb with the demo data,
# waits until the page in the window has asked who is signed in (GET
# /api/session answered 401 in the log: the sign-in shows), signs in as
# demo/demo by typing into the focused fields (xdotool), waits until the page
# has loaded its data in-process (/api/health, then /api/buildings or
# /api/staff), screenshots the screen
# to OUTDIR/desktop.png, checks the shot is not a blank colour and that the
# header's building picker is drawn dark (readable white text), then sends
# SIGTERM and requires exit status 0. The app's output stays in
# OUTDIR/desktop.log; on failure it is printed too.
#
# Needs: xvfb (Xvfb), imagemagick (import, convert), xdotool, webkit2gtk-4.1
# at run time.
# Env: SMOKE_TIMEOUT (seconds to wait for the API calls, default 30).
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 BINARY OUTDIR" >&2
	exit 2
fi
bin=$(realpath -m "$1")
outdir=$2
timeout=${SMOKE_TIMEOUT:-30}
mkdir -p "$outdir"
[[ -x $bin ]] || { echo "desktop smoke: $bin is not an executable" >&2; exit 2; }
for tool in Xvfb import convert xdotool; do
	command -v "$tool" >/dev/null || { echo "desktop smoke: $tool not found (apt-get install xvfb imagemagick xdotool)" >&2; exit 2; }
done

tmp=$(mktemp -d -t pforte-desktop-smoke.XXXXXX)
log=$outdir/desktop.log
xvfb_pid=
app_pid=

cleanup() {
	if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then
		kill -KILL "$app_pid" 2>/dev/null || true
		wait "$app_pid" 2>/dev/null || true
	fi
	if [[ -n $xvfb_pid ]] && kill -0 "$xvfb_pid" 2>/dev/null; then
		kill "$xvfb_pid" 2>/dev/null || true
		wait "$xvfb_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "desktop smoke: FAIL: $*" >&2
	if [[ -s $log ]]; then
		echo "---- $log ----" >&2
		cat "$log" >&2
		echo "----" >&2
	fi
	exit 1
}

# A private X server on the first free display number. -displayfd makes Xvfb
# pick one and write it to fd 3 once it accepts clients, so parallel runs never
# collide (no xvfb-run: it needs xauth, and a killed xvfb-run can leave its
# server behind).
: >"$tmp/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
display=
for _ in $(seq 100); do
	# Complete once the line ends with a newline.
	if [[ $(wc -l <"$tmp/display") -ge 1 ]]; then
		display=$(tr -dc 0-9 <"$tmp/display")
		break
	fi
	kill -0 "$xvfb_pid" 2>/dev/null || break
	sleep 0.1
done
[[ -n $display ]] || { cat "$tmp/xvfb.log" >&2; fail "Xvfb did not start"; }
export DISPLAY=:$display

mkdir -p "$tmp/data" "$tmp/home" "$tmp/runtime"
chmod 700 "$tmp/runtime"
# A private HOME and XDG dirs: WebKit keeps caches and local storage there, and
# a smoke run must neither read nor leave anything of the user's.
HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/runtime XDG_CACHE_HOME=$tmp/home/.cache \
	XDG_DATA_HOME=$tmp/home/.local/share XDG_CONFIG_HOME=$tmp/home/.config \
	NO_AT_BRIDGE=1 \
	"$bin" --demo --data "$tmp/data" --site smoke --building rathaus-1 >"$log" 2>&1 &
app_pid=$!
start=$EPOCHREALTIME

# The page's fetches show up in the application log: msg=api method=GET path=/api/....
alive() {
	kill -0 "$app_pid" 2>/dev/null || { wait "$app_pid" && rc=0 || rc=$?; app_pid=; fail "pforte exited early with status $rc"; }
}

asked=
deadline=$((SECONDS + timeout))
while ((SECONDS < deadline)); do
	alive
	if grep -qE 'method=GET path=/api/session status=401' "$log"; then
		asked=$EPOCHREALTIME
		break
	fi
	sleep 0.1
done
[[ -n $asked ]] || fail "no GET /api/session (401) within ${timeout}s: the page did not reach the API, or did not ask who is signed in"

# The sign-in focuses the user name field. Without a window manager the
# keyboard goes to the window under the pointer: put it on the window (not
# clicking, which could take the focus from the field), then type.
sleep 1
win=$(xdotool search --onlyvisible --name 'Pforte' 2>/dev/null | head -n 1 || true)
if [[ -n $win ]]; then
	xdotool windowfocus "$win" 2>/dev/null || true
fi
xdotool mousemove 640 400
xdotool type --delay 40 demo
xdotool key Tab
xdotool type --delay 40 demo
xdotool key Return

signed=
health=
data=
deadline=$((SECONDS + timeout))
while ((SECONDS < deadline)); do
	alive
	if [[ -z $signed ]] && grep -qE 'method=POST path=/api/session status=200' "$log"; then
		signed=$EPOCHREALTIME
	fi
	if [[ -n $signed && -z $health ]] && grep -q 'path=/api/health' "$log"; then
		health=$EPOCHREALTIME
	fi
	if [[ -n $health ]] && grep -qE 'path=/api/(buildings|staff) status=200' "$log"; then
		data=$EPOCHREALTIME
		break
	fi
	sleep 0.1
done
[[ -n $signed ]] || fail "no successful POST /api/session within ${timeout}s of typing demo/demo: the sign-in did not work"
[[ -n $health ]] || fail "signed in, but no /api/health within ${timeout}s"
[[ -n $data ]] || fail "signed in, but no /api/buildings or /api/staff within ${timeout}s: the UI did not load its data"
awk -v s="$start" -v a="$asked" -v i="$signed" -v d="$data" \
	'BEGIN { printf "desktop smoke: sign-in shown after %.1fs, signed in after %.1fs, data after %.1fs\n", a - s, i - s, d - s }'

# Give the page a moment to render what it fetched.
sleep 1
shot=$outdir/desktop.png
import -window root "$shot" || fail "screenshot failed"
# A blank or single-colour window (white page, black WebKit crash) has ~0
# standard deviation; any rendered UI with text is well above 0.01.
sd=$(convert "$shot" -colorspace Gray -format '%[fx:standard_deviation]' info:)
colours=$(convert "$shot" -format '%k' info:)
echo "desktop smoke: screenshot $shot ($colours colours, grey sd $sd)"
if ! awk -v sd="$sd" -v n="$colours" 'BEGIN { exit !(sd > 0.01 && n > 16) }'; then
	fail "screenshot looks blank ($colours colours, grey sd $sd)"
fi

# The building picker in the dark header: WebKitGTK once drew the native
# select as a white GTK button under its white text (unreadable). Its box
# (left of the navigation, next to the logo) must stay dark like the header.
ox=0 oy=0
if [[ -n $win ]]; then
	eval "$(xdotool getwindowgeometry --shell "$win" 2>/dev/null | grep -E '^(X|Y)=')" || true
	ox=${X:-0} oy=${Y:-0}
fi
picker=$(convert "$shot" -crop "160x22+$((ox + 90))+$((oy + 12))" +repage -colorspace Gray -format '%[fx:mean]' info:)
echo "desktop smoke: header building picker mean brightness $picker (dark header below 0.5)"
awk -v m="$picker" 'BEGIN { exit !(m < 0.5) }' || fail "the building picker in the header is light ($picker): white text on a white box?"

kill -TERM "$app_pid"
rc=0
for _ in $(seq 150); do
	kill -0 "$app_pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$app_pid" 2>/dev/null; then
	fail "pforte did not exit within 15s of SIGTERM"
fi
wait "$app_pid" || rc=$?
app_pid=
((rc == 0)) || fail "pforte exited with status $rc after SIGTERM (want 0)"

echo "desktop smoke: ok (window showed the sign-in, signed in as demo, loaded its data in-process)"

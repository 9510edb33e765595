#!/usr/bin/env bash
# Installs the Debian packages a make target needs, only those missing.
# Usage: scripts/install-deps.sh GROUP...   (groups: desktop, test)
set -euo pipefail

declare -A groups=(
	[desktop]="libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config"
	[test]="chromium xvfb xauth imagemagick xdotool poppler-utils zbar-tools cups printer-driver-cups-pdf strace"
)

want=()
for g in "$@"; do
	[[ -n "${groups[$g]:-}" ]] || { echo "install-deps: unknown group $g" >&2; exit 2; }
	for p in ${groups[$g]}; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			want+=("$p")
		fi
	done
done
# The test group also needs a real SMTP server: mailpit, built from the Go
# module proxy into bin/tools (not a dependency of Pforte, so not in go.mod).
# The mail tests look for it there.
for g in "$@"; do
	if [[ $g == test ]]; then
		root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
		if [[ ! -x "$root/bin/tools/mailpit" ]]; then
			echo "install-deps: installing mailpit into bin/tools"
			(cd "$root" && GOBIN="$root/bin/tools" GOFLAGS=-mod=mod go install github.com/axllent/mailpit@v1.33.1)
		fi
	fi
done

[[ ${#want[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${want[*]}" >&2; exit 1; }
	sudo="sudo"
fi
echo "install-deps: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null

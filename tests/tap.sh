# TAP for system tests written in sh: source it, call ok/is/need, end with
# done_testing. MOAT_BIN names the directory of the binaries under test.
tap_n=0
tap_failed=0
: "${MOAT_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MOAT_BIN:=$MOAT_SRC/build}"
MOATCTL=$MOAT_BIN/moatctl
MOATD=$MOAT_BIN/moatd

# ok STATUS DESCRIPTION: STATUS 0 passes.
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "  got:" "$1" "  want:" "$2" | sed 's/^/# /'
	fi
}

# need CMD...: a test that cannot run fails, naming what is missing.
need() {
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "not ok 1 - this test needs '$c', which is not" \
			    "installed (run scripts/install-deps)"
			echo "1..1"
			exit 1
		fi
	done
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not ok 1 - this test needs root (network namespaces)"
		echo "1..1"
		exit 1
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

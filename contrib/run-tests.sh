#!/bin/sh
# The whole test suite on a fresh Debian 12 machine: installs what the build
# and the tests need, builds with -Werror, runs `make check`.
#   contrib/run-tests.sh               the suite
#   contrib/run-tests.sh --sanitizers  the suite under ASan and UBSan
#   contrib/run-tests.sh --distcheck   make distcheck (the tarball's own suite)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-plain}

"$top/contrib/setup-debian.sh"

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	autoreconf -fi
fi

jobs=$(nproc 2>/dev/null || echo 2)
case $mode in
plain)
	build=_build
	flags="--enable-werror"
	;;
--sanitizers)
	build=_build-san
	flags="--enable-werror --enable-sanitizers"
	;;
--distcheck)
	build=_build-dist
	flags="--enable-werror"
	;;
*)
	echo "usage: $0 [--sanitizers|--distcheck]" >&2
	exit 64
	;;
esac

mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	"$top/configure" $flags
fi

if [ "$mode" = --distcheck ]; then
	make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS="--enable-werror"
	echo "distcheck: 1 passed, 0 failed"
	exit 0
fi

status=0
make -j"$jobs" check || status=$?

# the summary, from automake's per-test results
pass=0
fail=0
for trs in $(find . -name '*.trs'); do
	p=$(grep -c '^:test-result: PASS' "$trs" || true)
	x=$(grep -c '^:test-result: XFAIL' "$trs" || true)
	f=$(grep -c '^:test-result: \(FAIL\|XPASS\|ERROR\)' "$trs" || true)
	pass=$((pass + p + x))
	fail=$((fail + f))
done
if [ "$status" -ne 0 ]; then
	cat test-suite.log 2>/dev/null | tail -n 200 || true
	[ "$fail" -gt 0 ] || fail=1
fi
echo "$pass passed, $fail failed"
exit "$status"

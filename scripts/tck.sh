#!/usr/bin/env bash
# Runs the Dataspace Protocol conformance kit (DSP TCK) against a running connector.
#
#   scripts/tck.sh PROPERTIES_FILE        e.g. scripts/tck.sh scripts/tck/tck.properties
#
# The kit's runtime classpath is fetched once with Maven into .tools/tck/lib (git-ignored) and reused after.
# The output goes to the terminal and to a log (TCK_LOG, default .tools/tck/logs/tck-<timestamp>.log); the
# kit's "Passed tests:" / "Failed tests:" lines are repeated at the end. The kit itself always exits 0; this
# script exits 0 only when at least one test passed and none failed (1 otherwise, 2 on a usage/setup error).
#
# Environment:
#   TCK_KIT    rc6 (default: the kit modules 1.0.0-RC6 from Maven Central, launched by scripts/tck/KouanTckSuite.java)
#              or 1.0.1 (org.eclipse.dataspacetck.dsp:dsp-tck:1.0.1 and its DspTckSuite; not served here yet)
#   TCK_ONLY   regex over test ids (CAT_01_02, CN_C_02_01, TP_03_04, ...): run only those (rc6 launcher only)
#   TCK_JAVA_OPTS  extra JVM options, e.g. "-Djavax.net.ssl.trustStore=certs/tck-trust.p12 -Djavax.net.ssl.trustStorePassword=..."
#              so the kit trusts an https connector (server-authenticated TLS only: the kit never presents a client
#              certificate, and its own callback server is plain HTTP)
#   TCK_LOG    log file path
#   TCK_REFRESH=1  fetch the classpath again even if .tools/tck/lib is present
# See docs/tck.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kit="${TCK_KIT:-rc6}"
case "$kit" in
  rc6|1.0.1) ;;
  *) echo "tck.sh: TCK_KIT must be rc6 or 1.0.1, not '$kit'" >&2; exit 2 ;;
esac

if [ $# -ne 1 ]; then
  echo "usage: scripts/tck.sh PROPERTIES_FILE   (template: scripts/tck/tck.properties.example)" >&2
  exit 2
fi
config="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
if [ ! -f "$config" ]; then
  echo "tck.sh: no properties file at $1" >&2
  exit 2
fi

for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "tck.sh: $tool is required (Java 17+, Maven 3.8+)" >&2; exit 2; }
done

tck_dir="$root/.tools/tck"
lib="$tck_dir/lib"
stamp="$lib/.kit-$kit"
if [ "${TCK_REFRESH:-0}" = "1" ] || [ ! -f "$stamp" ]; then
  echo "tck.sh: fetching the DSP TCK classpath (profile kit-$kit) into $lib ..." >&2
  fetch="$tck_dir/lib.fetching"
  rm -rf "$fetch"
  mkdir -p "$fetch"
  if ! mvn -B -q -Dstyle.color=never -f "$root/scripts/tck/pom.xml" -P "kit-$kit" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$fetch"; then
    rm -rf "$fetch"
    echo "tck.sh: Maven could not fetch the kit (profile kit-$kit); see docs/tck.md" >&2
    exit 2
  fi
  touch "$fetch/.kit-$kit"
  rm -rf "$lib"
  mv "$fetch" "$lib"
fi

read -r -a java_opts <<< "${TCK_JAVA_OPTS:-}"
if [ "$kit" = "1.0.1" ]; then
  run=(java "${java_opts[@]}" -Dslf4j.internal.verbosity=ERROR -cp "$lib/*" org.eclipse.dataspacetck.dsp.suite.DspTckSuite -config "$config")
else
  run=(java "${java_opts[@]}" -Dslf4j.internal.verbosity=ERROR -Dkouan.tck.only="${TCK_ONLY:-}" -cp "$lib/*" "$root/scripts/tck/KouanTckSuite.java" -config "$config")
fi

log="${TCK_LOG:-$tck_dir/logs/tck-$(date -u +%Y%m%dT%H%M%SZ).log}"
mkdir -p "$(dirname "$log")"
echo "tck.sh: kit $kit, config $config, log $log" >&2

started=$(date +%s)
set +e
"${run[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - started ))

# strip ANSI colour codes in case dataspacetck.ansi=true
summary="$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -Eo '(Passed|Failed) tests: [0-9]+' || true)"
echo
echo "==== DSP TCK summary (kit $kit, ${elapsed}s, log $log)"
if [ -z "$summary" ]; then
  echo "no 'Passed tests:' / 'Failed tests:' lines: the kit did not finish (java exit $status)"
  exit 1
fi
echo "$summary"
passed="$(echo "$summary" | sed -n 's/^Passed tests: //p')"
failed="$(echo "$summary" | sed -n 's/^Failed tests: //p')"
if [ "${failed:-1}" = "0" ] && [ "${passed:-0}" -gt 0 ]; then
  exit 0
fi
exit 1

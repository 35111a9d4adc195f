#!/usr/bin/env bash
# A relying party nobody here wrote, for `harness check`: Apache httpd with mod_auth_openidc
# (OpenID-certified), one virtual host per flow on ports 8401-8405.
#   scripts/third-party-rp.sh install   # apt packages apache2 + libapache2-mod-auth-openidc
#   scripts/third-party-rp.sh start [ISSUER]   # default http://127.0.0.1:9090/acme
#   scripts/third-party-rp.sh restart [ISSUER] # re-reads the discovery document
#   scripts/third-party-rp.sh stop
#   scripts/third-party-rp.sh log       # its error log (the reasons behind its error pages)
# Not part of the default test run: installing needs the Debian package registry.
set -euo pipefail
here="$(cd "$(dirname "$0")/../third-party/mod_auth_openidc" && pwd)"
run_dir="${THIRD_PARTY_RP_DIR:-${TMPDIR:-/tmp}/mod-auth-openidc-run}"
issuer="${2:-http://127.0.0.1:9090/acme}"

install() {
    if [[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ]]; then
        echo "mod_auth_openidc is installed"
        return
    fi
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
        apache2 libapache2-mod-auth-openidc
}

start() {
    mkdir -p "$run_dir"
    local passphrase
    passphrase="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
    sed -e "s|@RUN_DIR@|$run_dir|g" -e "s|@HERE@|$here|g" -e "s|@ISSUER@|$issuer|g" \
        -e "s|@PASSPHRASE@|$passphrase|g" \
        -e "s|@PORT_CODE@|8401|" -e "s|@PORT_IMPLICIT_FORM_POST@|8402|" \
        -e "s|@PORT_IMPLICIT_FRAGMENT@|8403|" -e "s|@PORT_HYBRID_FORM_POST@|8404|" \
        -e "s|@PORT_HYBRID_FRAGMENT@|8405|" \
        "$here/httpd.conf.in" > "$run_dir/httpd.conf"
    apache2 -t -f "$run_dir/httpd.conf" 2>&1 | grep -v "Syntax OK" || true
    apache2 -f "$run_dir/httpd.conf" -k start
    for _ in $(seq 50); do
        curl -fsS -o /dev/null "http://127.0.0.1:8401/" 2>/dev/null && break
        curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:8401/" | grep -qv '^000$' && break
        sleep 0.1
    done
    echo "mod_auth_openidc on 127.0.0.1:8401-8405 (issuer $issuer), run dir $run_dir"
}

stop() {
    if [[ -f "$run_dir/httpd.pid" ]]; then
        apache2 -f "$run_dir/httpd.conf" -k stop || true
        for _ in $(seq 50); do [[ -f "$run_dir/httpd.pid" ]] || break; sleep 0.1; done
    fi
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    restart) stop; start ;;
    stop) stop ;;
    log) cat "$run_dir/error.log" ;;
    *) echo "usage: $0 install|start [ISSUER]|restart [ISSUER]|stop|log" >&2; exit 2 ;;
esac

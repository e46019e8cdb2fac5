#!/usr/bin/env bash
# The Debian packages a pip install of piaops needs on a fresh machine: python-ldap (django-auth-ldap, the directory
# log-in) has no wheel and compiles against the OpenLDAP and SASL headers. Installed when missing and we may
# (root with apt-get); otherwise a clear message, and pip's own error follows.
set -euo pipefail
need=()
[ -f /usr/include/ldap.h ] || need+=(libldap2-dev)
[ -f /usr/include/sasl/sasl.h ] || need+=(libsasl2-dev)
command -v gcc >/dev/null || need+=(gcc)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
else
  echo "piaops needs these Debian packages to build python-ldap: ${need[*]} (sudo apt-get install ${need[*]})" >&2
fi

#!/bin/sh
# Health checks of one piaops node, for the load balancer or the monitoring (README "複数ノード"):
#   /healthz  200 "ok"         the process answers (liveness: restart the service when it fails)
#   /readyz   200 "ok" / 503   the database answers and every migration is applied (readiness: take the node out
#                              of the pool while it says 503, e.g. between an upgrade's install and `piaops migrate`)
# No log-in, and nothing is revealed but ok / not ready. Usage: check-node.sh http://10.0.0.11:8000
set -eu
node="${1:?usage: check-node.sh http://NODE:8000}"
curl --fail --silent --show-error --max-time 5 "$node/healthz" >/dev/null
curl --fail --silent --show-error --max-time 5 "$node/readyz" >/dev/null
echo "ok"

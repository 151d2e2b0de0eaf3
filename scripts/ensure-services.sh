#!/usr/bin/env bash
# Makes sure the local NATS server (with JetStream) and PostgreSQL that the tests use are running,
# starting them from the machine's Debian packages when they are installed but stopped, and
# installing nats-server when it is missing.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do
    if port_open "$port"; then return 0; fi
    sleep 0.5
  done
  echo "ensure-services: ${name} did not open 127.0.0.1:${port} within 30 s" >&2
  return 1
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-services: $* is missing; install it with: sudo apt-get install $*" >&2
    return 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

NATS_BIN="$(command -v nats-server || echo /usr/sbin/nats-server)"
if [ ! -x "$NATS_BIN" ]; then
  echo "ensure-services: installing nats-server"
  apt_install nats-server
  NATS_BIN="$(command -v nats-server || echo /usr/sbin/nats-server)"
fi

if port_open 4222; then
  echo "ensure-services: NATS answers on 127.0.0.1:4222"
else
  echo "ensure-services: starting nats-server with JetStream on 127.0.0.1:4222"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$NATS_BIN" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222 nats-server
fi

if port_open 5432; then
  echo "ensure-services: PostgreSQL answers on 127.0.0.1:5432"
else
  if ! ls /etc/postgresql >/dev/null 2>&1; then
    echo "ensure-services: installing postgresql"
    apt_install postgresql
  fi
  echo "ensure-services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_port 5432 postgresql
fi

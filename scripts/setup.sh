#!/usr/bin/env bash
# Installs the system packages pondgate and its tests need, when they are missing:
# nats-server (the message bus), postgresql-client (psql, used by the tests), and
# a Java runtime with pgjdbc (test/clients/binary.test.ts drives pgjdbc's binary transfer).
# Debian/Ubuntu only; run as root (or with sudo available).
set -euo pipefail

missing=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -f /usr/share/java/postgresql.jar ] || missing+=(libpostgresql-jdbc-java)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update
$sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Installs the system packages pondgate and its tests need, when they are missing:
# nats-server (the message bus) and the clients of the client-matrix tests
# (test/clients/): psql, pgbench, pgjdbc with a JDK, psqlODBC with unixODBC's isql,
# psycopg2, SQLAlchemy and pyodbc for Debian's python3 (Superset's inspect(), ODBC's
# catalog functions), and openssl. The BI-catalog recordings script starts a private
# server from the same postgresql-15 package that brings pgbench.
# Debian/Ubuntu only; run as root (or with sudo available). Each check looks for the
# command or file the tests use, so a machine that has everything installs nothing.
set -euo pipefail

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
updated=0

install() {
  echo "setup: installing $*" >&2
  if [ "$updated" -eq 0 ]; then
    $sudo_cmd apt-get update
    updated=1
  fi
  $sudo_cmd apt-get install -y --no-install-recommends "$@"
}

has_pgbench() {
  compgen -G '/usr/lib/postgresql/*/bin/pgbench' >/dev/null
}

missing=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
[ -f /usr/share/java/postgresql.jar ] || missing+=(libpostgresql-jdbc-java)
command -v isql >/dev/null 2>&1 || missing+=(unixodbc)
{ command -v odbcinst >/dev/null 2>&1 && odbcinst -q -d -n "PostgreSQL Unicode" >/dev/null 2>&1; } || missing+=(odbc-postgresql)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1; } || missing+=(python3-psycopg2)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sqlalchemy' >/dev/null 2>&1; } || missing+=(python3-sqlalchemy)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pyodbc' >/dev/null 2>&1; } || missing+=(python3-pyodbc)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)

if [ ${#missing[@]} -gt 0 ]; then install "${missing[@]}"; fi

# pgbench is not in postgresql-client: Debian ships it in the server package of the
# same major version as psql (postgresql-15 on Debian 12). No server is wanted: keep
# the package from creating a "main" cluster (and Docker images' policy-rc.d keeps
# it from starting one).
if ! has_pgbench; then
  major=$(psql --version | sed -E 's/^psql \(PostgreSQL\) ([0-9]+).*/\1/')
  if [ ! -e /etc/postgresql-common/createcluster.d/pondgate.conf ]; then
    $sudo_cmd mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" | $sudo_cmd tee /etc/postgresql-common/createcluster.d/pondgate.conf >/dev/null
  fi
  install "postgresql-${major}"
fi

#!/bin/sh
# The two database roles of a deployment (docs/reliability.md, "Audit log, deployment and
# backups"). The postgres image runs this once, when its volume is first initialised; it is
# idempotent, so an existing cluster can be brought to the same state by running it by hand
# as a superuser (passwords are then reset to the given ones).
#   gradebook_owner  owns the database and every table; used by `migrate`, `exam_delete` and
#                    `restore` only (the compose service `migrate`).
#   gradebook_app    the web, workers and beat: what `manage.py grant_app_role gradebook_app`
#                    grants after every migration, i.e. only SELECT and INSERT on the grade
#                    audit log.
# Environment: POSTGRES_USER (a superuser), GRADEBOOK_OWNER_PASSWORD, GRADEBOOK_APP_PASSWORD,
# and optionally GRADEBOOK_DB (default gradebook).
set -eu
: "${GRADEBOOK_OWNER_PASSWORD:?set GRADEBOOK_OWNER_PASSWORD}"
: "${GRADEBOOK_APP_PASSWORD:?set GRADEBOOK_APP_PASSWORD}"
db=${GRADEBOOK_DB:-gradebook}

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v db="$db" -v owner_password="$GRADEBOOK_OWNER_PASSWORD" \
  -v app_password="$GRADEBOOK_APP_PASSWORD" <<'SQL'
SELECT format(CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = r.name)
                   THEN 'ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L'
                   ELSE 'CREATE ROLE %I LOGIN PASSWORD %L' END, r.name, r.password)
  FROM (VALUES ('gradebook_owner', :'owner_password'), ('gradebook_app', :'app_password'))
       AS r(name, password)
\gexec
SELECT format('CREATE DATABASE %I OWNER gradebook_owner', :'db')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO gradebook_app', :'db') \gexec
\connect :db
-- Nobody but the owner creates objects in the schema (PostgreSQL 15's default; older ones
-- granted CREATE to everyone).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO gradebook_owner;
SQL

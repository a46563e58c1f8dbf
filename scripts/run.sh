#!/usr/bin/env bash
# The production-shaped stack in the foreground: migrate, then the ASGI
# server, a Celery worker and Celery beat under honcho, which stops them all
# on Ctrl-C or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p var
  [ -s var/secret_key ] || .venv/bin/python -c \
    "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  SECRET_KEY=$(cat var/secret_key)
  export SECRET_KEY
  echo "SECRET_KEY not set: using the one kept in var/secret_key"
fi
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput -v 0
if [ "$(.venv/bin/python manage.py shell -c 'from catalog.models import Sku; print(Sku.objects.exists())')" = "False" ]; then
  echo "The catalog is empty: load one with .venv/bin/python manage.py import_catalog FILE"
fi
exec .venv/bin/honcho -f Procfile start

#!/usr/bin/env bash
# The demo: migrate a fresh SQLite file, load a catalog, then serve the shop
# with a Celery worker (beat inside it) and replayed demand, under honcho.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py import_catalog "$DATA"
.venv/bin/python manage.py demo_staff
echo "OfficeShop demo: http://127.0.0.1:${PORT}/  (admin: /admin/, users demo, clerk and manager, each with its name as password)"
exec .venv/bin/honcho -f Procfile.demo start

# One image for web, worker, beat and the AWS emulator; docker-compose.yml picks the command.
FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
RUN DJANGO_SETTINGS_MODULE=meshportal.settings.dev MESHPORTAL_VAR_DIR=/tmp/build python manage.py collectstatic --noinput
RUN useradd --create-home meshportal && mkdir -p /data && chown meshportal /data
USER meshportal
EXPOSE 8000
CMD ["gunicorn", "-c", "python:meshportal.gunicorn_conf", "meshportal.wsgi:application", "--bind", "0.0.0.0:8000"]

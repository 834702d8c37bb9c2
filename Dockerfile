# Two images from one file; docker-compose.yml picks the target and the command.
#   portal (the default target): web, worker, beat and migrate; requirements/base.txt only.
#   aws-emulator: the portal image plus requirements/emulator.txt (moto server), for the local stack only.

FROM python:3.12-slim-bookworm AS portal
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
RUN DJANGO_SETTINGS_MODULE=meshportal.settings.dev MESHPORTAL_VAR_DIR=/tmp/build python manage.py collectstatic --noinput
RUN useradd --create-home meshportal && mkdir -p /data && chown meshportal /data
USER meshportal
EXPOSE 8000
# scripts/check-newcomer starts gunicorn with exactly this command (another --bind) and asks /healthz.
CMD ["gunicorn", "-c", "python:meshportal.gunicorn_conf", "meshportal.wsgi:application", "--bind", "0.0.0.0:8000"]

FROM portal AS aws-emulator
USER root
RUN pip install --no-cache-dir -r requirements/emulator.txt
USER meshportal
EXPOSE 5005
CMD ["python", "-m", "aws_emulator", "--host", "0.0.0.0", "--port", "5005", "--state", "/data/emulator-state.pickle"]

# Last, so that a plain `docker build .` makes the production image, without moto.
FROM portal

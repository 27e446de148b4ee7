FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY connect ./connect
COPY integrations ./integrations
COPY tooling ./tooling
COPY templates ./templates
COPY static ./static
COPY locale ./locale
COPY manage.py ./
RUN pip install --no-cache-dir -e . \
    && python manage.py compile_translations
RUN useradd --create-home connect && mkdir -p /app/var && chown connect /app/var
USER connect
EXPOSE 8000
CMD ["gunicorn", "connect.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

"""The API server: Airflow 3's REST API under ``/api/v2``, simple-auth tokens, streams endpoints.

Build the ASGI application with :func:`airstream.web.app.create_app`; ``airstream api-server``
serves it with :mod:`airstream.web.server`.
"""

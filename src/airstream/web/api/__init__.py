"""The ``/api/v2`` resources, one module each, every one an :class:`fastapi.APIRouter`."""

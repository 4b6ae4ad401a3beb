"""Stores: one interface, an embedded SQL backend and a Google Sheets backend."""

from services.store.base import (
    BackendUnavailable,
    ConflictError,
    NotFoundError,
    Store,
    StoreError,
)

__all__ = ["BackendUnavailable", "ConflictError", "NotFoundError", "Store", "StoreError"]

"""Open the configured store and fill it on first start."""

from __future__ import annotations

from services.config import Backend, Settings
from services.store.base import Store


def open_store(settings: Settings) -> Store:
    """Return the store the settings name; an empty embedded store gets its first data."""
    if settings.backend == Backend.GSHEETS:
        from services.store.gsheets import GSheetsStore

        return GSheetsStore.from_settings(settings)
    from services.store.sql import SqlStore

    store = SqlStore(settings.db_url)
    if store.is_empty():
        fill(store, demo=settings.demo_data, year=settings.year)
    return store


def fill(store: Store, *, demo: bool, year: int, scale: int = 1, seed: int = 2024) -> dict[
    str, int
]:
    """Load Plan 48's indicators, and with `demo` a whole demo ward; return counts per sheet."""
    if demo:
        from services.demo import generate

        data = generate(seed=seed, scale=scale, year=year)
    else:
        from services.plan48 import indicator_records

        data = {"indicators": indicator_records()}
    store.load(data)
    return {key: len(records) for key, records in data.items()}

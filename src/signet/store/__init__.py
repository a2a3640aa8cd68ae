"""Durable storage behind one interface; see :mod:`signet.store.base`."""

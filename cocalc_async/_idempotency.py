"""The former home of :func:`is_idempotent`, kept so ``from cocalc_async._idempotency import
is_idempotent`` still works; the facts live in ``cocalc_async/_endpoint_facts.py``."""

from __future__ import annotations

from ._endpoint_facts import default_request_timeout, is_idempotent, stretched_timeout

__all__ = ["default_request_timeout", "is_idempotent", "stretched_timeout"]
